// Hashes, HMAC, HKDF and the helpers that handle secrets, over libcrypto.
#ifndef TLSIO_SRC_CRYPTO_HASH_HPP
#define TLSIO_SRC_CRYPTO_HASH_HPP

#include "crypto/types.hpp"

#include <memory>

struct evp_md_ctx_st;

namespace tlsio::crypto {

enum class hash_algorithm { sha256, sha384, sha512 };

inline constexpr std::size_t max_digest_size = 64;

/// Output size of `h` in bytes (32, 48, 64).
std::size_t digest_size(hash_algorithm h) noexcept;

/// An incremental hash. Copyable, so the transcript can be forked (HRR, Finished).
class hash_context {
public:
    hash_context() = default;
    explicit hash_context(hash_algorithm h);
    hash_context(const hash_context& other);
    hash_context& operator=(const hash_context& other);
    hash_context(hash_context&&) noexcept = default;
    hash_context& operator=(hash_context&&) noexcept = default;
    ~hash_context();

    bool valid() const noexcept { return ctx_ != nullptr; }
    hash_algorithm algorithm() const noexcept { return algorithm_; }
    std::size_t size() const noexcept { return digest_size(algorithm_); }

    void update(byte_view data);
    /// Writes the digest of everything so far into `out` (at least size() bytes)
    /// without ending the hash: later updates continue from the same state.
    /// Returns the digest size.
    std::size_t peek(mutable_bytes out) const;

private:
    struct deleter {
        void operator()(evp_md_ctx_st* p) const noexcept;
    };
    hash_algorithm algorithm_ = hash_algorithm::sha256;
    std::unique_ptr<evp_md_ctx_st, deleter> ctx_;
};

/// One-shot digest; `out` must hold digest_size(h) bytes. Returns that size.
std::size_t digest(hash_algorithm h, byte_view data, mutable_bytes out);

/// HMAC(key, data); `out` must hold digest_size(h) bytes. Returns that size.
std::size_t hmac(hash_algorithm h, byte_view key, byte_view data, mutable_bytes out);

/// HKDF-Extract (RFC 5869); `prk` must hold digest_size(h) bytes. An empty salt
/// means a string of digest_size(h) zero bytes, as RFC 5869 says.
void hkdf_extract(hash_algorithm h, byte_view salt, byte_view ikm, mutable_bytes prk);

/// HKDF-Expand (RFC 5869) into all of `out`. Returns false when `out` is longer
/// than 255 * digest_size(h) or `prk` is shorter than digest_size(h).
bool hkdf_expand(hash_algorithm h, byte_view prk, byte_view info, mutable_bytes out);

/// Compares in time independent of the contents; false when sizes differ.
bool constant_time_equal(byte_view a, byte_view b) noexcept;

/// Overwrites secret bytes in a way the compiler cannot remove (OPENSSL_cleanse).
void cleanse(mutable_bytes secret) noexcept;

/// Fills `out` from libcrypto's CSPRNG (RAND_bytes). Returns false on failure.
bool random_bytes(mutable_bytes out) noexcept;

}  // namespace tlsio::crypto

#endif
