// TLS 1.2 engine to engine, in memory: every suite with every group and
// certificate type, version negotiation between 1.2-only and 1.3-capable
// sides, the downgrade sentinel, TLS_FALLBACK_SCSV, the extended master
// secret, renegotiation refused, mTLS, ALPN, SNI, close and truncation, and
// bad input (each with the alert sent and the error code).
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_tls12_test
#include <boost/test/unit_test.hpp>

#include "context/test_hooks.hpp"
#include "handshake/tls12_keys.hpp"
#include "record/protection.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;
using boost::system::error_code;

namespace {

const authority& ca() {
    static const authority a = authority::make_root("tlsio tls12 root", key_type::p256);
    return a;
}

const issued& leaf(key_type k) {
    static std::map<key_type, issued> leaves;
    auto it = leaves.find(k);
    if (it == leaves.end()) {
        leaf_options o;
        o.key = k;
        it = leaves.emplace(k, ca().issue(o)).first;
    }
    return it->second;
}

context server12(key_type k = key_type::p256) {
    context ctx(context::tlsv12_server);
    ctx.use_certificate_chain(leaf(k).chain_pem);
    ctx.use_private_key(leaf(k).key_pem);
    return ctx;
}

context client12() {
    context ctx(context::tlsv12_client);
    ctx.add_certificate_authority(ca().root_pem());
    return ctx;
}

context both_versions(context ctx) {
    ctx.set_protocol_versions(protocol_version::tls12, protocol_version::tls13);
    return ctx;
}

error_code ec(error e) {
    return make_error_code(e);
}

error_code ec(alert a) {
    return make_error_code(a);
}

// Extension hooks: what a peer that does not do as tlsio does would send.
// `message`: 1 ClientHello, 2 ServerHello.
void drop_extension(context& ctx, std::uint8_t message, std::uint16_t type) {
    testing::set_extension_hook(ctx, [=](std::uint8_t m, std::vector<raw_extension>& exts) {
        if (m == message) {
            std::erase_if(exts, [=](const raw_extension& e) { return e.type == type; });
        }
    });
}

void replace_extension(context& ctx, std::uint8_t message, std::uint16_t type, bytes data) {
    testing::set_extension_hook(ctx, [=](std::uint8_t m, std::vector<raw_extension>& exts) {
        for (raw_extension& e : exts) {
            if (m == message && e.type == type) {
                e.data = data;
            }
        }
    });
}

void add_extension(context& ctx, std::uint8_t message, std::uint16_t type, bytes data) {
    testing::set_extension_hook(ctx, [=](std::uint8_t m, std::vector<raw_extension>& exts) {
        if (m == message) {
            exts.push_back({type, data});
        }
    });
}

engine_options localhost() {
    return engine_options{.server_name = "localhost"};
}

std::string describe(const pump_result& r, const engine& client, const engine& server) {
    return "client: " + r.client.error.message() + " (" + client.error_message() +
           "), server: " + r.server.error.message() + " (" + server.error_message() + ")";
}

struct pair {
    engine client;
    engine server;
    pump_result r;
    pair(const context& cctx, const context& sctx, engine_options co = localhost(),
         const pump_options& po = {})
        : client(cctx, role::client, std::move(co)),
          server(sctx, role::server),
          r(test::handshake(client, server, po)) {}
    std::string why() const { return describe(r, client, server); }
};

bytes payload(std::size_t size) {
    bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>(i * 31 + 7);
    }
    return out;
}

bytes send(engine& from, engine& to, const bytes& data) {
    auto w = write_all(from, data);
    BOOST_TEST(w.written == data.size());
    to.feed(w.output);
    bytes got;
    BOOST_TEST(read_available(to, got) != status::error, to.error_message());
    return got;
}

void exchange_data(pair& p) {
    const bytes up = payload(40000);
    BOOST_TEST(send(p.client, p.server, up) == up);
    const bytes down = payload(777);
    BOOST_TEST(send(p.server, p.client, down) == down);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(full_handshakes)

BOOST_AUTO_TEST_CASE(every_suite_group_and_certificate) {
    struct suite_case {
        cipher_suite suite;
        const char* openssl_name;
        bool ecdsa;
    };
    const suite_case suites[] = {
        {cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, "ECDHE-ECDSA-AES128-GCM-SHA256", true},
        {cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384, "ECDHE-ECDSA-AES256-GCM-SHA384", true},
        {cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256, "ECDHE-ECDSA-CHACHA20-POLY1305",
         true},
        {cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256, "ECDHE-RSA-AES128-GCM-SHA256", false},
        {cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384, "ECDHE-RSA-AES256-GCM-SHA384", false},
        {cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256, "ECDHE-RSA-CHACHA20-POLY1305",
         false},
    };
    const named_group groups[] = {named_group::x25519, named_group::secp256r1,
                                  named_group::secp384r1};
    struct cert_case {
        key_type key;
        signature_scheme scheme;
    };
    const cert_case ecdsa_certs[] = {{key_type::p256, signature_scheme::ecdsa_secp256r1_sha256},
                                     {key_type::p384, signature_scheme::ecdsa_secp384r1_sha384},
                                     {key_type::ed25519, signature_scheme::ed25519}};
    const cert_case rsa_certs[] = {{key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha256},
                                   {key_type::rsa2048, signature_scheme::rsa_pkcs1_sha256},
                                   {key_type::rsa2048, signature_scheme::rsa_pkcs1_sha384}};
    for (const suite_case& s : suites) {
        for (named_group g : groups) {
            for (const cert_case& c : s.ecdsa ? ecdsa_certs : rsa_certs) {
                BOOST_TEST_CONTEXT(name(s.suite) << " " << name(g) << " " << name(c.scheme)) {
                    context cctx = client12();
                    cctx.set_cipher_suites({s.suite});
                    cctx.set_signature_schemes({c.scheme});
                    // The client lists every curve (an ECDSA certificate's
                    // curve must be among them, RFC 8422 5.3); the server's
                    // only group decides the key exchange.
                    context sctx = server12(c.key);
                    sctx.set_groups({g});
                    pair p(cctx, sctx);
                    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
                    for (engine* e : {&p.client, &p.server}) {
                        BOOST_TEST(e->version() == protocol_version::tls12);
                        BOOST_TEST(e->cipher_suite() == s.suite);
                        BOOST_TEST(e->group() == g);
                    }
                    BOOST_TEST(p.client.peer_signature_scheme() == c.scheme);
                    BOOST_TEST(std::string(openssl_name(p.client.cipher_suite())) ==
                               s.openssl_name);
                    exchange_data(p);
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(certificate_on_a_curve_the_client_lacks) {
    context cctx = client12();
    cctx.set_groups({named_group::x25519});
    pair p(cctx, server12(key_type::p256));
    BOOST_TEST(p.server.error() == ec(error::handshake_failure), p.why());
    pair q(cctx, server12(key_type::ed25519));  // Ed25519 is no curve of supported_groups
    BOOST_TEST(q.r.ok(), q.why());
}

BOOST_AUTO_TEST_CASE(secp521r1_key_exchange) {
    // The client offers secp521r1 (for TLS 1.3 too); a TLS 1.2 server may pick it.
    context sctx = server12();
    sctx.set_groups({named_group::secp521r1});
    pair p(both_versions(client12()), sctx);
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.group() == named_group::secp521r1);
    exchange_data(p);
}

BOOST_AUTO_TEST_CASE(server_certificate_on_a_curve_not_offered) {
    // The server believes the client offered P-256 (the ClientHello says so);
    // the client's own groups lack it, so its ECDSA certificate is refused.
    context cctx = client12();
    cctx.set_groups({named_group::x25519});
    replace_extension(cctx, 1, 10, {0, 4, 0, 0x1d, 0, 0x17});
    pair p(cctx, server12(key_type::p256));
    BOOST_TEST(p.client.error() == ec(error::illegal_parameter), p.why());
    BOOST_TEST(p.client.error_message().find("curve that was not offered") != std::string::npos);
    BOOST_TEST(p.server.error() == ec(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(server_prefers_its_own_suite_order) {
    context cctx = client12();
    cctx.set_cipher_suites({cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256,
                            cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384});
    pair p(cctx, server12());
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.cipher_suite() == cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384);
}

BOOST_AUTO_TEST_CASE(keylog_writes_client_random_lines) {
    std::vector<std::string> client_lines, server_lines;
    context cctx = client12();
    cctx.set_keylog_callback([&](std::string_view l) { client_lines.emplace_back(l); });
    context sctx = server12();
    sctx.set_keylog_callback([&](std::string_view l) { server_lines.emplace_back(l); });
    pair p(cctx, sctx);
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST_REQUIRE(client_lines.size() == 1u);
    BOOST_TEST(client_lines == server_lines, boost::test_tools::per_element());
    // CLIENT_RANDOM <64 hex digits> <96 hex digits: the 48-byte master secret>
    BOOST_TEST(client_lines[0].rfind("CLIENT_RANDOM ", 0) == 0u);
    BOOST_TEST(client_lines[0].size() == 14u + 64 + 1 + 96);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(version_negotiation)

BOOST_AUTO_TEST_CASE(tls12_client_and_capable_server) {
    pair p(client12(), both_versions(server12()));
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.version() == protocol_version::tls12);
    BOOST_TEST(p.server.version() == protocol_version::tls12);
}

BOOST_AUTO_TEST_CASE(capable_client_and_tls12_server) {
    pair p(both_versions(client12()), server12());
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.version() == protocol_version::tls12);
    BOOST_TEST(p.server.version() == protocol_version::tls12);
}

BOOST_AUTO_TEST_CASE(both_capable_pick_tls13) {
    pair p(both_versions(client12()), both_versions(server12()));
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.version() == protocol_version::tls13);
    BOOST_TEST(p.server.version() == protocol_version::tls13);
}

BOOST_AUTO_TEST_CASE(tls13_only_server_refuses_tls12_client) {
    context sctx = server12();
    sctx.set_protocol_versions(protocol_version::tls13, protocol_version::tls13);
    pair p(client12(), sctx);
    BOOST_TEST(!p.r.ok());
    BOOST_TEST(p.server.error() == ec(error::protocol_version));
    BOOST_TEST(p.client.error() == ec(alert::protocol_version));
}

BOOST_AUTO_TEST_CASE(tls12_only_server_refuses_tls13_client) {
    context cctx = client12();
    cctx.set_protocol_versions(protocol_version::tls13, protocol_version::tls13);
    pair p(cctx, server12());
    BOOST_TEST(!p.r.ok());
    BOOST_TEST(p.server.error() == ec(error::protocol_version));
    BOOST_TEST(p.client.error() == ec(alert::protocol_version));
}

BOOST_AUTO_TEST_CASE(no_tlsv1_2_option_removes_tls12) {
    context sctx = both_versions(server12());
    sctx.set_options(context::no_tlsv1_2);
    pair p(client12(), sctx);
    BOOST_TEST(p.server.error() == ec(error::protocol_version));
}

BOOST_AUTO_TEST_CASE(downgrade_sentinel_is_detected) {
    // A 1.3-capable server made to answer as TLS 1.2 (here: a client hello
    // whose supported_versions lost TLS 1.3, as an attacker would edit it)
    // marks its random; the 1.3-capable client sees it.
    context cctx = both_versions(client12());
    replace_extension(cctx, 1, 43, {2, 0x03, 0x03});  // supported_versions: TLS 1.2 only
    pair p(cctx, both_versions(server12()));
    BOOST_TEST(!p.r.ok());
    BOOST_TEST(p.client.error() == ec(error::downgrade_detected), p.why());
    BOOST_TEST(p.server.error() == ec(alert::illegal_parameter));
    BOOST_TEST(p.client.error_message().find("downgrade sentinel") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls12_only_server_sets_no_sentinel) {
    // The same edited hello to a TLS 1.2-only server: no sentinel, no failure.
    context cctx = both_versions(client12());
    replace_extension(cctx, 1, 43, {2, 0x03, 0x03});  // supported_versions: TLS 1.2 only
    pair p(cctx, server12());
    BOOST_TEST(p.r.ok(), p.why());
}

BOOST_AUTO_TEST_CASE(fallback_scsv) {
    // A client that fell back to TLS 1.2 and says so, to a 1.3-capable server.
    context cctx = client12();
    cctx.set_cipher_suites(
        {cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, static_cast<cipher_suite>(0x5600)});
    pair p(cctx, both_versions(server12()));
    BOOST_TEST(!p.r.ok());
    BOOST_TEST(p.server.error() == ec(error::inappropriate_fallback), p.why());
    BOOST_TEST(p.client.error() == ec(alert::inappropriate_fallback));
    // To a server whose highest version is TLS 1.2 the fallback was right.
    pair q(cctx, server12());
    BOOST_TEST(q.r.ok(), q.why());
}

BOOST_AUTO_TEST_CASE(old_versions_are_refused) {
    // A ClientHello of TLS 1.1 (no supported_versions, legacy_version 0x0302).
    context cctx = client12();
    pair p(cctx, both_versions(server12()), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::client && f.index == 0) {
                   f.data[9] = 0x03;
                   f.data[10] = 0x02;
               }
           }});
    BOOST_TEST(p.server.error() == ec(error::protocol_version), p.why());
    BOOST_TEST(p.client.error() == ec(alert::protocol_version));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// The handshake messages of a plaintext flight (every record a handshake
// record), edited by `edit`, re-framed one message per record.
void edit_messages(flight& f, const std::function<void(std::vector<bytes>&)>& edit) {
    auto split = split_records(f.data);
    bytes handshake;
    std::vector<test::record> tail;
    bool in_tail = false;
    for (const test::record& r : split.records) {
        if (r.type != content_type::handshake) {
            in_tail = true;
        }
        if (in_tail) {
            tail.push_back(r);
        } else {
            handshake.insert(handshake.end(), r.payload.begin(), r.payload.end());
        }
    }
    auto messages = split_handshake_messages(handshake);
    BOOST_TEST_REQUIRE(messages.has_value());
    edit(*messages);
    std::vector<test::record> out;
    for (const bytes& m : *messages) {
        out.push_back({content_type::handshake, 0x0303, m});
    }
    out.insert(out.end(), tail.begin(), tail.end());
    f.data = join_records(out);
}

bytes& message_of_type(std::vector<bytes>& messages, std::uint8_t type) {
    auto it = std::find_if(messages.begin(), messages.end(),
                           [&](const bytes& m) { return !m.empty() && m[0] == type; });
    BOOST_TEST_REQUIRE((it != messages.end()), "no message of type " << int(type));
    return *it;
}

const bytes ccs_record = {20, 3, 3, 0, 1, 1};

}  // namespace

BOOST_AUTO_TEST_SUITE(extensions)

BOOST_AUTO_TEST_CASE(client_without_extended_master_secret_is_refused) {
    context cctx = client12();
    drop_extension(cctx, 1, 23);
    pair p(cctx, server12());
    BOOST_TEST(p.server.error() == ec(error::handshake_failure), p.why());
    BOOST_TEST(p.server.error_message().find("extended master secret") != std::string::npos);
    BOOST_TEST(p.client.error() == ec(alert::handshake_failure));
}

BOOST_AUTO_TEST_CASE(server_without_extended_master_secret_is_refused) {
    context sctx = server12();
    drop_extension(sctx, 2, 23);
    pair p(client12(), sctx);
    BOOST_TEST(p.client.error() == ec(error::handshake_failure), p.why());
    BOOST_TEST(p.client.error_message().find("extended master secret") != std::string::npos);
    BOOST_TEST(p.server.error() == ec(alert::handshake_failure));
}

BOOST_AUTO_TEST_CASE(renegotiation_info_is_checked) {
    context sctx = server12();
    drop_extension(sctx, 2, 0xff01);
    pair p(client12(), sctx);
    BOOST_TEST(p.client.error() == ec(error::handshake_failure), p.why());

    context cctx = client12();
    replace_extension(cctx, 1, 0xff01,
                      {12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});  // a renegotiation
    pair q(cctx, server12());
    BOOST_TEST(q.server.error() == ec(error::handshake_failure), q.why());
}

BOOST_AUTO_TEST_CASE(renegotiation_info_is_answered_only_when_asked) {
    auto server_hello_has_it = [](const pair& p) {
        const flight* f = p.r.flights_from(role::server).at(0);
        auto recs = split_records(f->data).records;
        auto messages = split_handshake_messages(recs.at(0).payload);
        BOOST_TEST_REQUIRE(messages.has_value());
        auto sh = parse_hello(messages->at(0));
        BOOST_TEST_REQUIRE(sh.has_value());
        return sh->find(0xff01) != nullptr;
    };
    // Neither the extension nor the SCSV (RFC 5746 3.6): no answer, which
    // tlsio's own client then refuses.
    context cctx = client12();
    drop_extension(cctx, 1, 0xff01);
    pair p(cctx, server12());
    BOOST_TEST(!server_hello_has_it(p));
    BOOST_TEST(p.client.error() == ec(error::handshake_failure), p.why());
    // The SCSV instead of the extension.
    cctx.set_cipher_suites(
        {cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, static_cast<cipher_suite>(0x00ff)});
    pair q(cctx, server12());
    BOOST_TEST(server_hello_has_it(q));
    BOOST_TEST(q.r.ok(), q.why());
}

BOOST_AUTO_TEST_CASE(supported_groups_in_the_server_hello_is_ignored) {
    // RFC 8422 servers do not send it, some do (the client offered it).
    context sctx = server12();
    add_extension(sctx, 2, 10, {0, 2, 0, 0x1d});
    pair p(client12(), sctx);
    BOOST_TEST(p.r.ok(), p.why());
}

BOOST_AUTO_TEST_CASE(tls12_extensions_in_tls13_encrypted_extensions) {
    // Offered for TLS 1.2, recognized, but not for EncryptedExtensions
    // (RFC 8446 4.2).
    for (std::uint16_t type : std::vector<std::uint16_t>{23, 0xff01, 11}) {
        BOOST_TEST_CONTEXT("extension " << type) {
            context sctx = both_versions(server12());
            add_extension(sctx, 8, type,
                          type == 0xff01 ? bytes{0}
                          : type == 11   ? bytes{1, 0}
                                         : bytes{});
            pair p(both_versions(client12()), sctx);
            BOOST_TEST(p.client.error() == ec(error::illegal_parameter), p.why());
        }
    }
}

BOOST_AUTO_TEST_CASE(point_formats_without_uncompressed_are_refused) {
    context cctx = client12();
    replace_extension(cctx, 1, 11, {1, 1});  // ansiX962_compressed_prime only
    pair p(cctx, server12());
    BOOST_TEST(p.server.error() == ec(error::illegal_parameter), p.why());
}

BOOST_AUTO_TEST_CASE(alpn_and_sni) {
    context cctx = client12();
    cctx.set_alpn_protocols({"h2", "http/1.1"});
    context sctx = server12();
    sctx.set_alpn_protocols({"http/1.1"});
    pair p(cctx, sctx);
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.alpn_protocol() == "http/1.1");
    BOOST_TEST(p.server.alpn_protocol() == "http/1.1");
    BOOST_TEST(p.server.server_name() == "localhost");

    sctx.set_alpn_protocols({"spdy/1"});
    pair q(cctx, sctx);
    BOOST_TEST(q.server.error() == ec(error::no_application_protocol), q.why());
    BOOST_TEST(q.client.error() == ec(alert::no_application_protocol));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_certificates)

BOOST_AUTO_TEST_CASE(mutual_authentication) {
    for (key_type k : {key_type::p256, key_type::rsa2048, key_type::ed25519}) {
        BOOST_TEST_CONTEXT(name(k)) {
            context cctx = client12();
            cctx.use_certificate_chain(leaf(k).chain_pem);
            cctx.use_private_key(leaf(k).key_pem);
            context sctx = server12();
            sctx.add_certificate_authority(ca().root_pem());
            sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
            pair p(cctx, sctx);
            BOOST_TEST_REQUIRE(p.r.ok(), p.why());
            BOOST_TEST(p.server.peer_certificates().size() == 1u);
            BOOST_TEST(p.client.signature_scheme().has_value());
            exchange_data(p);
        }
    }
}

BOOST_AUTO_TEST_CASE(missing_client_certificate) {
    context sctx = server12();
    sctx.add_certificate_authority(ca().root_pem());
    sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    pair p(client12(), sctx);
    // TLS 1.2 has no certificate_required alert: handshake_failure goes out,
    // the error is the one TLS 1.3 reports.
    BOOST_TEST(p.server.error() == ec(error::certificate_required), p.why());
    BOOST_TEST(p.client.error() == ec(alert::handshake_failure));

    sctx.set_verify_mode(verify_peer);  // asked for, not required
    pair q(client12(), sctx);
    BOOST_TEST(q.r.ok(), q.why());
    BOOST_TEST(q.server.peer_certificates().empty());
}

BOOST_AUTO_TEST_CASE(untrusted_client_certificate) {
    const authority other = authority::make_root("another root", key_type::p256);
    const issued stranger = other.issue({});
    context cctx = client12();
    cctx.use_certificate_chain(stranger.chain_pem);
    cctx.use_private_key(stranger.key_pem);
    context sctx = server12();
    sctx.add_certificate_authority(ca().root_pem());
    sctx.set_verify_mode(verify_peer);
    pair p(cctx, sctx);
    BOOST_TEST(p.server.error() == ec(error::certificate_unknown_ca), p.why());
    BOOST_TEST(p.client.error() == ec(alert::unknown_ca));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(closing)

BOOST_AUTO_TEST_CASE(close_notify) {
    pair p(client12(), server12());
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.shutdown() == status::done);
    p.server.feed(take_output(p.client));
    bytes got;
    BOOST_TEST(read_available(p.server, got) == status::closed);
    BOOST_TEST(p.server.received_close_notify());
}

BOOST_AUTO_TEST_CASE(truncation) {
    pair p(client12(), server12());
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    p.server.commit_eof();
    bytes got;
    BOOST_TEST(read_available(p.server, got) == status::error);
    BOOST_TEST(p.server.error() == ec(error::stream_truncated));
}

BOOST_AUTO_TEST_CASE(key_update_is_tls13_only) {
    pair p(client12(), server12());
    BOOST_TEST_REQUIRE(p.r.ok(), p.why());
    BOOST_TEST(p.client.key_update(false) == status::error);
    exchange_data(p);  // the connection is unharmed
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(server_key_exchange_with_a_bad_signature) {
    pair p(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   edit_messages(f,
                                 [](std::vector<bytes>& m) { message_of_type(m, 12).back() ^= 1; });
               }
           }});
    BOOST_TEST(p.client.error() == ec(error::decrypt_error), p.why());
    BOOST_TEST(p.server.error() == ec(alert::decrypt_error));
    BOOST_TEST(p.client.error_message() == "ServerKeyExchange signature does not verify");
}

BOOST_AUTO_TEST_CASE(server_key_exchange_with_an_unoffered_group) {
    context cctx = client12();
    cctx.set_groups({named_group::x25519, named_group::secp256r1});
    context sctx = server12();
    sctx.set_groups({named_group::x25519});
    pair p(cctx, sctx, localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   edit_messages(f, [](std::vector<bytes>& m) {
                       bytes& ske = message_of_type(m, 12);
                       ske[5] = 0x00;
                       ske[6] = 0x18;  // secp384r1, which the client did not offer
                   });
               }
           }});
    BOOST_TEST(p.client.error() == ec(error::illegal_parameter), p.why());
    BOOST_TEST(p.server.error() == ec(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(client_point_not_on_the_curve) {
    context cctx = client12();
    cctx.set_groups({named_group::secp256r1});
    pair p(cctx, server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::client && f.index == 1) {
                   edit_messages(f,
                                 [](std::vector<bytes>& m) { message_of_type(m, 16).back() ^= 1; });
               }
           }});
    BOOST_TEST(p.server.error() == ec(error::illegal_parameter), p.why());
    BOOST_TEST(p.client.error() == ec(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(compression_methods) {
    auto with_methods = [](bytes methods) {
        return pump_options{.intercept = [methods](flight& f) {
            if (f.from == role::client && f.index == 0) {
                edit_messages(f, [&](std::vector<bytes>& m) {
                    auto ch = parse_hello(m.at(0));
                    BOOST_TEST_REQUIRE(ch.has_value());
                    ch->compression = methods;
                    m.at(0) = encode_hello(*ch);
                });
            }
        }};
    };
    // More than null is fine in TLS 1.2 (RFC 5246 7.4.1.2): the server goes
    // on, and only the client's protected Finished fails (the extended
    // master secret covers the altered ClientHello, so the keys differ).
    pair p(client12(), server12(), localhost(), with_methods({1, 0, 2}));
    BOOST_TEST(p.server.error() == ec(error::bad_record_mac), p.why());
    // Without null it is refused.
    pair q(client12(), server12(), localhost(), with_methods({1, 2}));
    BOOST_TEST(q.server.error() == ec(error::illegal_parameter), q.why());
    BOOST_TEST(q.client.error() == ec(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(handshake_data_after_the_client_hello) {
    // The start of a ClientKeyExchange in the ClientHello's record: the
    // client cannot have made it before our ServerHello.
    pair p(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::client && f.index == 0) {
                   auto recs = split_records(f.data).records;
                   BOOST_TEST_REQUIRE(recs.size() == 1u);
                   bytes& payload = recs[0].payload;
                   payload.insert(payload.end(), {16, 0, 0, 33, 32});
                   f.data = join_records(recs);
               }
           }});
    BOOST_TEST(p.server.error() == ec(error::unexpected_message), p.why());
    BOOST_TEST(p.server.error_message() == "handshake data follows the TLS 1.2 ClientHello");
    BOOST_TEST(p.client.error() == ec(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(messages_out_of_order) {
    // ServerHelloDone where the ServerKeyExchange belongs.
    pair p(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   edit_messages(f, [](std::vector<bytes>& m) {
                       std::erase_if(m, [](const bytes& x) { return x[0] == 12; });
                   });
               }
           }});
    BOOST_TEST(p.client.error() == ec(error::unexpected_message), p.why());
    BOOST_TEST(p.server.error() == ec(alert::unexpected_message));

    // ClientKeyExchange before the Certificate the server asked for.
    context sctx = server12();
    sctx.add_certificate_authority(ca().root_pem());
    sctx.set_verify_mode(verify_peer);
    pair q(client12(), sctx, localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::client && f.index == 1) {
                   edit_messages(f, [](std::vector<bytes>& m) {
                       std::erase_if(m, [](const bytes& x) { return x[0] == 11; });
                   });
               }
           }});
    BOOST_TEST(q.server.error() == ec(error::unexpected_message), q.why());

    // A TLS 1.3 message in a TLS 1.2 handshake.
    pair r(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   edit_messages(f, [](std::vector<bytes>& m) {
                       m.insert(m.begin() + 1, bytes{8, 0, 0, 2, 0, 0});  // EncryptedExtensions
                   });
               }
           }});
    BOOST_TEST(r.client.error() == ec(error::unexpected_message), r.why());
}

BOOST_AUTO_TEST_CASE(hello_request_during_the_handshake) {
    // RFC 5246 7.4.1.1 lets a client ignore it while it negotiates; tlsio,
    // as BoringSSL, refuses it: the server has no reason to send one then.
    // Before each message of the server's first flight (ServerHello,
    // Certificate, ServerKeyExchange, ServerHelloDone).
    for (std::size_t at : {0, 1, 2, 3}) {
        BOOST_TEST_CONTEXT("HelloRequest before message " << at) {
            pair p(client12(), server12(), localhost(), pump_options{.intercept = [at](flight& f) {
                       if (f.from == role::server && f.index == 0) {
                           edit_messages(f, [at](std::vector<bytes>& m) {
                               m.insert(m.begin() + static_cast<std::ptrdiff_t>(at),
                                        bytes{0, 0, 0, 0});
                           });
                       }
                   }});
            BOOST_TEST(p.client.error() == ec(error::unexpected_message), p.why());
            BOOST_TEST(p.server.error() == ec(alert::unexpected_message));
        }
    }
}

BOOST_AUTO_TEST_CASE(change_cipher_spec_in_the_wrong_place) {
    // Before the ServerHello: a TLS 1.2-only client drops no CCS.
    pair p(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   f.data.insert(f.data.begin(), ccs_record.begin(), ccs_record.end());
               }
           }});
    BOOST_TEST(p.client.error() == ec(error::unexpected_message), p.why());
    BOOST_TEST(p.server.error() == ec(alert::unexpected_message));

    // Before the ClientKeyExchange.
    pair q(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::client && f.index == 1) {
                   f.data.insert(f.data.begin(), ccs_record.begin(), ccs_record.end());
               }
           }});
    BOOST_TEST(q.server.error() == ec(error::unexpected_message), q.why());

    // Twice: the second is under the new keys' epoch.
    pair r(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::server && f.index == 1) {
                   f.data.insert(f.data.begin(), ccs_record.begin(), ccs_record.end());
               }
           }});
    BOOST_TEST(r.client.error() == ec(error::unexpected_message), r.why());
}

BOOST_AUTO_TEST_CASE(empty_server_certificate) {
    pair p(client12(), server12(), localhost(), pump_options{.intercept = [](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   edit_messages(f, [](std::vector<bytes>& m) {
                       message_of_type(m, 11) = bytes{11, 0, 0, 3, 0, 0, 0};
                   });
               }
           }});
    BOOST_TEST(p.client.error() == ec(error::decode_error), p.why());
    BOOST_TEST(p.server.error() == ec(alert::decode_error));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// What a passive observer with the key log knows: the randoms and the master
// secret, so the tests can open and seal TLS 1.2 records themselves.
struct observer {
    bytes client_random;
    bytes server_random;
    bytes master;
    cipher_suite suite{};

    tlsio::record::protection keys(bool client_writes) const {
        tlsio::handshake::secret m{byte_view(master)};
        const auto* s = tlsio::handshake::tls12::find_suite(static_cast<std::uint16_t>(suite));
        tlsio::handshake::tls12::key_block kb;
        tlsio::handshake::tls12::derive_key_block(*s, m, client_random, server_random, kb);
        tlsio::record::protection p;
        BOOST_TEST_REQUIRE(p.install(tlsio::record::protocol::tls12, s->aead, kb.key(client_writes),
                                     kb.iv(client_writes)));
        return p;
    }
};

bytes random_of(const flight& f) {
    auto recs = split_records(f.data).records;
    BOOST_TEST_REQUIRE(!recs.empty());
    BOOST_TEST_REQUIRE(recs[0].payload.size() >= 38u);
    return bytes(recs[0].payload.begin() + 6, recs[0].payload.begin() + 38);
}

void observe(context& cctx, observer& o) {
    cctx.set_keylog_callback([&o](std::string_view line) {
        o.master = from_hex(std::string(line.substr(line.rfind(' ') + 1)));
    });
}

// Seals `content` as a record of `type` with `p` (its next sequence number).
bytes seal(tlsio::record::protection& p, std::uint8_t type, const bytes& content) {
    bytes out(5 + content.size() + p.overhead());
    std::copy(content.begin(), content.end(), out.begin() + 5);
    std::size_t n = p.seal(out.data(), content.size(), static_cast<wire::content_type>(type));
    BOOST_TEST_REQUIRE(n == out.size());
    return out;
}

// Opens a whole record with `p`; the content.
bytes open(tlsio::record::protection& p, const bytes& whole) {
    bytes copy = whole;
    wire::content_type type{};
    std::size_t size = 0;
    BOOST_TEST_REQUIRE((p.open(copy.data(), mutable_bytes(copy.data() + 5, copy.size() - 5), type,
                               size) == tlsio::error{}));
    return bytes(copy.begin() + 5, copy.begin() + 5 + static_cast<std::ptrdiff_t>(size));
}

// A TLS 1.2 handshake with `suite` that `o` watched: it can then seal and
// open the records that follow.
std::unique_ptr<pair> observed_handshake(observer& o, cipher_suite suite) {
    context cctx = client12();
    observe(cctx, o);
    o.suite = suite;
    cctx.set_cipher_suites({suite});
    auto p = std::make_unique<pair>(
        cctx, server12(), localhost(), pump_options{.intercept = [&o](flight& f) {
            if (f.index == 0) {
                (f.from == role::client ? o.client_random : o.server_random) = random_of(f);
            }
        }});
    BOOST_TEST_REQUIRE(p->r.ok(), p->why());
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(protected_bad_input)

BOOST_AUTO_TEST_CASE(finished_that_does_not_verify) {
    observer o;
    context cctx = client12();
    observe(cctx, o);
    o.suite = cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256;
    cctx.set_cipher_suites({o.suite});
    pair p(cctx, server12(), localhost(), pump_options{.intercept = [&o](flight& f) {
               if (f.index == 0) {
                   (f.from == role::client ? o.client_random : o.server_random) = random_of(f);
               }
               if (f.from != role::client || f.index != 1) {
                   return;
               }
               // The client's Finished is the record after its ChangeCipherSpec.
               auto recs = split_records(f.data).records;
               BOOST_TEST_REQUIRE(recs.size() >= 3u);
               test::record& fin = recs.back();
               BOOST_TEST_REQUIRE(recs[recs.size() - 2].type == content_type::change_cipher_spec);
               tlsio::record::protection opener = o.keys(true);
               bytes content = open(opener, encode_record(fin));
               BOOST_TEST_REQUIRE(content.size() == 16u);
               content.back() ^= 0x80;  // verify_data changed, sealed properly
               tlsio::record::protection sealer = o.keys(true);
               bytes sealed = seal(sealer, content_type::handshake, content);
               fin.payload.assign(sealed.begin() + 5, sealed.end());
               f.data = join_records(recs);
           }});
    BOOST_TEST(p.server.error() == ec(error::decrypt_error), p.why());
    BOOST_TEST(p.server.error_message() == "Finished does not verify");
    BOOST_TEST(p.client.error() == ec(alert::decrypt_error));
}

BOOST_AUTO_TEST_CASE(warning_alerts_are_dropped) {
    // Before the ServerHello (a TLS 1.2 server's unrecognized_name, RFC 6066 3).
    const bytes warning = {21, 3, 3, 0, 2, 1, 112};
    pair w(client12(), server12(), localhost(), pump_options{.intercept = [&](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   f.data.insert(f.data.begin(), warning.begin(), warning.end());
               }
           }});
    BOOST_TEST(w.r.ok(), w.why());

    // Not inside a fragmented handshake message, though (RFC 8446 5.1's rule,
    // which tlsio keeps for TLS 1.2): the ServerHello in two records, the
    // warning between them.
    pair x(client12(), server12(), localhost(), pump_options{.intercept = [&](flight& f) {
               if (f.from == role::server && f.index == 0) {
                   auto recs = split_records(f.data).records;
                   bytes& hello = recs.at(0).payload;
                   test::record rest{content_type::handshake, 0x0303,
                                     bytes(hello.begin() + 10, hello.end())};
                   hello.resize(10);
                   recs.insert(recs.begin() + 1, rest);
                   f.data = join_records(recs);
                   f.data.insert(f.data.begin() + 15, warning.begin(), warning.end());
               }
           }});
    BOOST_TEST(x.client.error() == ec(error::unexpected_message), x.why());
    BOOST_TEST(x.client.error_message() == "an alert inside a fragmented handshake message");

    // After the handshake, protected: up to max_warning_alerts in a row.
    observer o;
    auto handshake = observed_handshake(o, cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384);
    pair& p = *handshake;
    tlsio::record::protection server_write = o.keys(false);
    seal(server_write, content_type::handshake, {20});  // the server's Finished
    bytes got;
    for (int i = 0; i < 4; ++i) {
        p.client.feed(seal(server_write, content_type::alert, {1, 112}));
    }
    p.client.feed(seal(server_write, content_type::application_data, {'x'}));
    BOOST_TEST(read_available(p.client, got) != status::error, p.client.error_message());
    BOOST_TEST(got == bytes{'x'}, boost::test_tools::per_element());
    for (int i = 0; i < 5; ++i) {
        p.client.feed(seal(server_write, content_type::alert, {1, 112}));
    }
    BOOST_TEST(read_available(p.client, got) == status::error);
    BOOST_TEST(p.client.error() == ec(error::too_many_warning_alerts), p.client.error_message());
}

BOOST_AUTO_TEST_CASE(renegotiation_is_refused_with_a_warning) {
    observer o;
    auto handshake = observed_handshake(o, cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256);
    pair& p = *handshake;

    // The server "sends" a HelloRequest (its Finished used sequence number 0).
    tlsio::record::protection server_write = o.keys(false);
    seal(server_write, content_type::handshake, {20});  // sequence number 0, skipped
    p.client.feed(seal(server_write, content_type::handshake, {0, 0, 0, 0}));
    bytes got;
    BOOST_TEST(read_available(p.client, got) == status::want_read, p.client.error_message());
    BOOST_TEST(!p.client.error());
    // Its answer: a warning no_renegotiation alert.
    bytes out = take_output(p.client);
    BOOST_TEST_REQUIRE(out.size() > 5u);
    BOOST_TEST(out[0] == content_type::alert);
    tlsio::record::protection client_write = o.keys(true);
    seal(client_write, content_type::handshake, {20});  // the client's Finished
    BOOST_TEST(open(client_write, out) == (bytes{1, 100}), boost::test_tools::per_element());

    // The client "sends" a new ClientHello: the server answers the same way.
    // (the client's alert above never reached the server: sequence number 1 again)
    tlsio::record::protection client_write2 = o.keys(true);
    seal(client_write2, content_type::handshake, {20});
    p.server.feed(seal(client_write2, content_type::handshake, {1, 0, 0, 2, 3, 3}));
    BOOST_TEST(read_available(p.server, got) == status::want_read, p.server.error_message());
    BOOST_TEST(!p.server.error());
    out = take_output(p.server);
    BOOST_TEST_REQUIRE(out.size() > 5u);
    tlsio::record::protection server_write2 = o.keys(false);
    seal(server_write2, content_type::handshake, {20});
    BOOST_TEST(open(server_write2, out) == (bytes{1, 100}), boost::test_tools::per_element());

    // After the client's close_notify it sends nothing more, not even that.
    BOOST_TEST(p.client.shutdown() == status::done);
    take_output(p.client);
    p.client.feed(seal(server_write, content_type::handshake, {0, 0, 0, 0}));
    BOOST_TEST(read_available(p.client, got) == status::want_read, p.client.error_message());
    BOOST_TEST(take_output(p.client).empty());
}

BOOST_AUTO_TEST_SUITE_END()
