// Engine-to-engine in memory with the post-quantum hybrid groups
// (draft-ietf-tls-ecdhe-mlkem): each hybrid end to end, the browser-like
// defaults (X25519MLKEM768 and x25519 shares; a server preferring a hybrid),
// and HelloRetryRequest into a hybrid group and out of one. Malformed hybrid
// shares are in engine_bad_input_test.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_pq_test
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

struct hybrid {
    named_group group;
    std::size_t client_share;
    std::size_t server_share;
};

// Share sizes from the draft: ML-KEM-768 ek 1184 / ct 1088, ML-KEM-1024 1568 / 1568.
const hybrid hybrids[] = {
    {named_group::x25519_mlkem768, 1184 + 32, 1088 + 32},
    {named_group::secp256r1_mlkem768, 65 + 1184, 65 + 1088},
    {named_group::secp384r1_mlkem1024, 97 + 1568, 97 + 1568},
};

// The key_share of the server's ServerHello (group, size), found in the
// server's first flight.
std::pair<std::uint16_t, std::size_t> server_share_of(const pump_result& r, std::size_t i = 0) {
    auto flights = r.flights_from(role::server);
    BOOST_TEST_REQUIRE(flights.size() > i);
    auto recs = split_records(flights[i]->data).records;
    BOOST_TEST_REQUIRE(!recs.empty());
    auto sh = parse_hello(recs[0].payload);
    BOOST_TEST_REQUIRE(sh.has_value());
    auto* ks = sh->find(ext::key_share);
    BOOST_TEST_REQUIRE(ks != nullptr);
    BOOST_TEST_REQUIRE(ks->data.size() >= 4u);
    return {u16_at(ks->data, 0), u16_at(ks->data, 2)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_hybrid_engine_to_engine) {
    for (const hybrid& h : hybrids) {
        BOOST_TEST_CONTEXT(h.group) {
            auto cctx = client_context();
            cctx.set_groups({h.group});
            auto sctx = server_context();
            auto c = connect_ok(cctx, sctx);
            BOOST_TEST(c->client.group() == h.group);
            BOOST_TEST(c->server.group() == h.group);
            BOOST_TEST(!c->server.used_hello_retry_request());
            auto ch = client_hello_of(c->r);
            auto shares = shares_of(ch);
            BOOST_TEST_REQUIRE(shares.size() == 1u);
            BOOST_TEST(shares[0].first == code(h.group));
            BOOST_TEST(shares[0].second == h.client_share);
            auto sh = server_share_of(c->r);
            BOOST_TEST(sh.first == code(h.group));
            BOOST_TEST(sh.second == h.server_share);
            BOOST_TEST((send(c->client, c->server, payload(5000)) == payload(5000)));
            BOOST_TEST((send(c->server, c->client, payload(70)) == payload(70)));
        }
    }
}

BOOST_AUTO_TEST_CASE(hybrid_names) {
    BOOST_TEST(std::string(name(named_group::x25519_mlkem768)) == "X25519MLKEM768");
    BOOST_TEST(std::string(name(named_group::secp256r1_mlkem768)) == "SecP256r1MLKEM768");
    BOOST_TEST(std::string(name(named_group::secp384r1_mlkem1024)) == "SecP384r1MLKEM1024");
}

BOOST_AUTO_TEST_CASE(defaults_share_x25519mlkem768_and_x25519_like_a_browser) {
    auto cctx = client_context();
    auto sctx = server_context();
    auto c = connect_ok(cctx, sctx);
    BOOST_TEST(c->client.group() == named_group::x25519_mlkem768);
    BOOST_TEST(c->server.group() == named_group::x25519_mlkem768);
    BOOST_TEST(!c->server.used_hello_retry_request());
    auto ch = client_hello_of(c->r);
    const std::vector<std::uint16_t> expected = {0x11ec, 0x11eb, 0x11ed, 0x001d, 0x0017,
                                                 0x0018, 0x001e, 0x0019, 0x0100, 0x0101,
                                                 0x0102, 0x0103, 0x0104};
    BOOST_TEST(supported_groups_of(ch) == expected, boost::test_tools::per_element());
    auto shares = shares_of(ch);
    BOOST_TEST_REQUIRE(shares.size() == 2u);
    BOOST_TEST(shares[0].first == 0x11ec);
    BOOST_TEST(shares[0].second == 1216u);
    BOOST_TEST(shares[1].first == 0x001d);
    BOOST_TEST(shares[1].second == 32u);
    BOOST_TEST(server_share_of(c->r).second == 1120u);
}

BOOST_AUTO_TEST_CASE(server_without_hybrids_answers_the_x25519_share_in_one_round_trip) {
    auto cctx = client_context();
    auto sctx = server_context();
    sctx.set_groups({named_group::x25519, named_group::secp256r1});
    auto c = connect_ok(cctx, sctx);
    BOOST_TEST(c->server.group() == named_group::x25519);
    BOOST_TEST(c->client.group() == named_group::x25519);
    BOOST_TEST(!c->server.used_hello_retry_request());
    BOOST_TEST(server_share_of(c->r).second == 32u);
}

BOOST_AUTO_TEST_CASE(server_prefers_the_hybrid_whatever_the_client_order) {
    // The client lists x25519 first, and shares both; the server's order wins.
    auto cctx = client_context();
    cctx.set_groups({named_group::x25519, named_group::x25519_mlkem768});
    cctx.set_key_share_groups({named_group::x25519, named_group::x25519_mlkem768});
    auto sctx = server_context();
    auto c = connect_ok(cctx, sctx);
    auto shares = shares_of(client_hello_of(c->r));
    BOOST_TEST_REQUIRE(shares.size() == 2u);
    BOOST_TEST(shares[0].first == 0x001d);
    BOOST_TEST(c->server.group() == named_group::x25519_mlkem768);
    BOOST_TEST(c->client.group() == named_group::x25519_mlkem768);
    BOOST_TEST(!c->server.used_hello_retry_request());
}

BOOST_AUTO_TEST_CASE(hello_retry_request_into_each_hybrid) {
    // The client shares x25519 only but supports every group; a server that
    // enables only the hybrid asks for it, and gets a single share for it.
    for (const hybrid& h : hybrids) {
        BOOST_TEST_CONTEXT(h.group) {
            auto cctx = client_context();
            cctx.set_key_share_groups({named_group::x25519});
            auto sctx = server_context();
            sctx.set_groups({h.group});
            auto c = connect_ok(cctx, sctx);
            BOOST_TEST(c->client.used_hello_retry_request());
            BOOST_TEST(c->server.used_hello_retry_request());
            BOOST_TEST(c->client.group() == h.group);
            BOOST_TEST(c->server.group() == h.group);
            auto first = shares_of(client_hello_of(c->r, 0));
            BOOST_TEST_REQUIRE(first.size() == 1u);
            BOOST_TEST(first[0].first == 0x001d);
            auto second = shares_of(client_hello_of(c->r, 1));
            BOOST_TEST_REQUIRE(second.size() == 1u);
            BOOST_TEST(second[0].first == code(h.group));
            BOOST_TEST(second[0].second == h.client_share);
            BOOST_TEST((send(c->client, c->server, payload(3000)) == payload(3000)));
        }
    }
}

BOOST_AUTO_TEST_CASE(hello_retry_request_out_of_the_hybrid) {
    // Default client (X25519MLKEM768 + x25519 shares); a server with P-384 only.
    {
        auto cctx = client_context();
        auto sctx = server_context();
        sctx.set_groups({named_group::secp384r1});
        auto c = connect_ok(cctx, sctx);
        BOOST_TEST(c->server.used_hello_retry_request());
        BOOST_TEST(c->client.group() == named_group::secp384r1);
        BOOST_TEST(shares_of(client_hello_of(c->r, 0)).size() == 2u);
        auto second = shares_of(client_hello_of(c->r, 1));
        BOOST_TEST_REQUIRE(second.size() == 1u);
        BOOST_TEST(second[0].first == 0x0018);
        BOOST_TEST((send(c->server, c->client, payload(100)) == payload(100)));
    }
    // A client sharing only the hybrid; a server without it asks for x25519.
    {
        auto cctx = client_context();
        cctx.set_key_share_groups({named_group::x25519_mlkem768});
        auto sctx = server_context();
        sctx.set_groups({named_group::x25519});
        auto c = connect_ok(cctx, sctx);
        BOOST_TEST(c->server.used_hello_retry_request());
        BOOST_TEST(c->client.group() == named_group::x25519);
        auto first = shares_of(client_hello_of(c->r, 0));
        BOOST_TEST_REQUIRE(first.size() == 1u);
        BOOST_TEST(first[0].first == 0x11ec);
        auto second = shares_of(client_hello_of(c->r, 1));
        BOOST_TEST_REQUIRE(second.size() == 1u);
        BOOST_TEST(second[0].first == 0x001d);
        BOOST_TEST(second[0].second == 32u);
    }
}

BOOST_AUTO_TEST_CASE(hello_retry_request_from_one_hybrid_to_another) {
    auto cctx = client_context();  // shares X25519MLKEM768 and x25519
    auto sctx = server_context();
    sctx.set_groups({named_group::secp256r1_mlkem768, named_group::secp256r1});
    auto c = connect_ok(cctx, sctx);
    BOOST_TEST(c->server.used_hello_retry_request());
    BOOST_TEST(c->client.group() == named_group::secp256r1_mlkem768);
    auto second = shares_of(client_hello_of(c->r, 1));
    BOOST_TEST_REQUIRE(second.size() == 1u);
    BOOST_TEST(second[0].first == 0x11eb);
    BOOST_TEST(server_share_of(c->r, 1).second == 65u + 1088u);
}
