// The interop harness itself: child processes, loopback sockets, the test PKI,
// and openssl s_server talking to openssl s_client through it. No tlsio engine
// here, so a failure in this suite is a harness problem, not an engine bug.
#define BOOST_TEST_MODULE interop_harness_test
#include <boost/test/unit_test.hpp>

#include "interop_test_support.hpp"

#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <system_error>
#include <thread>

using namespace tlsio::interop;
using namespace std::chrono_literals;

BOOST_TEST_GLOBAL_FIXTURE(global_setup);

BOOST_AUTO_TEST_SUITE(process)

BOOST_AUTO_TEST_CASE(stdin_to_stdout_and_exit_status) {
    child_process cat({"cat"});
    BOOST_TEST(cat.write_stdin("hello\nworld\n"));
    BOOST_TEST(cat.wait_for_output("world\n", 5000ms));
    cat.close_stdin();
    auto st = cat.wait_exit(5000ms);
    BOOST_TEST_REQUIRE(st.has_value());
    BOOST_TEST(WIFEXITED(*st));
    BOOST_TEST(WEXITSTATUS(*st) == 0);
    BOOST_TEST(cat.output() == "hello\nworld\n");
}

BOOST_AUTO_TEST_CASE(stderr_is_collected) {
    std::string out;
    int rc = run_command({"sh", "-c", "echo to-stderr 1>&2; exit 3"}, out, 5000ms);
    BOOST_TEST(rc == 3);
    BOOST_TEST(out == "to-stderr\n");
}

BOOST_AUTO_TEST_CASE(waits_are_bounded_and_children_are_killed) {
    auto start = std::chrono::steady_clock::now();
    pid_t pid;
    {
        child_process sleeper({"sleep", "100"});
        pid = sleeper.pid();
        BOOST_TEST(!sleeper.wait_for_output("never", 200ms));
        BOOST_TEST(!sleeper.wait_exit(200ms).has_value());
        BOOST_TEST(sleeper.running());
    }
    // Reaped by the destructor: the pid is no longer our child.
    BOOST_TEST(::waitpid(pid, nullptr, WNOHANG) == -1);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
}

BOOST_AUTO_TEST_CASE(missing_program_throws) {
    BOOST_CHECK_THROW(child_process({"/nonexistent/tlsio-no-such-program"}), std::system_error);
}

BOOST_AUTO_TEST_CASE(trace_parser) {
    const std::string trace =
        "Received Record\n"
        "Header:\n"
        "  Version = TLS 1.0 (0x301)\n"
        "  Content Type = Handshake (22)\n"
        "  Length = 231\n"
        "    ClientHello, Length=227\n"
        "      client_version=0x303 (TLS 1.2)\n"
        "        extension_type=key_share(51), length=38\n"
        "            NamedGroup: ecdh_x25519 (29)\n"
        "\n"
        "Sent Record\n"
        "Header:\n"
        "  Length = 22\n"
        "  Inner Content Type = Handshake (22)\n"
        "    KeyUpdate, Length=1\n"
        "      update_requested (1)\n"
        "\n";
    auto m = parse_trace(trace);
    BOOST_TEST_REQUIRE(m.size() == 2u);
    BOOST_TEST(!m[0].sent);
    BOOST_TEST(m[0].type == "ClientHello");
    BOOST_TEST(m[0].body.find("NamedGroup: ecdh_x25519 (29)") != std::string::npos);
    BOOST_TEST(m[1].sent);
    BOOST_TEST(m[1].type == "KeyUpdate");
    BOOST_TEST(m[1].body.find("update_requested (1)") != std::string::npos);
    BOOST_TEST(count_messages(m, false, "ClientHello") == 1u);
    BOOST_TEST(count_messages(m, true, "ClientHello") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sockets)

BOOST_AUTO_TEST_CASE(loopback_round_trip) {
    loopback_listener listener;
    BOOST_TEST(listener.port() != 0);
    socket_fd client = connect_loopback(listener.port());
    socket_fd server = listener.accept(2000ms);
    BOOST_TEST_REQUIRE(::send(client.get(), "ping", 4, MSG_NOSIGNAL) == 4);
    char buf[8] = {};
    BOOST_TEST(::recv(server.get(), buf, sizeof buf, 0) == 4);
    BOOST_TEST(std::string(buf, 4) == "ping");
}

BOOST_AUTO_TEST_CASE(accept_times_out) {
    loopback_listener listener;
    auto start = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(listener.accept(200ms), std::system_error);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pki)

BOOST_AUTO_TEST_CASE(leaves_verify_against_their_roots) {
    const auto& p = env().pki;
    std::string out;
    for (const auto* leaf : {&p.p256, &p.p384, &p.rsa, &p.ed25519, &p.alt_name}) {
        BOOST_TEST_CONTEXT(leaf->cert) {
            BOOST_TEST(
                run_command({env().openssl, "verify", "-CAfile", p.ca.cert, "-purpose", "sslserver",
                             "-verify_hostname",
                             leaf == &p.alt_name ? "alt.localhost" : "localhost", leaf->cert},
                            out) == 0,
                out);
        }
    }
    BOOST_TEST(run_command({env().openssl, "verify", "-CAfile", p.ca.cert, "-verify_ip",
                            "127.0.0.1", p.p256.cert},
                           out) == 0,
               out);
    BOOST_TEST(run_command({env().openssl, "verify", "-CAfile", p.ca.cert, "-purpose", "sslclient",
                            p.client.cert},
                           out) == 0,
               out);
    // The negative fixtures really are negative.
    BOOST_TEST(run_command({env().openssl, "verify", "-CAfile", p.ca.cert, "-verify_hostname",
                            "localhost", p.wrong_name.cert},
                           out) != 0,
               out);
    BOOST_TEST(run_command({env().openssl, "verify", "-CAfile", p.ca.cert, p.unknown_ca_leaf.cert},
                           out) != 0,
               out);
    BOOST_TEST(run_command({env().openssl, "verify", "-CAfile", p.other_ca.cert, "-verify_hostname",
                            "localhost", p.unknown_ca_leaf.cert},
                           out) == 0,
               out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(openssl_to_openssl)

// s_server and s_client through the harness: port discovery, readiness, data
// both ways over the pipes, a KeyUpdate, close, and the trace.
BOOST_AUTO_TEST_CASE(s_server_talks_to_s_client) {
    const auto& p = env().pki;
    openssl_server server(env().openssl, p.dir,
                          {"-cert", p.p256.cert, "-key", p.p256.key, "-groups", "P-256",
                           "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"});
    dump_on_failure d1(
        "s_server", [&] { return server.output(); }, [&] { return server.trace(); });
    BOOST_TEST(server.port() != 0);

    openssl_client client(env().openssl, p.dir, server.port(),
                          {"-CAfile", p.ca.cert, "-verify_return_error", "-verify_hostname",
                           "localhost", "-groups", "X25519:P-256"});
    dump_on_failure d2(
        "s_client", [&] { return client.output(); }, [&] { return client.trace(); });

    BOOST_TEST_REQUIRE(client.process().wait_for_output("Verify return code: 0 (ok)"));
    BOOST_TEST(client.output().find("Cipher is TLS_CHACHA20_POLY1305_SHA256") != std::string::npos);
    BOOST_TEST(client.output().find("Server Temp Key: ECDH, prime256v1, 256 bits") !=
               std::string::npos);
    BOOST_TEST_REQUIRE(server.process().wait_for_output("CIPHER is TLS_CHACHA20_POLY1305_SHA256"));

    std::string to_server = make_payload(3000, 1);
    std::string to_client = make_payload(3000, 2);
    BOOST_TEST(client.process().write_stdin(to_server));
    BOOST_TEST(server.process().wait_for_output(to_server));
    // s_server drops the rest of a stdin chunk after a command and prints no
    // unbuffered acknowledgement, so give it time to read "K\n" on its own.
    BOOST_TEST(server.process().write_stdin("K\n"));
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(server.process().write_stdin(to_client));
    BOOST_TEST(client.process().wait_for_output(to_client));

    BOOST_TEST(client.process().write_stdin("Q\n"));
    BOOST_TEST(server.process().wait_for_output("DONE"));
    auto server_status = server.process().wait_exit();
    auto client_status = client.process().wait_exit();
    BOOST_TEST_REQUIRE(server_status.has_value());
    BOOST_TEST_REQUIRE(client_status.has_value());
    BOOST_TEST(WIFEXITED(*server_status));
    BOOST_TEST(WEXITSTATUS(*server_status) == 0);

    auto trace = parse_trace(server.trace());
    BOOST_TEST(count_messages(trace, false, "ClientHello") == 2u);  // HRR to P-256
    BOOST_TEST(count_messages(trace, true, "ServerHello") == 2u);
    BOOST_TEST(count_messages(trace, true, "KeyUpdate") == 1u);
    BOOST_TEST(count_messages(trace, true, "CertificateVerify") == 1u);
    BOOST_TEST(count_messages(trace, false, "Alert") == 1u);  // close_notify from s_client
    BOOST_TEST(count_messages(trace, true, "Alert") == 1u);   // and the reply
    for (const auto& m : trace)
        if (m.type == "Alert")
            BOOST_TEST(m.body.find("description=close notify(0)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
