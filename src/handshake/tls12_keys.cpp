#include "handshake/tls12_keys.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace tlsio::handshake::tls12 {
namespace {

using crypto::aead_algorithm;
using crypto::hash_algorithm;

// Server preference by default: ECDSA before RSA (smaller, faster), and
// within each AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, as OpenSSL orders them.
constexpr suite suites[] = {
    {0xc02b, aead_algorithm::aes_128_gcm, hash_algorithm::sha256, authentication::ecdsa,
     "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {0xc02c, aead_algorithm::aes_256_gcm, hash_algorithm::sha384, authentication::ecdsa,
     "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {0xcca9, aead_algorithm::chacha20_poly1305, hash_algorithm::sha256, authentication::ecdsa,
     "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {0xc02f, aead_algorithm::aes_128_gcm, hash_algorithm::sha256, authentication::rsa,
     "ECDHE-RSA-AES128-GCM-SHA256"},
    {0xc030, aead_algorithm::aes_256_gcm, hash_algorithm::sha384, authentication::rsa,
     "ECDHE-RSA-AES256-GCM-SHA384"},
    {0xcca8, aead_algorithm::chacha20_poly1305, hash_algorithm::sha256, authentication::rsa,
     "ECDHE-RSA-CHACHA20-POLY1305"},
};

}  // namespace

const suite* find_suite(std::uint16_t id) noexcept {
    for (const suite& s : suites) {
        if (s.id == id) {
            return &s;
        }
    }
    return nullptr;
}

bool suite_allows_key(const suite& s, crypto::key_type k) noexcept {
    switch (k) {
        case crypto::key_type::rsa:
        case crypto::key_type::rsa_pss:
            return s.auth == authentication::rsa;
        case crypto::key_type::ec_p256:
        case crypto::key_type::ec_p384:
        case crypto::key_type::ec_p521:
        case crypto::key_type::ed25519:
            return s.auth == authentication::ecdsa;
        case crypto::key_type::unsupported:
            return false;
    }
    return false;
}

void prf(hash_algorithm h, byte_view secret_bytes, std::string_view label, byte_view seed_a,
         byte_view seed_b, mutable_bytes out) {
    // P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
    // with A(0) = seed and A(i) = HMAC(secret, A(i-1)); here seed = label + seed_a + seed_b.
    const std::size_t n = crypto::digest_size(h);
    std::uint8_t buffer[crypto::max_digest_size + 256];
    const std::size_t seed_size = label.size() + seed_a.size() + seed_b.size();
    assert(seed_size <= 256);
    // buffer holds A(i) followed by the seed, so HMAC(A(i) + seed) is one call.
    std::uint8_t* seed = buffer + n;
    std::memcpy(seed, label.data(), label.size());
    std::copy(seed_a.begin(), seed_a.end(), seed + label.size());
    std::copy(seed_b.begin(), seed_b.end(), seed + label.size() + seed_a.size());
    std::uint8_t block[crypto::max_digest_size];
    crypto::hmac(h, secret_bytes, byte_view(seed, seed_size), {buffer, n});  // A(1)
    for (std::size_t done = 0; done < out.size();) {
        crypto::hmac(h, secret_bytes, byte_view(buffer, n + seed_size), block);
        const std::size_t take = std::min(n, out.size() - done);
        std::copy(block, block + take, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += take;
        if (done < out.size()) {
            crypto::hmac(h, secret_bytes, byte_view(buffer, n), {buffer, n});  // A(i+1)
        }
    }
    crypto::cleanse(buffer);
    crypto::cleanse(block);
}

secret extended_master_secret(hash_algorithm h, byte_view pre_master_secret,
                              byte_view session_hash) {
    secret master;
    master.resize(master_secret_size);
    prf(h, pre_master_secret, "extended master secret", session_hash, {}, master.span());
    return master;
}

key_block::~key_block() {
    crypto::cleanse(client_key);
    crypto::cleanse(server_key);
    crypto::cleanse(client_iv);
    crypto::cleanse(server_iv);
}

std::size_t fixed_iv_size(aead_algorithm a) noexcept {
    return a == aead_algorithm::chacha20_poly1305 ? crypto::aead_nonce_size : 4;
}

void derive_key_block(const suite& s, const secret& master, byte_view client_random,
                      byte_view server_random, key_block& out) {
    out.key_size = crypto::aead_key_size(s.aead);
    out.iv_size = fixed_iv_size(s.aead);
    // client_write_key, server_write_key, client_write_IV, server_write_IV.
    std::uint8_t material[2 * (crypto::aead_max_key_size + crypto::aead_nonce_size)];
    const std::size_t total = 2 * (out.key_size + out.iv_size);
    prf(s.hash, master.view(), "key expansion", server_random, client_random, {material, total});
    const std::uint8_t* p = material;
    std::copy(p, p + out.key_size, out.client_key.begin());
    p += out.key_size;
    std::copy(p, p + out.key_size, out.server_key.begin());
    p += out.key_size;
    std::copy(p, p + out.iv_size, out.client_iv.begin());
    p += out.iv_size;
    std::copy(p, p + out.iv_size, out.server_iv.begin());
    crypto::cleanse(material);
}

std::array<std::uint8_t, verify_data_size> finished_verify_data(hash_algorithm h,
                                                                const secret& master,
                                                                bool client_finished,
                                                                byte_view transcript_hash) {
    std::array<std::uint8_t, verify_data_size> out{};
    prf(h, master.view(), client_finished ? "client finished" : "server finished", transcript_hash,
        {}, out);
    return out;
}

}  // namespace tlsio::handshake::tls12
