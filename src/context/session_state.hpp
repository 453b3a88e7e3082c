// What a resumable session remembers (RFC 8446 section 4.6.1), and its byte
// form: sealed into a ticket by a server, kept (with the ticket) by a client.
#ifndef TLSIO_SRC_CONTEXT_SESSION_STATE_HPP
#define TLSIO_SRC_CONTEXT_SESSION_STATE_HPP

#include "crypto/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlsio::resumption {

/// A session as both ends keep it. Secrets are wiped when it goes away.
struct session_state {
    std::uint16_t version = 0;       ///< 0x0304 (or 0x0303)
    std::uint16_t cipher_suite = 0;  ///< TLS 1.3: resumable with any suite of the same hash
    bytes secret;                    ///< TLS 1.3: the PSK of the ticket; TLS 1.2: the master secret
    std::uint64_t issued_at = 0;     ///< seconds since the Unix epoch, server's clock
    std::uint32_t lifetime = 0;      ///< seconds (at most 7 days, RFC 8446 4.6.1)
    std::uint32_t age_add = 0;
    std::uint32_t max_early_data = 0;
    /// TLS 1.2: the (EC)DHE group of the full handshake, reported again on
    /// resumption (which has no key exchange of its own).
    std::uint16_t group = 0;
    std::string server_name;
    std::string alpn;
    /// The peer's certificate chain (DER, leaf first) and whether it verified,
    /// so a resumed connection reports what the original one did.
    std::vector<bytes> peer_chain;
    bool peer_verified = false;
    /// The X509_V_* result the original connection reported (0 also when
    /// the peer sent no certificate), reported again on resumption.
    std::uint32_t verify_result = 0;
    /// Client side: the ticket, and when it arrived (client's clock, ms).
    bytes ticket;
    std::uint64_t received_at_ms = 0;
    /// TLS 1.2, client side: the session ID the server gave, for a server
    /// that resumes by ID rather than by ticket.
    bytes session_id;

    session_state() = default;
    session_state(const session_state&) = default;
    session_state& operator=(const session_state&) = default;
    session_state(session_state&&) noexcept = default;
    session_state& operator=(session_state&&) noexcept = default;
    ~session_state();
};

/// The byte form (a version byte, then the fields in order). Holds the secret:
/// the caller seals it or keeps it as secret as the session itself.
bytes encode_session(const session_state& s);
/// Parses encode_session's output; nothing for anything else.
std::optional<session_state> decode_session(byte_view data);

}  // namespace tlsio::resumption

#endif
