// Record I/O, alerts, the engine-facing calls and the parts of the handshake
// both roles share. The role-specific states are in client.cpp and server.cpp.
#include "handshake/connection.hpp"

#include "handshake/groups.hpp"
#include "record/buffer_pool.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace tlsio::handshake {
namespace {

constexpr std::size_t input_capacity = 17 * 1024;
/// Largest handshake message accepted (a long certificate chain fits).
constexpr std::size_t max_handshake_message = 128 * 1024;
/// Plaintext taken by one write() call: four full records, sent in one go.
constexpr std::size_t max_write_per_call = 4 * record::max_plaintext;

std::string to_hex(byte_view b) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (std::uint8_t c : b) {
        s.push_back(digits[c >> 4]);
        s.push_back(digits[c & 15]);
    }
    return s;
}

}  // namespace

connection::connection(std::shared_ptr<const context::impl> ctx, role r, engine_options options)
    : role_(r),
      state_(r == role::client ? state::client_start : state::expect_client_hello),
      ctx_(std::move(ctx)),
      options_(std::move(options)) {
    if (role_ == role::client) {
        server_name_ = options_.server_name;
        if (options_.alpn_protocols.empty()) {
            options_.alpn_protocols = ctx_->alpn;
        }
    }
}

connection::~connection() {
    record::release_buffer(in_);
    record::release_buffer(out_);
    record::release_buffer(out_next_);
    crypto::cleanse(hs_);
}

// ---- Transport side -------------------------------------------------------------

std::span<std::uint8_t> connection::input_space() {
    if (in_.empty()) {
        in_ = record::acquire_buffer(input_capacity);
        in_.resize(std::max(in_.capacity(), input_capacity));
    }
    // Move what is still needed to the front so a whole record fits behind it.
    std::size_t keep_from = pending() ? app_start_ : in_start_;
    if (keep_from > 0) {
        std::memmove(in_.data(), in_.data() + keep_from, in_end_ - keep_from);
        in_end_ -= keep_from;
        in_start_ -= keep_from;
        if (pending()) {
            app_start_ -= keep_from;
            app_end_ -= keep_from;
        } else {
            app_start_ = app_end_ = 0;
        }
    }
    if (in_.size() - in_end_ < record::max_record && pending()) {
        in_.resize(in_end_ + record::max_record);  // Rare: data left unread while reading on.
    }
    return {in_.data() + in_end_, in_.size() - in_end_};
}

void connection::commit_input(std::size_t n) {
    in_end_ += std::min(n, in_.size() - in_end_);
}

void connection::feed(std::span<const std::uint8_t> data) {
    while (!data.empty()) {
        std::span<std::uint8_t> space = input_space();
        if (space.empty()) {
            in_.resize(in_.size() + data.size());
            continue;
        }
        std::size_t n = std::min(space.size(), data.size());
        std::memcpy(space.data(), data.data(), n);
        commit_input(n);
        data = data.subspan(n);
    }
}

void connection::consume_output(std::size_t n) {
    out_start_ += std::min(n, out_.size() - out_start_);
    if (out_start_ == out_.size()) {
        out_start_ = 0;
        output_handed_out_ = false;
        record::release_buffer(out_);
        out_.swap(out_next_);
    }
}

// ---- Records ----------------------------------------------------------------------

connection::next connection::next_record(record_view& r, mutable_bytes destination) {
    std::size_t available = in_end_ - in_start_;
    if (available < record::header_size) {
        return next::need_input;
    }
    const std::uint8_t* header = in_.data() + in_start_;
    auto type = static_cast<wire::content_type>(header[0]);
    std::size_t length = wire::load_u16(header + 3);
    if (type < wire::content_type::change_cipher_spec ||
        type > wire::content_type::application_data) {
        fail(error::unexpected_message, "record of unknown content type");
        return next::failed;
    }
    bool protected_record = read_.active() && type == wire::content_type::application_data;
    if (length > (protected_record ? record::max_ciphertext : record::max_plaintext)) {
        fail(error::record_overflow);
        return next::failed;
    }
    if (available < record::header_size + length) {
        return next::need_input;
    }
    mutable_bytes payload(in_.data() + in_start_ + record::header_size, length);
    in_start_ += record::header_size + length;

    if (!protected_record) {
        // Unprotected records: CCS at any time in the handshake, plaintext
        // handshake messages only before keys, and alerts while the handshake
        // runs (a peer may alert before it has our keys).
        bool allowed = type == wire::content_type::change_cipher_spec ||
                       (type == wire::content_type::handshake && !read_.active()) ||
                       (type == wire::content_type::alert && state_ != state::connected);
        if (!allowed) {
            fail(error::unexpected_message, "unprotected record after keys were installed");
            return next::failed;
        }
        r = {type, payload};
        return next::record;
    }
    // Application data is opened straight into the caller's buffer when it fits
    // there, which saves copying it out of ours afterwards.
    const std::size_t plaintext_size = record::protection::plaintext_size(payload.size());
    std::uint8_t* out = payload.data();
    if (!destination.empty() && plaintext_size <= destination.size()) {
        out = destination.data();
    }
    std::size_t content_size = 0;
    if (error e = read_.open(header, payload, out, r.type, content_size); e != wire::ok) {
        if (out != payload.data()) {
            // Unauthenticated plaintext must not be left in the caller's buffer.
            crypto::cleanse(mutable_bytes(out, plaintext_size));
        }
        fail(e);
        return next::failed;
    }
    if (out != payload.data() && r.type != wire::content_type::application_data) {
        // Anything else is handled from our own buffer.
        std::memcpy(payload.data(), out, content_size);
        out = payload.data();
    }
    r.content = mutable_bytes(out, content_size);
    if (r.type == wire::content_type::change_cipher_spec) {
        fail(error::unexpected_message, "protected ChangeCipherSpec");
        return next::failed;
    }
    return next::record;
}

status connection::need_input() {
    if (!eof_) {
        return status::want_read;
    }
    if (received_close_notify_) {
        return status::closed;
    }
    // No alert: the transport is gone, and the peer learns nothing from one.
    error_ = error::stream_truncated;
    error_message_ = "the transport closed without close_notify";
    state_ = state::failed;
    return status::error;
}

bool connection::record_buffered() const noexcept {
    const std::size_t available = in_end_ - in_start_;
    return available >= record::header_size &&
           available - record::header_size >= wire::load_u16(in_.data() + in_start_ + 3);
}

void connection::release_input_if_idle() noexcept {
    if (in_start_ == in_end_ && !pending()) {
        // Idle: give the input buffer back until bytes arrive again.
        in_start_ = in_end_ = app_start_ = app_end_ = 0;
        record::release_buffer(in_);
    }
}

status connection::process_one(mutable_bytes destination, std::size_t* direct) {
    record_view r{};
    switch (next_record(r, destination)) {
        case next::need_input:
            return need_input();
        case next::failed:
            return status::error;
        case next::record:
            break;
    }
    switch (r.type) {
        case wire::content_type::handshake:
            return handle_handshake_bytes(r.content);
        case wire::content_type::alert:
            return handle_alert(r.content);
        case wire::content_type::change_cipher_spec:
            return handle_change_cipher_spec(r.content, false);
        case wire::content_type::application_data:
            if (state_ != state::connected) {
                return fail(error::unexpected_message, "application data before Finished");
            }
            if (!hs_.empty()) {
                return fail(error::unexpected_message,
                            "application data inside a handshake message");
            }
            if (!destination.empty() && r.content.data() == destination.data()) {
                *direct = r.content.size();
                return status::done;
            }
            app_start_ = static_cast<std::size_t>(r.content.data() - in_.data());
            app_end_ = app_start_ + r.content.size();
            return status::done;
    }
    return fail(error::unexpected_message);
}

status connection::handle_alert(byte_view content) {
    if (content.size() != 2) {
        return fail(error::decode_error, "malformed alert");
    }
    auto description = static_cast<alert>(content[1]);
    if (description == alert::user_canceled) {
        return status::done;  // A close_notify follows (RFC 8446 section 6.1).
    }
    if (description == alert::close_notify) {
        received_close_notify_ = true;
        if (state_ == state::connected) {
            return status::closed;
        }
    }
    return fail_from_peer(description);
}

status connection::handle_change_cipher_spec(byte_view content, bool protected_record) {
    // Dropped when it is the compatibility CCS: one byte 0x01, unprotected, after
    // the first ClientHello and before the peer's Finished (RFC 8446 section 5).
    bool in_handshake = state_ != state::client_start && state_ != state::expect_client_hello &&
                        state_ != state::connected;
    if (protected_record || !in_handshake || content.size() != 1 || content[0] != 1) {
        return fail(error::unexpected_message, "unexpected ChangeCipherSpec");
    }
    return status::done;
}

status connection::handle_handshake_bytes(byte_view content) {
    if (content.empty()) {
        return fail(error::unexpected_message, "empty handshake record");
    }
    hs_.insert(hs_.end(), content.begin(), content.end());
    std::size_t pos = 0;
    while (hs_.size() - pos >= 4) {
        auto type = static_cast<wire::handshake_type>(hs_[pos]);
        std::size_t length =
            (std::size_t{hs_[pos + 1]} << 16) | (std::size_t{hs_[pos + 2]} << 8) | hs_[pos + 3];
        if (length > max_handshake_message) {
            return fail(error::decode_error, "handshake message too large");
        }
        if (hs_.size() - pos < 4 + length) {
            break;
        }
        byte_view message(hs_.data() + pos, 4 + length);
        pos += 4 + length;
        more_handshake_bytes_ = pos != hs_.size();
        error e = state_ == state::connected ? on_post_handshake(type, message.subspan(4))
                                             : dispatch(type, message.subspan(4), message);
        if (e != wire::ok) {
            return fail(e);
        }
        if (state_ == state::failed) {
            return status::error;
        }
    }
    hs_.erase(hs_.begin(), hs_.begin() + static_cast<std::ptrdiff_t>(pos));
    if (hs_.empty() && state_ == state::connected) {
        bytes().swap(hs_);
    }
    return status::done;
}

error connection::key_change_boundary() const {
    // Handshake messages must not span a key change (RFC 8446 section 5.1).
    return more_handshake_bytes_ ? error::unexpected_message : wire::ok;
}

void connection::flush_handshake() {
    if (hs_out_.empty()) {
        return;
    }
    bytes messages;
    messages.swap(hs_out_);
    write_record(wire::content_type::handshake, messages);
    crypto::cleanse(messages);
}

void connection::write_record(wire::content_type type, byte_view content) {
    write_records(type, std::span<const byte_view>(&content, 1));
}

void connection::write_records(wire::content_type type, std::span<const byte_view> parts) {
    if (type != wire::content_type::handshake) {
        flush_handshake();
    }
    // Only the first ClientHello goes out as 0x0301, as widely deployed stacks do.
    std::uint16_t version = role_ == role::client && !write_.active() && !hello_retry_ &&
                                    type == wire::content_type::handshake
                                ? 0x0301
                                : wire::tls12_version;
    std::size_t total = 0;
    for (byte_view p : parts) {
        total += p.size();
    }
    record::io_buffer& out = output_target();
    if (out.capacity() == 0) {
        out = record::acquire_buffer(input_capacity);
    }
    // The parts are one stream of bytes: records are filled across their edges,
    // and sealed straight from the caller's buffers.
    std::size_t part = 0;
    std::size_t part_offset = 0;
    std::size_t done = 0;
    do {
        std::size_t n = std::min(total - done, record::max_plaintext);
        if (write_.active() && ccs_pending_) {
            ccs_pending_ = false;
            write_change_cipher_spec();
        }
        std::array<byte_view, record::max_seal_parts> slices;
        std::size_t count = 0;
        for (std::size_t filled = 0; filled < n;) {
            std::size_t take = std::min(n - filled, parts[part].size() - part_offset);
            if (take > 0) {
                slices[count++] = parts[part].subspan(part_offset, take);
            }
            filled += take;
            part_offset += take;
            if (part_offset == parts[part].size()) {
                ++part;
                part_offset = 0;
            }
        }
        std::size_t at = out.size();
        out.resize(at + record::header_size + n + (write_.active() ? record::seal_overhead : 0));
        if (!write_.active()) {
            record::write_header(out.data() + at, type, n, version);
            std::uint8_t* content = out.data() + at + record::header_size;
            for (byte_view slice : std::span<const byte_view>(slices.data(), count)) {
                std::memcpy(content, slice.data(), slice.size());
                content += slice.size();
            }
        } else if (write_.seal(out.data() + at, std::span<const byte_view>(slices.data(), count),
                               type) == 0) {
            // libcrypto failed to seal: nothing sensible can be sent any more.
            out.resize(at);
            error_ = error::internal_error;
            state_ = state::failed;
            return;
        }
        done += n;
    } while (done < total);
}

void connection::write_change_cipher_spec() {
    flush_handshake();
    record::io_buffer& out = output_target();
    std::size_t at = out.size();
    out.resize(at + record::header_size + 1);
    record::write_header(out.data() + at, wire::content_type::change_cipher_spec, 1);
    out[at + record::header_size] = 1;
    ccs_sent_ = true;
}

void connection::send_alert(alert a) {
    bool warning = a == alert::close_notify || a == alert::user_canceled;
    std::uint8_t body[2] = {static_cast<std::uint8_t>(warning ? 1 : 2),
                            static_cast<std::uint8_t>(a)};
    write_record(wire::content_type::alert, byte_view(body, 2));
}

status connection::fail(error e, std::string message) {
    if (state_ == state::failed) {
        return status::error;
    }
    error_ = e;
    if (!message.empty()) {
        error_message_ = std::move(message);
    } else if (error_message_.empty()) {
        error_message_ = error_.message();
    }
    state_ = state::failed;
    if (!sent_close_notify_) {
        send_alert(to_alert(e));
    }
    return status::error;
}

status connection::fail_from_peer(alert a) {
    error_ = a;
    error_message_ = error_.message();
    state_ = state::failed;
    return status::error;
}

// ---- Engine-facing calls ------------------------------------------------------------

status connection::handshake() {
    if (state_ == state::failed) {
        return status::error;
    }
    if (state_ == state::client_start) {
        if (error e = client_send_hello(); e != wire::ok) {
            return fail(e);
        }
        return status::want_read;
    }
    while (state_ != state::connected) {
        status s = process_one();
        if (s != status::done) {
            return s;
        }
    }
    return status::done;
}

status connection::read(std::span<std::uint8_t> buffer, std::size_t& bytes_read) {
    bytes_read = 0;
    if (state_ != state::connected) {
        status s = handshake();
        if (s != status::done) {
            return s;
        }
    }
    if (buffer.empty()) {
        return status::done;  // as Asio's read_some: nothing asked, nothing read
    }
    // Fills the buffer with as many records as are already here and fit in it,
    // opening them in place there; stops at the first that needs more input.
    for (;;) {
        if (pending() > 0) {
            std::size_t n = std::min(pending(), buffer.size() - bytes_read);
            std::memcpy(buffer.data() + bytes_read, in_.data() + app_start_, n);
            app_start_ += n;
            bytes_read += n;
            release_input_if_idle();
            return status::done;
        }
        if (bytes_read > 0 && (bytes_read == buffer.size() || !record_buffered())) {
            release_input_if_idle();
            return status::done;
        }
        if (received_close_notify_) {
            return status::closed;
        }
        if (state_ == state::failed) {
            return status::error;
        }
        std::size_t direct = 0;
        status s = process_one(buffer.subspan(bytes_read), &direct);
        bytes_read += direct;
        if (s != status::done) {
            // Data read before a close_notify or an error is delivered first;
            // the next read reports what followed it.
            return bytes_read > 0 ? status::done : s;
        }
    }
}

status connection::write(std::span<const byte_view> buffers, std::size_t& bytes_written) {
    bytes_written = 0;
    if (state_ != state::connected) {
        status s = handshake();
        if (s != status::done) {
            return s;
        }
    }
    // Take up to max_write_per_call bytes from the buffers, in order.
    std::array<byte_view, record::max_seal_parts> parts;
    std::size_t count = 0;
    std::size_t total = 0;
    for (byte_view b : buffers) {
        if (count == parts.size() || total == max_write_per_call) {
            break;
        }
        if (b.empty()) {
            continue;
        }
        parts[count++] = b.first(std::min(b.size(), max_write_per_call - total));
        total += parts[count - 1].size();
    }
    if (total == 0) {
        return status::done;  // nothing to send; what is pending is in output()
    }
    if (sent_close_notify_) {
        error_ = error::closed;
        return status::error;
    }
    if (write_.sequence() >= ctx_->key_update_interval) {
        update_write_keys(false);
    }
    write_records(wire::content_type::application_data, {parts.data(), count});
    if (state_ == state::failed) {
        return status::error;
    }
    bytes_written = total;
    return status::done;
}

status connection::shutdown() {
    if (state_ == state::failed) {
        return status::error;
    }
    if (!sent_close_notify_) {
        send_alert(alert::close_notify);
        sent_close_notify_ = true;
    }
    return status::done;
}

status connection::key_update(bool request_peer) {
    if (state_ != state::connected) {
        error_ = state_ == state::failed ? error_ : make_error_code(error::handshake_in_progress);
        return status::error;
    }
    if (sent_close_notify_) {
        error_ = error::closed;
        return status::error;
    }
    update_write_keys(request_peer);
    return status::done;
}

// ---- Shared handshake pieces ----------------------------------------------------------

void connection::send_handshake(wire::handshake_type type, const bytes& body) {
    bytes message;
    message.reserve(4 + body.size());
    wire::append_handshake(message, type, body);
    if (transcript_.valid()) {
        transcript_.update(message);
    }
    hs_out_.insert(hs_out_.end(), message.begin(), message.end());
}

bytes connection::edit_extensions(std::uint8_t message_type,
                                  std::vector<raw_extension>& extensions) {
    if (ctx_->extension_edit) {
        ctx_->extension_edit(message_type, extensions);
    }
    bytes out;
    wire::writer w(out);
    wire::append_extensions(w, extensions);
    return out;
}

void connection::start_transcript(const suite_info& suite) {
    suite_ = &suite;
    suite_id_ = suite.id;
    transcript_ = crypto::hash_context(suite.hash);
    schedule_.emplace(suite.hash);
}

void connection::install_read(const secret& s) {
    read_secret_ = s;
    traffic_keys k = derive_traffic_keys(*suite_, s);
    read_.install(suite_->aead, k.key_view(), k.iv_view());
}

void connection::install_write(const secret& s) {
    flush_handshake();  // what was gathered belongs to the old keys
    write_secret_ = s;
    traffic_keys k = derive_traffic_keys(*suite_, s);
    write_.install(suite_->aead, k.key_view(), k.iv_view());
}

void connection::log_secret(const char* label, const secret& s) const {
    if (!ctx_->keylog) {
        return;
    }
    std::string line = label;
    line += ' ';
    line += to_hex(client_random_);
    line += ' ';
    line += to_hex(s.view());
    ctx_->keylog(line);
}

void connection::enter_handshake_secrets(bytes& shared) {
    schedule_->enter_handshake(shared);
    crypto::cleanse(shared);
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    client_hs_secret_ = schedule_->client_handshake_traffic(byte_view(hash, n));
    server_hs_secret_ = schedule_->server_handshake_traffic(byte_view(hash, n));
    log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", client_hs_secret_);
    log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", server_hs_secret_);
}

secret connection::enter_application_secrets() {
    schedule_->enter_master();
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    client_ap_secret_ = schedule_->client_application_traffic(byte_view(hash, n));
    secret server_ap = schedule_->server_application_traffic(byte_view(hash, n));
    log_secret("CLIENT_TRAFFIC_SECRET_0", client_ap_secret_);
    log_secret("SERVER_TRAFFIC_SECRET_0", server_ap);
    if (ctx_->keylog) {
        log_secret("EXPORTER_SECRET", schedule_->exporter_master(byte_view(hash, n)));
    }
    return server_ap;
}

void connection::finish_handshake() {
    // An established connection keeps only its traffic secrets: everything the
    // handshake needed is wiped and freed, so idle connections stay small.
    state_ = state::connected;
    client_hs_secret_ = {};
    server_hs_secret_ = {};
    client_ap_secret_ = {};
    schedule_.reset();
    transcript_ = {};
    peer_chain_.clear();
    peer_chain_.shrink_to_fit();
    peer_allowed_schemes_ = {};
    first_client_hello_ = {};
    hrr_cookie_ = {};
}

void connection::update_write_keys(bool request_peer) {
    bytes body{static_cast<std::uint8_t>(request_peer ? 1 : 0)};
    send_handshake(wire::handshake_type::key_update, body);
    install_write(next_traffic_secret(suite_->hash, write_secret_));
}

namespace {

bytes signed_content(const char* context_string, byte_view transcript_hash) {
    // 64 spaces, the context string, a zero byte, the transcript hash (section 4.4.3).
    bytes content(64, 0x20);
    content.insert(content.end(), context_string, context_string + std::strlen(context_string));
    content.push_back(0);
    content.insert(content.end(), transcript_hash.begin(), transcript_hash.end());
    return content;
}

}  // namespace

error connection::verify_peer_chain(const wire::certificate_msg& msg, crypto::peer_role peer) {
    peer_chain_.clear();
    peer_certificates_.clear();
    for (const wire::certificate_entry& entry : msg.entries) {
        auto cert = crypto::certificate::from_der_cached(entry.cert_data);
        if (!cert) {
            error_message_ = "peer certificate does not parse";
            return error::bad_certificate;
        }
        peer_certificates_.emplace_back(entry.cert_data.begin(), entry.cert_data.end());
        peer_chain_.push_back(std::move(*cert));
    }
    if (peer_chain_.front().key().type() == crypto::key_type::unsupported) {
        error_message_ = "peer certificate has an unsupported key type";
        return error::unsupported_certificate;
    }
    if ((peer_verify_mode() & verify_peer) == 0) {
        return wire::ok;
    }
    static const crypto::trust_store empty_store;
    crypto::native_verify_callback callback;
    const verify_callback& user_callback =
        options_.peer_verify_callback ? options_.peer_verify_callback : ctx_->verify;
    if (user_callback) {
        callback = [&user_callback](bool preverified, x509_store_ctx_st* store_ctx) {
            verify_context vc(store_ctx);
            return user_callback(preverified, vc);
        };
    }
    crypto::verify_request request;
    request.store = ctx_->trust ? ctx_->trust.get() : &empty_store;
    request.chain = peer_chain_;
    request.role = peer;
    if (role_ == role::client && options_.verify_host) {
        request.host = options_.server_name;
    }
    request.now = ctx_->now();
    request.callback = callback ? &callback : nullptr;
    request.security_level = ctx_->security_level;
    crypto::verify_result result = crypto::verify_chain(request);
    verify_result_ = result.x509_error;
    if (result.error) {
        error_message_ = result.message;
        return static_cast<error>(result.error.value());
    }
    return wire::ok;
}

error connection::check_certificate_verify(byte_view body, byte_view message,
                                           const char* context_string,
                                           const std::vector<std::uint16_t>& allowed) {
    wire::certificate_verify cv;
    if (error e = wire::parse_certificate_verify(body, cv); e != wire::ok) {
        return e;
    }
    const crypto::public_key key = peer_chain_.front().key();
    if (!is_certificate_verify_scheme(cv.scheme) ||
        std::find(allowed.begin(), allowed.end(), cv.scheme) == allowed.end() ||
        !crypto::scheme_matches_key(cv.scheme, key.type())) {
        error_message_ = "CertificateVerify uses a signature scheme that was not offered";
        return error::illegal_parameter;
    }
    // Also when the chain was not verified (verify_none), as path validation would.
    if (!crypto::meets_security_level(key, ctx_->security_level)) {
        error_message_ =
            "peer key of " + std::to_string(key.bits()) + " bits is below the security level";
        return error::certificate_too_weak;
    }
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    if (!key.verify(cv.scheme, signed_content(context_string, byte_view(hash, n)), cv.signature)) {
        error_message_ = "CertificateVerify signature does not verify";
        return error::decrypt_error;
    }
    peer_scheme_ = cv.scheme;
    transcript_.update(message);
    return wire::ok;
}

error connection::send_certificate(const credential* cred, byte_view request_context) {
    bytes body;
    wire::writer w(body);
    w.vec8(request_context);
    std::size_t list = w.begin(3);
    if (cred) {
        for (const crypto::certificate& c : cred->chain) {
            w.vec24(c.der());
            w.u16(0);  // no per-certificate extensions
        }
    }
    w.end(list, 3);
    send_handshake(wire::handshake_type::certificate, body);
    return wire::ok;
}

error connection::send_certificate_verify(const credential& cred, std::uint16_t scheme,
                                          const char* context_string) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    bytes content = signed_content(context_string, byte_view(hash, n));
    bytes signature;
    bool signed_ok = cred.signer
                         ? cred.signer(static_cast<signature_scheme>(scheme), content, signature)
                         : cred.key->sign(scheme, content, signature);
    if (!signed_ok || signature.empty()) {
        error_message_ = "signing CertificateVerify failed";
        return error::internal_error;
    }
    bytes body;
    wire::writer w(body);
    w.u16(scheme);
    w.vec16(signature);
    send_handshake(wire::handshake_type::certificate_verify, body);
    own_scheme_ = scheme;
    return wire::ok;
}

void connection::send_finished(const secret& base_key) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    secret verify_data = finished_verify_data(suite_->hash, base_key, byte_view(hash, n));
    send_handshake(wire::handshake_type::finished,
                   bytes(verify_data.view().begin(), verify_data.view().end()));
}

error connection::check_finished(byte_view body, const secret& base_key) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    secret expected = finished_verify_data(suite_->hash, base_key, byte_view(hash, n));
    if (body.size() != expected.size()) {
        return error::decode_error;
    }
    if (!crypto::constant_time_equal(body, expected.view())) {
        error_message_ = "Finished does not verify";
        return error::decrypt_error;
    }
    return wire::ok;
}

error connection::on_post_handshake(wire::handshake_type type, byte_view body) {
    switch (type) {
        case wire::handshake_type::key_update: {
            bool update_requested = false;
            if (error e = wire::parse_key_update(body, update_requested); e != wire::ok) {
                return e;
            }
            if (error e = key_change_boundary(); e != wire::ok) {
                return e;
            }
            install_read(next_traffic_secret(suite_->hash, read_secret_));
            if (update_requested && !sent_close_notify_) {
                update_write_keys(false);
            }
            return wire::ok;
        }
        case wire::handshake_type::new_session_ticket: {
            if (role_ != role::client) {
                return error::unexpected_message;
            }
            // Checked for form; tickets are kept once resumption exists.
            wire::new_session_ticket ticket;
            return wire::parse_new_session_ticket(body, ticket);
        }
        default:
            // Post-handshake authentication was not offered, so CertificateRequest
            // is as unexpected as any other message here.
            return error::unexpected_message;
    }
}

error connection::dispatch(wire::handshake_type type, byte_view body, byte_view message) {
    using wire::handshake_type;
    switch (state_) {
        case state::expect_server_hello:
            if (type == handshake_type::server_hello)
                return client_on_server_hello(body, message);
            break;
        case state::expect_encrypted_extensions:
            if (type == handshake_type::encrypted_extensions)
                return client_on_encrypted_extensions(body, message);
            break;
        case state::expect_certificate_or_request:
            if (type == handshake_type::certificate_request)
                return client_on_certificate_request(body, message);
            if (type == handshake_type::certificate)
                return client_on_certificate(body, message);
            break;
        case state::expect_server_certificate:
            if (type == handshake_type::certificate)
                return client_on_certificate(body, message);
            break;
        case state::expect_server_certificate_verify:
            if (type == handshake_type::certificate_verify)
                return client_on_certificate_verify(body, message);
            break;
        case state::expect_server_finished:
            if (type == handshake_type::finished)
                return client_on_finished(body, message);
            break;
        case state::expect_client_hello:
        case state::expect_second_client_hello:
            if (type == handshake_type::client_hello)
                return server_on_client_hello(body, message);
            break;
        case state::expect_client_certificate:
            if (type == handshake_type::certificate)
                return server_on_certificate(body, message);
            break;
        case state::expect_client_certificate_verify:
            if (type == handshake_type::certificate_verify)
                return server_on_certificate_verify(body, message);
            break;
        case state::expect_client_finished:
            if (type == handshake_type::finished)
                return server_on_finished(body, message);
            break;
        default:
            break;
    }
    error_message_ =
        "unexpected handshake message of type " + std::to_string(static_cast<int>(type));
    return error::unexpected_message;
}

}  // namespace tlsio::handshake
