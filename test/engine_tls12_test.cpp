// TLS 1.2 engine to engine, in memory: every suite with every group and
// certificate type, version negotiation between 1.2-only and 1.3-capable
// sides, the downgrade sentinel, TLS_FALLBACK_SCSV, the extended master
// secret, renegotiation refused, mTLS, ALPN, SNI, close and truncation, and
// bad input (each with the alert sent and the error code).
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_tls12_test
#include <boost/test/unit_test.hpp>

#include "context/test_hooks.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

#include <algorithm>
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
          r(handshake(client, server, po)) {}
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
                    cctx.set_groups({g});
                    cctx.set_signature_schemes({c.scheme});
                    context sctx = server12(c.key);
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
    testing::set_extension_hook(cctx, [](std::uint8_t type, std::vector<raw_extension>& exts) {
        if (type != 1) {
            return;
        }
        for (raw_extension& e : exts) {
            if (e.type == 43) {
                e.data = {2, 0x03, 0x03};  // TLS 1.2 only
            }
        }
    });
    pair p(cctx, both_versions(server12()));
    BOOST_TEST(!p.r.ok());
    BOOST_TEST(p.client.error() == ec(error::downgrade_detected), p.why());
    BOOST_TEST(p.server.error() == ec(alert::illegal_parameter));
    BOOST_TEST(p.client.error_message().find("downgrade sentinel") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls12_only_server_sets_no_sentinel) {
    // The same edited hello to a TLS 1.2-only server: no sentinel, no failure.
    context cctx = both_versions(client12());
    testing::set_extension_hook(cctx, [](std::uint8_t type, std::vector<raw_extension>& exts) {
        if (type != 1) {
            return;
        }
        for (raw_extension& e : exts) {
            if (e.type == 43) {
                e.data = {2, 0x03, 0x03};
            }
        }
    });
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
