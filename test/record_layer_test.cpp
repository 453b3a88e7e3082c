// record::layer on its own: framing and size limits, handshake messages
// fragmented across records and coalesced in one, the compatibility
// ChangeCipherSpec rules, alerts, the caps on records that make no progress,
// and key changes only at a handshake-message boundary. Two layers are wired
// to each other through memory; no handshake runs.
#include "record/layer.hpp"

#define BOOST_TEST_MODULE record_layer_test
#include <boost/test/unit_test.hpp>

#include "crypto/hash.hpp"
#include "support/pump.hpp"

#include <string>
#include <vector>

using namespace tlsio;
using record::layer;
using tlsio::test::to_hex;
using wire::content_type;

namespace {

using event = layer::event;

bytes plain_record(std::uint8_t type, const bytes& payload, std::uint16_t version = 0x0303) {
    return tlsio::test::encode_record({type, version, payload});
}

bytes handshake_message(std::uint8_t type, const bytes& body) {
    bytes m{type, static_cast<std::uint8_t>(body.size() >> 16),
            static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    m.insert(m.end(), body.begin(), body.end());
    return m;
}

bytes concat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const bytes& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

const bytes ccs_record = {20, 3, 3, 0, 1, 1};

// Reads until an event other than handshake, collecting the messages.
struct drained {
    std::vector<bytes> messages;
    layer::incoming last;
};

drained drain(layer& l, mutable_bytes destination = {}) {
    drained d;
    for (int i = 0; i < 10000; ++i) {
        layer::incoming in = l.read(destination);
        if (in.what != event::handshake) {
            d.last = std::move(in);
            return d;
        }
        d.messages.emplace_back(in.handshake.message.begin(), in.handshake.message.end());
    }
    BOOST_FAIL("the layer kept returning messages");
    return d;
}

void expect_failure(const layer::incoming& in, error expected) {
    BOOST_TEST(int(in.what) == int(event::failed));
    BOOST_TEST(make_error_code(in.error) == make_error_code(expected),
               "got " << make_error_code(in.error).message() << " (" << in.message << ")");
    BOOST_TEST(!in.message.empty(), "every failure says which check failed");
}

// Two layers keyed alike in one direction: `sender` writes protected records
// that `receiver` opens.
struct keyed {
    layer sender{true};
    layer receiver{false};
    bytes key = bytes(16, 0x11);
    bytes iv = bytes(12, 0x22);

    keyed() {
        record::traffic_key_material k{crypto::aead_algorithm::aes_128_gcm, key, iv};
        BOOST_TEST_REQUIRE(sender.install_write(k));
        auto boundary = receiver.at_key_boundary();
        BOOST_TEST_REQUIRE(boundary.has_value());
        BOOST_TEST_REQUIRE(receiver.install_read(*boundary, k));
        receiver.set_handshake_done();
    }
    // Moves everything the sender made to the receiver.
    void deliver() {
        auto out = sender.output();
        receiver.feed(out);
        sender.consume_output(out.size());
    }
};

}  // namespace

// ---- Framing ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(partial_header_and_partial_record_need_input) {
    layer l(false);
    bytes rec = plain_record(22, handshake_message(1, bytes(10, 7)));
    for (std::size_t n = 0; n < rec.size(); ++n) {
        layer partial(false);
        partial.feed(byte_view(rec.data(), n));
        layer::incoming in = partial.read();
        BOOST_TEST(int(in.what) == int(event::need_input), "after " << n << " bytes");
        BOOST_TEST(!partial.record_buffered());
    }
    l.feed(rec);
    BOOST_TEST(l.record_buffered());
    layer::incoming in = l.read();
    BOOST_TEST_REQUIRE(int(in.what) == int(event::handshake));
    BOOST_TEST(int(in.handshake.type) == 1);
    BOOST_TEST(in.handshake.body.size() == 10u);
    BOOST_TEST(in.handshake.message.size() == 14u);
}

BOOST_AUTO_TEST_CASE(unknown_content_type_is_unexpected_message) {
    for (int type : {0, 19, 24, 255}) {
        layer l(false);
        l.feed(plain_record(static_cast<std::uint8_t>(type), bytes{1, 2}));
        expect_failure(l.read(), error::unexpected_message);
    }
}

BOOST_AUTO_TEST_CASE(plaintext_longer_than_2_to_14_is_record_overflow) {
    layer l(false);
    // The header alone is enough to refuse it: no need to wait for 16 KiB.
    bytes header{22, 3, 3, 0x40, 0x01};
    l.feed(header);
    expect_failure(l.read(), error::record_overflow);
}

BOOST_AUTO_TEST_CASE(ciphertext_longer_than_2_to_14_plus_256_is_record_overflow) {
    keyed k;
    bytes header{23, 3, 3, 0x41, 0x01};  // 2^14 + 257
    k.receiver.feed(header);
    expect_failure(k.receiver.read(), error::record_overflow);
}

BOOST_AUTO_TEST_CASE(a_failed_layer_stays_failed) {
    layer l(false);
    l.feed(plain_record(99, bytes{1}));
    expect_failure(l.read(), error::unexpected_message);
    l.feed(plain_record(22, handshake_message(1, bytes{})));
    BOOST_TEST(int(l.read().what) == int(event::failed));
}

// ---- Handshake messages --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(message_fragmented_over_one_byte_records_is_reassembled) {
    bytes m = handshake_message(1, bytes(300, 0x5a));
    layer l(false);
    for (std::uint8_t b : m) {
        l.feed(plain_record(22, bytes{b}));
    }
    drained d = drain(l);
    BOOST_TEST_REQUIRE(d.messages.size() == 1u);
    BOOST_TEST((d.messages[0] == m));
    BOOST_TEST(int(d.last.what) == int(event::need_input));
    BOOST_TEST(!l.partial_handshake_message());
}

BOOST_AUTO_TEST_CASE(messages_coalesced_in_one_record_come_out_one_by_one) {
    bytes a = handshake_message(2, bytes(5, 1));
    bytes b = handshake_message(8, bytes(0, 0));
    bytes c = handshake_message(11, bytes(70, 3));
    layer l(false);
    l.feed(plain_record(22, concat({a, b, c})));
    drained d = drain(l);
    BOOST_TEST_REQUIRE(d.messages.size() == 3u);
    BOOST_TEST((d.messages[0] == a));
    BOOST_TEST((d.messages[1] == b));
    BOOST_TEST((d.messages[2] == c));
}

BOOST_AUTO_TEST_CASE(message_split_across_records_with_others_coalesced) {
    bytes a = handshake_message(2, bytes(40, 1));
    bytes b = handshake_message(11, bytes(40, 2));
    bytes both = concat({a, b});
    // Cut at every position: the two messages come out whole each time.
    for (std::size_t cut = 1; cut < both.size(); ++cut) {
        layer l(false);
        l.feed(plain_record(22, bytes(both.begin(), both.begin() + cut)));
        l.feed(plain_record(22, bytes(both.begin() + cut, both.end())));
        drained d = drain(l);
        BOOST_TEST_REQUIRE(d.messages.size() == 2u, "cut at " << cut);
        BOOST_TEST((d.messages[0] == a));
        BOOST_TEST((d.messages[1] == b));
    }
}

BOOST_AUTO_TEST_CASE(empty_handshake_record_is_unexpected_message) {
    layer l(false);
    l.feed(plain_record(22, bytes{}));
    expect_failure(l.read(), error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(handshake_message_over_the_limit_is_decode_error) {
    // The 4-byte header announces more than max_handshake_message: refused
    // before the body arrives.
    std::size_t n = record::max_handshake_message + 1;
    bytes header{1, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                 static_cast<std::uint8_t>(n)};
    layer l(false);
    l.feed(plain_record(22, header));
    expect_failure(l.read(), error::decode_error);
}

BOOST_AUTO_TEST_CASE(ccs_between_fragments_of_a_message_is_unexpected_message) {
    // RFC 8446 section 5.1: handshake messages MUST NOT be interleaved with
    // other record types; a compatibility CCS is no exception.
    bytes m = handshake_message(2, bytes(40, 1));
    layer l(true);
    l.set_compat_ccs_allowed(true);
    l.feed(plain_record(22, bytes(m.begin(), m.begin() + 10)));
    l.feed(ccs_record);
    l.feed(plain_record(22, bytes(m.begin() + 10, m.end())));
    drained d = drain(l);
    BOOST_TEST(d.messages.empty());
    expect_failure(d.last, error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(application_data_between_fragments_is_unexpected_message) {
    keyed k;
    bytes m = handshake_message(4, bytes(40, 1));
    k.sender.write(content_type::handshake, byte_view(m.data(), 10));
    k.sender.write(content_type::application_data, bytes{1, 2, 3});
    k.sender.write(content_type::handshake, byte_view(m.data() + 10, m.size() - 10));
    k.deliver();
    drained d = drain(k.receiver);
    BOOST_TEST(d.messages.empty());
    expect_failure(d.last, error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(an_alert_between_fragments_is_still_reported) {
    bytes m = handshake_message(2, bytes(40, 1));
    layer l(true);
    l.feed(plain_record(22, bytes(m.begin(), m.begin() + 10)));
    l.feed(plain_record(21, bytes{2, 40}));
    layer::incoming in = l.read();
    BOOST_TEST_REQUIRE(int(in.what) == int(event::alert));
    BOOST_TEST(int(in.alert) == 40);
    BOOST_TEST(int(in.alert_level) == 2);
}

// ---- ChangeCipherSpec ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(compat_ccs_is_dropped_only_when_allowed) {
    {
        layer l(false);
        l.feed(ccs_record);
        expect_failure(l.read(), error::unexpected_message);
    }
    {
        layer l(false);
        l.set_compat_ccs_allowed(true);
        l.feed(ccs_record);
        l.feed(plain_record(22, handshake_message(1, bytes{9})));
        drained d = drain(l);
        BOOST_TEST(d.messages.size() == 1u);
        BOOST_TEST(int(d.last.what) == int(event::need_input));
    }
}

BOOST_AUTO_TEST_CASE(ccs_with_another_payload_is_unexpected_message) {
    for (const bytes& payload : {bytes{0}, bytes{2}, bytes{1, 1}, bytes{}}) {
        layer l(false);
        l.set_compat_ccs_allowed(true);
        l.feed(plain_record(20, payload));
        expect_failure(l.read(), error::unexpected_message);
    }
}

BOOST_AUTO_TEST_CASE(protected_ccs_is_unexpected_message) {
    keyed k;
    k.receiver.set_compat_ccs_allowed(true);
    k.sender.write(content_type::change_cipher_spec, bytes{1});
    k.deliver();
    expect_failure(k.receiver.read(), error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(more_than_32_compat_ccs_in_a_row_are_refused) {
    layer l(false);
    l.set_compat_ccs_allowed(true);
    for (int i = 0; i < record::max_empty_records; ++i) {
        l.feed(ccs_record);
    }
    BOOST_TEST(int(l.read().what) == int(event::need_input));
    l.feed(ccs_record);
    expect_failure(l.read(), error::too_many_empty_records);
}

BOOST_AUTO_TEST_CASE(the_compat_ccs_leaves_once_before_the_first_protected_record) {
    layer l(true);
    l.queue_compat_ccs();
    l.queue_handshake(handshake_message(1, bytes{1}));
    l.flush_handshake();  // plaintext: no CCS yet
    const bytes key(16, 1);
    const bytes iv(12, 2);
    record::traffic_key_material k{crypto::aead_algorithm::aes_128_gcm, key, iv};
    BOOST_TEST(l.install_write(k));
    l.write(content_type::application_data, bytes{1});
    l.write(content_type::application_data, bytes{2});
    auto split = tlsio::test::split_records(l.output());
    BOOST_TEST(split.rest.empty());
    BOOST_TEST_REQUIRE(split.records.size() == 4u);
    BOOST_TEST(int(split.records[0].type) == 22);
    BOOST_TEST(int(split.records[0].version) == 0x0301);  // the first ClientHello
    BOOST_TEST(int(split.records[1].type) == 20);
    BOOST_TEST(int(split.records[2].type) == 23);
    BOOST_TEST(int(split.records[3].type) == 23);
}

// ---- Alerts ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(alerts_are_parsed) {
    layer l(false);
    l.feed(plain_record(21, bytes{2, 47}));
    layer::incoming in = l.read();
    BOOST_TEST_REQUIRE(int(in.what) == int(event::alert));
    BOOST_TEST(int(in.alert_level) == 2);
    BOOST_TEST(int(in.alert) == 47);
}

BOOST_AUTO_TEST_CASE(malformed_alert_is_decode_error) {
    for (const bytes& payload : {bytes{2}, bytes{2, 47, 0}, bytes{}}) {
        layer l(false);
        l.feed(plain_record(21, payload));
        expect_failure(l.read(), error::decode_error);
    }
}

BOOST_AUTO_TEST_CASE(unprotected_alert_after_the_handshake_is_unexpected_message) {
    keyed k;
    k.receiver.feed(plain_record(21, bytes{1, 0}));
    expect_failure(k.receiver.read(), error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(more_than_4_warning_alerts_in_a_row_are_refused) {
    // A million user_canceled alerts were all accepted before the cap.
    layer l(false);
    for (int i = 0; i < record::max_warning_alerts; ++i) {
        l.feed(plain_record(21, bytes{1, 90}));
        BOOST_TEST(int(l.read().what) == int(event::alert));
    }
    l.feed(plain_record(21, bytes{1, 90}));
    expect_failure(l.read(), error::too_many_warning_alerts);
}

BOOST_AUTO_TEST_CASE(a_handshake_record_resets_the_alert_count) {
    layer l(false);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < record::max_warning_alerts; ++i) {
            l.feed(plain_record(21, bytes{1, 90}));
            BOOST_TEST(int(l.read().what) == int(event::alert));
        }
        l.feed(plain_record(22, handshake_message(1, bytes{1})));
        BOOST_TEST(int(l.read().what) == int(event::handshake));
    }
}

// ---- Protected records -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(application_data_round_trip_into_the_callers_buffer) {
    keyed k;
    bytes data(1000, 0x42);
    BOOST_TEST(k.sender.write(content_type::application_data, data));
    k.deliver();
    bytes into(2000);
    layer::incoming in = k.receiver.read(into);
    BOOST_TEST_REQUIRE(int(in.what) == int(event::application_data));
    BOOST_TEST(in.direct == data.size());
    BOOST_TEST((bytes(into.begin(), into.begin() + 1000) == data));
    BOOST_TEST(k.receiver.pending() == 0u);
}

BOOST_AUTO_TEST_CASE(application_data_that_does_not_fit_is_pending) {
    keyed k;
    bytes data(1000, 0x42);
    k.sender.write(content_type::application_data, data);
    k.deliver();
    bytes small(10);
    layer::incoming in = k.receiver.read(small);
    BOOST_TEST_REQUIRE(int(in.what) == int(event::application_data));
    BOOST_TEST(in.direct == 0u);
    BOOST_TEST(k.receiver.pending() == 1000u);
    bytes got(1000);
    BOOST_TEST(k.receiver.take_pending(got) == 1000u);
    BOOST_TEST((got == data));
}

BOOST_AUTO_TEST_CASE(large_writes_are_split_into_full_records) {
    keyed k;
    bytes data(3 * record::max_plaintext + 5, 0x17);
    BOOST_TEST(k.sender.write(content_type::application_data, data));
    auto split = tlsio::test::split_records(k.sender.output());
    BOOST_TEST(split.records.size() == 4u);
    BOOST_TEST(split.records[0].payload.size() == record::max_plaintext + record::seal_overhead);
}

BOOST_AUTO_TEST_CASE(tampered_record_is_bad_record_mac) {
    keyed k;
    k.sender.write(content_type::application_data, bytes(100, 1));
    bytes wire(k.sender.output().begin(), k.sender.output().end());
    wire[20] ^= 1;
    k.receiver.feed(wire);
    bytes into(200, 0);
    expect_failure(k.receiver.read(into), error::bad_record_mac);
    // Unauthenticated plaintext is not left in the caller's buffer.
    BOOST_TEST((into == bytes(200, 0)));
}

BOOST_AUTO_TEST_CASE(more_than_32_empty_records_in_a_row_are_refused) {
    keyed k;
    for (int i = 0; i < record::max_empty_records; ++i) {
        k.sender.write(content_type::application_data, bytes{});
    }
    k.deliver();
    BOOST_TEST(int(k.receiver.read().what) == int(event::need_input));
    k.sender.write(content_type::application_data, bytes{});
    k.deliver();
    expect_failure(k.receiver.read(), error::too_many_empty_records);
}

BOOST_AUTO_TEST_CASE(data_resets_the_empty_record_count) {
    keyed k;
    bytes into(10);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < record::max_empty_records; ++i) {
            k.sender.write(content_type::application_data, bytes{});
        }
        k.sender.write(content_type::application_data, bytes{1});
        k.deliver();
        layer::incoming in = k.receiver.read(into);
        BOOST_TEST_REQUIRE(int(in.what) == int(event::application_data), in.message);
        BOOST_TEST(in.direct == 1u);
    }
}

// ---- Key changes -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(keys_change_only_at_a_message_boundary) {
    bytes a = handshake_message(2, bytes(10, 1));
    bytes b = handshake_message(8, bytes(10, 2));
    layer l(true);
    BOOST_TEST(l.at_key_boundary().has_value());
    l.feed(plain_record(22, concat({a, b})));
    layer::incoming first = l.read();
    BOOST_TEST_REQUIRE(int(first.what) == int(event::handshake));
    // b is already here, in the same record as a: a key change after a
    // would leave b read under the wrong keys.
    BOOST_TEST(!l.at_key_boundary().has_value());
    layer::incoming second = l.read();
    BOOST_TEST_REQUIRE(int(second.what) == int(event::handshake));
    BOOST_TEST(l.at_key_boundary().has_value());
}

BOOST_AUTO_TEST_CASE(a_partial_message_prevents_a_key_change) {
    bytes a = handshake_message(2, bytes(10, 1));
    bytes b = handshake_message(8, bytes(10, 2));
    bytes both = concat({a, b});
    layer l(true);
    l.feed(plain_record(22, bytes(both.begin(), both.end() - 3)));
    BOOST_TEST(int(l.read().what) == int(event::handshake));
    BOOST_TEST(!l.at_key_boundary().has_value());
}

BOOST_AUTO_TEST_CASE(unprotected_handshake_after_read_keys_is_unexpected_message) {
    keyed k;
    k.receiver.feed(plain_record(22, handshake_message(4, bytes{1})));
    expect_failure(k.receiver.read(), error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(handshake_gathered_before_a_write_key_change_leaves_under_the_old_keys) {
    layer l(false);
    l.queue_handshake(handshake_message(2, bytes(10, 1)));
    const bytes key(16, 1);
    const bytes iv(12, 2);
    record::traffic_key_material k{crypto::aead_algorithm::aes_128_gcm, key, iv};
    BOOST_TEST(l.install_write(k));
    l.queue_handshake(handshake_message(8, bytes(10, 2)));
    l.flush_handshake();
    auto split = tlsio::test::split_records(l.output());
    BOOST_TEST_REQUIRE(split.records.size() == 2u);
    BOOST_TEST(int(split.records[0].type) == 22);  // plaintext ServerHello
    BOOST_TEST(int(split.records[0].version) == 0x0303);
    BOOST_TEST(int(split.records[1].type) == 23);  // protected
}

// ---- Output
// ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(output_handed_out_does_not_move) {
    layer l(false);
    l.write(content_type::alert, bytes{1, 0});
    auto first = l.output();
    const std::uint8_t* at = first.data();
    bytes copy(first.begin(), first.end());
    std::uint64_t made = l.output_made();
    // Written while the first output is in flight: queued behind it.
    l.write(content_type::handshake, handshake_message(1, bytes(100, 1)));
    BOOST_TEST(l.output().data() == at);
    BOOST_TEST((bytes(l.output().begin(), l.output().end()) == copy));
    l.consume_output(copy.size());
    BOOST_TEST(l.output_sent() == made);
    BOOST_TEST(l.output().size() == 5u + 104u);
    l.consume_output(l.output().size());
    BOOST_TEST(l.output().empty());
    BOOST_TEST(l.output_sent() == l.output_made());
}

// ---- TLS 1.2 epochs -------------------------------------------------------------------------

namespace {

// A TLS 1.2 handshake's key change, both sides: the sender's gathered
// Finished-to-be leaves in plaintext before its ChangeCipherSpec; the
// receiver sees the ChangeCipherSpec as an event, then installs keys.
struct tls12_keyed {
    layer sender{true};
    layer receiver{false};
    bytes key = bytes(32, 0x33);
    bytes iv;
    crypto::aead_algorithm aead;

    explicit tls12_keyed(crypto::aead_algorithm a) : aead(a) {
        iv = bytes(a == crypto::aead_algorithm::chacha20_poly1305 ? 12 : 4, 0x44);
        key.resize(crypto::aead_key_size(a));
        // Past the ServerHello, a TLS 1.2 client's records say 0x0303 too.
        sender.use_tls12_record_version();
    }
    record::traffic_key_material keys() const { return {aead, key, iv, record::protocol::tls12}; }
    // The sender's ClientKeyExchange, ChangeCipherSpec, then Finished under keys.
    void change_keys() {
        sender.queue_handshake(handshake_message(16, bytes(33, 5)));
        sender.write_compat_ccs();
        BOOST_TEST_REQUIRE(sender.install_write(keys()));
        sender.queue_handshake(handshake_message(20, bytes(12, 6)));
        sender.flush_handshake();
        deliver();
        receiver.expect_change_cipher_spec();
        drained d = drain(receiver);
        BOOST_TEST_REQUIRE(d.messages.size() == 1u);  // ClientKeyExchange
        BOOST_TEST_REQUIRE(int(d.last.what) == int(event::change_cipher_spec));
        auto boundary = receiver.at_key_boundary();
        BOOST_TEST_REQUIRE(boundary.has_value());
        BOOST_TEST_REQUIRE(receiver.install_read(*boundary, keys()));
    }
    void deliver() {
        auto out = sender.output();
        receiver.feed(out);
        sender.consume_output(out.size());
    }
};

constexpr crypto::aead_algorithm tls12_aeads[] = {crypto::aead_algorithm::aes_128_gcm,
                                                  crypto::aead_algorithm::aes_256_gcm,
                                                  crypto::aead_algorithm::chacha20_poly1305};

}  // namespace

BOOST_AUTO_TEST_CASE(tls12_every_record_after_the_ccs_is_protected_and_keeps_its_type) {
    for (auto a : tls12_aeads) {
        tls12_keyed k(a);
        k.sender.queue_handshake(handshake_message(16, bytes(33, 5)));
        k.sender.write_compat_ccs();
        BOOST_TEST_REQUIRE(k.sender.install_write(k.keys()));
        k.sender.queue_handshake(handshake_message(20, bytes(12, 6)));
        k.sender.write(content_type::application_data, bytes(100, 7));
        k.sender.send_alert(alert::close_notify);
        auto split = tlsio::test::split_records(k.sender.output());
        BOOST_TEST_REQUIRE(split.records.size() == 5u);
        const std::size_t overhead = a == crypto::aead_algorithm::chacha20_poly1305 ? 16 : 24;
        BOOST_TEST(int(split.records[0].type) == 22);
        BOOST_TEST(int(split.records[1].type) == 20);
        BOOST_TEST((split.records[1].payload == bytes{1}));
        BOOST_TEST(int(split.records[2].type) == 22);  // the Finished, protected
        BOOST_TEST(split.records[2].payload.size() == 16 + overhead);
        BOOST_TEST(int(split.records[3].type) == 23);
        BOOST_TEST(split.records[3].payload.size() == 100 + overhead);
        BOOST_TEST(int(split.records[4].type) == 21);
        BOOST_TEST(split.records[4].payload.size() == 2 + overhead);
        for (const auto& r : split.records) {
            BOOST_TEST(int(r.version) == 0x0303);
        }

        k.deliver();
        k.receiver.expect_change_cipher_spec();
        drained d = drain(k.receiver);
        BOOST_TEST_REQUIRE(int(d.last.what) == int(event::change_cipher_spec));
        auto boundary = k.receiver.at_key_boundary();
        BOOST_TEST_REQUIRE(boundary.has_value());
        BOOST_TEST_REQUIRE(k.receiver.install_read(*boundary, k.keys()));
        layer::incoming in = k.receiver.read();
        BOOST_TEST_REQUIRE(int(in.what) == int(event::handshake));
        BOOST_TEST(int(in.handshake.type) == 20);
        BOOST_TEST((bytes(in.handshake.body.begin(), in.handshake.body.end()) == bytes(12, 6)));
        bytes into(100, 0);
        in = k.receiver.read(into);
        BOOST_TEST_REQUIRE(int(in.what) == int(event::application_data));
        BOOST_TEST(in.direct == 100u, "opened straight into the caller's buffer");
        BOOST_TEST((into == bytes(100, 7)));
        in = k.receiver.read();
        BOOST_TEST_REQUIRE(int(in.what) == int(event::alert));
        BOOST_TEST(int(in.alert) == int(alert::close_notify));
    }
}

BOOST_AUTO_TEST_CASE(tls12_data_that_does_not_fit_is_kept_in_our_buffer) {
    tls12_keyed k(crypto::aead_algorithm::aes_128_gcm);
    k.change_keys();
    BOOST_TEST_REQUIRE(int(k.receiver.read().what) == int(event::handshake));  // Finished
    k.sender.write(content_type::application_data, bytes(3000, 9));
    k.deliver();
    bytes small(10, 0);
    layer::incoming in = k.receiver.read(small);
    BOOST_TEST_REQUIRE(int(in.what) == int(event::application_data));
    BOOST_TEST(in.direct == 0u);
    BOOST_TEST(k.receiver.pending() == 3000u);
    bytes all(3000, 0);
    BOOST_TEST(k.receiver.take_pending(all) == 3000u);
    BOOST_TEST((all == bytes(3000, 9)));
}

BOOST_AUTO_TEST_CASE(tls12_plaintext_records_after_the_ccs_are_bad_record_mac) {
    for (std::uint8_t type : {std::uint8_t{21}, std::uint8_t{22}, std::uint8_t{23}}) {
        tls12_keyed k(crypto::aead_algorithm::chacha20_poly1305);
        k.change_keys();
        // An unprotected alert, handshake or data record cannot authenticate.
        k.receiver.feed(plain_record(type, bytes(40, 2)));
        layer::incoming in = k.receiver.read();
        if (int(in.what) == int(event::handshake)) {
            in = k.receiver.read();  // the protected Finished came first
        }
        expect_failure(in, error::bad_record_mac);
    }
}

BOOST_AUTO_TEST_CASE(tls12_a_second_ccs_is_unexpected_message) {
    tls12_keyed k(crypto::aead_algorithm::aes_256_gcm);
    k.change_keys();
    BOOST_TEST_REQUIRE(int(k.receiver.read().what) == int(event::handshake));
    k.receiver.feed(ccs_record);
    expect_failure(k.receiver.read(), error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(tls12_a_record_version_other_than_1_2_is_protocol_version) {
    tls12_keyed k(crypto::aead_algorithm::aes_128_gcm);
    k.change_keys();
    BOOST_TEST_REQUIRE(int(k.receiver.read().what) == int(event::handshake));
    k.sender.write(content_type::application_data, bytes(5, 1));
    bytes wire(k.sender.output().begin(), k.sender.output().end());
    wire[2] = 0x01;  // TLS 1.0 in the header; the AEAD does not cover it
    k.receiver.feed(wire);
    expect_failure(k.receiver.read(), error::protocol_version);
}

BOOST_AUTO_TEST_CASE(tls12_unexpected_or_malformed_ccs) {
    {
        layer l(false);  // nothing asked for a CCS: not the compatibility one either
        l.feed(ccs_record);
        expect_failure(l.read(), error::unexpected_message);
    }
    for (const bytes& payload : {bytes{}, bytes{2}, bytes{1, 1}}) {
        layer l(false);
        l.expect_change_cipher_spec();
        l.feed(plain_record(20, payload));
        layer::incoming in = l.read();
        if (payload.empty()) {
            // An empty CCS record is an empty record of a non-data type.
            BOOST_TEST(int(in.what) == int(event::failed));
        } else {
            expect_failure(in, error::decode_error);
        }
    }
    {
        // A CCS in the middle of a fragmented handshake message (RFC 5246 7.1:
        // it may not split a message).
        layer l(false);
        l.expect_change_cipher_spec();
        bytes message = handshake_message(20, bytes(12, 6));
        l.feed(plain_record(22, bytes(message.begin(), message.begin() + 6)));
        l.feed(ccs_record);
        expect_failure(l.read(), error::unexpected_message);
    }
}

BOOST_AUTO_TEST_CASE(tls12_bytes_after_the_ccs_in_the_same_flight_wait_for_keys) {
    // The Finished arrives with the CCS: it stays buffered, unread, until the
    // handshake installs the keys; no message may straddle the change.
    tls12_keyed k(crypto::aead_algorithm::aes_128_gcm);
    k.change_keys();
    layer::incoming in = k.receiver.read();
    BOOST_TEST_REQUIRE(int(in.what) == int(event::handshake));
    BOOST_TEST(int(in.handshake.type) == 20);
}
