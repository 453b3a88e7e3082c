// The parts of the handshake both roles share, and post-handshake messages.
// The role-specific states are in client.cpp and server.cpp.
#include "handshake/connection.hpp"

#include "handshake/groups.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

namespace tlsio::handshake {
namespace {

/// KeyUpdates accepted with no application data between them (BoringSSL's cap).
constexpr int max_key_updates_in_a_row = 32;

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

const char* message_name(wire::handshake_type type) noexcept {
    switch (type) {
        case wire::handshake_type::hello_request:
            return "HelloRequest";
        case wire::handshake_type::client_hello:
            return "ClientHello";
        case wire::handshake_type::server_hello:
            return "ServerHello";
        case wire::handshake_type::new_session_ticket:
            return "NewSessionTicket";
        case wire::handshake_type::end_of_early_data:
            return "EndOfEarlyData";
        case wire::handshake_type::encrypted_extensions:
            return "EncryptedExtensions";
        case wire::handshake_type::certificate:
            return "Certificate";
        case wire::handshake_type::server_key_exchange:
            return "ServerKeyExchange";
        case wire::handshake_type::certificate_request:
            return "CertificateRequest";
        case wire::handshake_type::server_hello_done:
            return "ServerHelloDone";
        case wire::handshake_type::client_key_exchange:
            return "ClientKeyExchange";
        case wire::handshake_type::certificate_verify:
            return "CertificateVerify";
        case wire::handshake_type::finished:
            return "Finished";
        case wire::handshake_type::key_update:
            return "KeyUpdate";
        case wire::handshake_type::message_hash:
            return "message_hash";
    }
    return "handshake message";
}

}  // namespace

connection::connection(std::shared_ptr<const context::impl> ctx, role r, engine_options options,
                       record::layer& records)
    : role_(r), ctx_(std::move(ctx)), options_(std::move(options)), records_(records) {
    if (role_ == role::client) {
        state_ = client_start{};
        server_name_ = options_.server_name;
        if (options_.alpn_protocols.empty()) {
            options_.alpn_protocols = ctx_->alpn;
        }
    } else {
        state_ = expect_client_hello{};
    }
}

connection::~connection() = default;

error connection::start() {
    if (!is_client_start()) {
        error_message_ = "the client handshake was started twice";
        return error::internal_error;
    }
    expect_server_hello next;
    if (error e = client_send_hello(next.hello, {}, nullptr, &next.client_hello); e != wire::ok) {
        return e;
    }
    // A TLS 1.2 server may warn before its ServerHello (unrecognized_name,
    // RFC 6066 3); the ServerHello decides for the rest of the connection.
    records_.drop_warning_alerts(next.hello.offered12);
    if (next.hello.early_data) {
        client_begin_early_data(next.hello, next.client_hello);
    }
    state_ = std::move(next);
    return wire::ok;
}

error connection::on_message(const record::handshake_message& m) {
    error e =
        is_connected() ? on_post_handshake(m.type, m.body) : dispatch(m.type, m.body, m.message);
    if (e != wire::ok && error_message_.empty()) {
        // The checks that have no message of their own (a parser's verdict,
        // mostly) are named by the message they failed on.
        error_message_ = std::string(message_name(m.type)) + ": " + make_error_code(e).message();
    }
    return e;
}

error connection::on_change_cipher_spec() {
    // Only a TLS 1.2 handshake asks the record layer for one, in the states
    // that wait for it; TLS 1.3 never does.
    auto take = [this](auto& s, auto next) -> error {
        if (error e = install_read12(s.t, s.master); e != wire::ok) {
            return e;
        }
        next.t = std::move(s.t);
        next.master = s.master;
        state_ = std::move(next);
        return wire::ok;
    };
    if (auto* s = std::get_if<expect_server_ccs12>(&state_)) {
        if (tls12_session_.ticket_expected) {
            // The ServerHello's session_ticket promised one (RFC 5077 3.3).
            error_message_ = "ChangeCipherSpec where the promised NewSessionTicket belongs";
            return error::unexpected_message;
        }
        return take(*s, expect_server_finished12{});
    }
    if (auto* s = std::get_if<expect_client_ccs12>(&state_)) {
        return take(*s, expect_client_finished12{});
    }
    error_message_ = "ChangeCipherSpec in a handshake that expects none";
    return error::unexpected_message;
}

void connection::fail(error e, std::string message) {
    fail(e, std::move(message), to_alert(e));
}

void connection::fail(error e, std::string message, alert sent) {
    if (is_failed()) {
        return;
    }
    error_ = e;
    if (!message.empty()) {
        error_message_ = std::move(message);
    } else if (error_message_.empty()) {
        error_message_ = error_.message();
    }
    state_ = failed{};
    if (!sent_close_notify_) {
        records_.send_alert(sent);
    }
}

void connection::fail_silently(boost::system::error_code e, std::string message) {
    error_ = e;
    error_message_ = std::move(message);
    state_ = failed{};
}

void connection::fail_from_peer(alert a) {
    error_ = a;
    error_message_ = error_.message();
    state_ = failed{};
}

// ---- Shared handshake pieces ----------------------------------------------------------

void connection::send_handshake(wire::handshake_type type, const bytes& body,
                                crypto::hash_context* transcript) {
    bytes message;
    message.reserve(4 + body.size());
    wire::append_handshake(message, type, body);
    if (transcript) {
        transcript->update(message);
    }
    if (role_ == role::client && hello_retry_) {
        records_.use_tls12_record_version();  // only the first ClientHello says 0x0301
    }
    records_.queue_handshake(message);
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

error connection::key_change_boundary() {
    if (!records_.at_key_boundary()) {
        error_message_ = "handshake bytes follow a message that changes keys";
        return error::unexpected_message;
    }
    return wire::ok;
}

error connection::install_read(const secret& s) {
    std::optional<record::key_boundary> boundary = records_.at_key_boundary();
    if (!boundary) {
        error_message_ = "handshake bytes follow a message that changes keys";
        return error::unexpected_message;
    }
    read_secret_ = s;
    traffic_keys k = derive_traffic_keys(*suite_, s);
    if (!records_.install_read(*boundary, {suite_->aead, k.key_view(), k.iv_view()})) {
        error_message_ = "installing read keys failed";
        return error::internal_error;
    }
    return wire::ok;
}

void connection::install_write(const secret& s) {
    write_secret_ = s;
    traffic_keys k = derive_traffic_keys(*suite_, s);
    if (!records_.install_write({suite_->aead, k.key_view(), k.iv_view()})) {
        fail(error::internal_error, "installing write keys failed");
    }
}

void connection::queue_compat_ccs(byte_view session_id) noexcept {
    if (!session_id.empty()) {
        records_.queue_compat_ccs();
    }
}

void connection::log_secret(const std::array<std::uint8_t, wire::random_size>& client_random,
                            const char* label, const secret& s) const {
    if (!ctx_->keylog) {
        return;
    }
    std::string line = label;
    line += ' ';
    line += to_hex(client_random);
    line += ' ';
    line += to_hex(s.view());
    ctx_->keylog(line);
}

handshake_keys connection::enter_handshake_secrets(const transcript_state& t, bytes& shared,
                                                   byte_view psk) {
    early_secret early = psk.empty() ? early_secret::without_psk(t.hash.algorithm())
                                     : early_secret::with_psk(t.hash.algorithm(), psk);
    handshake_secret stage = std::move(early).into_handshake(shared);
    crypto::cleanse(shared);
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    secret client = stage.client_handshake_traffic(byte_view(hash, n));
    secret server = stage.server_handshake_traffic(byte_view(hash, n));
    log_secret(t.client_random, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", client);
    log_secret(t.client_random, "SERVER_HANDSHAKE_TRAFFIC_SECRET", server);
    return {std::move(stage), client, server};
}

connection::application_secrets connection::enter_application_secrets(const transcript_state& t,
                                                                      handshake_secret stage) {
    master_secret master = std::move(stage).into_master();
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    secret client = master.client_application_traffic(byte_view(hash, n));
    secret server = master.server_application_traffic(byte_view(hash, n));
    log_secret(t.client_random, "CLIENT_TRAFFIC_SECRET_0", client);
    log_secret(t.client_random, "SERVER_TRAFFIC_SECRET_0", server);
    if (ctx_->keylog) {
        log_secret(t.client_random, "EXPORTER_SECRET", master.exporter_master(byte_view(hash, n)));
    }
    return {client, server, std::move(master)};
}

void connection::finish_handshake() {
    // The handshake state goes, and with it every secret, the transcript and
    // the peer's parsed chain: an established connection keeps only its
    // traffic secrets, so idle connections stay small.
    state_ = connected{};
    records_.set_handshake_done();
}

void connection::update_write_keys(bool request_peer) {
    bytes body{static_cast<std::uint8_t>(request_peer ? 1 : 0)};
    send_handshake(wire::handshake_type::key_update, body, nullptr);
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

error connection::verify_peer_chain(const wire::certificate_msg& msg, crypto::peer_role peer,
                                    const std::vector<std::uint16_t>& offered_extensions,
                                    std::vector<crypto::certificate>& chain) {
    chain.clear();
    peer_certificates_.clear();
    for (const wire::certificate_entry& entry : msg.entries) {
        // Only extensions we asked for may come back (RFC 8446 4.2, 4.4.2):
        // tlsio asks for none unless the extension hook added one.
        std::vector<wire::extension> extensions;
        if (error e = wire::parse_extensions(entry.extensions, extensions); e != wire::ok) {
            error_message_ = "CertificateEntry extensions do not parse";
            return e;
        }
        for (const wire::extension& x : extensions) {
            if (std::find(offered_extensions.begin(), offered_extensions.end(), x.type) ==
                offered_extensions.end()) {
                error_message_ = "CertificateEntry carries extension " + std::to_string(x.type) +
                                 ", which was not requested";
                return error::unsupported_extension;
            }
        }
        auto cert = crypto::certificate::from_der_cached(entry.cert_data);
        if (!cert) {
            error_message_ = "peer certificate does not parse";
            return error::bad_certificate;
        }
        peer_certificates_.emplace_back(entry.cert_data.begin(), entry.cert_data.end());
        chain.push_back(std::move(*cert));
    }
    if (chain.front().key().type() == crypto::key_type::unsupported) {
        error_message_ = "peer certificate has an unsupported key type";
        return error::unsupported_certificate;
    }
    // Whatever the verify mode, the key must be allowed to sign a
    // CertificateVerify (RFC 8446 4.4.2.2); X.509 purposes let keyAgreement-only
    // ECDSA leaves through. Checked after path validation, whose result says more.
    auto check_signing_usage = [this, &chain]() -> error {
        if (!chain.front().allows_digital_signature()) {
            error_message_ = "peer certificate's keyUsage does not allow digitalSignature";
            return error::certificate_bad_key_usage;
        }
        return wire::ok;
    };
    if ((peer_verify_mode() & verify_peer) == 0) {
        return check_signing_usage();
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
    request.chain = chain;
    request.role = peer;
    if (role_ == role::client && options_.verify_host) {
        request.host = options_.server_name;
    }
    request.now = ctx_->now();
    request.callback = callback ? &callback : nullptr;
    request.max_depth =
        options_.peer_verify_depth ? *options_.peer_verify_depth : ctx_->verify_depth;
    request.security_level = ctx_->security_level;
    crypto::verify_result result = crypto::verify_chain(request);
    verify_result_ = result.x509_error;
    if (result.error) {
        error_message_ = result.message;
        if (role_ == role::client && !options_.peer_verify_mode && !ctx_->mode) {
            // Code ported from asio::ssl, which verifies nothing by default,
            // meets this first: say why, and what to do.
            error_message_ +=
                " (tlsio verifies the server by default, asio::ssl only with verify_peer: "
                "trust its CA with load_verify_file or set_default_verify_paths)";
        }
        return static_cast<error>(result.error.value());
    }
    return check_signing_usage();
}

error connection::kx_result(crypto::kx_status status, const char* invalid) {
    switch (status) {
        case crypto::kx_status::ok:
            return wire::ok;
        case crypto::kx_status::invalid_share:
            error_message_ = invalid;
            return error::illegal_parameter;
        case crypto::kx_status::failed:
            break;
    }
    error_message_ = "key exchange failed in libcrypto";
    return error::internal_error;
}

error connection::verify_signature(const crypto::certificate& leaf, std::uint16_t scheme,
                                   byte_view content, byte_view signature,
                                   const std::vector<std::uint16_t>& allowed, bool tls12,
                                   const char* what) {
    const crypto::public_key key = leaf.key();
    // TLS 1.2 also allows rsa_pkcs1_* (RFC 8446 section 4.2.3 keeps them for 1.2).
    if ((!tls12 && !is_certificate_verify_scheme(scheme)) ||
        std::find(allowed.begin(), allowed.end(), scheme) == allowed.end() ||
        !(tls12 ? crypto::scheme_matches_key12(scheme, key.type())
                : crypto::scheme_matches_key(scheme, key.type()))) {
        error_message_ = std::string(what) + " uses a signature scheme that was not offered";
        return error::illegal_parameter;
    }
    // Also when the chain was not verified (verify_none), as path validation would.
    if (!crypto::meets_security_level(key, ctx_->security_level)) {
        error_message_ =
            "peer key of " + std::to_string(key.bits()) + " bits is below the security level";
        return error::certificate_too_weak;
    }
    if (!(tls12 ? key.verify12(scheme, content, signature)
                : key.verify(scheme, content, signature))) {
        error_message_ = std::string(what) + " signature does not verify";
        return error::decrypt_error;
    }
    peer_scheme_ = scheme;
    return wire::ok;
}

error connection::sign(const credential& cred, std::uint16_t scheme, byte_view content,
                       bytes& signature, const char* what) {
    bool signed_ok = cred.signer
                         ? cred.signer(static_cast<signature_scheme>(scheme), content, signature)
                         : cred.key->sign(scheme, content, signature);
    if (!signed_ok || signature.empty()) {
        error_message_ = std::string("signing ") + what + " failed";
        return error::internal_error;
    }
    own_scheme_ = scheme;
    return wire::ok;
}

error connection::check_certificate_verify(transcript_state& t, const crypto::certificate& leaf,
                                           byte_view body, byte_view message,
                                           const char* context_string,
                                           const std::vector<std::uint16_t>& allowed) {
    wire::certificate_verify cv;
    if (error e = wire::parse_certificate_verify(body, cv); e != wire::ok) {
        error_message_ = "CertificateVerify does not parse";
        return e;
    }
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    if (error e =
            verify_signature(leaf, cv.scheme, signed_content(context_string, byte_view(hash, n)),
                             cv.signature, allowed, false, "CertificateVerify");
        e != wire::ok) {
        return e;
    }
    t.hash.update(message);
    return wire::ok;
}

void connection::send_certificate(transcript_state& t, const credential* cred,
                                  byte_view request_context) {
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
    send_handshake(wire::handshake_type::certificate, body, &t.hash);
}

error connection::send_certificate_verify(transcript_state& t, const credential& cred,
                                          std::uint16_t scheme, const char* context_string) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    bytes signature;
    if (error e = sign(cred, scheme, signed_content(context_string, byte_view(hash, n)), signature,
                       "CertificateVerify");
        e != wire::ok) {
        return e;
    }
    bytes body;
    wire::writer w(body);
    w.u16(scheme);
    w.vec16(signature);
    send_handshake(wire::handshake_type::certificate_verify, body, &t.hash);
    return wire::ok;
}

void connection::send_finished(transcript_state& t, const secret& base_key) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    secret verify_data = finished_verify_data(suite_->hash, base_key, byte_view(hash, n));
    send_handshake(wire::handshake_type::finished,
                   bytes(verify_data.view().begin(), verify_data.view().end()), &t.hash);
}

error connection::check_finished(const transcript_state& t, byte_view body,
                                 const secret& base_key) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    secret expected = finished_verify_data(suite_->hash, base_key, byte_view(hash, n));
    if (body.size() != expected.size()) {
        error_message_ = "Finished has the wrong length for the suite's hash";
        return error::decode_error;
    }
    if (!crypto::constant_time_equal(body, expected.view())) {
        error_message_ = "Finished does not verify";
        return error::decrypt_error;
    }
    return wire::ok;
}

error connection::on_post_handshake(wire::handshake_type type, byte_view body) {
    if (tls12_) {
        return on_post_handshake12(type);
    }
    switch (type) {
        case wire::handshake_type::key_update: {
            bool update_requested = false;
            if (error e = wire::parse_key_update(body, update_requested); e != wire::ok) {
                return e;
            }
            if (++key_updates_in_a_row_ > max_key_updates_in_a_row) {
                error_message_ = "more than " + std::to_string(max_key_updates_in_a_row) +
                                 " KeyUpdates without application data between them";
                return error::too_many_key_updates;
            }
            if (error e = install_read(next_traffic_secret(suite_->hash, read_secret_));
                e != wire::ok) {
                return e;
            }
            // The reply is made later (key_update_reply_pending_): one answers
            // every request that arrives before it.
            if (update_requested && !sent_close_notify_) {
                key_update_reply_pending_ = true;
            }
            return wire::ok;
        }
        case wire::handshake_type::new_session_ticket: {
            if (role_ != role::client) {
                return error::unexpected_message;
            }
            return client_on_new_session_ticket(body);
        }
        default:
            // Post-handshake authentication was not offered, so CertificateRequest
            // is as unexpected as any other message here.
            return error::unexpected_message;
    }
}

error connection::dispatch(wire::handshake_type type, byte_view body, byte_view message) {
    using wire::handshake_type;
    // Each state names the messages it accepts; anything else is unexpected.
    auto handle = [&](auto& s) -> std::optional<error> {
        using S = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<S, expect_server_hello>) {
            if (type == handshake_type::server_hello)
                return client_on_server_hello(s.hello, &s.client_hello, nullptr, body, message);
        } else if constexpr (std::is_same_v<S, expect_server_hello_after_hrr>) {
            if (type == handshake_type::server_hello)
                return client_on_server_hello(s.hello, nullptr, &s.transcript, body, message);
        } else if constexpr (std::is_same_v<S, expect_encrypted_extensions>) {
            if (type == handshake_type::encrypted_extensions)
                return client_on_encrypted_extensions(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_certificate_or_request>) {
            if (type == handshake_type::certificate_request)
                return client_on_certificate_request(s, body, message);
            if (type == handshake_type::certificate)
                return client_on_certificate(s.k, std::nullopt, body, message);
        } else if constexpr (std::is_same_v<S, expect_certificate>) {
            if (type == handshake_type::certificate)
                return client_on_certificate(s.k, std::move(s.requested_schemes), body, message);
        } else if constexpr (std::is_same_v<S, expect_certificate_verify>) {
            if (type == handshake_type::certificate_verify)
                return client_on_certificate_verify(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_finished>) {
            if (type == handshake_type::finished)
                return client_on_finished(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_client_hello>) {
            if (type == handshake_type::client_hello)
                return server_on_first_client_hello(body, message);
        } else if constexpr (std::is_same_v<S, expect_second_client_hello>) {
            if (type == handshake_type::client_hello) {
                wire::client_hello ch;
                if (error e = wire::parse_client_hello(body, ch); e != wire::ok) {
                    error_message_ = "second ClientHello does not parse";
                    return e;
                }
                return server_on_client_hello(ch, message, s.choice, &s);
            }
        } else if constexpr (std::is_same_v<S, expect_end_of_early_data>) {
            if (type == handshake_type::end_of_early_data)
                return server_on_end_of_early_data(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_client_certificate>) {
            if (type == handshake_type::certificate)
                return server_on_certificate(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_client_certificate_verify>) {
            if (type == handshake_type::certificate_verify)
                return server_on_certificate_verify(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_client_finished>) {
            if (type == handshake_type::finished)
                return server_on_finished(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_certificate12>) {
            if (type == handshake_type::certificate)
                return client12_on_certificate(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_server_key_exchange12>) {
            if (type == handshake_type::server_key_exchange)
                return client12_on_server_key_exchange(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_server_hello_done12>) {
            if (type == handshake_type::certificate_request && !s.requested_schemes)
                return client12_on_certificate_request(s, body, message);
            if (type == handshake_type::server_hello_done)
                return client12_on_server_hello_done(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_server_ccs12>) {
            if (type == handshake_type::new_session_ticket && tls12_session_.ticket_expected)
                return client12_on_new_session_ticket(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_server_finished12>) {
            if (type == handshake_type::finished)
                return client12_on_finished(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_client_key_exchange12>) {
            if (type == handshake_type::certificate && s.certificate_expected)
                return server12_on_certificate(s, body, message);
            if (type == handshake_type::client_key_exchange && !s.certificate_expected)
                return server12_on_client_key_exchange(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_client_certificate_verify12>) {
            if (type == handshake_type::certificate_verify)
                return server12_on_certificate_verify(s, body, message);
        } else if constexpr (std::is_same_v<S, expect_client_finished12>) {
            if (type == handshake_type::finished)
                return server12_on_finished(s, body, message);
        }
        return std::nullopt;
    };
    if (std::optional<error> e = std::visit(handle, state_)) {
        return *e;
    }
    error_message_ =
        "unexpected handshake message of type " + std::to_string(static_cast<int>(type));
    return error::unexpected_message;
}

}  // namespace tlsio::handshake
