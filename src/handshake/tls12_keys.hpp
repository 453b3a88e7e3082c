// The TLS 1.2 key derivations (RFC 5246 sections 5, 6.3, 7.4.9; RFC 7627)
// and the TLS 1.2 cipher suite table: forward-secret AEAD suites only.
#ifndef TLSIO_SRC_HANDSHAKE_TLS12_KEYS_HPP
#define TLSIO_SRC_HANDSHAKE_TLS12_KEYS_HPP

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/sig.hpp"
#include "crypto/types.hpp"
#include "handshake/key_schedule.hpp"

#include <array>
#include <string_view>

namespace tlsio::handshake::tls12 {

/// Which kind of certificate key signs the ServerKeyExchange.
enum class authentication { ecdsa, rsa };

/// What a TLS 1.2 cipher suite code point means. All are ECDHE with an AEAD.
struct suite {
    std::uint16_t id;
    crypto::aead_algorithm aead;
    crypto::hash_algorithm hash;  ///< the PRF's hash and the transcript's
    authentication auth;
    const char* openssl_name;  ///< as SSL_get_cipher_name says it
};

/// The suite's description, or nullptr for a suite tlsio does not implement.
const suite* find_suite(std::uint16_t id) noexcept;
/// True when the ServerKeyExchange of `s` may be signed with a key of type `k`
/// (ECDSA suites: EC and Ed25519 keys; RSA suites: RSA keys).
bool suite_allows_key(const suite& s, crypto::key_type k) noexcept;

/// The TLS 1.2 master secret is 48 bytes; verify_data 12.
inline constexpr std::size_t master_secret_size = 48;
inline constexpr std::size_t verify_data_size = 12;

/// PRF(secret, label, seed_a + seed_b) of RFC 5246 section 5, P_<hash>, into
/// all of `out` (the seed comes in two parts: the randoms of the key block).
void prf(crypto::hash_algorithm h, byte_view secret, std::string_view label, byte_view seed_a,
         byte_view seed_b, mutable_bytes out);

/// The extended master secret (RFC 7627 section 4): PRF(pre_master_secret,
/// "extended master secret", session_hash)[0..47], where session_hash is the
/// transcript hash through ClientKeyExchange.
secret extended_master_secret(crypto::hash_algorithm h, byte_view pre_master_secret,
                              byte_view session_hash);

/// Write keys and IVs of both directions from the key block (RFC 5246 6.3).
/// AEAD suites have no MAC keys; the IV is the 4-byte salt of AES-GCM
/// (RFC 5288) or the 12-byte IV of ChaCha20-Poly1305 (RFC 7905).
struct key_block {
    std::array<std::uint8_t, crypto::aead_max_key_size> client_key{};
    std::array<std::uint8_t, crypto::aead_max_key_size> server_key{};
    std::array<std::uint8_t, crypto::aead_nonce_size> client_iv{};
    std::array<std::uint8_t, crypto::aead_nonce_size> server_iv{};
    std::size_t key_size = 0;
    std::size_t iv_size = 0;
    key_block() = default;
    key_block(const key_block&) = delete;
    key_block& operator=(const key_block&) = delete;
    ~key_block();
    byte_view key(bool client) const noexcept {
        return {client ? client_key.data() : server_key.data(), key_size};
    }
    byte_view iv(bool client) const noexcept {
        return {client ? client_iv.data() : server_iv.data(), iv_size};
    }
};

/// The IV length the record layer takes for `a` in TLS 1.2.
std::size_t fixed_iv_size(crypto::aead_algorithm a) noexcept;

/// key_block = PRF(master_secret, "key expansion", server_random + client_random).
void derive_key_block(const suite& s, const secret& master, byte_view client_random,
                      byte_view server_random, key_block& out);

/// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11].
std::array<std::uint8_t, verify_data_size> finished_verify_data(crypto::hash_algorithm h,
                                                                const secret& master,
                                                                bool client_finished,
                                                                byte_view transcript_hash);

}  // namespace tlsio::handshake::tls12

#endif
