// tlsio::engine: owns one record layer and one handshake, and runs the
// want_read / want_write contract of include/tlsio/engine.hpp over them.
#include "handshake/connection.hpp"
#include "record/layer.hpp"

#include <tlsio/engine.hpp>

#include <array>

namespace tlsio {
namespace {

/// Plaintext taken by one write() call: four full records, sent in one go.
constexpr std::size_t max_write_per_call = 4 * record::max_plaintext;

}  // namespace

struct engine::impl {
    impl(std::shared_ptr<const context::impl> ctx, role r, engine_options options)
        : records(r == role::client), hs(std::move(ctx), r, std::move(options), records) {}

    status handshake();
    status read(std::span<std::uint8_t> buffer, std::size_t& bytes_read);
    status write(std::span<const byte_view> buffers, std::size_t& bytes_written);
    status shutdown();
    status key_update(bool request_peer);

    /// Handles the next record or handshake message. Application data opened
    /// into `destination` is counted in `*direct`; other data is pending.
    status process_one(mutable_bytes destination = {}, std::size_t* direct = nullptr);
    status on_alert(alert description);
    status need_input();
    /// Makes the KeyUpdate reply the peer asked for, if one is pending.
    void send_key_update_reply() {
        if (hs.key_update_reply_pending_ && !hs.sent_close_notify_ && hs.is_connected()) {
            hs.update_write_keys(false);
        }
        hs.key_update_reply_pending_ = false;
        hs.key_update_reply_due_ = false;
    }
    /// read() hands application data over: a pending KeyUpdate reply is now
    /// due at the next read, if no write makes it first.
    status delivered() {
        hs.key_update_reply_due_ = hs.key_update_reply_pending_;
        return status::done;
    }
    /// The handshake just completed: a client sends its rejected early data
    /// again, ahead of anything written later.
    status completed();
    status fail(tlsio::error e, std::string message = {}) {
        hs.fail(e, std::move(message));
        return status::error;
    }
    /// Every call ends by framing the handshake messages it made into records.
    status ended(status s) {
        records.flush_handshake();
        return s;
    }

    record::layer records;
    handshake::connection hs;
    /// The data the last read() returned came as 0-RTT early data.
    bool read_early = false;
};

status engine::impl::completed() {
    bytes again = hs.take_early_data_to_resend();
    if (hs.is_failed()) {
        return status::error;
    }
    if (!again.empty()) {
        const bool sealed = records.write(wire::content_type::application_data, again);
        crypto::cleanse(again);
        if (!sealed) {
            hs.fail_silently(tlsio::error::internal_error, "sealing application data failed");
            return status::error;
        }
    }
    return status::done;
}

status engine::impl::need_input() {
    if (!records.eof()) {
        return status::want_read;
    }
    if (hs.received_close_notify_) {
        return status::closed;
    }
    // No alert: the transport is gone, and the peer learns nothing from one.
    hs.fail_silently(tlsio::error::stream_truncated, "the transport closed without close_notify");
    return status::error;
}

status engine::impl::on_alert(alert description) {
    if (description == alert::user_canceled) {
        return status::done;  // A close_notify follows (RFC 8446 section 6.1).
    }
    if (description == alert::close_notify) {
        hs.received_close_notify_ = true;
        if (hs.is_connected()) {
            return status::closed;
        }
    }
    hs.fail_from_peer(description);
    return status::error;
}

status engine::impl::process_one(mutable_bytes destination, std::size_t* direct) {
    records.set_compat_ccs_allowed(hs.compat_ccs_allowed());
    record::layer::incoming in = records.read(destination);
    switch (in.what) {
        case record::layer::event::need_input:
            return need_input();
        case record::layer::event::failed:
            return fail(in.error, std::move(in.message));
        case record::layer::event::alert:
            return on_alert(in.alert);
        case record::layer::event::handshake:
            if (tlsio::error e = hs.on_message(in.handshake); e != tlsio::error{}) {
                return fail(e);
            }
            return hs.is_failed() ? status::error : status::done;
        case record::layer::event::change_cipher_spec:
            if (tlsio::error e = hs.on_change_cipher_spec(); e != tlsio::error{}) {
                return fail(e);
            }
            return hs.is_failed() ? status::error : status::done;
        case record::layer::event::application_data:
            if (hs.reading_early_data()) {
                // read() opens records only with nothing pending: what is
                // pending now came in this record.
                const std::size_t size = in.direct + records.pending();
                if (tlsio::error e = hs.note_early_data_read(size); e != tlsio::error{}) {
                    return fail(e);
                }
            } else if (!hs.is_connected()) {
                return fail(tlsio::error::unexpected_message, "application data before Finished");
            }
            hs.note_application_data();
            if (direct) {
                *direct = in.direct;
            }
            return status::done;
    }
    return fail(tlsio::error::internal_error, "the record layer returned an unknown event");
}

status engine::impl::handshake() {
    if (hs.is_failed()) {
        return status::error;
    }
    if (hs.is_client_start()) {
        if (tlsio::error e = hs.start(); e != tlsio::error{}) {
            return fail(e);
        }
        // With 0-RTT the application writes its early data now.
        return hs.can_write_early() ? status::done : status::want_read;
    }
    while (!hs.is_connected()) {
        if (hs.reading_early_data()) {
            return status::done;  // read() takes the early data, then goes on
        }
        if (handshake::expect_application_answer* w = hs.waiting()) {
            // Nothing is read while the application decides: what it answers
            // may change how the next bytes are read.
            if (!w->answer) {
                return status::want_application;
            }
            if (tlsio::error e = hs.resume(); e != tlsio::error{}) {
                return fail(e);
            }
            if (hs.is_failed()) {
                return status::error;
            }
            continue;
        }
        status s = process_one();
        if (s != status::done) {
            return s;
        }
        if (hs.is_connected()) {
            return completed();
        }
    }
    return status::done;
}

status engine::impl::read(std::span<std::uint8_t> buffer, std::size_t& bytes_read) {
    bytes_read = 0;
    read_early = false;
    if (!hs.is_connected() && !hs.reading_early_data()) {
        status s = handshake();
        if (s != status::done) {
            return s;
        }
    }
    read_early = hs.reading_early_data();
    if (hs.key_update_reply_due_) {
        send_key_update_reply();  // this endpoint may never write: answer now
    }
    if (buffer.empty()) {
        return status::done;  // as Asio's read_some: nothing asked, nothing read
    }
    // Fills the buffer with as many records as are already here and fit in it,
    // opening them in place there; stops at the first that needs more input.
    for (;;) {
        if (records.pending() > 0) {
            bytes_read += records.take_pending(buffer.subspan(bytes_read));
            records.release_input_if_idle();
            return delivered();
        }
        if (bytes_read > 0 && (bytes_read == buffer.size() || !records.record_buffered())) {
            records.release_input_if_idle();
            return delivered();
        }
        if (hs.received_close_notify_) {
            return status::closed;
        }
        if (hs.is_failed()) {
            return status::error;
        }
        std::size_t direct = 0;
        status s = process_one(buffer.subspan(bytes_read), &direct);
        bytes_read += direct;
        if (s != status::done) {
            // Data read before a close_notify or an error is delivered first;
            // the next read reports what followed it.
            return bytes_read > 0 ? delivered() : s;
        }
        if (read_early && !hs.reading_early_data()) {
            // EndOfEarlyData: early data is never returned with later data.
            if (bytes_read > 0) {
                return delivered();
            }
            read_early = false;
            if (status h = handshake(); h != status::done) {
                return h;
            }
        }
    }
}

status engine::impl::write(std::span<const byte_view> buffers, std::size_t& bytes_written) {
    bytes_written = 0;
    // A client in 0-RTT writes early data while there is room for it; a
    // server reading early data writes with its application keys (0.5-RTT).
    const bool early = !hs.is_connected() && hs.can_write_early();
    if (!hs.is_connected() && !early) {
        status s = handshake();
        if (s != status::done) {
            return s;
        }
    }
    const std::size_t limit =
        early ? std::min(max_write_per_call, hs.early_data_left()) : max_write_per_call;
    // Take up to `limit` bytes from the buffers, in order.
    std::array<byte_view, record::max_seal_parts> parts;
    std::size_t count = 0;
    std::size_t total = 0;
    for (byte_view b : buffers) {
        if (count == parts.size() || total == limit) {
            break;
        }
        if (b.empty()) {
            continue;
        }
        parts[count++] = b.first(std::min(b.size(), limit - total));
        total += parts[count - 1].size();
    }
    if (total == 0) {
        return status::done;  // nothing to send; what is pending is in output()
    }
    if (hs.sent_close_notify_) {
        hs.error_ = tlsio::error::closed;
        hs.error_message_ = "write after close_notify was sent";
        return status::error;
    }
    send_key_update_reply();  // RFC 8446 4.6.3: before our next application data
    if (!hs.tls12_ && hs.is_connected() &&
        records.write_sequence() >= hs.ctx_->key_update_interval) {
        hs.update_write_keys(false);
    }
    if (hs.is_failed()) {
        return status::error;
    }
    if (!records.write(wire::content_type::application_data, {parts.data(), count})) {
        // libcrypto failed to seal: nothing sensible can be sent any more.
        hs.fail_silently(tlsio::error::internal_error, "sealing application data failed");
        return status::error;
    }
    if (early) {
        hs.note_early_data_written({parts.data(), count}, total);
    }
    bytes_written = total;
    return status::done;
}

status engine::impl::shutdown() {
    if (hs.is_failed()) {
        return status::error;
    }
    if (!hs.sent_close_notify_) {
        // The peer learns our keys changed before we stop writing.
        send_key_update_reply();
        records.send_alert(alert::close_notify);
        hs.sent_close_notify_ = true;
    }
    return status::done;
}

status engine::impl::key_update(bool request_peer) {
    if (!hs.is_connected()) {
        if (!hs.is_failed()) {
            hs.error_ = tlsio::error::handshake_in_progress;
            hs.error_message_ = "KeyUpdate asked for before the handshake is done";
        }
        return status::error;
    }
    if (hs.sent_close_notify_) {
        hs.error_ = tlsio::error::closed;
        hs.error_message_ = "KeyUpdate asked for after close_notify was sent";
        return status::error;
    }
    if (hs.tls12_) {
        hs.error_ = tlsio::error::invalid_argument;
        hs.error_message_ = "KeyUpdate is TLS 1.3 only; this connection is TLS 1.2";
        return status::error;
    }
    if (request_peer) {
        send_key_update_reply();  // the reply says update_not_requested; ours asks
    }
    // Without a request, our own KeyUpdate is the reply.
    hs.key_update_reply_pending_ = false;
    hs.key_update_reply_due_ = false;
    hs.update_write_keys(request_peer);
    return status::done;
}

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
        impl_->hs.fail_silently(
            tlsio::error::host_name_required,
            "no host name to check the server certificate against: set one "
            "(tlsio::stream::set_host, engine_options::server_name) or turn host "
            "checking off explicitly (engine_options::verify_host = false, "
            "tlsio::stream::set_server_name)");
    }
}
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;
engine::~engine() = default;

status engine::handshake() {
    return impl_->ended(impl_->handshake());
}
status engine::read(std::span<std::uint8_t> buffer, std::size_t& bytes_read) {
    return impl_->ended(impl_->read(buffer, bytes_read));
}
status engine::write(std::span<const std::uint8_t> data, std::size_t& bytes_written) {
    byte_view one = data;
    return impl_->ended(impl_->write(std::span<const byte_view>(&one, 1), bytes_written));
}
status engine::gather_write(std::span<const std::span<const std::uint8_t>> buffers,
                            std::size_t& bytes_written) {
    return impl_->ended(impl_->write(buffers, bytes_written));
}
status engine::shutdown() {
    return impl_->ended(impl_->shutdown());
}
status engine::key_update(bool request_peer) {
    return impl_->ended(impl_->key_update(request_peer));
}

std::span<std::uint8_t> engine::input_space() {
    return impl_->records.input_space();
}
void engine::commit_input(std::size_t n) {
    impl_->records.commit_input(n);
}
void engine::commit_eof() {
    impl_->records.commit_eof();
}
std::span<const std::uint8_t> engine::output() const noexcept {
    return impl_->records.output();
}
void engine::consume_output(std::size_t n) {
    impl_->records.consume_output(n);
}
void engine::feed(std::span<const std::uint8_t> data) {
    impl_->records.feed(data);
}

boost::system::error_code engine::error() const noexcept {
    return impl_->hs.error_;
}
const std::string& engine::error_message() const noexcept {
    return impl_->hs.error_message_;
}
bool engine::handshake_done() const noexcept {
    return impl_->hs.is_connected();
}
const client_hello_info* engine::client_hello() const noexcept {
    handshake::expect_application_answer* w = impl_->hs.waiting();
    return w && !w->answer ? &w->info : nullptr;
}
bool engine::answer_client_hello(client_hello_answer answer) {
    handshake::expect_application_answer* w = impl_->hs.waiting();
    if (!w || w->answer) {
        return false;
    }
    w->answer = std::move(answer);
    return true;
}
std::size_t engine::pending() const noexcept {
    return impl_->records.pending();
}
std::size_t engine::buffered_input() const noexcept {
    return impl_->records.buffered_input();
}
bool engine::received_close_notify() const noexcept {
    return impl_->hs.received_close_notify_;
}
bool engine::sent_close_notify() const noexcept {
    return impl_->hs.sent_close_notify_;
}
role engine::get_role() const noexcept {
    return impl_->hs.role_;
}

protocol_version engine::version() const noexcept {
    return impl_->hs.tls12_ ? protocol_version::tls12 : protocol_version::tls13;
}
tlsio::cipher_suite engine::cipher_suite() const noexcept {
    return static_cast<tlsio::cipher_suite>(impl_->hs.suite_id_);
}
named_group engine::group() const noexcept {
    return static_cast<named_group>(impl_->hs.group_);
}
tlsio::signature_scheme engine::peer_signature_scheme() const noexcept {
    return static_cast<tlsio::signature_scheme>(impl_->hs.peer_scheme_);
}
std::optional<tlsio::signature_scheme> engine::signature_scheme() const noexcept {
    if (!impl_->hs.own_scheme_) {
        return std::nullopt;
    }
    return static_cast<tlsio::signature_scheme>(*impl_->hs.own_scheme_);
}
std::string_view engine::alpn_protocol() const noexcept {
    return impl_->hs.alpn_;
}
std::string_view engine::server_name() const noexcept {
    return impl_->hs.server_name_;
}
const std::vector<std::vector<std::uint8_t>>& engine::peer_certificates() const noexcept {
    return impl_->hs.peer_certificates_;
}
bool engine::used_hello_retry_request() const noexcept {
    return impl_->hs.hello_retry_;
}
long engine::verify_result() const noexcept {
    return impl_->hs.verify_result_;
}

bool engine::session_reused() const noexcept {
    return impl_->hs.session_reused_;
}

bool engine::in_early_data() const noexcept {
    return impl_->hs.writing_early_data() || impl_->hs.reading_early_data();
}
std::size_t engine::max_early_data() const noexcept {
    return impl_->hs.can_write_early() ? impl_->hs.early_data_left() : 0;
}
bool engine::data_is_early() const noexcept {
    return impl_->read_early;
}
early_data_status engine::get_early_data_status() const noexcept {
    return impl_->hs.early_data_status_;
}

tlsio::session engine::session() const {
    return tlsio::session(impl_->hs.last_session_);
}

}  // namespace tlsio
