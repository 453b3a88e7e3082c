// The wire codec: reader/writer, every handshake message parser of
// wire/messages.hpp on real messages (RFC 8448 traces and a tlsio client's
// ClientHello), every truncation, trailing bytes, bad internal lengths,
// duplicates and forbidden values, and the encoders round-tripping through the
// parsers. Each malformed input is parsed from its own exactly sized buffer so
// that a read past its end shows up under ASan.
#include "wire/codec.hpp"
#include "wire/messages.hpp"

#define BOOST_TEST_MODULE wire_test
#include <boost/test/unit_test.hpp>

#include "support/pump.hpp"
#include "support/testdata.hpp"

#include <tlsio/engine.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace tlsio;
using tlsio::test::to_hex;
namespace wire = tlsio::wire;
namespace ext = tlsio::wire::ext;
using boost::system::error_code;

namespace {

error_code ec(error e) {
    return e == wire::ok ? error_code() : make_error_code(e);
}

// Hex with optional spaces (for readability of the field boundaries).
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

// ---- RFC 8448 test data -------------------------------------------------------

const std::map<std::string, tlsio::test::rfc8448_section>& traces() {
    return tlsio::test::rfc8448_traces();
}

const bytes& trace(const std::string& name, const std::string& field) {
    const auto& s = traces().at(name);
    auto it = s.find(field);
    BOOST_TEST_REQUIRE((it != s.end()), name << " has no " << field);
    return it->second;
}

bytes slice(byte_view b, std::size_t from, std::size_t n = std::string::npos) {
    b = b.subspan(from);
    if (n < b.size()) {
        b = b.first(n);
    }
    return bytes(b.begin(), b.end());
}

// The body of a handshake message (4-byte header checked and removed).
bytes body_of(const bytes& message, wire::handshake_type type) {
    BOOST_TEST_REQUIRE(message.size() >= 4u);
    BOOST_TEST_REQUIRE(message[0] == static_cast<std::uint8_t>(type));
    std::size_t len = (std::size_t{message[1]} << 16) | (std::size_t{message[2]} << 8) | message[3];
    BOOST_TEST_REQUIRE(len == message.size() - 4);
    return slice(message, 4);
}

bytes cat(std::initializer_list<byte_view> parts) {
    bytes out;
    for (byte_view p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

bytes str(std::string_view s) {
    return bytes(s.begin(), s.end());
}

// ---- Encoding test inputs by hand (with the writer tested below) --------------

bytes u16(std::uint16_t v) {
    return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

bytes vec8(const bytes& b) {
    bytes out{static_cast<std::uint8_t>(b.size())};
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

bytes vec16(const bytes& b) {
    return cat({u16(static_cast<std::uint16_t>(b.size())), b});
}

bytes vec24(const bytes& b) {
    bytes out{static_cast<std::uint8_t>(b.size() >> 16), static_cast<std::uint8_t>(b.size() >> 8),
              static_cast<std::uint8_t>(b.size())};
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

bytes u16s(std::initializer_list<std::uint16_t> values) {
    bytes out;
    for (auto v : values) {
        auto b = u16(v);
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

struct raw_ext {
    std::uint16_t type;
    bytes data;
};

bytes ext_block(const std::vector<raw_ext>& exts) {
    bytes inner;
    for (const auto& e : exts) {
        auto one = cat({u16(e.type), vec16(e.data)});
        inner.insert(inner.end(), one.begin(), one.end());
    }
    return vec16(inner);
}

bytes x25519_share() {
    bytes k(32);
    for (std::size_t i = 0; i < k.size(); ++i) {
        k[i] = static_cast<std::uint8_t>(i + 1);
    }
    return k;
}

// A minimal TLS 1.3 ClientHello body that tests then break one way at a time.
struct ch_builder {
    std::uint16_t version = 0x0303;
    bytes random = bytes(32, 0x5a);
    bytes session_id;
    bytes suites = vec16(u16s({0x1301}));  // the whole length-prefixed field
    bytes compression = vec8({0});
    bool with_extensions = true;
    std::vector<raw_ext> exts = {
        {ext::supported_versions, vec8(u16s({0x0304}))},
        {ext::supported_groups, vec16(u16s({0x001d}))},
        {ext::signature_algorithms, vec16(u16s({0x0403, 0x0804}))},
        {ext::key_share, vec16(cat({u16(0x001d), vec16(x25519_share())}))},
    };

    bytes encode() const {
        bytes out = cat({u16(version), random, vec8(session_id), suites, compression});
        if (with_extensions) {
            auto b = ext_block(exts);
            out.insert(out.end(), b.begin(), b.end());
        }
        return out;
    }
    raw_ext* find(std::uint16_t type) {
        for (auto& e : exts) {
            if (e.type == type) {
                return &e;
            }
        }
        return nullptr;
    }
    ch_builder& set(std::uint16_t type, bytes data) {
        if (auto* e = find(type)) {
            e->data = std::move(data);
        } else {
            exts.push_back({type, std::move(data)});
        }
        return *this;
    }
};

struct sh_builder {
    std::uint16_t version = 0x0303;
    bytes random = bytes(32, 0xa5);
    bytes session_id_echo;
    std::uint16_t suite = 0x1301;
    std::uint8_t compression = 0;
    bool with_extensions = true;
    std::vector<raw_ext> exts = {
        {ext::supported_versions, u16(0x0304)},
        {ext::key_share, cat({u16(0x001d), vec16(x25519_share())})},
    };

    bytes encode() const {
        bytes out =
            cat({u16(version), random, vec8(session_id_echo), u16(suite), {&compression, 1}});
        if (with_extensions) {
            auto b = ext_block(exts);
            out.insert(out.end(), b.begin(), b.end());
        }
        return out;
    }
};

// ---- Parsing from exactly sized copies ----------------------------------------

error parse_ch(const bytes& b, wire::client_hello& out) {
    bytes copy(b);  // its own allocation, so ASan catches a read past the end
    out = {};
    error e = wire::parse_client_hello(copy, out);
    // Views into `copy` must not escape; tests that need the views parse in place.
    out.random = {};
    out.legacy_session_id = {};
    out.legacy_compression_methods = {};
    out.cookie = {};
    out.extensions.clear();
    out.key_shares.clear();
    return e;
}

error_code ch_error(const bytes& b) {
    wire::client_hello m;
    return ec(parse_ch(b, m));
}

error_code sh_error(const bytes& b) {
    bytes copy(b);
    wire::server_hello m;
    return ec(wire::parse_server_hello(copy, m));
}

error_code ee_error(const bytes& b) {
    bytes copy(b);
    wire::encrypted_extensions m;
    return ec(wire::parse_encrypted_extensions(copy, m));
}

error_code cert_error(const bytes& b) {
    bytes copy(b);
    wire::certificate_msg m;
    return ec(wire::parse_certificate(copy, m));
}

error_code cr_error(const bytes& b) {
    bytes copy(b);
    wire::certificate_request m;
    return ec(wire::parse_certificate_request(copy, m));
}

error_code cv_error(const bytes& b) {
    bytes copy(b);
    wire::certificate_verify m;
    return ec(wire::parse_certificate_verify(copy, m));
}

error_code nst_error(const bytes& b) {
    bytes copy(b);
    wire::new_session_ticket m;
    return ec(wire::parse_new_session_ticket(copy, m));
}

error_code ku_error(const bytes& b) {
    bytes copy(b);
    bool requested = false;
    return ec(wire::parse_key_update(copy, requested));
}

error_code ext_error(const bytes& b) {
    bytes copy(b);
    std::vector<wire::extension> out;
    return ec(wire::parse_extensions(copy, out));
}

using parse_fn = std::function<error_code(const bytes&)>;

// Every proper prefix of `body` is refused with decode_error, except the prefix
// of length `legacy_end` (if given): a Client/ServerHello cut right after
// legacy_compression_method(s) is a well-formed hello without an extensions
// field (RFC 8446 section 4.1.2), which the parser accepts so the handshake
// layer can refuse it as a pre-TLS 1.3 hello.
void expect_truncations_refused(const bytes& body, const parse_fn& parse,
                                std::optional<std::size_t> legacy_end = std::nullopt) {
    BOOST_TEST_REQUIRE(!parse(body), "the untruncated message must parse");
    std::size_t refused = 0;
    for (std::size_t n = 0; n < body.size(); ++n) {
        bytes prefix(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
        error_code got = parse(prefix);
        if (legacy_end && n == *legacy_end) {
            BOOST_TEST(!got, "hello without extensions, length " << n);
            continue;
        }
        BOOST_TEST(got == ec(error::decode_error), "truncated to " << n << " of " << body.size());
        refused += got == ec(error::decode_error) ? 1 : 0;
    }
    BOOST_TEST(refused == body.size() - (legacy_end ? 1 : 0));
}

void expect_trailing_refused(const bytes& body, const parse_fn& parse) {
    for (int extra : {0x00, 0x01, 0xff}) {
        bytes longer = cat({body, bytes{static_cast<std::uint8_t>(extra)}});
        BOOST_TEST(parse(longer) == ec(error::decode_error), "trailing byte " << int(extra));
    }
    BOOST_TEST(parse(cat({body, bytes(3, 0)})) == ec(error::decode_error));
}

// Offset just past legacy_compression_methods of a ClientHello body.
std::size_t ch_legacy_end(const bytes& body) {
    std::size_t at = 2 + 32;
    at += 1 + body.at(at);
    at += 2 + ((std::size_t{body.at(at)} << 8) | body.at(at + 1));
    at += 1 + body.at(at);
    return at;
}

// Offset just past legacy_compression_method of a ServerHello body.
std::size_t sh_legacy_end(const bytes& body) {
    return 2 + 32 + 1 + body.at(34) + 2 + 1;
}

// The RFC 8448 simple trace's ClientHello body.
bytes rfc_client_hello() {
    const bytes& record = trace("Simple_1RTT_Handshake", "Record_ClientHello_1");
    return body_of(slice(record, 5), wire::handshake_type::client_hello);
}

// A ClientHello from a tlsio client engine (handshake() then output()).
bytes tlsio_client_hello() {
    context ctx(context::tlsv13_client);
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    engine_options options;
    options.server_name = "example.com";
    engine client(ctx, role::client, options);
    status s = client.handshake();
    BOOST_TEST_REQUIRE((s == status::want_write || s == status::want_read));
    auto out = client.output();
    bytes flight(out.begin(), out.end());
    client.consume_output(out.size());
    auto records = tlsio::test::split_records(flight);
    BOOST_TEST_REQUIRE(records.records.size() == 1u);
    BOOST_TEST_REQUIRE(records.rest.empty());
    BOOST_TEST_REQUIRE(records.records[0].type == 22);
    return body_of(records.records[0].payload, wire::handshake_type::client_hello);
}

const wire::extension* find_ext(const std::vector<wire::extension>& exts, std::uint16_t type) {
    for (const auto& e : exts) {
        if (e.type == type) {
            return &e;
        }
    }
    return nullptr;
}

std::vector<raw_extension> to_raw(const std::vector<wire::extension>& exts) {
    std::vector<raw_extension> out;
    for (const auto& e : exts) {
        out.push_back({e.type, bytes(e.data.begin(), e.data.end())});
    }
    return out;
}

}  // namespace

// ==== reader / writer ==========================================================

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(reader_reads_big_endian_integers) {
    const bytes data = unhex("01 0203 040506 0708090a ff");
    wire::reader r(data);
    BOOST_TEST(r.remaining() == data.size());
    BOOST_TEST(r.u8() == 0x01);
    BOOST_TEST(r.u16() == 0x0203);
    BOOST_TEST(r.u24() == 0x040506u);
    BOOST_TEST(r.u32() == 0x0708090au);
    BOOST_TEST(!r.empty());
    BOOST_TEST(!r.done());
    BOOST_TEST(r.remaining() == 1u);
    BOOST_TEST(r.u8() == 0xff);
    BOOST_TEST(r.empty());
    BOOST_TEST(r.done());
    BOOST_TEST(r.ok());
}

BOOST_AUTO_TEST_CASE(reader_on_nothing) {
    wire::reader def;
    BOOST_TEST(def.ok());
    BOOST_TEST(def.empty());
    BOOST_TEST(def.done());
    BOOST_TEST(def.take(0).empty());
    BOOST_TEST(def.done());
    BOOST_TEST(def.u8() == 0);
    BOOST_TEST(!def.ok());
    BOOST_TEST(!def.done());
}

BOOST_AUTO_TEST_CASE(reader_failure_is_sticky) {
    const bytes data = unhex("0102 03");
    wire::reader r(data);
    BOOST_TEST(r.u16() == 0x0102);
    BOOST_TEST(r.u16() == 0);  // one byte left: fails, returns zero
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.remaining() == 0u);
    BOOST_TEST(!r.done());
    // The byte that was there is not handed out after the failure.
    BOOST_TEST(r.u8() == 0);
    BOOST_TEST(r.take(0).empty());
    BOOST_TEST(r.rest().empty());
    BOOST_TEST(r.vec8().empty());
    BOOST_TEST(!r.ok());
}

BOOST_AUTO_TEST_CASE(reader_every_width_past_the_end) {
    for (std::size_t width : {1u, 2u, 3u, 4u}) {
        for (std::size_t have = 0; have < width; ++have) {
            bytes data(have, 0xff);
            wire::reader r(data);
            std::uint64_t v = width == 1   ? r.u8()
                              : width == 2 ? r.u16()
                              : width == 3 ? r.u24()
                                           : r.u32();
            BOOST_TEST(v == 0u);
            BOOST_TEST(!r.ok(), "width " << width << " with " << have << " bytes");
        }
    }
}

BOOST_AUTO_TEST_CASE(reader_take_bounds) {
    const bytes data = unhex("aabbccdd");
    wire::reader r(data);
    auto a = r.take(0);
    BOOST_TEST(a.empty());
    BOOST_TEST(r.ok());
    auto b = r.take(4);
    BOOST_TEST(b.size() == 4u);
    BOOST_TEST(b.data() == data.data());  // a view, not a copy
    BOOST_TEST(r.done());

    wire::reader r2(data);
    BOOST_TEST(r2.take(5).empty());
    BOOST_TEST(!r2.ok());

    wire::reader r3(data);
    BOOST_TEST(r3.take(static_cast<std::size_t>(-1)).empty());  // no overflow in the check
    BOOST_TEST(!r3.ok());

    wire::reader r4(data);
    r4.u8();
    auto rest = r4.rest();
    BOOST_TEST(to_hex(rest) == "bbccdd");
    BOOST_TEST(r4.done());
}

BOOST_AUTO_TEST_CASE(reader_length_prefixed_vectors) {
    const bytes data = unhex("02 aabb  0003 ccddee  000001 ff  00  0000");
    wire::reader r(data);
    BOOST_TEST(to_hex(r.vec8()) == "aabb");
    BOOST_TEST(to_hex(r.vec16()) == "ccddee");
    BOOST_TEST(to_hex(r.vec24()) == "ff");
    BOOST_TEST(r.vec8().empty());
    BOOST_TEST(r.ok());
    BOOST_TEST(r.vec16().empty());
    BOOST_TEST(r.done());
}

BOOST_AUTO_TEST_CASE(reader_vector_longer_than_remaining) {
    struct vcase {
        std::size_t prefix;
        const char* hex;
    };
    for (auto [prefix, text] : {vcase{1, "03 aabb"}, vcase{2, "0004 aabbcc"}, vcase{3, "000002 aa"},
                                vcase{1, "01"}, vcase{2, "0001"}, vcase{3, "000001"},
                                vcase{2, "00"}, vcase{3, "0000"}, vcase{2, "ffff 00"}}) {
        bytes data = unhex(text);
        wire::reader r(data);
        byte_view v = prefix == 1 ? r.vec8() : prefix == 2 ? r.vec16() : r.vec24();
        BOOST_TEST(!r.ok(), text);
        BOOST_TEST(v.empty(), text);
        BOOST_TEST(r.remaining() == 0u, text);
    }
}

BOOST_AUTO_TEST_CASE(nested_reader_is_confined_to_its_vector) {
    const bytes data = unhex("0002 aabb cc");
    wire::reader outer(data);
    wire::reader inner(outer.vec16());
    BOOST_TEST(inner.u16() == 0xaabb);
    BOOST_TEST(inner.done());
    BOOST_TEST(inner.u8() == 0);  // does not see the outer 0xcc
    BOOST_TEST(!inner.ok());
    BOOST_TEST(outer.ok());
    BOOST_TEST(outer.u8() == 0xcc);
    BOOST_TEST(outer.done());
}

BOOST_AUTO_TEST_CASE(writer_integers_and_vectors) {
    bytes out;
    wire::writer w(out);
    w.u8(0x01);
    w.u16(0x0203);
    w.u24(0x040506);
    w.u32(0x0708090a);
    w.vec8(unhex("aa"));
    w.vec16(unhex("bbcc"));
    w.vec24(unhex("dd"));
    w.vec8({});
    w.raw(std::string_view("hi"));
    w.raw(unhex("ee"));
    BOOST_TEST(to_hex(out) ==
               "01"
               "0203"
               "040506"
               "0708090a"
               "01aa"
               "0002bbcc"
               "000001dd"
               "00"
               "6869"
               "ee");
    BOOST_TEST(&w.buffer() == &out);
}

BOOST_AUTO_TEST_CASE(writer_u24_drops_the_high_byte) {
    bytes out;
    wire::writer w(out);
    w.u24(0xff123456);
    BOOST_TEST(to_hex(out) == "123456");
}

BOOST_AUTO_TEST_CASE(writer_nested_length_prefixes) {
    bytes out{0x99};  // appends after what is there
    wire::writer w(out);
    std::size_t outer = w.begin(3);
    w.u8(0x01);
    std::size_t inner = w.begin(2);
    w.raw(unhex("aabbcc"));
    w.end(inner, 2);
    std::size_t empty = w.begin(1);
    w.end(empty, 1);
    w.end(outer, 3);
    BOOST_TEST(to_hex(out) ==
               "99"
               "000007"
               "01"
               "0003aabbcc"
               "00");

    // And the reader takes it apart again.
    wire::reader r(byte_view(out).subspan(1));
    wire::reader body(r.vec24());
    BOOST_TEST(r.done());
    BOOST_TEST(body.u8() == 1);
    BOOST_TEST(to_hex(body.vec16()) == "aabbcc");
    BOOST_TEST(body.vec8().empty());
    BOOST_TEST(body.done());
}

BOOST_AUTO_TEST_CASE(writer_long_vector_length) {
    bytes out;
    wire::writer w(out);
    std::size_t at = w.begin(2);
    w.raw(bytes(0x1234, 0x42));
    w.end(at, 2);
    BOOST_TEST(out.size() == 0x1236u);
    BOOST_TEST(out[0] == 0x12);
    BOOST_TEST(out[1] == 0x34);
    wire::reader r(out);
    BOOST_TEST(r.vec16().size() == 0x1234u);
    BOOST_TEST(r.done());
}

BOOST_AUTO_TEST_CASE(store_and_load_u16) {
    std::uint8_t b[2] = {};
    wire::store_u16(b, 0xbeef);
    BOOST_TEST(b[0] == 0xbe);
    BOOST_TEST(b[1] == 0xef);
    BOOST_TEST(wire::load_u16(b) == 0xbeef);
    wire::store_u16(b, 0);
    BOOST_TEST(wire::load_u16(b) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ==== parse_extensions =========================================================

BOOST_AUTO_TEST_SUITE(extensions)

BOOST_AUTO_TEST_CASE(splits_a_block) {
    bytes block = unhex("0000 0000  002b 0003 020304  ffff 0001 07");
    std::vector<wire::extension> out{{1, {}}};  // cleared first
    BOOST_TEST(ec(wire::parse_extensions(block, out)) == ec(wire::ok));
    BOOST_TEST_REQUIRE(out.size() == 3u);
    BOOST_TEST(out[0].type == 0);
    BOOST_TEST(out[0].data.empty());
    BOOST_TEST(out[1].type == ext::supported_versions);
    BOOST_TEST(to_hex(out[1].data) == "020304");
    BOOST_TEST(out[2].type == 0xffff);
    BOOST_TEST(to_hex(out[2].data) == "07");
}

BOOST_AUTO_TEST_CASE(empty_block) {
    std::vector<wire::extension> out{{1, {}}};
    BOOST_TEST(ec(wire::parse_extensions({}, out)) == ec(wire::ok));
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(truncations) {
    bytes block = unhex("000a 0004 0002001d  0033 0000");
    for (std::size_t n = 0; n < block.size(); ++n) {
        // Cut on an extension boundary (0 or 8 bytes) is a shorter, well-formed block.
        error_code expected = n == 0 || n == 8 ? error_code() : ec(error::decode_error);
        BOOST_TEST(ext_error(slice(block, 0, n)) == expected, "truncated to " << n);
    }
}

BOOST_AUTO_TEST_CASE(bad_framing_is_decode_error) {
    BOOST_TEST(ext_error(unhex("00")) == ec(error::decode_error));
    BOOST_TEST(ext_error(unhex("000a")) == ec(error::decode_error));
    BOOST_TEST(ext_error(unhex("000a 00")) == ec(error::decode_error));
    BOOST_TEST(ext_error(unhex("000a 0003 0000")) == ec(error::decode_error));
    BOOST_TEST(ext_error(unhex("000a ffff")) == ec(error::decode_error));
    BOOST_TEST(ext_error(unhex("000a 0000 00")) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(duplicates_are_illegal_parameter) {
    BOOST_TEST(ext_error(unhex("000a 0000 000a 0000")) == ec(error::illegal_parameter));
    BOOST_TEST(ext_error(unhex("000a 0001 01  002b 0000  000a 0001 02")) ==
               ec(error::illegal_parameter));
    // Unknown types too: the rule is about any type.
    BOOST_TEST(ext_error(unhex("fafa 0000 fafa 0000")) == ec(error::illegal_parameter));
    BOOST_TEST(!ext_error(unhex("fafa 0000 fafb 0000")));
}

BOOST_AUTO_TEST_CASE(append_extensions_round_trip) {
    std::vector<raw_extension> in = {
        {ext::server_name, {}},
        {ext::alpn, wire::encode_alpn({"h2"})},
        {0x1234, bytes(300, 0x77)},
    };
    bytes out{0xee};
    wire::writer w(out);
    wire::append_extensions(w, in);
    BOOST_TEST(out[0] == 0xee);
    wire::reader r(byte_view(out).subspan(1));
    byte_view block = r.vec16();
    BOOST_TEST(r.done());
    std::vector<wire::extension> parsed;
    BOOST_TEST(ec(wire::parse_extensions(block, parsed)) == ec(wire::ok));
    BOOST_TEST_REQUIRE(parsed.size() == in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        BOOST_TEST(parsed[i].type == in[i].type);
        BOOST_TEST(bytes(parsed[i].data.begin(), parsed[i].data.end()) == in[i].data);
    }

    bytes none;
    wire::writer w2(none);
    wire::append_extensions(w2, {});
    BOOST_TEST(to_hex(none) == "0000");
}

BOOST_AUTO_TEST_SUITE_END()

// ==== ClientHello ==============================================================

BOOST_AUTO_TEST_SUITE(client_hello)

BOOST_AUTO_TEST_CASE(rfc8448_client_hello_fields) {
    const bytes body = rfc_client_hello();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST(ch.legacy_version == 0x0303);
    BOOST_TEST(bytes(ch.random.begin(), ch.random.end()) ==
               slice(trace("Simple_1RTT_Handshake", "Client_RNG_Pool"), 0, 32));
    BOOST_TEST(ch.legacy_session_id.empty());
    BOOST_TEST((ch.cipher_suites == std::vector<std::uint16_t>{0x1301, 0x1303, 0x1302}));
    BOOST_TEST(to_hex(ch.legacy_compression_methods) == "00");

    std::vector<std::uint16_t> types;
    for (const auto& e : ch.extensions) {
        types.push_back(e.type);
    }
    BOOST_TEST((types == std::vector<std::uint16_t>{0x0000, 0xff01, 0x000a, 0x0023, 0x0033, 0x002b,
                                                    0x000d, 0x002d, 0x001c}));

    BOOST_TEST(ch.has_server_name);
    BOOST_TEST(ch.server_name == "server");
    BOOST_TEST(ch.has_supported_groups);
    BOOST_TEST(
        (ch.supported_groups == std::vector<std::uint16_t>{0x001d, 0x0017, 0x0018, 0x0019, 0x0100,
                                                           0x0101, 0x0102, 0x0103, 0x0104}));
    BOOST_TEST(ch.has_key_share);
    BOOST_TEST_REQUIRE(ch.key_shares.size() == 1u);
    BOOST_TEST(ch.key_shares[0].group == 0x001d);
    BOOST_TEST(to_hex(ch.key_shares[0].key_exchange) ==
               "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c");
    BOOST_TEST(ch.has_supported_versions);
    BOOST_TEST((ch.supported_versions == std::vector<std::uint16_t>{0x0304}));
    BOOST_TEST(ch.has_signature_algorithms);
    BOOST_TEST(
        (ch.signature_algorithms ==
         std::vector<std::uint16_t>{0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401,
                                    0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202}));
    BOOST_TEST(!ch.has_signature_algorithms_cert);
    BOOST_TEST((ch.psk_modes == std::vector<std::uint8_t>{1}));
    BOOST_TEST(!ch.has_alpn);
    BOOST_TEST(!ch.has_cookie);
    BOOST_TEST(!ch.has_early_data);
    BOOST_TEST(!ch.has_pre_shared_key);
    // record_size_limit is not decoded but kept.
    auto* rsl = find_ext(ch.extensions, ext::record_size_limit);
    BOOST_TEST_REQUIRE(rsl != nullptr);
    BOOST_TEST(to_hex(rsl->data) == "4001");
}

BOOST_AUTO_TEST_CASE(rfc8448_client_hellos_of_every_trace_parse) {
    // Every trace's first ClientHello (and the HRR trace's second) parses.
    std::size_t n = 0;
    for (const auto& [name, fields] : traces()) {
        for (const char* field : {"Record_ClientHello_1", "Record_ClientHello_2"}) {
            auto it = fields.find(field);
            if (it == fields.end()) {
                continue;
            }
            bytes body = body_of(slice(it->second, 5), wire::handshake_type::client_hello);
            wire::client_hello ch;
            BOOST_TEST(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok),
                       name << " " << field);
            BOOST_TEST(ch.has_supported_versions, name);
            ++n;
        }
    }
    BOOST_TEST(n >= 7u);
}

BOOST_AUTO_TEST_CASE(rfc8448_resumption_hello_has_pre_shared_key_last) {
    const bytes body = body_of(slice(trace("Resumed_0RTT_Handshake", "Record_ClientHello_1"), 5),
                               wire::handshake_type::client_hello);
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST(ch.has_pre_shared_key);
    BOOST_TEST(ch.has_early_data);
    BOOST_TEST(ch.extensions.back().type == ext::pre_shared_key);
    expect_truncations_refused(body, ch_error, ch_legacy_end(body));
}

BOOST_AUTO_TEST_CASE(rfc8448_hrr_second_hello_has_cookie) {
    const bytes body =
        body_of(slice(trace("HelloRetryRequest_Handshake", "Record_ClientHello_2"), 5),
                wire::handshake_type::client_hello);
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST(ch.has_cookie);
    BOOST_TEST(bytes(ch.cookie.begin(), ch.cookie.end()) ==
               trace("HelloRetryRequest_Handshake", "HelloRetryRequest_Cookie"));
    BOOST_TEST_REQUIRE(ch.key_shares.size() == 1u);
    BOOST_TEST(ch.key_shares[0].group == 0x0017);
    BOOST_TEST(ch.key_shares[0].key_exchange.size() == 65u);
}

BOOST_AUTO_TEST_CASE(tlsio_client_hello_fields) {
    const bytes body = tlsio_client_hello();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST(ch.legacy_version == 0x0303);
    BOOST_TEST(ch.random.size() == 32u);
    BOOST_TEST(ch.legacy_session_id.size() <= 32u);
    BOOST_TEST(!ch.cipher_suites.empty());
    BOOST_TEST(to_hex(ch.legacy_compression_methods) == "00");
    BOOST_TEST(ch.server_name == "example.com");
    BOOST_TEST((ch.alpn == std::vector<std::string>{"h2", "http/1.1"}));
    BOOST_TEST(ch.has_supported_versions);
    BOOST_TEST((std::find(ch.supported_versions.begin(), ch.supported_versions.end(), 0x0304) !=
                ch.supported_versions.end()));
    BOOST_TEST(ch.has_signature_algorithms);
    BOOST_TEST(ch.has_supported_groups);
    BOOST_TEST(ch.has_key_share);
    BOOST_TEST_REQUIRE(!ch.key_shares.empty());
    for (const auto& k : ch.key_shares) {
        BOOST_TEST((std::find(ch.supported_groups.begin(), ch.supported_groups.end(), k.group) !=
                    ch.supported_groups.end()));
    }
}

BOOST_AUTO_TEST_CASE(truncations) {
    for (const bytes& body : {rfc_client_hello(), tlsio_client_hello(), ch_builder{}.encode()}) {
        expect_truncations_refused(body, ch_error, ch_legacy_end(body));
    }
}

BOOST_AUTO_TEST_CASE(hello_without_extensions_is_accepted_as_legacy) {
    ch_builder b;
    b.with_extensions = false;
    bytes body = b.encode();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST(ch.extensions.empty());
    BOOST_TEST(!ch.has_supported_versions);  // so the handshake refuses it as pre-1.3
}

BOOST_AUTO_TEST_CASE(trailing_bytes) {
    for (const bytes& body : {rfc_client_hello(), tlsio_client_hello(), ch_builder{}.encode()}) {
        expect_trailing_refused(body, ch_error);
    }
    // One byte after the compression methods: not a hello without
    // extensions, and not an extensions block either.
    ch_builder b;
    b.with_extensions = false;
    BOOST_TEST(ch_error(cat({b.encode(), bytes{0}})) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(bad_legacy_fields) {
    {
        ch_builder b;
        b.session_id = bytes(32, 1);
        BOOST_TEST(!ch_error(b.encode()));
        b.session_id = bytes(33, 1);
        BOOST_TEST(ch_error(b.encode()) == ec(error::decode_error));
    }
    {
        ch_builder b;
        b.suites = vec16({});
        BOOST_TEST(ch_error(b.encode()) == ec(error::decode_error), "no cipher suites");
        b.suites = vec16({0x13});
        BOOST_TEST(ch_error(b.encode()) == ec(error::decode_error), "odd-length cipher suites");
        b.suites = vec16({0x13, 0x01, 0x13});
        BOOST_TEST(ch_error(b.encode()) == ec(error::decode_error), "odd-length cipher suites");
        b.suites = cat({u16(4), u16s({0x1301})});
        BOOST_TEST(ch_error(b.encode()) == ec(error::decode_error), "suites past their data");
    }
    {
        ch_builder b;
        b.compression = vec8({});
        BOOST_TEST(ch_error(b.encode()) == ec(error::decode_error), "no compression methods");
        b.compression = vec8({0, 1});
        BOOST_TEST(!ch_error(b.encode()));  // the handshake layer judges the values
    }
}

BOOST_AUTO_TEST_CASE(cipher_suites_are_decoded_in_order) {
    ch_builder b;
    b.suites = vec16(u16s({0x1303, 0xc02f, 0x1301, 0x00ff}));
    bytes body = b.encode();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST((ch.cipher_suites == std::vector<std::uint16_t>{0x1303, 0xc02f, 0x1301, 0x00ff}));
}

BOOST_AUTO_TEST_CASE(duplicate_extensions) {
    ch_builder b;
    b.exts.push_back({ext::supported_groups, vec16(u16s({0x0017}))});
    BOOST_TEST(ch_error(b.encode()) == ec(error::illegal_parameter));

    ch_builder u;
    u.exts.push_back({0x7777, {}});
    u.exts.push_back({0x7777, {}});
    BOOST_TEST(ch_error(u.encode()) == ec(error::illegal_parameter));

    // A real hello with one of its extensions repeated at the end.
    bytes real = rfc_client_hello();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(real, ch)) == ec(wire::ok));
    std::vector<raw_ext> exts;
    for (const auto& e : ch.extensions) {
        exts.push_back({e.type, bytes(e.data.begin(), e.data.end())});
    }
    exts.push_back(exts[2]);
    bytes edited = cat({slice(real, 0, ch_legacy_end(real)), ext_block(exts)});
    BOOST_TEST(ch_error(edited) == ec(error::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(pre_shared_key_must_be_last) {
    // An OfferedPsks body is not judged here, only its position.
    bytes offered = cat(
        {vec16(cat({vec16(unhex("01020304")), unhex("00000000")})), vec16(vec8(bytes(32, 0xbb)))});
    ch_builder last;
    last.exts.push_back({ext::psk_key_exchange_modes, vec8({1})});
    last.exts.push_back({ext::pre_shared_key, offered});
    {
        bytes body = last.encode();
        wire::client_hello ch;
        BOOST_TEST(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
        BOOST_TEST(ch.has_pre_shared_key);
    }

    ch_builder first = last;
    std::rotate(first.exts.rbegin(), first.exts.rbegin() + 1, first.exts.rend());
    BOOST_TEST(first.exts.front().type == ext::pre_shared_key);
    BOOST_TEST(ch_error(first.encode()) == ec(error::illegal_parameter));

    ch_builder middle = last;
    std::swap(middle.exts[middle.exts.size() - 1], middle.exts[middle.exts.size() - 2]);
    BOOST_TEST(ch_error(middle.encode()) == ec(error::illegal_parameter));

    // Also when followed only by an extension tlsio does not know.
    ch_builder unknown_after = last;
    unknown_after.exts.push_back({0x7a7a, {}});
    BOOST_TEST(ch_error(unknown_after.encode()) == ec(error::illegal_parameter));

    // The real resumption hello with pre_shared_key moved to the front.
    bytes real = body_of(slice(trace("Resumed_0RTT_Handshake", "Record_ClientHello_1"), 5),
                         wire::handshake_type::client_hello);
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(real, ch)) == ec(wire::ok));
    std::vector<raw_ext> exts;
    for (const auto& e : ch.extensions) {
        exts.push_back({e.type, bytes(e.data.begin(), e.data.end())});
    }
    std::rotate(exts.rbegin(), exts.rbegin() + 1, exts.rend());
    bytes edited = cat({slice(real, 0, ch_legacy_end(real)), ext_block(exts)});
    BOOST_TEST(ch_error(edited) == ec(error::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(key_share) {
    auto share = [](std::uint16_t group, const bytes& key) {
        return cat({u16(group), vec16(key)});
    };
    auto with = [](const bytes& data) {
        return ch_error(ch_builder{}.set(ext::key_share, data).encode());
    };

    // Two shares of different groups, and an empty list (allowed: HRR follows).
    BOOST_TEST(!with(vec16(cat({share(0x001d, x25519_share()), share(0x0017, bytes(65, 4))}))));
    BOOST_TEST(!with(vec16({})));
    {
        ch_builder b;
        b.set(ext::key_share,
              vec16(cat({share(0x001d, x25519_share()), share(0x0017, bytes(65, 4))})));
        bytes body = b.encode();
        wire::client_hello ch;
        BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
        BOOST_TEST_REQUIRE(ch.key_shares.size() == 2u);
        BOOST_TEST(ch.key_shares[0].group == 0x001d);
        BOOST_TEST(bytes(ch.key_shares[0].key_exchange.begin(),
                         ch.key_shares[0].key_exchange.end()) == x25519_share());
        BOOST_TEST(ch.key_shares[1].group == 0x0017);
        BOOST_TEST(ch.key_shares[1].key_exchange.size() == 65u);
    }

    // Duplicate groups: illegal_parameter, adjacent or not.
    BOOST_TEST(with(vec16(cat({share(0x001d, x25519_share()), share(0x001d, x25519_share())}))) ==
               ec(error::illegal_parameter));
    BOOST_TEST(with(vec16(cat({share(0x001d, x25519_share()), share(0x0017, bytes(65, 4)),
                               share(0x001d, bytes(32, 9))}))) == ec(error::illegal_parameter));

    // Framing errors: decode_error.
    BOOST_TEST(with(vec16(share(0x001d, {}))) == ec(error::decode_error), "empty key_exchange");
    BOOST_TEST(with({}) == ec(error::decode_error), "no client_shares vector");
    BOOST_TEST(with(unhex("00")) == ec(error::decode_error));
    BOOST_TEST(with(cat({u16(40), share(0x001d, x25519_share())})) == ec(error::decode_error),
               "client_shares longer than the extension");
    BOOST_TEST(
        with(cat({vec16(share(0x001d, x25519_share())), bytes{0}})) == ec(error::decode_error),
        "bytes after client_shares");
    BOOST_TEST(with(vec16(cat({u16(0x001d), u16(33), x25519_share()}))) == ec(error::decode_error),
               "key_exchange longer than the list");
    BOOST_TEST(
        with(vec16(cat({share(0x001d, x25519_share()), bytes{0x00}}))) == ec(error::decode_error),
        "a partial entry");
}

BOOST_AUTO_TEST_CASE(u16_list_extensions) {
    for (std::uint16_t type :
         {ext::supported_groups, ext::signature_algorithms, ext::signature_algorithms_cert}) {
        auto with = [&](const bytes& data) {
            return ch_error(ch_builder{}.set(type, data).encode());
        };
        BOOST_TEST(!with(vec16(u16s({0x0001, 0x0002}))), type);
        BOOST_TEST(with(vec16({})) == ec(error::decode_error), type << " empty list");
        BOOST_TEST(with(vec16({0x00})) == ec(error::decode_error), type << " odd length");
        BOOST_TEST(with(vec16({0x00, 0x17, 0x00})) == ec(error::decode_error), type << " odd");
        BOOST_TEST(with(cat({u16(4), u16s({0x0017})})) == ec(error::decode_error),
                   type << " list longer than the extension");
        BOOST_TEST(with(cat({vec16(u16s({0x0017})), bytes{0}})) == ec(error::decode_error),
                   type << " bytes after the list");
        BOOST_TEST(with({}) == ec(error::decode_error), type << " empty extension");
        BOOST_TEST(with(vec8(u16s({0x0017}))) == ec(error::decode_error), type << " 1-byte prefix");
    }
    {
        bytes body =
            ch_builder{}.set(ext::signature_algorithms_cert, vec16(u16s({0x0401}))).encode();
        wire::client_hello ch;
        BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
        BOOST_TEST(ch.has_signature_algorithms_cert);
        BOOST_TEST((ch.signature_algorithms_cert == std::vector<std::uint16_t>{0x0401}));
    }
}

BOOST_AUTO_TEST_CASE(supported_versions) {
    auto with = [](const bytes& data) {
        return ch_error(ch_builder{}.set(ext::supported_versions, data).encode());
    };
    BOOST_TEST(!with(vec8(u16s({0x7a7a, 0x0304, 0x0303}))));
    BOOST_TEST(with(vec8({})) == ec(error::decode_error), "empty");
    BOOST_TEST(with(vec8({0x03})) == ec(error::decode_error), "odd");
    BOOST_TEST(with(vec8({0x03, 0x04, 0x03})) == ec(error::decode_error), "odd");
    BOOST_TEST(with(cat({bytes{4}, u16s({0x0304})})) == ec(error::decode_error), "longer");
    BOOST_TEST(with(cat({vec8(u16s({0x0304})), bytes{0}})) == ec(error::decode_error), "trailing");
    BOOST_TEST(with(u16(0x0304)) == ec(error::decode_error), "ServerHello form in a ClientHello");
    bytes body = ch_builder{}.set(ext::supported_versions, vec8(u16s({0x7a7a, 0x0304}))).encode();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST((ch.supported_versions == std::vector<std::uint16_t>{0x7a7a, 0x0304}));
}

BOOST_AUTO_TEST_CASE(server_name) {
    auto host_entry = [](const bytes& name) { return cat({bytes{0}, vec16(name)}); };
    auto with = [](const bytes& data) {
        return ch_error(ch_builder{}.set(ext::server_name, data).encode());
    };
    {
        bytes body =
            ch_builder{}.set(ext::server_name, vec16(host_entry(str("a.example")))).encode();
        wire::client_hello ch;
        BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
        BOOST_TEST(ch.has_server_name);
        BOOST_TEST(ch.server_name == "a.example");
    }
    bytes nul_inside = str("a.example");
    nul_inside[1] = 0;
    BOOST_TEST(with(vec16(host_entry(nul_inside))) == ec(error::decode_error), "embedded NUL");
    BOOST_TEST(with(vec16(host_entry(cat({str("example"), bytes{0}})))) == ec(error::decode_error),
               "trailing NUL");
    BOOST_TEST(with(vec16(host_entry(cat({bytes{0}, str("example")})))) == ec(error::decode_error),
               "leading NUL");
    BOOST_TEST(with(vec16(host_entry({}))) == ec(error::decode_error), "empty host name");
    BOOST_TEST(
        with(vec16(cat({host_entry(str("a")), host_entry(str("b"))}))) == ec(error::decode_error),
        "two host names");
    BOOST_TEST(with(vec16({})) == ec(error::decode_error), "empty server_name_list");
    BOOST_TEST(with(cat({u16(20), host_entry(str("a"))})) == ec(error::decode_error), "longer");
    BOOST_TEST(with(cat({vec16(host_entry(str("a"))), bytes{0}})) == ec(error::decode_error),
               "bytes after the list");
    BOOST_TEST(with(vec16(cat({bytes{0}, u16(5), str("a")}))) == ec(error::decode_error),
               "name longer than the list");
    BOOST_TEST(with(vec16({0x00, 0x00})) == ec(error::decode_error), "partial entry");
    // An empty extension is what a *server* sends; in a ClientHello it is malformed.
    BOOST_TEST(with({}) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(alpn) {
    auto with = [](const bytes& data) {
        return ch_error(ch_builder{}.set(ext::alpn, data).encode());
    };
    {
        bytes body = ch_builder{}
                         .set(ext::alpn, vec16(cat({vec8(str("h2")), vec8(str("http/1.1"))})))
                         .encode();
        wire::client_hello ch;
        BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
        BOOST_TEST(ch.has_alpn);
        BOOST_TEST((ch.alpn == std::vector<std::string>{"h2", "http/1.1"}));
    }
    BOOST_TEST(with(vec16({})) == ec(error::decode_error), "empty list");
    BOOST_TEST(with(vec16(cat({vec8(str("h2")), vec8({})}))) == ec(error::decode_error),
               "empty name");
    BOOST_TEST(with(vec16({0x05, 'h', '2'})) == ec(error::decode_error), "name past the list");
    BOOST_TEST(with(cat({u16(9), vec8(str("h2"))})) == ec(error::decode_error), "list too long");
    BOOST_TEST(with(cat({vec16(vec8(str("h2"))), bytes{0}})) == ec(error::decode_error),
               "trailing");
    BOOST_TEST(with({}) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(cookie_early_data_and_psk_modes) {
    {
        bytes body = ch_builder{}
                         .set(ext::cookie, vec16(bytes(40, 0xc0)))
                         .set(ext::early_data, {})
                         .set(ext::psk_key_exchange_modes, vec8({0, 1}))
                         .encode();
        wire::client_hello ch;
        BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
        BOOST_TEST(ch.has_cookie);
        BOOST_TEST(bytes(ch.cookie.begin(), ch.cookie.end()) == bytes(40, 0xc0));
        BOOST_TEST(ch.has_early_data);
        BOOST_TEST((ch.psk_modes == std::vector<std::uint8_t>{0, 1}));
    }
    auto with = [](std::uint16_t type, const bytes& data) {
        return ch_error(ch_builder{}.set(type, data).encode());
    };
    BOOST_TEST(with(ext::cookie, vec16({})) == ec(error::decode_error), "empty cookie");
    BOOST_TEST(with(ext::cookie, {}) == ec(error::decode_error));
    BOOST_TEST(with(ext::cookie, cat({u16(3), bytes{1, 2}})) == ec(error::decode_error));
    BOOST_TEST(with(ext::cookie, cat({vec16({1}), bytes{0}})) == ec(error::decode_error));
    BOOST_TEST(with(ext::early_data, {0}) == ec(error::decode_error), "early_data with a body");
    BOOST_TEST(with(ext::psk_key_exchange_modes, vec8({})) == ec(error::decode_error));
    BOOST_TEST(with(ext::psk_key_exchange_modes, {}) == ec(error::decode_error));
    BOOST_TEST(with(ext::psk_key_exchange_modes, {2, 1}) == ec(error::decode_error));
    BOOST_TEST(with(ext::psk_key_exchange_modes, {1, 1, 0}) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(extension_framing) {
    ch_builder b;
    bytes good = b.encode();
    std::size_t legacy = ch_legacy_end(good);
    bytes block = slice(good, legacy + 2);
    // Extensions block length one more / one less than what follows.
    auto with_block_len = [&](std::size_t len) {
        return ch_error(cat({slice(good, 0, legacy), u16(static_cast<std::uint16_t>(len)), block}));
    };
    BOOST_TEST(!with_block_len(block.size()));
    BOOST_TEST(with_block_len(block.size() + 1) == ec(error::decode_error));
    BOOST_TEST(with_block_len(block.size() - 1) == ec(error::decode_error));
    BOOST_TEST(with_block_len(0xffff) == ec(error::decode_error));
    // An extension whose length runs past the block.
    bytes overrun = cat({slice(good, 0, legacy), vec16(cat({block, u16(0x7777), u16(1)}))});
    BOOST_TEST(ch_error(overrun) == ec(error::decode_error));
    // An empty block is well-formed (the handshake layer finds what is missing).
    BOOST_TEST(!ch_error(cat({slice(good, 0, legacy), u16(0)})));
}

BOOST_AUTO_TEST_CASE(unknown_extensions_are_kept_and_ignored) {
    bytes body = ch_builder{}.set(0xfe0d, unhex("deadbeef")).set(0x7a7a, {}).encode();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    auto* e = find_ext(ch.extensions, 0xfe0d);
    BOOST_TEST_REQUIRE(e != nullptr);
    BOOST_TEST(to_hex(e->data) == "deadbeef");
    BOOST_TEST(find_ext(ch.extensions, 0x7a7a) != nullptr);
}

BOOST_AUTO_TEST_CASE(re_encoding_round_trips) {
    for (const bytes& body : {rfc_client_hello(), tlsio_client_hello()}) {
        wire::client_hello ch;
        BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
        bytes out;
        wire::writer w(out);
        w.u16(ch.legacy_version);
        w.raw(ch.random);
        w.vec8(ch.legacy_session_id);
        w.raw(wire::encode_u16_list(2, ch.cipher_suites));
        w.vec8(ch.legacy_compression_methods);
        wire::append_extensions(w, to_raw(ch.extensions));
        BOOST_TEST(to_hex(out) == to_hex(body));

        bytes message;
        wire::append_handshake(message, wire::handshake_type::client_hello, out);
        BOOST_TEST(body_of(message, wire::handshake_type::client_hello) == body);
    }
}

BOOST_AUTO_TEST_CASE(encoders_round_trip_through_the_parser) {
    ch_builder b;
    b.set(ext::supported_versions, wire::encode_u16_list(1, {0x0304, 0x0303}));
    b.set(ext::supported_groups, wire::encode_u16_list(2, {0x001d, 0x0017, 0x0018}));
    b.set(ext::signature_algorithms, wire::encode_u16_list(2, {0x0403, 0x0804, 0x0807}));
    b.set(ext::server_name, wire::encode_server_name("www.example.org"));
    b.set(ext::alpn, wire::encode_alpn({"h2", "http/1.1", std::string(255, 'p')}));
    bytes body = b.encode();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST((ch.supported_versions == std::vector<std::uint16_t>{0x0304, 0x0303}));
    BOOST_TEST((ch.supported_groups == std::vector<std::uint16_t>{0x001d, 0x0017, 0x0018}));
    BOOST_TEST((ch.signature_algorithms == std::vector<std::uint16_t>{0x0403, 0x0804, 0x0807}));
    BOOST_TEST(ch.server_name == "www.example.org");
    BOOST_TEST((ch.alpn == std::vector<std::string>{"h2", "http/1.1", std::string(255, 'p')}));

    BOOST_TEST(to_hex(wire::encode_u16_list(1, {0x0304})) == "020304");
    BOOST_TEST(to_hex(wire::encode_u16_list(2, {0x0017, 0x001d})) == "00040017001d");
    BOOST_TEST(to_hex(wire::encode_u16_list(2, {})) == "0000");
    BOOST_TEST(to_hex(wire::encode_server_name("ab")) ==
               "0005"
               "00"
               "0002"
               "6162");
    BOOST_TEST(to_hex(wire::encode_alpn({"h2"})) ==
               "0003"
               "02"
               "6832");

    // What the encoders make of values the parser must refuse.
    BOOST_TEST(ch_error(ch_builder{}
                            .set(ext::server_name, wire::encode_server_name(std::string("a\0b", 3)))
                            .encode()) == ec(error::decode_error));
    BOOST_TEST(
        ch_error(ch_builder{}.set(ext::server_name, wire::encode_server_name("")).encode()) ==
        ec(error::decode_error));
    BOOST_TEST(ch_error(ch_builder{}.set(ext::alpn, wire::encode_alpn({})).encode()) ==
               ec(error::decode_error));
    BOOST_TEST(ch_error(ch_builder{}.set(ext::alpn, wire::encode_alpn({"h2", ""})).encode()) ==
               ec(error::decode_error));
    BOOST_TEST(
        ch_error(ch_builder{}.set(ext::supported_groups, wire::encode_u16_list(2, {})).encode()) ==
        ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(append_handshake_header) {
    bytes out{0xaa};
    wire::append_handshake(out, wire::handshake_type::finished, bytes(0x0102, 7));
    BOOST_TEST(out.size() == 1u + 4u + 0x0102u);
    BOOST_TEST(to_hex(slice(out, 0, 5)) == "aa14000102");
    bytes empty;
    wire::append_handshake(empty, wire::handshake_type::end_of_early_data, {});
    BOOST_TEST(to_hex(empty) == "05000000");
}

// Parsing into a struct that already holds an earlier message must leave
// only the new message's values.
BOOST_AUTO_TEST_CASE(parsing_into_a_used_struct_starts_afresh) {
    bytes first = ch_builder{}.set(ext::alpn, wire::encode_alpn({"h2"})).encode();
    bytes second = ch_builder{}.encode();
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(ec(wire::parse_client_hello(first, ch)) == ec(wire::ok));
    // The stale key share even makes the second hello look like it repeats a group.
    BOOST_TEST(ec(wire::parse_client_hello(second, ch)) == ec(wire::ok));
    BOOST_TEST(!ch.has_alpn);
    BOOST_TEST(ch.key_shares.size() == 1u);

    sh_builder with_share;
    sh_builder without_share;
    without_share.exts.pop_back();
    bytes sh1 = with_share.encode();
    bytes sh2 = without_share.encode();
    wire::server_hello sh;
    BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(sh1, sh)) == ec(wire::ok));
    BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(sh2, sh)) == ec(wire::ok));
    BOOST_TEST(!sh.key_share.has_value());

    bytes cert = cat({vec8({}), vec24(cat({vec24({1}), vec16({})}))});
    wire::certificate_msg c;
    BOOST_TEST_REQUIRE(ec(wire::parse_certificate(cert, c)) == ec(wire::ok));
    BOOST_TEST_REQUIRE(ec(wire::parse_certificate(cert, c)) == ec(wire::ok));
    BOOST_TEST(c.entries.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ==== ServerHello / HelloRetryRequest ==========================================

BOOST_AUTO_TEST_SUITE(server_hello)

BOOST_AUTO_TEST_CASE(rfc8448_server_hello_fields) {
    const bytes message = trace("Simple_1RTT_Handshake", "Message_ServerHello");
    BOOST_TEST(slice(trace("Simple_1RTT_Handshake", "Record_ServerHello"), 5) == message);
    const bytes body = body_of(message, wire::handshake_type::server_hello);
    wire::server_hello sh;
    BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(body, sh)) == ec(wire::ok));
    BOOST_TEST(sh.legacy_version == 0x0303);
    BOOST_TEST(bytes(sh.random.begin(), sh.random.end()) ==
               slice(trace("Simple_1RTT_Handshake", "Server_RNG_Pool"), 0, 32));
    BOOST_TEST(sh.legacy_session_id_echo.empty());
    BOOST_TEST(sh.cipher_suite == 0x1301);
    BOOST_TEST(sh.legacy_compression_method == 0);
    BOOST_TEST(!sh.is_hello_retry_request);
    BOOST_TEST(sh.selected_version == 0x0304);
    BOOST_TEST_REQUIRE(sh.key_share.has_value());
    BOOST_TEST(sh.key_share->group == 0x001d);
    BOOST_TEST(to_hex(sh.key_share->key_exchange) ==
               "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
    BOOST_TEST(!sh.selected_group.has_value());
    BOOST_TEST(!sh.has_cookie);
    BOOST_TEST(sh.extensions.size() == 2u);
}

BOOST_AUTO_TEST_CASE(rfc8448_hello_retry_request) {
    const bytes body =
        body_of(slice(trace("HelloRetryRequest_Handshake", "Record_HelloRetryRequest"), 5),
                wire::handshake_type::server_hello);
    wire::server_hello hrr;
    BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(body, hrr)) == ec(wire::ok));
    BOOST_TEST(hrr.is_hello_retry_request);
    BOOST_TEST(std::equal(hrr.random.begin(), hrr.random.end(),
                          wire::hello_retry_request_random.begin(),
                          wire::hello_retry_request_random.end()));
    BOOST_TEST(hrr.cipher_suite == 0x1301);
    BOOST_TEST(hrr.selected_version == 0x0304);
    BOOST_TEST(!hrr.key_share.has_value());
    BOOST_TEST_REQUIRE(hrr.selected_group.has_value());
    BOOST_TEST(*hrr.selected_group == 0x0017);
    BOOST_TEST(hrr.has_cookie);
    BOOST_TEST(bytes(hrr.cookie.begin(), hrr.cookie.end()) ==
               trace("HelloRetryRequest_Handshake", "HelloRetryRequest_Cookie"));
    expect_truncations_refused(body, sh_error, sh_legacy_end(body));
    expect_trailing_refused(body, sh_error);

    // And that trace's real ServerHello is not a retry.
    const bytes sh_body = body_of(trace("HelloRetryRequest_Handshake", "Message_ServerHello"),
                                  wire::handshake_type::server_hello);
    wire::server_hello sh;
    BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(sh_body, sh)) == ec(wire::ok));
    BOOST_TEST(!sh.is_hello_retry_request);
    BOOST_TEST_REQUIRE(sh.key_share.has_value());
    BOOST_TEST(sh.key_share->group == 0x0017);
    BOOST_TEST(sh.key_share->key_exchange.size() == 65u);
}

BOOST_AUTO_TEST_CASE(hrr_random_is_sha256_of_hello_retry_request) {
    // RFC 8446 section 4.1.3.
    BOOST_TEST(to_hex(wire::hello_retry_request_random) ==
               "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");
    BOOST_TEST(to_hex(wire::downgrade_tls12_sentinel) == "444f574e47524401");
    BOOST_TEST(to_hex(wire::downgrade_tls11_sentinel) == "444f574e47524400");
}

BOOST_AUTO_TEST_CASE(hrr_detection_needs_the_whole_random) {
    sh_builder b;
    b.exts = {{ext::supported_versions, u16(0x0304)}, {ext::key_share, u16(0x0017)}};
    b.random.assign(wire::hello_retry_request_random.begin(),
                    wire::hello_retry_request_random.end());
    {
        bytes body = b.encode();
        wire::server_hello sh;
        BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(body, sh)) == ec(wire::ok));
        BOOST_TEST(sh.is_hello_retry_request);
        BOOST_TEST((sh.selected_group == std::optional<std::uint16_t>(0x0017)));
    }
    for (std::size_t i : {0u, 17u, 31u}) {
        sh_builder nb = b;
        nb.random[i] ^= 1;
        // Not a retry, so key_share must be a KeyShareEntry: 2 bytes is malformed.
        BOOST_TEST(sh_error(nb.encode()) == ec(error::decode_error), "flipped byte " << i);
        nb.exts[1].data = cat({u16(0x0017), vec16(bytes(65, 4))});
        bytes body = nb.encode();
        wire::server_hello sh;
        BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(body, sh)) == ec(wire::ok));
        BOOST_TEST(!sh.is_hello_retry_request);
        BOOST_TEST(sh.key_share.has_value());
    }
    // A retry with a ServerHello-style key_share is malformed.
    sh_builder wrong = b;
    wrong.exts[1].data = cat({u16(0x0017), vec16(bytes(65, 4))});
    BOOST_TEST(sh_error(wrong.encode()) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(truncations_and_trailing_bytes) {
    const bytes rfc = body_of(trace("Simple_1RTT_Handshake", "Message_ServerHello"),
                              wire::handshake_type::server_hello);
    sh_builder with_sid;
    with_sid.session_id_echo = bytes(32, 0x33);
    for (const bytes& body : {rfc, sh_builder{}.encode(), with_sid.encode()}) {
        expect_truncations_refused(body, sh_error, sh_legacy_end(body));
        expect_trailing_refused(body, sh_error);
    }
}

BOOST_AUTO_TEST_CASE(bad_fields) {
    sh_builder b;
    b.session_id_echo = bytes(33, 1);
    BOOST_TEST(sh_error(b.encode()) == ec(error::decode_error), "33-byte session id");

    sh_builder dup;
    dup.exts.push_back({ext::supported_versions, u16(0x0304)});
    BOOST_TEST(sh_error(dup.encode()) == ec(error::illegal_parameter));

    auto with = [](std::uint16_t type, const bytes& data) {
        sh_builder s;
        bool replaced = false;
        for (auto& e : s.exts) {
            if (e.type == type) {
                e.data = data;
                replaced = true;
            }
        }
        if (!replaced) {
            s.exts.push_back({type, data});
        }
        return sh_error(s.encode());
    };
    BOOST_TEST(with(ext::supported_versions, {}) == ec(error::decode_error));
    BOOST_TEST(with(ext::supported_versions, {0x03}) == ec(error::decode_error));
    BOOST_TEST(with(ext::supported_versions, {0x03, 0x04, 0x00}) == ec(error::decode_error));
    BOOST_TEST(with(ext::supported_versions, vec8(u16s({0x0304}))) == ec(error::decode_error),
               "ClientHello form in a ServerHello");
    BOOST_TEST(with(ext::key_share, {}) == ec(error::decode_error));
    BOOST_TEST(with(ext::key_share, u16(0x001d)) == ec(error::decode_error));
    BOOST_TEST(with(ext::key_share, cat({u16(0x001d), vec16({})})) == ec(error::decode_error),
               "empty key_exchange");
    BOOST_TEST(with(ext::key_share, cat({u16(0x001d), u16(33), x25519_share()})) ==
               ec(error::decode_error));
    BOOST_TEST(with(ext::key_share, cat({u16(0x001d), vec16(x25519_share()), bytes{0}})) ==
               ec(error::decode_error));
    BOOST_TEST(with(ext::cookie, vec16({})) == ec(error::decode_error), "empty cookie");
    BOOST_TEST(with(ext::cookie, cat({vec16({1}), bytes{1}})) == ec(error::decode_error));
    BOOST_TEST(!with(ext::cookie, vec16({1, 2})));
    // Extensions the parser does not decode are left for the handshake layer.
    BOOST_TEST(!with(ext::alpn, {0xff}));
    BOOST_TEST(!with(0x7a7a, {}));

    sh_builder no_ext;
    no_ext.with_extensions = false;
    bytes body = no_ext.encode();
    wire::server_hello sh;
    BOOST_TEST_REQUIRE(ec(wire::parse_server_hello(body, sh)) == ec(wire::ok));
    BOOST_TEST(sh.selected_version == 0);
    BOOST_TEST(!sh.key_share.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ==== EncryptedExtensions ======================================================

BOOST_AUTO_TEST_SUITE(encrypted_extensions)

BOOST_AUTO_TEST_CASE(rfc8448_encrypted_extensions) {
    const bytes body = body_of(trace("Simple_1RTT_Handshake", "Message_EncryptedExtensions"),
                               wire::handshake_type::encrypted_extensions);
    wire::encrypted_extensions ee;
    BOOST_TEST_REQUIRE(ec(wire::parse_encrypted_extensions(body, ee)) == ec(wire::ok));
    std::vector<std::uint16_t> types;
    for (const auto& e : ee.extensions) {
        types.push_back(e.type);
    }
    BOOST_TEST((types == std::vector<std::uint16_t>{ext::supported_groups, ext::record_size_limit,
                                                    ext::server_name}));
    BOOST_TEST(!ee.has_alpn);
    BOOST_TEST(ee.alpn.empty());
    expect_truncations_refused(body, ee_error);
    expect_trailing_refused(body, ee_error);
}

BOOST_AUTO_TEST_CASE(every_trace) {
    for (const auto& [name, fields] : traces()) {
        auto it = fields.find("Message_EncryptedExtensions");
        if (it == fields.end()) {
            continue;
        }
        bytes body = body_of(it->second, wire::handshake_type::encrypted_extensions);
        BOOST_TEST(!ee_error(body), name);
        expect_truncations_refused(body, ee_error);
    }
}

BOOST_AUTO_TEST_CASE(alpn) {
    auto ee_with = [](const bytes& alpn_data) {
        return vec16(cat({u16(ext::alpn), vec16(alpn_data)}));
    };
    {
        bytes body = ee_with(vec16(vec8(str("http/1.1"))));
        wire::encrypted_extensions ee;
        BOOST_TEST_REQUIRE(ec(wire::parse_encrypted_extensions(body, ee)) == ec(wire::ok));
        BOOST_TEST(ee.has_alpn);
        BOOST_TEST(ee.alpn == "http/1.1");
        expect_truncations_refused(body, ee_error);
        expect_trailing_refused(body, ee_error);
    }
    BOOST_TEST(ee_error(ee_with(vec16(cat({vec8(str("h2")), vec8(str("http/1.1"))})))) ==
                   ec(error::decode_error),
               "two protocol names");
    BOOST_TEST(ee_error(ee_with(vec16({}))) == ec(error::decode_error), "no names");
    BOOST_TEST(ee_error(ee_with(vec16(vec8({})))) == ec(error::decode_error), "empty name");
    BOOST_TEST(ee_error(ee_with({})) == ec(error::decode_error), "empty extension");
    BOOST_TEST(ee_error(ee_with(cat({vec16(vec8(str("h2"))), bytes{0}}))) ==
               ec(error::decode_error));
    BOOST_TEST(ee_error(ee_with(wire::encode_alpn({"h2"}))) == ec(wire::ok));
}

BOOST_AUTO_TEST_CASE(framing_and_duplicates) {
    BOOST_TEST(!ee_error(unhex("0000")));
    BOOST_TEST(ee_error({}) == ec(error::decode_error));
    BOOST_TEST(ee_error(unhex("0004 0000 00")) == ec(error::decode_error));
    BOOST_TEST(ee_error(unhex("0004 0000 0001")) == ec(error::decode_error));
    BOOST_TEST(ee_error(unhex("0008 0000 0000 0000 0000")) == ec(error::illegal_parameter));
    BOOST_TEST(ee_error(unhex("0008 0000 0000 0001 0000")) == ec(wire::ok));
}

BOOST_AUTO_TEST_SUITE_END()

// ==== Certificate ==============================================================

BOOST_AUTO_TEST_SUITE(certificate)

BOOST_AUTO_TEST_CASE(rfc8448_certificate) {
    const bytes body = body_of(trace("Simple_1RTT_Handshake", "Message_Server_Certificate"),
                               wire::handshake_type::certificate);
    wire::certificate_msg c;
    BOOST_TEST_REQUIRE(ec(wire::parse_certificate(body, c)) == ec(wire::ok));
    BOOST_TEST(c.request_context.empty());
    BOOST_TEST_REQUIRE(c.entries.size() == 1u);
    BOOST_TEST(c.entries[0].cert_data.size() == 0x1b0u);
    BOOST_TEST(c.entries[0].cert_data[0] == 0x30);  // a DER SEQUENCE
    BOOST_TEST(c.entries[0].extensions.empty());
    expect_truncations_refused(body, cert_error);
    expect_trailing_refused(body, cert_error);
}

BOOST_AUTO_TEST_CASE(every_trace) {
    for (const auto& [name, fields] : traces()) {
        auto it = fields.find("Message_Server_Certificate");
        if (it == fields.end()) {
            continue;
        }
        bytes body = body_of(it->second, wire::handshake_type::certificate);
        BOOST_TEST(!cert_error(body), name);
    }
}

BOOST_AUTO_TEST_CASE(chains_contexts_and_entry_extensions) {
    bytes entry1 = cat({vec24(bytes(10, 0x30)), vec16({})});
    bytes entry2 = cat({vec24(bytes(20, 0x31)), vec16(unhex("0005 0003 010000"))});
    bytes body = cat({vec8({7, 8}), vec24(cat({entry1, entry2}))});
    wire::certificate_msg c;
    BOOST_TEST_REQUIRE(ec(wire::parse_certificate(body, c)) == ec(wire::ok));
    BOOST_TEST(to_hex(c.request_context) == "0708");
    BOOST_TEST_REQUIRE(c.entries.size() == 2u);
    BOOST_TEST(c.entries[0].cert_data.size() == 10u);
    BOOST_TEST(c.entries[1].cert_data.size() == 20u);
    BOOST_TEST(to_hex(c.entries[1].extensions) ==
               "0005000301"
               "0000");
    expect_truncations_refused(body, cert_error);
    expect_trailing_refused(body, cert_error);

    // An empty certificate_list (a client without a certificate) is well-formed.
    bytes empty = cat({vec8({}), vec24({})});
    wire::certificate_msg e;
    BOOST_TEST_REQUIRE(ec(wire::parse_certificate(empty, e)) == ec(wire::ok));
    BOOST_TEST(e.entries.empty());
}

BOOST_AUTO_TEST_CASE(bad_entries) {
    auto msg = [](const bytes& list) { return cat({vec8({}), vec24(list)}); };
    BOOST_TEST(cert_error(msg(cat({vec24({}), vec16({})}))) == ec(error::decode_error),
               "empty cert_data");
    BOOST_TEST(cert_error(msg(cat({vec24({1}), vec16({})}))) == ec(wire::ok));
    BOOST_TEST(cert_error(msg(cat({vec24({1}), vec16(unhex("0005 0000 0005 0000"))}))) ==
                   ec(error::illegal_parameter),
               "duplicate entry extensions");
    BOOST_TEST(
        cert_error(msg(cat({vec24({1}), vec16(unhex("0005 0003 00"))}))) == ec(error::decode_error),
        "entry extension past its block");
    BOOST_TEST(cert_error(msg(cat({vec24({1}), vec16({}), bytes{0}}))) == ec(error::decode_error),
               "partial second entry");
    BOOST_TEST(cert_error(msg(cat({vec24({1})}))) == ec(error::decode_error),
               "entry without extensions");
    BOOST_TEST(cert_error(msg(cat({unhex("000005"), bytes{1}}))) == ec(error::decode_error),
               "cert_data longer than the list");
    BOOST_TEST(cert_error(cat({vec8({}), unhex("000010"), vec24({1}), vec16({})})) ==
                   ec(error::decode_error),
               "list longer than the message");
    BOOST_TEST(cert_error(cat({unhex("05 00"), vec24({})})) == ec(error::decode_error),
               "context longer than the message");
}

BOOST_AUTO_TEST_SUITE_END()

// ==== CertificateRequest =======================================================

BOOST_AUTO_TEST_SUITE(certificate_request)

BOOST_AUTO_TEST_CASE(rfc8448_certificate_request) {
    const bytes body =
        body_of(trace("Client_Authentication_Handshake", "Message_CertificateRequest"),
                wire::handshake_type::certificate_request);
    wire::certificate_request cr;
    BOOST_TEST_REQUIRE(ec(wire::parse_certificate_request(body, cr)) == ec(wire::ok));
    BOOST_TEST(cr.request_context.empty());
    BOOST_TEST(!cr.signature_algorithms.empty());
    BOOST_TEST((std::find(cr.signature_algorithms.begin(), cr.signature_algorithms.end(), 0x0804) !=
                cr.signature_algorithms.end()));
    BOOST_TEST(find_ext(cr.extensions, ext::signature_algorithms) != nullptr);
    expect_truncations_refused(body, cr_error);
    expect_trailing_refused(body, cr_error);
}

BOOST_AUTO_TEST_CASE(fields_and_errors) {
    auto msg = [](const bytes& context, const std::vector<raw_ext>& exts) {
        return cat({vec8(context), ext_block(exts)});
    };
    bytes sig = vec16(u16s({0x0403, 0x0804}));
    {
        bytes body = msg({1, 2, 3}, {{ext::signature_algorithms, sig},
                                     {ext::signature_algorithms_cert, vec16(u16s({0x0401}))},
                                     {ext::certificate_authorities, vec16(vec16({0x30}))}});
        wire::certificate_request cr;
        BOOST_TEST_REQUIRE(ec(wire::parse_certificate_request(body, cr)) == ec(wire::ok));
        BOOST_TEST(to_hex(cr.request_context) == "010203");
        BOOST_TEST((cr.signature_algorithms == std::vector<std::uint16_t>{0x0403, 0x0804}));
        BOOST_TEST(cr.has_signature_algorithms_cert);
        BOOST_TEST((cr.signature_algorithms_cert == std::vector<std::uint16_t>{0x0401}));
        BOOST_TEST(cr.extensions.size() == 3u);
        expect_truncations_refused(body, cr_error);
        expect_trailing_refused(body, cr_error);
    }
    BOOST_TEST(cr_error(msg({}, {})) == ec(error::missing_extension));
    BOOST_TEST(cr_error(msg({}, {{ext::signature_algorithms_cert, sig}})) ==
               ec(error::missing_extension));
    BOOST_TEST(cr_error(msg({}, {{ext::signature_algorithms, vec16({})}})) ==
               ec(error::decode_error));
    BOOST_TEST(cr_error(msg({}, {{ext::signature_algorithms, vec16({0x04})}})) ==
               ec(error::decode_error));
    BOOST_TEST(cr_error(msg({}, {{ext::signature_algorithms, cat({sig, bytes{0}})}})) ==
               ec(error::decode_error));
    BOOST_TEST(cr_error(msg({}, {{ext::signature_algorithms, sig},
                                 {ext::signature_algorithms_cert, vec16({})}})) ==
               ec(error::decode_error));
    BOOST_TEST(
        cr_error(msg({}, {{ext::signature_algorithms, sig}, {ext::signature_algorithms, sig}})) ==
        ec(error::illegal_parameter));
    BOOST_TEST(cr_error(cat({vec8({}), u16(10), sig})) == ec(error::decode_error));
}

BOOST_AUTO_TEST_SUITE_END()

// ==== CertificateVerify ========================================================

BOOST_AUTO_TEST_SUITE(certificate_verify)

BOOST_AUTO_TEST_CASE(rfc8448_certificate_verify) {
    const bytes body = body_of(trace("Simple_1RTT_Handshake", "Message_Server_CertificateVerify"),
                               wire::handshake_type::certificate_verify);
    wire::certificate_verify cv;
    BOOST_TEST_REQUIRE(ec(wire::parse_certificate_verify(body, cv)) == ec(wire::ok));
    BOOST_TEST(cv.scheme == 0x0804);  // rsa_pss_rsae_sha256
    BOOST_TEST(bytes(cv.signature.begin(), cv.signature.end()) ==
               trace("Simple_1RTT_Handshake", "Server_MessageSignature"));
    expect_truncations_refused(body, cv_error);
    expect_trailing_refused(body, cv_error);
}

BOOST_AUTO_TEST_CASE(errors) {
    BOOST_TEST(cv_error(cat({u16(0x0403), vec16({})})) == ec(error::decode_error),
               "empty signature");
    BOOST_TEST(!cv_error(cat({u16(0x0403), vec16({1})})));
    BOOST_TEST(cv_error(cat({u16(0x0403), u16(2), bytes{1}})) == ec(error::decode_error));
    BOOST_TEST(cv_error({}) == ec(error::decode_error));
}

BOOST_AUTO_TEST_SUITE_END()

// ==== NewSessionTicket =========================================================

BOOST_AUTO_TEST_SUITE(new_session_ticket)

// The Simple 1-RTT trace's NewSessionTicket (RFC 8448 section 3): lifetime 30 s,
// age_add from the server's random pool, a 2-byte nonce, the trace's ticket
// and early_data with max_early_data_size 1024.
bytes rfc_ticket_body() {
    const bytes& pool = trace("Simple_1RTT_Handshake", "Server_RNG_Pool");
    return cat({unhex("0000001e"), slice(pool, 64, 4), vec8({0, 0}),
                vec16(trace("Simple_1RTT_Handshake", "SessionTicket")),
                vec16(unhex("002a 0004 00000400"))});
}

BOOST_AUTO_TEST_CASE(rfc8448_ticket) {
    const bytes body = rfc_ticket_body();
    wire::new_session_ticket t;
    BOOST_TEST_REQUIRE(ec(wire::parse_new_session_ticket(body, t)) == ec(wire::ok));
    BOOST_TEST(t.lifetime == 30u);
    BOOST_TEST(t.age_add == 0xfad6aac5u);
    BOOST_TEST(to_hex(t.nonce) == "0000");
    BOOST_TEST(bytes(t.ticket.begin(), t.ticket.end()) ==
               trace("Simple_1RTT_Handshake", "SessionTicket"));
    BOOST_TEST_REQUIRE(t.extensions.size() == 1u);
    BOOST_TEST(t.extensions[0].type == ext::early_data);
    BOOST_TEST(to_hex(t.extensions[0].data) == "00000400");
    expect_truncations_refused(body, nst_error);
    expect_trailing_refused(body, nst_error);
}

BOOST_AUTO_TEST_CASE(errors) {
    auto msg = [](const bytes& nonce, const bytes& ticket, const bytes& exts) {
        return cat({unhex("00001c20 01020304"), vec8(nonce), vec16(ticket), exts});
    };
    BOOST_TEST(!nst_error(msg({}, {1}, vec16({}))), "empty nonce is allowed");
    BOOST_TEST(nst_error(msg({1}, {}, vec16({}))) == ec(error::decode_error), "empty ticket");
    BOOST_TEST(nst_error(msg({1}, {1}, unhex("0008 002a 0004 00000400 00"))) ==
               ec(error::decode_error));
    BOOST_TEST(nst_error(msg({1}, {1}, vec16(unhex("002a 0000 002a 0000")))) ==
               ec(error::illegal_parameter));
    BOOST_TEST(nst_error(msg({1}, {1}, vec16(unhex("002a 0005 0000")))) == ec(error::decode_error));
    BOOST_TEST(nst_error(msg({1}, {1}, {})) == ec(error::decode_error), "no extensions field");
    {
        bytes body = msg(bytes(255, 9), bytes(1000, 8), vec16({}));
        wire::new_session_ticket t;
        BOOST_TEST_REQUIRE(ec(wire::parse_new_session_ticket(body, t)) == ec(wire::ok));
        BOOST_TEST(t.lifetime == 7200u);
        BOOST_TEST(t.age_add == 0x01020304u);
        BOOST_TEST(t.nonce.size() == 255u);
        BOOST_TEST(t.ticket.size() == 1000u);
        BOOST_TEST(t.extensions.empty());
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ==== KeyUpdate ================================================================

BOOST_AUTO_TEST_SUITE(key_update)

BOOST_AUTO_TEST_CASE(values) {
    bool requested = true;
    bytes zero{0};
    BOOST_TEST(ec(wire::parse_key_update(zero, requested)) == ec(wire::ok));
    BOOST_TEST(!requested);
    bytes one{1};
    BOOST_TEST(ec(wire::parse_key_update(one, requested)) == ec(wire::ok));
    BOOST_TEST(requested);
    for (int v : {2, 3, 0x7f, 0xff}) {
        BOOST_TEST(ku_error({static_cast<std::uint8_t>(v)}) == ec(error::illegal_parameter), v);
    }
}

BOOST_AUTO_TEST_CASE(framing) {
    BOOST_TEST(ku_error({}) == ec(error::decode_error));
    BOOST_TEST(ku_error({0, 0}) == ec(error::decode_error));
    BOOST_TEST(ku_error({1, 0}) == ec(error::decode_error));
    BOOST_TEST(ku_error({2, 0}) == ec(error::decode_error));  // framing is judged first
}

BOOST_AUTO_TEST_SUITE_END()

// ==== TLS 1.2 messages and extensions ==========================================

BOOST_AUTO_TEST_SUITE(tls12)

namespace {

bytes p256_point() {
    bytes p(65, 0x11);
    p[0] = 4;
    return p;
}

bytes ske_body() {
    return cat({bytes{3}, u16(0x0017), vec8(p256_point()), u16(0x0403), vec16(bytes(70, 0x30))});
}

error_code ske_error(const bytes& b) {
    bytes copy(b);
    wire::server_key_exchange m;
    return ec(wire::parse_server_key_exchange(copy, m));
}

error_code cke_error(const bytes& b) {
    bytes copy(b);
    byte_view point;
    return ec(wire::parse_client_key_exchange(copy, point));
}

error_code cr12_error(const bytes& b) {
    bytes copy(b);
    wire::certificate_request12 m;
    return ec(wire::parse_certificate_request12(copy, m));
}

error_code cert12_error(const bytes& b) {
    bytes copy(b);
    std::vector<byte_view> m;
    return ec(wire::parse_certificate12(copy, m));
}

bytes cr12_body() {
    return cat({vec8({64, 1}), vec16(u16s({0x0403, 0x0804, 0x0401})),
                vec16(cat({vec16(bytes(20, 0x31)), vec16(bytes(5, 0x32))}))});
}

}  // namespace

BOOST_AUTO_TEST_CASE(server_key_exchange_fields) {
    const bytes body = ske_body();
    wire::server_key_exchange m;
    BOOST_TEST(ec(wire::parse_server_key_exchange(body, m)) == ec(wire::ok));
    BOOST_TEST(m.group == 0x0017);
    BOOST_TEST(bytes(m.point.begin(), m.point.end()) == p256_point(),
               boost::test_tools::per_element());
    BOOST_TEST(
        bytes(m.params.begin(), m.params.end()) == wire::encode_ecdh_params(0x0017, p256_point()),
        boost::test_tools::per_element());
    BOOST_TEST(m.scheme == 0x0403);
    BOOST_TEST(m.signature.size() == 70u);
}

BOOST_AUTO_TEST_CASE(server_key_exchange_malformed) {
    expect_truncations_refused(ske_body(), ske_error);
    expect_trailing_refused(ske_body(), ske_error);
    // explicit_prime (1) and explicit_char2 (2) curves: illegal_parameter (RFC 8422 5.4).
    for (int type : {1, 2, 0, 0xff}) {
        bytes b = ske_body();
        b[0] = static_cast<std::uint8_t>(type);
        BOOST_TEST(ske_error(b) == ec(error::illegal_parameter), type);
    }
    BOOST_TEST(ske_error(cat({bytes{3}, u16(0x001d), vec8({}), u16(0x0403), vec16({1})})) ==
               ec(error::decode_error));  // empty point
    BOOST_TEST(ske_error(cat({bytes{3}, u16(0x001d), vec8({1}), u16(0x0403), vec16({})})) ==
               ec(error::decode_error));  // empty signature
}

BOOST_AUTO_TEST_CASE(client_key_exchange) {
    const bytes body = vec8(x25519_share());
    bytes copy(body);
    byte_view point;
    BOOST_TEST(ec(wire::parse_client_key_exchange(copy, point)) == ec(wire::ok));
    BOOST_TEST(bytes(point.begin(), point.end()) == x25519_share(),
               boost::test_tools::per_element());
    expect_truncations_refused(body, cke_error);
    expect_trailing_refused(body, cke_error);
    BOOST_TEST(cke_error({0}) == ec(error::decode_error));  // empty point
}

BOOST_AUTO_TEST_CASE(server_hello_done_and_hello_request) {
    BOOST_TEST(ec(wire::parse_empty_message({})) == ec(wire::ok));
    bytes one{0};
    BOOST_TEST(ec(wire::parse_empty_message(one)) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(certificate_request12_fields) {
    const bytes body = cr12_body();
    wire::certificate_request12 m;
    BOOST_TEST(ec(wire::parse_certificate_request12(body, m)) == ec(wire::ok));
    BOOST_TEST(m.certificate_types.size() == 2u);
    BOOST_TEST(m.signature_algorithms == (std::vector<std::uint16_t>{0x0403, 0x0804, 0x0401}),
               boost::test_tools::per_element());
    BOOST_TEST(m.authorities.size() == 2u);
    BOOST_TEST(m.authorities[1].size() == 5u);
    // No authorities at all is fine.
    const bytes none = cat({vec8({64}), vec16(u16s({0x0403})), vec16({})});
    BOOST_TEST(ec(wire::parse_certificate_request12(none, m)) == ec(wire::ok));
    BOOST_TEST(m.authorities.empty());
}

BOOST_AUTO_TEST_CASE(certificate_request12_malformed) {
    expect_truncations_refused(cr12_body(), cr12_error);
    expect_trailing_refused(cr12_body(), cr12_error);
    // Empty certificate_types, empty or odd signature list, empty DN, a DN past its list.
    BOOST_TEST(cr12_error(cat({vec8({}), vec16(u16s({0x0403})), vec16({})})) ==
               ec(error::decode_error));
    BOOST_TEST(cr12_error(cat({vec8({64}), vec16({}), vec16({})})) == ec(error::decode_error));
    BOOST_TEST(cr12_error(cat({vec8({64}), vec16({4, 3, 8}), vec16({})})) ==
               ec(error::decode_error));
    BOOST_TEST(cr12_error(cat({vec8({64}), vec16(u16s({0x0403})), vec16(vec16({}))})) ==
               ec(error::decode_error));
    BOOST_TEST(cr12_error(cat({vec8({64}), vec16(u16s({0x0403})), vec16({0, 5, 1})})) ==
               ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(certificate12) {
    const bytes body = vec24(cat({vec24(bytes(10, 0x30)), vec24(bytes(3, 0x31))}));
    bytes copy(body);
    std::vector<byte_view> chain;
    BOOST_TEST(ec(wire::parse_certificate12(copy, chain)) == ec(wire::ok));
    BOOST_TEST(chain.size() == 2u);
    BOOST_TEST(chain[0].size() == 10u);
    expect_truncations_refused(body, cert12_error);
    expect_trailing_refused(body, cert12_error);
    // The empty list is well-formed (a client without a certificate).
    BOOST_TEST(cert12_error(vec24({})) == ec(wire::ok));
    BOOST_TEST(cert12_error(vec24(vec24({}))) == ec(error::decode_error));  // empty ASN.1Cert
    // A TLS 1.3 Certificate (context byte, per-entry extensions) is not a 1.2 one.
    BOOST_TEST(cert12_error(cat({vec8({}), vec24(cat({vec24(bytes(4, 1)), vec16({})}))})) ==
               ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(client_hello_tls12_extensions) {
    ch_builder b;
    b.set(ext::extended_master_secret, {});
    b.set(ext::renegotiation_info, vec8({}));
    b.set(ext::ec_point_formats, vec8({0, 1, 2}));
    bytes body = b.encode();
    wire::client_hello ch;
    BOOST_TEST(ec(wire::parse_client_hello(body, ch)) == ec(wire::ok));
    BOOST_TEST(ch.has_extended_master_secret);
    BOOST_TEST(ch.has_renegotiation_info);
    BOOST_TEST(ch.renegotiated_connection.empty());
    BOOST_TEST(ch.has_ec_point_formats);
    BOOST_TEST(ch.ec_point_formats.size() == 3u);

    BOOST_TEST(ch_error(ch_builder{}.set(ext::extended_master_secret, {0}).encode()) ==
               ec(error::decode_error));
    BOOST_TEST(ch_error(ch_builder{}.set(ext::renegotiation_info, {}).encode()) ==
               ec(error::decode_error));
    BOOST_TEST(ch_error(ch_builder{}.set(ext::renegotiation_info, {2, 1}).encode()) ==
               ec(error::decode_error));
    BOOST_TEST(ch_error(ch_builder{}.set(ext::renegotiation_info, {0, 0}).encode()) ==
               ec(error::decode_error));
    BOOST_TEST(ch_error(ch_builder{}.set(ext::ec_point_formats, vec8({})).encode()) ==
               ec(error::decode_error));
    BOOST_TEST(ch_error(ch_builder{}.set(ext::ec_point_formats, {}).encode()) ==
               ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(server_hello_tls12_extensions) {
    sh_builder b;
    b.exts = {{ext::extended_master_secret, {}},
              {ext::renegotiation_info, vec8({})},
              {ext::ec_point_formats, vec8({0})},
              {ext::alpn, vec16(vec8(str("h2")))},
              {ext::server_name, {}}};
    bytes body = b.encode();
    wire::server_hello sh;
    BOOST_TEST(ec(wire::parse_server_hello(body, sh)) == ec(wire::ok));
    BOOST_TEST(!sh.has_extended_master_secret);  // left for the TLS 1.2 path
    BOOST_TEST(ec(wire::decode_tls12_server_extensions(sh)) == ec(wire::ok));
    BOOST_TEST(sh.selected_version == 0);
    BOOST_TEST(sh.has_extended_master_secret);
    BOOST_TEST(sh.has_renegotiation_info);
    BOOST_TEST(sh.has_ec_point_formats);
    BOOST_TEST(sh.has_alpn);
    BOOST_TEST(sh.alpn == "h2");
    BOOST_TEST(sh.has_server_name);

    auto one = [](std::uint16_t type, bytes data) {
        sh_builder x;
        x.exts = {{type, std::move(data)}};
        bytes copy = x.encode();
        wire::server_hello m;
        error e = wire::parse_server_hello(copy, m);
        return ec(e == wire::ok ? wire::decode_tls12_server_extensions(m) : e);
    };
    BOOST_TEST(one(ext::extended_master_secret, {0}) == ec(error::decode_error));
    BOOST_TEST(one(ext::renegotiation_info, {}) == ec(error::decode_error));
    BOOST_TEST(one(ext::renegotiation_info, {1}) == ec(error::decode_error));
    BOOST_TEST(one(ext::ec_point_formats, {0}) == ec(error::decode_error));
    BOOST_TEST(one(ext::alpn, vec16(cat({vec8(str("h2")), vec8(str("x"))}))) ==
               ec(error::decode_error));
    BOOST_TEST(one(ext::server_name, {0}) == ec(error::decode_error));
}

BOOST_AUTO_TEST_CASE(encoders) {
    BOOST_TEST(wire::encode_ec_point_formats() == (bytes{1, 0}), boost::test_tools::per_element());
    BOOST_TEST(wire::encode_renegotiation_info({}) == (bytes{0}), boost::test_tools::per_element());
    const bytes verify(12, 7);
    BOOST_TEST(wire::encode_renegotiation_info(verify) == vec8(verify),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
