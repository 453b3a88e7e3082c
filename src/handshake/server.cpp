// The server's handshake states (RFC 8446 section 2, server side).
#include "handshake/connection.hpp"
#include "handshake/groups.hpp"

#include <algorithm>

namespace tlsio::handshake {
namespace {

/// Rejected early data a server skips: what it announces (plus record
/// overhead, which the skip count includes), at least the record layer's floor.
std::size_t skipped_early_data_limit(const context::impl& ctx) {
    return std::size_t{ctx.max_early_data} + std::size_t{ctx.max_early_data} / 8;
}

bool contains(const std::vector<std::uint16_t>& list, std::uint16_t v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

/// PskKeyExchangeMode psk_dhe_ke (RFC 8446 section 4.2.9).
constexpr std::uint8_t psk_dhe_ke = 1;

/// The pseudo message type the extension hook sees for a HelloRetryRequest
/// (hello_retry_request_RESERVED in RFC 8446's registry).
constexpr std::uint8_t hello_retry_request_hook_type = 6;

bytes server_hello_body(byte_view random, byte_view session_id, std::uint16_t suite,
                        const bytes& extensions) {
    bytes body;
    wire::writer w(body);
    w.u16(wire::tls12_version);
    w.raw(random);
    w.vec8(session_id);
    w.u16(suite);
    w.u8(0);
    w.raw(extensions);
    return body;
}

}  // namespace

namespace {

template <class Enum>
std::vector<Enum> as_enums(const std::vector<std::uint16_t>& codes) {
    std::vector<Enum> out;
    out.reserve(codes.size());
    for (std::uint16_t c : codes) {
        out.push_back(static_cast<Enum>(c));
    }
    return out;
}

client_hello_info info_of(const wire::client_hello& ch) {
    client_hello_info info;
    info.server_name = ch.server_name;
    info.alpn_protocols = ch.alpn;
    info.versions = as_enums<protocol_version>(ch.supported_versions);
    info.groups = as_enums<named_group>(ch.supported_groups);
    info.signature_schemes = as_enums<signature_scheme>(ch.signature_algorithms);
    info.cipher_suites = as_enums<cipher_suite>(ch.cipher_suites);
    return info;
}

}  // namespace

error connection::server_on_first_client_hello(byte_view body, byte_view message) {
    wire::client_hello ch;
    if (error e = wire::parse_client_hello(body, ch); e != wire::ok) {
        error_message_ = "ClientHello does not parse";
        return e;
    }
    std::uint16_t version = 0;
    if (error e = choose_version(ch, version); e != wire::ok) {
        return e;
    }
    // TLS 1.3 wants exactly null (RFC 8446 4.1.2); a TLS 1.2 client may offer
    // more, but null among them (RFC 5246 7.4.1.2), and null is what it gets.
    const auto& methods = ch.legacy_compression_methods;
    if (version == wire::tls13_version
            ? methods.size() != 1 || methods[0] != 0
            : std::find(methods.begin(), methods.end(), 0) == methods.end()) {
        error_message_ = version == wire::tls13_version
                             ? "ClientHello offers compression methods other than null"
                             : "ClientHello does not offer the null compression method";
        return error::illegal_parameter;
    }
    if (ch.has_server_name) {
        server_name_ = ch.server_name;
        if (ctx_->server_name) {
            if (auto chosen = ctx_->server_name(server_name_)) {
                ctx_ = chosen->state();
            }
        }
    }
    const client_hello_callback& callback =
        options_.client_hello ? options_.client_hello : ctx_->client_hello;
    client_hello_answer answer;
    if (callback) {
        client_hello_info info = info_of(ch);
        std::optional<client_hello_answer> now = callback(info);
        if (!now) {
            // The application answers later: keep the hello, send nothing.
            expect_application_answer next{bytes(message.begin(), message.end()), std::move(info),
                                           std::nullopt};
            state_ = std::move(next);
            return wire::ok;
        }
        answer = std::move(*now);
    }
    server_choice choice;
    if (error e = server_apply_answer(ch, answer, choice); e != wire::ok) {
        return e;
    }
    return server_on_client_hello(ch, message, choice, nullptr);
}

error connection::resume() {
    expect_application_answer* w = waiting();
    if (!w || !w->answer) {
        error_message_ = "the ClientHello has no answer to go on with";
        return error::internal_error;
    }
    // The state goes when the next one comes: keep what it holds first.
    bytes message = std::move(w->client_hello);
    client_hello_answer answer = std::move(*w->answer);
    wire::client_hello ch;
    if (error e = wire::parse_client_hello(byte_view(message).subspan(4), ch); e != wire::ok) {
        error_message_ = "ClientHello does not parse";
        return e;
    }
    server_choice choice;
    if (error e = server_apply_answer(ch, answer, choice); e != wire::ok) {
        return e;
    }
    return server_on_client_hello(ch, message, choice, nullptr);
}

error connection::server_apply_answer(const wire::client_hello& ch,
                                      const client_hello_answer& answer, server_choice& choice) {
    if (answer.refuse) {
        // A refusal is fatal: alerts that close or warn become handshake_failure.
        alert sent = *answer.refuse;
        if (sent == alert::close_notify || sent == alert::user_canceled) {
            sent = alert::handshake_failure;
        }
        fail(error::client_hello_refused,
             std::string("the ClientHello callback refused the connection with alert ") +
                 alert_name(sent),
             sent);
        return error::client_hello_refused;
    }
    if (answer.use_context) {
        ctx_ = answer.use_context->state();
    }
    if (answer.credential) {
        if (*answer.credential >= ctx_->credentials.size()) {
            error_message_ = "the ClientHello callback chose credential " +
                             std::to_string(*answer.credential) + " of a context that has " +
                             std::to_string(ctx_->credentials.size());
            return error::invalid_argument;
        }
        choice.credential = answer.credential;
    }
    if (answer.alpn_protocol) {
        if (!answer.alpn_protocol->empty() &&
            std::find(ch.alpn.begin(), ch.alpn.end(), *answer.alpn_protocol) == ch.alpn.end()) {
            error_message_ = "the ClientHello callback chose ALPN protocol \"" +
                             *answer.alpn_protocol + "\", which the client did not offer";
            return error::invalid_argument;
        }
        choice.alpn = answer.alpn_protocol;
    }
    return wire::ok;
}

error connection::server_on_client_hello(const wire::client_hello& ch, byte_view message,
                                         const server_choice& choice,
                                         expect_second_client_hello* after_hrr) {
    if (!after_hrr) {
        // The context may have changed (SNI or ClientHello callback): choose again.
        std::uint16_t version = 0;
        if (error e = choose_version(ch, version); e != wire::ok) {
            return e;
        }
        if (version == wire::tls12_version) {
            return server12_on_client_hello(ch, message, choice);
        }
    }
    if (after_hrr) {
        if (!ch.has_supported_versions || !contains(ch.supported_versions, wire::tls13_version)) {
            error_message_ = "second ClientHello does not offer TLS 1.3";
            return error::protocol_version;
        }
        if (ch.legacy_compression_methods.size() != 1 || ch.legacy_compression_methods[0] != 0) {
            error_message_ = "second ClientHello offers compression methods other than null";
            return error::illegal_parameter;
        }
    }

    const suite_info* suite = nullptr;
    for (std::uint16_t s : ctx_->cipher_suites) {
        if (find_suite(s) && contains(ch.cipher_suites, s)) {
            suite = find_suite(s);
            break;
        }
    }
    if (!suite) {
        error_message_ = "no cipher suite in common";
        return error::handshake_failure;
    }
    if (after_hrr && suite->id != suite_id_) {
        error_message_ = "second ClientHello changes the cipher suite";
        return error::illegal_parameter;
    }

    if (!ch.has_supported_groups || !ch.has_key_share || !ch.has_signature_algorithms) {
        error_message_ = "ClientHello lacks supported_groups, key_share or signature_algorithms";
        return error::missing_extension;
    }
    if (!wire::key_share_groups_offered(ch)) {
        error_message_ = "key share for a group not in supported_groups";
        return error::illegal_parameter;
    }
    // A group the client already sent a share for saves a round trip, so the
    // server's most preferred of those wins; only when none is acceptable does
    // the server ask (HelloRetryRequest) for its most preferred common group.
    auto common = [&](std::uint16_t g) {
        return crypto::find_key_exchange(g) != nullptr && contains(ch.supported_groups, g);
    };
    auto with_share = [&](std::uint16_t g) {
        return common(g) &&
               std::any_of(ch.key_shares.begin(), ch.key_shares.end(),
                           [&](const wire::key_share_entry& k) { return k.group == g; });
    };
    auto first_of = [&](auto acceptable) -> std::uint16_t {
        auto it = std::find_if(ctx_->groups.begin(), ctx_->groups.end(), acceptable);
        return it == ctx_->groups.end() ? 0 : *it;
    };
    std::uint16_t group = first_of(with_share);
    if (group == 0) {
        group = first_of(common);
    }
    if (group == 0) {
        error_message_ = "no key exchange group in common";
        return error::handshake_failure;
    }

    const credential* cred = nullptr;
    std::uint16_t scheme = 0;
    if (error e = server_choose_credential(ch, choice, nullptr, cred, scheme); e != wire::ok) {
        return e;
    }

    if (error e = server_choose_alpn(ch, choice); e != wire::ok) {
        return e;
    }
    if (error e = key_change_boundary(); e != wire::ok) {
        return e;
    }

    auto share = std::find_if(ch.key_shares.begin(), ch.key_shares.end(),
                              [&](const wire::key_share_entry& k) { return k.group == group; });
    if (ch.has_pre_shared_key && !ch.has_psk_modes) {
        error_message_ = "ClientHello offers a PSK without psk_key_exchange_modes";
        return error::missing_extension;
    }
    offers_psk_dhe_ke_ = ch.has_psk_modes && std::find(ch.psk_modes.begin(), ch.psk_modes.end(),
                                                       psk_dhe_ke) != ch.psk_modes.end();
    std::optional<accepted_psk> psk;
    if (share != ch.key_shares.end()) {
        if (error e = server_find_psk(ch, message, *suite,
                                      after_hrr ? &after_hrr->transcript.hash : nullptr, psk);
            e != wire::ok) {
            return e;
        }
    }
    transcript_state transcript;
    if (after_hrr) {
        if (share == ch.key_shares.end() || group != after_hrr->group) {
            error_message_ = "second ClientHello lacks the key share that was asked for";
            return error::illegal_parameter;
        }
        if (!after_hrr->cookie.empty() &&
            !std::equal(ch.cookie.begin(), ch.cookie.end(), after_hrr->cookie.begin(),
                        after_hrr->cookie.end())) {
            error_message_ = "second ClientHello does not echo the cookie";
            return error::illegal_parameter;
        }
        // RFC 8446 4.1.2: the second ClientHello may drop only PSKs that do
        // not fit the suite; one this server would resume must come again.
        if (after_hrr->psk_acceptable && !ch.has_pre_shared_key) {
            error_message_ = "second ClientHello drops the PSK of the first";
            return error::illegal_parameter;
        }
        transcript = std::move(after_hrr->transcript);
    } else if (share == ch.key_shares.end()) {
        std::optional<accepted_psk> first;
        if (error e = server_find_psk(ch, message, *suite, nullptr, first); e != wire::ok) {
            return e;
        }
        if (error e = server_send_hello_retry(ch, message, *suite, group, choice); e != wire::ok) {
            return e;
        }
        std::get<expect_second_client_hello>(state_).psk_acceptable = first.has_value();
        return wire::ok;
    } else {
        suite_ = suite;
        suite_id_ = suite->id;
        transcript.hash = crypto::hash_context(suite->hash);
    }
    transcript.hash.update(message);
    std::copy(ch.random.begin(), ch.random.end(), transcript.client_random.begin());
    return server_send_flight(std::move(transcript), ch, *share, *cred, scheme, std::move(psk));
}

error connection::server_choose_credential(const wire::client_hello& ch,
                                           const server_choice& choice, const tls12::suite* suite12,
                                           const credential*& cred, std::uint16_t& scheme) {
    // TLS 1.2: the suite names the key type, rsa_pkcs1_* may sign, and an
    // ECDSA key must be on a curve the client supports (RFC 8422 section 5.3).
    const bool is12 = suite12 != nullptr;
    auto unfit12 = [&](const credential& c) {
        if (!suite12) {
            return false;
        }
        if (!tls12::suite_allows_key(*suite12, c.type)) {
            return true;
        }
        const std::uint16_t curve = ecdsa_curve(c.type);
        return curve != 0 && ch.has_supported_groups && !contains(ch.supported_groups, curve);
    };
    cred = nullptr;
    scheme = 0;
    if (ctx_->credentials.empty()) {
        error_message_ = "no certificate configured";
        return error::handshake_failure;
    }
    if (choice.credential) {
        cred = &ctx_->credentials[*choice.credential];
        scheme = choose_scheme(*cred, ctx_->signature_schemes, ch.signature_algorithms, is12);
        if (scheme == 0 || unfit12(*cred)) {
            error_message_ =
                "the credential the ClientHello callback chose cannot sign with a scheme the "
                "client offers";
            return error::handshake_failure;
        }
    } else {
        // Among the credentials that can sign with a scheme the client accepts,
        // prefer one whose leaf names the SNI host, then one whose chain is signed
        // with algorithms the client accepts in certificates; ties go to the first.
        const std::vector<std::uint16_t>& cert_schemes = ch.has_signature_algorithms_cert
                                                             ? ch.signature_algorithms_cert
                                                             : ch.signature_algorithms;
        int best_score = -1;
        for (const credential& c : ctx_->credentials) {
            std::uint16_t s =
                choose_scheme(c, ctx_->signature_schemes, ch.signature_algorithms, is12);
            if (s == 0 || unfit12(c)) {
                continue;
            }
            bool names_host = !server_name_.empty() && c.chain.front().matches_host(server_name_);
            bool chain_accepted = std::all_of(
                c.chain.begin(), c.chain.end(),
                [&](const auto& cert) { return contains(cert_schemes, cert.signature_scheme()); });
            int score = (names_host ? 2 : 0) + (chain_accepted ? 1 : 0);
            if (score > best_score) {
                best_score = score;
                cred = &c;
                scheme = s;
            }
        }
        if (!cred) {
            error_message_ = "no certificate fits the client's signature algorithms";
            return error::handshake_failure;
        }
    }

    return wire::ok;
}

error connection::server_choose_alpn(const wire::client_hello& ch, const server_choice& choice) {
    if (choice.alpn) {
        alpn_ = *choice.alpn;
    } else {
        const std::vector<std::string>& server_alpn =
            options_.alpn_protocols.empty() ? ctx_->alpn : options_.alpn_protocols;
        if (!server_alpn.empty() && ch.has_alpn) {
            auto it =
                std::find_if(server_alpn.begin(), server_alpn.end(), [&](const std::string& p) {
                    return std::find(ch.alpn.begin(), ch.alpn.end(), p) != ch.alpn.end();
                });
            if (it == server_alpn.end()) {
                error_message_ = "no application protocol in common";
                return error::no_application_protocol;
            }
            alpn_ = *it;
        }
    }
    return wire::ok;
}

error connection::server_send_hello_retry(const wire::client_hello& ch, byte_view message,
                                          const suite_info& suite, std::uint16_t group,
                                          const server_choice& choice) {
    suite_ = &suite;
    suite_id_ = suite.id;
    expect_second_client_hello next;
    next.transcript.hash = crypto::hash_context(suite.hash);
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = crypto::digest(suite.hash, message, hash);
    bytes synthetic;
    wire::append_handshake(synthetic, wire::handshake_type::message_hash, byte_view(hash, n));
    next.transcript.hash.update(synthetic);

    std::vector<raw_extension> exts;
    exts.push_back({wire::ext::key_share, wire::encode_u16_list(0, {group})});
    exts.push_back(
        {wire::ext::supported_versions, wire::encode_u16_list(0, {wire::tls13_version})});
    bytes block = edit_extensions(hello_retry_request_hook_type, exts);
    for (const raw_extension& e : exts) {
        if (e.type == wire::ext::cookie) {
            wire::reader r(e.data);
            byte_view cookie = r.vec16();
            next.cookie.assign(cookie.begin(), cookie.end());
        }
    }
    send_handshake(
        wire::handshake_type::server_hello,
        server_hello_body(wire::hello_retry_request_random, ch.legacy_session_id, suite.id, block),
        &next.transcript.hash);
    if (!ch.legacy_session_id.empty()) {
        records_.write_compat_ccs();  // right after the first server message (appendix D.4)
    }
    if (ch.has_early_data) {
        // Never 0-RTT after a HelloRetryRequest (RFC 8446 4.2.10).
        records_.skip_early_data(skipped_early_data_limit(*ctx_));
        early_data_status_ = early_data_status::rejected;
    }
    hello_retry_ = true;
    next.group = group;
    next.choice = choice;
    state_ = std::move(next);
    return wire::ok;
}

error connection::server_send_flight(transcript_state t, const wire::client_hello& ch,
                                     const wire::key_share_entry& share, const credential& cred,
                                     std::uint16_t scheme, std::optional<accepted_psk> psk) {
    // 0-RTT is decided before the ServerHello: its keys come from the
    // transcript of the ClientHello alone.
    secret early_key;
    std::size_t early_data_limit = 0;
    if (psk && server_accepts_early_data(ch, *psk)) {
        early_key = early_traffic_secret(t, psk->session.secret);
        early_data_limit = psk->session.max_early_data;
    }
    const bool early = early_key.size() > 0;
    std::array<std::uint8_t, wire::random_size> random;
    ctx_->fill_random(random);
    // The group was chosen from the table, so it is there.
    const crypto::key_exchange& kx = *crypto::find_key_exchange(share.group);
    bytes our_share;
    bytes shared;
    if (error e =
            kx_result(kx.respond(random_source_of(*ctx_), share.key_exchange, our_share, shared),
                      "client key share is invalid");
        e != wire::ok) {
        return e;
    }

    std::vector<raw_extension> exts;
    bytes key_share;
    wire::writer kw(key_share);
    kw.u16(share.group);
    kw.vec16(our_share);
    exts.push_back({wire::ext::key_share, std::move(key_share)});
    exts.push_back(
        {wire::ext::supported_versions, wire::encode_u16_list(0, {wire::tls13_version})});
    if (psk) {
        exts.push_back({wire::ext::pre_shared_key, wire::encode_u16_list(0, {psk->index})});
    }
    bytes block =
        edit_extensions(static_cast<std::uint8_t>(wire::handshake_type::server_hello), exts);
    send_handshake(wire::handshake_type::server_hello,
                   server_hello_body(random, ch.legacy_session_id, suite_->id, block), &t.hash);
    queue_compat_ccs(ch.legacy_session_id);
    group_ = share.group;

    handshake_keys keys =
        enter_handshake_secrets(t, shared, psk ? byte_view(psk->session.secret) : byte_view());
    if (psk) {
        // The client is not authenticated again: its original chain and
        // verdict stand (RFC 8446 section 2.2).
        session_reused_ = true;
        peer_certificates_ = psk->session.peer_chain;
        verify_result_ = psk->session.verify_result;
        psk.reset();
    }
    install_write(keys.server);
    if (error e = install_read(early ? early_key : keys.client); e != wire::ok) {
        return e;
    }
    if (early) {
        early_data_status_ = early_data_status::accepted;
        early_data_left_ = early_data_limit;
    } else if (ch.has_early_data && !hello_retry_) {
        records_.skip_early_data(skipped_early_data_limit(*ctx_));
        early_data_status_ = early_data_status::rejected;
    }

    std::vector<raw_extension> ee;
    if (ch.has_server_name) {
        ee.push_back({wire::ext::server_name, {}});
    }
    if (!alpn_.empty()) {
        ee.push_back({wire::ext::alpn, wire::encode_alpn({alpn_})});
    }
    if (early) {
        ee.push_back({wire::ext::early_data, {}});
    }
    send_handshake(
        wire::handshake_type::encrypted_extensions,
        edit_extensions(static_cast<std::uint8_t>(wire::handshake_type::encrypted_extensions), ee),
        &t.hash);

    // With a PSK neither side sends a certificate (RFC 8446 section 4.3.2).
    const bool request_certificate = !session_reused_ && (peer_verify_mode() & verify_peer) != 0;
    if (request_certificate) {
        std::vector<raw_extension> cr;
        cr.push_back(
            {wire::ext::signature_algorithms, wire::encode_u16_list(2, ctx_->signature_schemes)});
        bytes body{0};  // empty certificate_request_context
        bytes cr_block = edit_extensions(
            static_cast<std::uint8_t>(wire::handshake_type::certificate_request), cr);
        body.insert(body.end(), cr_block.begin(), cr_block.end());
        send_handshake(wire::handshake_type::certificate_request, body, &t.hash);
    }
    if (!session_reused_) {
        send_certificate(t, &cred, {});
        if (error e = send_certificate_verify(t, cred, scheme, "TLS 1.3, server CertificateVerify");
            e != wire::ok) {
            return e;
        }
    }
    send_finished(t, keys.server);

    application_secrets app = enter_application_secrets(t, std::move(keys.stage));
    install_write(app.server);
    if (is_failed()) {
        return error::internal_error;
    }
    server_keys k{std::move(t), keys.client, app.client, std::move(app.master)};
    if (early) {
        // With a PSK no certificate is asked for: EndOfEarlyData, then Finished.
        state_ = expect_end_of_early_data{std::move(k)};
    } else if (request_certificate) {
        state_ = expect_client_certificate{std::move(k)};
    } else {
        state_ = expect_client_finished{std::move(k)};
    }
    return wire::ok;
}

error connection::server_on_certificate(expect_client_certificate& s, byte_view body,
                                        byte_view message) {
    wire::certificate_msg cert;
    if (error e = wire::parse_certificate(body, cert); e != wire::ok) {
        error_message_ = "client Certificate does not parse";
        return e;
    }
    if (!cert.request_context.empty()) {
        error_message_ = "client Certificate has a non-empty request context";
        return error::illegal_parameter;
    }
    if (cert.entries.empty()) {
        if (peer_verify_mode() & verify_fail_if_no_peer_cert) {
            error_message_ = "client sent no certificate but one is required";
            return error::certificate_required;
        }
        s.k.transcript.hash.update(message);
        expect_client_finished next{std::move(s.k)};
        state_ = std::move(next);
        return wire::ok;
    }
    // The CertificateRequest offered no extensions for the entries to answer.
    static const std::vector<std::uint16_t> none;
    std::vector<crypto::certificate> chain;
    if (error e = verify_peer_chain(cert, crypto::peer_role::client, none, chain); e != wire::ok) {
        return e;
    }
    s.k.transcript.hash.update(message);
    expect_client_certificate_verify next{std::move(s.k), std::move(chain)};
    state_ = std::move(next);
    return wire::ok;
}

error connection::server_on_certificate_verify(expect_client_certificate_verify& s, byte_view body,
                                               byte_view message) {
    if (error e =
            check_certificate_verify(s.k.transcript, s.chain.front(), body, message,
                                     "TLS 1.3, client CertificateVerify", ctx_->signature_schemes);
        e != wire::ok) {
        return e;
    }
    expect_client_finished next{std::move(s.k)};
    state_ = std::move(next);
    return wire::ok;
}

error connection::server_on_finished(expect_client_finished& s, byte_view body, byte_view message) {
    if (error e = check_finished(s.k.transcript, body, s.k.client_handshake); e != wire::ok) {
        return e;
    }
    if (error e = key_change_boundary(); e != wire::ok) {
        return e;
    }
    s.k.transcript.hash.update(message);
    if (error e = install_read(s.k.client_application); e != wire::ok) {
        return e;
    }
    if (s.k.master && ctx_->num_tickets > 0 && offers_psk_dhe_ke_) {
        std::uint8_t hash[crypto::max_digest_size];
        std::size_t n = s.k.transcript.current(hash);
        server_send_tickets(s.k.master->resumption_master(byte_view(hash, n)));
    }
    finish_handshake();
    return wire::ok;
}

}  // namespace tlsio::handshake
