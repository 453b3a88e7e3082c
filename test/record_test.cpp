// The record layer: record::protection (seal/open in place, sequence numbers,
// tampering, padding, size limits, RFC 8448 known answers) and the per-thread
// buffer pool.
#include "record/protection.hpp"

#define BOOST_TEST_MODULE record_test
#include <boost/test/unit_test.hpp>

#include "crypto/hash.hpp"
#include "record/buffer_pool.hpp"
#include "support/pump.hpp"
#include "support/testdata.hpp"

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace tlsio;
using boost::system::error_code;
using crypto::aead_algorithm;
using tlsio::test::to_hex;
using wire::content_type;

namespace {

error_code ec(error e) {
    return e == error{} ? error_code() : make_error_code(e);
}

bytes unhex(std::string_view text) {
    std::string digits;
    for (char c : text) {
        if (c != ' ') {
            digits.push_back(c);
        }
    }
    bytes out = tlsio::test::from_hex(digits);
    BOOST_TEST_REQUIRE(out.size() * 2 == digits.size(), "bad hex " << text);
    return out;
}

bytes str(std::string_view s) {
    return bytes(s.begin(), s.end());
}

// The fields of one RFC 8448 trace in transcripts.vec.
const tlsio::test::rfc8448_section& trace(const std::string& name) {
    return tlsio::test::rfc8448_trace(name);
}

const char* name(aead_algorithm a) {
    switch (a) {
        case aead_algorithm::aes_128_gcm:
            return "AES-128-GCM";
        case aead_algorithm::aes_256_gcm:
            return "AES-256-GCM";
        case aead_algorithm::chacha20_poly1305:
            return "ChaCha20-Poly1305";
        case aead_algorithm::aes_128_ccm:
            return "AES-128-CCM";
    }
    return "?";
}

constexpr aead_algorithm all_aeads[] = {aead_algorithm::aes_128_gcm, aead_algorithm::aes_256_gcm,
                                        aead_algorithm::chacha20_poly1305,
                                        aead_algorithm::aes_128_ccm};

bytes random_bytes(std::size_t n) {
    bytes b(n);
    BOOST_TEST_REQUIRE(crypto::random_bytes(b));
    return b;
}

// A sender and a receiver keyed alike.
struct keyed_pair {
    record::protection sender;
    record::protection receiver;
    bytes key;
    bytes iv;

    explicit keyed_pair(aead_algorithm a)
        : key(random_bytes(crypto::aead_key_size(a))), iv(random_bytes(crypto::aead_nonce_size)) {
        BOOST_TEST_REQUIRE(sender.install(a, key, iv));
        BOOST_TEST_REQUIRE(receiver.install(a, key, iv));
    }
};

// Seals `content` as a record of inner type `type` (the type byte is appended
// by seal(); a test can put its own type and zero padding at the end of
// `content` and pass type 0 to build any TLSInnerPlaintext).
bytes seal(record::protection& p, byte_view content, std::uint8_t type) {
    bytes buf(record::header_size + content.size() + record::seal_overhead, 0xcc);
    std::copy(content.begin(), content.end(), buf.begin() + record::header_size);
    std::size_t n = p.seal(buf.data(), content.size(), static_cast<content_type>(type));
    BOOST_TEST_REQUIRE(n == buf.size());
    return buf;
}

bytes seal(record::protection& p, byte_view content, content_type type) {
    return seal(p, content, static_cast<std::uint8_t>(type));
}

struct opened {
    error_code ec;
    std::uint8_t type = 0;
    bytes content;
};

// Opens a whole record (header + payload) from its own exactly sized copy.
opened open(record::protection& p, const bytes& rec) {
    BOOST_TEST_REQUIRE(rec.size() >= record::header_size);
    bytes copy(rec);
    mutable_bytes payload(copy.data() + record::header_size, copy.size() - record::header_size);
    content_type type = content_type::change_cipher_spec;
    std::size_t size = static_cast<std::size_t>(-1);
    opened out;
    out.ec = ec(p.open(copy.data(), payload, type, size));
    if (!out.ec) {
        BOOST_TEST_REQUIRE(size <= payload.size());
        out.type = static_cast<std::uint8_t>(type);
        out.content.assign(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(size));
    }
    return out;
}

}  // namespace

// ==== protection ===============================================================

BOOST_AUTO_TEST_SUITE(protection)

BOOST_AUTO_TEST_CASE(write_header_layout) {
    std::uint8_t h[5] = {};
    record::write_header(h, content_type::application_data, 0x4011);
    BOOST_TEST(to_hex(byte_view(h, 5)) == "1703034011");
    record::write_header(h, content_type::handshake, 0);
    BOOST_TEST(to_hex(byte_view(h, 5)) == "1603030000");
    // An initial ClientHello's legacy_record_version (RFC 8446 section 5.1).
    record::write_header(h, content_type::handshake, 0xc4, 0x0301);
    BOOST_TEST(to_hex(byte_view(h, 5)) == "16030100c4");
}

BOOST_AUTO_TEST_CASE(limits) {
    BOOST_TEST(record::max_plaintext == 16384u);
    BOOST_TEST(record::max_ciphertext == 16384u + 256u);
    BOOST_TEST(record::max_record == 5u + 16384u + 256u);
    BOOST_TEST(record::seal_overhead == 17u);
}

BOOST_AUTO_TEST_CASE(install_checks_sizes) {
    record::protection p;
    BOOST_TEST(!p.active());
    BOOST_TEST(!p.install(aead_algorithm::aes_128_gcm, bytes(16), bytes(11)));
    BOOST_TEST(!p.install(aead_algorithm::aes_128_gcm, bytes(16), bytes(13)));
    BOOST_TEST(!p.install(aead_algorithm::aes_128_gcm, bytes(32), bytes(12)));
    BOOST_TEST(!p.install(aead_algorithm::aes_256_gcm, bytes(16), bytes(12)));
    BOOST_TEST(!p.install(aead_algorithm::chacha20_poly1305, bytes(16), bytes(12)));
    BOOST_TEST(p.install(aead_algorithm::aes_128_gcm, bytes(16), bytes(12)));
    BOOST_TEST(p.active());
    BOOST_TEST(p.sequence() == 0u);
}

BOOST_AUTO_TEST_CASE(round_trip_every_aead) {
    for (aead_algorithm a : all_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            keyed_pair p(a);
            struct item {
                content_type type;
                bytes content;
            };
            std::vector<item> items = {
                {content_type::application_data, str("hello, world")},
                {content_type::handshake, random_bytes(1000)},
                {content_type::alert, {1, 0}},
                {content_type::application_data, {}},
                {content_type::application_data, random_bytes(record::max_plaintext)},
            };
            for (std::size_t i = 0; i < items.size(); ++i) {
                BOOST_TEST(p.sender.sequence() == i);
                bytes rec = seal(p.sender, items[i].content, items[i].type);
                BOOST_TEST(p.sender.sequence() == i + 1);
                // Header: opaque_type application_data, legacy version 0x0303, length.
                BOOST_TEST(rec[0] == 23);
                BOOST_TEST(rec[1] == 3);
                BOOST_TEST(rec[2] == 3);
                BOOST_TEST(wire::load_u16(&rec[3]) == items[i].content.size() + 17);
                if (items[i].content.size() >= 16) {
                    BOOST_TEST(!std::equal(items[i].content.begin(), items[i].content.begin() + 16,
                                           rec.begin() + 5),
                               "the content is encrypted");
                }
                BOOST_TEST(p.receiver.sequence() == i);
                auto o = open(p.receiver, rec);
                BOOST_TEST_REQUIRE(!o.ec, o.ec.message());
                BOOST_TEST(p.receiver.sequence() == i + 1);
                BOOST_TEST(o.type == static_cast<std::uint8_t>(items[i].type));
                BOOST_TEST(o.content == items[i].content);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(gathered_seal_and_open_into_another_buffer) {
    // Sealing from several buffers gives the same record as sealing their
    // concatenation in place; opening into a separate buffer gives the content.
    for (aead_algorithm a : all_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            keyed_pair in_place(a);
            keyed_pair gathered(a);
            gathered.sender.install(a, in_place.key, in_place.iv);
            gathered.receiver.install(a, in_place.key, in_place.iv);
            const bytes whole = random_bytes(3000);
            const std::vector<byte_view> parts = {byte_view(whole).first(1),
                                                  byte_view(whole).subspan(1, 1499),
                                                  byte_view(whole).subspan(1500)};
            bytes expected = seal(in_place.sender, whole, content_type::application_data);
            bytes rec(expected.size(), 0xcc);
            BOOST_TEST(gathered.sender.seal(rec.data(), parts, content_type::application_data) ==
                       rec.size());
            BOOST_TEST(to_hex(rec) == to_hex(expected));

            bytes out(gathered.receiver.plaintext_size(rec.size() - record::header_size));
            content_type type = content_type::change_cipher_spec;
            std::size_t size = 0;
            const byte_view payload = byte_view(rec).subspan(record::header_size);
            BOOST_TEST(!ec(gathered.receiver.open(rec.data(), payload, out.data(), type, size)));
            BOOST_TEST((type == content_type::application_data));
            BOOST_TEST_REQUIRE(size == whole.size());
            BOOST_TEST((bytes(out.begin(), out.begin() + 3000) == whole));
            // The record itself is left as it was.
            BOOST_TEST(to_hex(rec) == to_hex(expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(same_content_different_sequence_different_record) {
    keyed_pair p(aead_algorithm::aes_128_gcm);
    bytes a = seal(p.sender, str("same"), content_type::application_data);
    bytes b = seal(p.sender, str("same"), content_type::application_data);
    BOOST_TEST(to_hex(a) != to_hex(b));
}

BOOST_AUTO_TEST_CASE(out_of_order_and_replay_fail) {
    for (aead_algorithm a : all_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            keyed_pair p(a);
            bytes r0 = seal(p.sender, str("zero"), content_type::application_data);
            bytes r1 = seal(p.sender, str("one"), content_type::application_data);
            bytes r2 = seal(p.sender, str("two"), content_type::application_data);

            // Record 1 where record 0 is expected.
            BOOST_TEST(open(p.receiver, r1).ec == ec(error::bad_record_mac));
            // A failed open does not advance the sequence number...
            BOOST_TEST(p.receiver.sequence() == 0u);
            // ...so the stream still opens in order afterwards.
            BOOST_TEST(open(p.receiver, r0).content == str("zero"));
            // A replay of record 0 where record 1 is expected.
            BOOST_TEST(open(p.receiver, r0).ec == ec(error::bad_record_mac));
            // Skipping a record.
            BOOST_TEST(open(p.receiver, r2).ec == ec(error::bad_record_mac));
            BOOST_TEST(open(p.receiver, r1).content == str("one"));
            BOOST_TEST(open(p.receiver, r2).content == str("two"));
            BOOST_TEST(p.receiver.sequence() == 3u);
        }
    }
}

BOOST_AUTO_TEST_CASE(other_key_or_iv_fails) {
    keyed_pair p(aead_algorithm::aes_128_gcm);
    bytes rec = seal(p.sender, str("secret"), content_type::application_data);

    record::protection wrong_key;
    bytes key = p.key;
    key[0] ^= 1;
    BOOST_TEST_REQUIRE(wrong_key.install(aead_algorithm::aes_128_gcm, key, p.iv));
    BOOST_TEST(open(wrong_key, rec).ec == ec(error::bad_record_mac));

    record::protection wrong_iv;
    bytes iv = p.iv;
    iv[11] ^= 1;  // the byte the sequence number's low byte is XORed into
    BOOST_TEST_REQUIRE(wrong_iv.install(aead_algorithm::aes_128_gcm, p.key, iv));
    BOOST_TEST(open(wrong_iv, rec).ec == ec(error::bad_record_mac));

    // Another AEAD with a key of the same size.
    record::protection chacha;
    bytes key32 = random_bytes(32);
    record::protection gcm256;
    BOOST_TEST_REQUIRE(chacha.install(aead_algorithm::chacha20_poly1305, key32, p.iv));
    BOOST_TEST_REQUIRE(gcm256.install(aead_algorithm::aes_256_gcm, key32, p.iv));
    bytes c = seal(chacha, str("secret"), content_type::application_data);
    BOOST_TEST(open(gcm256, c).ec == ec(error::bad_record_mac));
}

BOOST_AUTO_TEST_CASE(reinstall_resets_the_sequence) {
    keyed_pair p(aead_algorithm::aes_256_gcm);
    seal(p.sender, str("a"), content_type::application_data);
    seal(p.sender, str("b"), content_type::application_data);
    BOOST_TEST(p.sender.sequence() == 2u);
    BOOST_TEST_REQUIRE(p.sender.install(aead_algorithm::aes_256_gcm, p.key, p.iv));
    BOOST_TEST(p.sender.sequence() == 0u);
    bytes rec = seal(p.sender, str("c"), content_type::application_data);
    BOOST_TEST(open(p.receiver, rec).content == str("c"));
}

BOOST_AUTO_TEST_CASE(tampering_fails) {
    for (aead_algorithm a : all_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            keyed_pair p(a);
            bytes rec =
                seal(p.sender, str("attack at dawn, bring snacks"), content_type::application_data);
            // Every byte of the record: header (the AAD), ciphertext, type byte, tag.
            for (std::size_t i = 0; i < rec.size(); ++i) {
                for (int flip : {0x01, 0x80}) {
                    bytes bad = rec;
                    bad[i] = static_cast<std::uint8_t>(bad[i] ^ flip);
                    BOOST_TEST(open(p.receiver, bad).ec == ec(error::bad_record_mac),
                               "byte " << i << " ^ " << int(flip));
                }
            }
            BOOST_TEST(p.receiver.sequence() == 0u);
            // Cut or extended payloads.
            for (std::size_t cut : {1u, 16u, 17u}) {
                bytes shorter(rec.begin(), rec.end() - static_cast<std::ptrdiff_t>(cut));
                BOOST_TEST(open(p.receiver, shorter).ec == ec(error::bad_record_mac), cut);
            }
            bytes longer = rec;
            longer.push_back(0);
            BOOST_TEST(open(p.receiver, longer).ec == ec(error::bad_record_mac));
            // The untouched record still opens.
            BOOST_TEST(open(p.receiver, rec).content == str("attack at dawn, bring snacks"));
        }
    }
}

BOOST_AUTO_TEST_CASE(payload_shorter_than_a_tag_and_a_type) {
    keyed_pair p(aead_algorithm::aes_128_gcm);
    for (std::size_t n : {0u, 1u, 15u, 16u}) {
        bytes rec = unhex("1703030000");
        rec[4] = static_cast<std::uint8_t>(n);
        rec.resize(5 + n, 0);
        BOOST_TEST(open(p.receiver, rec).ec == ec(error::bad_record_mac), n);
    }
    BOOST_TEST(p.receiver.sequence() == 0u);
}

BOOST_AUTO_TEST_CASE(all_zero_inner_plaintext_is_unexpected_message) {
    for (aead_algorithm a : all_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            keyed_pair p(a);
            // Type byte 0 and no content; then zeros with type 0 (no content type at all).
            for (std::size_t zeros :
                 {std::size_t{0}, std::size_t{1}, std::size_t{100}, record::max_plaintext}) {
                bytes rec = seal(p.sender, bytes(zeros, 0), 0);
                BOOST_TEST(open(p.receiver, rec).ec == ec(error::unexpected_message), zeros);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(padding_is_stripped) {
    for (aead_algorithm a : all_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            keyed_pair p(a);
            for (std::size_t padding : {1u, 2u, 255u, 1000u}) {
                // content "abc", type handshake, then zeros (the final one from seal()).
                bytes inner = str("abc");
                inner.push_back(22);
                inner.resize(inner.size() + padding - 1, 0);
                bytes rec = seal(p.sender, inner, 0);
                auto o = open(p.receiver, rec);
                BOOST_TEST_REQUIRE(!o.ec, o.ec.message());
                BOOST_TEST(o.type == 22);
                BOOST_TEST(o.content == str("abc"));
            }
            // Content ending in zeros keeps them: only bytes after the type are padding.
            bytes inner = {'x', 0, 0, 23, 0, 0};
            bytes rec = seal(p.sender, inner, 0);
            auto o = open(p.receiver, rec);
            BOOST_TEST(o.type == 23);
            BOOST_TEST((o.content == bytes{'x', 0, 0}));
            // Empty content with padding.
            rec = seal(p.sender, bytes{21, 0, 0, 0}, 0);
            o = open(p.receiver, rec);
            BOOST_TEST(!o.ec);
            BOOST_TEST(o.type == 21);
            BOOST_TEST(o.content.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(inner_plaintext_size_limit) {
    for (aead_algorithm a : all_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            keyed_pair p(a);
            // 2^14 bytes of content + type: the largest allowed.
            bytes full(record::max_plaintext, 0x41);
            auto o = open(p.receiver, seal(p.sender, full, content_type::application_data));
            BOOST_TEST(!o.ec);
            BOOST_TEST(o.content.size() == record::max_plaintext);

            // One more content byte: 2^14 + 2 bytes of TLSInnerPlaintext.
            bytes over(record::max_plaintext + 1, 0x41);
            BOOST_TEST(open(p.receiver, seal(p.sender, over, content_type::application_data)).ec ==
                       ec(error::record_overflow));

            // Padding counts too (RFC 8446 section 5.4: the full encoded
            // TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets).
            bytes padded = str("small");
            padded.push_back(23);
            padded.resize(record::max_plaintext, 0);  // + the type byte 0 = 2^14 + 1
            o = open(p.receiver, seal(p.sender, padded, 0));
            BOOST_TEST(!o.ec, o.ec.message());
            BOOST_TEST(o.content == str("small"));
            padded.push_back(0);  // 2^14 + 2
            BOOST_TEST(open(p.receiver, seal(p.sender, padded, 0)).ec ==
                       ec(error::record_overflow));
            // Largest ciphertext a peer may send (2^14 + 256): inner 2^14 + 240.
            bytes biggest(record::max_ciphertext - record::seal_overhead, 0);
            biggest[0] = 'z';
            biggest[1] = 23;
            BOOST_TEST(open(p.receiver, seal(p.sender, biggest, 0)).ec ==
                       ec(error::record_overflow));
        }
    }
}

BOOST_AUTO_TEST_CASE(oversized_all_zero_record_is_refused) {
    // An all-zero inner plaintext larger than 2^14 + 1 breaks two rules; either
    // alert is a refusal. It must not be accepted.
    keyed_pair p(aead_algorithm::aes_128_gcm);
    auto o = open(p.receiver, seal(p.sender, bytes(record::max_plaintext + 10, 0), 0));
    BOOST_TEST((o.ec == ec(error::record_overflow) || o.ec == ec(error::unexpected_message)),
               o.ec.message());
}

BOOST_AUTO_TEST_SUITE_END()

// ==== TLS 1.2 protection ==========================================================

BOOST_AUTO_TEST_SUITE(tls12_protection)

namespace {

aead_algorithm aead_named(const std::string& n) {
    if (n == "aes_128_gcm") {
        return aead_algorithm::aes_128_gcm;
    }
    if (n == "aes_256_gcm") {
        return aead_algorithm::aes_256_gcm;
    }
    BOOST_TEST_REQUIRE(n == "chacha20_poly1305");
    return aead_algorithm::chacha20_poly1305;
}

// One line of test/data/tls12_records.txt (made by tls12_record_kat.py).
struct tls12_known_record {
    aead_algorithm aead;
    bytes key;
    bytes iv;
    std::uint64_t sequence;
    content_type type;
    bytes content;
    bytes record;
};

std::vector<tls12_known_record> tls12_known_records() {
    std::ifstream in(tlsio::test::testdata_dir() + "/tls12_records.txt");
    BOOST_TEST_REQUIRE(in.good(), "cannot open tls12_records.txt");
    std::vector<tls12_known_record> out;
    std::string aead, key, iv, content, rec;
    std::uint64_t sequence = 0;
    int type = 0;
    while (in >> aead >> key >> iv >> sequence >> type >> content >> rec) {
        out.push_back({aead_named(aead), unhex(key), unhex(iv), sequence,
                       static_cast<content_type>(type), content == "-" ? bytes{} : unhex(content),
                       unhex(rec)});
    }
    BOOST_TEST_REQUIRE(out.size() == 12u);
    return out;
}

// A sender and a receiver with the same TLS 1.2 keys.
struct tls12_pair {
    record::protection sender;
    record::protection receiver;

    explicit tls12_pair(aead_algorithm a) {
        const bytes key = random_bytes(crypto::aead_key_size(a));
        const bytes iv = random_bytes(a == aead_algorithm::chacha20_poly1305 ? 12 : 4);
        BOOST_TEST_REQUIRE(sender.install(record::protocol::tls12, a, key, iv));
        BOOST_TEST_REQUIRE(receiver.install(record::protocol::tls12, a, key, iv));
    }
};

bytes seal12(record::protection& p, byte_view content, content_type type) {
    bytes buf(record::header_size + content.size() + p.overhead(), 0xcc);
    std::copy(content.begin(), content.end(), buf.begin() + record::header_size);
    BOOST_TEST_REQUIRE(p.seal(buf.data(), content.size(), type) == buf.size());
    return buf;
}

constexpr aead_algorithm tls12_aeads[] = {aead_algorithm::aes_128_gcm, aead_algorithm::aes_256_gcm,
                                          aead_algorithm::chacha20_poly1305};

}  // namespace

BOOST_AUTO_TEST_CASE(install_takes_the_tls12_iv_sizes) {
    using record::protocol;
    record::protection p;
    // AES-GCM: the 4-byte salt (RFC 5288); ChaCha20-Poly1305: a 12-byte IV (RFC 7905).
    BOOST_TEST(!p.install(protocol::tls12, aead_algorithm::aes_128_gcm, bytes(16), bytes(12)));
    BOOST_TEST(!p.install(protocol::tls12, aead_algorithm::aes_256_gcm, bytes(32), bytes(8)));
    BOOST_TEST(!p.install(protocol::tls12, aead_algorithm::chacha20_poly1305, bytes(32), bytes(4)));
    BOOST_TEST(!p.install(protocol::tls12, aead_algorithm::aes_128_ccm, bytes(16), bytes(12)));
    BOOST_TEST(!p.install(protocol::tls12, aead_algorithm::aes_128_ccm, bytes(16), bytes(4)));
    BOOST_TEST(p.install(protocol::tls12, aead_algorithm::aes_128_gcm, bytes(16), bytes(4)));
    BOOST_TEST((p.version() == protocol::tls12));
    BOOST_TEST(p.overhead() == 24u);
    BOOST_TEST(p.install(protocol::tls12, aead_algorithm::chacha20_poly1305, bytes(32), bytes(12)));
    BOOST_TEST(p.overhead() == 16u);
    BOOST_TEST(p.install(aead_algorithm::aes_128_gcm, bytes(16), bytes(12)));
    BOOST_TEST((p.version() == protocol::tls13));
    BOOST_TEST(p.overhead() == 17u);
}

BOOST_AUTO_TEST_CASE(known_answers_seal) {
    // Each AEAD's records in sequence order from one sender: header with the
    // real type, GCM's explicit nonce, ciphertext, tag, byte for byte.
    std::map<int, record::protection> senders;
    for (const auto& k : tls12_known_records()) {
        BOOST_TEST_CONTEXT(name(k.aead) << " sequence " << k.sequence) {
            auto& p = senders[static_cast<int>(k.aead)];
            if (k.sequence == 0) {
                BOOST_TEST_REQUIRE(p.install(record::protocol::tls12, k.aead, k.key, k.iv));
            }
            BOOST_TEST_REQUIRE(p.sequence() == k.sequence);
            BOOST_TEST(to_hex(seal12(p, k.content, k.type)) == to_hex(k.record));
            // Sealed from gathered buffers, the same bytes.
            record::protection again;
            BOOST_TEST_REQUIRE(again.install(record::protocol::tls12, k.aead, k.key, k.iv));
            for (std::uint64_t i = 0; i < k.sequence; ++i) {
                seal12(again, str("x"), content_type::application_data);
            }
            bytes rec(k.record.size(), 0xcc);
            const byte_view whole(k.content);
            const std::vector<byte_view> parts = {whole.first(whole.size() / 2),
                                                  whole.subspan(whole.size() / 2)};
            BOOST_TEST(again.seal(rec.data(), parts, k.type) == rec.size());
            BOOST_TEST(to_hex(rec) == to_hex(k.record));
        }
    }
}

BOOST_AUTO_TEST_CASE(known_answers_open_in_place_and_into_another_buffer) {
    std::map<int, record::protection> in_place;
    std::map<int, record::protection> elsewhere;
    for (const auto& k : tls12_known_records()) {
        BOOST_TEST_CONTEXT(name(k.aead) << " sequence " << k.sequence) {
            auto& a = in_place[static_cast<int>(k.aead)];
            auto& b = elsewhere[static_cast<int>(k.aead)];
            if (k.sequence == 0) {
                BOOST_TEST_REQUIRE(a.install(record::protocol::tls12, k.aead, k.key, k.iv));
                BOOST_TEST_REQUIRE(b.install(record::protocol::tls12, k.aead, k.key, k.iv));
            }
            auto o = open(a, k.record);
            BOOST_TEST_REQUIRE(!o.ec, o.ec.message());
            BOOST_TEST(o.type == static_cast<std::uint8_t>(k.type));
            BOOST_TEST(to_hex(o.content) == to_hex(k.content));

            const byte_view payload = byte_view(k.record).subspan(record::header_size);
            bytes out(b.plaintext_size(payload.size()) + 1, 0xcc);
            BOOST_TEST(out.size() == k.content.size() + 1);
            content_type type = content_type::change_cipher_spec;
            std::size_t size = 0;
            BOOST_TEST(!ec(b.open(k.record.data(), payload, out.data(), type, size)));
            BOOST_TEST((type == k.type));
            BOOST_TEST(to_hex(byte_view(out).first(size)) == to_hex(k.content));
            BOOST_TEST(out.back() == 0xcc, "nothing written past the content");
        }
    }
}

BOOST_AUTO_TEST_CASE(every_byte_of_a_record_is_authenticated) {
    const auto known = tls12_known_records();
    for (std::size_t r = 0; r < known.size(); ++r) {
        const auto& k = known[r];
        if (k.sequence != 1) {
            continue;
        }
        BOOST_TEST_CONTEXT(name(k.aead)) {
            BOOST_TEST_REQUIRE(known[r - 1].sequence == 0u);
            // Bytes 1-2, the header's version, are not in the additional data
            // (RFC 5246 6.2.3.3 takes the negotiated version): the record layer
            // checks them. Bytes 3-4, the length, change the framing.
            for (std::size_t i = 0; i < k.record.size(); ++i) {
                if (i >= 1 && i <= 4) {
                    continue;
                }
                bytes bad = k.record;
                bad[i] ^= 0x01;
                record::protection p;
                BOOST_TEST_REQUIRE(p.install(record::protocol::tls12, k.aead, k.key, k.iv));
                BOOST_TEST_REQUIRE(!open(p, known[r - 1].record).ec);
                BOOST_TEST(open(p, bad).ec == ec(error::bad_record_mac), "byte " << i);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(round_trip_out_of_order_and_truncation) {
    for (aead_algorithm a : tls12_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            tls12_pair p(a);
            bytes r0 = seal12(p.sender, str("zero"), content_type::handshake);
            bytes r1 = seal12(p.sender, random_bytes(record::max_plaintext),
                              content_type::application_data);
            bytes r2 = seal12(p.sender, {}, content_type::alert);
            BOOST_TEST(r0[0] == 22, "the real type is on the wire");
            BOOST_TEST(wire::load_u16(&r0[3]) == 4 + p.sender.overhead());
            BOOST_TEST(open(p.receiver, r1).ec == ec(error::bad_record_mac));
            BOOST_TEST(open(p.receiver, r0).content == str("zero"));
            BOOST_TEST(open(p.receiver, r0).ec == ec(error::bad_record_mac), "a replay");
            auto o1 = open(p.receiver, r1);
            BOOST_TEST_REQUIRE(!o1.ec);
            BOOST_TEST(o1.content.size() == record::max_plaintext);
            // Shorter than the overhead, or cut anywhere: refused.
            for (std::size_t cut = record::header_size; cut < r2.size(); ++cut) {
                bytes shorter(r2.begin(), r2.begin() + static_cast<std::ptrdiff_t>(cut));
                wire::store_u16(&shorter[3], static_cast<std::uint16_t>(cut - record::header_size));
                BOOST_TEST(open(p.receiver, shorter).ec == ec(error::bad_record_mac), cut);
            }
            auto o2 = open(p.receiver, r2);
            BOOST_TEST_REQUIRE(!o2.ec);
            BOOST_TEST(o2.content.empty());
            BOOST_TEST(o2.type == 21);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_peer_chooses_the_gcm_explicit_nonce) {
    // RFC 5288 leaves the explicit part to the sender: a record whose explicit
    // nonce is not its sequence number opens, with that nonce.
    const bytes key(16, 0x42);
    const bytes salt = {1, 2, 3, 4};
    const bytes explicit_part = unhex("1122334455667788");
    const bytes content = str("chosen nonce");
    crypto::aead_context aead;
    BOOST_TEST_REQUIRE(aead.init(aead_algorithm::aes_128_gcm, key));
    bytes nonce = salt;
    nonce.insert(nonce.end(), explicit_part.begin(), explicit_part.end());
    const bytes ad = unhex("0000000000000000 17 0303 000c");
    bytes ciphertext = content;
    bytes tag(16);
    BOOST_TEST_REQUIRE(aead.seal(nonce, ad, ciphertext, tag));
    bytes rec = unhex("1703030024");
    rec.insert(rec.end(), explicit_part.begin(), explicit_part.end());
    rec.insert(rec.end(), ciphertext.begin(), ciphertext.end());
    rec.insert(rec.end(), tag.begin(), tag.end());

    record::protection p;
    BOOST_TEST_REQUIRE(p.install(record::protocol::tls12, aead_algorithm::aes_128_gcm, key, salt));
    auto o = open(p, rec);
    BOOST_TEST_REQUIRE(!o.ec, o.ec.message());
    BOOST_TEST(o.content == content);
}

BOOST_AUTO_TEST_CASE(content_over_2_to_14_is_record_overflow) {
    for (aead_algorithm a : tls12_aeads) {
        BOOST_TEST_CONTEXT(name(a)) {
            tls12_pair p(a);
            // Sealed by hand: seal() itself never makes a record this long.
            bytes big = random_bytes(record::max_plaintext + 1);
            bytes rec(record::header_size + big.size() + p.sender.overhead());
            std::copy(big.begin(), big.end(), rec.begin() + record::header_size);
            BOOST_TEST_REQUIRE(p.sender.seal(rec.data(), big.size(),
                                             content_type::application_data) == rec.size());
            BOOST_TEST(open(p.receiver, rec).ec == ec(error::record_overflow));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ==== RFC 8448 known answers ===================================================

BOOST_AUTO_TEST_SUITE(rfc8448)

// Traffic keys of the Simple 1-RTT trace (RFC 8448 section 3), checked against
// a derivation from the trace itself in key_schedule_test.
struct rfc_keys {
    const char* key;
    const char* iv;
};
constexpr rfc_keys server_handshake{"3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"};
constexpr rfc_keys client_handshake{"dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f"};
constexpr rfc_keys server_application{"9f02283b6c9c07efc26bb9f2ac92e356",
                                      "cf782b88dd83549aadf1e984"};
constexpr rfc_keys client_application{"17422dda596ed5d9acd890e3c63f5051",
                                      "5b78923dee08579033e523d9"};

record::protection keyed(const rfc_keys& k) {
    record::protection p;
    BOOST_TEST_REQUIRE(p.install(aead_algorithm::aes_128_gcm, unhex(k.key), unhex(k.iv)));
    return p;
}

BOOST_AUTO_TEST_CASE(client_application_data) {
    auto t = trace("Simple_1RTT_Handshake");
    auto p = keyed(client_application);
    auto o = open(p, t.at("Record_Client_AppData"));
    BOOST_TEST_REQUIRE(!o.ec, o.ec.message());
    BOOST_TEST(o.type == 23);
    BOOST_TEST(to_hex(o.content) == to_hex(t.at("Client_AppData")));
    // The next client record is its close_notify alert.
    o = open(p, t.at("Record_Client_CloseNotify"));
    BOOST_TEST_REQUIRE(!o.ec, o.ec.message());
    BOOST_TEST(o.type == 21);
    BOOST_TEST(to_hex(o.content) == "0100");

    // Sealing the same data gives the trace's records byte for byte.
    auto s = keyed(client_application);
    BOOST_TEST(to_hex(seal(s, t.at("Client_AppData"), content_type::application_data)) ==
               to_hex(t.at("Record_Client_AppData")));
    BOOST_TEST(to_hex(seal(s, unhex("0100"), content_type::alert)) ==
               to_hex(t.at("Record_Client_CloseNotify")));
}

BOOST_AUTO_TEST_CASE(server_application_data_after_the_ticket) {
    auto t = trace("Simple_1RTT_Handshake");
    auto p = keyed(server_application);
    // Sequence 0 is the NewSessionTicket, 1 the data, 2 the close_notify:
    // the nonce for a sequence number above 0 is exercised here.
    auto ticket = open(p, t.at("Record_NewSessionTicket"));
    BOOST_TEST_REQUIRE(!ticket.ec, ticket.ec.message());
    BOOST_TEST(ticket.type == 22);
    BOOST_TEST_REQUIRE(ticket.content.size() > 4u);
    BOOST_TEST(ticket.content[0] == 4);  // new_session_ticket
    auto data = open(p, t.at("Record_Server_AppData"));
    BOOST_TEST_REQUIRE(!data.ec, data.ec.message());
    BOOST_TEST(data.type == 23);
    BOOST_TEST(to_hex(data.content) == to_hex(t.at("Server_AppData")));
    auto close = open(p, t.at("Record_Server_CloseNotify"));
    BOOST_TEST(!close.ec);
    BOOST_TEST(close.type == 21);
    BOOST_TEST(to_hex(close.content) == "0100");
    BOOST_TEST(p.sequence() == 3u);

    // Out of order from a fresh receiver: the data record is not sequence 0.
    auto q = keyed(server_application);
    BOOST_TEST(open(q, t.at("Record_Server_AppData")).ec == ec(error::bad_record_mac));
}

BOOST_AUTO_TEST_CASE(handshake_records) {
    auto t = trace("Simple_1RTT_Handshake");
    auto s = keyed(server_handshake);
    auto flight = open(s, t.at("Record_ServerHandshakeMessages"));
    BOOST_TEST_REQUIRE(!flight.ec, flight.ec.message());
    BOOST_TEST(flight.type == 22);
    bytes expected;
    for (const char* m : {"Message_EncryptedExtensions", "Message_Server_Certificate",
                          "Message_Server_CertificateVerify", "Message_Server_Finished"}) {
        expected.insert(expected.end(), t.at(m).begin(), t.at(m).end());
    }
    BOOST_TEST(to_hex(flight.content) == to_hex(expected));

    auto c = keyed(client_handshake);
    auto fin = open(c, t.at("Record_ClientFinished"));
    BOOST_TEST_REQUIRE(!fin.ec, fin.ec.message());
    BOOST_TEST(fin.type == 22);
    BOOST_TEST(fin.content.size() == 36u);
    BOOST_TEST(fin.content[0] == 20);  // finished
}

BOOST_AUTO_TEST_CASE(known_records_tampered) {
    auto t = trace("Simple_1RTT_Handshake");
    const bytes& rec = t.at("Record_Client_AppData");
    for (std::size_t i : {std::size_t{0}, std::size_t{2}, std::size_t{4}, std::size_t{5},
                          rec.size() / 2, rec.size() - 17, rec.size() - 16, rec.size() - 1}) {
        bytes bad = rec;
        bad[i] ^= 0x04;
        auto p = keyed(client_application);
        BOOST_TEST(open(p, bad).ec == ec(error::bad_record_mac), "byte " << i);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ==== buffer pool ==============================================================

BOOST_AUTO_TEST_SUITE(buffer_pool)

// Runs `f` on a new thread, whose pool starts empty.
template <class F>
void on_fresh_thread(F f) {
    std::thread t(f);
    t.join();
}

BOOST_AUTO_TEST_CASE(acquire_gives_an_empty_buffer_of_the_capacity) {
    on_fresh_thread([] {
        for (std::size_t n : {0u, 1u, 5u, 17000u}) {
            record::io_buffer b = record::acquire_buffer(n);
            BOOST_TEST(b.empty());
            BOOST_TEST(b.capacity() >= n);
        }
    });
}

BOOST_AUTO_TEST_CASE(release_empties_and_frees_the_buffer) {
    on_fresh_thread([] {
        record::io_buffer b = record::acquire_buffer(100);
        b.assign(50, 0x11);
        record::release_buffer(b);
        BOOST_TEST(b.empty());
        BOOST_TEST(b.capacity() == 0u);  // an idle connection holds nothing
        record::release_buffer(b);       // releasing nothing is harmless
        BOOST_TEST(b.capacity() == 0u);
    });
}

BOOST_AUTO_TEST_CASE(released_storage_is_reused) {
    on_fresh_thread([] {
        record::io_buffer b = record::acquire_buffer(record::max_record);
        b.push_back(1);
        const std::uint8_t* storage = b.data();
        record::release_buffer(b);
        // Held by the pool, so the allocator cannot hand the address out again:
        // getting it back means the pool reused it.
        record::io_buffer again = record::acquire_buffer(1000);
        BOOST_TEST(again.empty());
        BOOST_TEST(again.capacity() >= record::max_record);
        again.push_back(2);
        BOOST_TEST(static_cast<const void*>(again.data()) == static_cast<const void*>(storage));
        // The pool gave it away: the next one is new.
        record::io_buffer other = record::acquire_buffer(1000);
        other.push_back(3);
        BOOST_TEST(static_cast<const void*>(other.data()) != static_cast<const void*>(storage));
        record::release_buffer(again);
        record::release_buffer(other);
    });
}

BOOST_AUTO_TEST_CASE(a_cached_buffer_too_small_is_not_used) {
    on_fresh_thread([] {
        record::io_buffer small = record::acquire_buffer(100);
        std::size_t small_capacity = small.capacity();
        record::release_buffer(small);
        record::io_buffer big = record::acquire_buffer(small_capacity + 1000);
        BOOST_TEST(big.capacity() >= small_capacity + 1000);
        // The small one is still there for a small request.
        record::io_buffer again = record::acquire_buffer(10);
        BOOST_TEST(again.capacity() == small_capacity);
        record::release_buffer(big);
        record::release_buffer(again);
    });
}

BOOST_AUTO_TEST_CASE(the_cache_is_bounded) {
    on_fresh_thread([] {
        // 20 buffers of distinct, recognizable capacities go back.
        std::vector<record::io_buffer> held;
        for (std::size_t i = 0; i < 20; ++i) {
            held.push_back(record::acquire_buffer(4096 + i));
        }
        for (auto& b : held) {
            record::release_buffer(b);
            BOOST_TEST(b.capacity() == 0u);
        }
        // Tiny requests take cached buffers first, then new tiny ones.
        std::size_t reused = 0;
        std::vector<record::io_buffer> taken;
        for (std::size_t i = 0; i < 20; ++i) {
            taken.push_back(record::acquire_buffer(1));
            reused += taken.back().capacity() >= 4096 ? 1 : 0;
        }
        BOOST_TEST(reused == 16u);
        for (auto& b : taken) {
            record::release_buffer(b);
        }
    });
}

BOOST_AUTO_TEST_CASE(huge_buffers_are_not_cached) {
    on_fresh_thread([] {
        record::io_buffer huge = record::acquire_buffer(1024 * 1024);
        record::release_buffer(huge);
        BOOST_TEST(huge.capacity() == 0u);
        record::io_buffer next = record::acquire_buffer(1);
        BOOST_TEST(next.capacity() < 1024u * 1024u);
        record::release_buffer(next);
    });
}

BOOST_AUTO_TEST_CASE(pools_are_per_thread) {
    on_fresh_thread([] {
        record::io_buffer b = record::acquire_buffer(50000);
        record::release_buffer(b);
        on_fresh_thread([] {
            record::io_buffer other = record::acquire_buffer(1);
            BOOST_TEST(other.capacity() < 50000u);
        });
        record::io_buffer mine = record::acquire_buffer(1);
        BOOST_TEST(mine.capacity() >= 50000u);
        record::release_buffer(mine);
    });
}

BOOST_AUTO_TEST_SUITE_END()
