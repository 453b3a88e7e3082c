// Session resumption with tickets (RFC 8446 sections 2.2, 4.2.11 and 4.6.1):
// the client's offer and binder, the server's check of both, and the tickets
// that carry a session from one connection to the next.
#include "handshake/connection.hpp"

#include <algorithm>
#include <chrono>

namespace tlsio::handshake {
namespace {

/// PskKeyExchangeMode psk_dhe_ke: resumption with a fresh (EC)DHE, so a
/// stolen ticket key does not open past traffic. tlsio offers only this one.
constexpr std::uint8_t psk_dhe_ke = 1;
/// The ticket's PSK: HKDF-Expand-Label(resumption_master_secret, "resumption",
/// ticket_nonce, Hash.length).
bytes ticket_psk(crypto::hash_algorithm h, const secret& resumption_master, byte_view nonce) {
    bytes psk(crypto::digest_size(h));
    expand_label(h, resumption_master.view(), "resumption", nonce, psk);
    return psk;
}

/// The binder of `psk` over the transcript `before` (or nothing) followed
/// by the ClientHello up to its binders list.
secret compute_binder(crypto::hash_algorithm h, byte_view psk, const crypto::hash_context* before,
                      byte_view partial_hello) {
    crypto::hash_context transcript = before ? *before : crypto::hash_context(h);
    transcript.update(partial_hello);
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript.peek(hash);
    early_secret early = early_secret::with_psk(h, psk);
    return finished_verify_data(h, early.binder_key(true), byte_view(hash, n));
}

}  // namespace

// ---- Client -----------------------------------------------------------------------

void connection::client_choose_session(sent_client_hello& hello) {
    hello.offered_session.reset();
    hello.offered_session12.reset();
    std::optional<resumption::session_state> s;
    if (options_.session) {
        s = *options_.session.state();
    } else if (!server_name_.empty()) {
        s = ctx_->sessions->take(server_name_);
    }
    if (!s) {
        return;
    }
    const auto now = ctx_->now();
    const std::uint64_t now_ms = unix_milliseconds(now);
    const bool expired = now_ms < s->received_at_ms ||
                         now_ms - s->received_at_ms >= std::uint64_t{s->lifetime} * 1000;
    // A session is offered only where the original connection was made and
    // as well checked as this one must be: the same name, a verified peer
    // if this connection verifies, a suite this context still enables.
    const bool verifies = (peer_verify_mode() & verify_peer) != 0;
    if (s->version == wire::tls12_version) {
        // RFC 5077 or a session ID; resumed with its own suite.
        if (hello.offered12 && !expired && s->server_name == server_name_ &&
            !(verifies && !s->peer_verified) && (!s->ticket.empty() || !s->session_id.empty()) &&
            s->ticket.size() <= 0xffff && s->session_id.size() <= 32 &&
            std::find(ctx_->cipher_suites12.begin(), ctx_->cipher_suites12.end(),
                      s->cipher_suite) != ctx_->cipher_suites12.end()) {
            hello.offered_session12 = std::move(s);
        }
        return;
    }
    const suite_info* suite = find_suite(s->cipher_suite);
    if (!hello.offered13 || s->version != wire::tls13_version || !suite || expired ||
        std::find(ctx_->cipher_suites.begin(), ctx_->cipher_suites.end(), s->cipher_suite) ==
            ctx_->cipher_suites.end() ||
        s->server_name != server_name_ || (verifies && !s->peer_verified) || s->ticket.empty() ||
        s->ticket.size() > 0xffff - 16) {
        return;
    }
    hello.offered_session = std::move(s);
}

void connection::client_add_psk_extensions(const sent_client_hello& hello,
                                           std::vector<raw_extension>& exts) const {
    if (!hello.offered13) {
        return;  // both extensions are TLS 1.3's
    }
    // Sent always, as browsers and OpenSSL do: it is what lets the server
    // send tickets, which engine::session() hands out even without a cache.
    exts.push_back({wire::ext::psk_key_exchange_modes, bytes{1, psk_dhe_ke}});
    if (!hello.offered_session) {
        return;
    }
    const resumption::session_state& s = *hello.offered_session;
    const std::uint64_t age_ms = unix_milliseconds(ctx_->now()) - s.received_at_ms;
    wire::psk_identity id;
    id.identity = s.ticket;
    // RFC 8446 4.2.11.1: the age in milliseconds plus age_add, modulo 2^32.
    id.obfuscated_ticket_age = static_cast<std::uint32_t>(age_ms) + s.age_add;
    const suite_info* suite = find_suite(s.cipher_suite);
    if (hello.early_data) {
        exts.push_back({wire::ext::early_data, {}});
    }
    // pre_shared_key goes last (RFC 8446 4.2.11).
    exts.push_back({wire::ext::pre_shared_key,
                    wire::encode_offered_psks({id}, {crypto::digest_size(suite->hash)})});
}

void connection::client_write_binder(const sent_client_hello& hello, bytes& body,
                                     const crypto::hash_context* transcript) const {
    const resumption::session_state& s = *hello.offered_session;
    const suite_info* suite = find_suite(s.cipher_suite);
    const std::size_t binder_size = crypto::digest_size(suite->hash);
    const std::size_t binders = wire::binders_list_size({binder_size});
    bytes partial;
    wire::append_handshake(partial, wire::handshake_type::client_hello, body);
    partial.resize(partial.size() - binders);
    secret binder = compute_binder(suite->hash, s.secret, transcript, partial);
    std::copy(binder.view().begin(), binder.view().end(), body.end() - binder_size);
}

error connection::client_on_new_session_ticket(byte_view body) {
    if (role_ != role::client) {
        error_message_ = "a client sent NewSessionTicket";
        return error::unexpected_message;
    }
    wire::new_session_ticket nst;
    if (error e = wire::parse_new_session_ticket(body, nst); e != wire::ok) {
        error_message_ = "NewSessionTicket does not parse";
        return e;
    }
    // A lifetime of 0 says "do not use" (RFC 8446 4.6.1); a longer one than
    // 7 days is cut to 7 days.
    if (nst.lifetime == 0 || resumption_master_.size() == 0) {
        return wire::ok;
    }
    resumption::session_state s = session_of_ticket(
        resumption_master_, nst.nonce, std::min(nst.lifetime, max_ticket_lifetime), nst.age_add);
    s.max_early_data = nst.max_early_data;
    s.peer_verified = verify_result_ == 0 && (peer_verify_mode() & verify_peer) != 0;
    s.ticket.assign(nst.ticket.begin(), nst.ticket.end());
    s.received_at_ms = unix_milliseconds(ctx_->now());
    if (!server_name_.empty()) {
        ctx_->sessions->put(server_name_, s);
    }
    last_session_ = std::make_shared<const resumption::session_state>(std::move(s));
    return wire::ok;
}

resumption::session_state connection::session_of_ticket(const secret& resumption_master,
                                                        byte_view nonce, std::uint32_t lifetime,
                                                        std::uint32_t age_add) const {
    resumption::session_state s;
    s.version = wire::tls13_version;
    s.cipher_suite = suite_id_;
    s.secret = ticket_psk(suite_->hash, resumption_master, nonce);
    s.lifetime = lifetime;
    s.age_add = age_add;
    s.server_name = server_name_;
    s.alpn = alpn_;
    s.peer_chain = peer_certificates_;
    s.verify_result = static_cast<std::uint32_t>(verify_result_);
    return s;
}

// ---- Server -----------------------------------------------------------------------

error connection::server_find_psk(const wire::client_hello& ch, byte_view message,
                                  const suite_info& suite, const crypto::hash_context* before,
                                  std::optional<accepted_psk>& out) {
    out.reset();
    if (!ch.has_pre_shared_key ||
        std::find(ch.psk_modes.begin(), ch.psk_modes.end(), psk_dhe_ke) == ch.psk_modes.end()) {
        return wire::ok;
    }
    const auto now = ctx_->now();
    const std::uint64_t now_s = unix_seconds(now);
    for (std::size_t i = 0; i < ch.psk_identities.size(); ++i) {
        const byte_view identity = ch.psk_identities[i].identity;
        std::optional<resumption::session_state> s;
        if (ctx_->stateful_tickets) {
            s = ctx_->server_sessions->find(identity);
        } else if (std::optional<bytes> plain = ctx_->ticket_keys->open(identity, now)) {
            s = resumption::decode_session(*plain);
            crypto::cleanse(*plain);
        }
        if (!s) {
            continue;  // not ours, or its key expired (or used): a full handshake
        }
        const suite_info* original = find_suite(s->cipher_suite);
        // A ticket made under other settings falls back to a full handshake:
        // another version or a suite of another hash, and what every
        // resumption must meet (server_may_resume).
        if (s->version != wire::tls13_version || !original || original->hash != suite.hash ||
            !server_may_resume(*s, now_s)) {
            continue;
        }
        // The binder proves the client holds the PSK and binds it to this
        // ClientHello: a wrong one ends the handshake (RFC 8446 4.2.11).
        secret expected =
            compute_binder(suite.hash, s->secret, before, message.first(4 + ch.binders_offset));
        if (!crypto::constant_time_equal(expected.view(), ch.psk_binders[i])) {
            error_message_ = "PSK binder does not verify";
            return error::decrypt_error;
        }
        // A stateful ticket is used once: whoever takes it first resumes.
        if (ctx_->stateful_tickets && !ctx_->server_sessions->erase(identity)) {
            continue;
        }
        out = accepted_psk{static_cast<std::uint16_t>(i), std::move(*s)};
        return wire::ok;
    }
    return wire::ok;
}

bool connection::server_may_resume(const resumption::session_state& s, std::uint64_t now_s) const {
    const bool needs_client_certificate =
        (peer_verify_mode() & (verify_peer | verify_fail_if_no_peer_cert)) ==
        (verify_peer | verify_fail_if_no_peer_cert);
    return s.server_name == server_name_ && now_s >= s.issued_at &&
           now_s - s.issued_at < s.lifetime && !(needs_client_certificate && !s.peer_verified);
}

void connection::server_send_tickets(const secret& resumption_master) {
    const auto now = ctx_->now();
    const std::uint32_t lifetime = issued_ticket_lifetime();
    const auto random = [this](mutable_bytes out) {
        ctx_->fill_random(out);
        return true;
    };
    for (std::size_t i = 0; i < ctx_->num_tickets && i < 256; ++i) {
        // Each ticket has its own nonce, so its own PSK (section 4.6.1).
        const std::uint8_t nonce[1] = {static_cast<std::uint8_t>(i)};
        std::uint8_t age_add[4];
        ctx_->fill_random(age_add);
        resumption::session_state s =
            session_of_ticket(resumption_master, nonce, lifetime, wire::reader(age_add).u32());
        s.issued_at = unix_seconds(now);
        s.max_early_data = ctx_->max_early_data;
        s.peer_verified = !peer_certificates_.empty() && verify_result_ == 0;
        bytes ticket;
        if (ctx_->stateful_tickets) {
            // The ticket only names the session, which stays here.
            if (ctx_->server_sessions->capacity() == 0) {
                return;
            }
            ticket.resize(32);
            ctx_->fill_random(ticket);
            ctx_->server_sessions->put(ticket, s);
        } else {
            bytes plain = resumption::encode_session(s);
            ticket = ctx_->ticket_keys->seal(plain, now, random);
            crypto::cleanse(plain);
        }
        if (ticket.empty()) {
            return;  // no key to seal with (an empty set_ticket_keys): no tickets
        }
        send_handshake(
            wire::handshake_type::new_session_ticket,
            wire::encode_new_session_ticket(lifetime, s.age_add, nonce, ticket, s.max_early_data),
            nullptr);
    }
}

}  // namespace tlsio::handshake
