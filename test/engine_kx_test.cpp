// Engine-to-engine in memory: the groups, suite and signature scheme beyond
// the first three of each (x448, secp521r1, ffdhe*, TLS_AES_128_CCM_SHA256,
// ecdsa_secp521r1_sha512), key shares for several groups, and the server's
// choice among them before a HelloRetryRequest.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_kx_test
#include <boost/test/unit_test.hpp>

#include "support/kx_fixtures.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;

namespace {

const named_group new_groups[] = {
    named_group::x448,      named_group::secp521r1, named_group::ffdhe2048, named_group::ffdhe3072,
    named_group::ffdhe4096, named_group::ffdhe6144, named_group::ffdhe8192};

}  // namespace

// ---- New groups ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_new_group_engine_to_engine) {
    // The client offers only `g`; the server has its defaults, which accept
    // every group tlsio implements.
    for (named_group g : new_groups) {
        BOOST_TEST_CONTEXT(g) {
            auto cctx = client_context();
            cctx.set_groups({g});
            auto sctx = server_context();
            auto c = connect_ok(cctx, sctx);
            BOOST_TEST(c->client.group() == g);
            BOOST_TEST(c->server.group() == g);
            BOOST_TEST(std::string(name(g)) != "unknown");
            BOOST_TEST(!c->server.used_hello_retry_request());
            BOOST_TEST((send(c->client, c->server, to_bytes("ping")) == to_bytes("ping")));
            BOOST_TEST((send(c->server, c->client, to_bytes("pong")) == to_bytes("pong")));
        }
    }
}

BOOST_AUTO_TEST_CASE(hello_retry_request_to_each_new_group) {
    // A client sharing x25519 only; a server that enables only `g` asks for
    // it, and the second ClientHello carries one share, for `g`.
    for (named_group g : new_groups) {
        BOOST_TEST_CONTEXT(g) {
            auto cctx = client_context();
            cctx.set_key_share_groups({named_group::x25519});
            auto sctx = server_context();
            sctx.set_groups({g});
            auto c = connect_ok(cctx, sctx);
            BOOST_TEST(c->client.used_hello_retry_request());
            BOOST_TEST(c->server.used_hello_retry_request());
            BOOST_TEST(c->client.group() == g);
            auto first = client_hello_of(c->r, 0);
            auto second = client_hello_of(c->r, 1);
            auto shares = shares_of(second);
            BOOST_TEST_REQUIRE(shares.size() == 1u);
            BOOST_TEST(shares[0].first == code(g));
            BOOST_TEST(shares_of(first).at(0).first == code(named_group::x25519));
            BOOST_TEST((send(c->client, c->server, payload(3000)) == payload(3000)));
        }
    }
}

BOOST_AUTO_TEST_CASE(default_groups_fast_first_with_one_share) {
    // The default order puts the post-quantum hybrids first (engine_pq_test),
    // then the classical groups fast first. With no key share groups set, the
    // client shares the first group only.
    auto cctx = client_context();
    cctx.set_key_share_groups({});
    auto sctx = server_context();
    auto c = connect_ok(cctx, sctx);
    BOOST_TEST(c->client.group() == named_group::x25519_mlkem768);
    auto ch = client_hello_of(c->r);
    const std::vector<std::uint16_t> expected = {0x11ec, 0x11eb, 0x11ed, 0x001d, 0x0017,
                                                 0x0018, 0x001e, 0x0019, 0x0100, 0x0101,
                                                 0x0102, 0x0103, 0x0104};
    BOOST_TEST(supported_groups_of(ch) == expected, boost::test_tools::per_element());
    auto shares = shares_of(ch);
    BOOST_TEST_REQUIRE(shares.size() == 1u);
    BOOST_TEST(shares[0].first == 0x11ec);
    BOOST_TEST(shares[0].second == 1216u);
}

// ---- Several key shares ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(client_sends_shares_in_supported_groups_order) {
    auto cctx = client_context();
    cctx.set_groups({named_group::x25519, named_group::secp256r1, named_group::secp384r1,
                     named_group::ffdhe2048});
    // Listed out of order, with a group that set_groups left out (x448).
    cctx.set_key_share_groups(
        {named_group::ffdhe2048, named_group::x448, named_group::x25519, named_group::secp384r1});
    auto sctx = server_context();
    auto c = connect_ok(cctx, sctx);
    auto ch = client_hello_of(c->r);
    auto shares = shares_of(ch);
    BOOST_TEST_REQUIRE(shares.size() == 3u);
    BOOST_TEST(shares[0].first == 0x001d);
    BOOST_TEST(shares[0].second == 32u);
    BOOST_TEST(shares[1].first == 0x0018);
    BOOST_TEST(shares[1].second == 97u);
    BOOST_TEST(shares[2].first == 0x0100);
    BOOST_TEST(shares[2].second == 256u);
    // The server's default order puts x25519 first.
    BOOST_TEST(c->server.group() == named_group::x25519);
    BOOST_TEST(c->client.group() == named_group::x25519);
    BOOST_TEST(!c->client.used_hello_retry_request());
}

BOOST_AUTO_TEST_CASE(server_picks_its_preference_among_offered_shares) {
    struct case_t {
        std::vector<named_group> server_groups;
        named_group expected;
    };
    // The client shares x25519, secp384r1 and x448 and also supports P-256.
    const case_t cases[] = {
        {{named_group::secp384r1, named_group::x25519}, named_group::secp384r1},
        {{named_group::x448, named_group::secp384r1, named_group::x25519}, named_group::x448},
        // P-256 is preferred but has no share: a share the server accepts wins
        // over a round trip.
        {{named_group::secp256r1, named_group::x25519, named_group::secp384r1},
         named_group::x25519},
    };
    for (const case_t& tc : cases) {
        BOOST_TEST_CONTEXT("expecting " << tc.expected) {
            auto cctx = client_context();
            cctx.set_groups({named_group::x25519, named_group::secp256r1, named_group::secp384r1,
                             named_group::x448});
            cctx.set_key_share_groups(
                {named_group::x25519, named_group::secp384r1, named_group::x448});
            auto sctx = server_context();
            sctx.set_groups(tc.server_groups);
            auto c = connect_ok(cctx, sctx);
            BOOST_TEST(!c->server.used_hello_retry_request());
            BOOST_TEST(!c->client.used_hello_retry_request());
            BOOST_TEST(c->server.group() == tc.expected);
            BOOST_TEST(c->client.group() == tc.expected);
            BOOST_TEST(c->r.flights_from(role::client).size() == 2u);  // one ClientHello
            BOOST_TEST((send(c->server, c->client, payload(100)) == payload(100)));
        }
    }
}

BOOST_AUTO_TEST_CASE(hello_retry_request_when_no_offered_share_is_acceptable) {
    auto cctx = client_context();
    cctx.set_groups({named_group::x25519, named_group::secp256r1, named_group::secp521r1});
    cctx.set_key_share_groups({named_group::x25519, named_group::secp256r1});
    auto sctx = server_context();
    sctx.set_groups({named_group::secp521r1, named_group::secp384r1});
    auto c = connect_ok(cctx, sctx);
    BOOST_TEST(c->server.used_hello_retry_request());
    BOOST_TEST(c->client.used_hello_retry_request());
    BOOST_TEST(c->client.group() == named_group::secp521r1);
    BOOST_TEST(c->server.group() == named_group::secp521r1);
    auto first = client_hello_of(c->r, 0);
    BOOST_TEST(shares_of(first).size() == 2u);
    auto second = client_hello_of(c->r, 1);
    auto shares = shares_of(second);
    BOOST_TEST_REQUIRE(shares.size() == 1u);
    BOOST_TEST(shares[0].first == 0x0019);
    BOOST_TEST(shares[0].second == 133u);
}

BOOST_AUTO_TEST_CASE(key_share_groups_outside_the_groups_fall_back_to_the_first) {
    auto cctx = client_context();
    cctx.set_groups({named_group::secp256r1, named_group::x25519});
    cctx.set_key_share_groups({named_group::ffdhe3072});
    auto sctx = server_context();
    auto c = connect_ok(cctx, sctx);
    auto ch = client_hello_of(c->r);
    auto shares = shares_of(ch);
    BOOST_TEST_REQUIRE(shares.size() == 1u);
    BOOST_TEST(shares[0].first == 0x0017);
    BOOST_TEST(c->client.group() == named_group::secp256r1);
}

// ---- TLS_AES_128_CCM_SHA256 -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(ccm_suite_engine_to_engine) {
    auto cctx = client_context();
    cctx.set_cipher_suites({cipher_suite::aes_128_ccm_sha256});
    auto sctx = server_context();
    sctx.set_cipher_suites({cipher_suite::aes_128_gcm_sha256, cipher_suite::aes_128_ccm_sha256});
    auto c = connect_ok(cctx, sctx);
    BOOST_TEST(c->client.cipher_suite() == cipher_suite::aes_128_ccm_sha256);
    BOOST_TEST(c->server.cipher_suite() == cipher_suite::aes_128_ccm_sha256);
    BOOST_TEST(std::string(name(cipher_suite::aes_128_ccm_sha256)) == "TLS_AES_128_CCM_SHA256");
    // Several full records each way, then a KeyUpdate and more under the new keys.
    const bytes big = payload(40000);
    BOOST_TEST((send(c->client, c->server, big) == big));
    BOOST_TEST((send(c->server, c->client, big) == big));
    BOOST_TEST_REQUIRE(c->client.key_update(true) != status::error);
    bytes ignored;
    transfer(c->client, c->server, ignored);
    transfer(c->server, c->client, ignored);
    BOOST_TEST((send(c->client, c->server, payload(5000)) == payload(5000)));
    BOOST_TEST((send(c->server, c->client, payload(5000)) == payload(5000)));
}

BOOST_AUTO_TEST_CASE(ccm_suite_is_off_by_default) {
    // A default client does not offer it ...
    {
        auto cctx = client_context();
        auto sctx = server_context();
        sctx.set_cipher_suites(
            {cipher_suite::aes_128_ccm_sha256, cipher_suite::aes_128_gcm_sha256});
        auto c = connect_ok(cctx, sctx);
        auto ch = client_hello_of(c->r);
        BOOST_TEST((ch.cipher_suites == std::vector<std::uint16_t>{0x1301, 0x1302, 0x1303}));
        BOOST_TEST(c->client.cipher_suite() == cipher_suite::aes_128_gcm_sha256);
    }
    // ... and a default server does not accept it.
    auto cctx = client_context();
    cctx.set_cipher_suites({cipher_suite::aes_128_ccm_sha256});
    auto sctx = server_context();
    engine client(cctx, role::client, localhost());
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.server.error == make_error_code(error::handshake_failure));
}

// ---- ecdsa_secp521r1_sha512 ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(p521_certificates_both_ways) {
    const authority ca = authority::make_root("tlsio kx root p521", key_type::p521);
    leaf_options server_opts;
    server_opts.key = key_type::p521;
    const issued leaf = ca.issue(server_opts);
    leaf_options client_opts;
    client_opts.common_name = "client.test";
    client_opts.dns_names = {"client.test"};
    client_opts.key = key_type::p521;
    client_opts.server_auth = false;
    const issued client_leaf = ca.issue(client_opts);

    auto sctx = server_context(leaf);
    sctx.add_certificate_authority(ca.root_pem());
    sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    auto cctx = client_context(ca.root_pem());
    cctx.use_certificate_chain(client_leaf.chain_pem);
    cctx.use_private_key(client_leaf.key_pem);
    cctx.set_groups({named_group::secp521r1});
    auto c = connect_ok(cctx, sctx);
    BOOST_TEST(c->client.peer_signature_scheme() == signature_scheme::ecdsa_secp521r1_sha512);
    BOOST_TEST(c->server.peer_signature_scheme() == signature_scheme::ecdsa_secp521r1_sha512);
    BOOST_TEST((c->server.signature_scheme() ==
                std::optional<signature_scheme>(signature_scheme::ecdsa_secp521r1_sha512)));
    BOOST_TEST(c->server.peer_certificates().size() == 1u);
    BOOST_TEST(c->client.group() == named_group::secp521r1);
}

BOOST_AUTO_TEST_CASE(p521_key_needs_the_scheme_offered) {
    // A client that does not offer ecdsa_secp521r1_sha512 cannot verify a
    // P-521 server: no scheme fits its key.
    const authority ca = authority::make_root("tlsio kx root p521 b", key_type::p521);
    leaf_options opts;
    opts.key = key_type::p521;
    const issued leaf = ca.issue(opts);
    auto sctx = server_context(leaf);
    auto cctx = client_context(ca.root_pem());
    cctx.set_signature_schemes(
        {signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::ecdsa_secp384r1_sha384});
    engine client(cctx, role::client, localhost());
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.server.error == make_error_code(error::handshake_failure));
}
