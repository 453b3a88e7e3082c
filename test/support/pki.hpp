// An in-memory test PKI built with libcrypto: CAs, intermediates and leaf
// certificates with the options the handshake and verification tests need.
//
// Everything is generated at run time so no test depends on key files that
// expire or go missing. RSA keys are slow to generate, so RSA keys come from a
// small per-process pool (several certificates may share one RSA key; that is
// harmless for tests and keeps the suites fast).
#ifndef TLSIO_TEST_SUPPORT_PKI_HPP
#define TLSIO_TEST_SUPPORT_PKI_HPP

#include <tlsio/context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct evp_pkey_st;
struct x509_st;

namespace tlsio::test {

using bytes = std::vector<std::uint8_t>;

enum class key_type { rsa2048, p256, p384, ed25519, p521 };

const char* name(key_type k) noexcept;

/// A private key (shared, immutable once made).
class private_key {
public:
    /// A new key; RSA keys come from the process-wide pool.
    static private_key generate(key_type k);
    /// A fresh RSA key of `bits` bits (type() says rsa2048, meaning RSA), for
    /// tests of weak keys.
    static private_key generate_rsa(unsigned bits);

    key_type type() const noexcept { return type_; }
    evp_pkey_st* native() const noexcept { return key_.get(); }
    /// Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    std::string pem() const;

private:
    key_type type_ = key_type::p256;
    std::shared_ptr<evp_pkey_st> key_;
};

/// Which keyUsage bits a leaf carries.
enum class key_usage {
    digital_signature,  ///< what TLS 1.3 needs (the default)
    key_encipherment,   ///< keyEncipherment only: unusable for TLS 1.3 signing
    absent,             ///< no keyUsage extension at all (any use allowed)
};

/// Options for a leaf certificate.
struct leaf_options {
    std::string common_name = "localhost";
    std::vector<std::string> dns_names = {"localhost"};
    std::vector<std::string> ip_addresses;  ///< "127.0.0.1", "::1"
    key_type key = key_type::p256;
    /// Validity; the defaults make a certificate valid for a month around now.
    std::chrono::system_clock::time_point not_before =
        std::chrono::system_clock::now() - std::chrono::hours(24);
    std::chrono::system_clock::time_point not_after =
        std::chrono::system_clock::now() + std::chrono::hours(24 * 30);
    key_usage usage = key_usage::digital_signature;
    /// extendedKeyUsage; both false means no EKU extension (any purpose).
    bool server_auth = true;
    bool client_auth = true;
    /// Nonzero: the leaf gets a fresh RSA key of this many bits instead of `key`.
    unsigned rsa_bits = 0;
    /// The digest the issuer signs the leaf with ("md5", "sha1", ...); empty:
    /// the issuer's usual one (SHA-256, SHA-384 for P-384, none for Ed25519).
    std::string signature_digest;
};

/// Paths of files written for tests that load from disk. The directory and
/// files are removed when the last copy goes away.
struct temp_files {
    std::string directory;
    std::string chain_path;  ///< leaf + intermediates, PEM
    std::string key_path;    ///< PKCS#8 PEM
    std::string ca_path;     ///< the root CA certificate, PEM

private:
    friend struct issued;
    std::shared_ptr<void> cleanup_;
};

/// A leaf certificate with its chain and key.
struct issued {
    std::shared_ptr<x509_st> leaf;
    private_key key;
    std::string leaf_pem;
    /// Leaf first, then the intermediates up to (not including) the root.
    std::string chain_pem;
    std::vector<bytes> chain_der;
    std::string key_pem;  ///< PKCS#8
    std::string ca_pem;   ///< the root that anchors the chain

    /// Writes chain, key and root CA to a fresh temporary directory.
    temp_files write_files() const;
};

/// A certificate authority (root or intermediate).
class authority {
public:
    /// A self-signed root.
    static authority make_root(const std::string& common_name, key_type k = key_type::p256);

    /// An intermediate CA signed by this one.
    authority make_intermediate(const std::string& common_name, key_type k = key_type::p256) const;

    /// A leaf signed by this CA.
    issued issue(const leaf_options& options) const;

    x509_st* native() const noexcept { return cert_.get(); }
    const private_key& key() const noexcept { return key_; }
    std::string cert_pem() const;
    /// The root of this CA's chain (itself for a root).
    const std::string& root_pem() const noexcept { return root_pem_; }

private:
    std::shared_ptr<x509_st> cert_;
    private_key key_;
    std::string root_pem_;
    /// PEM of this CA and the intermediates above it, excluding the root.
    std::string chain_above_pem_;
    std::vector<bytes> chain_above_der_;
};

/// PEM of one certificate.
std::string to_pem(x509_st* cert);
/// DER of one certificate.
bytes to_der(x509_st* cert);

/// Signs `message` the way a TLS 1.3 CertificateVerify needs for `scheme`
/// (ECDSA with the scheme's hash, RSA-PSS with salt = hash length, Ed25519
/// pure). For sign_callback implementations in tests. Empty on failure.
bytes sign(const private_key& key, signature_scheme scheme, std::span<const std::uint8_t> message);

/// Verifies such a signature with the public key of `cert`.
bool verify_signature(x509_st* cert, signature_scheme scheme, std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature);

}  // namespace tlsio::test

#endif
