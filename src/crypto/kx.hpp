// Ephemeral key exchange for TLS 1.3 key shares: x25519, secp256r1, secp384r1.
#ifndef TLSIO_SRC_CRYPTO_KX_HPP
#define TLSIO_SRC_CRYPTO_KX_HPP

#include "crypto/types.hpp"

#include <memory>
#include <optional>

struct evp_pkey_st;

namespace tlsio::crypto {

enum class kx_group { x25519, secp256r1, secp384r1 };

/// Size of a key_share public value: 32 for x25519, 65 / 97 for the
/// uncompressed P-256 / P-384 points (RFC 8446 section 4.2.8.2).
std::size_t kx_public_key_size(kx_group g) noexcept;

/// An ephemeral private key for one handshake.
class kx_private_key {
public:
    kx_private_key();
    kx_private_key(kx_private_key&&) noexcept;
    kx_private_key& operator=(kx_private_key&&) noexcept;
    ~kx_private_key();

    /// A fresh key from libcrypto's CSPRNG.
    static std::optional<kx_private_key> generate(kx_group g);

    /// A key from caller-supplied private bytes (x25519: 32 bytes, the RFC 7748
    /// scalar; P-256/P-384: the big-endian scalar, 32/48 bytes, 0 < d < n).
    /// Used with the context's random source (tests replay RFC 8448 traces).
    static std::optional<kx_private_key> from_private_bytes(kx_group g, byte_view priv);

    kx_group group() const noexcept { return group_; }

    /// The public value as sent in key_share.
    const bytes& public_key() const noexcept { return public_; }

    /// ECDH with the peer's key_share value. Refuses (returns false) a value of
    /// the wrong size, a point that is not uncompressed or not on the curve,
    /// and an all-zero x25519 result (RFC 8446 section 7.4.2).
    /// On success `shared` holds the secret (32 / 32 / 48 bytes).
    bool derive(byte_view peer_public, bytes& shared) const;

private:
    struct deleter {
        void operator()(evp_pkey_st* p) const noexcept;
    };
    kx_group group_ = kx_group::x25519;
    std::unique_ptr<evp_pkey_st, deleter> key_;
    bytes public_;
};

}  // namespace tlsio::crypto

#endif
