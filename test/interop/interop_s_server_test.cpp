// tlsio's client engine against `openssl s_server` on 127.0.0.1.
//
// Every case checks what both ends saw: the engine's accessors and what
// s_server printed or traced (-trace -msgfile), and that application data
// arrives intact in both directions.
#define BOOST_TEST_MODULE interop_s_server_test
#include <boost/test/unit_test.hpp>

#include "interop_test_support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <optional>
#include <ostream>

using namespace tlsio::interop;
using namespace std::chrono_literals;
using tlsio::cipher_suite;
using tlsio::named_group;
using tlsio::signature_scheme;
namespace bdata = boost::unit_test::data;

BOOST_TEST_GLOBAL_FIXTURE(global_setup);

namespace {

tlsio::engine_options for_host(std::string name = "localhost") {
    tlsio::engine_options o;
    o.server_name = std::move(name);
    return o;
}

/// One s_server and our client connected to it.
struct session {
    bool rev_mode;
    openssl_server server;
    dump_on_failure dump;
    std::optional<tls_socket> conn;

    explicit session(std::vector<std::string> args, const credential_files& cred = env().pki.p256)
        : rev_mode(std::find(args.begin(), args.end(), "-rev") != args.end()),
          server(env().openssl, env().pki.dir, with_credential(std::move(args), cred)),
          dump(
              "s_server",
              [this] { return server.process().command_line() + "\n" + server.output(); },
              [this] { return server.trace(); }) {}

    static std::vector<std::string> with_credential(std::vector<std::string> args,
                                                    const credential_files& cred) {
        args.insert(args.begin(), {"-cert", cred.cert, "-key", cred.key});
        return args;
    }

    tls_socket& connect(const tlsio::context& ctx, tlsio::engine_options options = for_host()) {
        conn.emplace(connect_loopback(server.port()),
                     tlsio::engine(ctx, tlsio::role::client, std::move(options)));
        return *conn;
    }

    /// Data both ways: ours must show up on s_server's stdout, and what we
    /// write to its stdin must come out of our engine unchanged.
    void exchange(std::size_t size, std::uint32_t seed) {
        std::string up = make_payload(size, seed);
        auto ec = conn->write_all(up);
        BOOST_TEST_REQUIRE(!ec, "write_all: " << ec.message() << ": " << conn->describe());
        BOOST_TEST(server.process().wait_for_output(up), "s_server did not print our data");

        std::string down = make_payload(size, seed + 1000);
        BOOST_TEST_REQUIRE(server.process().write_stdin(down));
        std::string got;
        ec = conn->read_exactly(got, down.size());
        BOOST_TEST_REQUIRE(!ec, "read_exactly: " << ec.message() << ": " << conn->describe());
        BOOST_TEST((got == down), "data from s_server differs");
    }

    /// We send close_notify, s_server answers with its own and exits cleanly.
    void close_from_client() {
        auto ec = conn->shutdown();
        BOOST_TEST_REQUIRE(!ec, "shutdown: " << ec.message() << ": " << conn->describe());
        std::string leftover;
        ec = conn->read_until_close(leftover);
        BOOST_TEST(!ec, "read_until_close: " << ec.message() << ": " << conn->describe());
        BOOST_TEST(leftover.empty());
        BOOST_TEST(conn->engine().received_close_notify());
        BOOST_TEST(conn->engine().sent_close_notify());
        // sv_body prints DONE on close_notify; -rev mode prints CONNECTION CLOSED.
        BOOST_TEST(server.process().wait_for_output(rev_mode ? "CONNECTION CLOSED" : "DONE"));
        expect_clean_exit();
        auto trace = parse_trace(server.trace());
        BOOST_TEST(has_alert(trace, false, 0), "s_server did not receive our close_notify");
        BOOST_TEST(has_alert(trace, true, 0), "s_server did not send close_notify back");
    }

    void expect_clean_exit() {
        auto st = server.process().wait_exit();
        BOOST_TEST_REQUIRE(st.has_value(), "s_server did not exit");
        BOOST_TEST(WIFEXITED(*st));
        BOOST_TEST(WEXITSTATUS(*st) == 0);
    }

    std::vector<trace_message> finished_trace() {
        BOOST_TEST(server.process().wait_exit().has_value(), "s_server did not exit");
        return parse_trace(server.trace());
    }

    static bool has_alert(const std::vector<trace_message>& trace, bool sent, int code) {
        std::string needle = "(" + std::to_string(code) + ")";
        for (const auto& m : trace)
            if (m.type == "Alert" && m.sent == sent && m.body.find(needle) != std::string::npos)
                return true;
        return false;
    }

    bool printed(std::string_view text) const {
        return server.output().find(text) != std::string::npos;
    }
};

#define REQUIRE_HANDSHAKE(s)                                                                   \
    do {                                                                                       \
        auto hs_ec_ = (s).conn->handshake();                                                   \
        BOOST_TEST_REQUIRE(!hs_ec_,                                                            \
                           "handshake: " << hs_ec_.message() << ": " << (s).conn->describe()); \
        BOOST_TEST((s).conn->engine().handshake_done());                                       \
        BOOST_TEST((s).conn->engine().version() == tlsio::protocol_version::tls13);            \
    } while (false)

}  // namespace

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(cipher_suites)

// s_server allows one suite; our client offers all three.
BOOST_DATA_TEST_CASE(server_picks_only_suite, bdata::make(all_suites), suite) {
    session s({"-ciphersuites", tlsio::name(suite)});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().cipher_suite() == suite);
    BOOST_TEST(s.server.process().wait_for_output(std::string("CIPHER is ") + tlsio::name(suite)));
    s.exchange(40000, 1);  // more than two full records each way
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(body_has(first_of(t, true, "ServerHello"), trace_suite(suite)));
}

// Our client offers one suite; s_server has its defaults (AES-256 first).
BOOST_DATA_TEST_CASE(client_offers_only_suite, bdata::make(all_suites), suite) {
    session s({});
    auto ctx = client_context();
    ctx.set_cipher_suites({suite});
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().cipher_suite() == suite);
    BOOST_TEST(s.server.process().wait_for_output(std::string("CIPHER is ") + tlsio::name(suite)));
    s.exchange(2000, 2);
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(body_has(first_of(t, true, "ServerHello"), trace_suite(suite)));
}

// TLS_AES_128_CCM_SHA256 is off by default on both ends; enabled on both.
BOOST_AUTO_TEST_CASE(aes_128_ccm) {
    const cipher_suite ccm = cipher_suite::aes_128_ccm_sha256;
    session s({"-ciphersuites", tlsio::name(ccm)});
    auto ctx = client_context();
    ctx.set_cipher_suites({cipher_suite::aes_128_gcm_sha256, ccm});
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().cipher_suite() == ccm);
    BOOST_TEST(s.server.process().wait_for_output("CIPHER is TLS_AES_128_CCM_SHA256"));
    s.exchange(40000, 7);  // more than two full records each way
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(body_has(first_of(t, true, "ServerHello"), trace_suite(ccm)));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(groups)

// Both sides restricted to one group: a key share for it, no HRR.
BOOST_DATA_TEST_CASE(single_group, bdata::make(all_groups), group) {
    session s({"-groups", openssl_group_name(group)});
    auto ctx = client_context();
    ctx.set_groups({group});
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().group() == group);
    BOOST_TEST(!s.conn->engine().used_hello_retry_request());
    s.exchange(1000, 3);
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(count_messages(t, false, "ClientHello") == 1u);
    BOOST_TEST(body_has(first_of(t, true, "ServerHello"), trace_group_name(group)));
}

// Our default client sends an x25519 share first; s_server wants another
// group, so it sends a HelloRetryRequest and we retry with that group.
BOOST_DATA_TEST_CASE(hello_retry_request,
                     bdata::make({named_group::secp256r1, named_group::secp384r1}), group) {
    session s({"-groups", openssl_group_name(group)});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().used_hello_retry_request());
    BOOST_TEST(s.conn->engine().group() == group);
    s.exchange(1000, 4);
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(count_messages(t, false, "ClientHello") == 2u);
    BOOST_TEST(count_messages(t, true, "ServerHello") == 2u);  // the HRR and the real one
    BOOST_TEST(
        body_has(first_of(t, false, "ClientHello", 0), trace_group_name(named_group::x25519)));
    BOOST_TEST(body_has(first_of(t, false, "ClientHello", 1), trace_group_name(group)));
    BOOST_TEST(body_has(first_of(t, true, "ServerHello", 1), trace_group_name(group)));
}

// Our client shares x25519 and P-384; s_server takes only P-384, so it
// answers the second share without a HelloRetryRequest.
BOOST_AUTO_TEST_CASE(second_of_two_shares) {
    session s({"-groups", "P-384"});
    auto ctx = client_context();
    ctx.set_groups({named_group::x25519, named_group::secp384r1});
    ctx.set_key_share_groups({named_group::x25519, named_group::secp384r1});
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(!s.conn->engine().used_hello_retry_request());
    BOOST_TEST(s.conn->engine().group() == named_group::secp384r1);
    s.exchange(1000, 8);
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(count_messages(t, false, "ClientHello") == 1u);
    const auto* ch = first_of(t, false, "ClientHello", 0);
    BOOST_TEST(body_has(ch, trace_group_name(named_group::x25519)));
    BOOST_TEST(body_has(ch, trace_group_name(named_group::secp384r1)));
    BOOST_TEST(
        body_has(first_of(t, true, "ServerHello"), trace_group_name(named_group::secp384r1)));
}

// Our client prefers P-384 (its only share) but s_server prefers... nothing:
// it takes the share it got. Confirms we do not get an HRR without need.
BOOST_AUTO_TEST_CASE(server_accepts_first_share) {
    session s({});
    auto ctx = client_context();
    ctx.set_groups({named_group::secp384r1, named_group::x25519});
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(!s.conn->engine().used_hello_retry_request());
    BOOST_TEST(s.conn->engine().group() == named_group::secp384r1);
    s.close_from_client();
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(server_signatures)

struct signature_case {
    const char* name;
    const credential_files* cred;
    std::vector<signature_scheme> offered;  // empty: our defaults
    signature_scheme expected;
};
std::ostream& operator<<(std::ostream& os, const signature_case& c) {
    return os << c.name;
}

std::vector<signature_case> signature_cases() {
    const auto& p = env().pki;
    return {
        {"ecdsa_p256", &p.p256, {}, signature_scheme::ecdsa_secp256r1_sha256},
        {"ecdsa_p384", &p.p384, {}, signature_scheme::ecdsa_secp384r1_sha384},
        {"ecdsa_p521", &p.p521, {}, signature_scheme::ecdsa_secp521r1_sha512},
        {"rsa_pss_default", &p.rsa, {}, signature_scheme::rsa_pss_rsae_sha256},
        {"rsa_pss_sha384",
         &p.rsa,
         {signature_scheme::rsa_pss_rsae_sha384, signature_scheme::ecdsa_secp256r1_sha256},
         signature_scheme::rsa_pss_rsae_sha384},
        {"rsa_pss_sha512",
         &p.rsa,
         {signature_scheme::rsa_pss_rsae_sha512, signature_scheme::ecdsa_secp256r1_sha256},
         signature_scheme::rsa_pss_rsae_sha512},
        {"ed25519", &p.ed25519, {}, signature_scheme::ed25519},
    };
}

BOOST_AUTO_TEST_CASE(each_server_key_type) {
    for (const auto& c : signature_cases()) {
        BOOST_TEST_CONTEXT("case " << c.name) {
            session s({}, *c.cred);
            auto ctx = client_context();
            if (!c.offered.empty())
                ctx.set_signature_schemes(c.offered);
            s.connect(ctx);
            REQUIRE_HANDSHAKE(s);
            BOOST_TEST(s.conn->engine().peer_signature_scheme() == c.expected);
            const auto& chain = s.conn->engine().peer_certificates();
            BOOST_TEST_REQUIRE(!chain.empty());
            BOOST_TEST((chain.front() == read_der(c.cred->der)),
                       "peer leaf is not the served cert");
            BOOST_TEST(!s.conn->engine().signature_scheme().has_value());
            BOOST_TEST(s.conn->engine().verify_result() == 0);
            s.exchange(500, 5);
            s.close_from_client();
            auto t = parse_trace(s.server.trace());
            BOOST_TEST(
                body_has(first_of(t, true, "CertificateVerify"), trace_scheme_name(c.expected)));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(client_certificates)

BOOST_AUTO_TEST_CASE(mutual_tls) {
    const auto& p = env().pki;
    session s({"-Verify", "1", "-CAfile", p.ca.cert, "-verify_return_error"});
    auto ctx = client_context();
    ctx.use_certificate_chain_file(p.client.cert);
    ctx.use_private_key_file(p.client.key);
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST_REQUIRE(s.conn->engine().signature_scheme().has_value());
    BOOST_TEST(*s.conn->engine().signature_scheme() == signature_scheme::ecdsa_secp256r1_sha256);
    s.exchange(1000, 6);  // s_server only talks after accepting our certificate
    BOOST_TEST(s.printed("Client certificate"));
    BOOST_TEST(s.printed("CN = tlsio interop client"));
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(count_messages(t, true, "CertificateRequest") == 1u);
    BOOST_TEST(body_has(first_of(t, false, "CertificateVerify"),
                        trace_scheme_name(signature_scheme::ecdsa_secp256r1_sha256)));
}

// s_server requires a certificate; our client has none, sends an empty
// Certificate, and s_server answers with certificate_required (116).
BOOST_AUTO_TEST_CASE(required_but_missing) {
    const auto& p = env().pki;
    session s({"-Verify", "1", "-CAfile", p.ca.cert});
    s.connect(client_context());
    auto ec = s.conn->handshake();
    if (!ec) {  // TLS 1.3: our side is done before the server judges our flight
        std::uint8_t buf[64];
        s.conn->read_some(buf, ec);
    }
    BOOST_TEST(ec == tlsio::make_error_code(tlsio::alert::certificate_required),
               ec.message() << ": " << s.conn->describe());
    BOOST_TEST(s.server.process().wait_for_output("peer did not return a certificate"));
    auto t = s.finished_trace();
    BOOST_TEST(s.has_alert(t, true, 116));
}

// s_server asks for a certificate but does not require one.
BOOST_AUTO_TEST_CASE(requested_and_declined) {
    const auto& p = env().pki;
    session s({"-verify", "1", "-CAfile", p.ca.cert});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(!s.conn->engine().signature_scheme().has_value());
    s.exchange(1000, 7);
    BOOST_TEST(!s.printed("Client certificate"));
    s.close_from_client();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(count_messages(t, true, "CertificateRequest") == 1u);
    BOOST_TEST(count_messages(t, false, "Certificate") == 1u);
    BOOST_TEST(count_messages(t, false, "CertificateVerify") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(alpn)

BOOST_AUTO_TEST_CASE(server_preference_wins) {
    session s({"-alpn", "h2,http/1.1"});
    auto opts = for_host();
    opts.alpn_protocols = {"http/1.1", "h2"};
    s.connect(client_context(), opts);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().alpn_protocol() == "h2");
    BOOST_TEST(s.server.process().wait_for_output("ALPN protocols selected: h2"));
    s.exchange(200, 8);
    s.close_from_client();
}

BOOST_AUTO_TEST_CASE(from_context) {
    session s({"-alpn", "h2,http/1.1"});
    auto ctx = client_context();
    ctx.set_alpn_protocols({"http/1.1"});
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().alpn_protocol() == "http/1.1");
    BOOST_TEST(s.server.process().wait_for_output("ALPN protocols selected: http/1.1"));
    s.close_from_client();
}

// No protocol in common: OpenSSL 3.0's s_server fails the handshake with
// no_application_protocol (120).
BOOST_AUTO_TEST_CASE(no_overlap) {
    session s({"-alpn", "h2"});
    auto opts = for_host();
    opts.alpn_protocols = {"spdy/3"};
    s.connect(client_context(), opts);
    auto ec = s.conn->handshake();
    BOOST_TEST(ec == tlsio::make_error_code(tlsio::alert::no_application_protocol),
               ec.message() << ": " << s.conn->describe());
    auto t = s.finished_trace();
    BOOST_TEST(s.has_alert(t, true, 120));
}

// No ALPN offered: none negotiated.
BOOST_AUTO_TEST_CASE(not_offered) {
    session s({"-alpn", "h2"});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().alpn_protocol().empty());
    s.close_from_client();
    BOOST_TEST(!s.printed("ALPN protocols selected"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(server_name)

std::vector<std::string> sni_server_args() {
    const auto& p = env().pki;
    return {"-servername", "alt.localhost", "-cert2", p.alt_name.cert, "-key2", p.alt_name.key};
}

// s_server switches to its second certificate for "alt.localhost"; our host
// check against that name passes only if it did.
BOOST_AUTO_TEST_CASE(selects_second_certificate) {
    session s(sni_server_args());
    s.connect(client_context(), for_host("alt.localhost"));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().server_name() == "alt.localhost");
    const auto& chain = s.conn->engine().peer_certificates();
    BOOST_TEST_REQUIRE(!chain.empty());
    BOOST_TEST((chain.front() == read_der(env().pki.alt_name.der)));
    BOOST_TEST(s.server.process().wait_for_output("Hostname in TLS extension: \"alt.localhost\""));
    BOOST_TEST(s.server.process().wait_for_output("Switching server context."));
    s.exchange(300, 9);
    s.close_from_client();
}

BOOST_AUTO_TEST_CASE(default_certificate_for_other_name) {
    session s(sni_server_args());
    s.connect(client_context(), for_host("localhost"));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().server_name() == "localhost");
    BOOST_TEST((s.conn->engine().peer_certificates().front() == read_der(env().pki.p256.der)));
    BOOST_TEST(s.server.process().wait_for_output("Hostname in TLS extension: \"localhost\""));
    s.close_from_client();
    BOOST_TEST(!s.printed("Switching server context."));
}

// -servername_fatal: a name s_server does not serve is answered with
// unrecognized_name (112).
BOOST_AUTO_TEST_CASE(unknown_name_is_fatal) {
    auto args = sni_server_args();
    args.push_back("-servername_fatal");
    session s(args);
    s.connect(client_context(), for_host("localhost"));
    auto ec = s.conn->handshake();
    BOOST_TEST(ec == tlsio::make_error_code(tlsio::alert::unrecognized_name),
               ec.message() << ": " << s.conn->describe());
    auto t = s.finished_trace();
    BOOST_TEST(s.has_alert(t, true, 112));
}

// An IP literal is checked against the certificate's IP SAN and never sent in SNI.
BOOST_AUTO_TEST_CASE(ip_literal_is_not_sent) {
    session s(sni_server_args());
    s.connect(client_context(), for_host("127.0.0.1"));
    REQUIRE_HANDSHAKE(s);
    s.exchange(100, 10);
    s.close_from_client();
    BOOST_TEST(!s.printed("Hostname in TLS extension"));
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(!body_has(first_of(t, false, "ClientHello"), "server_name(0)"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(verification)

// The alert s_server receives must be the one tlsio says it sends.
void expect_verify_failure(const credential_files& cred, tlsio::error expected,
                           const std::string& host = "localhost") {
    session s({}, cred);
    s.connect(client_context(), for_host(host));
    auto ec = s.conn->handshake();
    BOOST_TEST(ec == tlsio::make_error_code(expected), ec.message() << ": " << s.conn->describe());
    BOOST_TEST(!s.conn->engine().handshake_done());
    BOOST_TEST(!s.conn->engine().error_message().empty());
    auto t = s.finished_trace();
    int alert = static_cast<int>(tlsio::to_alert(expected));
    BOOST_TEST(s.has_alert(t, false, alert), "s_server did not receive alert " << alert);
    BOOST_TEST(count_messages(t, false, "Finished") == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_host_name) {
    expect_verify_failure(env().pki.wrong_name, tlsio::error::certificate_host_mismatch);
}

BOOST_AUTO_TEST_CASE(unknown_ca) {
    expect_verify_failure(env().pki.unknown_ca_leaf, tlsio::error::certificate_unknown_ca);
}

BOOST_AUTO_TEST_CASE(ip_not_in_certificate) {
    expect_verify_failure(env().pki.alt_name, tlsio::error::certificate_host_mismatch, "127.0.0.1");
}

// verify_host = false accepts the wrong name (the chain is still checked).
BOOST_AUTO_TEST_CASE(host_check_disabled) {
    session s({}, env().pki.wrong_name);
    auto opts = for_host();
    opts.verify_host = false;
    s.connect(client_context(), opts);
    REQUIRE_HANDSHAKE(s);
    s.exchange(100, 11);
    s.close_from_client();
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(key_update)

// s_server sends KeyUpdate ("K": update_requested, "k": not requested) before
// more data; we must follow its new keys, answer a request with our own
// KeyUpdate, and s_server must read our data under our new keys.
void peer_initiated(const char* command, bool requested) {
    session s({});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    s.exchange(500, 20);
    constexpr int rounds = 3;
    for (int i = 0; i < rounds; ++i) {
        BOOST_TEST_CONTEXT("round " << i) {
            BOOST_TEST_REQUIRE(s.server.process().write_stdin(std::string(command) + "\n"));
            // The KeyUpdate record arriving tells us s_server is done with the
            // command; only then may the next stdin chunk carry data.
            BOOST_TEST_REQUIRE(s.conn->wait_readable(), "no KeyUpdate from s_server");
            s.exchange(3000, static_cast<std::uint32_t>(21 + i));
        }
    }
    s.close_from_client();
    check_key_updates(parse_trace(s.server.trace()), true, rounds, requested);
}

BOOST_AUTO_TEST_CASE(peer_requests_update) {
    peer_initiated("K", true);
}
BOOST_AUTO_TEST_CASE(peer_updates_alone) {
    peer_initiated("k", false);
}

void self_initiated(bool request_peer) {
    session s({});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    s.exchange(500, 30);
    constexpr int rounds = 3;
    for (int i = 0; i < rounds; ++i) {
        BOOST_TEST_CONTEXT("round " << i) {
            auto ec = s.conn->key_update(request_peer);
            BOOST_TEST_REQUIRE(!ec, "key_update: " << ec.message() << ": " << s.conn->describe());
            s.exchange(3000, static_cast<std::uint32_t>(31 + i));
        }
    }
    s.close_from_client();
    check_key_updates(parse_trace(s.server.trace()), false, rounds, request_peer);
}

BOOST_AUTO_TEST_CASE(we_request_update) {
    self_initiated(true);
}
BOOST_AUTO_TEST_CASE(we_update_alone) {
    self_initiated(false);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(data_and_close)

// 1 MiB each way, several hundred records, through the default suite.
BOOST_AUTO_TEST_CASE(bulk_both_ways) {
    session s({});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    s.exchange(1 << 20, 40);
    s.close_from_client();
}

// -rev echoes every line reversed: a request/response round trip per line.
BOOST_AUTO_TEST_CASE(echo_lines) {
    session s({"-rev"});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    for (int i = 0; i < 50; ++i) {
        std::string line = make_payload(static_cast<std::size_t>(10 + 37 * i), 50u + i);
        line.erase(std::remove(line.begin(), line.end(), '\n'), line.end());
        auto ec = s.conn->write_all(line + "\n");
        BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << s.conn->describe());
        std::string got;
        ec = s.conn->read_until(got, "\n");
        BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << s.conn->describe());
        BOOST_TEST((got == std::string(line.rbegin(), line.rend()) + "\n"), "line " << i);
    }
    s.close_from_client();
}

// s_server (-rev, "CLOSE" line) sends close_notify first; we see `closed`,
// then answer with our own close_notify.
BOOST_AUTO_TEST_CASE(server_closes_first) {
    session s({"-rev"});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    auto ec = s.conn->write_all("abc\n");
    BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << s.conn->describe());
    std::string got;
    ec = s.conn->read_until(got, "\n");
    BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << s.conn->describe());
    BOOST_TEST(got == "cba\n");

    BOOST_TEST_REQUIRE(!s.conn->write_all("CLOSE\n"));
    std::string leftover;
    ec = s.conn->read_until_close(leftover);
    BOOST_TEST(!ec, ec.message() << ": " << s.conn->describe());
    BOOST_TEST(leftover.empty());
    BOOST_TEST(s.conn->engine().received_close_notify());
    BOOST_TEST(!s.conn->engine().sent_close_notify());

    // Our answer; s_server may already have closed its socket, so only an
    // engine failure (not a transport one) counts here.
    ec = s.conn->shutdown();
    BOOST_TEST((ec.category() != tlsio::error_category()), ec.message());
    BOOST_TEST(s.conn->engine().sent_close_notify());
    s.expect_clean_exit();
    auto t = parse_trace(s.server.trace());
    BOOST_TEST(s.has_alert(t, true, 0));
}

// Reading after close_notify keeps returning `closed`; writing after our own
// shutdown is refused by the engine, not sent.
BOOST_AUTO_TEST_CASE(no_data_after_close) {
    session s({});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    s.close_from_client();
    std::uint8_t buf[16];
    boost::system::error_code ec;
    BOOST_TEST(s.conn->read_some(buf, ec) == 0u);
    BOOST_TEST(!ec, ec.message());
    std::size_t sent = s.conn->bytes_sent();
    std::size_t written = 0;
    auto st = s.conn->engine().write(std::span<const std::uint8_t>(buf, sizeof buf), written);
    BOOST_TEST(st != tlsio::status::done);
    BOOST_TEST(written == 0u);
    BOOST_TEST(s.conn->engine().output().empty());
    BOOST_TEST(s.conn->bytes_sent() == sent);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(record_layer)

// s_server sends records of at most 512 bytes: its Certificate and other
// handshake messages span several records, and data arrives in small pieces.
BOOST_AUTO_TEST_CASE(small_peer_records) {
    session s({"-max_send_frag", "512"}, env().pki.rsa);  // an RSA cert: a larger Certificate
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    s.exchange(40000, 60);
    s.close_from_client();
    // 40000 bytes in <= 512-byte records is at least 79 records.
    BOOST_TEST(count_records(s.server.trace(), true) > 80u);
}

// s_server pads every TLS 1.3 record to a multiple of 1024 bytes; we must
// strip the padding (RFC 8446 5.4).
BOOST_AUTO_TEST_CASE(padded_peer_records) {
    session s({"-record_padding", "1024"});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    s.exchange(5000, 61);
    s.close_from_client();
}

// s_server without middlebox compatibility: no ChangeCipherSpec from it.
BOOST_AUTO_TEST_CASE(peer_without_middlebox_compat) {
    session s({"-no_middlebox"});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    s.exchange(1000, 62);
    s.close_from_client();
    BOOST_TEST(count_occurrences(s.server.trace(), "Content Type = ChangeCipherSpec (20)") == 1u,
               "expected only our own ChangeCipherSpec");
}

// Our client without middlebox compatibility: empty legacy session id, no CCS.
BOOST_AUTO_TEST_CASE(client_without_middlebox_compat) {
    session s({});
    auto ctx = client_context();
    ctx.set_middlebox_compatibility(false);
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    s.exchange(1000, 63);
    s.close_from_client();
    auto raw = s.server.trace();
    auto t = parse_trace(raw);
    BOOST_TEST(body_has(first_of(t, false, "ClientHello"), "session_id (len=0)"));
    // Only s_server's own CCS appears (it sends one after its ServerHello when
    // the client's session id is not empty; with an empty one it sends none).
    std::size_t received_ccs = 0;
    for (std::size_t pos = raw.find("Received Record"); pos != std::string::npos;
         pos = raw.find("Received Record", pos + 1)) {
        std::size_t next = raw.find("Record\n", pos + 16);
        if (raw.substr(pos, next - pos).find("ChangeCipherSpec (20)") != std::string::npos)
            ++received_ccs;
    }
    BOOST_TEST(received_ccs == 0u);
}

// Many tiny writes, each its own record.
BOOST_AUTO_TEST_CASE(tiny_writes) {
    session s({});
    s.connect(client_context());
    REQUIRE_HANDSHAKE(s);
    std::string all = make_payload(600, 64);
    for (std::size_t i = 0; i < all.size(); i += 3) {
        auto ec = s.conn->write_all(std::string_view(all).substr(i, 3));
        BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << s.conn->describe());
    }
    BOOST_TEST(s.server.process().wait_for_output(all));
    s.close_from_client();
    BOOST_TEST(count_records(s.server.trace(), false) >= 200u);
}

// Both ends log the same TLS 1.3 traffic secrets (a key-schedule cross-check).
BOOST_AUTO_TEST_CASE(keylog_matches_openssl) {
    std::string keylog_path = unique_path(env().pki.dir, "s_server-keylog");
    session s({"-keylogfile", keylog_path});
    auto ours = std::make_shared<std::string>();
    auto ctx = client_context();
    ctx.set_keylog_callback([ours](std::string_view line) {
        ours->append(line);
        ours->push_back('\n');
    });
    s.connect(ctx);
    REQUIRE_HANDSHAKE(s);
    s.exchange(100, 65);
    s.close_from_client();
    auto theirs = parse_keylog(read_file(keylog_path));
    auto mine = parse_keylog(*ours);
    for (const auto& label : traffic_secret_labels()) {
        BOOST_TEST_CONTEXT(label) {
            BOOST_TEST_REQUIRE(theirs.count(label) == 1u);
            BOOST_TEST_REQUIRE(mine.count(label) == 1u, "we did not log " << label);
            BOOST_TEST(mine[label] == theirs[label]);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
