#include "handshake/key_schedule.hpp"

#include "wire/codec.hpp"

#include <algorithm>
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

secret::secret(byte_view b) noexcept : size_(std::min(b.size(), max_secret_size)) {
    std::copy_n(b.begin(), size_, bytes_.begin());
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

key_stage::key_stage(key_stage&& other) noexcept : hash_(other.hash_), current_(other.current_) {
    other.current_ = {};
}

key_stage& key_stage::operator=(key_stage&& other) noexcept {
    hash_ = other.hash_;
    current_ = other.current_;
    other.current_ = {};
    return *this;
}

secret key_stage::derive(std::string_view label, byte_view transcript_hash) const {
    secret out;
    out.resize(crypto::digest_size(hash_));
    expand_label(hash_, current_.view(), label, transcript_hash, out.span());
    return out;
}

secret key_stage::next(byte_view ikm) {
    std::uint8_t empty_hash[crypto::max_digest_size];
    std::size_t n = crypto::digest(hash_, {}, empty_hash);
    secret salt = derive("derived", byte_view(empty_hash, n));
    secret out;
    out.resize(current_.size());
    crypto::hkdf_extract(hash_, salt.view(), ikm, out.span());
    current_ = {};
    return out;
}

early_secret early_secret::without_psk(crypto::hash_algorithm h) {
    std::uint8_t zeros[crypto::max_digest_size] = {};
    return with_psk(h, byte_view(zeros, crypto::digest_size(h)));
}

early_secret early_secret::with_psk(crypto::hash_algorithm h, byte_view psk) {
    // Early Secret = HKDF-Extract(salt = 0, IKM = PSK).
    std::uint8_t zeros[crypto::max_digest_size] = {};
    secret s;
    s.resize(crypto::digest_size(h));
    crypto::hkdf_extract(h, byte_view(zeros, s.size()), psk, s.span());
    return early_secret(h, s);
}

secret early_secret::binder_key(bool resumption) const {
    std::uint8_t empty_hash[crypto::max_digest_size];
    std::size_t n = crypto::digest(hash_, {}, empty_hash);
    return derive(resumption ? "res binder" : "ext binder", byte_view(empty_hash, n));
}

secret early_secret::client_early_traffic(byte_view transcript_hash) const {
    return derive("c e traffic", transcript_hash);
}

secret early_secret::early_exporter_master(byte_view transcript_hash) const {
    return derive("e exp master", transcript_hash);
}

handshake_secret early_secret::into_handshake(byte_view shared_secret) && {
    return handshake_secret(hash_, next(shared_secret));
}

secret handshake_secret::client_handshake_traffic(byte_view transcript_hash) const {
    return derive("c hs traffic", transcript_hash);
}

secret handshake_secret::server_handshake_traffic(byte_view transcript_hash) const {
    return derive("s hs traffic", transcript_hash);
}

master_secret handshake_secret::into_master() && {
    std::uint8_t zeros[crypto::max_digest_size] = {};
    return master_secret(hash_, next(byte_view(zeros, current_.size())));
}

secret master_secret::client_application_traffic(byte_view transcript_hash) const {
    return derive("c ap traffic", transcript_hash);
}

secret master_secret::server_application_traffic(byte_view transcript_hash) const {
    return derive("s ap traffic", transcript_hash);
}

secret master_secret::exporter_master(byte_view transcript_hash) const {
    return derive("exp master", transcript_hash);
}

secret master_secret::resumption_master(byte_view transcript_hash) const {
    return derive("res master", transcript_hash);
}

}  // namespace tlsio::handshake
