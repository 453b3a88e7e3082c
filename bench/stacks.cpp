#include "stacks.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>

namespace bench {
namespace {

void check(long ok, const char* what) {
    if (ok != 1) {
        throw std::runtime_error(std::string("asio_ssl context: ") + what + " failed");
    }
}

}  // namespace

std::unique_ptr<tlsio_stack::contexts> tlsio_stack::make_contexts(const credential& cred,
                                                                  protocol p) {
    auto c = std::make_unique<contexts>();
    const auto version =
        p == protocol::tls13 ? tlsio::protocol_version::tls13 : tlsio::protocol_version::tls12;
    const auto suite = p == protocol::tls13 ? tlsio::cipher_suite::aes_128_gcm_sha256
                       : cred.kind == key_kind::p256
                           ? tlsio::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256
                           : tlsio::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256;
    for (tlsio::context* ctx : {&c->client, &c->server}) {
        // One version, one suite, one group: as the asio::ssl contexts below.
        ctx->set_protocol_versions(version, version);
        ctx->set_cipher_suites({suite});
        if (p == protocol::tls13) {
            ctx->set_groups({tlsio::named_group::x25519});
        } else {
            // TLS 1.2 (RFC 8422 section 5.1): the P-256 certificate's curve must
            // be a supported group too; x25519, first, is the key exchange.
            ctx->set_groups({tlsio::named_group::x25519, tlsio::named_group::secp256r1});
        }
    }
    // Every handshake a full one: asio::ssl's client resumes only when told
    // (SSL_set_session), tlsio's would resume from its cache by itself.
    c->client.set_session_cache_size(0);
    c->client.add_certificate_authority(cred.ca_pem);
    c->client.set_verify_mode(tlsio::verify_peer);
    c->server.use_certificate_chain(cred.chain_pem);
    c->server.use_private_key(cred.key_pem);
    if (cred.kind == key_kind::rsa2048) {
        c->server.set_signature_schemes({tlsio::signature_scheme::rsa_pss_rsae_sha256});
    }
    return c;
}

std::string tlsio_stack::negotiated(stream_type& client) {
    const tlsio::engine& e = client.native_engine();
    std::string s = e.version() == tlsio::protocol_version::tls13 ? "TLSv1.3" : "TLSv1.2";
    s += std::string(" ") + tlsio::name(e.cipher_suite());
    s += std::string(" ") + tlsio::name(e.group());
    s += std::string(" ") + tlsio::name(e.peer_signature_scheme());
    s += e.verify_result() == 0 ? " verified" : " unverified";
    return s;
}

std::unique_ptr<asio_ssl_stack::contexts> asio_ssl_stack::make_contexts(const credential& cred,
                                                                        protocol p) {
    namespace ssl = boost::asio::ssl;
    auto c = std::make_unique<contexts>();
    const int version = p == protocol::tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    for (ssl::context* ctx : {&c->client, &c->server}) {
        SSL_CTX* h = ctx->native_handle();
        check(SSL_CTX_set_min_proto_version(h, version), "min version");
        check(SSL_CTX_set_max_proto_version(h, version), "max version");
        check(SSL_CTX_set_ciphersuites(h, "TLS_AES_128_GCM_SHA256"), "ciphersuites");
        check(
            SSL_CTX_set_cipher_list(h, cred.kind == key_kind::p256 ? "ECDHE-ECDSA-AES128-GCM-SHA256"
                                                                   : "ECDHE-RSA-AES128-GCM-SHA256"),
            "cipher list");
        check(SSL_CTX_set1_groups_list(h, p == protocol::tls13 ? "X25519" : "X25519:P-256"),
              "groups");
    }
    c->client.add_certificate_authority(boost::asio::buffer(cred.ca_pem));
    c->client.set_verify_mode(ssl::verify_peer);
    c->server.use_certificate_chain(boost::asio::buffer(cred.chain_pem));
    c->server.use_private_key(boost::asio::buffer(cred.key_pem), ssl::context::pem);
    // Both servers send their default tickets per handshake: two
    // NewSessionTickets in TLS 1.3, one in TLS 1.2 (both clients ask for it).
    if (cred.kind == key_kind::rsa2048) {
        check(SSL_CTX_set1_sigalgs_list(c->server.native_handle(), "rsa_pss_rsae_sha256"),
              "sigalgs");
    }
    return c;
}

std::unique_ptr<asio_ssl_stack::stream_type> asio_ssl_stack::make_client(socket_type&& s,
                                                                         contexts& c) {
    auto p = std::make_unique<stream_type>(std::move(s), c.client);
    check(SSL_set_tlsext_host_name(p->native_handle(), host_name), "SNI");
    p->set_verify_callback(boost::asio::ssl::host_name_verification(host_name));
    return p;
}

std::string asio_ssl_stack::negotiated(stream_type& client) {
    SSL* ssl = client.native_handle();
    std::string s = SSL_get_version(ssl);
    s += std::string(" ") + SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl));
    long group = SSL_get_negotiated_group(ssl);
    s += group == NID_X25519 ? " x25519" : " group-" + std::to_string(group);
    int type = 0;
    int digest = 0;
    SSL_get_peer_signature_type_nid(ssl, &type);
    SSL_get_peer_signature_nid(ssl, &digest);
    if (type == EVP_PKEY_EC && digest == NID_sha256) {
        s += " ecdsa_secp256r1_sha256";
    } else if (type == EVP_PKEY_RSA_PSS && digest == NID_sha256) {
        s += " rsa_pss_rsae_sha256";
    } else {
        s += " sig-" + std::to_string(type) + "-" + std::to_string(digest);
    }
    s += SSL_get_verify_result(ssl) == X509_V_OK ? " verified" : " unverified";
    return s;
}

std::string expected_negotiation(const credential& cred, protocol p) {
    const bool ecdsa = cred.kind == key_kind::p256;
    std::string suite = p == protocol::tls13 ? "TLSv1.3 TLS_AES_128_GCM_SHA256"
                        : ecdsa              ? "TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
                                             : "TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    return suite + " x25519 " + (ecdsa ? "ecdsa_secp256r1_sha256" : "rsa_pss_rsae_sha256") +
           " verified";
}

}  // namespace bench
