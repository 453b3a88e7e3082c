// The client's TLS 1.2 handshake states (RFC 5246 section 7.3, ECDHE with
// RFC 8422, the extended master secret of RFC 7627, RFC 5746's
// renegotiation_info), and the abbreviated handshake that resumes a session
// by ticket (RFC 5077) or session ID.
#include "handshake/connection.hpp"
#include "handshake/groups.hpp"

#include <algorithm>
#include <chrono>

namespace tlsio::handshake {
namespace {

bool contains(const std::vector<std::uint16_t>& list, std::uint16_t v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

bytes signed_params(const transcript12& t, byte_view params) {
    // ServerKeyExchange signs client_random + server_random + ServerECDHParams.
    bytes content(t.client_random.begin(), t.client_random.end());
    content.insert(content.end(), t.server_random.begin(), t.server_random.end());
    content.insert(content.end(), params.begin(), params.end());
    return content;
}

}  // namespace

error connection::client12_on_server_hello(sent_client_hello& hello, const bytes& first_hello,
                                           wire::server_hello& sh, byte_view message) {
    if (error e = wire::decode_tls12_server_extensions(sh); e != wire::ok) {
        error_message_ = "ServerHello extensions do not parse";
        return e;
    }
    const tls12::suite* suite = tls12::find_suite(sh.cipher_suite);
    if (!suite || !contains(ctx_->cipher_suites12, sh.cipher_suite) ||
        sh.legacy_compression_method != 0) {
        error_message_ =
            "TLS 1.2 ServerHello selects a cipher suite or compression that was not "
            "offered";
        return error::illegal_parameter;
    }
    // A server that echoes our session ID resumes the session offered; with
    // none offered, the ID (middlebox compatibility) named nothing.
    const bool resumes =
        !hello.session_id.empty() &&
        std::equal(sh.legacy_session_id_echo.begin(), sh.legacy_session_id_echo.end(),
                   hello.session_id.begin(), hello.session_id.end());
    if (resumes &&
        (!hello.offered_session12 || hello.offered_session12->cipher_suite != sh.cipher_suite)) {
        error_message_ = hello.offered_session12
                             ? "TLS 1.2 server resumes the session with another cipher suite"
                             : "TLS 1.2 server resumes a session that was not offered";
        return error::illegal_parameter;
    }
    for (const wire::extension& e : sh.extensions) {
        // supported_groups was offered, so it is no unsolicited extension; RFC
        // 8422 has servers not echo it, but some (BIG-IP) do: it is ignored.
        const bool answers_offer =
            e.type == wire::ext::extended_master_secret || e.type == wire::ext::supported_groups ||
            e.type == wire::ext::renegotiation_info || e.type == wire::ext::ec_point_formats ||
            e.type == wire::ext::session_ticket ||
            (e.type == wire::ext::alpn && !options_.alpn_protocols.empty()) ||
            (e.type == wire::ext::server_name && hello.sent_sni);
        if (!answers_offer) {
            error_message_ = "TLS 1.2 ServerHello carries extension " + std::to_string(e.type) +
                             ", which was not offered";
            return error::unsupported_extension;
        }
    }
    if (!sh.has_extended_master_secret) {
        error_message_ =
            "server does not support the extended master secret (RFC 7627), which tlsio "
            "requires for TLS 1.2";
        return error::handshake_failure;
    }
    if (!sh.has_renegotiation_info || !sh.renegotiated_connection.empty()) {
        error_message_ = "server does not support secure renegotiation (RFC 5746)";
        return error::handshake_failure;
    }
    if (sh.has_ec_point_formats &&
        std::find(sh.ec_point_formats.begin(), sh.ec_point_formats.end(),
                  wire::point_format_uncompressed) == sh.ec_point_formats.end()) {
        error_message_ = "server's ec_point_formats lacks the uncompressed format";
        return error::illegal_parameter;
    }
    if (sh.has_alpn) {
        if (std::find(options_.alpn_protocols.begin(), options_.alpn_protocols.end(), sh.alpn) ==
            options_.alpn_protocols.end()) {
            error_message_ = "server selected an application protocol that was not offered";
            return error::illegal_parameter;
        }
        alpn_ = sh.alpn;
    }
    tls12_ = true;
    records_.use_tls12_record_version();  // 0x0301 was for the ClientHello only
    records_.drop_warning_alerts(true);
    suite12_ = suite;
    suite_id_ = suite->id;
    tls12_session_.ticket_expected = sh.has_session_ticket;
    if (resumes) {
        // The abbreviated handshake: the server's ChangeCipherSpec and
        // Finished (after a new ticket, if it promised one) under the keys of
        // the session's master secret and these randoms.
        const resumption::session_state& s = *hello.offered_session12;
        session_reused_ = true;
        peer_certificates_ = s.peer_chain;
        verify_result_ = s.verify_result;
        group_ = s.group;
        // Kept again after the handshake: with its ID, or its ticket unless
        // a new one comes (RFC 5077 lets a client use a ticket again).
        tls12_session_.session_id = s.ticket.empty() ? s.session_id : bytes{};
        tls12_session_.ticket = s.ticket;
        tls12_session_.lifetime_hint = s.lifetime;
        expect_server_ccs12 next;
        next.t.hash = crypto::hash_context(suite->hash);
        next.t.client_random = hello.random;
        std::copy(sh.random.begin(), sh.random.end(), next.t.server_random.begin());
        next.t.add(first_hello);
        next.t.add(message);
        next.master = secret(s.secret);
        log_secret(next.t.client_random, "CLIENT_RANDOM", next.master);
        records_.expect_change_cipher_spec();
        state_ = std::move(next);
        return wire::ok;
    }
    tls12_session_.session_id.assign(sh.legacy_session_id_echo.begin(),
                                     sh.legacy_session_id_echo.end());
    expect_certificate12 next;
    next.t.hash = crypto::hash_context(suite->hash);
    next.t.client_random = hello.random;
    std::copy(sh.random.begin(), sh.random.end(), next.t.server_random.begin());
    next.t.add(first_hello);
    next.t.add(message);
    // The TLS 1.3 key shares go: TLS 1.2 makes a fresh key for the server's group.
    state_ = std::move(next);
    return wire::ok;
}

error connection::client12_on_certificate(expect_certificate12& s, byte_view body,
                                          byte_view message) {
    std::vector<byte_view> certs;
    if (error e = wire::parse_certificate12(body, certs); e != wire::ok) {
        error_message_ = "server Certificate does not parse";
        return e;
    }
    if (certs.empty()) {
        error_message_ = "server sent an empty certificate list";
        return error::decode_error;
    }
    wire::certificate_msg msg;
    for (byte_view c : certs) {
        msg.entries.push_back({c, {}});
    }
    static const std::vector<std::uint16_t> none;
    std::vector<crypto::certificate> chain;
    if (error e = verify_peer_chain(msg, crypto::peer_role::server, none, chain); e != wire::ok) {
        return e;
    }
    const crypto::key_type key = chain.front().key().type();
    if (!tls12::suite_allows_key(*suite12_, key)) {
        error_message_ =
            std::string("server certificate's key does not fit ") + suite12_->openssl_name;
        return error::illegal_parameter;
    }
    // In TLS 1.2 supported_groups also names the curves we verify ECDSA on
    // (RFC 8422 5.3), so the server must not use another.
    if (std::uint16_t curve = ecdsa_curve(key); curve != 0 && !contains(ctx_->groups, curve)) {
        error_message_ = "server certificate's ECDSA key is on a curve that was not offered";
        return error::illegal_parameter;
    }
    s.t.add(message);
    expect_server_key_exchange12 next{std::move(s.t), std::move(chain)};
    state_ = std::move(next);
    return wire::ok;
}

error connection::client12_on_server_key_exchange(expect_server_key_exchange12& s, byte_view body,
                                                  byte_view message) {
    wire::server_key_exchange ske;
    if (error e = wire::parse_server_key_exchange(body, ske); e != wire::ok) {
        error_message_ = "ServerKeyExchange does not parse";
        return e;
    }
    const crypto::key_exchange* kx = crypto::find_key_exchange(ske.group);
    if (!kx || !is_tls12_group(ske.group) || !contains(ctx_->groups, ske.group)) {
        error_message_ = "ServerKeyExchange uses a group that was not offered";
        return error::illegal_parameter;
    }
    if (error e =
            verify_signature(s.chain.front(), ske.scheme, signed_params(s.t, ske.params),
                             ske.signature, ctx_->signature_schemes, true, "ServerKeyExchange");
        e != wire::ok) {
        return e;
    }
    // Our ECDHE share answers the server's: the responder's side of the table.
    expect_server_hello_done12 next;
    bytes shared;
    if (error e =
            kx_result(kx->respond(random_source_of(*ctx_), ske.point, next.client_point, shared),
                      "server's ECDHE public value is invalid (not on the curve?)");
        e != wire::ok) {
        return e;
    }
    next.pre_master = secret(shared);
    crypto::cleanse(shared);
    group_ = ske.group;
    s.t.add(message);
    next.t = std::move(s.t);
    state_ = std::move(next);
    return wire::ok;
}

error connection::client12_on_certificate_request(expect_server_hello_done12& s, byte_view body,
                                                  byte_view message) {
    wire::certificate_request12 cr;
    if (error e = wire::parse_certificate_request12(body, cr); e != wire::ok) {
        error_message_ = "CertificateRequest does not parse";
        return e;
    }
    s.requested_schemes = std::move(cr.signature_algorithms);
    s.t.add(message);
    return wire::ok;
}

error connection::client12_on_server_hello_done(expect_server_hello_done12& s, byte_view body,
                                                byte_view message) {
    if (error e = wire::parse_empty_message(body); e != wire::ok) {
        error_message_ = "ServerHelloDone is not empty";
        return e;
    }
    // It ends the server's flight: nothing of the next may come with it.
    if (error e = key_change_boundary(); e != wire::ok) {
        error_message_ = "handshake bytes follow ServerHelloDone in its flight";
        return e;
    }
    s.t.add(message);
    transcript12& t = s.t;
    const credential* chosen = nullptr;
    std::uint16_t scheme = 0;
    if (s.requested_schemes) {
        for (const credential& c : ctx_->credentials) {
            scheme = choose_scheme(c, ctx_->signature_schemes, *s.requested_schemes, true);
            if (scheme != 0) {
                chosen = &c;
                break;
            }
        }
        send_certificate12(t, chosen);
    }
    bytes cke;
    wire::writer w(cke);
    w.vec8(s.client_point);
    send12(t, wire::handshake_type::client_key_exchange, cke);
    secret master = enter_master_secret12(t, s.pre_master);
    if (chosen) {
        if (error e = send_certificate_verify12(t, *chosen, scheme); e != wire::ok) {
            return e;
        }
    }
    install_write12(t, master);
    if (is_failed()) {
        return error::internal_error;
    }
    send_finished12(t, master);
    records_.expect_change_cipher_spec();
    expect_server_ccs12 next{std::move(t), master};
    state_ = std::move(next);
    return wire::ok;
}

error connection::client12_on_new_session_ticket(expect_server_ccs12& s, byte_view body,
                                                 byte_view message) {
    wire::new_session_ticket12 nst;
    if (error e = wire::parse_new_session_ticket12(body, nst); e != wire::ok) {
        error_message_ = "NewSessionTicket does not parse";
        return e;
    }
    tls12_session_.ticket_expected = false;
    tls12_session_.ticket.assign(nst.ticket.begin(), nst.ticket.end());
    tls12_session_.lifetime_hint = nst.lifetime_hint;
    s.t.add(message);
    return wire::ok;
}

error connection::client12_on_finished(expect_server_finished12& s, byte_view body,
                                       byte_view message) {
    if (error e = check_finished12(s.t, body, s.master); e != wire::ok) {
        return e;
    }
    if (session_reused_) {
        // Abbreviated: our ChangeCipherSpec and Finished come last.
        if (error e = key_change_boundary(); e != wire::ok) {
            error_message_ = "handshake bytes follow the server's Finished in its flight";
            return e;
        }
        s.t.add(message);
        install_write12(s.t, s.master);
        if (is_failed()) {
            return error::internal_error;
        }
        send_finished12(s.t, s.master);
    }
    client12_keep_session(s.master);
    finish_handshake();
    return wire::ok;
}

void connection::client12_keep_session(const secret& master) {
    if (tls12_session_.ticket.empty() && tls12_session_.session_id.empty()) {
        return;  // the server gave nothing to resume with
    }
    resumption::session_state s = session12(master);
    // No lifetime hint: the ticket's life is the server's business; 2 hours,
    // as tlsio's servers give (RFC 5077 3.3 lets the client pick).
    constexpr std::uint32_t default_lifetime = 2 * 3600;
    const std::uint32_t hint = tls12_session_.lifetime_hint;
    s.lifetime = hint == 0 ? default_lifetime : std::min(hint, max_ticket_lifetime);
    s.peer_verified = verify_result_ == 0 && (peer_verify_mode() & verify_peer) != 0;
    s.ticket = tls12_session_.ticket;
    s.session_id = tls12_session_.session_id;
    s.received_at_ms = unix_milliseconds(ctx_->now());
    if (!server_name_.empty()) {
        ctx_->sessions->put(server_name_, s);
    }
    last_session_ = std::make_shared<const resumption::session_state>(std::move(s));
}

}  // namespace tlsio::handshake
