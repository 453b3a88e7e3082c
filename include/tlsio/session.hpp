//
// tlsio/session.hpp: a resumable TLS session, as a client keeps it.
//
#ifndef TLSIO_SESSION_HPP
#define TLSIO_SESSION_HPP

#include <tlsio/export.h>
#include <tlsio/context.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tlsio {

namespace resumption {
struct session_state;
}

/// A session a client can resume: the server's ticket and the secret that goes
/// with it (RFC 8446 section 4.6.1), as SSL_SESSION holds them for OpenSSL.
///
/// A client context keeps the tickets it receives in its session cache and
/// offers them by itself (see context::set_session_cache_size); a session is
/// for the application that wants to choose, or to keep tickets across
/// restarts: take one with engine::session() or stream::session(), save
/// to_bytes(), and offer it again with engine_options::session or
/// stream::set_session().
///
/// The bytes hold the resumption secret: whoever has them can resume the
/// session and read its early data. Store them as secret as a private key.
/// A session is a cheap handle to immutable state: copies share it.
class TLSIO_API session {
public:
    /// An empty session, offered as nothing.
    session() noexcept = default;

    bool empty() const noexcept { return state_ == nullptr; }
    explicit operator bool() const noexcept { return !empty(); }

    /// The server name the session was made with (it is offered to that name only).
    const std::string& server_name() const noexcept;
    /// The version of the connection that made the session (TLS 1.3 for an
    /// empty one), as SSL_SESSION_get_protocol_version.
    protocol_version version() const noexcept;
    /// The application protocol negotiated when the session was made.
    const std::string& alpn_protocol() const noexcept;
    /// How many bytes of 0-RTT early data the server takes on resuming this
    /// session (its ticket's max_early_data_size); 0 when it takes none.
    std::uint32_t max_early_data() const noexcept;
    /// When the server's ticket stops being usable (its lifetime from when it
    /// arrived); a default time_point for an empty session.
    std::chrono::system_clock::time_point expires() const noexcept;
    /// The peer's certificate chain of the original connection (DER, leaf first).
    const std::vector<std::vector<std::uint8_t>>& peer_certificates() const noexcept;

    /// The session as bytes (secret: see the class comment), for from_bytes().
    std::vector<std::uint8_t> to_bytes() const;
    /// The session to_bytes() made; an empty one, with `ec` set to
    /// error::invalid_argument, for anything else.
    static session from_bytes(std::span<const std::uint8_t> data, boost::system::error_code& ec);

    /// For the library: wraps internal state.
    explicit session(std::shared_ptr<const resumption::session_state> state) noexcept
        : state_(std::move(state)) {}
    const std::shared_ptr<const resumption::session_state>& state() const noexcept {
        return state_;
    }

private:
    std::shared_ptr<const resumption::session_state> state_;
};

}  // namespace tlsio

#endif
