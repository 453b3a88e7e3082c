// The parts of the TLS 1.2 handshake (RFC 5246, RFC 7627) both roles share:
// version choice, the key change, Finished, and what follows the handshake.
#include "handshake/connection.hpp"

#include <algorithm>

namespace tlsio::handshake {

error connection::choose_version(const wire::client_hello& ch, std::uint16_t& chosen) {
    chosen = 0;
    if (ch.has_supported_versions) {
        // RFC 8446 4.2.1: supported_versions decides; legacy_version is ignored.
        for (std::uint16_t v : {wire::tls13_version, wire::tls12_version}) {
            if (ctx_->allows(v) &&
                std::find(ch.supported_versions.begin(), ch.supported_versions.end(), v) !=
                    ch.supported_versions.end()) {
                chosen = v;
                break;
            }
        }
    } else if (ch.legacy_version >= wire::tls12_version && ctx_->allows(wire::tls12_version)) {
        chosen = wire::tls12_version;
    }
    if (chosen == 0) {
        const bool offers12 =
            ch.has_supported_versions
                ? std::find(ch.supported_versions.begin(), ch.supported_versions.end(),
                            wire::tls12_version) != ch.supported_versions.end()
                : ch.legacy_version >= wire::tls12_version;
        const bool offers13 = ch.has_supported_versions &&
                              std::find(ch.supported_versions.begin(), ch.supported_versions.end(),
                                        wire::tls13_version) != ch.supported_versions.end();
        if (!offers12 && !offers13) {
            error_message_ = "client offers only SSL 3.0, TLS 1.0 or TLS 1.1, which tlsio refuses";
        } else if (ctx_->allows(wire::tls13_version) && !ctx_->allows(wire::tls12_version)) {
            error_message_ = "client does not offer TLS 1.3";
        } else if (!ctx_->allows(wire::tls13_version)) {
            error_message_ = "client does not offer TLS 1.2, the only version this server accepts";
        } else {
            error_message_ = "client offers no version in common";
        }
        return error::protocol_version;
    }
    // RFC 7507: a client that fell back below what we support was tricked
    // into it (or failed for another reason): refuse, so it retries properly.
    if (chosen < ctx_->highest_version() &&
        std::find(ch.cipher_suites.begin(), ch.cipher_suites.end(), wire::fallback_scsv) !=
            ch.cipher_suites.end()) {
        error_message_ = "TLS_FALLBACK_SCSV with a version below the server's highest";
        return error::inappropriate_fallback;
    }
    return wire::ok;
}

secret connection::enter_master_secret12(const transcript12& t, secret& pre_master) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    secret master = tls12::extended_master_secret(suite12_->hash, pre_master.view(), {hash, n});
    pre_master = {};
    // The key log format of NSS: CLIENT_RANDOM <client random> <master secret>.
    log_secret(t.client_random, "CLIENT_RANDOM", master);
    return master;
}

error connection::install_read12(const transcript12& t, const secret& master) {
    std::optional<record::key_boundary> boundary = records_.at_key_boundary();
    if (!boundary) {
        error_message_ = "handshake bytes before the ChangeCipherSpec";
        return error::unexpected_message;
    }
    tls12::key_block keys;
    tls12::derive_key_block(*suite12_, master, t.client_random, t.server_random, keys);
    const bool peer_is_client = role_ == role::server;
    if (!records_.install_read(*boundary, {suite12_->aead, keys.key(peer_is_client),
                                           keys.iv(peer_is_client), record::protocol::tls12})) {
        error_message_ = "installing read keys failed";
        return error::internal_error;
    }
    return wire::ok;
}

void connection::install_write12(const transcript12& t, const secret& master) {
    tls12::key_block keys;
    tls12::derive_key_block(*suite12_, master, t.client_random, t.server_random, keys);
    const bool we_are_client = role_ == role::client;
    records_.write_compat_ccs();  // the real ChangeCipherSpec of TLS 1.2
    if (!records_.install_write({suite12_->aead, keys.key(we_are_client), keys.iv(we_are_client),
                                 record::protocol::tls12})) {
        fail(error::internal_error, "installing write keys failed");
    }
}

void connection::send12(transcript12& t, wire::handshake_type type, byte_view body) {
    bytes message;
    wire::append_handshake(message, type, body);
    t.add(message);
    records_.queue_handshake(message);
}

void connection::send_certificate12(transcript12& t, const credential* cred) {
    bytes body;
    wire::writer w(body);
    std::size_t list = w.begin(3);
    if (cred) {
        for (const crypto::certificate& c : cred->chain) {
            w.vec24(c.der());
        }
    }
    w.end(list, 3);
    send12(t, wire::handshake_type::certificate, body);
}

error connection::send_certificate_verify12(transcript12& t, const credential& cred,
                                            std::uint16_t scheme) {
    bytes signature;
    if (error e = sign(cred, scheme, t.messages, signature, "CertificateVerify"); e != wire::ok) {
        return e;
    }
    bytes body;
    wire::writer w(body);
    w.u16(scheme);
    w.vec16(signature);
    send12(t, wire::handshake_type::certificate_verify, body);
    return wire::ok;
}

void connection::send_finished12(transcript12& t, const secret& master) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    auto verify_data =
        tls12::finished_verify_data(suite12_->hash, master, role_ == role::client, {hash, n});
    send12(t, wire::handshake_type::finished, verify_data);
}

error connection::check_finished12(const transcript12& t, byte_view body, const secret& master) {
    std::uint8_t hash[crypto::max_digest_size];
    std::size_t n = t.current(hash);
    auto expected =
        tls12::finished_verify_data(suite12_->hash, master, role_ == role::server, {hash, n});
    if (body.size() != expected.size()) {
        error_message_ = "Finished has the wrong length (TLS 1.2 verify_data is 12 bytes)";
        return error::decode_error;
    }
    if (!crypto::constant_time_equal(body, expected)) {
        error_message_ = "Finished does not verify";
        return error::decrypt_error;
    }
    return wire::ok;
}

error connection::on_post_handshake12(wire::handshake_type type) {
    // RFC 5746 makes renegotiation safe, but tlsio does not renegotiate (as
    // rustls): a HelloRequest or a new ClientHello gets a no_renegotiation
    // warning and the connection goes on.
    const bool renegotiation =
        (role_ == role::client && type == wire::handshake_type::hello_request) ||
        (role_ == role::server && type == wire::handshake_type::client_hello);
    if (renegotiation) {
        // After our close_notify nothing more goes out (RFC 5246 7.2.1).
        if (!sent_close_notify_) {
            records_.send_alert(alert::no_renegotiation);
        }
        return wire::ok;
    }
    error_message_ = "unexpected handshake message after the TLS 1.2 handshake";
    return error::unexpected_message;
}

resumption::session_state connection::session12(const secret& master) const {
    resumption::session_state s;
    s.version = wire::tls12_version;
    s.cipher_suite = suite_id_;
    s.group = group_;
    s.secret.assign(master.view().begin(), master.view().end());
    s.server_name = server_name_;
    s.alpn = alpn_;
    s.peer_chain = peer_certificates_;
    s.verify_result = static_cast<std::uint32_t>(verify_result_);
    return s;
}

}  // namespace tlsio::handshake
