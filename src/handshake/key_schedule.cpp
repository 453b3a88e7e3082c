#include "handshake/key_schedule.hpp"

#include "wire/codec.hpp"

#include <cassert>

namespace tlsio::handshake {
namespace {

constexpr suite_info suites[] = {
    {0x1301, crypto::aead_algorithm::aes_128_gcm, crypto::hash_algorithm::sha256},
    {0x1302, crypto::aead_algorithm::aes_256_gcm, crypto::hash_algorithm::sha384},
    {0x1303, crypto::aead_algorithm::chacha20_poly1305, crypto::hash_algorithm::sha256},
    {0x1304, crypto::aead_algorithm::aes_128_ccm, crypto::hash_algorithm::sha256},
};

}  // namespace

const suite_info* find_suite(std::uint16_t id) noexcept {
    for (const suite_info& s : suites) {
        if (s.id == id) {
            return &s;
        }
    }
    return nullptr;
}

secret::secret(byte_view b) noexcept : size_(b.size()) {
    std::copy(b.begin(), b.end(), bytes_.begin());
}

secret::~secret() {
    crypto::cleanse(bytes_);
}

traffic_keys::~traffic_keys() {
    crypto::cleanse(key);
    crypto::cleanse(iv);
}

void expand_label(crypto::hash_algorithm h, byte_view secret_bytes, std::string_view label,
                  byte_view context, mutable_bytes out) {
    // HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0..255>.
    std::uint8_t info[2 + 1 + 255 + 1 + 255];
    std::size_t n = 0;
    info[n++] = static_cast<std::uint8_t>(out.size() >> 8);
    info[n++] = static_cast<std::uint8_t>(out.size());
    constexpr std::string_view prefix = "tls13 ";
    info[n++] = static_cast<std::uint8_t>(prefix.size() + label.size());
    for (char c : prefix)
        info[n++] = static_cast<std::uint8_t>(c);
    for (char c : label)
        info[n++] = static_cast<std::uint8_t>(c);
    info[n++] = static_cast<std::uint8_t>(context.size());
    std::copy(context.begin(), context.end(), info + n);
    n += context.size();
    bool expanded = crypto::hkdf_expand(h, secret_bytes, byte_view(info, n), out);
    assert(expanded);
    (void)expanded;
}

traffic_keys derive_traffic_keys(const suite_info& suite, const secret& traffic_secret) {
    traffic_keys k;
    k.key_size = crypto::aead_key_size(suite.aead);
    expand_label(suite.hash, traffic_secret.view(), "key", {}, {k.key.data(), k.key_size});
    expand_label(suite.hash, traffic_secret.view(), "iv", {}, k.iv);
    return k;
}

secret next_traffic_secret(crypto::hash_algorithm h, const secret& current) {
    secret next;
    next.resize(crypto::digest_size(h));
    expand_label(h, current.view(), "traffic upd", {}, next.span());
    return next;
}

secret finished_verify_data(crypto::hash_algorithm h, const secret& base_key,
                            byte_view transcript_hash) {
    secret finished_key;
    finished_key.resize(crypto::digest_size(h));
    expand_label(h, base_key.view(), "finished", {}, finished_key.span());
    secret verify_data;
    verify_data.resize(crypto::digest_size(h));
    crypto::hmac(h, finished_key.view(), transcript_hash, verify_data.span());
    return verify_data;
}

key_schedule::key_schedule(crypto::hash_algorithm h) : hash_(h) {
    // Early Secret = HKDF-Extract(0, 0): no PSK.
    std::uint8_t zeros[crypto::max_digest_size] = {};
    current_.resize(crypto::digest_size(h));
    crypto::hkdf_extract(h, {}, byte_view(zeros, current_.size()), current_.span());
}

secret key_schedule::derive(std::string_view label, byte_view transcript_hash) const {
    secret out;
    out.resize(crypto::digest_size(hash_));
    expand_label(hash_, current_.view(), label, transcript_hash, out.span());
    return out;
}

void key_schedule::advance(byte_view ikm) {
    // Next stage = HKDF-Extract(Derive-Secret(current, "derived", ""), ikm).
    std::uint8_t empty_hash[crypto::max_digest_size];
    std::size_t n = crypto::digest(hash_, {}, empty_hash);
    secret salt = derive("derived", byte_view(empty_hash, n));
    crypto::hkdf_extract(hash_, salt.view(), ikm, current_.span());
}

void key_schedule::enter_handshake(byte_view shared_secret) {
    assert(stage_ == stage::early);
    advance(shared_secret);
    stage_ = stage::handshake;
}

secret key_schedule::client_handshake_traffic(byte_view transcript_hash) const {
    assert(stage_ == stage::handshake);
    return derive("c hs traffic", transcript_hash);
}

secret key_schedule::server_handshake_traffic(byte_view transcript_hash) const {
    assert(stage_ == stage::handshake);
    return derive("s hs traffic", transcript_hash);
}

void key_schedule::enter_master() {
    assert(stage_ == stage::handshake);
    std::uint8_t zeros[crypto::max_digest_size] = {};
    advance(byte_view(zeros, current_.size()));
    stage_ = stage::master;
}

secret key_schedule::client_application_traffic(byte_view transcript_hash) const {
    assert(stage_ == stage::master);
    return derive("c ap traffic", transcript_hash);
}

secret key_schedule::server_application_traffic(byte_view transcript_hash) const {
    assert(stage_ == stage::master);
    return derive("s ap traffic", transcript_hash);
}

secret key_schedule::exporter_master(byte_view transcript_hash) const {
    assert(stage_ == stage::master);
    return derive("exp master", transcript_hash);
}

}  // namespace tlsio::handshake
