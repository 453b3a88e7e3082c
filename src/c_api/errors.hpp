// The C facade's errors on libcrypto's error queue: one registered library
// ("tlsio") whose reasons are tlsio::error codes, received alerts and the
// facade's own usage errors, each with a specific string.
#ifndef TLSIO_SRC_C_API_ERRORS_HPP
#define TLSIO_SRC_C_API_ERRORS_HPP

#include <boost/system/error_code.hpp>

#include <string_view>

namespace tlsio::c_api {

/// The facade's own reasons, after those of tlsio::error and the alerts.
enum class reason {
    null_argument = 600,
    uninitialized,            ///< no role: set_connect_state / set_accept_state first
    wrong_state,              ///< a call that the connection's state does not allow
    shutdown_while_in_init,   ///< shutdown before the handshake finished
    protocol_is_shutdown,     ///< write after shutdown
    bad_write_retry,          ///< a write retried with fewer bytes than before
    bad_length,               ///< a negative length
    no_transport,             ///< neither an fd nor a BIO was set
    bad_value,                ///< a value the call does not accept
    unsupported,              ///< a feature tlsio does not have
    failed_earlier,           ///< the connection already failed
    no_protocols_available,   ///< the versions or options leave no protocol
    unexpected_eof,           ///< the transport closed without close_notify
    no_alpn_overlap,          ///< the ALPN select callback refused the client's list
    connection_type_not_set,  ///< do_handshake without set_connect_state / set_accept_state
    no_cipher_match,          ///< a cipher list that selects no suite tlsio has
};

/// The library number (registered on first use).
int library() noexcept;

/// Queues (library, reason) with `data` as the error's data string.
void push(reason r, const char* func, std::string_view data = {});
/// Queues an engine or context error: its code picks the reason, `message`
/// (the engine's error_message()) becomes the data.
void push(const boost::system::error_code& ec, const char* func, std::string_view message = {});
/// Queues a system error (ERR_LIB_SYS) for errno value `err`.
void push_system(int err, const char* func, std::string_view data);

}  // namespace tlsio::c_api

#endif
