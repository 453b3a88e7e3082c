//
// fuzz_wire: every parser of wire/messages.hpp on arbitrary bytes.
//
// The first input byte selects the parser (selector % 11: 0..9 one parser or
// encoder, 10 all of them); the rest is the message body. Besides "no crash,
// no UB, no leak" (ASan + UBSan + LeakSanitizer), each accepted message is
// checked for the invariants its parser promises, re-encoded with the wire
// writer and encoders, and compared byte for byte with the input: a parser
// accepts a message only when every byte was consumed, so an accepted
// message must re-encode to exactly what was read. Decoded extension values
// are also re-encoded with encode_u16_list / encode_server_name / encode_alpn
// and parsed again, and must come back unchanged.
//
#include "wire/codec.hpp"
#include "wire/messages.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using tlsio::byte_view;
using tlsio::bytes;
namespace wire = tlsio::wire;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_wire: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) {
        fail(what);
    }
}

bool same(byte_view a, byte_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool is_known_error(tlsio::error e) {
    return e == tlsio::error::decode_error || e == tlsio::error::illegal_parameter ||
           e == tlsio::error::missing_extension;
}

void check_error(tlsio::error e) {
    check(e == wire::ok || is_known_error(e), "a parser returned an unexpected error");
}

std::vector<tlsio::raw_extension> to_raw(const std::vector<wire::extension>& exts) {
    std::vector<tlsio::raw_extension> out;
    out.reserve(exts.size());
    for (const auto& e : exts) {
        out.push_back({e.type, bytes(e.data.begin(), e.data.end())});
    }
    return out;
}

void check_no_duplicates(const std::vector<wire::extension>& exts) {
    for (std::size_t i = 0; i < exts.size(); ++i) {
        for (std::size_t j = i + 1; j < exts.size(); ++j) {
            check(exts[i].type != exts[j].type, "accepted duplicate extensions");
        }
    }
}

// ---- One function per parser --------------------------------------------------

void fuzz_extensions(byte_view in) {
    std::vector<wire::extension> exts;
    tlsio::error e = wire::parse_extensions(in, exts);
    check_error(e);
    check(e != tlsio::error::missing_extension, "parse_extensions: missing_extension");
    if (e != wire::ok) {
        return;
    }
    check_no_duplicates(exts);
    bytes out;
    wire::writer w(out);
    wire::append_extensions(w, to_raw(exts));
    check(out.size() == in.size() + 2, "parse_extensions: re-encoded size");
    check(same(byte_view(out).subspan(2), in), "parse_extensions: round trip");
}

// A small ClientHello around the given extensions, for the encoder round trips.
bytes hello_with(const std::vector<tlsio::raw_extension>& exts) {
    bytes out;
    wire::writer w(out);
    w.u16(wire::tls12_version);
    w.raw(bytes(32, 0x42));
    w.vec8({});
    w.raw(wire::encode_u16_list(2, {0x1301}));
    w.vec8(bytes{0});
    wire::append_extensions(w, exts);
    return out;
}

// Re-encodes what a ClientHello's extensions decoded to and parses that again.
void client_hello_encoders_round_trip(const wire::client_hello& ch) {
    std::vector<tlsio::raw_extension> exts;
    std::size_t total = 0;
    if (ch.has_supported_versions) {
        exts.push_back(
            {wire::ext::supported_versions, wire::encode_u16_list(1, ch.supported_versions)});
    }
    if (ch.has_supported_groups) {
        exts.push_back(
            {wire::ext::supported_groups, wire::encode_u16_list(2, ch.supported_groups)});
    }
    if (ch.has_signature_algorithms) {
        exts.push_back(
            {wire::ext::signature_algorithms, wire::encode_u16_list(2, ch.signature_algorithms)});
    }
    if (ch.has_server_name && !ch.server_name.empty()) {
        exts.push_back({wire::ext::server_name, wire::encode_server_name(ch.server_name)});
    }
    if (ch.has_alpn) {
        exts.push_back({wire::ext::alpn, wire::encode_alpn(ch.alpn)});
    }
    for (const auto& e : exts) {
        total += 4 + e.data.size();
    }
    if (total > 0xff00) {
        return;  // more than one extensions block can hold
    }
    bytes hello = hello_with(exts);
    wire::client_hello again;
    check(wire::parse_client_hello(hello, again) == wire::ok, "encoders: re-encoded hello refused");
    check(again.supported_versions == ch.supported_versions, "encoders: supported_versions");
    check(again.supported_groups == ch.supported_groups, "encoders: supported_groups");
    check(again.signature_algorithms == ch.signature_algorithms, "encoders: signature_algorithms");
    if (ch.has_server_name && !ch.server_name.empty()) {
        check(again.server_name == ch.server_name, "encoders: server_name");
    }
    check(again.alpn == ch.alpn, "encoders: alpn");
}

void fuzz_client_hello(byte_view in) {
    wire::client_hello ch;
    tlsio::error e = wire::parse_client_hello(in, ch);
    check_error(e);
    check(e != tlsio::error::missing_extension, "ClientHello: missing_extension");
    if (e != wire::ok) {
        return;
    }
    check(ch.random.size() == wire::random_size, "ClientHello: random size");
    check(ch.legacy_session_id.size() <= 32, "ClientHello: session id size");
    check(!ch.cipher_suites.empty(), "ClientHello: no cipher suites");
    check(!ch.legacy_compression_methods.empty(), "ClientHello: no compression methods");
    check_no_duplicates(ch.extensions);
    for (std::size_t i = 0; i < ch.extensions.size(); ++i) {
        check(ch.extensions[i].type != wire::ext::pre_shared_key || i + 1 == ch.extensions.size(),
              "ClientHello: pre_shared_key not last");
    }
    for (std::size_t i = 0; i < ch.key_shares.size(); ++i) {
        check(!ch.key_shares[i].key_exchange.empty(), "ClientHello: empty key share");
        for (std::size_t j = i + 1; j < ch.key_shares.size(); ++j) {
            check(ch.key_shares[i].group != ch.key_shares[j].group, "ClientHello: duplicate group");
        }
    }
    check(ch.server_name.find('\0') == std::string::npos, "ClientHello: NUL in server_name");
    for (const auto& name : ch.alpn) {
        check(!name.empty(), "ClientHello: empty ALPN name");
    }
    check(!ch.has_cookie || !ch.cookie.empty(), "ClientHello: empty cookie");

    bytes out;
    wire::writer w(out);
    w.u16(ch.legacy_version);
    w.raw(ch.random);
    w.vec8(ch.legacy_session_id);
    w.raw(wire::encode_u16_list(2, ch.cipher_suites));
    w.vec8(ch.legacy_compression_methods);
    if (out.size() != in.size()) {
        wire::append_extensions(w, to_raw(ch.extensions));
    }
    check(same(out, in), "ClientHello: round trip");
    client_hello_encoders_round_trip(ch);
}

void fuzz_server_hello(byte_view in) {
    wire::server_hello sh;
    tlsio::error e = wire::parse_server_hello(in, sh);
    check_error(e);
    check(e != tlsio::error::missing_extension, "ServerHello: missing_extension");
    if (e != wire::ok) {
        return;
    }
    check(sh.random.size() == wire::random_size, "ServerHello: random size");
    check(sh.legacy_session_id_echo.size() <= 32, "ServerHello: session id size");
    check(sh.is_hello_retry_request == same(sh.random, wire::hello_retry_request_random),
          "ServerHello: HelloRetryRequest detection");
    check(!(sh.is_hello_retry_request && sh.key_share), "HelloRetryRequest with a KeyShareEntry");
    check(sh.is_hello_retry_request || !sh.selected_group, "ServerHello with a selected_group");
    check(!sh.key_share || !sh.key_share->key_exchange.empty(), "ServerHello: empty key share");
    check(!sh.has_cookie || !sh.cookie.empty(), "ServerHello: empty cookie");
    check_no_duplicates(sh.extensions);

    bytes out;
    wire::writer w(out);
    w.u16(sh.legacy_version);
    w.raw(sh.random);
    w.vec8(sh.legacy_session_id_echo);
    w.u16(sh.cipher_suite);
    w.u8(sh.legacy_compression_method);
    if (out.size() != in.size()) {
        wire::append_extensions(w, to_raw(sh.extensions));
    }
    check(same(out, in), "ServerHello: round trip");
}

void fuzz_encrypted_extensions(byte_view in) {
    wire::encrypted_extensions ee;
    tlsio::error e = wire::parse_encrypted_extensions(in, ee);
    check_error(e);
    check(e != tlsio::error::missing_extension, "EncryptedExtensions: missing_extension");
    if (e != wire::ok) {
        return;
    }
    check(ee.has_alpn == !ee.alpn.empty(), "EncryptedExtensions: ALPN");
    check_no_duplicates(ee.extensions);
    bytes out;
    wire::writer w(out);
    wire::append_extensions(w, to_raw(ee.extensions));
    check(same(out, in), "EncryptedExtensions: round trip");
    if (ee.has_alpn) {
        check(same(wire::encode_alpn({ee.alpn}),
                   std::find_if(ee.extensions.begin(), ee.extensions.end(),
                                [](const wire::extension& x) { return x.type == wire::ext::alpn; })
                       ->data),
              "EncryptedExtensions: encode_alpn round trip");
    }
}

void fuzz_certificate(byte_view in) {
    wire::certificate_msg c;
    tlsio::error e = wire::parse_certificate(in, c);
    check_error(e);
    check(e != tlsio::error::missing_extension, "Certificate: missing_extension");
    if (e != wire::ok) {
        return;
    }
    bytes list;
    wire::writer lw(list);
    for (const auto& entry : c.entries) {
        check(!entry.cert_data.empty(), "Certificate: empty cert_data");
        lw.vec24(entry.cert_data);
        lw.vec16(entry.extensions);
    }
    bytes out;
    wire::writer w(out);
    w.vec8(c.request_context);
    w.vec24(list);
    check(same(out, in), "Certificate: round trip");
}

void fuzz_certificate_request(byte_view in) {
    wire::certificate_request cr;
    tlsio::error e = wire::parse_certificate_request(in, cr);
    check_error(e);
    if (e != wire::ok) {
        return;
    }
    check(!cr.signature_algorithms.empty(), "CertificateRequest: no signature_algorithms");
    check(!cr.has_signature_algorithms_cert || !cr.signature_algorithms_cert.empty(),
          "CertificateRequest: empty signature_algorithms_cert");
    check_no_duplicates(cr.extensions);
    bytes out;
    wire::writer w(out);
    w.vec8(cr.request_context);
    wire::append_extensions(w, to_raw(cr.extensions));
    check(same(out, in), "CertificateRequest: round trip");
    for (const auto& x : cr.extensions) {
        if (x.type == wire::ext::signature_algorithms) {
            check(same(wire::encode_u16_list(2, cr.signature_algorithms), x.data),
                  "CertificateRequest: encode_u16_list round trip");
        }
    }
}

void fuzz_certificate_verify(byte_view in) {
    wire::certificate_verify cv;
    tlsio::error e = wire::parse_certificate_verify(in, cv);
    check_error(e);
    check(e == wire::ok || e == tlsio::error::decode_error, "CertificateVerify: error");
    if (e != wire::ok) {
        return;
    }
    check(!cv.signature.empty(), "CertificateVerify: empty signature");
    bytes out;
    wire::writer w(out);
    w.u16(cv.scheme);
    w.vec16(cv.signature);
    check(same(out, in), "CertificateVerify: round trip");
}

void fuzz_new_session_ticket(byte_view in) {
    wire::new_session_ticket t;
    tlsio::error e = wire::parse_new_session_ticket(in, t);
    check_error(e);
    check(e != tlsio::error::missing_extension, "NewSessionTicket: missing_extension");
    if (e != wire::ok) {
        return;
    }
    check(!t.ticket.empty(), "NewSessionTicket: empty ticket");
    check_no_duplicates(t.extensions);
    bytes out;
    wire::writer w(out);
    w.u32(t.lifetime);
    w.u32(t.age_add);
    w.vec8(t.nonce);
    w.vec16(t.ticket);
    wire::append_extensions(w, to_raw(t.extensions));
    check(same(out, in), "NewSessionTicket: round trip");
}

void fuzz_key_update(byte_view in) {
    bool requested = false;
    tlsio::error e = wire::parse_key_update(in, requested);
    if (in.size() != 1) {
        check(e == tlsio::error::decode_error, "KeyUpdate: wrong length accepted");
    } else if (in[0] > 1) {
        check(e == tlsio::error::illegal_parameter, "KeyUpdate: bad value accepted");
    } else {
        check(e == wire::ok && requested == (in[0] == 1), "KeyUpdate: value");
    }
}

// The encoders on fuzz-chosen values: a host name and ALPN names taken from
// the input, put into a ClientHello and parsed back.
void fuzz_encoders(byte_view in) {
    // Host name: the whole input (if it fits an extension).
    std::string host(in.begin(), in.end());
    if (host.size() < 0xff00) {
        bytes hello = hello_with({{wire::ext::server_name, wire::encode_server_name(host)}});
        wire::client_hello ch;
        tlsio::error e = wire::parse_client_hello(hello, ch);
        bool valid = !host.empty() && host.find('\0') == std::string::npos;
        check(valid ? (e == wire::ok && ch.server_name == host) : e == tlsio::error::decode_error,
              "encode_server_name round trip");
    }
    // ALPN names: the input split at 0xff bytes.
    std::vector<std::string> names;
    std::string current;
    for (std::uint8_t b : in) {
        if (b == 0xff) {
            names.push_back(current);
            current.clear();
        } else {
            current.push_back(static_cast<char>(b));
        }
    }
    names.push_back(current);
    bool valid = std::all_of(names.begin(), names.end(),
                             [](const std::string& n) { return !n.empty() && n.size() <= 255; });
    if (valid && in.size() < 0xff00) {
        bytes hello = hello_with({{wire::ext::alpn, wire::encode_alpn(names)}});
        wire::client_hello ch;
        check(wire::parse_client_hello(hello, ch) == wire::ok && ch.alpn == names,
              "encode_alpn round trip");
    }
    // A u16 list from the input's pairs of bytes, both prefix sizes.
    std::vector<std::uint16_t> values;
    for (std::size_t i = 0; i + 1 < in.size() && values.size() < 127; i += 2) {
        values.push_back(wire::load_u16(&in[i]));
    }
    for (std::size_t prefix : {std::size_t{1}, std::size_t{2}}) {
        bytes list = wire::encode_u16_list(prefix, values);
        wire::reader r(list);
        byte_view v = prefix == 1 ? r.vec8() : r.vec16();
        check(r.done() && v.size() == values.size() * 2, "encode_u16_list framing");
        for (std::size_t i = 0; i < values.size(); ++i) {
            check(wire::load_u16(&v[2 * i]) == values[i], "encode_u16_list value");
        }
    }
    // append_handshake frames any body.
    bytes message;
    wire::append_handshake(message, wire::handshake_type::certificate, in);
    wire::reader r(message);
    check(r.u8() == 11 && same(r.vec24(), in) && r.done(), "append_handshake framing");
}

using fuzz_fn = void (*)(byte_view);

constexpr fuzz_fn parsers[] = {
    fuzz_extensions,         fuzz_client_hello,
    fuzz_server_hello,       fuzz_encrypted_extensions,
    fuzz_certificate,        fuzz_certificate_request,
    fuzz_certificate_verify, fuzz_new_session_ticket,
    fuzz_key_update,         fuzz_encoders,
};
constexpr std::size_t parser_count = sizeof(parsers) / sizeof(parsers[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    std::size_t selector = data[0] % (parser_count + 1);
    // The body in its own allocation of exactly its size, so that any read
    // past its end is caught by ASan.
    bytes body(data + 1, data + size);
    if (selector < parser_count) {
        parsers[selector](body);
    } else {
        for (fuzz_fn f : parsers) {
            f(body);
        }
    }
    return 0;
}
