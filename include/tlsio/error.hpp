//
// tlsio/error.hpp: error codes and alert codes.
//
// Three kinds of error_code reach users of tlsio:
//   - tlsio::error: something this side detected (a protocol violation by the
//     peer, a failed certificate check, a usage error);
//   - tlsio::alert: an alert the peer sent, by its RFC 8446 code;
//   - the transport's own codes, passed through unchanged.
//
#ifndef TLSIO_ERROR_HPP
#define TLSIO_ERROR_HPP

#include <tlsio/export.h>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <type_traits>

namespace tlsio {

/// Errors detected by this side of the connection.
///
/// Each protocol error is answered with a TLS alert to the peer; `to_alert`
/// says which one.
enum class error {
    // Protocol violations by the peer.
    unexpected_message = 1,   ///< A message or record not allowed in this state.
    decode_error,             ///< A message that does not parse.
    illegal_parameter,        ///< A well-formed message with a forbidden value.
    record_overflow,          ///< A record larger than RFC 8446 section 5 allows.
    bad_record_mac,           ///< A record that fails authentication.
    handshake_failure,        ///< No acceptable set of parameters.
    protocol_version,         ///< The peer speaks no version we accept.
    missing_extension,        ///< A required extension is absent.
    unsupported_extension,    ///< An extension the peer was not allowed to send.
    no_application_protocol,  ///< ALPN lists with no protocol in common.
    unrecognized_name,        ///< The server has no certificate for the SNI name.
    decrypt_error,            ///< Finished or CertificateVerify did not verify.
    downgrade_detected,       ///< ServerHello random carries a downgrade sentinel.
    insufficient_security,    ///< Only parameters weaker than configured are offered.

    // Certificate checks.
    certificate_required,              ///< The peer sent no certificate but one is required.
    bad_certificate,                   ///< A certificate that does not parse or is unusable.
    unsupported_certificate,           ///< A key type or algorithm we do not support.
    certificate_verify_failed,         ///< Path validation failed (see the message for why).
    certificate_expired,               ///< A certificate in the chain has expired.
    certificate_not_yet_valid,         ///< A certificate in the chain is not valid yet.
    certificate_unknown_ca,            ///< The chain does not lead to a trusted root.
    certificate_host_mismatch,         ///< The leaf does not match the expected host name.
    certificate_bad_key_usage,         ///< Key usage or extended key usage forbids this use.
    certificate_rejected_by_callback,  ///< The verify callback returned false.

    // Connection state.
    stream_truncated,       ///< The transport closed without close_notify.
    closed,                 ///< The connection was closed; no more data.
    not_handshaked,         ///< Application data requested before the handshake finished.
    handshake_in_progress,  ///< A call that needs the handshake to be finished.
    internal_error,         ///< A libcrypto failure or a broken invariant.
    no_certificate,         ///< A server context without any certificate.
    invalid_argument,       ///< A bad value passed to a tlsio call.
    key_load_failed,        ///< A certificate or private key file could not be loaded.

    // Peers that keep us busy without progress (condition::protocol_error).
    too_many_empty_records,   ///< Too many records in a row carried no data.
    too_many_warning_alerts,  ///< Too many warning alerts in a row.
    too_many_key_updates,     ///< Too many KeyUpdates without application data between.

    // Configuration that tlsio refuses rather than silently ignoring.
    key_password_required,  ///< The private key is encrypted and no password callback is set.
    key_password_wrong,     ///< The password callback's pass phrase does not decrypt the key.
    unsupported_version,    ///< A protocol version tlsio does not implement (SSL 3.0 .. TLS 1.2).
    unsupported_option,     ///< A context option tlsio does not implement.

    // Added later; kept at the end so the values above do not change.
    /// A verifying client was given no host name to check the server's
    /// certificate against: set one, or turn host checking off explicitly.
    host_name_required,
    /// A key or signature hash in the peer's chain (or its CertificateVerify
    /// key) is weaker than the context's security level allows.
    certificate_too_weak,
    /// The server's ClientHello callback refused the connection
    /// (client_hello_answer::refuse); the peer was sent the chosen alert.
    client_hello_refused,
    /// A blocking handshake stopped because the server's ClientHello callback
    /// answers later: call answer_client_hello, then the handshake again.
    client_hello_pending,
    /// TLS_FALLBACK_SCSV in a ClientHello of a version below the server's
    /// highest (RFC 7507): the client fell back for no reason.
    inappropriate_fallback,
    /// The peer asked to renegotiate a TLS 1.2 connection, which tlsio refuses.
    no_renegotiation,
    /// Client: the server rejected the 0-RTT data and chose another
    /// application protocol than the one it was written for, so it cannot be
    /// sent again as ordinary data (engine_options::resend_rejected_early_data).
    early_data_rejected,
};

/// TLS alert descriptions (RFC 8446 section 6), as sent on the wire.
///
/// An error_code in the `alert_category()` carries an alert the peer sent.
enum class alert : std::uint8_t {
    close_notify = 0,
    unexpected_message = 10,
    bad_record_mac = 20,
    record_overflow = 22,
    handshake_failure = 40,
    bad_certificate = 42,
    unsupported_certificate = 43,
    certificate_revoked = 44,
    certificate_expired = 45,
    certificate_unknown = 46,
    illegal_parameter = 47,
    unknown_ca = 48,
    access_denied = 49,
    decode_error = 50,
    decrypt_error = 51,
    protocol_version = 70,
    insufficient_security = 71,
    internal_error = 80,
    inappropriate_fallback = 86,
    user_canceled = 90,
    no_renegotiation = 100,
    missing_extension = 109,
    unsupported_extension = 110,
    unrecognized_name = 112,
    bad_certificate_status_response = 113,
    unknown_psk_identity = 115,
    certificate_required = 116,
    no_application_protocol = 120,
};

/// Groups of errors, for comparisons like `ec == tlsio::condition::verify_failed`.
///
/// Which condition each code belongs to (what `default_error_condition()`
/// returns, and so what `ec == condition` tests):
///
/// | condition        | codes |
/// |------------------|-------|
/// | `protocol_error` | `error::unexpected_message` through `error::insufficient_security` (the
/// first block above), `error::too_many_empty_records`, `error::too_many_warning_alerts`,
/// `error::too_many_key_updates`, `error::inappropriate_fallback`, `error::no_renegotiation` | |
/// `verify_failed`  | `error::certificate_verify_failed`, `certificate_expired`,
/// `certificate_not_yet_valid`, `certificate_unknown_ca`, `certificate_host_mismatch`,
/// `certificate_bad_key_usage`, `certificate_rejected_by_callback`, `certificate_too_weak` | |
/// `peer_alert`     | every `tlsio::alert` the peer sent, except `alert::close_notify` | | none |
/// `error::certificate_required`, `bad_certificate`, `unsupported_certificate` (the peer's
/// certificate is missing or unusable, not unverified), the connection-state and configuration
/// codes (`stream_truncated` ... `key_load_failed`, `key_password_required` ...
/// `unsupported_option`, `host_name_required`), `client_hello_refused` and `client_hello_pending`
/// (this side's own decisions) |
///
/// engine::error_message() (and the C facade's error queue) says which check
/// failed; the code's own message() only names the kind of failure.
enum class condition {
    protocol_error = 1,  ///< The peer broke the protocol (decode errors, bad messages).
    verify_failed,       ///< Any certificate verification failure.
    peer_alert,          ///< The peer sent a fatal alert.
};

/// The category of `tlsio::error` codes.
TLSIO_API const boost::system::error_category& error_category() noexcept;

/// The category of alerts received from the peer.
TLSIO_API const boost::system::error_category& alert_category() noexcept;

/// The category of `tlsio::condition`.
TLSIO_API const boost::system::error_category& condition_category() noexcept;

/// Makes an error_code from a tlsio::error.
///
/// `error::stream_truncated` becomes `boost::asio::ssl::error::stream_truncated`
/// (category "asio.ssl.stream"), so that programs written for asio::ssl, which
/// compare with that code, see a truncation as one; comparing with
/// `tlsio::error::stream_truncated` works too. Every other value is in
/// `error_category()`.
TLSIO_API boost::system::error_code make_error_code(error e) noexcept;

inline boost::system::error_code make_error_code(alert a) noexcept {
    return {static_cast<int>(a), alert_category()};
}

inline boost::system::error_condition make_error_condition(condition c) noexcept {
    return {static_cast<int>(c), condition_category()};
}

/// The alert this side sends when it fails with `e`.
///
/// Returns `alert::internal_error` for errors that have no better alert.
TLSIO_API alert to_alert(error e) noexcept;

/// The name of an alert as RFC 8446 spells it ("handshake_failure").
TLSIO_API const char* alert_name(alert a) noexcept;

}  // namespace tlsio

namespace boost::system {
template <>
struct is_error_code_enum<tlsio::error> : std::true_type {};
template <>
struct is_error_code_enum<tlsio::alert> : std::true_type {};
template <>
struct is_error_condition_enum<tlsio::condition> : std::true_type {};
}  // namespace boost::system

#endif
