// AEAD record protection over libcrypto: AES-GCM, ChaCha20-Poly1305, AES-CCM.
#ifndef TLSIO_SRC_CRYPTO_AEAD_HPP
#define TLSIO_SRC_CRYPTO_AEAD_HPP

#include "crypto/types.hpp"

#include <array>
#include <memory>

struct evp_cipher_ctx_st;

namespace tlsio::crypto {

/// AES-128-CCM is the 16-byte-tag variant of TLS_AES_128_CCM_SHA256.
enum class aead_algorithm { aes_128_gcm, aes_256_gcm, chacha20_poly1305, aes_128_ccm };

inline constexpr std::size_t aead_nonce_size = 12;
inline constexpr std::size_t aead_tag_size = 16;
inline constexpr std::size_t aead_max_key_size = 32;

/// Key size of `a` in bytes (16 or 32).
std::size_t aead_key_size(aead_algorithm a) noexcept;

/// One keyed AEAD direction. The key is set once per epoch (init); seal and
/// open then reuse the keyed context and allocate nothing.
class aead_context {
public:
    aead_context();
    aead_context(aead_context&&) noexcept;
    aead_context& operator=(aead_context&&) noexcept;
    ~aead_context();

    /// Keys the context. Returns false on a wrong key size or libcrypto failure.
    bool init(aead_algorithm a, byte_view key);
    bool keyed() const noexcept { return keyed_; }
    aead_algorithm algorithm() const noexcept { return algorithm_; }

    /// Encrypts `data` in place and writes the 16-byte tag into `tag`.
    /// `nonce` is 12 bytes. Returns false on libcrypto failure.
    bool seal(byte_view nonce, byte_view aad, mutable_bytes data, mutable_bytes tag);

    /// Encrypts the concatenation of `plaintext` into `out` (as many bytes as
    /// the parts hold; `out` may be where the parts are), then writes the tag.
    /// Sealing from the caller's buffers saves copying them first.
    bool seal(byte_view nonce, byte_view aad, std::span<const byte_view> plaintext,
              std::uint8_t* out, mutable_bytes tag);

    /// Decrypts `data` in place. Returns false when the tag does not verify;
    /// the contents of `data` are then unspecified.
    bool open(byte_view nonce, byte_view aad, mutable_bytes data, byte_view tag);

    /// Decrypts `ciphertext` into `out` (ciphertext.size() bytes; `out` may be
    /// `ciphertext` itself). On false the contents of `out` are unspecified.
    bool open(byte_view nonce, byte_view aad, byte_view ciphertext, std::uint8_t* out,
              byte_view tag);

private:
    struct deleter {
        void operator()(evp_cipher_ctx_st* p) const noexcept;
    };
    /// Starts one record: the nonce, the direction (1 seals, 0 opens) and,
    /// for CCM when the direction changes, the key again.
    bool start(byte_view nonce, int enc);

    std::unique_ptr<evp_cipher_ctx_st, deleter> ctx_;
    aead_algorithm algorithm_ = aead_algorithm::aes_128_gcm;
    bool keyed_ = false;
    /// libcrypto's CCM binds its bulk routine to the direction at key setup,
    /// so CCM keeps its key to set it up again for the other direction (a
    /// record layer's context only ever goes one way: at most once per epoch).
    std::array<std::uint8_t, 16> ccm_key_{};
    int ccm_direction_ = 1;
};

}  // namespace tlsio::crypto

#endif
