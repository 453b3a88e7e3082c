#include "handshake/connection.hpp"

#include <tlsio/engine.hpp>

namespace tlsio {

struct engine::impl : handshake::connection {
    using connection::connection;
};

namespace {

// A client that verifies the server's certificate but has no name to check it
// against would accept any certificate of any trusted CA, for any server (Go
// and rustls refuse such a client too). Turning host checking off must be
// explicit.
bool lacks_host_name(const context::impl& ctx, role r, const engine_options& o) {
    const verify_mode mode =
        o.peer_verify_mode ? *o.peer_verify_mode : ctx.effective_verify_mode(r);
    return r == role::client && (mode & verify_peer) != 0 && o.verify_host && o.server_name.empty();
}

}  // namespace

engine::engine(const context& ctx, role r, engine_options options) {
    const bool refuse = lacks_host_name(*ctx.state(), r, options);
    impl_ = std::make_unique<impl>(ctx.state(), r, std::move(options));
    if (refuse) {
        // Failed before the first flight: every call returns status::error and
        // nothing is ever sent.
        impl_->state_ = handshake::state::failed;
        impl_->error_ = error::host_name_required;
        impl_->error_message_ =
            "no host name to check the server certificate against: set one "
            "(tlsio::stream::set_host, engine_options::server_name) or turn host "
            "checking off explicitly (engine_options::verify_host = false, "
            "tlsio::stream::set_server_name)";
    }
}
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;
engine::~engine() = default;

namespace {

// Every call ends by framing the handshake messages it made into records.
status ended(handshake::connection& c, status s) {
    c.end_of_call();
    return s;
}

}  // namespace

status engine::handshake() {
    return ended(*impl_, impl_->handshake());
}
status engine::read(std::span<std::uint8_t> buffer, std::size_t& bytes_read) {
    return ended(*impl_, impl_->read(buffer, bytes_read));
}
status engine::write(std::span<const std::uint8_t> data, std::size_t& bytes_written) {
    byte_view one = data;
    return ended(*impl_, impl_->write(std::span<const byte_view>(&one, 1), bytes_written));
}
status engine::gather_write(std::span<const std::span<const std::uint8_t>> buffers,
                            std::size_t& bytes_written) {
    return ended(*impl_, impl_->write(buffers, bytes_written));
}
status engine::shutdown() {
    return ended(*impl_, impl_->shutdown());
}
status engine::key_update(bool request_peer) {
    return ended(*impl_, impl_->key_update(request_peer));
}

std::span<std::uint8_t> engine::input_space() {
    return impl_->input_space();
}
void engine::commit_input(std::size_t n) {
    impl_->commit_input(n);
}
void engine::commit_eof() {
    impl_->commit_eof();
}
std::span<const std::uint8_t> engine::output() const noexcept {
    return impl_->output();
}
void engine::consume_output(std::size_t n) {
    impl_->consume_output(n);
}
void engine::feed(std::span<const std::uint8_t> data) {
    impl_->feed(data);
}

boost::system::error_code engine::error() const noexcept {
    return impl_->error_;
}
const std::string& engine::error_message() const noexcept {
    return impl_->error_message_;
}
bool engine::handshake_done() const noexcept {
    return impl_->state_ == handshake::state::connected;
}
std::size_t engine::pending() const noexcept {
    return impl_->pending();
}
std::size_t engine::buffered_input() const noexcept {
    return impl_->buffered_input();
}
bool engine::received_close_notify() const noexcept {
    return impl_->received_close_notify_;
}
bool engine::sent_close_notify() const noexcept {
    return impl_->sent_close_notify_;
}
role engine::get_role() const noexcept {
    return impl_->role_;
}

protocol_version engine::version() const noexcept {
    return protocol_version::tls13;
}
tlsio::cipher_suite engine::cipher_suite() const noexcept {
    return static_cast<tlsio::cipher_suite>(impl_->suite_id_);
}
named_group engine::group() const noexcept {
    return static_cast<named_group>(impl_->group_);
}
tlsio::signature_scheme engine::peer_signature_scheme() const noexcept {
    return static_cast<tlsio::signature_scheme>(impl_->peer_scheme_);
}
std::optional<tlsio::signature_scheme> engine::signature_scheme() const noexcept {
    if (!impl_->own_scheme_) {
        return std::nullopt;
    }
    return static_cast<tlsio::signature_scheme>(*impl_->own_scheme_);
}
std::string_view engine::alpn_protocol() const noexcept {
    return impl_->alpn_;
}
std::string_view engine::server_name() const noexcept {
    return impl_->server_name_;
}
const std::vector<std::vector<std::uint8_t>>& engine::peer_certificates() const noexcept {
    return impl_->peer_certificates_;
}
bool engine::used_hello_retry_request() const noexcept {
    return impl_->hello_retry_;
}
long engine::verify_result() const noexcept {
    return impl_->verify_result_;
}

}  // namespace tlsio
