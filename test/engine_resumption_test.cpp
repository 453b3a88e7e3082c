// Session resumption engine to engine (RFC 8446 sections 2.2, 4.2.11, 4.6.1):
// tickets after a full handshake, the client's cache and explicit sessions,
// PSK with (EC)DHE, and every way a ticket falls back to a full handshake or
// a bad offer fails.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_resumption_test
#include <boost/test/unit_test.hpp>

#include "support/pki.hpp"
#include "support/pump.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;
using namespace std::chrono_literals;

namespace {

const authority& resumption_ca() {
    static const authority ca = authority::make_root("tlsio resumption root", key_type::p256);
    return ca;
}

const issued& server_leaf() {
    static const issued leaf = resumption_ca().issue({});
    return leaf;
}

const issued& client_leaf() {
    static const issued leaf = [] {
        leaf_options o;
        o.common_name = "client";
        o.dns_names = {};
        return resumption_ca().issue(o);
    }();
    return leaf;
}

context make_server() {
    context ctx(context::tlsv13_server);
    ctx.use_certificate_chain(server_leaf().chain_pem);
    ctx.use_private_key(server_leaf().key_pem);
    return ctx;
}

context make_client() {
    context ctx(context::tlsv13_client);
    ctx.add_certificate_authority(resumption_ca().root_pem());
    return ctx;
}

struct outcome {
    pump_result result;
    bool client_reused = false;
    bool server_reused = false;
    session ticket;  ///< the newest session the client got
    std::vector<bytes> client_saw_chain;
    std::vector<bytes> server_saw_chain;
    long server_verify_result = -1;
};

// One connection: the handshake, then data both ways so the client reads the
// server's tickets.
outcome connect(context& client_ctx, context& server_ctx, engine_options client_options = {},
                const pump_options& pump = {}) {
    if (client_options.server_name.empty()) {
        client_options.server_name = "localhost";
    }
    engine client(client_ctx, role::client, client_options);
    engine server(server_ctx, role::server);
    outcome o;
    o.result = handshake(client, server, pump);
    if (o.result.ok()) {
        bytes got;
        auto w = write_all(server, to_bytes("hello"));
        client.feed(w.output);
        read_available(client, got);
        BOOST_TEST(got == to_bytes("hello"));
    }
    o.client_reused = client.session_reused();
    o.server_reused = server.session_reused();
    o.ticket = client.session();
    for (const auto& c : client.peer_certificates()) {
        o.client_saw_chain.push_back(c);
    }
    for (const auto& c : server.peer_certificates()) {
        o.server_saw_chain.push_back(c);
    }
    o.server_verify_result = server.verify_result();
    return o;
}

// The size of the server's first flight (ServerHello to Finished). A resumed
// one lacks Certificate and CertificateVerify: several hundred bytes less.
std::size_t server_flight_size(const pump_result& r) {
    auto flights = r.flights_from(role::server);
    return flights.empty() ? 0 : flights.front()->data.size();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_second_connection_resumes_from_the_cache) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST(!first.client_reused);
    BOOST_TEST(!first.server_reused);
    BOOST_TEST_REQUIRE(!first.ticket.empty(), "the client kept the server's ticket");
    BOOST_TEST(first.ticket.server_name() == "localhost");

    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(second.client_reused);
    BOOST_TEST(second.server_reused);
    BOOST_TEST(server_flight_size(second.result) + 400 < server_flight_size(first.result),
               "no certificate when resuming: " << server_flight_size(second.result) << " vs "
                                                << server_flight_size(first.result));
    BOOST_TEST((second.client_saw_chain == first.client_saw_chain),
               "the resumed connection reports the original chain");
    BOOST_TEST(!second.ticket.empty(), "a resumed connection gets new tickets");
}

BOOST_AUTO_TEST_CASE(each_ticket_is_used_once) {
    context server_ctx = make_server();
    server_ctx.set_num_tickets(1);
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    // Two clients at once (both ClientHellos made before either handshake
    // ends, so before new tickets arrive): only one has a ticket to offer.
    engine a(client_ctx, role::client, {.server_name = "localhost"});
    engine b(client_ctx, role::client, {.server_name = "localhost"});
    BOOST_TEST_REQUIRE(a.handshake() == status::want_read);
    BOOST_TEST_REQUIRE(b.handshake() == status::want_read);
    engine sa(server_ctx, role::server);
    engine sb(server_ctx, role::server);
    BOOST_TEST_REQUIRE(handshake(a, sa).ok());
    BOOST_TEST_REQUIRE(handshake(b, sb).ok());
    BOOST_TEST(a.session_reused());
    BOOST_TEST(!b.session_reused());
}

BOOST_AUTO_TEST_CASE(no_tickets_no_resumption) {
    context server_ctx = make_server();
    server_ctx.set_num_tickets(0);
    context client_ctx = make_client();
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST(first.ticket.empty());
    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST(!second.client_reused);
}

BOOST_AUTO_TEST_CASE(a_client_without_a_cache_gets_tickets_but_resumes_only_when_told) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    client_ctx.set_session_cache_size(0);
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST(!first.ticket.empty());
    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(!second.client_reused, "nothing kept, nothing offered");
    outcome third = connect(client_ctx, server_ctx, {.session = first.ticket});
    BOOST_TEST(third.client_reused);
}

BOOST_AUTO_TEST_CASE(a_saved_session_resumes_from_its_bytes) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(!first.ticket.empty());
    const std::vector<std::uint8_t> saved = first.ticket.to_bytes();

    context fresh_client = make_client();  // another process, say
    fresh_client.set_session_cache_size(0);
    boost::system::error_code ec;
    session restored = session::from_bytes(saved, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(restored.server_name() == "localhost");
    outcome second = connect(fresh_client, server_ctx, {.session = restored});
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(second.client_reused);
    BOOST_TEST(second.server_reused);

    std::vector<std::uint8_t> bad = saved;
    bad.pop_back();
    BOOST_TEST(session::from_bytes(bad, ec).empty());
    BOOST_TEST(ec == make_error_code(error::invalid_argument));
}

BOOST_AUTO_TEST_CASE(a_session_is_offered_to_its_own_server_name_only) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(!first.ticket.empty());
    // The same session offered explicitly for another name: not offered.
    leaf_options other_name;
    other_name.common_name = "other.test";
    other_name.dns_names = {"other.test"};
    const issued other = resumption_ca().issue(other_name);
    context other_server(context::tlsv13_server);
    other_server.use_certificate_chain(other.chain_pem);
    other_server.use_private_key(other.key_pem);
    outcome second =
        connect(client_ctx, other_server, {.server_name = "other.test", .session = first.ticket});
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(!second.client_reused);
}

BOOST_AUTO_TEST_CASE(another_servers_ticket_falls_back_to_a_full_handshake) {
    context server_a = make_server();
    context server_b = make_server();  // its own ticket keys
    context client_ctx = make_client();
    outcome first = connect(client_ctx, server_a);
    BOOST_TEST_REQUIRE(first.result.ok());
    outcome second = connect(client_ctx, server_b);
    BOOST_TEST_REQUIRE(second.result.ok(), "an unknown ticket is no error");
    BOOST_TEST(!second.server_reused);
    BOOST_TEST(!second.client_reused);
    // A full flight again (an ECDSA signature's length varies by a byte or two).
    BOOST_TEST(server_flight_size(second.result) + 10 > server_flight_size(first.result));
}

BOOST_AUTO_TEST_CASE(a_fleet_sharing_ticket_keys_resumes_each_others_sessions) {
    context::ticket_key k;
    k.name.fill(0x42);
    k.key.fill(0x17);
    context server_a = make_server();
    context server_b = make_server();
    server_a.set_ticket_keys({k});
    server_b.set_ticket_keys({k});
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_a).result.ok());
    outcome second = connect(client_ctx, server_b);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(second.server_reused);
}

BOOST_AUTO_TEST_CASE(ticket_keys_from_a_callback_resume_across_servers) {
    // A fleet's key service: one current key, looked up by name.
    context::ticket_key current;
    current.name.fill(7);
    current.key.fill(9);
    int seals = 0;
    int lookups = 0;
    auto service =
        [&](const std::array<std::uint8_t, 16>* name) -> std::optional<context::ticket_key> {
        if (name == nullptr) {
            ++seals;
            return current;
        }
        ++lookups;
        if (*name == current.name) {
            return current;
        }
        return std::nullopt;
    };
    context a = make_server();
    a.set_ticket_key_callback(service);
    context b = make_server();
    b.set_ticket_key_callback(service);
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, a).result.ok());
    BOOST_TEST(seals == 2, "one key asked for per ticket");
    outcome other = connect(client_ctx, b);
    BOOST_TEST_REQUIRE(other.result.ok());
    BOOST_TEST(other.server_reused, "b opens a's ticket with the service's key");
    BOOST_TEST(lookups == 1);
    // The service retires the key: its tickets no longer open.
    current.name.fill(8);
    outcome retired = connect(client_ctx, a);
    BOOST_TEST_REQUIRE(retired.result.ok());
    BOOST_TEST(!retired.server_reused);
    // A service with no key: no tickets.
    context none = make_server();
    none.set_ticket_key_callback(
        [](const std::array<std::uint8_t, 16>*) { return std::optional<context::ticket_key>(); });
    context fresh_client = make_client();
    outcome o = connect(fresh_client, none);
    BOOST_TEST_REQUIRE(o.result.ok());
    BOOST_TEST(o.ticket.empty());
}

BOOST_AUTO_TEST_CASE(stateful_tickets_are_used_once) {
    context server_ctx = make_server();
    server_ctx.set_stateful_tickets(true);
    context client_ctx = make_client();
    client_ctx.set_session_cache_size(0);
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST_REQUIRE(!first.ticket.empty());
    outcome second = connect(client_ctx, server_ctx, {.session = first.ticket});
    BOOST_TEST(second.server_reused);
    // The same ticket again (a replay, or a client that keeps it): refused.
    outcome again = connect(client_ctx, server_ctx, {.session = first.ticket});
    BOOST_TEST_REQUIRE(again.result.ok());
    BOOST_TEST(!again.server_reused);
    // Another server process knows nothing of it.
    context other = make_server();
    other.set_stateful_tickets(true);
    outcome elsewhere = connect(client_ctx, other, {.session = second.ticket});
    BOOST_TEST_REQUIRE(elsewhere.result.ok());
    BOOST_TEST(!elsewhere.server_reused);
    // Without room in the server cache there are no tickets.
    context full = make_server();
    full.set_stateful_tickets(true);
    full.set_server_session_cache_size(0);
    BOOST_TEST(connect(client_ctx, full).ticket.empty());
}

BOOST_AUTO_TEST_CASE(expired_tickets_and_rotated_keys) {
    auto now = std::chrono::system_clock::now();
    context server_ctx = make_server();
    server_ctx.set_clock([&now] { return now; });
    server_ctx.set_ticket_lifetime(1h);
    server_ctx.set_ticket_key_rotation(30min);
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    // 40 minutes on (by the server's clock): a new key issues, the ticket
    // is still within its hour and its key still opens it.
    now += 40min;
    outcome later = connect(client_ctx, server_ctx);
    BOOST_TEST(later.server_reused);
    // Past the ticket lifetime: a full handshake, no error.
    now += 61min;
    outcome expired = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(expired.result.ok());
    BOOST_TEST(!expired.server_reused);
}

BOOST_AUTO_TEST_CASE(resumption_after_a_hello_retry_request) {
    context server_ctx = make_server();
    server_ctx.set_groups({named_group::secp384r1});
    context client_ctx = make_client();
    client_ctx.set_groups({named_group::x25519, named_group::secp384r1});
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    // The client shares x25519 only; the server asks for P-384, and the PSK
    // of the second ClientHello has a binder over the new transcript.
    engine client(client_ctx, role::client, {.server_name = "localhost"});
    engine server(server_ctx, role::server);
    pump_result r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(client.used_hello_retry_request());
    BOOST_TEST(client.session_reused());
    BOOST_TEST(server.session_reused());
}

BOOST_AUTO_TEST_CASE(client_certificates_survive_resumption) {
    context server_ctx = make_server();
    server_ctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    server_ctx.add_certificate_authority(resumption_ca().root_pem());
    context client_ctx = make_client();
    client_ctx.use_certificate_chain(client_leaf().chain_pem);
    client_ctx.use_private_key(client_leaf().key_pem);
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST_REQUIRE(!first.server_saw_chain.empty());
    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST(second.server_reused);
    BOOST_TEST((second.server_saw_chain == first.server_saw_chain));
}

// BoGo's NoClientCertificate-Server-TLS13: a resumed session reports the
// original's verify result, which is X509_V_OK when the client sent no
// certificate; it was reported as a failure (1).
BOOST_AUTO_TEST_CASE(a_session_without_a_client_certificate_resumes_with_verify_result_ok) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    outcome first = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(first.result.ok());
    BOOST_TEST(first.server_verify_result == 0);
    outcome second = connect(client_ctx, server_ctx);
    BOOST_TEST_REQUIRE(second.result.ok());
    BOOST_TEST_REQUIRE(second.server_reused);
    BOOST_TEST(second.server_verify_result == 0);
}

// ---- Bad offers ---------------------------------------------------------------------

namespace {

// Edits the hello (ClientHello or ServerHello) of flight `index` from `from`
// with `edit`: the flight's first handshake record, which holds it alone.
pump_options edit_hello(role from, std::size_t index, std::function<void(hello&)> edit) {
    pump_options p;
    p.intercept = [from, index, edit](flight& f) {
        if (f.from != from || f.index != index) {
            return;
        }
        auto split = split_records(f.data);
        bool edited = false;
        bytes out;
        for (auto& r : split.records) {
            if (r.type == content_type::handshake && !edited) {
                auto h = parse_hello(r.payload);
                BOOST_TEST_REQUIRE(h.has_value());
                edit(*h);
                r.payload = encode_hello(*h);
                edited = true;
            }
            bytes rec = encode_record(r);
            out.insert(out.end(), rec.begin(), rec.end());
        }
        BOOST_TEST_REQUIRE(edited);
        f.data = out;
    };
    return p;
}

// Edits the client's first flight (its ClientHello) with `edit`.
pump_options edit_client_hello(std::function<void(hello&)> edit) {
    return edit_hello(role::client, 0, std::move(edit));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_binder_that_does_not_verify_is_decrypt_error) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    outcome o = connect(client_ctx, server_ctx, {}, edit_client_hello([](hello& h) {
                            extension* psk = h.find(41);
                            BOOST_TEST_REQUIRE(psk != nullptr);
                            psk->data.back() ^= 1;  // the binder's last byte
                        }));
    BOOST_TEST(o.result.server.error == make_error_code(error::decrypt_error));
    BOOST_TEST(o.result.client.error == make_error_code(alert::decrypt_error),
               "the client got the decrypt_error alert: " << o.result.client.error.message());
}

BOOST_AUTO_TEST_CASE(a_psk_without_psk_key_exchange_modes_is_missing_extension) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    outcome o = connect(client_ctx, server_ctx, {},
                        edit_client_hello([](hello& h) { h.remove(ext::psk_key_exchange_modes); }));
    BOOST_TEST(o.result.server.error == make_error_code(error::missing_extension));
}

BOOST_AUTO_TEST_CASE(a_psk_not_last_is_illegal_parameter) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    outcome o = connect(client_ctx, server_ctx, {}, edit_client_hello([](hello& h) {
                            std::rotate(h.extensions.rbegin(), h.extensions.rbegin() + 1,
                                        h.extensions.rend());
                        }));
    BOOST_TEST(o.result.server.error == make_error_code(error::illegal_parameter));
}

// BoGo's Resume-Server-OmitPSKsOnSecondClientHello: a second ClientHello may
// drop only PSKs that do not fit the server's suite (RFC 8446 4.1.2); the
// server took one that dropped a PSK it would resume for a full handshake.
BOOST_AUTO_TEST_CASE(a_second_client_hello_dropping_the_psk_is_illegal_parameter) {
    context server_ctx = make_server();
    server_ctx.set_groups({named_group::secp384r1});
    context client_ctx = make_client();
    client_ctx.set_groups({named_group::x25519, named_group::secp384r1});
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    // The client's second flight: the second ClientHello (after a
    // compatibility ChangeCipherSpec).
    pump_options p = edit_hello(role::client, 1, [](hello& h) {
        BOOST_TEST_REQUIRE(h.find(41) != nullptr, "the second ClientHello offers the PSK");
        h.remove(41);
    });
    outcome o = connect(client_ctx, server_ctx, {}, p);
    BOOST_TEST(o.result.server.error == make_error_code(error::illegal_parameter));
    BOOST_TEST(!o.server_reused);
}

BOOST_AUTO_TEST_CASE(a_server_selecting_an_identity_not_offered_is_illegal_parameter) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    BOOST_TEST_REQUIRE(connect(client_ctx, server_ctx).result.ok());
    pump_options p = edit_hello(role::server, 0, [](hello& h) {
        extension* psk = h.find(41);
        BOOST_TEST_REQUIRE(psk != nullptr, "the server accepted the PSK");
        psk->data = {0, 1};
    });
    outcome o = connect(client_ctx, server_ctx, {}, p);
    BOOST_TEST(o.result.client.error == make_error_code(error::illegal_parameter));
}
