//
// tlsio/context.hpp: configuration shared by many connections.
//
#ifndef TLSIO_CONTEXT_HPP
#define TLSIO_CONTEXT_HPP

#include <tlsio/export.h>
#include <tlsio/error.hpp>

#include <boost/asio/buffer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// libcrypto's type, named here without including libcrypto's headers.
typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace tlsio {

/// Which end of a connection an engine or stream plays.
enum class role { client, server };

/// Cipher suites: TLS 1.3 (RFC 8446 appendix B.4) and the forward-secret AEAD
/// suites of TLS 1.2 (RFC 5289, RFC 7905); no CBC, static RSA, DHE, RC4 or 3DES.
enum class cipher_suite : std::uint16_t {
    aes_128_gcm_sha256 = 0x1301,
    aes_256_gcm_sha384 = 0x1302,
    chacha20_poly1305_sha256 = 0x1303,
    aes_128_ccm_sha256 = 0x1304,  ///< off by default; enable with set_cipher_suites
    ecdhe_ecdsa_with_aes_128_gcm_sha256 = 0xc02b,        ///< TLS 1.2
    ecdhe_ecdsa_with_aes_256_gcm_sha384 = 0xc02c,        ///< TLS 1.2
    ecdhe_rsa_with_aes_128_gcm_sha256 = 0xc02f,          ///< TLS 1.2
    ecdhe_rsa_with_aes_256_gcm_sha384 = 0xc030,          ///< TLS 1.2
    ecdhe_rsa_with_chacha20_poly1305_sha256 = 0xcca8,    ///< TLS 1.2
    ecdhe_ecdsa_with_chacha20_poly1305_sha256 = 0xcca9,  ///< TLS 1.2
};

/// Key exchange groups (RFC 8446 section 4.2.7; ffdhe: RFC 7919).
enum class named_group : std::uint16_t {
    secp256r1 = 0x0017,
    secp384r1 = 0x0018,
    secp521r1 = 0x0019,
    x25519 = 0x001d,
    x448 = 0x001e,
    ffdhe2048 = 0x0100,
    ffdhe3072 = 0x0101,
    ffdhe4096 = 0x0102,
    ffdhe6144 = 0x0103,
    ffdhe8192 = 0x0104,
    /// Post-quantum hybrids (draft-ietf-tls-ecdhe-mlkem): ML-KEM (FIPS 203)
    /// with (EC)DH; the shared secret holds both, so the key stays safe while
    /// either is unbroken. IANA names X25519MLKEM768, SecP256r1MLKEM768,
    /// SecP384r1MLKEM1024.
    secp256r1_mlkem768 = 0x11eb,
    x25519_mlkem768 = 0x11ec,
    secp384r1_mlkem1024 = 0x11ed,
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
TLSIO_API const char* name(cipher_suite s) noexcept;
TLSIO_API const char* name(named_group g) noexcept;
TLSIO_API const char* name(signature_scheme s) noexcept;
TLSIO_API const char* name(protocol_version v) noexcept;
/// The name OpenSSL gives a suite (SSL_get_cipher_name): the IANA name for
/// TLS 1.3 suites, e.g. "ECDHE-ECDSA-AES128-GCM-SHA256" for TLS 1.2 ones.
TLSIO_API const char* openssl_name(cipher_suite s) noexcept;

/// Verification modes, with the values and meaning of asio::ssl's.
using verify_mode = int;
inline constexpr verify_mode verify_none = 0x00;
inline constexpr verify_mode verify_peer = 0x01;
inline constexpr verify_mode verify_fail_if_no_peer_cert = 0x02;
/// Accepted for asio compatibility: TLS 1.3 has no renegotiation, so a client
/// certificate is only ever asked for once.
inline constexpr verify_mode verify_client_once = 0x04;

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

namespace testing {
struct context_access;
}

/// A verify callback that checks the leaf certificate against a host name,
/// like asio::ssl::host_name_verification (RFC 6125 rules: DNS names with
/// whole-label wildcards, or an IP literal against the IP addresses).
///
/// tlsio checks the name by itself when the stream is given one
/// (stream::set_host); this class is for code written for asio:
/// @code
/// stream.set_verify_callback(tlsio::host_name_verification("example.com"));
/// @endcode
class TLSIO_API host_name_verification {
public:
    using result_type = bool;
    explicit host_name_verification(std::string host) : host_(std::move(host)) {}
    /// @return false when `preverified` is false, or when `ctx` is at the leaf
    /// and the leaf is not valid for the host.
    bool operator()(bool preverified, verify_context& ctx) const;

private:
    std::string host_;
};

/// asio::ssl::rfc2818_verification, deprecated by asio in favour of
/// host_name_verification; the same check.
class rfc2818_verification : public host_name_verification {
public:
    using host_name_verification::host_name_verification;
};

/// Server side: picks the context whose certificates serve the name the client
/// asked for (SNI). Return nullptr to keep the current context.
using server_name_callback =
    std::function<std::shared_ptr<const context>(std::string_view server_name)>;

/// Server side: what the client offered in its ClientHello, as the
/// ClientHello callback sees it (context::set_client_hello_callback). Every
/// list is in the client's order and keeps values tlsio does not know (GREASE).
/// The object stays valid while the handshake waits for the answer.
struct client_hello_info {
    /// The SNI host name; empty when the client sent none.
    std::string server_name;
    /// The ALPN protocols offered; empty when the client sent no ALPN.
    std::vector<std::string> alpn_protocols;
    /// supported_versions.
    std::vector<protocol_version> versions;
    /// supported_groups.
    std::vector<named_group> groups;
    /// signature_algorithms.
    std::vector<signature_scheme> signature_schemes;
    /// cipher_suites.
    std::vector<cipher_suite> cipher_suites;
};

struct client_hello_answer;

/// Server side: called once per connection, after the ClientHello is parsed
/// and before anything is sent (after the server name callback, if any).
///
/// Return an answer to go on at once. Return `std::nullopt` to answer later:
/// the engine's calls then return status::want_application until
/// engine::answer_client_hello() is called (tlsio::stream does this for you:
/// see stream::answer_client_hello). The callback runs in the thread that
/// drives the handshake and must not call into the same engine or stream.
using client_hello_callback =
    std::function<std::optional<client_hello_answer>(const client_hello_info& hello)>;

/// The names of asio::ssl::context_base, with its values, so that code written
/// for asio (`ssl::context::tls_client`, `ssl::context::default_workarounds`,
/// `ssl::context::pem`, `ssl::context_base::password_purpose`) compiles as is.
class context_base {
public:
    /// The protocol methods of asio. `tls`, `tls_client`, `tls_server`,
    /// `sslv23`, `sslv23_client` and `sslv23_server` make a context with the
    /// default version range; `tlsv12*` a TLS 1.2-only and `tlsv13*` a TLS
    /// 1.3-only context; the others are refused by the constructor (see
    /// context(method)).
    enum method {
        sslv2,
        sslv2_client,
        sslv2_server,
        sslv3,
        sslv3_client,
        sslv3_server,
        tlsv1,
        tlsv1_client,
        tlsv1_server,
        sslv23,
        sslv23_client,
        sslv23_server,
        tlsv11,
        tlsv11_client,
        tlsv11_server,
        tlsv12,
        tlsv12_client,
        tlsv12_server,
        tlsv13,
        tlsv13_client,
        tlsv13_server,
        tls,
        tls_client,
        tls_server
    };

    /// Bit mask of set_options and clear_options (OpenSSL 3's SSL_OP_* values).
    using options = long;
    /// Workarounds for bugs of TLS 1.2 and older peers: nothing to do in TLS 1.3.
    static constexpr options default_workarounds = 0x80000850L;
    /// Fresh DH keys for each handshake: tlsio's key exchange is always ephemeral.
    static constexpr options single_dh_use = 0;
    /// The no_* version options: tlsio never speaks SSL 3.0, TLS 1.0 or 1.1
    /// anyway; no_tlsv1_2 and no_tlsv1_3 take that version out of the range.
    static constexpr options no_sslv2 = 0;
    static constexpr options no_sslv3 = 1L << 25;
    static constexpr options no_tlsv1 = 1L << 26;
    static constexpr options no_tlsv1_1 = 1L << 28;
    static constexpr options no_tlsv1_2 = 1L << 27;
    /// Refused by set_options when it would leave no version to negotiate.
    static constexpr options no_tlsv1_3 = 1L << 29;
    /// TLS 1.3 has no compression: nothing to turn off.
    static constexpr options no_compression = 1L << 17;

    /// The encoding of certificates and keys given in memory or in files.
    enum file_format {
        asn1,  ///< DER
        pem    ///< PEM
    };

    /// Why a password callback is asked for a pass phrase.
    enum password_purpose {
        for_reading,  ///< To decrypt a private key.
        for_writing   ///< Never asked by tlsio.
    };

protected:
    ~context_base() = default;
};

/// Supplies the pass phrase of encrypted private keys:
/// `std::string(std::size_t max_length, context_base::password_purpose)`.
using password_callback =
    std::function<std::string(std::size_t max_length, context_base::password_purpose purpose)>;

/// Configuration shared by many connections: credentials, trust, algorithms,
/// ALPN and hooks. The counterpart of asio::ssl::context, with its members
/// (the asio names are listed with each member below).
///
/// @par What streams see of later changes
/// The trust store (load_verify_file, add_certificate_authority,
/// add_verify_path, set_default_verify_paths) is shared by reference with
/// every stream and engine made from the context, as asio::ssl shares its
/// X509_STORE: a CA added later is trusted by every handshake that verifies
/// after the addition, also on streams made before it. Everything else
/// (credentials, verify mode and callback, algorithms, ALPN, hooks) is taken
/// when the stream is made, as libssl's SSL_new copies it.
///
/// A context is cheap to copy. A copy shares the original's trust store (so it
/// also sees CAs added to the original later) until the copy's own trust is
/// changed: then the copy gets a store of its own, with the same anchors, and
/// the original and streams made from it never see the copy's additions.
/// Other settings are copied on write.
///
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe to change while another
/// thread uses it or a stream made from it (adding a CA while another thread
/// handshakes with the same trust store is a data race; asio's store is
/// locked, tlsio's is not); creating connections from it concurrently is safe.
class TLSIO_API context : public context_base {
public:
    /// Implementation details shared with the engine.
    struct TLSIO_LOCAL impl;

    /// A context whose role is chosen per connection (asio: tls).
    context();
    /// asio::ssl::context(method).
    /// @throws boost::system::system_error (error::unsupported_version) for the
    /// methods of insecure versions tlsio does not implement: `sslv2*`,
    /// `sslv3*`, `tlsv1*`, `tlsv11*`.
    explicit context(method m);
    context(const context&);
    context& operator=(const context&);
    context(context&&) noexcept;
    context& operator=(context&&) noexcept;
    ~context();

    /// The context's state, for the engine. libssl's SSL_CTX_* functions do not
    /// take it: tlsio has no SSL_CTX behind a context (asio: native_handle).
    using native_handle_type = const impl*;
    native_handle_type native_handle() const noexcept { return impl_.get(); }

    // ---- Options (asio: set_options, clear_options) -------------------------

    /// Sets options. `default_workarounds`, `single_dh_use`, `no_compression`
    /// and the `no_*` options of versions before TLS 1.2 are accepted and have
    /// nothing to change (documented no-ops); `no_tlsv1_2` and `no_tlsv1_3`
    /// take that version out of the range.
    /// @throws boost::system::system_error: error::unsupported_version when no
    /// version would be left, error::unsupported_option for any other bit
    /// (nothing is silently ignored).
    void set_options(options o);
    void set_options(options o, boost::system::error_code& ec);
    /// Clears options. Clearing `no_tlsv1_2` / `no_tlsv1_3` puts that version
    /// back in the range; the other `no_*` versions are never spoken.
    void clear_options(options o);
    void clear_options(options o, boost::system::error_code& ec);
    /// The options set (what set_options accepted, minus what was cleared).
    options get_options() const noexcept;

    // ---- Credentials -----------------------------------------------------

    /// Sets the certificate chain (PEM, leaf first) for the next private key.
    /// A chain and a key together make one credential; call both again to add
    /// another credential (e.g. an RSA and an ECDSA one). The server picks the
    /// credential that the client's signature_algorithms allow.
    /// (asio: use_certificate_chain(const_buffer), use_certificate_chain_file)
    void use_certificate_chain(std::string_view pem);
    void use_certificate_chain(std::string_view pem, boost::system::error_code& ec);
    void use_certificate_chain(const boost::asio::const_buffer& pem);
    void use_certificate_chain(const boost::asio::const_buffer& pem, boost::system::error_code& ec);
    void use_certificate_chain_file(const std::string& path);
    void use_certificate_chain_file(const std::string& path, boost::system::error_code& ec);

    /// Sets a leaf certificate without intermediates for the next private key
    /// (asio: use_certificate, use_certificate_file).
    void use_certificate(const boost::asio::const_buffer& certificate, file_format format);
    void use_certificate(const boost::asio::const_buffer& certificate, file_format format,
                         boost::system::error_code& ec);
    void use_certificate_file(const std::string& path, file_format format);
    void use_certificate_file(const std::string& path, file_format format,
                              boost::system::error_code& ec);

    /// Sets the private key for the last chain given. An encrypted key is
    /// decrypted with the password callback; without one, loading fails with
    /// error::key_password_required. (asio: use_private_key,
    /// use_private_key_file; the `rsa` forms also require an RSA key.)
    /// @throws boost::system::system_error: error::key_load_failed (no chain
    /// given first, a key that does not parse or does not match the chain),
    /// error::key_password_required, error::key_password_wrong.
    void use_private_key(std::string_view pem);
    void use_private_key(std::string_view pem, boost::system::error_code& ec);
    void use_private_key(const boost::asio::const_buffer& key, file_format format);
    void use_private_key(const boost::asio::const_buffer& key, file_format format,
                         boost::system::error_code& ec);
    void use_private_key_file(const std::string& path);
    void use_private_key_file(const std::string& path, boost::system::error_code& ec);
    void use_private_key_file(const std::string& path, file_format format);
    void use_private_key_file(const std::string& path, file_format format,
                              boost::system::error_code& ec);
    void use_rsa_private_key(const boost::asio::const_buffer& key, file_format format);
    void use_rsa_private_key(const boost::asio::const_buffer& key, file_format format,
                             boost::system::error_code& ec);
    void use_rsa_private_key_file(const std::string& path, file_format format);
    void use_rsa_private_key_file(const std::string& path, file_format format,
                                  boost::system::error_code& ec);

    /// Sets the callback asked for the pass phrase of encrypted private keys
    /// loaded afterwards (asio: set_password_callback). It is called with
    /// the largest pass phrase length and `for_reading`.
    template <class PasswordCallback>
    void set_password_callback(PasswordCallback callback) {
        set_password_callback_impl(password_callback(std::move(callback)));
    }
    template <class PasswordCallback>
    void set_password_callback(PasswordCallback callback, boost::system::error_code& ec) {
        ec.clear();
        set_password_callback_impl(password_callback(std::move(callback)));
    }

    /// Accepted and ignored (asio: use_tmp_dh, use_tmp_dh_file): finite-field
    /// DHE parameters have no use, since tlsio offers no DHE group; its key
    /// exchange is ECDHE (x25519, P-256, P-384) with a fresh key per handshake.
    void use_tmp_dh(const boost::asio::const_buffer& dh);
    void use_tmp_dh(const boost::asio::const_buffer& dh, boost::system::error_code& ec);
    void use_tmp_dh_file(const std::string& path);
    void use_tmp_dh_file(const std::string& path, boost::system::error_code& ec);

    /// Adds a credential whose private key stays outside tlsio: `signer` is
    /// called to sign each CertificateVerify.
    void use_certificate_chain_with_signer(std::string_view pem, sign_callback signer);
    void use_certificate_chain_with_signer(std::string_view pem, sign_callback signer,
                                           boost::system::error_code& ec);

    // ---- Trust -----------------------------------------------------------

    /// Adds the CA certificates of a PEM file (asio: load_verify_file).
    void load_verify_file(const std::string& path);
    void load_verify_file(const std::string& path, boost::system::error_code& ec);
    /// Adds CA certificates from memory (asio: add_certificate_authority; the
    /// const_buffer form takes PEM, one or more certificates).
    void add_certificate_authority(std::string_view pem);
    void add_certificate_authority(std::string_view pem, boost::system::error_code& ec);
    void add_certificate_authority(const boost::asio::const_buffer& pem);
    void add_certificate_authority(const boost::asio::const_buffer& pem,
                                   boost::system::error_code& ec);
    /// Adds a c_rehash'ed directory of CA certificates (asio: add_verify_path).
    void add_verify_path(const std::string& path);
    void add_verify_path(const std::string& path, boost::system::error_code& ec);
    /// Adds the system's default trust (asio: set_default_verify_paths).
    void set_default_verify_paths();
    void set_default_verify_paths(boost::system::error_code& ec);

    /// verify_none, verify_peer, verify_peer | verify_fail_if_no_peer_cert
    /// (| verify_client_once, which changes nothing in TLS 1.3).
    /// Unlike asio, the default is verify_peer for clients; servers ask for a
    /// client certificate only when verify_peer is set.
    void set_verify_mode(verify_mode mode);
    void set_verify_mode(verify_mode mode, boost::system::error_code& ec);
    /// Called for each certificate of the peer's chain (asio: set_verify_callback;
    /// host_name_verification is one).
    void set_verify_callback(verify_callback callback);
    void set_verify_callback(verify_callback callback, boost::system::error_code& ec);
    /// The most intermediate CA certificates allowed between the peer's
    /// certificate and a trust anchor (asio: set_verify_depth). A longer chain
    /// fails verification. The default is libcrypto's, 100.
    void set_verify_depth(int depth);
    void set_verify_depth(int depth, boost::system::error_code& ec);

    // ---- Algorithms ------------------------------------------------------

    /// The range of protocol versions to negotiate (TLS 1.2 and 1.3; the
    /// `no_tlsv1_2` / `no_tlsv1_3` options narrow it further). A client offers
    /// the versions of the range; a server picks the highest it shares with
    /// the client. `min` above `max` throws (or sets `ec` to)
    /// error::protocol_version.
    void set_protocol_versions(protocol_version min, protocol_version max);
    void set_protocol_versions(protocol_version min, protocol_version max,
                               boost::system::error_code& ec);

    /// Cipher suites in preference order (the server uses its own order). The
    /// TLS 1.3 and TLS 1.2 suites are separate lists: each list is replaced
    /// only when `suites` names a suite of its version (turn a version off with
    /// set_protocol_versions).
    void set_cipher_suites(std::vector<cipher_suite> suites);
    /// Groups in preference order; the client sends key shares as
    /// set_key_share_groups says, a server accepts any of them and picks the
    /// first in this order that the client sent a share for. The default is
    /// every group, the post-quantum hybrids first, then fast first:
    /// X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, x25519,
    /// secp256r1, secp384r1, x448, secp521r1, ffdhe2048 ... ffdhe8192.
    void set_groups(std::vector<named_group> groups);
    /// Client: the groups to send key shares for in the first ClientHello
    /// (in the order of set_groups; groups not set there are left out). More
    /// shares cost more key generation but spare a HelloRetryRequest when the
    /// server prefers another group. The default, as browsers do:
    /// X25519MLKEM768 and x25519, so a server without post-quantum groups
    /// still answers in one round trip; set_groups replaces that default by
    /// the first of its groups. Empty, or none of them in set_groups: the
    /// first group only.
    void set_key_share_groups(std::vector<named_group> groups);
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
    /// Server: see every ClientHello before anything is sent, and choose the
    /// ALPN protocol, the credential or another context, or refuse; at once
    /// or later (see client_hello_callback). An engine_options or stream
    /// callback replaces this one for its connection.
    ///
    /// @code
    /// ctx.set_client_hello_callback([&](const tlsio::client_hello_info& hello) {
    ///     tlsio::client_hello_answer answer;
    ///     if (hello.server_name == "other.example") answer.use_context = other_ctx;
    ///     return std::optional(answer);
    /// });
    /// @endcode
    void set_client_hello_callback(client_hello_callback callback);

    // ---- Hooks -----------------------------------------------------------

    void set_random_source(random_source source);
    void set_clock(clock_source clock);
    void set_keylog_callback(keylog_callback callback);
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

    // ---- Session resumption (RFC 8446 section 2.2) -------------------------

    /// Server: NewSessionTicket messages sent after each full handshake (2
    /// by default, as SSL_CTX_set_num_tickets; 0 sends none). Tickets are
    /// stateless: the session is sealed into the ticket with the context's
    /// ticket keys, so the server keeps nothing per client.
    void set_num_tickets(std::size_t count);
    /// Server: how long a ticket may be used, announced in it and enforced
    /// when it comes back (2 hours by default; at most 7 days, RFC 8446 4.6.1).
    /// @throws boost::system::system_error (invalid_argument) above 7 days or at 0.
    void set_ticket_lifetime(std::chrono::seconds lifetime);
    /// Server: a new ticket key every `interval` (12 hours by default); each
    /// key goes on opening the tickets it sealed for the ticket lifetime
    /// after it stopped sealing, then is wiped. Replaces keys installed with
    /// set_ticket_keys.
    /// @throws boost::system::system_error (invalid_argument) at 0.
    void set_ticket_key_rotation(std::chrono::seconds interval);
    /// One ticket key: a public name, sent in each ticket so the key can be
    /// found again, and a secret AES-256-GCM key.
    struct ticket_key {
        std::array<std::uint8_t, 16> name{};
        std::array<std::uint8_t, 32> key{};
    };
    /// Server: use these keys instead of generated ones, so that servers
    /// sharing them resume each other's sessions. The first seals new
    /// tickets; all of them open tickets. To rotate, call again with the new
    /// key first and the old ones after it for as long as their tickets may
    /// come back. An empty list sends no tickets and resumes nothing.
    void set_ticket_keys(const std::vector<ticket_key>& keys);
    /// Supplies ticket keys on demand (a fleet's key service, as OpenSSL's
    /// SSL_CTX_set_tlsext_ticket_key_evp_cb): called with nullptr for the key
    /// that seals a new ticket, and with a ticket's key name for the key that
    /// opens it. std::nullopt sends no ticket, or makes the ticket one that
    /// does not open (a full handshake). A key returned for a name must have
    /// that name. Called inside handshakes, from any thread that runs one:
    /// answer from memory, quickly.
    using ticket_key_callback =
        std::function<std::optional<ticket_key>(const std::array<std::uint8_t, 16>* name)>;
    /// Server: takes ticket keys from `callback` instead of set_ticket_keys
    /// or the generated ones.
    void set_ticket_key_callback(ticket_key_callback callback);
    /// Client: servers whose tickets are kept (256 by default, a few tickets
    /// each), least recently used out first. Engines and streams with a
    /// server name offer a ticket for that name by themselves, each ticket
    /// once. 0 keeps none (engine_options::session still offers one).
    void set_session_cache_size(std::size_t servers);
    /// Server: TLS 1.2 sessions kept by session ID for clients that do not
    /// take tickets (20,480 by default, as OpenSSL; the oldest out first).
    /// Clients that take tickets cost the server nothing. 0 keeps none.
    void set_server_session_cache_size(std::size_t sessions);
    /// Server: TLS 1.3 tickets become references to sessions kept in the
    /// server cache above, each used once: a ticket offered a second time
    /// (a replay, or a client reusing it) costs a full handshake, as does
    /// one evicted or issued by another process. Off by default: tickets are
    /// stateless and the server keeps nothing per client.
    void set_stateful_tickets(bool enabled);

    // ---- 0-RTT early data (RFC 8446 sections 2.3, 4.2.10 and 8) ------------

    /// Server: accept up to `size` bytes of 0-RTT early data per connection on
    /// resumption, announced in the tickets sent from now on (0, the default,
    /// turns 0-RTT off, as SSL_CTX_set_max_early_data). Early data is taken
    /// only on the first ClientHello (no HelloRetryRequest), for a ticket of
    /// this context with the same cipher suite and ALPN protocol as the
    /// original connection, sent within the freshness window and not seen
    /// before by the anti-replay check (see set_early_data_replay_check);
    /// otherwise the handshake goes on without it (the client resends it).
    /// A server engine that accepts early data returns status::done from
    /// handshake() after its flight; read() returns the early data
    /// (engine::data_is_early) and then completes the handshake.
    void set_max_early_data(std::uint32_t size);
    /// The value set by set_max_early_data.
    std::uint32_t max_early_data() const noexcept;
    /// Says whether a ClientHello's anti-replay id (its PSK binder, unique to
    /// that ClientHello) is new: true the first time, false for a replay.
    using early_data_replay_check = std::function<bool(std::span<const std::uint8_t> id)>;
    /// Server: replaces the built-in anti-replay check, which remembers the
    /// ids of this process's contexts for twice the freshness window (10
    /// seconds) in at most 65,536 entries (early data is refused while it is
    /// full). A fleet of servers sharing ticket keys must share this check
    /// too (RFC 8446 section 8.2), e.g. with a store all of them reach; it
    /// runs in the handshake, so it must answer quickly. An empty function
    /// restores the built-in check.
    void set_early_data_replay_check(early_data_replay_check check);

    /// The state engines are made from.
    const std::shared_ptr<const impl>& state() const noexcept;

private:
    friend struct testing::context_access;  // src/context/test_hooks.hpp

    impl& writable();
    /// writable(), with a trust store this context may change.
    impl& writable_trust();
    void set_password_callback_impl(password_callback callback);
    void use_key(std::string_view data, file_format format, bool rsa_only,
                 boost::system::error_code& ec);
    std::shared_ptr<const impl> impl_;
    /// False for a copy that has not changed its trust yet: its trust store is
    /// the original's, which it must not change (see the class comment).
    bool owns_trust_ = true;
};

/// Server side: the application's answer to a ClientHello (see
/// client_hello_callback). A
/// default-constructed answer changes nothing: the handshake goes on as it
/// would without a callback.
struct client_hello_answer {
    /// Serve the connection from this context instead: its credentials,
    /// algorithms, ALPN list and verify settings (as SSL_set_SSL_CTX in a
    /// libssl servername callback, or rustls' Acceptor handing over a config).
    std::optional<context> use_context{};
    /// Serve with this credential of the (new) context, by the order in which
    /// they were added (each use_certificate_chain + use_private_key pair
    /// counts one), instead of the one the client's signature algorithms
    /// suit best. An index past the end fails the handshake with
    /// error::invalid_argument.
    std::optional<std::size_t> credential{};
    /// The application protocol to select: one of client_hello_info's
    /// alpn_protocols, or an empty string to select none. Unset: the
    /// context's ALPN list decides. A protocol the client did not offer fails
    /// the handshake with error::invalid_argument.
    std::optional<std::string> alpn_protocol{};
    /// Refuse the connection: the server sends this alert and its handshake
    /// fails with error::client_hello_refused. (close_notify and
    /// user_canceled, which would not end the handshake, are sent as
    /// handshake_failure.)
    std::optional<alert> refuse{};
};

}  // namespace tlsio

#endif
