// tlsio's server engine against `openssl s_client` on 127.0.0.1.
//
// We listen on a port the kernel picks and start s_client against it. Every
// case checks the engine's accessors and what s_client printed or traced
// (-trace -msgfile), and that application data arrives intact both ways.
#define BOOST_TEST_MODULE interop_s_client_test
#include <boost/test/unit_test.hpp>

#include "interop_test_support.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <sys/wait.h>

#include <atomic>
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

/// s_client arguments that make it verify our server properly.
std::vector<std::string> verifying(std::vector<std::string> args,
                                   const std::string& host = "localhost") {
    args.insert(args.begin(),
                {"-CAfile", env().pki.ca.cert, "-verify_return_error", "-verify_hostname", host});
    return args;
}

/// Our server on a fresh port and s_client connected to it.
struct session {
    loopback_listener listener;
    std::optional<openssl_client> client;
    std::optional<dump_on_failure> dump;
    std::optional<tls_socket> conn;

    session(const tlsio::context& ctx, std::vector<std::string> client_args) {
        client.emplace(env().openssl, env().pki.dir, listener.port(), std::move(client_args));
        dump.emplace(
            "s_client",
            [this] { return client->process().command_line() + "\n" + client->output(); },
            [this] { return client->trace(); });
        conn.emplace(listener.accept(), tlsio::engine(ctx, tlsio::role::server));
    }

    child_process& peer() { return client->process(); }
    bool printed(std::string_view text) const {
        return client->output().find(text) != std::string::npos;
    }

    /// Data both ways: ours must show up on s_client's stdout, and what we
    /// write to its stdin must come out of our engine unchanged.
    void exchange(std::size_t size, std::uint32_t seed) {
        std::string down = make_payload(size, seed);
        auto ec = conn->write_all(down);
        BOOST_TEST_REQUIRE(!ec, "write_all: " << ec.message() << ": " << conn->describe());
        BOOST_TEST(peer().wait_for_output(down), "s_client did not print our data");

        std::string up = make_payload(size, seed + 1000);
        BOOST_TEST_REQUIRE(peer().write_stdin(up));
        std::string got;
        ec = conn->read_exactly(got, up.size());
        BOOST_TEST_REQUIRE(!ec, "read_exactly: " << ec.message() << ": " << conn->describe());
        BOOST_TEST((got == up), "data from s_client differs");
    }

    /// We send close_notify; s_client prints "closed", answers with its own
    /// close_notify and exits cleanly.
    void close_from_server() {
        auto ec = conn->shutdown();
        BOOST_TEST_REQUIRE(!ec, "shutdown: " << ec.message() << ": " << conn->describe());
        std::string leftover;
        ec = conn->read_until_close(leftover);
        BOOST_TEST(!ec, "read_until_close: " << ec.message() << ": " << conn->describe());
        BOOST_TEST(leftover.empty());
        BOOST_TEST(conn->engine().received_close_notify());
        BOOST_TEST(conn->engine().sent_close_notify());
        BOOST_TEST(peer().wait_for_output("closed\n"));
        expect_clean_exit();
        auto t = parse_trace(client->trace());
        BOOST_TEST(has_alert(t, false, 0), "s_client did not receive our close_notify");
        BOOST_TEST(has_alert(t, true, 0), "s_client did not send close_notify back");
    }

    void expect_clean_exit() {
        auto st = peer().wait_exit();
        BOOST_TEST_REQUIRE(st.has_value(), "s_client did not exit");
        BOOST_TEST(WIFEXITED(*st));
        BOOST_TEST(WEXITSTATUS(*st) == 0);
    }

    std::vector<trace_message> finished_trace() {
        BOOST_TEST(peer().wait_exit().has_value(), "s_client did not exit");
        return parse_trace(client->trace());
    }

    static bool has_alert(const std::vector<trace_message>& trace, bool sent, int code) {
        std::string needle = "(" + std::to_string(code) + ")";
        for (const auto& m : trace)
            if (m.type == "Alert" && m.sent == sent && m.body.find(needle) != std::string::npos)
                return true;
        return false;
    }
};

#define REQUIRE_HANDSHAKE(s)                                                                   \
    do {                                                                                       \
        auto hs_ec_ = (s).conn->handshake();                                                   \
        BOOST_TEST_REQUIRE(!hs_ec_,                                                            \
                           "handshake: " << hs_ec_.message() << ": " << (s).conn->describe()); \
        BOOST_TEST((s).conn->engine().handshake_done());                                       \
        BOOST_TEST((s).conn->engine().version() == tlsio::protocol_version::tls13);            \
        BOOST_TEST_REQUIRE((s).peer().wait_for_output("Verify return code: 0 (ok)"),           \
                           "s_client did not finish its handshake");                           \
    } while (false)

/// What s_client prints about the server's key share.
const char* temp_key_line(named_group g) {
    switch (g) {
        case named_group::x25519:
            return "Server Temp Key: X25519, 253 bits";
        case named_group::secp256r1:
            return "Server Temp Key: ECDH, prime256v1, 256 bits";
        case named_group::secp384r1:
            return "Server Temp Key: ECDH, secp384r1, 384 bits";
        case named_group::secp521r1:
            return "Server Temp Key: ECDH, secp521r1, 521 bits";
        case named_group::x448:
            return "Server Temp Key: X448, 448 bits";
        case named_group::ffdhe2048:
            return "Server Temp Key: DH, 2048 bits";
        case named_group::ffdhe3072:
            return "Server Temp Key: DH, 3072 bits";
        case named_group::ffdhe4096:
            return "Server Temp Key: DH, 4096 bits";
        case named_group::ffdhe6144:
            return "Server Temp Key: DH, 6144 bits";
        case named_group::ffdhe8192:
            return "Server Temp Key: DH, 8192 bits";
        case named_group::x25519_mlkem768:
        case named_group::secp256r1_mlkem768:
        case named_group::secp384r1_mlkem1024:
            return "?";  // OpenSSL 3.0's s_client cannot negotiate the ML-KEM hybrids
    }
    return "?";
}

}  // namespace

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(cipher_suites)

// s_client offers one suite; our server supports all three.
BOOST_DATA_TEST_CASE(client_offers_only_suite, bdata::make(all_suites), suite) {
    session s(server_context(env().pki.p256), verifying({"-ciphersuites", tlsio::name(suite)}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().cipher_suite() == suite);
    BOOST_TEST(s.printed(std::string("New, TLSv1.3, Cipher is ") + tlsio::name(suite)));
    s.exchange(40000, 1);  // more than two full records each way
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(body_has(first_of(t, false, "ServerHello"), trace_suite(suite)));
}

// Our server allows one suite; s_client offers its defaults.
BOOST_DATA_TEST_CASE(server_allows_only_suite, bdata::make(all_suites), suite) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_cipher_suites({suite});
    session s(ctx, verifying({}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().cipher_suite() == suite);
    BOOST_TEST(s.printed(std::string("New, TLSv1.3, Cipher is ") + tlsio::name(suite)));
    s.exchange(2000, 2);
    s.close_from_server();
}

// TLS_AES_128_CCM_SHA256 is off by default on both ends; enabled on both.
BOOST_AUTO_TEST_CASE(aes_128_ccm) {
    const cipher_suite ccm = cipher_suite::aes_128_ccm_sha256;
    auto ctx = server_context(env().pki.p256);
    ctx.set_cipher_suites({cipher_suite::aes_128_gcm_sha256, ccm});
    session s(ctx, verifying({"-ciphersuites", tlsio::name(ccm)}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().cipher_suite() == ccm);
    BOOST_TEST(s.printed("New, TLSv1.3, Cipher is TLS_AES_128_CCM_SHA256"));
    s.exchange(40000, 9);  // more than two full records each way
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(body_has(first_of(t, false, "ServerHello"), trace_suite(ccm)));
}

// Our server's order decides when s_client offers all three.
BOOST_AUTO_TEST_CASE(server_order_wins) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_cipher_suites(
        {cipher_suite::chacha20_poly1305_sha256, cipher_suite::aes_128_gcm_sha256});
    session s(ctx, verifying({}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().cipher_suite() == cipher_suite::chacha20_poly1305_sha256);
    BOOST_TEST(s.printed("Cipher is TLS_CHACHA20_POLY1305_SHA256"));
    s.close_from_server();
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(groups)

// s_client offers (and shares) one group only.
BOOST_DATA_TEST_CASE(client_offers_only_group, bdata::make(all_groups), group) {
    session s(server_context(env().pki.p256), verifying({"-groups", openssl_group_name(group)}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().group() == group);
    BOOST_TEST(!s.conn->engine().used_hello_retry_request());
    BOOST_TEST(s.printed(temp_key_line(group)));
    s.exchange(1000, 3);
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(count_messages(t, true, "ClientHello") == 1u);
    BOOST_TEST(body_has(first_of(t, false, "ServerHello"), trace_group_name(group)));
}

// s_client shares x25519 only; our server accepts nothing but `group`, so it
// must send a HelloRetryRequest for it.
BOOST_DATA_TEST_CASE(hello_retry_request,
                     bdata::make({named_group::secp256r1, named_group::secp384r1}), group) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_groups({group});
    session s(ctx, verifying({"-groups", std::string("X25519:") + openssl_group_name(group)}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().used_hello_retry_request());
    BOOST_TEST(s.conn->engine().group() == group);
    BOOST_TEST(s.printed(temp_key_line(group)));
    s.exchange(1000, 4);
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(count_messages(t, true, "ClientHello") == 2u);
    BOOST_TEST(count_messages(t, false, "ServerHello") == 2u);  // the HRR and the real one
    BOOST_TEST(
        body_has(first_of(t, true, "ClientHello", 0), trace_group_name(named_group::x25519)));
    BOOST_TEST(body_has(first_of(t, false, "ServerHello", 0), trace_group_name(group)));
    BOOST_TEST(body_has(first_of(t, true, "ClientHello", 1), trace_group_name(group)));
}

// Our server prefers P-256 but also takes x25519, for which s_client sent a
// share. Whether the engine retries for its preference or takes the share is
// its policy; either way both sides must agree on what happened.
BOOST_AUTO_TEST_CASE(server_preference_with_available_share) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_groups({named_group::secp256r1, named_group::x25519});
    session s(ctx, verifying({"-groups", "X25519:P-256"}));
    REQUIRE_HANDSHAKE(s);
    const auto& e = s.conn->engine();
    BOOST_TEST_MESSAGE("server preferring P-256, client sharing X25519: group "
                       << e.group() << ", HRR " << e.used_hello_retry_request());
    BOOST_TEST((e.group() == named_group::secp256r1 || e.group() == named_group::x25519));
    BOOST_TEST(s.printed(temp_key_line(e.group())));
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(count_messages(t, true, "ClientHello") == (e.used_hello_retry_request() ? 2u : 1u));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(server_signatures)

struct signature_case {
    const char* name;
    const credential_files* cred;
    std::vector<std::string> client_args;
    signature_scheme expected;
    const char* type_line;    // what s_client prints
    const char* digest_line;  // nullptr when it prints none (Ed25519)
    const char* key_bits;
};
std::ostream& operator<<(std::ostream& os, const signature_case& c) {
    return os << c.name;
}

BOOST_AUTO_TEST_CASE(each_server_key_type) {
    const auto& p = env().pki;
    const std::vector<signature_case> cases = {
        {"ecdsa_p256",
         &p.p256,
         {},
         signature_scheme::ecdsa_secp256r1_sha256,
         "Peer signature type: ECDSA",
         "Peer signing digest: SHA256",
         "256 bit"},
        {"ecdsa_p384",
         &p.p384,
         {},
         signature_scheme::ecdsa_secp384r1_sha384,
         "Peer signature type: ECDSA",
         "Peer signing digest: SHA384",
         "384 bit"},
        {"ecdsa_p521",
         &p.p521,
         {},
         signature_scheme::ecdsa_secp521r1_sha512,
         "Peer signature type: ECDSA",
         "Peer signing digest: SHA512",
         "521 bit"},
        {"rsa_pss_default",
         &p.rsa,
         {},
         signature_scheme::rsa_pss_rsae_sha256,
         "Peer signature type: RSA-PSS",
         "Peer signing digest: SHA256",
         "2048 bit"},
        {"rsa_pss_sha384",
         &p.rsa,
         {"-sigalgs", "rsa_pss_rsae_sha384:ecdsa_secp256r1_sha256"},
         signature_scheme::rsa_pss_rsae_sha384,
         "Peer signature type: RSA-PSS",
         "Peer signing digest: SHA384",
         "2048 bit"},
        {"rsa_pss_sha512",
         &p.rsa,
         {"-sigalgs", "rsa_pss_rsae_sha512:ecdsa_secp256r1_sha256"},
         signature_scheme::rsa_pss_rsae_sha512,
         "Peer signature type: RSA-PSS",
         "Peer signing digest: SHA512",
         "2048 bit"},
        {"ed25519",
         &p.ed25519,
         {},
         signature_scheme::ed25519,
         "Peer signature type: ed25519",
         nullptr,
         "256 bit"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("case " << c.name) {
            session s(server_context(*c.cred), verifying(c.client_args));
            REQUIRE_HANDSHAKE(s);
            BOOST_TEST_REQUIRE(s.conn->engine().signature_scheme().has_value());
            BOOST_TEST(*s.conn->engine().signature_scheme() == c.expected);
            BOOST_TEST(s.conn->engine().peer_certificates().empty());
            BOOST_TEST(s.printed(c.type_line));
            if (c.digest_line)
                BOOST_TEST(s.printed(c.digest_line));
            BOOST_TEST(s.printed(std::string("Server public key is ") + c.key_bits));
            BOOST_TEST(s.printed("Verification: OK"));
            BOOST_TEST(s.printed("Verified peername: localhost"));
            s.exchange(500, 5);
            s.close_from_server();
            auto t = parse_trace(s.client->trace());
            BOOST_TEST(
                body_has(first_of(t, false, "CertificateVerify"), trace_scheme_name(c.expected)));
        }
    }
}

// One context with an RSA and an ECDSA credential: the client's
// signature_algorithms decide which one the server uses.
BOOST_AUTO_TEST_CASE(credential_follows_client_sigalgs) {
    const auto& p = env().pki;
    auto ctx = server_context(p.rsa);
    ctx.use_certificate_chain_file(p.p256.cert);
    ctx.use_private_key_file(p.p256.key);
    struct sub {
        const char* sigalgs;
        signature_scheme expected;
        const char* key_bits;
    };
    for (const sub& c :
         {sub{"rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256:rsa_pss_rsae_sha384",
              signature_scheme::rsa_pss_rsae_sha256, "2048 bit"},
          sub{"rsa_pss_rsae_sha256", signature_scheme::rsa_pss_rsae_sha256, "2048 bit"},
          sub{"ecdsa_secp256r1_sha256", signature_scheme::ecdsa_secp256r1_sha256, "256 bit"}}) {
        BOOST_TEST_CONTEXT("client sigalgs " << c.sigalgs) {
            session s(ctx, verifying({"-sigalgs", c.sigalgs}));
            auto ec = s.conn->handshake();
            if (ec && std::string(c.sigalgs) == "rsa_pss_rsae_sha256") {
                // The leaf is signed with ecdsa_secp256r1_sha256, which this
                // client did not list; refusing it is allowed (RFC 8446 4.4.2.2
                // lets a server send it anyway). Record what happened.
                BOOST_TEST_MESSAGE("rsa_pss_rsae_sha256 only: " << ec.message());
                continue;
            }
            BOOST_TEST_REQUIRE(!ec, "handshake: " << ec.message() << ": " << s.conn->describe());
            BOOST_TEST_REQUIRE(s.conn->engine().signature_scheme().has_value());
            BOOST_TEST(*s.conn->engine().signature_scheme() == c.expected);
            BOOST_TEST(s.peer().wait_for_output(std::string("Server public key is ") + c.key_bits));
            s.exchange(100, 6);
            s.close_from_server();
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(client_certificates)

tlsio::context requiring_client_cert() {
    auto ctx = server_context(env().pki.p256);
    ctx.load_verify_file(env().pki.ca.cert);
    ctx.set_verify_mode(tlsio::verify_peer | tlsio::verify_fail_if_no_peer_cert);
    return ctx;
}

BOOST_AUTO_TEST_CASE(mutual_tls) {
    const auto& p = env().pki;
    session s(requiring_client_cert(), verifying({"-cert", p.client.cert, "-key", p.client.key}));
    REQUIRE_HANDSHAKE(s);
    const auto& e = s.conn->engine();
    BOOST_TEST_REQUIRE(e.peer_certificates().size() >= 1u);
    BOOST_TEST((e.peer_certificates().front() == read_der(p.client.der)));
    BOOST_TEST(e.peer_signature_scheme() == signature_scheme::ecdsa_secp256r1_sha256);
    BOOST_TEST(e.verify_result() == 0);
    s.exchange(1000, 7);
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(count_messages(t, false, "CertificateRequest") == 1u);
    BOOST_TEST(count_messages(t, true, "Certificate") == 1u);
    BOOST_TEST(body_has(first_of(t, true, "CertificateVerify"),
                        trace_scheme_name(signature_scheme::ecdsa_secp256r1_sha256)));
}

// Required, s_client has none: our server fails with certificate_required and
// s_client receives alert 116.
BOOST_AUTO_TEST_CASE(required_but_missing) {
    session s(requiring_client_cert(), verifying({}));
    auto ec = s.conn->handshake();
    BOOST_TEST(ec == tlsio::make_error_code(tlsio::error::certificate_required),
               ec.message() << ": " << s.conn->describe());
    BOOST_TEST(s.peer().wait_for_output("alert number 116"));
    auto t = s.finished_trace();
    BOOST_TEST(s.has_alert(t, false, 116));
}

// A client certificate from a CA we do not trust.
BOOST_AUTO_TEST_CASE(untrusted_client_certificate) {
    const auto& p = env().pki;
    session s(requiring_client_cert(),
              verifying({"-cert", p.unknown_ca_leaf.cert, "-key", p.unknown_ca_leaf.key}));
    auto ec = s.conn->handshake();
    BOOST_TEST(ec == tlsio::make_error_code(tlsio::error::certificate_unknown_ca),
               ec.message() << ": " << s.conn->describe());
    int alert = static_cast<int>(tlsio::to_alert(tlsio::error::certificate_unknown_ca));
    BOOST_TEST(s.peer().wait_for_output("alert number " + std::to_string(alert)));
    auto t = s.finished_trace();
    BOOST_TEST(s.has_alert(t, false, alert));
}

// verify_peer without fail_if_no_peer_cert: asked, declined, accepted.
BOOST_AUTO_TEST_CASE(optional_and_declined) {
    auto ctx = server_context(env().pki.p256);
    ctx.load_verify_file(env().pki.ca.cert);
    ctx.set_verify_mode(tlsio::verify_peer);
    session s(ctx, verifying({}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().peer_certificates().empty());
    s.exchange(1000, 8);
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(count_messages(t, false, "CertificateRequest") == 1u);
    BOOST_TEST(count_messages(t, true, "CertificateVerify") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(alpn)

BOOST_AUTO_TEST_CASE(server_preference_wins) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    session s(ctx, verifying({"-alpn", "http/1.1,h2"}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().alpn_protocol() == "h2");
    BOOST_TEST(s.printed("ALPN protocol: h2"));
    s.exchange(200, 9);
    s.close_from_server();
}

BOOST_AUTO_TEST_CASE(single_common_protocol) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    session s(ctx, verifying({"-alpn", "http/1.1"}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().alpn_protocol() == "http/1.1");
    BOOST_TEST(s.printed("ALPN protocol: http/1.1"));
    s.close_from_server();
}

BOOST_AUTO_TEST_CASE(no_overlap) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_alpn_protocols({"h2"});
    session s(ctx, verifying({"-alpn", "spdy/3"}));
    auto ec = s.conn->handshake();
    BOOST_TEST(ec == tlsio::make_error_code(tlsio::error::no_application_protocol),
               ec.message() << ": " << s.conn->describe());
    BOOST_TEST(s.peer().wait_for_output("alert number 120"));
    auto t = s.finished_trace();
    BOOST_TEST(s.has_alert(t, false, 120));
}

// A client without ALPN gets none, even from a server with a list.
BOOST_AUTO_TEST_CASE(client_without_alpn) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_alpn_protocols({"h2"});
    session s(ctx, verifying({}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().alpn_protocol().empty());
    BOOST_TEST(s.printed("No ALPN negotiated"));
    s.close_from_server();
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(server_name)

struct sni_server {
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::string> last_name = std::make_shared<std::string>();
    tlsio::context ctx;

    sni_server() : ctx(server_context(env().pki.p256)) {
        auto alt = std::make_shared<const tlsio::context>(server_context(env().pki.alt_name));
        ctx.set_server_name_callback(
            [alt, calls = calls,
             last = last_name](std::string_view name) -> std::shared_ptr<const tlsio::context> {
                ++*calls;
                *last = std::string(name);
                return name == "alt.localhost" ? alt : nullptr;
            });
    }
};

BOOST_AUTO_TEST_CASE(callback_selects_certificate) {
    sni_server srv;
    session s(srv.ctx, verifying({"-servername", "alt.localhost"}, "alt.localhost"));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().server_name() == "alt.localhost");
    BOOST_TEST(*srv.calls == 1);
    BOOST_TEST(*srv.last_name == "alt.localhost");
    BOOST_TEST(s.printed("subject=CN = alt.localhost"));
    BOOST_TEST(s.printed("Verified peername: alt.localhost"));
    s.exchange(300, 10);
    s.close_from_server();
}

BOOST_AUTO_TEST_CASE(callback_keeps_default) {
    sni_server srv;
    session s(srv.ctx, verifying({"-servername", "localhost"}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().server_name() == "localhost");
    BOOST_TEST(*srv.calls == 1);
    BOOST_TEST(s.printed("subject=CN = localhost"));
    s.close_from_server();
}

BOOST_AUTO_TEST_CASE(no_server_name_sent) {
    sni_server srv;
    session s(srv.ctx, verifying({"-noservername"}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(s.conn->engine().server_name().empty());
    BOOST_TEST(s.printed("subject=CN = localhost"));
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(!body_has(first_of(t, true, "ClientHello"), "server_name(0)"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(key_update)

// s_client's "K" (update_requested) and "k" (not requested): it sends the
// KeyUpdate before its next data; we follow, answer a request, and s_client
// reads our data under our new keys.
void peer_initiated(const char* command, bool requested) {
    session s(server_context(env().pki.p256), verifying({}));
    REQUIRE_HANDSHAKE(s);
    s.exchange(500, 20);
    constexpr int rounds = 3;
    for (int i = 0; i < rounds; ++i) {
        BOOST_TEST_CONTEXT("round " << i) {
            BOOST_TEST_REQUIRE(s.peer().write_stdin(std::string(command) + "\n"));
            // s_client drops the rest of a stdin chunk after a command: wait
            // for its acknowledgement before sending data.
            BOOST_TEST_REQUIRE(s.peer().wait_for_output("KEYUPDATE", default_wait,
                                                        static_cast<std::size_t>(i + 1)));
            s.exchange(3000, static_cast<std::uint32_t>(21 + i));
        }
    }
    s.close_from_server();
    check_key_updates(parse_trace(s.client->trace()), true, rounds, requested);
}

BOOST_AUTO_TEST_CASE(peer_requests_update) {
    peer_initiated("K", true);
}
BOOST_AUTO_TEST_CASE(peer_updates_alone) {
    peer_initiated("k", false);
}

void self_initiated(bool request_peer) {
    session s(server_context(env().pki.p256), verifying({}));
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
    s.close_from_server();
    check_key_updates(parse_trace(s.client->trace()), false, rounds, request_peer);
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

BOOST_AUTO_TEST_CASE(bulk_both_ways) {
    session s(server_context(env().pki.p256), verifying({}));
    REQUIRE_HANDSHAKE(s);
    s.exchange(1 << 20, 40);
    s.close_from_server();
}

// s_client ("Q") sends close_notify first; we see `closed`, then answer.
BOOST_AUTO_TEST_CASE(client_closes_first) {
    session s(server_context(env().pki.p256), verifying({}));
    REQUIRE_HANDSHAKE(s);
    s.exchange(100, 41);
    BOOST_TEST_REQUIRE(s.peer().write_stdin("Q\n"));
    std::string leftover;
    auto ec = s.conn->read_until_close(leftover);
    BOOST_TEST(!ec, ec.message() << ": " << s.conn->describe());
    BOOST_TEST(leftover.empty());
    BOOST_TEST(s.conn->engine().received_close_notify());
    BOOST_TEST(!s.conn->engine().sent_close_notify());
    // s_client may already be gone; only an engine failure counts here.
    ec = s.conn->shutdown();
    BOOST_TEST((ec.category() != tlsio::error_category()), ec.message());
    BOOST_TEST(s.conn->engine().sent_close_notify());
    auto t = s.finished_trace();
    BOOST_TEST(s.has_alert(t, true, 0));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(record_layer)

// s_client sends records of at most 512 bytes: with mTLS its Certificate and
// CertificateVerify span records, and data arrives in small pieces.
BOOST_AUTO_TEST_CASE(small_peer_records_with_client_certificate) {
    const auto& p = env().pki;
    auto ctx = server_context(p.p256);
    ctx.load_verify_file(p.ca.cert);
    ctx.set_verify_mode(tlsio::verify_peer | tlsio::verify_fail_if_no_peer_cert);
    session s(ctx,
              verifying({"-max_send_frag", "512", "-cert", p.client.cert, "-key", p.client.key}));
    REQUIRE_HANDSHAKE(s);
    BOOST_TEST(!s.conn->engine().peer_certificates().empty());
    s.exchange(40000, 60);
    s.close_from_server();
    BOOST_TEST(count_records(s.client->trace(), true) > 80u);
}

BOOST_AUTO_TEST_CASE(padded_peer_records) {
    session s(server_context(env().pki.p256), verifying({"-record_padding", "1024"}));
    REQUIRE_HANDSHAKE(s);
    s.exchange(5000, 61);
    s.close_from_server();
}

BOOST_AUTO_TEST_CASE(peer_without_middlebox_compat) {
    session s(server_context(env().pki.p256), verifying({"-no_middlebox"}));
    REQUIRE_HANDSHAKE(s);
    s.exchange(1000, 62);
    s.close_from_server();
    auto t = parse_trace(s.client->trace());
    BOOST_TEST(body_has(first_of(t, true, "ClientHello"), "session_id (len=0)"));
    // With an empty legacy session id the server echoes it and sends no CCS.
    BOOST_TEST(body_has(first_of(t, false, "ServerHello"), "session_id (len=0)"));
    BOOST_TEST(count_occurrences(s.client->trace(), "ChangeCipherSpec (20)") == 0u);
}

BOOST_AUTO_TEST_CASE(tiny_writes) {
    session s(server_context(env().pki.p256), verifying({}));
    REQUIRE_HANDSHAKE(s);
    std::string all = make_payload(600, 64);
    for (std::size_t i = 0; i < all.size(); i += 3) {
        auto ec = s.conn->write_all(std::string_view(all).substr(i, 3));
        BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << s.conn->describe());
    }
    BOOST_TEST(s.peer().wait_for_output(all));
    s.close_from_server();
    BOOST_TEST(count_records(s.client->trace(), false) >= 200u);
}

BOOST_AUTO_TEST_CASE(keylog_matches_openssl) {
    std::string keylog_path = unique_path(env().pki.dir, "s_client-keylog");
    auto ours = std::make_shared<std::string>();
    auto ctx = server_context(env().pki.p256);
    ctx.set_keylog_callback([ours](std::string_view line) {
        ours->append(line);
        ours->push_back('\n');
    });
    session s(ctx, verifying({"-keylogfile", keylog_path}));
    REQUIRE_HANDSHAKE(s);
    s.exchange(100, 65);
    s.close_from_server();
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
