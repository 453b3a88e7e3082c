#include "record/layer.hpp"

#include "crypto/hash.hpp"
#include "wire/codec.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace tlsio::record {
namespace {

constexpr std::size_t input_capacity = 17 * 1024;
constexpr std::size_t handshake_header_size = 4;

}  // namespace

layer::layer(bool client) noexcept
    : initial_version_(client ? std::uint16_t{0x0301} : wire::tls12_version) {}

layer::~layer() {
    release_buffer(in_);
    release_buffer(out_);
    release_buffer(out_next_);
    crypto::cleanse(hs_);
    crypto::cleanse(hs_out_);
}

// ---- Transport side -----------------------------------------------------------

std::span<std::uint8_t> layer::input_space() {
    if (in_.empty()) {
        in_ = acquire_buffer(input_capacity);
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
    if (in_.size() - in_end_ < max_record && pending()) {
        in_.resize(in_end_ + max_record);  // Rare: data left unread while reading on.
    }
    return {in_.data() + in_end_, in_.size() - in_end_};
}

void layer::commit_input(std::size_t n) {
    in_end_ += std::min(n, in_.size() - in_end_);
}

void layer::feed(std::span<const std::uint8_t> data) {
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

bool layer::record_buffered() const noexcept {
    const std::size_t available = in_end_ - in_start_;
    return available >= header_size &&
           available - header_size >= wire::load_u16(in_.data() + in_start_ + 3);
}

std::span<const std::uint8_t> layer::output() const noexcept {
    if (out_start_ < out_.size()) {
        output_handed_out_ = true;
    }
    return {out_.data() + out_start_, out_.size() - out_start_};
}

void layer::consume_output(std::size_t n) {
    n = std::min(n, out_.size() - out_start_);
    out_start_ += n;
    sent_ += n;
    if (out_start_ == out_.size()) {
        out_start_ = 0;
        output_handed_out_ = false;
        release_buffer(out_);
        out_.swap(out_next_);
    }
}

std::size_t layer::take_pending(mutable_bytes out) noexcept {
    std::size_t n = std::min(pending(), out.size());
    std::memcpy(out.data(), in_.data() + app_start_, n);
    app_start_ += n;
    return n;
}

void layer::release_input_if_idle() noexcept {
    if (in_start_ == in_end_ && !pending()) {
        // Idle: give the input buffer back until bytes arrive again.
        in_start_ = in_end_ = app_start_ = app_end_ = 0;
        release_buffer(in_);
    }
}

// ---- Reading --------------------------------------------------------------------

layer::incoming layer::fail(tlsio::error e, std::string message) {
    failed_ = true;
    incoming in;
    in.what = event::failed;
    in.error = e;
    in.message = std::move(message);
    return in;
}

bool layer::next_message(incoming& in) {
    const std::size_t available = hs_.size() - hs_pos_;
    if (available < handshake_header_size) {
        return false;
    }
    const std::uint8_t* p = hs_.data() + hs_pos_;
    std::size_t length = (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    if (length > max_handshake_message) {
        in = fail(error::decode_error, "handshake message too large");
        return true;
    }
    if (available < handshake_header_size + length) {
        return false;
    }
    in.what = event::handshake;
    in.handshake.type = static_cast<wire::handshake_type>(p[0]);
    in.handshake.message = byte_view(p, handshake_header_size + length);
    in.handshake.body = in.handshake.message.subspan(handshake_header_size);
    hs_pos_ += handshake_header_size + length;
    return true;
}

bool layer::skip_record(std::size_t record_size) noexcept {
    early_data_skipped_ += record_size;
    return early_data_skipped_ <= early_data_skip_limit_;
}

void layer::note_empty_record(incoming& in) {
    if (++empty_records_ > max_empty_records) {
        in = fail(error::too_many_empty_records, "more than " + std::to_string(max_empty_records) +
                                                     " records in a row carried no data");
    }
}

layer::incoming layer::read(mutable_bytes destination) {
    incoming in;
    if (failed_) {
        return fail(error::internal_error, "the record layer has failed");
    }
    if (next_message(in)) {
        return in;
    }
    // The messages taken so far are done with: keep only a partial one.
    if (hs_pos_ == hs_.size()) {
        hs_.clear();
        if (handshake_done_) {
            bytes().swap(hs_);
        }
    } else if (hs_pos_ > 0) {
        hs_.erase(hs_.begin(), hs_.begin() + static_cast<std::ptrdiff_t>(hs_pos_));
    }
    hs_pos_ = 0;

    for (;;) {
        const std::size_t available = in_end_ - in_start_;
        if (available < header_size) {
            in.what = event::need_input;
            return in;
        }
        const std::uint8_t* header = in_.data() + in_start_;
        auto type = static_cast<wire::content_type>(header[0]);
        std::size_t length = wire::load_u16(header + 3);
        if (type < wire::content_type::change_cipher_spec ||
            type > wire::content_type::application_data) {
            return fail(error::unexpected_message, "record of unknown content type");
        }
        // TLS 1.3 protects application_data records only (the rest is the
        // compatibility CCS or plaintext before keys); TLS 1.2 every record
        // after the ChangeCipherSpec, which itself may not come again.
        const bool tls12_keys = read_.active() && read_.version() == protocol::tls12;
        if (tls12_keys && type == wire::content_type::change_cipher_spec) {
            return fail(error::unexpected_message, "ChangeCipherSpec after the key change");
        }
        // TLS 1.2 does not authenticate the header's version (the additional
        // data holds the negotiated one), so it is checked here, as BoringSSL does.
        if (tls12_keys && wire::load_u16(header + 1) != wire::tls12_version) {
            return fail(error::protocol_version, "TLS 1.2 record with another record version");
        }
        bool protected_record =
            read_.active() && (tls12_keys || type == wire::content_type::application_data);
        // Without read keys, rejected early data is application_data under keys
        // we never had: sized like protected records, dropped whole.
        const bool skip_unopened =
            skipping_early_data_ && !read_.active() && type == wire::content_type::application_data;
        if (length > (protected_record || skip_unopened ? max_ciphertext : max_plaintext)) {
            return fail(error::record_overflow, "record longer than RFC 8446 section 5 allows");
        }
        if (available < header_size + length) {
            in.what = event::need_input;
            return in;
        }
        mutable_bytes payload(in_.data() + in_start_ + header_size, length);
        in_start_ += header_size + length;
        if (skip_unopened) {
            if (!skip_record(header_size + length)) {
                return fail(error::bad_record_mac, "more rejected early data than " +
                                                       std::to_string(early_data_skip_limit_) +
                                                       " bytes");
            }
            continue;
        }

        mutable_bytes content = payload;
        if (!protected_record) {
            // Unprotected records: CCS, plaintext handshake messages only before
            // keys, and alerts while the handshake runs.
            bool allowed = type == wire::content_type::change_cipher_spec ||
                           (type == wire::content_type::handshake && !read_.active()) ||
                           (type == wire::content_type::alert && !handshake_done_);
            if (!allowed) {
                return fail(error::unexpected_message,
                            "unprotected record after keys were installed");
            }
        } else {
            // Application data is opened straight into the caller's buffer when
            // it fits there, which saves copying it out of ours afterwards.
            const std::size_t plaintext = read_.plaintext_size(payload.size());
            std::uint8_t* out = payload.data();
            if (!destination.empty() && plaintext <= destination.size() &&
                (!tls12_keys || type == wire::content_type::application_data)) {
                out = destination.data();
            }
            std::size_t content_size = 0;
            if (error e = read_.open(header, payload, out, type, content_size); e != error{}) {
                if (out != payload.data()) {
                    // Unauthenticated plaintext must not be left in the caller's buffer.
                    crypto::cleanse(mutable_bytes(out, plaintext));
                }
                if (skipping_early_data_ && e == error::bad_record_mac) {
                    // Early data under the 0-RTT keys we did not take (RFC 8446 4.2.10).
                    if (!skip_record(header_size + length)) {
                        return fail(e, "record failed authentication after " +
                                           std::to_string(early_data_skip_limit_) +
                                           " bytes of rejected early data");
                    }
                    continue;
                }
                return fail(e, e == error::bad_record_mac ? "record failed authentication"
                                                          : "malformed protected record");
            }
            skipping_early_data_ = false;  // the client's own flight has begun
            if (out != payload.data() && type != wire::content_type::application_data) {
                // Anything else is handled from our own buffer.
                std::memcpy(payload.data(), out, content_size);
                out = payload.data();
            }
            content = mutable_bytes(out, content_size);
            if (type == wire::content_type::change_cipher_spec) {
                return fail(error::unexpected_message, "protected ChangeCipherSpec");
            }
        }

        // Handshake messages must not be interleaved with other record types
        // (RFC 8446 section 5.1). An alert is still reported: it ends the
        // connection anyway.
        if (!hs_.empty() && type != wire::content_type::handshake &&
            type != wire::content_type::alert) {
            return fail(error::unexpected_message,
                        "a record of another type inside a fragmented handshake message");
        }

        if (type == wire::content_type::handshake) {
            skipping_early_data_ = false;  // the second ClientHello has begun
        }

        switch (type) {
            case wire::content_type::change_cipher_spec:
                if (ccs_expected_) {
                    if (content.size() != 1 || content[0] != 1) {
                        return fail(error::decode_error, "malformed ChangeCipherSpec");
                    }
                    ccs_expected_ = false;
                    empty_records_ = 0;
                    warning_alerts_ = 0;
                    in.what = event::change_cipher_spec;
                    return in;
                }
                // Dropped when it is the compatibility CCS: one byte 0x01.
                if (!ccs_allowed_ || content.size() != 1 || content[0] != 1) {
                    return fail(error::unexpected_message, "unexpected ChangeCipherSpec");
                }
                warning_alerts_ = 0;
                note_empty_record(in);
                if (in.what == event::failed) {
                    return in;
                }
                continue;
            case wire::content_type::alert:
                if (content.size() != 2) {
                    return fail(error::decode_error, "malformed alert");
                }
                // Every alert but user_canceled (and TLS 1.2's warnings) ends
                // reading, so this counts the warnings that are dropped.
                if (++warning_alerts_ > max_warning_alerts) {
                    return fail(error::too_many_warning_alerts,
                                "more than " + std::to_string(max_warning_alerts) +
                                    " warning alerts in a row");
                }
                if (drop_warnings_ && content[0] == 1 &&
                    content[1] != static_cast<std::uint8_t>(tlsio::alert::close_notify)) {
                    // Dropped, it would not end the connection: inside a
                    // fragmented message it is the interleaving refused above.
                    if (!hs_.empty()) {
                        return fail(error::unexpected_message,
                                    "an alert inside a fragmented handshake message");
                    }
                    continue;
                }
                in.what = event::alert;
                in.alert_level = content[0];
                in.alert = static_cast<tlsio::alert>(content[1]);
                return in;
            case wire::content_type::handshake:
                if (content.empty()) {
                    return fail(error::unexpected_message, "empty handshake record");
                }
                empty_records_ = 0;
                warning_alerts_ = 0;
                hs_.insert(hs_.end(), content.begin(), content.end());
                if (next_message(in)) {
                    return in;
                }
                continue;
            case wire::content_type::application_data:
                warning_alerts_ = 0;
                if (content.empty() && handshake_done_) {
                    note_empty_record(in);
                    if (in.what == event::failed) {
                        return in;
                    }
                    continue;
                }
                empty_records_ = 0;
                in.what = event::application_data;
                if (!destination.empty() && content.data() == destination.data()) {
                    in.direct = content.size();
                } else {
                    app_start_ = static_cast<std::size_t>(content.data() - in_.data());
                    app_end_ = app_start_ + content.size();
                }
                return in;
        }
        return fail(error::unexpected_message, "record of unknown content type");
    }
}

// ---- Keys ------------------------------------------------------------------------

std::optional<key_boundary> layer::at_key_boundary() const noexcept {
    if (hs_pos_ != hs_.size()) {
        return std::nullopt;
    }
    return record::key_boundary{};
}

bool layer::install_read(const record::key_boundary&, const traffic_key_material& keys) {
    skipping_early_data_ = false;
    return read_.install(keys.version, keys.aead, keys.key, keys.iv);
}

bool layer::install_write(const traffic_key_material& keys) {
    flush_handshake();  // what was gathered belongs to the old keys
    return write_.install(keys.version, keys.aead, keys.key, keys.iv);
}

// ---- Writing ---------------------------------------------------------------------

void layer::queue_handshake(byte_view message) {
    hs_out_.insert(hs_out_.end(), message.begin(), message.end());
}

void layer::flush_handshake() {
    if (hs_out_.empty()) {
        return;
    }
    bytes messages;
    messages.swap(hs_out_);
    write(wire::content_type::handshake, messages);
    crypto::cleanse(messages);
}

bool layer::write(wire::content_type type, std::span<const byte_view> parts) {
    if (type != wire::content_type::handshake) {
        flush_handshake();
    }
    const std::uint16_t version = !write_.active() && type == wire::content_type::handshake
                                      ? initial_version_
                                      : wire::tls12_version;
    std::size_t total = 0;
    for (byte_view p : parts) {
        total += p.size();
    }
    io_buffer& out = output_target();
    if (out.capacity() == 0) {
        out = acquire_buffer(input_capacity);
    }
    // The parts are one stream of bytes: records are filled across their edges,
    // and sealed straight from the caller's buffers.
    std::size_t part = 0;
    std::size_t part_offset = 0;
    std::size_t done = 0;
    do {
        std::size_t n = std::min(total - done, max_plaintext);
        if (write_.active() && ccs_pending_) {
            ccs_pending_ = false;
            write_change_cipher_spec();
        }
        std::array<byte_view, max_seal_parts> slices;
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
        out.resize(at + header_size + n + (write_.active() ? write_.overhead() : 0));
        if (!write_.active()) {
            write_header(out.data() + at, type, n, version);
            std::uint8_t* content = out.data() + at + header_size;
            for (byte_view slice : std::span<const byte_view>(slices.data(), count)) {
                std::memcpy(content, slice.data(), slice.size());
                content += slice.size();
            }
        } else if (write_.seal(out.data() + at, std::span<const byte_view>(slices.data(), count),
                               type) == 0) {
            // libcrypto failed to seal: nothing sensible can be sent any more.
            out.resize(at);
            return false;
        }
        made_ += out.size() - at;
        done += n;
    } while (done < total);
    return true;
}

void layer::write_compat_ccs() {
    flush_handshake();
    write_change_cipher_spec();
}

void layer::write_change_cipher_spec() {
    io_buffer& out = output_target();
    std::size_t at = out.size();
    out.resize(at + header_size + 1);
    write_header(out.data() + at, wire::content_type::change_cipher_spec, 1);
    out[at + header_size] = 1;
    made_ += header_size + 1;
    ccs_sent_ = true;
}

bool layer::send_alert(tlsio::alert a) {
    // no_renegotiation is always a warning (RFC 5246 section 7.2.2).
    bool warning = a == tlsio::alert::close_notify || a == tlsio::alert::user_canceled ||
                   a == tlsio::alert::no_renegotiation;
    std::uint8_t body[2] = {static_cast<std::uint8_t>(warning ? 1 : 2),
                            static_cast<std::uint8_t>(a)};
    return write(wire::content_type::alert, byte_view(body, 2));
}

}  // namespace tlsio::record
