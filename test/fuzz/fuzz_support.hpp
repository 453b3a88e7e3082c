//
// fuzz_support.hpp: what the handshake fuzz targets and make_seeds share:
// a self-signed ECDSA P-256 certificate for "localhost" (made once per
// process with libcrypto), a deterministic random source, and the client and
// server contexts built from them.
//
#ifndef TLSIO_FUZZ_SUPPORT_HPP
#define TLSIO_FUZZ_SUPPORT_HPP

#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

namespace tlsio_fuzz {

[[noreturn]] inline void die(const char* what) {
    std::fprintf(stderr, "fuzz setup: %s failed\n", what);
    std::abort();
}

inline void check(bool ok, const char* what) {
    if (!ok) {
        die(what);
    }
}

struct credential {
    std::string certificate_pem;
    std::string private_key_pem;
};

inline std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

inline void add_extension(X509* cert, int nid, const char* value) {
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
    X509_EXTENSION_free(ext);
}

/// A self-signed ECDSA P-256 certificate for "localhost", valid for a day.
inline credential make_credential() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    check(key != nullptr, "EVP_EC_gen");
    X509* cert = X509_new();
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert, X509_VERSION_3) == 1, "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert), 0x7f5eed) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert, key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert);
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
    check(X509_set_issuer_name(cert, name) == 1, "X509_set_issuer_name");
    add_extension(cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert, NID_subject_key_identifier, "hash");
    add_extension(cert, NID_subject_alt_name, "DNS:localhost");
    check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");

    credential out;
    BIO* bio = BIO_new(BIO_s_mem());
    check(bio != nullptr && PEM_write_bio_X509(bio, cert) == 1, "PEM_write_bio_X509");
    out.certificate_pem = bio_contents(bio);
    BIO_free(bio);
    bio = BIO_new(BIO_s_mem());
    check(bio != nullptr &&
              PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    out.private_key_pem = bio_contents(bio);
    BIO_free(bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

/// The process's one credential (key generation is too slow to do per input).
inline const credential& shared_credential() {
    static const credential c = make_credential();
    return c;
}

/// The same bytes every time, so that an input replays the same way.
inline void deterministic_random(std::span<std::uint8_t> out) {
    std::uint64_t state = 0x9e3779b97f4a7c15u;
    for (auto& b : out) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        b = static_cast<std::uint8_t>(state >> 56);
    }
}

inline tlsio::context make_server_context() {
    tlsio::context ctx(tlsio::context::tlsv13_server);
    ctx.use_certificate_chain(shared_credential().certificate_pem);
    ctx.use_private_key(shared_credential().private_key_pem);
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    ctx.set_random_source(deterministic_random);
    return ctx;
}

inline tlsio::context make_client_context() {
    tlsio::context ctx(tlsio::context::tlsv13_client);
    ctx.add_certificate_authority(shared_credential().certificate_pem);
    ctx.set_verify_mode(tlsio::verify_peer);
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    ctx.set_random_source(deterministic_random);
    return ctx;
}

inline tlsio::engine_options client_options() {
    tlsio::engine_options options;
    options.server_name = "localhost";
    return options;
}

/// Calls handshake() while it asks to flush, dropping whatever it emits.
/// Bounded, so an engine that keeps returning want_write is caught as a hang
/// by nothing worse than the loop limit.
inline tlsio::status drive(tlsio::engine& e) {
    tlsio::status s = tlsio::status::want_write;
    for (int i = 0; i < 16 && s == tlsio::status::want_write; ++i) {
        s = e.handshake();
        e.consume_output(e.output().size());
    }
    return s;
}

}  // namespace tlsio_fuzz

#endif
