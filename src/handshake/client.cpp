// The client's handshake states (RFC 8446 section 2, client side).
#include "handshake/connection.hpp"
#include "handshake/groups.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace tlsio::handshake {
namespace {

// RFC 8446 4.2: an extension we offered in a message that may not carry it is
// illegal_parameter ("recognizes and which is not specified for the message");
// one we never offered is unsupported_extension.
error misplaced_extension(const std::vector<std::uint16_t>& offered, std::uint16_t type) {
    return std::find(offered.begin(), offered.end(), type) != offered.end()
               ? error::illegal_parameter
               : error::unsupported_extension;
}

bool is_ip_literal(const std::string& host) {
    std::uint8_t addr[16];
    return inet_pton(AF_INET, host.c_str(), addr) == 1 ||
           inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

bool contains(const std::vector<std::uint16_t>& list, std::uint16_t v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

bool sent_share_for(const std::vector<offered_share>& shares, std::uint16_t group) {
    return std::any_of(shares.begin(), shares.end(),
                       [&](const offered_share& s) { return s.kx->code == group; });
}

// A new private state and share for `group`, appended to `shares`.
error add_key_share(const context::impl& ctx, std::uint16_t group,
                    std::vector<offered_share>& shares) {
    const crypto::key_exchange* kx = crypto::find_key_exchange(group);
    if (kx == nullptr) {
        return error::invalid_argument;
    }
    offered_share& s = shares.emplace_back();
    s.kx = kx;
    if (kx->generate(random_source_of(ctx), s.state, s.share) != crypto::kx_status::ok) {
        shares.pop_back();
        return error::internal_error;
    }
    return wire::ok;
}

// The groups of the first ClientHello's key shares, in supported_groups order
// as RFC 8446 section 4.2.8 asks: those of key_share_groups that are enabled,
// or else the most preferred group.
std::vector<std::uint16_t> key_share_groups(const context::impl& ctx) {
    std::vector<std::uint16_t> out;
    for (std::uint16_t g : ctx.groups) {
        if (contains(ctx.key_share_groups, g) && !contains(out, g)) {
            out.push_back(g);
        }
    }
    if (out.empty()) {
        out.push_back(ctx.groups.front());
    }
    return out;
}

bool matches_sentinel(byte_view random, const std::array<std::uint8_t, 8>& sentinel) {
    return std::equal(sentinel.begin(), sentinel.end(), random.end() - 8);
}

}  // namespace

error connection::client_send_hello(sent_client_hello& hello, byte_view cookie,
                                    crypto::hash_context* transcript, bytes* message_out) {
    // Names a peer would refuse as malformed are refused here, with a clear error.
    if (!valid_alpn_protocols(options_.alpn_protocols) || server_name_.size() > 255 ||
        server_name_.find('\0') != std::string::npos) {
        error_message_ = "invalid ALPN protocol name or server name";
        return error::invalid_argument;
    }
    // Only the second ClientHello is hashed as it goes: the first waits for
    // the suite's hash.
    const bool retry = transcript != nullptr;
    if (retry) {
        hello.early_data = false;  // never after a HelloRetryRequest (RFC 8446 4.2.10)
    }
    if (!retry) {
        hello.offered13 = ctx_->allows(wire::tls13_version) && !ctx_->cipher_suites.empty();
        hello.offered12 = ctx_->allows(wire::tls12_version) && !ctx_->cipher_suites12.empty() &&
                          std::any_of(ctx_->groups.begin(), ctx_->groups.end(), is_tls12_group);
    }
    if (ctx_->groups.empty() || (!hello.offered13 && !hello.offered12)) {
        error_message_ = "the context enables no group, or no cipher suite of an enabled version";
        return error::invalid_argument;
    }
    if (!retry) {
        // The second ClientHello keeps the random and session id of the first;
        // only the key share (chosen by the HelloRetryRequest) changes.
        ctx_->fill_random(hello.random);
        hello.shares.clear();
        for (std::uint16_t g :
             hello.offered13 ? key_share_groups(*ctx_) : std::vector<std::uint16_t>{}) {
            if (error e = add_key_share(*ctx_, g, hello.shares); e != wire::ok) {
                error_message_ = "cannot make a key share for the configured groups";
                return e;
            }
        }
        if (ctx_->middlebox_compat && hello.offered13) {
            hello.session_id.resize(32);
            ctx_->fill_random(hello.session_id);
        }
        client_choose_session(hello);
        hello.early_data = client_wants_early_data(hello);
        if (hello.offered_session12) {
            // A ticket goes with a session ID of our own, which the server
            // echoes when it accepts the ticket (RFC 5077 3.4); otherwise the
            // session's own ID names it.
            const resumption::session_state& s12 = *hello.offered_session12;
            if (s12.ticket.empty()) {
                hello.session_id = s12.session_id;
            } else if (hello.session_id.empty()) {
                hello.session_id.resize(32);
                ctx_->fill_random(hello.session_id);
            }
        }
    } else if (hello.offered_session) {
        // The PSK goes on only with a suite of its hash (RFC 8446 4.1.4).
        const suite_info* s = find_suite(hello.offered_session->cipher_suite);
        if (!s || !suite_ || s->hash != suite_->hash) {
            hello.offered_session.reset();
        }
    }

    bytes body;
    wire::writer w(body);
    w.u16(wire::tls12_version);
    w.raw(hello.random);
    w.vec8(hello.session_id);
    std::size_t suites = w.begin(2);
    if (hello.offered13) {
        for (std::uint16_t s : ctx_->cipher_suites) {
            w.u16(s);
        }
    }
    if (hello.offered12) {
        for (std::uint16_t s : ctx_->cipher_suites12) {
            w.u16(s);
        }
    }
    w.end(suites, 2);
    w.u8(1);
    w.u8(0);  // legacy_compression_methods: null only

    std::vector<raw_extension> exts;
    if (!server_name_.empty() && !is_ip_literal(server_name_)) {
        exts.push_back({wire::ext::server_name, wire::encode_server_name(server_name_)});
        hello.sent_sni = true;
    }
    std::vector<std::uint16_t> groups = ctx_->groups;
    if (!hello.offered13) {
        // TLS 1.2 has no KEM: only the ECDHE groups.
        std::erase_if(groups, [](std::uint16_t g) { return !is_tls12_group(g); });
    }
    exts.push_back({wire::ext::supported_groups, wire::encode_u16_list(2, groups)});
    exts.push_back(
        {wire::ext::signature_algorithms, wire::encode_u16_list(2, ctx_->signature_schemes)});
    if (!options_.alpn_protocols.empty()) {
        exts.push_back({wire::ext::alpn, wire::encode_alpn(options_.alpn_protocols)});
    }
    if (hello.offered12) {
        exts.push_back({wire::ext::ec_point_formats, wire::encode_ec_point_formats()});
        exts.push_back({wire::ext::extended_master_secret, {}});
        exts.push_back({wire::ext::renegotiation_info, wire::encode_renegotiation_info({})});
        // RFC 5077: the ticket of the session offered, or empty to ask for one.
        bytes ticket;
        if (hello.offered_session12) {
            ticket = hello.offered_session12->ticket;
        }
        exts.push_back({wire::ext::session_ticket, std::move(ticket)});
    }
    if (hello.offered13) {
        bytes share;
        wire::writer sw(share);
        std::size_t shares = sw.begin(2);
        for (const offered_share& s : hello.shares) {
            sw.u16(s.kx->code);
            sw.vec16(s.share);
        }
        sw.end(shares, 2);
        exts.push_back({wire::ext::key_share, std::move(share)});
        std::vector<std::uint16_t> versions{wire::tls13_version};
        if (hello.offered12) {
            versions.push_back(wire::tls12_version);
        }
        exts.push_back({wire::ext::supported_versions, wire::encode_u16_list(1, versions)});
    }
    if (!cookie.empty()) {
        bytes cookie_ext;
        wire::writer cw(cookie_ext);
        cw.vec16(cookie);
        exts.push_back({wire::ext::cookie, std::move(cookie_ext)});
    }
    client_add_psk_extensions(hello, exts);
    bytes block =
        edit_extensions(static_cast<std::uint8_t>(wire::handshake_type::client_hello), exts);
    hello.offered_extensions.clear();
    for (const raw_extension& e : exts) {
        hello.offered_extensions.push_back(e.type);
    }
    w.raw(block);
    if (hello.offered_session) {
        client_write_binder(hello, body, transcript);
    }

    if (message_out) {
        message_out->clear();
        wire::append_handshake(*message_out, wire::handshake_type::client_hello, body);
    }
    if (retry && !hello.session_id.empty()) {
        // Middlebox compatibility: the CCS goes right before the second
        // ClientHello (RFC 8446 D.4 allows this or before the encrypted
        // flight; BoringSSL and OpenSSL do this, and peers check for it).
        records_.write_compat_ccs();
    }
    send_handshake(wire::handshake_type::client_hello, body, transcript);
    return wire::ok;
}

error connection::client_on_server_hello(sent_client_hello& hello, bytes* first_hello,
                                         transcript_state* after_hrr, byte_view body,
                                         byte_view message) {
    wire::server_hello sh;
    if (error e = wire::parse_server_hello(body, sh); e != wire::ok) {
        error_message_ = "ServerHello does not parse";
        return e;
    }
    if (sh.is_hello_retry_request || sh.selected_version == wire::tls13_version) {
        records_.drop_warning_alerts(false);  // no warning alerts in TLS 1.3
    }
    if (sh.is_hello_retry_request) {
        if (after_hrr) {
            error_message_ = "second HelloRetryRequest";
            return error::unexpected_message;
        }
        return client_on_hello_retry(hello, *first_hello, sh, message);
    }
    if (sh.selected_version != wire::tls13_version || !hello.offered13) {
        if (hello.offered13 && (matches_sentinel(sh.random, wire::downgrade_tls12_sentinel) ||
                                matches_sentinel(sh.random, wire::downgrade_tls11_sentinel))) {
            error_message_ =
                "ServerHello random carries a downgrade sentinel: a TLS 1.3 server was made to "
                "negotiate an older version (RFC 8446 4.1.3)";
            return error::downgrade_detected;
        }
        if (sh.selected_version == 0 && !after_hrr && hello.offered12 &&
            sh.legacy_version == wire::tls12_version) {
            client_end_early_data_on_retry();  // TLS 1.2 has no 0-RTT
            return client12_on_server_hello(hello, *first_hello, sh, message);
        }
        if (sh.selected_version == 0 && sh.legacy_version < wire::tls12_version) {
            error_message_ = "server selected SSL 3.0, TLS 1.0 or TLS 1.1, which tlsio refuses";
            return error::protocol_version;
        }
        if (sh.selected_version == 0 && after_hrr) {
            // The HelloRetryRequest chose TLS 1.3, and the ServerHello must
            // keep that choice (RFC 8446 4.1.4).
            error_message_ = "ServerHello after HelloRetryRequest lacks supported_versions";
            return error::illegal_parameter;
        }
        if (sh.selected_version == 0) {
            error_message_ = hello.offered12 ? "server selected a version that was not offered"
                                             : "server does not support TLS 1.3";
            return error::protocol_version;
        }
        error_message_ = "server selected a version that was not offered";
        return error::illegal_parameter;
    }
    const suite_info* suite = find_suite(sh.cipher_suite);
    if (sh.legacy_version != wire::tls12_version ||
        !std::equal(sh.legacy_session_id_echo.begin(), sh.legacy_session_id_echo.end(),
                    hello.session_id.begin(), hello.session_id.end()) ||
        !suite || !contains(ctx_->cipher_suites, sh.cipher_suite) ||
        (after_hrr && sh.cipher_suite != suite_id_) || sh.legacy_compression_method != 0) {
        error_message_ = "ServerHello does not match the ClientHello";
        return error::illegal_parameter;
    }
    for (const wire::extension& e : sh.extensions) {
        if (e.type != wire::ext::key_share && e.type != wire::ext::supported_versions &&
            !(e.type == wire::ext::pre_shared_key && hello.offered_session)) {
            error_message_ = "ServerHello carries extension " + std::to_string(e.type) +
                             ", which it may not carry or which was not offered";
            return misplaced_extension(hello.offered_extensions, e.type);
        }
    }
    if (!sh.key_share) {
        error_message_ = "ServerHello lacks key_share";
        return error::missing_extension;
    }
    const resumption::session_state* resumed = nullptr;
    if (sh.selected_psk) {
        // One PSK was offered; it needs a suite of its own hash (RFC 8446 4.2.11).
        const suite_info* psk_suite = find_suite(hello.offered_session->cipher_suite);
        if (*sh.selected_psk != 0 || !psk_suite || psk_suite->hash != suite->hash) {
            error_message_ =
                "ServerHello selects a PSK that was not offered, or with a suite "
                "of another hash";
            return error::illegal_parameter;
        }
        resumed = &*hello.offered_session;
    }
    auto offered =
        std::find_if(hello.shares.begin(), hello.shares.end(),
                     [&](const offered_share& s) { return s.kx->code == sh.key_share->group; });
    bytes shared;
    const crypto::kx_status finished =
        offered == hello.shares.end()
            ? crypto::kx_status::invalid_share
            : offered->kx->finish(offered->state, sh.key_share->key_exchange, shared);
    if (finished == crypto::kx_status::failed) {
        error_message_ = "key exchange failed in libcrypto";
        return error::internal_error;
    }
    if (finished != crypto::kx_status::ok) {
        error_message_ = "server key share is for another group or invalid";
        return error::illegal_parameter;
    }
    if (error e = key_change_boundary(); e != wire::ok) {
        crypto::cleanse(shared);
        return e;
    }
    transcript_state transcript;
    if (after_hrr) {
        transcript = std::move(*after_hrr);
    } else {
        suite_ = suite;
        suite_id_ = suite->id;
        transcript.hash = crypto::hash_context(suite->hash);
        transcript.client_random = hello.random;
        transcript.hash.update(*first_hello);
    }
    transcript.hash.update(message);
    handshake_keys keys = enter_handshake_secrets(
        transcript, shared, resumed ? byte_view(resumed->secret) : byte_view());
    if (error e = install_read(keys.server); e != wire::ok) {
        return e;
    }
    if (!early_write_open_) {
        // Early data goes on under its own keys until the server's Finished.
        install_write(keys.client);
        queue_compat_ccs(hello.session_id);
    }
    group_ = sh.key_share->group;
    if (resumed) {
        // The server is not authenticated again: the original connection's
        // chain and verdict stand (RFC 8446 section 2.2).
        session_reused_ = true;
        peer_certificates_ = resumed->peer_chain;
        verify_result_ = resumed->verify_result;
    }

    // The key shares' private keys, the first ClientHello and the offered
    // session end here.
    expect_encrypted_extensions next{{std::move(transcript), std::move(keys),
                                      std::move(hello.offered_extensions), resumed != nullptr},
                                     hello.sent_sni};
    state_ = std::move(next);
    return wire::ok;
}

error connection::client_on_hello_retry(sent_client_hello& hello, const bytes& first_hello,
                                        const wire::server_hello& hrr, byte_view message) {
    const suite_info* suite = find_suite(hrr.cipher_suite);
    if (hrr.selected_version != wire::tls13_version || !hello.offered13) {
        error_message_ = hrr.selected_version == 0
                             ? "HelloRetryRequest lacks supported_versions"
                             : "HelloRetryRequest selected a version that was not offered";
        return hrr.selected_version == 0 ? error::protocol_version : error::illegal_parameter;
    }
    if (hrr.legacy_version != wire::tls12_version ||
        !std::equal(hrr.legacy_session_id_echo.begin(), hrr.legacy_session_id_echo.end(),
                    hello.session_id.begin(), hello.session_id.end()) ||
        !suite || !contains(ctx_->cipher_suites, hrr.cipher_suite) ||
        hrr.legacy_compression_method != 0) {
        error_message_ = "HelloRetryRequest does not match the ClientHello";
        return error::illegal_parameter;
    }
    for (const wire::extension& e : hrr.extensions) {
        if (e.type != wire::ext::key_share && e.type != wire::ext::supported_versions &&
            e.type != wire::ext::cookie) {
            error_message_ = "HelloRetryRequest carries extension " + std::to_string(e.type) +
                             ", which it may not carry or which was not offered";
            return misplaced_extension(hello.offered_extensions, e.type);
        }
    }
    if (hrr.selected_group && (!contains(ctx_->groups, *hrr.selected_group) ||
                               crypto::find_key_exchange(*hrr.selected_group) == nullptr ||
                               sent_share_for(hello.shares, *hrr.selected_group))) {
        error_message_ = "HelloRetryRequest asks for a group that was not offered or already sent";
        return error::illegal_parameter;
    }
    if (!hrr.selected_group && !hrr.has_cookie) {
        error_message_ = "HelloRetryRequest would not change the ClientHello";
        return error::illegal_parameter;
    }
    if (error e = key_change_boundary(); e != wire::ok) {
        return e;
    }
    // The transcript starts with message_hash(ClientHello1) (section 4.4.1).
    suite_ = suite;
    suite_id_ = suite->id;
    expect_server_hello_after_hrr next;
    next.transcript.hash = crypto::hash_context(suite->hash);
    next.transcript.client_random = hello.random;
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = crypto::digest(suite->hash, first_hello, hash);
    bytes synthetic;
    wire::append_handshake(synthetic, wire::handshake_type::message_hash, byte_view(hash, n));
    next.transcript.hash.update(synthetic);
    next.transcript.hash.update(message);
    hello_retry_ = true;
    client_end_early_data_on_retry();

    if (hrr.selected_group) {
        hello.shares.clear();
        if (error e = add_key_share(*ctx_, *hrr.selected_group, hello.shares); e != wire::ok) {
            error_message_ = "cannot make a key share for the group the HelloRetryRequest asks for";
            return e;
        }
    }
    next.hello = std::move(hello);
    if (error e = client_send_hello(next.hello, hrr.cookie, &next.transcript.hash, nullptr);
        e != wire::ok) {
        return e;
    }
    state_ = std::move(next);
    return wire::ok;
}

error connection::client_on_encrypted_extensions(expect_encrypted_extensions& s, byte_view body,
                                                 byte_view message) {
    wire::encrypted_extensions ee;
    if (error e = wire::parse_encrypted_extensions(body, ee); e != wire::ok) {
        error_message_ = "EncryptedExtensions does not parse";
        return e;
    }
    const std::vector<std::uint16_t>& offered = s.k.offered_extensions;
    bool early_data_accepted = false;
    for (const wire::extension& e : ee.extensions) {
        switch (e.type) {
            case wire::ext::early_data:
                if (std::find(offered.begin(), offered.end(), e.type) == offered.end()) {
                    error_message_ =
                        "EncryptedExtensions accepts early data, which was not offered";
                    return error::unsupported_extension;
                }
                if (!e.data.empty()) {
                    error_message_ = "EncryptedExtensions' early_data is not empty";
                    return error::decode_error;
                }
                early_data_accepted = true;
                break;
            case wire::ext::server_name:
                if (!s.sent_sni) {
                    error_message_ = "EncryptedExtensions answers server_name, which was not sent";
                    return error::unsupported_extension;
                }
                if (!e.data.empty()) {
                    error_message_ = "EncryptedExtensions' server_name is not empty";
                    return error::decode_error;
                }
                break;
            case wire::ext::alpn:
                if (options_.alpn_protocols.empty()) {
                    error_message_ = "EncryptedExtensions selects ALPN, which was not offered";
                    return error::unsupported_extension;
                }
                if (std::find(options_.alpn_protocols.begin(), options_.alpn_protocols.end(),
                              ee.alpn) == options_.alpn_protocols.end()) {
                    error_message_ = "server selected an application protocol that was not offered";
                    return error::illegal_parameter;
                }
                alpn_ = ee.alpn;
                break;
            case wire::ext::supported_groups:
                break;  // The server's preferences, for later connections.
            case wire::ext::key_share:
            case wire::ext::supported_versions:
            case wire::ext::signature_algorithms:
            case wire::ext::pre_shared_key:
            case wire::ext::psk_key_exchange_modes:
            case wire::ext::cookie:
            // Offered for TLS 1.2 only (RFC 8446 4.2: recognized, not for here).
            case wire::ext::extended_master_secret:
            case wire::ext::renegotiation_info:
            case wire::ext::ec_point_formats:
            case wire::ext::session_ticket:
                error_message_ = "EncryptedExtensions carries an extension not allowed there";
                return error::illegal_parameter;
            default:
                // An answer to an extension we sent but do not act on is fine.
                if (std::find(offered.begin(), offered.end(), e.type) != offered.end()) {
                    break;
                }
                error_message_ = "EncryptedExtensions carries an extension that was not offered";
                return error::unsupported_extension;
        }
    }
    if (error e = client_on_early_data_answer(s.k, early_data_accepted); e != wire::ok) {
        return e;
    }
    s.k.transcript.hash.update(message);
    if (s.k.resumed) {
        // With a PSK the server sends no CertificateRequest or Certificate
        // (RFC 8446 section 4.3.2): its Finished comes next.
        expect_finished next{std::move(s.k), std::nullopt};
        state_ = std::move(next);
        return wire::ok;
    }
    expect_certificate_or_request next{std::move(s.k)};
    state_ = std::move(next);
    return wire::ok;
}

error connection::client_on_certificate_request(expect_certificate_or_request& s, byte_view body,
                                                byte_view message) {
    wire::certificate_request cr;
    if (error e = wire::parse_certificate_request(body, cr); e != wire::ok) {
        error_message_ = "CertificateRequest does not parse";
        return e;
    }
    if (!cr.request_context.empty()) {
        error_message_ = "CertificateRequest in the handshake has a non-empty context";
        return error::illegal_parameter;
    }
    s.k.transcript.hash.update(message);
    expect_certificate next{std::move(s.k), std::move(cr.signature_algorithms)};
    state_ = std::move(next);
    return wire::ok;
}

error connection::client_on_certificate(client_keys& k,
                                        std::optional<std::vector<std::uint16_t>> requested,
                                        byte_view body, byte_view message) {
    wire::certificate_msg cert;
    if (error e = wire::parse_certificate(body, cert); e != wire::ok) {
        error_message_ = "server Certificate does not parse";
        return e;
    }
    if (!cert.request_context.empty()) {
        error_message_ = "server Certificate has a non-empty request context";
        return error::illegal_parameter;
    }
    if (cert.entries.empty()) {
        error_message_ = "server sent an empty certificate list";
        return error::decode_error;
    }
    std::vector<crypto::certificate> chain;
    if (error e = verify_peer_chain(cert, crypto::peer_role::server, k.offered_extensions, chain);
        e != wire::ok) {
        return e;
    }
    k.transcript.hash.update(message);
    expect_certificate_verify next{std::move(k), std::move(chain), std::move(requested)};
    state_ = std::move(next);
    return wire::ok;
}

error connection::client_on_certificate_verify(expect_certificate_verify& s, byte_view body,
                                               byte_view message) {
    if (error e =
            check_certificate_verify(s.k.transcript, s.chain.front(), body, message,
                                     "TLS 1.3, server CertificateVerify", ctx_->signature_schemes);
        e != wire::ok) {
        return e;
    }
    // The parsed chain ends here; peer_certificates_ keeps its DER.
    expect_finished next{std::move(s.k), std::move(s.requested_schemes)};
    state_ = std::move(next);
    return wire::ok;
}

error connection::client_on_finished(expect_finished& s, byte_view body, byte_view message) {
    transcript_state& t = s.k.transcript;
    if (error e = check_finished(t, body, s.k.keys.server); e != wire::ok) {
        return e;
    }
    if (error e = key_change_boundary(); e != wire::ok) {
        return e;
    }
    t.hash.update(message);
    application_secrets app = enter_application_secrets(t, std::move(s.k.keys.stage));
    if (error e = install_read(app.server); e != wire::ok) {
        return e;
    }
    client_end_early_data(t, s.k.keys.client);

    if (s.requested_schemes) {
        const credential* chosen = nullptr;
        std::uint16_t scheme = 0;
        for (const credential& c : ctx_->credentials) {
            scheme = choose_scheme(c, ctx_->signature_schemes, *s.requested_schemes);
            if (scheme != 0) {
                chosen = &c;
                break;
            }
        }
        send_certificate(t, chosen, {});
        if (chosen) {
            if (error e = send_certificate_verify(t, *chosen, scheme,
                                                  "TLS 1.3, client CertificateVerify");
                e != wire::ok) {
                return e;
            }
        }
    }
    send_finished(t, s.k.keys.client);
    install_write(app.client);
    if (is_failed()) {
        return error::internal_error;
    }
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    resumption_master_ = app.master.resumption_master(byte_view(hash, n));
    finish_handshake();
    return wire::ok;
}

}  // namespace tlsio::handshake
