#include "errors.hpp"

#include <tlsio/error.hpp>

#include <openssl/err.h>
#include <openssl/sslerr.h>  // SSL_R_* values only: macros, nothing of libssl is linked

#include <mutex>
#include <string>
#include <vector>

namespace tlsio::c_api {
namespace {

constexpr int alert_base = 256;
// libssl's SSL_AD_REASON_OFFSET: its reason for a received alert is this plus
// the alert's code (SSL_R_SSLV3_ALERT_*, SSL_R_TLSV1_ALERT_*, ...).
constexpr int libssl_alert_offset = 1000;

const char* facade_text(reason r) noexcept {
    switch (r) {
        case reason::null_argument:
            return "null argument";
        case reason::uninitialized:
            return "connection role not set (call set_connect_state or set_accept_state)";
        case reason::wrong_state:
            return "called in the wrong state";
        case reason::shutdown_while_in_init:
            return "shutdown while in init";
        case reason::protocol_is_shutdown:
            return "protocol is shutdown";
        case reason::bad_write_retry:
            return "bad write retry";
        case reason::bad_length:
            return "bad length";
        case reason::no_transport:
            return "bio not set (no fd or BIO for the transport)";
        case reason::bad_value:
            return "bad value";
        case reason::unsupported:
            return "not supported by tlsio";
        case reason::failed_earlier:
            return "the connection failed earlier";
        case reason::no_protocols_available:
            return "no protocols available";
        case reason::unexpected_eof:
            return "unexpected eof while reading";
        case reason::no_alpn_overlap:
            return "no application protocol";
        case reason::connection_type_not_set:
            return "connection type not set: role not set (call set_connect_state or "
                   "set_accept_state)";
        case reason::no_cipher_match:
            return "no cipher match";
    }
    return "unknown";
}

// libssl's reason for the same failure (ERR_LIB_SSL), or 0 if it has none.
int libssl_reason(tlsio::error e) noexcept {
    switch (e) {
        case error::unexpected_message:
            return SSL_R_UNEXPECTED_MESSAGE;
        case error::bad_record_mac:
            return SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC;
        case error::handshake_failure:
            return SSL_R_NO_SHARED_CIPHER;
        case error::protocol_version:
            return SSL_R_UNSUPPORTED_PROTOCOL;
        case error::no_application_protocol:
            return SSL_R_NO_APPLICATION_PROTOCOL;
        case error::decrypt_error:
            return SSL_R_BAD_SIGNATURE;
        case error::certificate_required:
            return SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE;
        case error::certificate_verify_failed:
        case error::certificate_expired:
        case error::certificate_not_yet_valid:
        case error::certificate_unknown_ca:
        case error::certificate_host_mismatch:
        case error::certificate_rejected_by_callback:
        case error::certificate_too_weak:
            return SSL_R_CERTIFICATE_VERIFY_FAILED;
        case error::stream_truncated:
            return SSL_R_UNEXPECTED_EOF_WHILE_READING;
        case error::too_many_warning_alerts:
            return SSL_R_TOO_MANY_WARN_ALERTS;
        case error::too_many_key_updates:
            return SSL_R_TOO_MANY_KEY_UPDATES;
        default:
            return 0;
    }
}

int libssl_reason(reason r) noexcept {
    switch (r) {
        case reason::null_argument:
            return ERR_R_PASSED_NULL_PARAMETER;
        case reason::uninitialized:
            return SSL_R_UNINITIALIZED;
        case reason::shutdown_while_in_init:
            return SSL_R_SHUTDOWN_WHILE_IN_INIT;
        case reason::protocol_is_shutdown:
            return SSL_R_PROTOCOL_IS_SHUTDOWN;
        case reason::bad_write_retry:
            return SSL_R_BAD_WRITE_RETRY;
        case reason::bad_length:
            return SSL_R_BAD_LENGTH;
        case reason::no_transport:
            return SSL_R_BIO_NOT_SET;
        case reason::bad_value:
            return SSL_R_BAD_VALUE;
        case reason::no_protocols_available:
            return SSL_R_NO_PROTOCOLS_AVAILABLE;
        case reason::unexpected_eof:
            return SSL_R_UNEXPECTED_EOF_WHILE_READING;
        case reason::no_alpn_overlap:
            return SSL_R_NO_APPLICATION_PROTOCOL;
        case reason::connection_type_not_set:
            return SSL_R_CONNECTION_TYPE_NOT_SET;
        case reason::no_cipher_match:
            return SSL_R_NO_CIPHER_MATCH;
        default:
            return 0;
    }
}

// libssl's texts for the ERR_LIB_SSL reasons tlsio queues, so that the
// second entry prints as libssl's would even when libssl is not loaded.
void load_libssl_texts() {
    static ERR_STRING_DATA texts[] = {
        {ERR_PACK(ERR_LIB_SSL, 0, 0), "SSL routines"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_MESSAGE), "unexpected message"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC),
         "decryption failed or bad record mac"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_NO_SHARED_CIPHER), "no shared cipher"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNSUPPORTED_PROTOCOL), "unsupported protocol"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_NO_APPLICATION_PROTOCOL), "no application protocol"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_BAD_SIGNATURE), "bad signature"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE),
         "peer did not return a certificate"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED), "certificate verify failed"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING),
         "unexpected eof while reading"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TOO_MANY_WARN_ALERTS), "too many warn alerts"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TOO_MANY_KEY_UPDATES), "too many key updates"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNINITIALIZED), "uninitialized"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CONNECTION_TYPE_NOT_SET), "connection type not set"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SHUTDOWN_WHILE_IN_INIT), "shutdown while in init"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_PROTOCOL_IS_SHUTDOWN), "protocol is shutdown"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_BAD_WRITE_RETRY), "bad write retry"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_BAD_LENGTH), "bad length"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_BIO_NOT_SET), "bio not set"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_BAD_VALUE), "bad value"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_NO_PROTOCOLS_AVAILABLE), "no protocols available"},
        {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_NO_CIPHER_MATCH), "no cipher match"},
        {0, nullptr},
    };
    ERR_load_strings(ERR_LIB_SSL, texts);
}

struct registry {
    int lib = 0;
    std::vector<std::string> texts;
    std::vector<ERR_STRING_DATA> table;

    registry() {
        lib = ERR_get_next_error_library();
        // Reserve first: table holds pointers into texts.
        texts.reserve(256);
        auto add = [this](int r, std::string text) {
            texts.push_back(std::move(text));
            table.push_back({ERR_PACK(lib, 0, r), nullptr});
        };
        table.push_back({ERR_PACK(lib, 0, 0), "tlsio"});
        for (int e = static_cast<int>(error::unexpected_message);
             e <= static_cast<int>(error::certificate_too_weak); ++e) {
            std::string text = make_error_code(static_cast<error>(e)).message();
            if (static_cast<error>(e) == error::stream_truncated) {
                text = "unexpected eof while reading (stream truncated)";
            }
            add(e, std::move(text));
        }
        for (int a = 0; a < 256; ++a) {
            std::string name = alert_name(static_cast<alert>(a));
            if (name.find("unknown") == std::string::npos) {
                add(alert_base + a, "peer sent alert " + name);
            }
        }
        for (int r = static_cast<int>(reason::null_argument);
             r <= static_cast<int>(reason::no_cipher_match); ++r) {
            add(r, facade_text(static_cast<reason>(r)));
        }
        for (std::size_t i = 1; i < table.size(); ++i) {
            table[i].string = texts[i - 1].c_str();
        }
        table.push_back({0, nullptr});
        ERR_load_strings(lib, table.data());
        load_libssl_texts();
    }
};

registry& the_registry() {
    static registry r;  // Thread-safe initialisation; lives for the process.
    return r;
}

void push_packed(int lib, int r, const char* func, std::string_view data) {
    ERR_new();
    ERR_set_debug("tlsio/c_api", 0, func);
    if (data.empty()) {
        ERR_set_error(lib, r, nullptr);
    } else {
        std::string copy(data);
        ERR_set_error(lib, r, "%s", copy.c_str());
    }
}

}  // namespace

int library() noexcept {
    return the_registry().lib;
}

void push(reason r, const char* func, std::string_view data) {
    push_packed(library(), static_cast<int>(r), func, data);
    if (int ssl = libssl_reason(r); ssl != 0) {
        push_packed(ERR_LIB_SSL, ssl, func, data);
    }
}

void push(const boost::system::error_code& ec, const char* func, std::string_view message) {
    int r = static_cast<int>(error::internal_error);
    if (ec.category() == error_category()) {
        r = ec.value();
    } else if (ec == error::stream_truncated) {
        // In asio::ssl's category (see tlsio::make_error_code).
        r = static_cast<int>(error::stream_truncated);
    } else if (ec.category() == alert_category()) {
        r = alert_base + ec.value();
    } else if (ec.category() == boost::system::system_category() ||
               ec.category() == boost::system::generic_category()) {
        push_system(ec.value(), func, message);
        return;
    }
    const std::string text = message.empty() ? ec.message() : std::string(message);
    push_packed(library(), r, func, text);
    // The same failure under libssl's library and reason code.
    int ssl = 0;
    if (r >= alert_base) {
        ssl = libssl_alert_offset + (r - alert_base);
    } else {
        ssl = libssl_reason(static_cast<tlsio::error>(r));
    }
    if (ssl != 0) {
        push_packed(ERR_LIB_SSL, ssl, func, text);
    }
}

void push_system(int err, const char* func, std::string_view data) {
    push_packed(ERR_LIB_SYS, err, func, data);
}

}  // namespace tlsio::c_api
