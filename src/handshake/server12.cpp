// The server's TLS 1.2 handshake states (RFC 5246 section 7.3, ECDHE with
// RFC 8422, the extended master secret of RFC 7627, RFC 5746's
// renegotiation_info), and the abbreviated handshake that resumes a session
// by ticket (RFC 5077, sealed with the context's ticket keys) or session ID.
#include "handshake/connection.hpp"
#include "handshake/groups.hpp"

#include <algorithm>
#include <chrono>

namespace tlsio::handshake {
namespace {

bool contains(const std::vector<std::uint16_t>& list, std::uint16_t v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

/// ClientCertificateType values of RFC 5246 7.4.4 and RFC 8422 5.5.
constexpr std::uint8_t rsa_sign = 1;
constexpr std::uint8_t ecdsa_sign = 64;

/// ServerHello.random: fresh, with RFC 8446's downgrade sentinel when this
/// server could have spoken TLS 1.3.
void fill_server_random12(const context::impl& ctx, transcript12& t) {
    ctx.fill_random(t.server_random);
    if (ctx.allows(wire::tls13_version)) {
        std::copy(wire::downgrade_tls12_sentinel.begin(), wire::downgrade_tls12_sentinel.end(),
                  t.server_random.end() - 8);
    }
}

}  // namespace

std::optional<resumption::session_state> connection::server12_find_session(
    const wire::client_hello& ch, bool& by_ticket) {
    std::optional<resumption::session_state> s;
    const auto now = ctx_->now();
    if (ch.has_session_ticket && !ch.session_ticket.empty()) {
        if (std::optional<bytes> plain = ctx_->ticket_keys->open(ch.session_ticket, now)) {
            s = resumption::decode_session(*plain);
            crypto::cleanse(*plain);
        }
    }
    by_ticket = s.has_value();
    if (!s && !ch.legacy_session_id.empty()) {
        s = ctx_->server_sessions->find(ch.legacy_session_id);
    }
    if (!s) {
        return s;
    }
    // As for TLS 1.3 tickets: a session made under other settings costs a
    // full handshake. The suite must be the session's (RFC 5246 7.4.1.2),
    // still enabled here and offered again.
    if (s->version != wire::tls12_version || !tls12::find_suite(s->cipher_suite) ||
        !contains(ctx_->cipher_suites12, s->cipher_suite) ||
        !contains(ch.cipher_suites, s->cipher_suite) || s->secret.size() != 48 ||
        !server_may_resume(*s, unix_seconds(now))) {
        s.reset();
    }
    return s;
}

error connection::server12_resume(const wire::client_hello& ch, byte_view message,
                                  const server_choice& choice, resumption::session_state session,
                                  bool by_ticket) {
    if (error e = server_choose_alpn(ch, choice); e != wire::ok) {
        return e;
    }
    const tls12::suite* suite = tls12::find_suite(session.cipher_suite);
    tls12_ = true;
    suite12_ = suite;
    suite_id_ = suite->id;
    session_reused_ = true;
    peer_certificates_ = session.peer_chain;
    verify_result_ = session.verify_result;
    group_ = session.group;
    // A new ticket only when the one used is past half its life (as
    // BoringSSL), or the session came by ID to a client that takes tickets:
    // sealing one on every resumption costs what resuming saves.
    const std::uint64_t now_s = unix_seconds(ctx_->now());
    const bool aging = now_s - session.issued_at >= session.lifetime / 2;
    tls12_session_.ticket_expected =
        ch.has_session_ticket && can_issue_tickets() && (!by_ticket || aging);

    expect_client_ccs12 next;
    transcript12& t = next.t;
    t.hash = crypto::hash_context(suite->hash);
    std::copy(ch.random.begin(), ch.random.end(), t.client_random.begin());
    fill_server_random12(*ctx_, t);
    t.add(message);

    // The echo of the client's session ID says "resumed" (RFC 5077 3.4).
    send_server_hello12(t, ch, ch.legacy_session_id, true);

    next.master = secret(session.secret);
    log_secret(t.client_random, "CLIENT_RANDOM", next.master);
    if (tls12_session_.ticket_expected) {
        server12_keep_session(t, next.master);  // a fresh ticket for the same session
    }
    install_write12(t, next.master);
    if (is_failed()) {
        return error::internal_error;
    }
    send_finished12(t, next.master);
    records_.expect_change_cipher_spec();
    state_ = std::move(next);
    return wire::ok;
}

error connection::server12_on_client_hello(const wire::client_hello& ch, byte_view message,
                                           const server_choice& choice) {
    if (!ch.has_extended_master_secret) {
        error_message_ =
            "client does not support the extended master secret (RFC 7627), which tlsio "
            "requires for TLS 1.2";
        return error::handshake_failure;
    }
    // RFC 5746 3.6: an initial ClientHello carries an empty renegotiation_info
    // (or the SCSV instead); anything else is a renegotiation we know nothing of.
    if (ch.has_renegotiation_info && !ch.renegotiated_connection.empty()) {
        error_message_ = "ClientHello renegotiation_info is not empty in an initial handshake";
        return error::handshake_failure;
    }
    if (ch.has_ec_point_formats &&
        std::find(ch.ec_point_formats.begin(), ch.ec_point_formats.end(),
                  wire::point_format_uncompressed) == ch.ec_point_formats.end()) {
        error_message_ = "ClientHello ec_point_formats lacks the uncompressed format (RFC 8422)";
        return error::illegal_parameter;
    }
    bool by_ticket = false;
    if (std::optional<resumption::session_state> s = server12_find_session(ch, by_ticket)) {
        return server12_resume(ch, message, choice, std::move(*s), by_ticket);
    }
    if (!ch.has_signature_algorithms) {
        // Without it, RFC 5246 7.4.1.4.1 means SHA-1, which tlsio does not sign with.
        error_message_ = "TLS 1.2 ClientHello lacks signature_algorithms (SHA-1 is refused)";
        return error::handshake_failure;
    }
    // A group both sides have, for ECDHE: ours in order of preference. Without
    // supported_groups a client accepts any curve (RFC 8422 4); P-256 is the
    // one every TLS 1.2 client has.
    std::uint16_t group = 0;
    for (std::uint16_t g : ctx_->groups) {
        const bool offered =
            ch.has_supported_groups ? contains(ch.supported_groups, g) : g == 0x0017;
        if (is_tls12_group(g) && offered && crypto::find_key_exchange(g) != nullptr) {
            group = g;
            break;
        }
    }
    if (group == 0) {
        error_message_ = "no ECDHE group in common for TLS 1.2";
        return error::handshake_failure;
    }
    // Server preference: our first suite the client offers and a credential can sign for.
    const tls12::suite* suite = nullptr;
    const credential* cred = nullptr;
    std::uint16_t scheme = 0;
    for (std::uint16_t id : ctx_->cipher_suites12) {
        const tls12::suite* s = tls12::find_suite(id);
        if (!s || !contains(ch.cipher_suites, id)) {
            continue;
        }
        if (server_choose_credential(ch, choice, s, cred, scheme) == wire::ok) {
            suite = s;
            break;
        }
    }
    if (!suite) {
        error_message_ = ctx_->credentials.empty()
                             ? "no certificate configured"
                             : "no TLS 1.2 cipher suite in common that a certificate can sign for";
        return error::handshake_failure;
    }
    if (error e = server_choose_alpn(ch, choice); e != wire::ok) {
        return e;
    }
    // The client waits for our flight before it sends more; handshake bytes
    // after its ClientHello cannot be an honest ClientKeyExchange.
    if (!records_.at_key_boundary()) {
        error_message_ = "handshake data follows the TLS 1.2 ClientHello";
        return error::unexpected_message;
    }
    error_message_.clear();
    tls12_ = true;
    records_.drop_warning_alerts(true);
    suite12_ = suite;
    suite_id_ = suite->id;
    group_ = group;

    expect_client_key_exchange12 next;
    transcript12& t = next.t;
    t.hash = crypto::hash_context(suite->hash);
    std::copy(ch.random.begin(), ch.random.end(), t.client_random.begin());
    // RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 says so in its
    // random, so a TLS 1.3 client sees a downgrade an attacker forced.
    fill_server_random12(*ctx_, t);
    t.add(message);
    // A ticket for a client that takes them; otherwise a session ID, under
    // which the session is kept here.
    tls12_session_.ticket_expected = ch.has_session_ticket && can_issue_tickets();
    tls12_session_.session_id.clear();
    if (!tls12_session_.ticket_expected && ctx_->server_sessions->capacity() > 0) {
        tls12_session_.session_id.resize(32);
        ctx_->fill_random(tls12_session_.session_id);
    }

    send_server_hello12(t, ch, tls12_session_.session_id, false);

    send_certificate12(t, cred);

    next.kx = crypto::find_key_exchange(group);
    bytes point;
    if (next.kx->generate(random_source_of(*ctx_), next.state, point) != crypto::kx_status::ok) {
        error_message_ = "key exchange failed in libcrypto";
        return error::internal_error;
    }
    bytes params = wire::encode_ecdh_params(group, point);
    bytes content(t.client_random.begin(), t.client_random.end());
    content.insert(content.end(), t.server_random.begin(), t.server_random.end());
    content.insert(content.end(), params.begin(), params.end());
    bytes signature;
    if (error e = sign(*cred, scheme, content, signature, "ServerKeyExchange"); e != wire::ok) {
        return e;
    }
    bytes ske = params;
    wire::writer sw(ske);
    sw.u16(scheme);
    sw.vec16(signature);
    send12(t, wire::handshake_type::server_key_exchange, ske);

    next.certificate_expected = (peer_verify_mode() & verify_peer) != 0;
    if (next.certificate_expected) {
        bytes cr;
        wire::writer rw(cr);
        rw.vec8(bytes{rsa_sign, ecdsa_sign});
        std::vector<std::uint16_t> schemes = ctx_->signature_schemes;
        std::erase_if(schemes, [](std::uint16_t s) { return (s >> 8) == 0x02; });  // no SHA-1
        rw.vec16(wire::encode_u16_list(0, schemes));
        rw.u16(0);  // no certificate_authorities
        send12(t, wire::handshake_type::certificate_request, cr);
    }
    send12(t, wire::handshake_type::server_hello_done, {});
    state_ = std::move(next);
    return wire::ok;
}

error connection::server12_on_certificate(expect_client_key_exchange12& s, byte_view body,
                                          byte_view message) {
    std::vector<byte_view> certs;
    if (error e = wire::parse_certificate12(body, certs); e != wire::ok) {
        error_message_ = "client Certificate does not parse";
        return e;
    }
    s.certificate_expected = false;
    if (certs.empty()) {
        if (peer_verify_mode() & verify_fail_if_no_peer_cert) {
            // TLS 1.2 has no certificate_required alert: handshake_failure
            // says it (RFC 5246 7.4.6), the error is the same as in TLS 1.3.
            fail(error::certificate_required, "client sent no certificate but one is required",
                 alert::handshake_failure);
            return error::certificate_required;
        }
        s.t.add(message);
        return wire::ok;
    }
    wire::certificate_msg msg;
    for (byte_view c : certs) {
        msg.entries.push_back({c, {}});
    }
    static const std::vector<std::uint16_t> none;
    if (error e = verify_peer_chain(msg, crypto::peer_role::client, none, s.chain); e != wire::ok) {
        return e;
    }
    s.t.add(message);
    return wire::ok;
}

error connection::server12_on_client_key_exchange(expect_client_key_exchange12& s, byte_view body,
                                                  byte_view message) {
    byte_view point;
    if (error e = wire::parse_client_key_exchange(body, point); e != wire::ok) {
        error_message_ = "ClientKeyExchange does not parse";
        return e;
    }
    bytes shared;
    if (error e = kx_result(s.kx->finish(s.state, point, shared),
                            "client's ECDHE public value is invalid (not on the curve?)");
        e != wire::ok) {
        return e;
    }
    secret pre_master(shared);
    crypto::cleanse(shared);
    s.t.add(message);
    secret master = enter_master_secret12(s.t, pre_master);
    if (!s.chain.empty()) {
        expect_client_certificate_verify12 next{std::move(s.t), master, std::move(s.chain)};
        state_ = std::move(next);
        return wire::ok;
    }
    records_.expect_change_cipher_spec();
    expect_client_ccs12 next{std::move(s.t), master};
    state_ = std::move(next);
    return wire::ok;
}

error connection::server12_on_certificate_verify(expect_client_certificate_verify12& s,
                                                 byte_view body, byte_view message) {
    wire::certificate_verify cv;
    if (error e = wire::parse_certificate_verify(body, cv); e != wire::ok) {
        error_message_ = "CertificateVerify does not parse";
        return e;
    }
    // It signs every handshake message before it (RFC 5246 7.4.8).
    if (error e = verify_signature(s.chain.front(), cv.scheme, s.t.messages, cv.signature,
                                   ctx_->signature_schemes, true, "CertificateVerify");
        e != wire::ok) {
        return e;
    }
    s.t.add(message);
    records_.expect_change_cipher_spec();
    expect_client_ccs12 next{std::move(s.t), s.master};
    state_ = std::move(next);
    return wire::ok;
}

error connection::server12_on_finished(expect_client_finished12& s, byte_view body,
                                       byte_view message) {
    if (error e = check_finished12(s.t, body, s.master); e != wire::ok) {
        return e;
    }
    if (session_reused_) {
        finish_handshake();  // abbreviated: our Finished went first
        return wire::ok;
    }
    s.t.add(message);
    server12_keep_session(s.t, s.master);
    install_write12(s.t, s.master);
    if (is_failed()) {
        return error::internal_error;
    }
    send_finished12(s.t, s.master);
    finish_handshake();
    return wire::ok;
}

void connection::server12_keep_session(transcript12& t, const secret& master) {
    const auto now = ctx_->now();
    resumption::session_state s = session12(master);
    s.issued_at = unix_seconds(now);
    s.lifetime = issued_ticket_lifetime();
    s.peer_verified = !peer_certificates_.empty() && verify_result_ == 0;
    if (tls12_session_.ticket_expected) {
        bytes plain = resumption::encode_session(s);
        bytes ticket = ctx_->ticket_keys->seal(plain, now, [this](mutable_bytes out) {
            ctx_->fill_random(out);
            return true;
        });
        crypto::cleanse(plain);
        // The ServerHello promised a ticket: without a key to seal with (an
        // empty set_ticket_keys) it is empty, which resumes nothing (RFC
        // 5077 3.3).
        send12(t, wire::handshake_type::new_session_ticket,
               wire::encode_new_session_ticket12(s.lifetime, ticket));
    } else if (!tls12_session_.session_id.empty()) {
        ctx_->server_sessions->put(tls12_session_.session_id, s);
    }
}

void connection::send_server_hello12(transcript12& t, const wire::client_hello& ch,
                                     byte_view session_id, bool resumed) {
    std::vector<raw_extension> exts;
    if (ch.has_server_name && !resumed) {
        exts.push_back({wire::ext::server_name, {}});  // none on resumption (RFC 6066 3)
    }
    exts.push_back({wire::ext::extended_master_secret, {}});
    // RFC 5746 3.6: answered only when asked, by the extension or the SCSV
    // (an extension the client did not offer would be unsolicited).
    if (ch.has_renegotiation_info ||
        contains(ch.cipher_suites, wire::empty_renegotiation_info_scsv)) {
        exts.push_back({wire::ext::renegotiation_info, wire::encode_renegotiation_info({})});
    }
    if (ch.has_ec_point_formats) {
        exts.push_back({wire::ext::ec_point_formats, wire::encode_ec_point_formats()});
    }
    if (!alpn_.empty()) {
        exts.push_back({wire::ext::alpn, wire::encode_alpn({alpn_})});
    }
    if (tls12_session_.ticket_expected) {
        exts.push_back({wire::ext::session_ticket, {}});
    }
    bytes sh;
    wire::writer w(sh);
    w.u16(wire::tls12_version);
    w.raw(t.server_random);
    w.vec8(session_id);
    w.u16(suite12_->id);
    w.u8(0);  // no compression
    w.raw(edit_extensions(static_cast<std::uint8_t>(wire::handshake_type::server_hello), exts));
    send12(t, wire::handshake_type::server_hello, sh);
}

}  // namespace tlsio::handshake
