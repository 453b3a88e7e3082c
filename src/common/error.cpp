#include <tlsio/error.hpp>

// Only the category of asio::ssl's stream errors: its functions use libcrypto
// (ERR_*) and nothing of libssl, so libssl stays off the link line.
#include <boost/asio/ssl/error.hpp>

#include <string>

namespace tlsio {
namespace {

const char* error_text(error e) noexcept {
    switch (e) {
        case error::unexpected_message:
            return "unexpected message";
        case error::decode_error:
            return "malformed message";
        case error::illegal_parameter:
            return "illegal parameter";
        case error::record_overflow:
            return "record too large";
        case error::bad_record_mac:
            return "record authentication failed";
        case error::handshake_failure:
            return "no acceptable parameters in common";
        case error::protocol_version:
            return "peer does not support TLS 1.3";
        case error::missing_extension:
            return "required extension missing";
        case error::unsupported_extension:
            return "extension not allowed here";
        case error::no_application_protocol:
            return "no application protocol in common";
        case error::unrecognized_name:
            return "no certificate for the requested server name";
        case error::decrypt_error:
            return "signature or Finished did not verify";
        case error::downgrade_detected:
            return "downgrade detected in ServerHello random";
        case error::insufficient_security:
            return "insufficient security";
        case error::certificate_required:
            return "peer sent no certificate";
        case error::bad_certificate:
            return "bad certificate";
        case error::unsupported_certificate:
            return "unsupported certificate";
        case error::certificate_verify_failed:
            return "certificate verify failed";
        case error::certificate_expired:
            return "certificate verify failed: certificate has expired";
        case error::certificate_not_yet_valid:
            return "certificate verify failed: certificate is not yet valid";
        case error::certificate_unknown_ca:
            return "certificate verify failed: unable to get local issuer certificate";
        case error::certificate_host_mismatch:
            return "certificate verify failed: host name mismatch";
        case error::certificate_bad_key_usage:
            return "certificate verify failed: unsuitable key usage";
        case error::certificate_rejected_by_callback:
            return "certificate verify failed: rejected by verify callback";
        case error::stream_truncated:
            return "stream truncated";
        case error::closed:
            return "connection closed";
        case error::not_handshaked:
            return "handshake not done";
        case error::handshake_in_progress:
            return "handshake in progress";
        case error::internal_error:
            return "internal error";
        case error::no_certificate:
            return "no certificate configured";
        case error::invalid_argument:
            return "invalid argument";
        case error::key_load_failed:
            return "could not load certificate or key";
        case error::too_many_empty_records:
            return "too many empty records";
        case error::too_many_warning_alerts:
            return "too many warning alerts";
        case error::too_many_key_updates:
            return "too many KeyUpdates without application data";
        case error::key_password_required:
            return "private key is encrypted and no password callback is set "
                   "(context::set_password_callback)";
        case error::key_password_wrong:
            return "could not decrypt the private key: wrong password";
        case error::unsupported_version:
            return "protocol version not implemented by tlsio (TLS 1.3 only for now)";
        case error::unsupported_option:
            return "option not implemented by tlsio";
        case error::host_name_required:
            return "no host name to check the server certificate against";
        case error::certificate_too_weak:
            return "certificate verify failed: key or signature below the security level";
        case error::client_hello_refused:
            return "the server application refused the ClientHello";
        case error::client_hello_pending:
            return "the server application has not answered the ClientHello yet";
        case error::inappropriate_fallback:
            return "inappropriate fallback: the client fell back to a lower version";
        case error::no_renegotiation:
            return "renegotiation refused";
        case error::early_data_rejected:
            return "the server rejected the early data and changed the application protocol";
    }
    return "unknown tlsio error";
}

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tlsio"; }
    std::string message(int ev) const override { return error_text(static_cast<error>(ev)); }
    boost::system::error_condition default_error_condition(int ev) const noexcept override {
        auto e = static_cast<error>(ev);
        if ((e >= error::certificate_verify_failed &&
             e <= error::certificate_rejected_by_callback) ||
            e == error::certificate_too_weak) {
            return make_error_condition(condition::verify_failed);
        }
        if (e <= error::insufficient_security ||
            (e >= error::too_many_empty_records && e <= error::too_many_key_updates) ||
            e == error::inappropriate_fallback || e == error::no_renegotiation) {
            return make_error_condition(condition::protocol_error);
        }
        return {ev, *this};
    }
};

class alert_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tlsio.alert"; }
    std::string message(int ev) const override {
        return std::string("peer sent alert ") + alert_name(static_cast<alert>(ev));
    }
    boost::system::error_condition default_error_condition(int ev) const noexcept override {
        return ev == 0 ? boost::system::error_condition(ev, *this)
                       : make_error_condition(condition::peer_alert);
    }
};

class condition_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tlsio.condition"; }
    std::string message(int ev) const override {
        switch (static_cast<condition>(ev)) {
            case condition::protocol_error:
                return "TLS protocol error";
            case condition::verify_failed:
                return "certificate verification failed";
            case condition::peer_alert:
                return "peer sent a fatal alert";
        }
        return "unknown condition";
    }
};

}  // namespace

boost::system::error_code make_error_code(error e) noexcept {
    if (e == error::stream_truncated) {
        return boost::asio::ssl::error::stream_truncated;
    }
    return {static_cast<int>(e), error_category()};
}

const boost::system::error_category& error_category() noexcept {
    static const error_category_impl instance;
    return instance;
}

const boost::system::error_category& alert_category() noexcept {
    static const alert_category_impl instance;
    return instance;
}

const boost::system::error_category& condition_category() noexcept {
    static const condition_category_impl instance;
    return instance;
}

// The alert rules of tlsio, in one place. A failure site returns the error of
// its class; this table says which alert the class gets. Which class a site
// belongs to follows RFC 8446's "MUST abort with X" sentences where there is
// one (cited at the site), else RFC 8446 6.2's definitions; where those leave
// a choice, BoringSSL's (test/bogo/config.json names every difference left).
alert to_alert(error e) noexcept {
    switch (e) {
        // 6.2: a message or record not allowed here (5: unexpected record
        // types, misplaced ChangeCipherSpec, interleaved or key-straddling
        // handshake data; 5.4: all-zero padding; 4.1.4: a second
        // HelloRetryRequest; 4.6.3: KeyUpdate before Finished; 4.1.2: a
        // ClientHello after the handshake). Peers that keep us busy without
        // progress get it too, as in BoringSSL.
        case error::unexpected_message:
        case error::too_many_empty_records:
        case error::too_many_warning_alerts:
        case error::too_many_key_updates:
            return alert::unexpected_message;
        // 6.2: the message does not conform to the formal syntax, or a length
        // is wrong (4.4.2.4: an empty server Certificate).
        case error::decode_error:
            return alert::decode_error;
        // 6.2: well-formed but a wrong or inconsistent value (4.1.2 compression,
        // 4.1.3 suite / session id / downgrade sentinel, 4.1.4 and 4.2.8 group
        // checks, 4.2 an extension in a message not specified for it, 4.2.1
        // selected version, 4.2.8 duplicate key shares, 4.2.11 pre_shared_key
        // not last, 4.6.3 request_update).
        case error::illegal_parameter:
        case error::downgrade_detected:
            return alert::illegal_parameter;
        // 5.1, 5.2: a record longer than 2^14 (+256 protected, +1 opened).
        case error::record_overflow:
            return alert::record_overflow;
        // 5.2: a record that does not open; 4.2.10: early data beyond what a
        // server that rejected 0-RTT skips.
        case error::bad_record_mac:
            return alert::bad_record_mac;
        // 4.1.1: no acceptable set of parameters.
        case error::handshake_failure:
            return alert::handshake_failure;
        // 6.2: a version recognized but not supported (no TLS 1.3 offered).
        case error::protocol_version:
            return alert::protocol_version;
        // 9.2: a mandatory extension is absent.
        case error::missing_extension:
            return alert::missing_extension;
        // 4.2: an extension response that was never requested.
        case error::unsupported_extension:
            return alert::unsupported_extension;
        // RFC 7301 3.2 and RFC 6066 3.
        case error::no_application_protocol:
            return alert::no_application_protocol;
        case error::unrecognized_name:
            return alert::unrecognized_name;
        // 4.4.3, 4.4.4: CertificateVerify or Finished does not verify.
        case error::decrypt_error:
            return alert::decrypt_error;
        // 4.1.1: only parameters below our minimum are offered.
        case error::insufficient_security:
            return alert::insufficient_security;
        // 4.4.2.4: a server that requires a client certificate got none.
        case error::certificate_required:
            return alert::certificate_required;
        // 6.2 certificate alerts. bad_certificate: corrupt, or a signature that
        // does not verify (4.4.2.4: MD5 in a chain MUST be bad_certificate);
        // weak keys and hashes, wrong names and usages and other path failures
        // join it (6.2 names no closer alert: the certificate is unusable as
        // presented). certificate_expired and unknown_ca as 6.2 defines them;
        // certificate_unknown ("some other issue ... rendering it unacceptable")
        // when the application's verify callback refused it, as libssl and
        // BoringSSL's custom verifier send.
        case error::bad_certificate:
        case error::certificate_verify_failed:
        case error::certificate_host_mismatch:
        case error::certificate_bad_key_usage:
        case error::certificate_too_weak:
            return alert::bad_certificate;
        case error::unsupported_certificate:
            return alert::unsupported_certificate;
        case error::certificate_expired:
        case error::certificate_not_yet_valid:  // 6.2: "expired or is not currently valid"
            return alert::certificate_expired;
        case error::certificate_unknown_ca:
            return alert::unknown_ca;
        case error::certificate_rejected_by_callback:
            return alert::certificate_unknown;
        // RFC 7507 section 3 and RFC 5746 section 4.
        case error::inappropriate_fallback:
            return alert::inappropriate_fallback;
        case error::no_renegotiation:
            return alert::no_renegotiation;
        // Our own failures (libcrypto, broken invariants) and anything that is
        // not the peer's fault.
        default:
            return alert::internal_error;
    }
}

const char* alert_name(alert a) noexcept {
    switch (a) {
        case alert::close_notify:
            return "close_notify";
        case alert::unexpected_message:
            return "unexpected_message";
        case alert::bad_record_mac:
            return "bad_record_mac";
        case alert::record_overflow:
            return "record_overflow";
        case alert::handshake_failure:
            return "handshake_failure";
        case alert::bad_certificate:
            return "bad_certificate";
        case alert::unsupported_certificate:
            return "unsupported_certificate";
        case alert::certificate_revoked:
            return "certificate_revoked";
        case alert::certificate_expired:
            return "certificate_expired";
        case alert::certificate_unknown:
            return "certificate_unknown";
        case alert::illegal_parameter:
            return "illegal_parameter";
        case alert::unknown_ca:
            return "unknown_ca";
        case alert::access_denied:
            return "access_denied";
        case alert::decode_error:
            return "decode_error";
        case alert::decrypt_error:
            return "decrypt_error";
        case alert::protocol_version:
            return "protocol_version";
        case alert::insufficient_security:
            return "insufficient_security";
        case alert::internal_error:
            return "internal_error";
        case alert::inappropriate_fallback:
            return "inappropriate_fallback";
        case alert::user_canceled:
            return "user_canceled";
        case alert::no_renegotiation:
            return "no_renegotiation";
        case alert::missing_extension:
            return "missing_extension";
        case alert::unsupported_extension:
            return "unsupported_extension";
        case alert::unrecognized_name:
            return "unrecognized_name";
        case alert::bad_certificate_status_response:
            return "bad_certificate_status_response";
        case alert::unknown_psk_identity:
            return "unknown_psk_identity";
        case alert::certificate_required:
            return "certificate_required";
        case alert::no_application_protocol:
            return "no_application_protocol";
    }
    return "unknown_alert";
}

}  // namespace tlsio
