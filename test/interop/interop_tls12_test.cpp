// TLS 1.2 against libssl on 127.0.0.1: tlsio's client against
// `openssl s_server -tls1_2` and tlsio's server against `openssl s_client
// -tls1_2`, for every suite, the groups and the certificate types; the
// master secret each side logs (CLIENT_RANDOM) must be the same, so both
// derived the same keys byte for byte.
#define BOOST_TEST_MODULE interop_tls12_test
#include <boost/test/unit_test.hpp>

#include "interop_test_support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <sys/wait.h>

#include <memory>
#include <optional>
#include <ostream>

using namespace tlsio::interop;
using tlsio::cipher_suite;
using tlsio::named_group;
using tlsio::signature_scheme;
namespace bdata = boost::unit_test::data;

BOOST_TEST_GLOBAL_FIXTURE(global_setup);

namespace {

const cipher_suite ecdsa_suite_list[] = {cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256,
                                         cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384,
                                         cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256};
const cipher_suite rsa_suite_list[] = {cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256,
                                       cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384,
                                       cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256};
const signature_scheme rsa_schemes[] = {signature_scheme::rsa_pkcs1_sha256,
                                        signature_scheme::rsa_pkcs1_sha512,
                                        signature_scheme::rsa_pss_rsae_sha384};
const std::string openssl_sigalgs[] = {"RSA+SHA256", "RSA+SHA384", "rsa_pss_rsae_sha256"};
const named_group groups12[] = {named_group::x25519, named_group::secp256r1,
                                named_group::secp384r1};

tlsio::context client12() {
    tlsio::context ctx(tlsio::context::tlsv12_client);
    ctx.load_verify_file(env().pki.ca.cert);
    return ctx;
}

tlsio::context server12(const credential_files& cred) {
    tlsio::context ctx(tlsio::context::tlsv12_server);
    ctx.use_certificate_chain_file(cred.cert);
    ctx.use_private_key_file(cred.key);
    return ctx;
}

// Our key log lines, kept by the callback.
struct our_keylog {
    std::shared_ptr<std::string> lines = std::make_shared<std::string>();
    void attach(tlsio::context& ctx) const {
        ctx.set_keylog_callback([l = lines](std::string_view line) {
            l->append(line);
            l->push_back('\n');
        });
    }
};

void expect_same_master_secret(const our_keylog& ours, const std::string& theirs_path) {
    auto mine = parse_keylog(*ours.lines);
    auto theirs = parse_keylog(read_file(theirs_path));
    BOOST_TEST_REQUIRE(mine.count("CLIENT_RANDOM") == 1u, *ours.lines);
    BOOST_TEST_REQUIRE(theirs.count("CLIENT_RANDOM") == 1u);
    BOOST_TEST(mine["CLIENT_RANDOM"] == theirs["CLIENT_RANDOM"]);
}

/// s_server -tls1_2 and our client connected to it.
struct with_server {
    std::string keylog = unique_path(env().pki.dir, "s_server-keylog");
    openssl_server server;
    dump_on_failure dump;
    std::optional<tls_socket> conn;

    with_server(std::vector<std::string> args, const credential_files& cred)
        : server(env().openssl, env().pki.dir, with(std::move(args), cred, keylog)),
          dump(
              "s_server",
              [this] { return server.process().command_line() + "\n" + server.output(); },
              [this] { return server.trace(); }) {}

    static std::vector<std::string> with(std::vector<std::string> args,
                                         const credential_files& cred, const std::string& kl) {
        args.insert(args.begin(),
                    {"-tls1_2", "-cert", cred.cert, "-key", cred.key, "-keylogfile", kl});
        return args;
    }

    void connect(const tlsio::context& ctx) {
        tlsio::engine_options o;
        o.server_name = "localhost";
        conn.emplace(connect_loopback(server.port()),
                     tlsio::engine(ctx, tlsio::role::client, std::move(o)));
    }

    void handshake_and_exchange(std::size_t size) {
        auto ec = conn->handshake();
        BOOST_TEST_REQUIRE(!ec, "handshake: " << ec.message() << ": " << conn->describe());
        BOOST_TEST(conn->engine().version() == tlsio::protocol_version::tls12);
        std::string up = make_payload(size, 11);
        ec = conn->write_all(up);
        BOOST_TEST_REQUIRE(!ec, "write_all: " << ec.message());
        BOOST_TEST(server.process().wait_for_output(up), "s_server did not print our data");
        std::string down = make_payload(size, 12);
        BOOST_TEST_REQUIRE(server.process().write_stdin(down));
        std::string got;
        ec = conn->read_exactly(got, down.size());
        BOOST_TEST_REQUIRE(!ec, "read_exactly: " << ec.message() << ": " << conn->describe());
        BOOST_TEST((got == down));
    }

    void close() {
        auto ec = conn->shutdown();
        BOOST_TEST_REQUIRE(!ec, "shutdown: " << ec.message());
        std::string leftover;
        ec = conn->read_until_close(leftover);
        BOOST_TEST(!ec, "read_until_close: " << ec.message() << ": " << conn->describe());
        BOOST_TEST(conn->engine().received_close_notify());
        auto st = server.process().wait_exit();
        BOOST_TEST_REQUIRE(st.has_value(), "s_server did not exit");
        BOOST_TEST(WEXITSTATUS(*st) == 0);
    }
};

/// Our TLS 1.2 server and s_client -tls1_2 connected to it.
struct with_client {
    std::string keylog = unique_path(env().pki.dir, "s_client-keylog");
    loopback_listener listener;
    std::optional<openssl_client> client;
    std::optional<dump_on_failure> dump;
    std::optional<tls_socket> conn;

    with_client(const tlsio::context& ctx, std::vector<std::string> args) {
        args.insert(args.begin(), {"-tls1_2", "-CAfile", env().pki.ca.cert, "-verify_return_error",
                                   "-verify_hostname", "localhost", "-keylogfile", keylog});
        client.emplace(env().openssl, env().pki.dir, listener.port(), std::move(args));
        dump.emplace(
            "s_client",
            [this] { return client->process().command_line() + "\n" + client->output(); },
            [this] { return client->trace(); });
        conn.emplace(listener.accept(), tlsio::engine(ctx, tlsio::role::server));
    }

    child_process& peer() { return client->process(); }

    void handshake_and_exchange(std::size_t size) {
        auto ec = conn->handshake();
        BOOST_TEST_REQUIRE(!ec, "handshake: " << ec.message() << ": " << conn->describe());
        BOOST_TEST(conn->engine().version() == tlsio::protocol_version::tls12);
        BOOST_TEST_REQUIRE(peer().wait_for_output("Verify return code: 0 (ok)"));
        std::string down = make_payload(size, 21);
        ec = conn->write_all(down);
        BOOST_TEST_REQUIRE(!ec, "write_all: " << ec.message());
        BOOST_TEST(peer().wait_for_output(down), "s_client did not print our data");
        std::string up = make_payload(size, 22);
        BOOST_TEST_REQUIRE(peer().write_stdin(up));
        std::string got;
        ec = conn->read_exactly(got, up.size());
        BOOST_TEST_REQUIRE(!ec, "read_exactly: " << ec.message() << ": " << conn->describe());
        BOOST_TEST((got == up));
    }

    void close() {
        auto ec = conn->shutdown();
        BOOST_TEST_REQUIRE(!ec, "shutdown: " << ec.message());
        std::string leftover;
        ec = conn->read_until_close(leftover);
        BOOST_TEST(!ec, "read_until_close: " << ec.message() << ": " << conn->describe());
        auto st = peer().wait_exit();
        BOOST_TEST_REQUIRE(st.has_value(), "s_client did not exit");
        BOOST_TEST(WEXITSTATUS(*st) == 0);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tlsio_client)

BOOST_DATA_TEST_CASE(ecdsa_suites_and_groups, bdata::make(ecdsa_suite_list) * bdata::make(groups12),
                     suite, group) {
    with_server s({"-cipher", tlsio::openssl_name(suite), "-groups", openssl_group_name(group)},
                  env().pki.p256);
    our_keylog kl;
    auto ctx = client12();
    kl.attach(ctx);
    s.connect(ctx);
    s.handshake_and_exchange(40000);
    BOOST_TEST(s.conn->engine().cipher_suite() == suite);
    BOOST_TEST(s.conn->engine().group() == group);
    BOOST_TEST(
        s.server.process().wait_for_output(std::string("CIPHER is ") + tlsio::openssl_name(suite)));
    s.close();
    expect_same_master_secret(kl, s.keylog);
}

BOOST_DATA_TEST_CASE(rsa_suites, bdata::make(rsa_suite_list), suite) {
    with_server s({"-cipher", tlsio::openssl_name(suite)}, env().pki.rsa);
    our_keylog kl;
    auto ctx = client12();
    kl.attach(ctx);
    s.connect(ctx);
    s.handshake_and_exchange(2000);
    BOOST_TEST(s.conn->engine().cipher_suite() == suite);
    s.close();
    expect_same_master_secret(kl, s.keylog);
}

BOOST_DATA_TEST_CASE(signature_schemes, bdata::make(rsa_schemes), scheme) {
    with_server s({}, env().pki.rsa);
    auto ctx = client12();
    ctx.set_signature_schemes({scheme});
    s.connect(ctx);
    s.handshake_and_exchange(100);
    BOOST_TEST(s.conn->engine().peer_signature_scheme() == scheme);
    s.close();
}

BOOST_AUTO_TEST_CASE(certificate_types) {
    for (const credential_files* cred : {&env().pki.p384, &env().pki.ed25519}) {
        with_server s({}, *cred);
        s.connect(client12());
        s.handshake_and_exchange(100);
        s.close();
    }
}

BOOST_AUTO_TEST_CASE(client_certificate) {
    with_server s({"-Verify", "1", "-CAfile", env().pki.ca.cert}, env().pki.p256);
    auto ctx = client12();
    ctx.use_certificate_chain_file(env().pki.client.cert);
    ctx.use_private_key_file(env().pki.client.key);
    s.connect(ctx);
    s.handshake_and_exchange(100);
    BOOST_TEST(s.conn->engine().signature_scheme().has_value());
    s.close();
}

BOOST_AUTO_TEST_CASE(capable_client_meets_tls12_server) {
    with_server s({}, env().pki.p256);
    auto ctx = client12();
    ctx.set_protocol_versions(tlsio::protocol_version::tls12, tlsio::protocol_version::tls13);
    s.connect(ctx);
    s.handshake_and_exchange(100);
    s.close();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tlsio_server)

BOOST_DATA_TEST_CASE(ecdsa_suites_and_groups, bdata::make(ecdsa_suite_list) * bdata::make(groups12),
                     suite, group) {
    auto ctx = server12(env().pki.p256);
    our_keylog kl;
    kl.attach(ctx);
    // The client lists P-256 too: the certificate's curve must be one it supports
    // (RFC 8422 5.3); our server's only group decides the key exchange.
    ctx.set_groups({group});
    with_client c(ctx, {"-cipher", tlsio::openssl_name(suite), "-groups",
                        std::string(openssl_group_name(group)) +
                            (group == named_group::secp256r1 ? "" : ":P-256")});
    c.handshake_and_exchange(40000);
    BOOST_TEST(c.conn->engine().cipher_suite() == suite);
    BOOST_TEST(c.conn->engine().group() == group);
    BOOST_TEST(c.client->output().find(std::string("Cipher is ") + tlsio::openssl_name(suite)) !=
               std::string::npos);
    BOOST_TEST(c.client->output().find("Extended master secret: yes") != std::string::npos);
    c.close();
    expect_same_master_secret(kl, c.keylog);
}

BOOST_DATA_TEST_CASE(rsa_suites, bdata::make(rsa_suite_list), suite) {
    auto ctx = server12(env().pki.rsa);
    our_keylog kl;
    kl.attach(ctx);
    with_client c(ctx, {"-cipher", tlsio::openssl_name(suite)});
    c.handshake_and_exchange(2000);
    BOOST_TEST(c.conn->engine().cipher_suite() == suite);
    c.close();
    expect_same_master_secret(kl, c.keylog);
}

BOOST_DATA_TEST_CASE(signature_schemes, bdata::make(openssl_sigalgs), sigalgs) {
    auto ctx = server12(env().pki.rsa);
    with_client c(ctx, {"-sigalgs", sigalgs});
    c.handshake_and_exchange(100);
    c.close();
}

BOOST_AUTO_TEST_CASE(certificate_curve_the_client_lacks) {
    // RFC 8422 5.3: an ECDSA certificate on a curve the client does not list
    // is not used (libssl's client would refuse it: "wrong curve").
    auto ctx = server12(env().pki.p256);
    with_client c(ctx, {"-groups", "X25519"});
    auto ec = c.conn->handshake();
    BOOST_TEST((ec == tlsio::error::handshake_failure), ec.message());
}

BOOST_AUTO_TEST_CASE(client_certificate) {
    auto ctx = server12(env().pki.p256);
    ctx.load_verify_file(env().pki.ca.cert);
    ctx.set_verify_mode(tlsio::verify_peer | tlsio::verify_fail_if_no_peer_cert);
    with_client c(ctx, {"-cert", env().pki.client.cert, "-key", env().pki.client.key});
    c.handshake_and_exchange(100);
    BOOST_TEST(!c.conn->engine().peer_certificates().empty());
    c.close();
}

BOOST_AUTO_TEST_CASE(capable_server_meets_tls12_client) {
    auto ctx = server12(env().pki.p256);
    ctx.set_protocol_versions(tlsio::protocol_version::tls12, tlsio::protocol_version::tls13);
    with_client c(ctx, {});
    c.handshake_and_exchange(100);
    c.close();
}

BOOST_AUTO_TEST_SUITE_END()
