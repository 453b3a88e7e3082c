// TLS 1.2 session resumption engine to engine (RFC 5246 7.3, RFC 5077): by
// ticket, by session ID, the fallbacks to a full handshake, and bad input.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_tls12_resumption_test
#include <boost/test/unit_test.hpp>

#include "context/test_hooks.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t new_session_ticket = 4;

const authority& ca() {
    static const authority a = authority::make_root("tlsio tls12 resumption root", key_type::p256);
    return a;
}

context server12() {
    static const issued leaf = ca().issue({});
    context ctx(context::tlsv12_server);
    ctx.use_certificate_chain(leaf.chain_pem);
    ctx.use_private_key(leaf.key_pem);
    return ctx;
}

context client12() {
    context ctx(context::tlsv12_client);
    ctx.add_certificate_authority(ca().root_pem());
    return ctx;
}

struct outcome {
    pump_result result;
    bool client_reused = false;
    bool server_reused = false;
    session kept;
    std::size_t server_flight = 0;
    std::vector<bytes> client_saw_chain;
    std::string received;
};

// One connection: the handshake, then data from the server.
outcome connect(context& client_ctx, context& server_ctx, const pump_options& pump = {},
                std::string name = "localhost") {
    engine_options o;
    o.server_name = std::move(name);
    engine client(client_ctx, role::client, o);
    engine server(server_ctx, role::server);
    outcome r;
    r.result = handshake(client, server, pump);
    if (r.result.ok()) {
        BOOST_TEST((client.version() == protocol_version::tls12));
        auto w = write_all(server, to_bytes("data"));
        client.feed(w.output);
        bytes got;
        read_available(client, got);
        r.received.assign(got.begin(), got.end());
    }
    r.client_reused = client.session_reused();
    r.server_reused = server.session_reused();
    r.kept = client.session();
    auto flights = r.result.flights_from(role::server);
    r.server_flight = flights.empty() ? 0 : flights.front()->data.size();
    for (const auto& c : client.peer_certificates()) {
        r.client_saw_chain.push_back(c);
    }
    return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_ticket_resumes_in_an_abbreviated_handshake) {
    context server_ctx = server12();
    context client_ctx = client12();
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST(!first.client_reused);
    BOOST_TEST_REQUIRE(!first.kept.empty(), "the client kept the session with its ticket");
    BOOST_TEST((first.kept.version() == protocol_version::tls12));

    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(second.client_reused);
    BOOST_TEST(second.server_reused);
    BOOST_TEST(second.received == "data");
    BOOST_TEST(
        second.server_flight + 300 < first.server_flight,
        "no certificate when resuming: " << second.server_flight << " vs " << first.server_flight);
    BOOST_TEST((second.client_saw_chain == first.client_saw_chain));
    // The ticket is used again (RFC 5077 allows it), so a third one resumes too.
    outcome third = connect(client_ctx, server_ctx);
    BOOST_TEST(third.client_reused);
}

BOOST_AUTO_TEST_CASE(a_ticket_past_half_its_life_is_renewed) {
    auto now = std::chrono::system_clock::now();
    context server_ctx = server12();
    server_ctx.set_clock([&now] { return now; });
    context client_ctx = client12();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    outcome fresh = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(fresh.server_reused);
    now += 70min;  // of the 2 hours a ticket lives
    outcome aging = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(aging.server_reused);
    // The renewal is a NewSessionTicket in the server's flight.
    BOOST_TEST(aging.server_flight > fresh.server_flight + 100,
               "renewed: " << aging.server_flight << " vs " << fresh.server_flight);
}

BOOST_AUTO_TEST_CASE(a_server_without_tickets_resumes_by_session_id) {
    context server_ctx = server12();
    server_ctx.set_num_tickets(0);
    context client_ctx = client12();
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST_REQUIRE(!first.kept.empty(), "the session is kept under the server's ID");
    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(second.client_reused);
    BOOST_TEST(second.server_reused);
    // An ID keeps naming the session: it resumes again.
    outcome third = connect(client_ctx, server_ctx);
    BOOST_TEST(third.server_reused);

    // Without a cache either, the server gives nothing to resume with.
    context stateless = server12();
    stateless.set_num_tickets(0);
    stateless.set_server_session_cache_size(0);
    context fresh_client = client12();
    outcome none = connect(fresh_client, stateless);
    BOOST_TEST_REQUIRE(none.result.ok());
    BOOST_TEST(none.kept.empty());
    BOOST_TEST(!connect(fresh_client, stateless).client_reused);
}

BOOST_AUTO_TEST_CASE(a_session_of_another_server_or_name_costs_a_full_handshake) {
    context server_ctx = server12();
    context other_server = server12();
    context client_ctx = client12();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    outcome other = connect(client_ctx, other_server);
    BOOST_TEST_REQUIRE(other.result.ok());
    BOOST_TEST(!other.server_reused, "another server's ticket does not open");
    BOOST_TEST(!other.client_reused);

    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    outcome renamed = connect(client_ctx, server_ctx, {}, "127.0.0.1");
    BOOST_TEST(!renamed.client_reused, "a session is offered to its own name only");
}

BOOST_AUTO_TEST_CASE(an_expired_session_costs_a_full_handshake) {
    auto now = std::chrono::system_clock::now();
    context server_ctx = server12();
    server_ctx.set_clock([&now] { return now; });
    server_ctx.set_ticket_lifetime(1h);
    context client_ctx = client12();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    now += 2h;
    outcome late = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(late.result.ok());
    BOOST_TEST(!late.server_reused);
}

BOOST_AUTO_TEST_CASE(a_tampered_ticket_costs_a_full_handshake) {
    context server_ctx = server12();
    context client_ctx = client12();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    // The client sends its ticket with the last byte flipped (in its own
    // transcript too, so only the ticket is wrong).
    bool tampered = false;
    testing::set_extension_hook(client_ctx,
                                [&](std::uint8_t message, std::vector<raw_extension>& exts) {
                                    for (raw_extension& e : exts) {
                                        if (message == 1 && e.type == 35 && !e.data.empty()) {
                                            e.data.back() ^= 1;
                                            tampered = true;
                                        }
                                    }
                                });
    outcome o = connect(client_ctx, server_ctx);
    BOOST_TEST(tampered);
    BOOST_TEST_REQUIRE(o.result.ok(), "client: " << o.result.client.error.message() << "; server: "
                                                 << o.result.server.error.message());
    BOOST_TEST(!o.server_reused);
    BOOST_TEST(!o.client_reused);
}

BOOST_AUTO_TEST_CASE(a_new_session_ticket_promised_but_not_sent_is_unexpected_message) {
    context server_ctx = server12();
    context client_ctx = client12();
    pump_options p;
    p.intercept = [](flight& f) {
        if (f.from != role::server || f.index != 1) {
            return;
        }
        // The server's last flight: NewSessionTicket, ChangeCipherSpec, Finished.
        split_result records = split_records(f.data);
        BOOST_TEST_REQUIRE(!records.records.empty());
        BOOST_TEST_REQUIRE(records.records[0].type == content_type::handshake);
        BOOST_TEST_REQUIRE(records.records[0].payload[0] == new_session_ticket);
        records.records.erase(records.records.begin());
        f.data = join_records(records.records);
    };
    outcome o = connect(client_ctx, server_ctx, p);
    BOOST_TEST(o.result.client.error == make_error_code(error::unexpected_message));
}

BOOST_AUTO_TEST_CASE(a_tls13_capable_client_resumes_a_tls12_session) {
    context server_ctx = server12();
    context client_ctx = client12();
    client_ctx.set_protocol_versions(protocol_version::tls12, protocol_version::tls13);
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(second.client_reused);
    BOOST_TEST(second.server_reused);
}
