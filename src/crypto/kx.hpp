// Key exchange for TLS 1.3 key shares: the named-group table and the
// libcrypto (EC)DH keys behind it.
#ifndef TLSIO_SRC_CRYPTO_KX_HPP
#define TLSIO_SRC_CRYPTO_KX_HPP

#include "crypto/types.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

struct evp_pkey_st;

namespace tlsio::crypto {

/// The Diffie-Hellman groups libcrypto computes for us.
enum class kx_group {
    x25519,
    secp256r1,
    secp384r1,
    x448,
    secp521r1,
    ffdhe2048,
    ffdhe3072,
    ffdhe4096,
    ffdhe6144,
    ffdhe8192,
};

/// Size of a public value as sent in key_share: 32 / 56 for x25519 / x448,
/// the uncompressed point for the NIST curves (RFC 8446 section 4.2.8.2),
/// the size of the prime for ffdhe (section 4.2.8.1).
std::size_t kx_public_key_size(kx_group g) noexcept;

/// An ephemeral (EC)DH private key for one handshake.
class kx_private_key {
public:
    kx_private_key();
    kx_private_key(kx_private_key&&) noexcept;
    kx_private_key& operator=(kx_private_key&&) noexcept;
    ~kx_private_key();

    /// A fresh key from libcrypto's CSPRNG.
    static std::optional<kx_private_key> generate(kx_group g);

    /// A key from caller-supplied private bytes: x25519 / x448, the RFC 7748
    /// scalar (32 / 56 bytes); NIST curves, the big-endian scalar of the size
    /// of the order (32 / 48 / 66 bytes) with 0 < d < n. Not for ffdhe.
    /// Used with the context's random source (tests replay RFC 8448 traces).
    static std::optional<kx_private_key> from_private_bytes(kx_group g, byte_view priv);

    kx_group group() const noexcept { return group_; }

    /// The public value as sent in key_share.
    const bytes& public_key() const noexcept { return public_; }

    /// (EC)DH with the peer's key_share value. Refuses (returns false) a value
    /// of the wrong size, a point that is not uncompressed or not on the
    /// curve, an ffdhe value outside 1 < y < p-1 (RFC 7919 section 5.1), and
    /// an all-zero x25519 / x448 result (RFC 8446 section 7.4.2). On success
    /// `shared` holds the secret (ffdhe: left-padded to the size of p).
    bool derive(byte_view peer_public, bytes& shared) const;

private:
    struct deleter {
        void operator()(evp_pkey_st* p) const noexcept;
    };
    kx_group group_ = kx_group::x25519;
    std::unique_ptr<evp_pkey_st, deleter> key_;
    bytes public_;
};

/// A non-owning reference to something callable as `void(mutable_bytes)` that
/// fills its argument with random bytes (the context's random source).
class random_ref {
public:
    template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, random_ref>) random_ref(const F& fill)
    noexcept  // NOLINT: converting on purpose
        : object_(&fill),
          call_([](const void* o, mutable_bytes out) { (*static_cast<const F*>(o))(out); }) {}

    void operator()(mutable_bytes out) const { call_(object_, out); }

private:
    const void* object_;
    void (*call_)(const void*, mutable_bytes);
};

/// What an initiator holds between generate() and finish(). Only the entry
/// that made it reads it; the keys are freed (and wiped) with it.
class kx_state {
public:
    kx_state() = default;
    kx_state(kx_state&& other) noexcept;
    kx_state& operator=(kx_state&& other) noexcept;
    ~kx_state();

private:
    friend struct kx_functions;
    /// One key per (EC)DH component: a (EC)DH group or the DH half of a hybrid
    /// uses the first.
    kx_private_key keys_[2];
    /// A hybrid group's ML-KEM decapsulation key (FIPS 203 encoding); wiped.
    bytes kem_key_;
};

/// How a key-exchange operation went.
enum class kx_status {
    ok,
    invalid_share,  ///< the peer's share is malformed or refused: illegal_parameter
    failed,         ///< our side failed (libcrypto, random source): internal_error
};

struct key_exchange;

/// The operations of one kind of key exchange (DH-shaped or KEM-shaped alike).
struct kx_operations {
    kx_status (*generate)(const key_exchange&, random_ref, kx_state&, bytes&);
    kx_status (*respond)(const key_exchange&, random_ref, byte_view, bytes&, bytes&);
    kx_status (*finish)(const key_exchange&, const kx_state&, byte_view, bytes&);
};

/// One named group (RFC 8446 section 4.2.7): what the handshake needs to
/// offer, choose and run it. Adding a group is adding one entry to the table.
///
/// The initiator (client) calls generate() and sends the share; the responder
/// (server) calls respond() on it and sends its own share back; the initiator
/// calls finish() on that. For Diffie-Hellman respond() is generate + derive;
/// for a KEM it is encapsulation, and finish() decapsulation.
struct key_exchange {
    std::uint16_t code;                ///< NamedGroup code point
    const char* name;                  ///< IANA name, e.g. "x25519", "ffdhe2048"
    const char* aliases;               ///< other names, space-separated ("P-256 prime256v1")
    std::size_t initiator_share_size;  ///< the client's key_exchange length
    std::size_t responder_share_size;  ///< the server's key_exchange length
    kx_group dh;                       ///< the (EC)DH group (of a hybrid: its DH half)
    const kx_operations* operations;

    /// Our private state and the share to send. Private keys are drawn from
    /// `random` where the group allows (all but ffdhe, which libcrypto makes).
    kx_status generate(random_ref random, kx_state& state, bytes& share) const {
        return operations->generate(*this, random, state, share);
    }
    /// The responder's share and the shared secret for the initiator's share.
    kx_status respond(random_ref random, byte_view peer_share, bytes& share, bytes& secret) const {
        return operations->respond(*this, random, peer_share, share, secret);
    }
    /// The shared secret from our state and the responder's share.
    kx_status finish(const kx_state& state, byte_view peer_share, bytes& secret) const {
        return operations->finish(*this, state, peer_share, secret);
    }
};

/// Every group tlsio implements, in the default order of preference (fast first).
std::span<const key_exchange> key_exchanges() noexcept;

/// The entry for a NamedGroup code point, or nullptr.
const key_exchange* find_key_exchange(std::uint16_t code) noexcept;

/// The entry whose name or an alias is `name` (ASCII case-insensitive), or nullptr.
const key_exchange* find_key_exchange(std::string_view name) noexcept;

/// The code points of key_exchanges(), in that order: a context's default groups.
std::vector<std::uint16_t> default_group_codes();

}  // namespace tlsio::crypto

#endif
