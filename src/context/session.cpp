#include "context/session_state.hpp"

#include <tlsio/error.hpp>
#include <tlsio/session.hpp>

namespace tlsio {
namespace {

const std::string empty_string;
const std::vector<std::vector<std::uint8_t>> empty_chain;

}  // namespace

const std::string& session::server_name() const noexcept {
    return state_ ? state_->server_name : empty_string;
}

protocol_version session::version() const noexcept {
    return state_ && state_->version == 0x0303 ? protocol_version::tls12 : protocol_version::tls13;
}

const std::string& session::alpn_protocol() const noexcept {
    return state_ ? state_->alpn : empty_string;
}

std::uint32_t session::max_early_data() const noexcept {
    return state_ ? state_->max_early_data : 0;
}

std::chrono::system_clock::time_point session::expires() const noexcept {
    if (!state_) {
        return {};
    }
    return std::chrono::system_clock::time_point(
               std::chrono::milliseconds(state_->received_at_ms)) +
           std::chrono::seconds(state_->lifetime);
}

const std::vector<std::vector<std::uint8_t>>& session::peer_certificates() const noexcept {
    return state_ ? state_->peer_chain : empty_chain;
}

std::vector<std::uint8_t> session::to_bytes() const {
    return state_ ? resumption::encode_session(*state_) : std::vector<std::uint8_t>{};
}

session session::from_bytes(std::span<const std::uint8_t> data, boost::system::error_code& ec) {
    std::optional<resumption::session_state> s = resumption::decode_session(data);
    // A client session always has its ticket; a server's sealed state never does.
    if (!s || s->ticket.empty()) {
        ec = make_error_code(error::invalid_argument);
        return session();
    }
    ec = {};
    return session(std::make_shared<const resumption::session_state>(std::move(*s)));
}

}  // namespace tlsio
