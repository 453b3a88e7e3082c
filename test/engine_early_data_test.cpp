// 0-RTT early data engine to engine (RFC 8446 sections 2.3, 4.2.10, 4.5 and
// 8): data accepted and marked early, rejected and resent, refused for a
// replayed or stale ClientHello, after a HelloRetryRequest or with another
// ALPN protocol, and the bad input around it.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_early_data_test
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

constexpr std::uint16_t early_data_extension = 42;
constexpr std::uint8_t end_of_early_data = 5;

const authority& early_ca() {
    static const authority ca = authority::make_root("tlsio early data root", key_type::p256);
    return ca;
}

context make_server(std::uint32_t max_early_data = 16384) {
    static const issued leaf = early_ca().issue({});
    context ctx(context::tlsv13_server);
    ctx.use_certificate_chain(leaf.chain_pem);
    ctx.use_private_key(leaf.key_pem);
    ctx.set_max_early_data(max_early_data);
    return ctx;
}

context make_client() {
    context ctx(context::tlsv13_client);
    ctx.add_certificate_authority(early_ca().root_pem());
    return ctx;
}

engine_options client_options(bool early_data = true) {
    engine_options o;
    o.server_name = "localhost";
    o.early_data = early_data;
    return o;
}

// A full handshake, then data so the client reads the server's tickets:
// the client's cache then holds a session for "localhost".
void get_ticket(context& client_ctx, context& server_ctx, engine_options options = {}) {
    options.server_name = "localhost";
    engine client(client_ctx, role::client, options);
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(handshake(client, server).ok());
    auto w = write_all(server, to_bytes("tickets"));
    client.feed(w.output);
    bytes got;
    read_available(client, got);
    BOOST_TEST_REQUIRE(!client.session().empty(), "the client got a ticket");
}

void move_output(engine& from, engine& to) {
    bytes b = take_output(from);
    if (!b.empty()) {
        deliver(to, b);
    }
}

// Reads what `e` has and says whether read() marked it early.
struct read_result {
    status last = status::want_read;
    std::string data;
    bool early = false;
};
read_result read_once(engine& e) {
    std::vector<std::uint8_t> buffer(65536);
    std::size_t n = 0;
    read_result r;
    r.last = e.read(buffer, n);
    r.data.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    r.early = e.data_is_early();
    return r;
}

// Drives both engines until neither moves; what each read is appended.
void pump_both(engine& client, engine& server, std::string& client_got, std::string& server_got) {
    for (int i = 0; i < 50; ++i) {
        bool moved = !client.output().empty() || !server.output().empty();
        move_output(client, server);
        read_result s = read_once(server);
        server_got += s.data;
        move_output(server, client);
        read_result c = read_once(client);
        client_got += c.data;
        moved = moved || !s.data.empty() || !c.data.empty();
        if (!moved && client.output().empty() && server.output().empty()) {
            return;
        }
    }
}

std::size_t early_write(engine& client, std::string_view data) {
    std::size_t n = 0;
    BOOST_TEST_REQUIRE(
        (client.write({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}, n) ==
         status::done));
    return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(accepted_early_data_is_read_first_and_marked_early) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    keylog_recorder client_log, server_log;
    client_ctx.set_keylog_callback(client_log.callback());
    server_ctx.set_keylog_callback(server_log.callback());
    get_ticket(client_ctx, server_ctx);

    engine client(client_ctx, role::client, client_options());
    engine server(server_ctx, role::server);
    BOOST_TEST(client.handshake() == status::done, "0-RTT: the handshake returns after the hello");
    BOOST_TEST(!client.handshake_done());
    BOOST_TEST(client.in_early_data());
    BOOST_TEST(client.max_early_data() == 16384u);
    BOOST_TEST(early_write(client, "GET / HTTP/1.1\r\n\r\n") == 18u);
    BOOST_TEST(client.max_early_data() == 16384u - 18u);

    move_output(client, server);  // ClientHello, then the early data
    BOOST_TEST(server.handshake() == status::done, "the server takes the early data");
    BOOST_TEST(server.in_early_data());
    BOOST_TEST(!server.handshake_done());
    read_result early = read_once(server);
    BOOST_TEST(early.last == status::done);
    BOOST_TEST(early.data == "GET / HTTP/1.1\r\n\r\n");
    BOOST_TEST(early.early);
    // 0.5-RTT: the server answers before the client's Finished.
    write_outcome answer_flight = write_all(server, to_bytes("HTTP/1.1 200 OK\r\n\r\n"));
    BOOST_TEST(answer_flight.written == 19u);

    deliver(client, answer_flight.output);  // the server's flight, then its answer
    read_result answer = read_once(client);
    BOOST_TEST(client.handshake_done());
    BOOST_TEST(answer.data == "HTTP/1.1 200 OK\r\n\r\n");
    BOOST_TEST((client.get_early_data_status() == early_data_status::accepted));
    BOOST_TEST(client.session_reused());
    BOOST_TEST(!client.in_early_data());
    BOOST_TEST(early_write(client, "after") == 5u);

    move_output(client, server);  // EndOfEarlyData, Finished, "after"
    read_result later = read_once(server);
    BOOST_TEST(server.handshake_done());
    BOOST_TEST(later.data == "after");
    BOOST_TEST(!later.early, "data after the handshake is not early");
    BOOST_TEST((server.get_early_data_status() == early_data_status::accepted));

    // Both ends derived the same early traffic secret, and logged it.
    BOOST_TEST_REQUIRE(client_log.secret("CLIENT_EARLY_TRAFFIC_SECRET").has_value());
    BOOST_TEST((client_log.secret("CLIENT_EARLY_TRAFFIC_SECRET") ==
                server_log.secret("CLIENT_EARLY_TRAFFIC_SECRET")));
}

BOOST_AUTO_TEST_CASE(rejected_early_data_is_sent_again_after_the_handshake) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    engine client(client_ctx, role::client, client_options());
    engine_options refuse;
    refuse.refuse_early_data = true;
    engine server(server_ctx, role::server, refuse);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    early_write(client, "first ");
    std::string client_got, server_got;
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(client.handshake_done());
    BOOST_TEST(server.handshake_done());
    BOOST_TEST(server.session_reused(), "a refused 0-RTT still resumes");
    BOOST_TEST((client.get_early_data_status() == early_data_status::rejected));
    BOOST_TEST((server.get_early_data_status() == early_data_status::rejected));
    early_write(client, "second");
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(server_got == "first second", "resent once, in order, before later data");
    BOOST_TEST(!server.data_is_early());
}

BOOST_AUTO_TEST_CASE(without_resending_rejected_early_data_is_gone) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    engine_options o = client_options();
    o.resend_rejected_early_data = false;
    engine client(client_ctx, role::client, o);
    engine_options refuse;
    refuse.refuse_early_data = true;
    engine server(server_ctx, role::server, refuse);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    early_write(client, "lost ");
    std::string client_got, server_got;
    pump_both(client, server, client_got, server_got);
    BOOST_TEST((client.get_early_data_status() == early_data_status::rejected));
    early_write(client, "kept");
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(server_got == "kept");
}

BOOST_AUTO_TEST_CASE(a_ticket_without_early_data_sends_none) {
    context server_ctx = make_server(0);
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    engine client(client_ctx, role::client, client_options());
    BOOST_TEST(client.handshake() == status::want_read, "no 0-RTT for this ticket");
    BOOST_TEST(!client.in_early_data());
    BOOST_TEST(client.max_early_data() == 0u);
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(handshake(client, server).ok());
    BOOST_TEST((client.get_early_data_status() == early_data_status::not_sent));
    BOOST_TEST(client.session_reused());
}

BOOST_AUTO_TEST_CASE(a_write_takes_no_more_early_data_than_the_ticket_allows) {
    context server_ctx = make_server(100);
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    engine client(client_ctx, role::client, client_options());
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    BOOST_TEST(client.max_early_data() == 100u);
    const std::string big(150, 'x');
    BOOST_TEST(early_write(client, big) == 100u);
    BOOST_TEST(client.max_early_data() == 0u);
    std::size_t n = 0;
    // Past the limit a write completes the handshake first.
    BOOST_TEST((client.write(to_bytes(big.substr(100)), n) == status::want_read));
    BOOST_TEST(n == 0u);
    engine server(server_ctx, role::server);
    std::string client_got, server_got;
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(early_write(client, big.substr(100)) == 50u);
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(server_got == big);
    BOOST_TEST((server.get_early_data_status() == early_data_status::accepted));
}

BOOST_AUTO_TEST_CASE(a_replayed_client_hello_gets_no_early_data) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    engine client(client_ctx, role::client, client_options());
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    early_write(client, "pay 100");
    const bytes first_flight = take_output(client);

    engine server(server_ctx, role::server);
    deliver(server, first_flight);
    BOOST_TEST_REQUIRE(server.handshake() == status::done);
    BOOST_TEST(read_once(server).data == "pay 100");

    // An attacker sends the same bytes again (to the same server, or one
    // sharing its ticket keys and anti-replay check).
    engine replay(server_ctx, role::server);
    deliver(replay, first_flight);
    BOOST_TEST(replay.handshake() == status::want_read, "the handshake waits for a Finished");
    BOOST_TEST(!replay.in_early_data());
    BOOST_TEST((replay.get_early_data_status() == early_data_status::rejected));
    read_result r = read_once(replay);
    BOOST_TEST(r.data.empty(), "the replayed early data is skipped unread");
}

BOOST_AUTO_TEST_CASE(the_replay_check_can_be_replaced) {
    context server_ctx = make_server();
    std::vector<bytes> ids;
    server_ctx.set_early_data_replay_check([&](std::span<const std::uint8_t> id) {
        ids.emplace_back(id.begin(), id.end());
        return false;  // a shared store that has seen everything
    });
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    engine client(client_ctx, role::client, client_options());
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    early_write(client, "x");
    std::string client_got, server_got;
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(ids.size() == 1u);
    BOOST_TEST(ids.front().size() == 32u, "the id is the PSK binder (SHA-256)");
    BOOST_TEST((server.get_early_data_status() == early_data_status::rejected));
    BOOST_TEST(server_got == "x", "rejected, then resent");
}

BOOST_AUTO_TEST_CASE(a_client_hello_outside_the_freshness_window_gets_no_early_data) {
    auto now = std::chrono::system_clock::now();
    context server_ctx = make_server();
    server_ctx.set_clock([&now] { return now; });
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    // The server's clock runs 30 s ahead of the age the client claims: a
    // ClientHello recorded 30 s ago and replayed now looks like this.
    now += 30s;
    engine client(client_ctx, role::client, client_options());
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    early_write(client, "late");
    std::string client_got, server_got;
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(server.session_reused());
    BOOST_TEST((server.get_early_data_status() == early_data_status::rejected));
    BOOST_TEST(server_got == "late");
}

BOOST_AUTO_TEST_CASE(no_early_data_after_a_hello_retry_request) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    get_ticket(client_ctx, server_ctx);
    server_ctx.set_groups({named_group::secp384r1});
    client_ctx.set_groups({named_group::x25519, named_group::secp384r1});
    engine client(client_ctx, role::client, client_options());
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    early_write(client, "early");
    bool second_hello_checked = false;
    pump_options p;
    p.intercept = [&](flight& f) {
        if (f.from != role::client || f.index != 1) {
            return;
        }
        // The second ClientHello: in plaintext, without early_data.
        split_result records = split_records(f.data);
        for (const record& r : records.records) {
            if (r.type == content_type::handshake) {
                auto h = parse_hello(r.payload);
                BOOST_TEST_REQUIRE(h.has_value(), "the second ClientHello is in plaintext");
                BOOST_TEST(h->find(early_data_extension) == nullptr);
                second_hello_checked = true;
            }
        }
    };
    pump_result result = handshake(client, server, p);
    BOOST_TEST_REQUIRE(result.ok());
    BOOST_TEST(second_hello_checked);
    BOOST_TEST(client.used_hello_retry_request());
    BOOST_TEST((client.get_early_data_status() == early_data_status::rejected));
    BOOST_TEST((server.get_early_data_status() == early_data_status::rejected));
    std::string client_got, server_got;
    pump_both(client, server, client_got, server_got);
    BOOST_TEST(server_got == "early", "resent after the handshake");
}

BOOST_AUTO_TEST_CASE(another_alpn_protocol_rejects_early_data_and_fails_its_resend) {
    context server_ctx = make_server();
    server_ctx.set_alpn_protocols({"h2", "http/1.1"});
    context client_ctx = make_client();
    engine_options o;
    o.alpn_protocols = {"h2", "http/1.1"};
    get_ticket(client_ctx, server_ctx, o);
    // The server now prefers another protocol than the session's.
    server_ctx.set_alpn_protocols({"http/1.1", "h2"});
    o = client_options();
    o.alpn_protocols = {"h2", "http/1.1"};
    engine client(client_ctx, role::client, o);
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    early_write(client, "PRI * HTTP/2.0");
    pump_result result = handshake(client, server);
    BOOST_TEST(client.error() == make_error_code(error::early_data_rejected));
    BOOST_TEST((server.get_early_data_status() == early_data_status::rejected));
    BOOST_TEST(server.alpn_protocol() == "http/1.1");
}

BOOST_AUTO_TEST_CASE(more_early_data_than_announced_is_unexpected_message) {
    context server_ctx = make_server(64);
    context client_ctx = make_client();
    keylog_recorder log;
    client_ctx.set_keylog_callback(log.callback());
    get_ticket(client_ctx, server_ctx);
    engine client(client_ctx, role::client, client_options());
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    BOOST_TEST(early_write(client, std::string(64, 'a')) == 64u);
    bytes flight = take_output(client);
    // One more early record, past the 64 bytes the ticket allows.
    auto secret = log.secret("CLIENT_EARLY_TRAFFIC_SECRET");
    BOOST_TEST_REQUIRE(secret.has_value());
    traffic_keys keys = traffic_keys::from_secret(cipher_suite::aes_128_gcm_sha256, *secret);
    keys.seq = 1;
    bytes extra = encode_record(seal_record(keys, content_type::application_data, to_bytes("b")));
    flight.insert(flight.end(), extra.begin(), extra.end());
    deliver(server, flight);
    BOOST_TEST_REQUIRE(server.handshake() == status::done);
    read_result first = read_once(server);
    BOOST_TEST(first.data == std::string(64, 'a'));
    read_result second = read_once(server);
    BOOST_TEST(second.last == status::error);
    BOOST_TEST(server.error() == make_error_code(error::unexpected_message));
}

namespace {

// A server that accepted 0-RTT (its handshake returned done) is sent one
// handshake record under the client's early keys, built from the key log;
// returns the server's error.
boost::system::error_code server_given_early_handshake_record(const bytes& message) {
    context server_ctx = make_server();
    context client_ctx = make_client();
    keylog_recorder log;
    client_ctx.set_keylog_callback(log.callback());
    get_ticket(client_ctx, server_ctx);
    engine client(client_ctx, role::client, client_options());
    engine server(server_ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::done);
    move_output(client, server);
    BOOST_TEST_REQUIRE(server.handshake() == status::done);
    auto secret = log.secret("CLIENT_EARLY_TRAFFIC_SECRET");
    BOOST_TEST_REQUIRE(secret.has_value());
    traffic_keys keys = traffic_keys::from_secret(cipher_suite::aes_128_gcm_sha256, *secret);
    deliver(server, encode_record(seal_record(keys, content_type::handshake, message)));
    BOOST_TEST(read_once(server).last == status::error);
    return server.error();
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_end_of_early_data_with_a_body_is_decode_error) {
    const bytes bad_eoed{end_of_early_data, 0, 0, 1, 0};
    BOOST_TEST(server_given_early_handshake_record(bad_eoed) ==
               make_error_code(error::decode_error));
}

BOOST_AUTO_TEST_CASE(a_handshake_message_other_than_end_of_early_data_is_unexpected_message) {
    bytes finished{20, 0, 0, 32};  // a Finished where EndOfEarlyData belongs
    finished.resize(4 + 32);
    BOOST_TEST(server_given_early_handshake_record(finished) ==
               make_error_code(error::unexpected_message));
}

BOOST_AUTO_TEST_CASE(early_data_accepted_without_being_offered_is_unsupported_extension) {
    context server_ctx = make_server();
    testing::set_extension_hook(server_ctx,
                                [](std::uint8_t type, std::vector<raw_extension>& exts) {
                                    if (type == 8) {  // EncryptedExtensions
                                        exts.push_back({early_data_extension, {}});
                                    }
                                });
    context client_ctx = make_client();
    engine client(client_ctx, role::client, client_options(false));
    engine server(server_ctx, role::server);
    pump_result r = handshake(client, server);
    BOOST_TEST(r.client.error == make_error_code(error::unsupported_extension));
}
