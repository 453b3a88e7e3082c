// X.509 certificates, trust stores and path validation over libcrypto.
#ifndef TLSIO_SRC_CRYPTO_X509_HPP
#define TLSIO_SRC_CRYPTO_X509_HPP

#include "crypto/sig.hpp"
#include "crypto/types.hpp"

#include <tlsio/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct x509_st;
struct x509_store_st;
struct x509_store_ctx_st;

namespace tlsio::crypto {

/// A parsed certificate. Copies share the same libcrypto object (up-ref).
class certificate {
public:
    certificate();
    certificate(const certificate&);
    certificate& operator=(const certificate&);
    certificate(certificate&&) noexcept;
    certificate& operator=(certificate&&) noexcept;
    ~certificate();

    /// Parses DER; nullopt on malformed input or trailing bytes.
    static std::optional<certificate> from_der(byte_view der);

    /// Like from_der, but a certificate whose exact bytes were parsed recently
    /// comes from a small process-wide cache: d2i_X509 costs ~120 us, mostly
    /// decoding the public key, while peers present the same chain again and
    /// again. Verification still runs on every use.
    static std::optional<certificate> from_der_cached(byte_view der);

    x509_st* native() const noexcept { return cert_.get(); }
    const bytes& der() const noexcept { return der_; }
    public_key key() const;
    /// One-line RFC 2253 subject and issuer names.
    std::string subject() const;
    std::string issuer() const;

    /// True when the certificate is valid for `host`: a DNS name (with the
    /// wildcard rules of X509_check_host, no partial wildcards) or an IP literal.
    bool matches_host(std::string_view host) const;
    /// The TLS SignatureScheme of the certificate's own signature (how its issuer
    /// signed it), or 0 when it has none. RSA-PSS maps to rsa_pss_rsae_*.
    std::uint16_t signature_scheme() const;
    /// False when a keyUsage extension is present without digitalSignature:
    /// such a key may not sign a TLS 1.3 CertificateVerify (RFC 8446 4.4.2.2).
    bool allows_digital_signature() const;

private:
    struct deleter {
        void operator()(x509_st* p) const noexcept;
    };
    std::unique_ptr<x509_st, deleter> cert_;
    bytes der_;
};

/// For a verify callback (asio's host_name_verification): true when the
/// certificate `ctx` is checking is not the leaf, or is a leaf valid for `host`
/// (the rules of certificate::matches_host).
bool verify_context_matches_host(x509_store_ctx_st* ctx, std::string_view host);

/// All certificates in a PEM text, in order, as DER. Empty when there are none
/// or one does not parse.
std::vector<bytes> pem_certificates_to_der(std::string_view pem);

/// Reads a whole file. nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

/// Which end the chain being verified belongs to (selects the X.509 purpose).
enum class peer_role { server, client };

/// A set of trust anchors (an X509_STORE).
class trust_store {
public:
    trust_store();
    trust_store(trust_store&&) noexcept;
    trust_store& operator=(trust_store&&) noexcept;
    ~trust_store();

    /// Adds every certificate of a PEM text. False if none parsed.
    bool add_pem(std::string_view pem);
    /// Adds a PEM file of certificates (like SSL_CTX_load_verify_locations(f, NULL)).
    bool load_file(const std::string& path);
    /// Adds a hashed directory (like SSL_CTX_load_verify_locations(NULL, d)).
    bool add_directory(const std::string& path);
    /// Adds libcrypto's default locations (SSL_CERT_FILE / SSL_CERT_DIR honoured).
    bool set_default_paths();
    bool empty() const noexcept { return empty_; }

    /// A new store with the same anchors, loaded again from the same sources
    /// (libcrypto cannot copy an X509_STORE). Used when a copied context
    /// changes its trust, so the original keeps its own.
    trust_store clone() const;

    /// Unique among all stores of the process, and changed by every addition:
    /// a verification result cached under it is never applied to different anchors.
    std::uint64_t generation() const noexcept { return generation_; }

    x509_store_st* native() const noexcept { return store_.get(); }

private:
    struct deleter {
        void operator()(x509_store_st* p) const noexcept;
    };
    enum class source_kind { pem, file, directory, default_paths };
    struct source {
        source_kind kind;
        std::string text;  ///< the PEM itself, or a path
    };
    bool add(source_kind kind, std::string_view text);

    std::unique_ptr<x509_store_st, deleter> store_;
    std::vector<source> sources_;
    std::uint64_t generation_;
    bool empty_ = true;
};

/// Called for each certificate checked during path validation, like
/// OpenSSL's verify callback: return true to accept, false to reject.
using native_verify_callback = std::function<bool(bool preverified, x509_store_ctx_st* ctx)>;

struct verify_request {
    const trust_store* store = nullptr;
    std::span<const certificate> chain;  ///< leaf first, as received
    peer_role role = peer_role::server;
    std::string_view host;  ///< DNS name or IP literal; empty: no name check
    std::chrono::system_clock::time_point now;
    const native_verify_callback* callback = nullptr;
    /// Most intermediate certificates allowed between leaf and anchor, as
    /// SSL_CTX_set_verify_depth; negative: libcrypto's default (100).
    int max_depth = -1;
    /// libcrypto's security level (X509_VERIFY_PARAM_set_auth_level): keys
    /// and signature hashes of the chain weaker than it fail.
    int security_level = 2;
};

struct verify_result {
    boost::system::error_code error;  ///< empty on success; a tlsio::error otherwise
    std::string message;              ///< which check failed, for which certificate or name
    long x509_error = 0;              ///< X509_V_* code (0 = X509_V_OK), for the C facade
};

/// True when `key` gives at least the security bits of libcrypto's security
/// `level` (80, 112, 128, 192, 256 bits for levels 1 to 5; level 0: any key).
bool meets_security_level(const public_key& key, int level) noexcept;

/// Validates `chain` against the store at time `now`: path, validity times,
/// purpose (serverAuth / clientAuth EKU), leaf key usage digitalSignature when
/// present, key sizes and signature hashes against the security level, and host
/// name (DNS or IP) when given. Maps the failure to a specific tlsio::error
/// (certificate_expired, certificate_unknown_ca, certificate_host_mismatch,
/// certificate_bad_key_usage, certificate_too_weak, ...).
///
/// Without a callback, a success is remembered in a small process-wide cache
/// keyed by the exact DER of the chain, the store's generation, the purpose and
/// the host: the same chain verified again skips path building and signature
/// checks, but its validity times are still checked against `now`.
verify_result verify_chain(const verify_request& request);

}  // namespace tlsio::crypto

#endif
