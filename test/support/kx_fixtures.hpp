// Engine-to-engine fixtures shared by the key-exchange suites (engine_kx_test,
// engine_pq_test): a P-256 chain, contexts, a connected pair of engines, and
// readers for the key_share and supported_groups of a ClientHello.
#pragma once

#include <tlsio/engine.hpp>

#include <boost/test/unit_test.hpp>

#include "support/pki.hpp"
#include "support/pump.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tlsio::test {

inline const authority& p256_ca() {
    static const authority ca = authority::make_root("tlsio kx root p256", key_type::p256);
    return ca;
}

inline const issued& p256_leaf() {
    static const issued leaf = p256_ca().issue({});
    return leaf;
}

inline context server_context(const issued& leaf = p256_leaf()) {
    context ctx(context::tlsv13_server);
    ctx.use_certificate_chain(leaf.chain_pem);
    ctx.use_private_key(leaf.key_pem);
    return ctx;
}

inline context client_context(const std::string& ca_pem = p256_ca().root_pem()) {
    context ctx(context::tlsv13_client);
    ctx.add_certificate_authority(ca_pem);
    return ctx;
}

inline engine_options localhost() {
    return engine_options{.server_name = "localhost"};
}

inline bytes send(engine& from, engine& to, const bytes& data) {
    auto w = write_all(from, data);
    BOOST_TEST(w.written == data.size());
    to.feed(w.output);
    bytes got;
    BOOST_TEST(read_available(to, got) != status::error, to.error().message());
    return got;
}

// A payload of `size` bytes that is not all one value.
inline bytes payload(std::size_t size) {
    bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>(i * 31 + 7);
    }
    return out;
}

inline void require_ok(const pump_result& r, const engine& client, const engine& server) {
    BOOST_TEST_REQUIRE(r.ok(), "client: " << r.client.error.message() << " ("
                                          << client.error_message()
                                          << "), server: " << r.server.error.message() << " ("
                                          << server.error_message() << ")");
}

// Two engines with these contexts, handshake done (or the test stops).
struct connected {
    engine client;
    engine server;
    pump_result r;
    connected(const context& cctx, const context& sctx)
        : client(cctx, role::client, localhost()),
          server(sctx, role::server),
          r(handshake(client, server)) {}
};

inline std::unique_ptr<connected> connect_ok(const context& cctx, const context& sctx) {
    auto c = std::make_unique<connected>(cctx, sctx);
    require_ok(c->r, c->client, c->server);
    return c;
}

// The i-th ClientHello the client sent, decoded.
inline hello client_hello_of(const pump_result& r, std::size_t i = 0) {
    auto flights = r.flights_from(role::client);
    BOOST_TEST_REQUIRE(flights.size() > i);
    // The second ClientHello may follow a compatibility ChangeCipherSpec.
    auto recs = split_records(flights[i]->data).records;
    auto it = std::find_if(recs.begin(), recs.end(),
                           [](const record& rec) { return rec.type == content_type::handshake; });
    BOOST_TEST_REQUIRE((it != recs.end()));
    auto h = parse_hello(it->payload);
    BOOST_TEST_REQUIRE(h.has_value());
    return *h;
}

inline std::uint16_t u16_at(const bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>(b.at(at) << 8 | b.at(at + 1));
}

// The groups of a ClientHello's key_share extension, in order, and the size of each share.
inline std::vector<std::pair<std::uint16_t, std::size_t>> shares_of(hello ch) {
    auto* ks = ch.find(ext::key_share);
    BOOST_TEST_REQUIRE(ks != nullptr);
    std::vector<std::pair<std::uint16_t, std::size_t>> out;
    BOOST_TEST_REQUIRE(u16_at(ks->data, 0) + 2u == ks->data.size());
    for (std::size_t at = 2; at < ks->data.size();) {
        const std::size_t len = u16_at(ks->data, at + 2);
        out.emplace_back(u16_at(ks->data, at), len);
        at += 4 + len;
    }
    return out;
}

inline std::vector<std::uint16_t> supported_groups_of(hello ch) {
    auto* sg = ch.find(ext::supported_groups);
    BOOST_TEST_REQUIRE(sg != nullptr);
    std::vector<std::uint16_t> out;
    for (std::size_t at = 2; at + 1 < sg->data.size(); at += 2) {
        out.push_back(u16_at(sg->data, at));
    }
    return out;
}

inline std::uint16_t code(named_group g) {
    return static_cast<std::uint16_t>(g);
}

}  // namespace tlsio::test
