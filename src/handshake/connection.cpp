// The parts of the handshake both roles share, and post-handshake messages.
// The role-specific states are in client.cpp and server.cpp.
#include "handshake/connection.hpp"

#include "handshake/groups.hpp"

#include <algorithm>
#include <array>
#include <cstring>

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

}  // namespace

connection::connection(std::shared_ptr<const context::impl> ctx, role r, engine_options options,
                       record::layer& records)
    : role_(r),
      state_(r == role::client ? state::client_start : state::expect_client_hello),
      ctx_(std::move(ctx)),
      options_(std::move(options)),
      records_(records) {
    if (role_ == role::client) {
        server_name_ = options_.server_name;
        if (options_.alpn_protocols.empty()) {
            options_.alpn_protocols = ctx_->alpn;
        }
    }
}

connection::~connection() = default;

error connection::start() {
    return client_send_hello();
}

error connection::on_message(const record::handshake_message& m) {
    if (state_ == state::connected) {
        return on_post_handshake(m.type, m.body);
    }
    return dispatch(m.type, m.body, m.message);
}

void connection::fail(error e, std::string message) {
    if (state_ == state::failed) {
        return;
    }
    error_ = e;
    if (!message.empty()) {
        error_message_ = std::move(message);
    } else if (error_message_.empty()) {
        error_message_ = error_.message();
    }
    state_ = state::failed;
    if (!sent_close_notify_) {
        records_.send_alert(to_alert(e));
    }
}

void connection::fail_from_peer(alert a) {
    error_ = a;
    error_message_ = error_.message();
    state_ = state::failed;
}

// ---- Shared handshake pieces ----------------------------------------------------------

void connection::send_handshake(wire::handshake_type type, const bytes& body) {
    bytes message;
    message.reserve(4 + body.size());
    wire::append_handshake(message, type, body);
    if (transcript_.valid()) {
        transcript_.update(message);
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

void connection::start_transcript(const suite_info& suite) {
    suite_ = &suite;
    suite_id_ = suite.id;
    transcript_ = crypto::hash_context(suite.hash);
    schedule_ = early_secret::without_psk(suite.hash);
}

error connection::key_change_boundary() const {
    if (!records_.at_key_boundary()) {
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

void connection::queue_compat_ccs() noexcept {
    if (!session_id_.empty()) {
        records_.queue_compat_ccs();
    }
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
    auto* early = std::get_if<early_secret>(&schedule_);
    if (!early) {
        crypto::cleanse(shared);
        fail(error::internal_error, "key schedule: the handshake stage entered twice");
        return;
    }
    handshake_secret stage = std::move(*early).into_handshake(shared);
    crypto::cleanse(shared);
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    client_hs_secret_ = stage.client_handshake_traffic(byte_view(hash, n));
    server_hs_secret_ = stage.server_handshake_traffic(byte_view(hash, n));
    schedule_ = std::move(stage);
    log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", client_hs_secret_);
    log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", server_hs_secret_);
}

secret connection::enter_application_secrets() {
    auto* handshake_stage = std::get_if<handshake_secret>(&schedule_);
    if (!handshake_stage) {
        fail(error::internal_error, "key schedule: the master stage entered out of order");
        return {};
    }
    master_secret stage = std::move(*handshake_stage).into_master();
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = transcript_hash(hash);
    client_ap_secret_ = stage.client_application_traffic(byte_view(hash, n));
    secret server_ap = stage.server_application_traffic(byte_view(hash, n));
    log_secret("CLIENT_TRAFFIC_SECRET_0", client_ap_secret_);
    log_secret("SERVER_TRAFFIC_SECRET_0", server_ap);
    if (ctx_->keylog) {
        log_secret("EXPORTER_SECRET", stage.exporter_master(byte_view(hash, n)));
    }
    schedule_ = std::move(stage);
    return server_ap;
}

void connection::finish_handshake() {
    // An established connection keeps only its traffic secrets: everything the
    // handshake needed is wiped and freed, so idle connections stay small.
    state_ = state::connected;
    records_.set_handshake_done();
    client_hs_secret_ = {};
    server_hs_secret_ = {};
    client_ap_secret_ = {};
    schedule_ = std::monostate{};
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
        // Only extensions we asked for may come back (RFC 8446 4.2, 4.4.2):
        // tlsio asks for none unless the extension hook added one.
        std::vector<wire::extension> extensions;
        if (error e = wire::parse_extensions(entry.extensions, extensions); e != wire::ok) {
            return e;
        }
        for (const wire::extension& x : extensions) {
            if (std::find(offered_extensions_.begin(), offered_extensions_.end(), x.type) ==
                offered_extensions_.end()) {
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
        peer_chain_.push_back(std::move(*cert));
    }
    if (peer_chain_.front().key().type() == crypto::key_type::unsupported) {
        error_message_ = "peer certificate has an unsupported key type";
        return error::unsupported_certificate;
    }
    // Whatever the verify mode, the key must be allowed to sign a
    // CertificateVerify (RFC 8446 4.4.2.2); X.509 purposes let keyAgreement-only
    // ECDSA leaves through. Checked after path validation, whose result says more.
    auto check_signing_usage = [this]() -> error {
        if (!peer_chain_.front().allows_digital_signature()) {
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
    request.chain = peer_chain_;
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
            if (++key_updates_in_a_row_ > max_key_updates_in_a_row) {
                error_message_ = "more than " + std::to_string(max_key_updates_in_a_row) +
                                 " KeyUpdates without application data between them";
                return error::too_many_key_updates;
            }
            if (error e = install_read(next_traffic_secret(suite_->hash, read_secret_));
                e != wire::ok) {
                return e;
            }
            // One reply answers every request that arrived before it leaves:
            // a peer flooding requests while we cannot write queues nothing.
            if (key_update_reply_queued_ && records_.output_sent() >= key_update_reply_end_) {
                key_update_reply_queued_ = false;
            }
            if (update_requested && !sent_close_notify_ && !key_update_reply_queued_) {
                update_write_keys(false);
                key_update_reply_queued_ = true;
                key_update_reply_end_ = records_.output_made();
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
