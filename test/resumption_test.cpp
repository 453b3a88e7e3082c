// Resumption's building blocks below the handshake: the pre_shared_key and
// NewSessionTicket encodings, a session's byte form, the ticket keys (seal,
// open, rotation, a fleet's own keys) and the client's session cache.
#include "context/session_cache.hpp"
#include "context/session_state.hpp"
#include "context/ticket_keys.hpp"
#include "wire/codec.hpp"
#include "wire/messages.hpp"

#define BOOST_TEST_MODULE resumption_test
#include <boost/test/unit_test.hpp>

#include "crypto/hash.hpp"
#include "handshake/key_schedule.hpp"
#include "support/pump.hpp"
#include "support/testdata.hpp"

#include <set>
#include <string>

using namespace tlsio;
using namespace tlsio::resumption;
using namespace std::chrono_literals;
using tlsio::test::to_hex;

namespace {

boost::system::error_code ec(error e) {
    return e == error{} ? boost::system::error_code() : make_error_code(e);
}

bool fill(mutable_bytes out) {
    return crypto::random_bytes(out);
}

session_state sample_session() {
    session_state s;
    s.version = 0x0304;
    s.cipher_suite = 0x1301;
    s.secret = bytes(32, 0x5a);
    s.issued_at = 1'700'000'000;
    s.lifetime = 7200;
    s.age_add = 0xdeadbeef;
    s.max_early_data = 16384;
    s.server_name = "example.test";
    s.alpn = "h2";
    s.peer_chain = {bytes(300, 1), bytes(200, 2)};
    s.peer_verified = true;
    s.verify_result = 20;  // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    s.ticket = bytes(100, 7);
    s.received_at_ms = 1'700'000'000'123;
    return s;
}

// A ClientHello body with the given extensions (the last one may be pre_shared_key).
bytes client_hello_with(const std::vector<std::pair<std::uint16_t, bytes>>& extensions) {
    bytes body;
    wire::writer w(body);
    w.u16(0x0303);
    w.raw(bytes(32, 0x11));
    w.vec8(bytes{});
    w.vec16(bytes{0x13, 0x01});
    w.vec8(bytes{0});
    std::size_t block = w.begin(2);
    for (const auto& [type, data] : extensions) {
        w.u16(type);
        w.vec16(data);
    }
    w.end(block, 2);
    return body;
}

}  // namespace

// ==== pre_shared_key and NewSessionTicket ========================================

BOOST_AUTO_TEST_SUITE(wire_psk)

BOOST_AUTO_TEST_CASE(offered_psks_round_trip_and_binders_offset) {
    std::vector<wire::psk_identity> ids = {{byte_view(bytes(40, 3)), 0x01020304}};
    const bytes identity(40, 3);
    ids[0].identity = identity;
    const bytes offered = wire::encode_offered_psks(ids, {32});
    const bytes body = client_hello_with(
        {{wire::ext::psk_key_exchange_modes, {1, 1}}, {wire::ext::pre_shared_key, offered}});
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(error{}));
    BOOST_TEST_REQUIRE(ch.psk_identities.size() == 1u);
    BOOST_TEST((bytes(ch.psk_identities[0].identity.begin(), ch.psk_identities[0].identity.end()) ==
                identity));
    BOOST_TEST(ch.psk_identities[0].obfuscated_ticket_age == 0x01020304u);
    BOOST_TEST_REQUIRE(ch.psk_binders.size() == 1u);
    BOOST_TEST(ch.psk_binders[0].size() == 32u);
    BOOST_TEST(ch.has_psk_modes);
    // The binders list ends the message.
    BOOST_TEST(ch.binders_offset + wire::binders_list_size({32}) == body.size());
    BOOST_TEST(body[ch.binders_offset + 2] == 32);
}

BOOST_AUTO_TEST_CASE(malformed_offered_psks) {
    auto psk_error = [](const bytes& data) {
        const bytes body = client_hello_with({{wire::ext::pre_shared_key, data}});
        wire::client_hello ch;
        return ec(wire::parse_client_hello(body, ch));
    };
    auto identity = [](std::size_t n) {
        bytes b;
        wire::writer w(b);
        w.vec16(bytes(n, 9));
        w.u32(0);
        return b;
    };
    auto binder = [](std::size_t n) {
        bytes b;
        wire::writer w(b);
        w.vec8(bytes(n, 8));
        return b;
    };
    auto offered = [](const bytes& ids, const bytes& binders) {
        bytes b;
        wire::writer w(b);
        w.vec16(ids);
        w.vec16(binders);
        return b;
    };
    BOOST_TEST(!psk_error(offered(identity(5), binder(32))));
    BOOST_TEST(psk_error(offered({}, binder(32))) == ec(error::decode_error), "no identity");
    BOOST_TEST(psk_error(offered(identity(5), {})) == ec(error::decode_error), "no binder");
    BOOST_TEST(psk_error(offered(identity(0), binder(32))) == ec(error::decode_error),
               "empty identity");
    BOOST_TEST(psk_error(offered(identity(5), binder(31))) == ec(error::decode_error),
               "binder shorter than 32 bytes");
    bytes two = identity(5);
    const bytes second = identity(6);
    two.insert(two.end(), second.begin(), second.end());
    BOOST_TEST(psk_error(offered(two, binder(32))) == ec(error::illegal_parameter),
               "two identities, one binder");
    bytes good = offered(identity(5), binder(32));
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        BOOST_TEST(
            psk_error(bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut))) ==
                ec(error::decode_error),
            cut);
    }
    good.push_back(0);
    BOOST_TEST(psk_error(good) == ec(error::decode_error), "trailing byte");
}

BOOST_AUTO_TEST_CASE(rfc8448_resumed_hello_binder) {
    // RFC 8448 section 4: the binder closes the ClientHello; it is the
    // Finished construction keyed by "res binder" from the ticket's PSK, over
    // the hello up to the binders list (binders_offset).
    const bytes& record =
        tlsio::test::rfc8448_trace("Resumed_0RTT_Handshake").at("Record_ClientHello_1");
    const byte_view message = byte_view(record).subspan(5);
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(message.subspan(4), ch)) == ec(error{}));
    BOOST_TEST_REQUIRE(ch.psk_binders.size() == 1u);
    const bytes psk =
        tlsio::test::from_hex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
    const auto h = crypto::hash_algorithm::sha256;
    auto early = handshake::early_secret::with_psk(h, psk);
    bytes partial_hash(32);
    crypto::hash_context hc(h);
    BOOST_TEST_REQUIRE(hc.valid());
    hc.update(message.first(4 + ch.binders_offset));
    hc.peek(partial_hash);
    const auto binder = handshake::finished_verify_data(h, early.binder_key(true), partial_hash);
    BOOST_TEST(to_hex(binder.view()) == to_hex(ch.psk_binders[0]));
}

BOOST_AUTO_TEST_CASE(server_hello_selected_identity) {
    bytes body;
    wire::writer w(body);
    w.u16(0x0303);
    w.raw(bytes(32, 0x22));
    w.vec8(bytes{});
    w.u16(0x1301);
    w.u8(0);
    w.vec16(bytes{0x00, 0x29, 0x00, 0x02, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04});
    wire::server_hello sh;
    BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(body, sh)) == ec(error{}));
    BOOST_TEST_REQUIRE(sh.selected_psk.has_value());
    BOOST_TEST(*sh.selected_psk == 0u);
    body[body.size() - 9] = 3;  // pre_shared_key of 3 bytes: decode_error
    BOOST_TEST(ec(wire::parse_server_hello(body, sh)) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(new_session_ticket_round_trip) {
    const bytes nonce = {0, 1};
    const bytes ticket(120, 0x77);
    for (std::uint32_t early : {0u, 16384u}) {
        bytes body = wire::encode_new_session_ticket(7200, 0xa1b2c3d4, nonce, ticket, early);
        wire::new_session_ticket t;
        BOOST_TEST_REQUIRE(ec(wire::parse_new_session_ticket(body, t)) == ec(error{}));
        BOOST_TEST(t.lifetime == 7200u);
        BOOST_TEST(t.age_add == 0xa1b2c3d4u);
        BOOST_TEST(to_hex(t.nonce) == "0001");
        BOOST_TEST((bytes(t.ticket.begin(), t.ticket.end()) == ticket));
        BOOST_TEST(t.max_early_data == early);
        BOOST_TEST(t.extensions.size() == (early ? 1u : 0u));
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ==== session_state ===============================================================

BOOST_AUTO_TEST_SUITE(session_bytes)

BOOST_AUTO_TEST_CASE(round_trip) {
    const session_state s = sample_session();
    const bytes b = encode_session(s);
    auto d = decode_session(b);
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(d->version == s.version);
    BOOST_TEST(d->cipher_suite == s.cipher_suite);
    BOOST_TEST((d->secret == s.secret));
    BOOST_TEST(d->issued_at == s.issued_at);
    BOOST_TEST(d->lifetime == s.lifetime);
    BOOST_TEST(d->age_add == s.age_add);
    BOOST_TEST(d->max_early_data == s.max_early_data);
    BOOST_TEST(d->server_name == s.server_name);
    BOOST_TEST(d->alpn == s.alpn);
    BOOST_TEST((d->peer_chain == s.peer_chain));
    BOOST_TEST(d->peer_verified);
    BOOST_TEST(d->verify_result == s.verify_result);
    BOOST_TEST((d->ticket == s.ticket));
    BOOST_TEST(d->received_at_ms == s.received_at_ms);
    BOOST_TEST((encode_session(*d) == b));
}

BOOST_AUTO_TEST_CASE(anything_else_decodes_to_nothing) {
    const bytes b = encode_session(sample_session());
    for (std::size_t cut = 0; cut < b.size(); ++cut) {
        BOOST_TEST(!decode_session(byte_view(b).first(cut)).has_value(), cut);
    }
    bytes longer = b;
    longer.push_back(0);
    BOOST_TEST(!decode_session(longer).has_value());
    bytes other_format = b;
    other_format[0] = static_cast<std::uint8_t>(b[0] + 1);  // a later layout
    BOOST_TEST(!decode_session(other_format).has_value());
    session_state no_secret = sample_session();
    no_secret.secret.clear();
    BOOST_TEST(!decode_session(encode_session(no_secret)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ==== ticket keys =================================================================

BOOST_AUTO_TEST_SUITE(ticket_keys)

const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

BOOST_AUTO_TEST_CASE(seal_and_open) {
    ticket_keyring ring;
    const bytes plain = encode_session(sample_session());
    bytes ticket = ring.seal(plain, t0, fill);
    BOOST_TEST_REQUIRE(!ticket.empty());
    BOOST_TEST(ticket.size() == plain.size() + 16 + 12 + 16);
    BOOST_TEST(to_hex(ticket).find(to_hex(sample_session().secret)) == std::string::npos,
               "the secret is not in the clear");
    auto opened = ring.open(ticket, t0 + 1s);
    BOOST_TEST_REQUIRE(opened.has_value());
    BOOST_TEST((*opened == plain));
    // Two tickets of one session differ (random nonce): they cannot be linked.
    BOOST_TEST((ring.seal(plain, t0, fill) != ticket));
}

BOOST_AUTO_TEST_CASE(every_changed_byte_is_refused) {
    ticket_keyring ring;
    const bytes ticket = ring.seal(bytes(50, 4), t0, fill);
    for (std::size_t i = 0; i < ticket.size(); ++i) {
        bytes bad = ticket;
        bad[i] ^= 0x80;
        BOOST_TEST(!ring.open(bad, t0).has_value(), i);
    }
    for (std::size_t cut = 0; cut < ticket.size(); ++cut) {
        BOOST_TEST(!ring.open(byte_view(ticket).first(cut), t0).has_value(), cut);
    }
}

BOOST_AUTO_TEST_CASE(another_keyring_cannot_open) {
    ticket_keyring a;
    ticket_keyring b;
    const bytes ticket = a.seal(bytes(10, 1), t0, fill);
    BOOST_TEST(b.seal(bytes(10, 1), t0, fill).size() == ticket.size());
    BOOST_TEST(!b.open(ticket, t0).has_value());
}

BOOST_AUTO_TEST_CASE(keys_rotate_and_expire) {
    ticket_keyring ring;
    ring.set_schedule(1h, 2h);
    const bytes first = ring.seal(bytes(10, 1), t0, fill);
    BOOST_TEST(ring.key_count() == 1u);
    // Within the hour the same key issues.
    const bytes same = ring.seal(bytes(10, 1), t0 + 59min, fill);
    BOOST_TEST(to_hex(byte_view(same).first(16)) == to_hex(byte_view(first).first(16)));
    // Then a new one does; the old one still opens its tickets.
    const bytes second = ring.seal(bytes(10, 2), t0 + 61min, fill);
    BOOST_TEST(to_hex(byte_view(second).first(16)) != to_hex(byte_view(first).first(16)));
    BOOST_TEST(ring.key_count() == 2u);
    BOOST_TEST(ring.open(first, t0 + 2h).has_value());
    // One hour of issuing plus two of ticket lifetime: then it goes.
    BOOST_TEST(ring.open(first, t0 + 2h + 59min).has_value());
    BOOST_TEST(!ring.open(first, t0 + 3h).has_value());
    BOOST_TEST(ring.key_count() == 1u);
    BOOST_TEST(ring.open(second, t0 + 3h).has_value());
}

BOOST_AUTO_TEST_CASE(a_fleet_shares_its_own_keys) {
    ticket_key_bytes k1;
    ticket_key_bytes k2;
    k1.name.fill(1);
    k1.key.fill(0x11);
    k2.name.fill(2);
    k2.key.fill(0x22);
    ticket_keyring server_a;
    ticket_keyring server_b;
    server_a.set_keys({k1, k2});
    server_b.set_keys({k2, k1});  // b already issues with the next key
    const bytes from_a = server_a.seal(bytes(10, 1), t0, fill);
    const bytes from_b = server_b.seal(bytes(10, 1), t0, fill);
    BOOST_TEST(from_a[0] == 1);
    BOOST_TEST(from_b[0] == 2);
    BOOST_TEST(server_b.open(from_a, t0 + 24h * 30).has_value(), "installed keys do not expire");
    BOOST_TEST(server_a.open(from_b, t0).has_value());
    // k1 retired: its tickets are refused.
    server_a.set_keys({k2});
    BOOST_TEST(!server_a.open(from_a, t0).has_value());
    BOOST_TEST(server_a.open(from_b, t0).has_value());
    // No key installed: no tickets at all.
    server_a.set_keys({});
    BOOST_TEST(server_a.seal(bytes(10, 1), t0, fill).empty());
}

BOOST_AUTO_TEST_CASE(a_failing_random_source_gives_no_ticket) {
    ticket_keyring ring;
    auto broken = [](mutable_bytes) { return false; };
    BOOST_TEST(ring.seal(bytes(10, 1), t0, broken).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ==== session cache =================================================================

BOOST_AUTO_TEST_SUITE(cache)

session_state numbered(std::uint8_t n) {
    session_state s = sample_session();
    s.ticket = bytes(8, n);
    return s;
}

BOOST_AUTO_TEST_CASE(each_ticket_is_taken_once_newest_first) {
    session_cache c;
    c.put("a:443", numbered(1));
    c.put("a:443", numbered(2));
    auto s = c.take("a:443");
    BOOST_TEST_REQUIRE(s.has_value());
    BOOST_TEST(s->ticket[0] == 2);
    s = c.take("a:443");
    BOOST_TEST_REQUIRE(s.has_value());
    BOOST_TEST(s->ticket[0] == 1);
    BOOST_TEST(!c.take("a:443").has_value());
    BOOST_TEST(!c.take("b:443").has_value());
    BOOST_TEST(c.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_server_keeps_a_few_tickets) {
    session_cache c;
    for (std::uint8_t n = 1; n <= 10; ++n) {
        c.put("a:443", numbered(n));
    }
    std::set<int> kept;
    while (auto s = c.take("a:443")) {
        kept.insert(s->ticket[0]);
    }
    BOOST_TEST(kept.size() == session_cache::tickets_per_server);
    BOOST_TEST(*kept.begin() == 7, "the newest are kept");
}

BOOST_AUTO_TEST_CASE(least_recently_used_server_goes_first) {
    session_cache c(2);
    c.put("a", numbered(1));
    c.put("b", numbered(2));
    c.put("a", numbered(3));  // a is now the most recent
    c.put("c", numbered(4));  // b goes
    BOOST_TEST(c.size() == 2u);
    BOOST_TEST(!c.take("b").has_value());
    BOOST_TEST(c.take("a").has_value());
    BOOST_TEST(c.take("c").has_value());
    c.set_capacity(0);
    c.put("d", numbered(5));
    BOOST_TEST(c.size() == 0u, "a capacity of 0 keeps nothing");
}

BOOST_AUTO_TEST_SUITE_END()
