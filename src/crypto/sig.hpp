// Public and private keys, signing and verifying with TLS SignatureScheme codes.
#ifndef TLSIO_SRC_CRYPTO_SIG_HPP
#define TLSIO_SRC_CRYPTO_SIG_HPP

#include "crypto/types.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

struct evp_pkey_st;

namespace tlsio::crypto {

/// What a key is, as far as TLS signature schemes care.
enum class key_type { unsupported, rsa, rsa_pss, ec_p256, ec_p384, ec_p521, ed25519 };

/// TLS SignatureScheme code points (RFC 8446 section 4.2.3).
namespace scheme {
inline constexpr std::uint16_t rsa_pkcs1_sha256 = 0x0401;
inline constexpr std::uint16_t rsa_pkcs1_sha384 = 0x0501;
inline constexpr std::uint16_t rsa_pkcs1_sha512 = 0x0601;
inline constexpr std::uint16_t ecdsa_secp256r1_sha256 = 0x0403;
inline constexpr std::uint16_t ecdsa_secp384r1_sha384 = 0x0503;
inline constexpr std::uint16_t ecdsa_secp521r1_sha512 = 0x0603;
inline constexpr std::uint16_t rsa_pss_rsae_sha256 = 0x0804;
inline constexpr std::uint16_t rsa_pss_rsae_sha384 = 0x0805;
inline constexpr std::uint16_t rsa_pss_rsae_sha512 = 0x0806;
inline constexpr std::uint16_t ed25519 = 0x0807;
inline constexpr std::uint16_t rsa_pss_pss_sha256 = 0x0809;
inline constexpr std::uint16_t rsa_pss_pss_sha384 = 0x080a;
inline constexpr std::uint16_t rsa_pss_pss_sha512 = 0x080b;
}  // namespace scheme

/// True when a key of type `k` can produce signatures of `scheme`
/// (e.g. ecdsa_secp256r1_sha256 needs a P-256 key; rsa_pss_rsae_* an rsaEncryption key).
bool scheme_matches_key(std::uint16_t scheme, key_type k) noexcept;
/// The same in TLS 1.2, where an ecdsa_* scheme names only the hash (RFC 5246
/// 7.4.1.4.1): a key on any of the NIST curves may sign with it.
bool scheme_matches_key12(std::uint16_t scheme, key_type k) noexcept;

/// A public key (from a certificate or SubjectPublicKeyInfo).
class public_key {
public:
    public_key();
    public_key(const public_key&);
    public_key& operator=(const public_key&);
    public_key(public_key&&) noexcept;
    public_key& operator=(public_key&&) noexcept;
    ~public_key();

    /// Takes a reference to an existing libcrypto key (up-ref, not a copy).
    static public_key from_native(evp_pkey_st* key);
    /// Parses DER SubjectPublicKeyInfo.
    static std::optional<public_key> from_spki(byte_view der);

    key_type type() const noexcept { return type_; }
    /// Modulus size for RSA, field size for EC; 0 if not known.
    int bits() const noexcept;
    evp_pkey_st* native() const noexcept { return key_.get(); }

    /// Verifies `signature` over `message` with `scheme`. False when the scheme
    /// does not fit the key type, the signature does not verify, or it is not a
    /// strict encoding (ECDSA: DER with no trailing bytes; Ed25519: canonical).
    bool verify(std::uint16_t scheme, byte_view message, byte_view signature) const;
    /// verify() with TLS 1.2's reading of the scheme (scheme_matches_key12).
    bool verify12(std::uint16_t scheme, byte_view message, byte_view signature) const;

private:
    struct deleter {
        void operator()(evp_pkey_st* p) const noexcept;
    };
    std::unique_ptr<evp_pkey_st, deleter> key_;
    key_type type_ = key_type::unsupported;
};

/// Supplies the pass phrase of an encrypted private key, at most `max_length`
/// bytes. Empty function: encrypted keys fail to load.
using password_source = std::function<std::string(std::size_t max_length)>;

/// A private key held in memory.
class private_key {
public:
    private_key();
    private_key(private_key&&) noexcept;
    private_key& operator=(private_key&&) noexcept;
    ~private_key();

    /// Parses a PEM private key (PKCS#8, traditional RSA or EC), unencrypted.
    static std::optional<private_key> from_pem(std::string_view pem);
    /// Parses a DER PKCS#8 (or traditional) private key.
    static std::optional<private_key> from_der(byte_view der);
    /// Like from_pem and from_der, but an encrypted key (PKCS#8 or traditional
    /// PEM with Proc-Type: 4,ENCRYPTED) is decrypted with `password`.
    static std::optional<private_key> from_pem(std::string_view pem,
                                               const password_source& password);
    static std::optional<private_key> from_der(byte_view der, const password_source& password);

    key_type type() const noexcept { return type_; }
    evp_pkey_st* native() const noexcept { return key_.get(); }

    /// True when `pub` is this key's public half.
    bool matches(const public_key& pub) const;

    /// Signs `message` with `scheme` (hashing included). RSA-PSS uses a salt as
    /// long as the hash, as TLS 1.3 requires. False on mismatch or failure.
    bool sign(std::uint16_t scheme, byte_view message, bytes& signature) const;

private:
    /// Takes ownership of `key`; nullopt when it is null.
    static std::optional<private_key> adopt(evp_pkey_st* key);
    struct deleter {
        void operator()(evp_pkey_st* p) const noexcept;
    };
    /// Signing contexts already set up for this key, so a handshake does not
    /// fetch the algorithm and build one each time (shared by threads).
    struct signer_pool;
    struct pool_deleter {
        void operator()(signer_pool* p) const noexcept;
    };
    std::unique_ptr<evp_pkey_st, deleter> key_;
    std::unique_ptr<signer_pool, pool_deleter> signers_;
    key_type type_ = key_type::unsupported;
};

}  // namespace tlsio::crypto

#endif
