// 0-RTT early data (RFC 8446 sections 2.3, 4.2.10, 4.5 and 8): the client's
// early traffic keys and EndOfEarlyData, the server's decision to take the
// data (same ticket settings, a fresh ticket age, a ClientHello not seen
// before) and its reading of it.
#include "handshake/connection.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace tlsio::handshake {
namespace {

/// A client sends at most this much early data, whatever the server allows:
/// it keeps a copy until the server answers, to send it again if rejected.
constexpr std::size_t max_client_early_data = 64 * 1024;

}  // namespace

// ---- Client -----------------------------------------------------------------------

bool connection::client_wants_early_data(const sent_client_hello& hello) const {
    if (!options_.early_data || !hello.offered_session ||
        hello.offered_session->max_early_data == 0) {
        return false;
    }
    // The server takes early data only for the session's ALPN protocol (RFC
    // 8446 4.2.10): offering a list it cannot pick that one from is futile.
    const std::string& alpn = hello.offered_session->alpn;
    const std::vector<std::string>& offered = options_.alpn_protocols;
    return alpn.empty() ? offered.empty()
                        : std::find(offered.begin(), offered.end(), alpn) != offered.end();
}

void connection::client_begin_early_data(const sent_client_hello& hello, byte_view client_hello) {
    const resumption::session_state& s = *hello.offered_session;
    // The early data is protected with the session's suite; the ServerHello
    // confirms or replaces it.
    suite_ = find_suite(s.cipher_suite);
    suite_id_ = s.cipher_suite;
    std::uint8_t hash[crypto::max_digest_size];
    const std::size_t n = crypto::digest(suite_->hash, client_hello, hash);
    secret key =
        early_secret::with_psk(suite_->hash, s.secret).client_early_traffic(byte_view(hash, n));
    log_secret(hello.random, "CLIENT_EARLY_TRAFFIC_SECRET", key);
    // Middlebox compatibility: the CCS goes right after the first ClientHello
    // when early data follows it (RFC 8446 appendix D.4).
    queue_compat_ccs(hello.session_id);
    install_write(key);
    early_write_open_ = true;
    early_data_left_ = std::min<std::size_t>(s.max_early_data, max_client_early_data);
    early_data_alpn_ = s.alpn;
    early_data_suite_ = s.cipher_suite;
}

void connection::note_early_data_written(std::span<const byte_view> data, std::size_t size) {
    early_data_left_ -= std::min(size, early_data_left_);
    if (!options_.resend_rejected_early_data) {
        return;
    }
    for (byte_view part : data) {
        early_data_sent_.insert(early_data_sent_.end(), part.begin(), part.end());
    }
}

void connection::client_end_early_data_on_retry() {
    if (!early_write_open_) {
        return;
    }
    records_.drop_write_keys();
    early_write_open_ = false;
    early_data_left_ = 0;
    early_data_status_ = early_data_status::rejected;
}

error connection::client_on_early_data_answer(const client_keys& k, bool accepted) {
    if (!accepted) {
        if (early_write_open_) {
            early_data_status_ = early_data_status::rejected;
        }
        return wire::ok;
    }
    // Taking early data means resuming the session it was written for, with
    // its suite and ALPN protocol (RFC 8446 4.2.10).
    if (!early_write_open_ || !k.resumed || suite_id_ != early_data_suite_ ||
        alpn_ != early_data_alpn_) {
        error_message_ =
            "server accepted early data without resuming the session's suite and protocol";
        return error::illegal_parameter;
    }
    early_data_status_ = early_data_status::accepted;
    return wire::ok;
}

void connection::client_end_early_data(transcript_state& t, const secret& client_handshake) {
    if (!early_write_open_) {
        return;
    }
    if (early_data_status_ == early_data_status::accepted) {
        send_handshake(wire::handshake_type::end_of_early_data, {}, &t.hash);
        crypto::cleanse(early_data_sent_);
        early_data_sent_.clear();
    }
    install_write(client_handshake);
    early_write_open_ = false;
    early_data_left_ = 0;
}

bytes connection::take_early_data_to_resend() {
    bytes again;
    if (early_data_status_ != early_data_status::rejected || early_data_sent_.empty()) {
        return again;
    }
    if (alpn_ != early_data_alpn_) {
        crypto::cleanse(early_data_sent_);
        early_data_sent_.clear();
        fail(error::early_data_rejected,
             "the server rejected the early data and selected ALPN protocol \"" + alpn_ +
                 "\" instead of \"" + early_data_alpn_ + "\" it was written for");
        return again;
    }
    again.swap(early_data_sent_);
    return again;
}

// ---- Server -----------------------------------------------------------------------

bool connection::server_accepts_early_data(const wire::client_hello& ch, const accepted_psk& psk) {
    // Only the first ticket offered, on a first ClientHello, for a session
    // whose ticket allowed early data, with its suite and ALPN protocol
    // (RFC 8446 4.2.10).
    const resumption::session_state& s = psk.session;
    if (!ch.has_early_data || hello_retry_ || ctx_->max_early_data == 0 ||
        options_.refuse_early_data || psk.index != 0 || s.max_early_data == 0 ||
        s.cipher_suite != suite_id_ || s.alpn != alpn_) {
        return false;
    }
    // Freshness (RFC 8446 8.3): the age the client counts must be close to
    // ours, so a ClientHello recorded and replayed later is refused. The
    // server knows the issue time to the second.
    const std::uint32_t client_age_ms = ch.psk_identities[0].obfuscated_ticket_age - s.age_add;
    const std::int64_t server_age_ms = static_cast<std::int64_t>(unix_milliseconds(ctx_->now())) -
                                       static_cast<std::int64_t>(s.issued_at) * 1000;
    const std::int64_t window = resumption::early_data_window.count() + 1000;
    if (std::llabs(server_age_ms - static_cast<std::int64_t>(client_age_ms)) > window) {
        return false;
    }
    // A ClientHello seen before is a replay (RFC 8446 8.2); its binder is
    // unique to it and made with the PSK, so it names it.
    byte_view id = ch.psk_binders[0];
    return ctx_->replay_check ? ctx_->replay_check(id) : ctx_->replay_filter->first_use(id);
}

secret connection::early_traffic_secret(const transcript_state& t, byte_view psk) const {
    std::uint8_t hash[crypto::max_digest_size];
    const std::size_t n = t.current(hash);
    secret key =
        early_secret::with_psk(t.hash.algorithm(), psk).client_early_traffic(byte_view(hash, n));
    log_secret(t.client_random, "CLIENT_EARLY_TRAFFIC_SECRET", key);
    return key;
}

error connection::note_early_data_read(std::size_t size) {
    if (size > early_data_left_) {
        error_message_ = "more early data than the max_early_data_size announced";
        return error::unexpected_message;
    }
    early_data_left_ -= size;
    return wire::ok;
}

error connection::server_on_end_of_early_data(expect_end_of_early_data& s, byte_view body,
                                              byte_view message) {
    if (!body.empty()) {
        error_message_ = "EndOfEarlyData is not empty";
        return error::decode_error;
    }
    if (error e = key_change_boundary(); e != wire::ok) {
        return e;
    }
    s.k.transcript.hash.update(message);
    if (error e = install_read(s.k.client_handshake); e != wire::ok) {
        return e;
    }
    expect_client_finished next{std::move(s.k)};
    state_ = std::move(next);
    return wire::ok;
}

}  // namespace tlsio::handshake
