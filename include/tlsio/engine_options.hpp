//
// tlsio/engine_options.hpp: per-connection settings of tlsio::engine.
//
#ifndef TLSIO_ENGINE_OPTIONS_HPP
#define TLSIO_ENGINE_OPTIONS_HPP

#include <tlsio/context.hpp>
#include <tlsio/session.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tlsio {

/// Per-connection settings. Every member has a default, so designated
/// initializers such as `engine_options{.server_name = "example.com"}` name
/// only what they change.
/// What became of 0-RTT early data (SSL_get_early_data_status).
enum class early_data_status {
    not_sent,  ///< None was offered (or the handshake has not decided yet).
    rejected,  ///< Offered and refused: the server skipped it unread.
    accepted,  ///< The server read it.
};

struct engine_options {
    /// Client: the name sent in SNI and, unless verify_host is false, the name
    /// the server's certificate must match. An IP literal is checked against
    /// the certificate's IP addresses and not sent in SNI.
    std::string server_name{};
    /// Client: check the certificate against server_name (default on). A
    /// client that verifies the server with verify_host on but no server_name
    /// fails at once with error::host_name_required, sending nothing: give a
    /// name, or set this to false to check the chain only.
    bool verify_host = true;
    /// Overrides the context's ALPN list when non-empty.
    std::vector<std::string> alpn_protocols{};
    /// Overrides the context's verify mode for this connection when set.
    std::optional<tlsio::verify_mode> peer_verify_mode{};
    /// Overrides the context's verify callback for this connection when set.
    verify_callback peer_verify_callback{};
    /// Server: replaces the context's ClientHello callback for this
    /// connection when set (see context::set_client_hello_callback).
    client_hello_callback client_hello{};
    /// Overrides the context's verify depth (context::set_verify_depth) for
    /// this connection when set.
    std::optional<int> peer_verify_depth{};
    /// Client: offer this session (from engine::session() or
    /// session::from_bytes) instead of one from the context's session cache.
    /// It is offered only if it fits: same server_name, not expired, a cipher
    /// suite the context enables, and a verified server if this connection
    /// verifies; otherwise the handshake is a full one.
    tlsio::session session{};
    /// Client: send 0-RTT early data (RFC 8446 section 2.3) when the offered
    /// session's server allows it. handshake() then returns status::done
    /// right after the ClientHello, with handshake_done() false and
    /// in_early_data() true; write() sends early data, up to max_early_data()
    /// bytes; read() (or handshake()) completes the handshake, after which
    /// get_early_data_status() says whether the server took the data.
    /// Early data can be replayed by an attacker: send only what is safe to
    /// repeat (RFC 8446 section 8). Off by default.
    bool early_data = false;
    /// Client: when the server rejects the early data, send it again as
    /// ordinary data right after the handshake (default), so the server
    /// reads the same bytes either way and nothing written is lost. Off:
    /// rejected data is gone and the application sends it again itself
    /// (OpenSSL's contract). If the server also chose another ALPN protocol
    /// than the session's, the resend would reach the wrong protocol: the
    /// handshake then fails with error::early_data_rejected.
    bool resend_rejected_early_data = true;
    /// Server: refuse 0-RTT on this connection even though the context
    /// accepts it (context::set_max_early_data); it is skipped unread.
    bool refuse_early_data = false;
};

}  // namespace tlsio

#endif
