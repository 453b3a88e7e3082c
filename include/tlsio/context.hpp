//
// tlsio/context.hpp: configuration shared by many connections.
//
#ifndef TLSIO_CONTEXT_HPP
#define TLSIO_CONTEXT_HPP

#include <tlsio/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// libcrypto's type, named here without including libcrypto's headers.
typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace tlsio {

/// Which end of a connection an engine or stream plays.
enum class role { client, server };

/// TLS 1.3 cipher suites (RFC 8446 appendix B.4).
enum class cipher_suite : std::uint16_t {
    aes_128_gcm_sha256 = 0x1301,
    aes_256_gcm_sha384 = 0x1302,
    chacha20_poly1305_sha256 = 0x1303,
};

/// Key exchange groups (RFC 8446 section 4.2.7).
enum class named_group : std::uint16_t {
    secp256r1 = 0x0017,
    secp384r1 = 0x0018,
    x25519 = 0x001d,
};

/// Signature schemes (RFC 8446 section 4.2.3).
enum class signature_scheme : std::uint16_t {
    rsa_pkcs1_sha256 = 0x0401,
    rsa_pkcs1_sha384 = 0x0501,
    rsa_pkcs1_sha512 = 0x0601,
    ecdsa_secp256r1_sha256 = 0x0403,
    ecdsa_secp384r1_sha384 = 0x0503,
    ecdsa_secp521r1_sha512 = 0x0603,
    rsa_pss_rsae_sha256 = 0x0804,
    rsa_pss_rsae_sha384 = 0x0805,
    rsa_pss_rsae_sha512 = 0x0806,
    ed25519 = 0x0807,
    rsa_pss_pss_sha256 = 0x0809,
    rsa_pss_pss_sha384 = 0x080a,
    rsa_pss_pss_sha512 = 0x080b,
};

/// Protocol versions as on the wire.
enum class protocol_version : std::uint16_t { tls12 = 0x0303, tls13 = 0x0304 };

/// IANA names, e.g. "TLS_AES_128_GCM_SHA256", "x25519", "ecdsa_secp256r1_sha256".
const char* name(cipher_suite s) noexcept;
const char* name(named_group g) noexcept;
const char* name(signature_scheme s) noexcept;
const char* name(protocol_version v) noexcept;

/// Verification modes, with the values and meaning of asio::ssl's.
using verify_mode = int;
inline constexpr verify_mode verify_none = 0x00;
inline constexpr verify_mode verify_peer = 0x01;
inline constexpr verify_mode verify_fail_if_no_peer_cert = 0x02;

/// What a verify callback sees: the certificate being checked and the
/// verification state, like asio::ssl::verify_context.
class verify_context {
public:
    explicit verify_context(X509_STORE_CTX* ctx) noexcept : ctx_(ctx) {}
    /// The libcrypto store context (X509_STORE_CTX_get_current_cert,
    /// X509_STORE_CTX_get_error, X509_STORE_CTX_get_error_depth work on it).
    X509_STORE_CTX* native_handle() const noexcept { return ctx_; }

private:
    X509_STORE_CTX* ctx_;
};

/// Called for every certificate of the peer's chain during verification.
/// Return true to accept the certificate, false to fail the handshake.
/// `preverified` is libcrypto's own verdict for this certificate.
using verify_callback = std::function<bool(bool preverified, verify_context& ctx)>;

/// Signs for a private key the engine does not hold (an HSM, a key server,
/// or a test replaying a known signature). Writes the signature over `message`
/// (the CertificateVerify content, unhashed) with `scheme` into `signature`.
/// Returns false to fail the handshake with internal_error.
using sign_callback =
    std::function<bool(signature_scheme scheme, std::span<const std::uint8_t> message,
                       std::vector<std::uint8_t>& signature)>;

/// Fills a buffer with random bytes. The default is libcrypto's CSPRNG.
using random_source = std::function<void(std::span<std::uint8_t> out)>;

/// The time used for certificate validity checks. The default is the system clock.
using clock_source = std::function<std::chrono::system_clock::time_point()>;

/// Receives NSS key-log lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>"),
/// without a trailing newline.
using keylog_callback = std::function<void(std::string_view line)>;

class context;

/// Server side: picks the context whose certificates serve the name the client
/// asked for (SNI). Return nullptr to keep the current context.
using server_name_callback =
    std::function<std::shared_ptr<const context>(std::string_view server_name)>;

/// One TLS extension as the test hook sees it.
struct raw_extension {
    std::uint16_t type;
    std::vector<std::uint8_t> data;
};

/// Test-only: may edit the extensions of an outgoing handshake message of
/// type `message_type` (1 = ClientHello, 8 = EncryptedExtensions, ...) before
/// it is encoded. Production code has no reason to set it.
using extension_hook =
    std::function<void(std::uint8_t message_type, std::vector<raw_extension>& extensions)>;

/// Configuration shared by many connections: credentials, trust, algorithms,
/// ALPN and hooks.
///
/// A context is cheap to copy (copies share state until one is changed).
/// Engines and streams take a snapshot when they are created, so changing a
/// context later affects only connections created afterwards.
///
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe to change while another
/// thread uses it; creating connections from it concurrently is safe.
class context {
public:
    /// The methods of asio::ssl::context that make sense for TLS 1.3; they all
    /// give the same context, whose role is chosen per connection.
    enum method { tls, tls_client, tls_server, tlsv13, tlsv13_client, tlsv13_server };

    context();
    explicit context(method m);
    context(const context&);
    context& operator=(const context&);
    context(context&&) noexcept;
    context& operator=(context&&) noexcept;
    ~context();

    // ---- Credentials -----------------------------------------------------

    /// Sets the certificate chain (PEM, leaf first) for the next private key.
    /// A chain and a key together make one credential; call both again to add
    /// another credential (e.g. an RSA and an ECDSA one). The server picks the
    /// credential that the client's signature_algorithms allow.
    void use_certificate_chain(std::string_view pem);
    void use_certificate_chain(std::string_view pem, boost::system::error_code& ec);
    void use_certificate_chain_file(const std::string& path);
    void use_certificate_chain_file(const std::string& path, boost::system::error_code& ec);

    /// Sets the private key (PEM) for the last chain given.
    void use_private_key(std::string_view pem);
    void use_private_key(std::string_view pem, boost::system::error_code& ec);
    void use_private_key_file(const std::string& path);
    void use_private_key_file(const std::string& path, boost::system::error_code& ec);

    /// Adds a credential whose private key stays outside tlsio: `signer` is
    /// called to sign each CertificateVerify.
    void use_certificate_chain_with_signer(std::string_view pem, sign_callback signer);
    void use_certificate_chain_with_signer(std::string_view pem, sign_callback signer,
                                           boost::system::error_code& ec);

    // ---- Trust -----------------------------------------------------------

    /// Adds the CA certificates of a PEM file (asio: load_verify_file).
    void load_verify_file(const std::string& path);
    void load_verify_file(const std::string& path, boost::system::error_code& ec);
    /// Adds CA certificates from memory (asio: add_certificate_authority).
    void add_certificate_authority(std::string_view pem);
    void add_certificate_authority(std::string_view pem, boost::system::error_code& ec);
    /// Adds a c_rehash'ed directory of CA certificates (asio: add_verify_path).
    void add_verify_path(const std::string& path);
    void add_verify_path(const std::string& path, boost::system::error_code& ec);
    /// Adds the system's default trust (asio: set_default_verify_paths).
    void set_default_verify_paths();
    void set_default_verify_paths(boost::system::error_code& ec);

    /// verify_none, verify_peer, verify_peer | verify_fail_if_no_peer_cert.
    /// The default is verify_peer for clients; servers ask for a client
    /// certificate only when verify_peer is set.
    void set_verify_mode(verify_mode mode);
    void set_verify_callback(verify_callback callback);

    // ---- Algorithms ------------------------------------------------------

    /// The range of protocol versions to negotiate. tlsio implements TLS 1.3
    /// only for now, so the range must include it; otherwise this throws (or
    /// sets `ec` to) error::protocol_version.
    void set_protocol_versions(protocol_version min, protocol_version max);
    void set_protocol_versions(protocol_version min, protocol_version max,
                               boost::system::error_code& ec);

    /// Cipher suites in preference order (the server uses its own order).
    void set_cipher_suites(std::vector<cipher_suite> suites);
    /// Groups in preference order; the client sends a key share for the first.
    void set_groups(std::vector<named_group> groups);
    /// Signature schemes offered/accepted in CertificateVerify, preference order.
    void set_signature_schemes(std::vector<signature_scheme> schemes);

    // ---- Application protocols and names ----------------------------------

    /// ALPN protocols in preference order ("h2", "http/1.1"). The client offers
    /// them; the server picks the first of its own list the client offered.
    /// A server with a list fails a client whose list shares nothing with it
    /// (no_application_protocol).
    void set_alpn_protocols(std::vector<std::string> protocols);
    /// Server: choose a context (certificates) per SNI name.
    void set_server_name_callback(server_name_callback callback);

    // ---- Hooks -----------------------------------------------------------

    void set_random_source(random_source source);
    void set_clock(clock_source clock);
    void set_keylog_callback(keylog_callback callback);
    void set_extension_hook(extension_hook hook);
    /// Sends a KeyUpdate after `records` records under one key. The default,
    /// 2^24, stays below the AES-GCM limit of RFC 8446 section 5.5; larger
    /// values are clamped to it.
    void set_key_update_interval(std::uint64_t records);
    /// Middlebox compatibility mode (RFC 8446 appendix D.4): the client sends a
    /// legacy session id and a ChangeCipherSpec before its second flight. On by
    /// default, as in OpenSSL.
    void set_middlebox_compatibility(bool enabled);
    /// libcrypto's security level for the peer's certificates (as
    /// SSL_CTX_set_security_level): path validation refuses keys and
    /// signature hashes weaker than it, and a CertificateVerify key below it is
    /// refused even when verification is off. Level 2, the default, needs 112
    /// bits of security: RSA keys of 2048 bits or more, no MD5 or SHA-1
    /// signatures in the chain (the trust anchor's own signature is not
    /// checked). Levels 1 to 5 ask for 80, 112, 128, 192 and 256 bits; level 0
    /// checks nothing.
    /// @throws boost::system::system_error (invalid_argument) outside 0 to 5.
    void set_security_level(int level);
    /// The level set by set_security_level (2 unless changed).
    int security_level() const noexcept;

    /// Implementation details shared with the engine.
    struct impl;
    const std::shared_ptr<const impl>& state() const noexcept;

private:
    impl& writable();
    std::shared_ptr<const impl> impl_;
};

}  // namespace tlsio

#endif
