//
// fuzz_support.hpp: what the handshake fuzz targets and make_seeds share:
// a self-signed Ed25519 certificate for "localhost" (the same bytes in every
// process), a deterministic random source, and the client and server contexts
// built from them.
//
#ifndef TLSIO_FUZZ_SUPPORT_HPP
#define TLSIO_FUZZ_SUPPORT_HPP

#include <tlsio/ssl.h>
#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>

#include "c_api/objects.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <chrono>
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

/// The same 32 bytes every time: with Ed25519 (whose signatures are
/// deterministic) and fixed validity times, the certificate and every
/// CertificateVerify are identical in every process, so a recorded
/// conversation (make_seeds) replays past the handshake in the targets.
inline EVP_PKEY* fixed_ed25519_key(std::uint8_t tag) {
    std::uint8_t seed[32];
    for (std::size_t i = 0; i < sizeof seed; ++i) {
        seed[i] = static_cast<std::uint8_t>(tag + 17 * i);
    }
    EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof seed);
    check(key != nullptr, "EVP_PKEY_new_raw_private_key");
    return key;
}

/// A self-signed Ed25519 CA certificate for "localhost", byte-identical in
/// every process (fixed key, serial and validity from 2020 to 2099).
inline credential make_credential() {
    EVP_PKEY* key = fixed_ed25519_key(1);
    X509* cert = X509_new();
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert, X509_VERSION_3) == 1, "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert), 0x7f5eed) == 1, "serial");
    check(ASN1_TIME_set_string(X509_getm_notBefore(cert), "20200101000000Z") == 1, "notBefore");
    check(ASN1_TIME_set_string(X509_getm_notAfter(cert), "20991231235959Z") == 1, "notAfter");
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
    check(X509_sign(cert, key, nullptr) > 0, "X509_sign");

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

/// A fixed time (2026-01-01), so that nothing in a replay depends on the day.
inline std::chrono::system_clock::time_point fixed_clock() {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
}

/// An input of fuzz_client_handshake or fuzz_server_handshake that starts
/// with this byte (no TLS content type has it) is the rest of the input for
/// the target's engine speaking TLS 1.2 and 1.3, as tls_client / tls_server
/// do by default; other inputs go to the TLS 1.3-only engine, so that the
/// committed corpus, recorded against it, replays as before.
inline constexpr std::uint8_t tls12_mode = 0xff;

/// Takes the tls12_mode byte off the front of an input; true if it was there.
inline bool take_tls12_mode(std::span<const std::uint8_t>& input) {
    if (input.empty() || input.front() != tls12_mode) {
        return false;
    }
    input = input.subspan(1);
    return true;
}

/// `with_tls12`: TLS 1.2 and 1.3 (tls_server), else TLS 1.3 only.
inline tlsio::context make_server_context(bool with_tls12 = false) {
    tlsio::context ctx(with_tls12 ? tlsio::context::tls_server : tlsio::context::tlsv13_server);
    ctx.use_certificate_chain(shared_credential().certificate_pem);
    ctx.use_private_key(shared_credential().private_key_pem);
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    ctx.set_random_source(deterministic_random);
    ctx.set_clock(fixed_clock);
    return ctx;
}

/// `with_tls12`: TLS 1.2 and 1.3 (tls_client), else TLS 1.3 only.
inline tlsio::context make_client_context(bool with_tls12 = false) {
    tlsio::context ctx(with_tls12 ? tlsio::context::tls_client : tlsio::context::tlsv13_client);
    ctx.add_certificate_authority(shared_credential().certificate_pem);
    ctx.set_verify_mode(tlsio::verify_peer);
    ctx.set_alpn_protocols({"h2", "http/1.1"});
    ctx.set_random_source(deterministic_random);
    ctx.set_clock(fixed_clock);
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

/// Key (32 bytes, of which an AEAD takes what it needs) and IV (12 bytes)
/// of the record-layer target's epoch `n`, shared with make_seeds.
inline std::array<std::uint8_t, 44> fuzz_record_key(int n) {
    std::array<std::uint8_t, 44> k{};
    for (std::size_t i = 0; i < k.size(); ++i) {
        k[i] = static_cast<std::uint8_t>(n * 31 + i);
    }
    return k;
}

/// After the handshake: reads what the input still holds (application data,
/// KeyUpdate, NewSessionTicket, alerts), answering as the engine asks, then
/// writes and shuts down, dropping the output. Bounded like drive().
inline void run_application(tlsio::engine& e) {
    std::uint8_t buffer[1024];
    for (int i = 0; i < 64; ++i) {
        std::size_t n = 0;
        tlsio::status s = e.read(buffer, n);
        e.consume_output(e.output().size());
        if (s != tlsio::status::done && s != tlsio::status::want_write) {
            break;
        }
    }
    static const std::uint8_t reply[] = {'o', 'k'};
    std::size_t written = 0;
    e.write(reply, written);
    e.shutdown();
    e.consume_output(e.output().size());
}

// ---- The C facade (fuzz_c_api and its seeds) ------------------------------------

/// A C facade context for `role` (1 client, 2 server), configured like the
/// engine contexts above (same credential, ALPN, random source and clock), so
/// that a conversation recorded against it replays.
inline TLSIO_CTX* make_c_context(int role) {
    TLSIO_CTX* ctx = tlsio_CTX_new(role == 1 ? tlsio_client_method() : tlsio_server_method());
    check(ctx != nullptr, "tlsio_CTX_new");
    const credential& c = shared_credential();
    if (role == 1) {
        check(
            tlsio_CTX_load_verify_mem(ctx, c.certificate_pem.data(), c.certificate_pem.size()) == 1,
            "tlsio_CTX_load_verify_mem");
        tlsio_CTX_set_verify(ctx, TLSIO_VERIFY_PEER, nullptr);
        static const unsigned char alpn[] = {2,   'h', '2', 8,   'h', 't',
                                             't', 'p', '/', '1', '.', '1'};
        check(tlsio_CTX_set_alpn_protos(ctx, alpn, sizeof alpn) == 0, "tlsio_CTX_set_alpn_protos");
    } else {
        check(tlsio_CTX_use_certificate_chain_mem(ctx, c.certificate_pem.data(),
                                                  c.certificate_pem.size()) == 1,
              "tlsio_CTX_use_certificate_chain_mem");
        check(tlsio_CTX_use_PrivateKey_mem(ctx, c.private_key_pem.data(),
                                           c.private_key_pem.size()) == 1,
              "tlsio_CTX_use_PrivateKey_mem");
    }
    ctx->context.set_random_source(deterministic_random);
    ctx->context.set_clock(fixed_clock);
    return ctx;
}

/// One connection of the C facade over a BIO pair: the SSL holds one end,
/// the fuzzer (or make_seeds) plays the peer on `peer`.
struct c_connection {
    TLSIO* ssl = nullptr;
    BIO* peer = nullptr;

    c_connection(TLSIO_CTX* ctx, int role) {
        ssl = tlsio_new(ctx);
        check(ssl != nullptr, "tlsio_new");
        BIO* ours = nullptr;
        check(BIO_new_bio_pair(&ours, 0, &peer, 0) == 1, "BIO_new_bio_pair");
        tlsio_set_bio(ssl, ours, ours);
        if (role == 1) {
            check(tlsio_set1_host(ssl, "localhost") == 1, "tlsio_set1_host");
            check(tlsio_set_tlsext_host_name(ssl, "localhost") == 1, "tlsio_set_tlsext_host_name");
            tlsio_set_connect_state(ssl);
        } else {
            tlsio_set_accept_state(ssl);
        }
    }
    c_connection(const c_connection&) = delete;
    c_connection& operator=(const c_connection&) = delete;
    ~c_connection() {
        tlsio_free(ssl);
        BIO_free(peer);
    }

    /// Runs the SSL as far as it goes: the handshake, then reads.
    void step() {
        if (!tlsio_is_init_finished(ssl) && tlsio_do_handshake(ssl) != 1) {
            return;
        }
        char buffer[1024];
        for (int i = 0; i < 64 && tlsio_read(ssl, buffer, sizeof buffer) > 0; ++i) {
        }
    }

    /// What the SSL wrote for the peer since the last call.
    std::string take_output() {
        std::string out;
        char buffer[4096];
        for (;;) {
            int n = BIO_read(peer, buffer, sizeof buffer);
            if (n <= 0) {
                return out;
            }
            out.append(buffer, static_cast<std::size_t>(n));
        }
    }

    /// Gives the SSL the peer's bytes; when the pair's buffer is full, lets
    /// the SSL read some first. False when the SSL stopped taking them.
    bool deliver(std::span<const std::uint8_t> data) {
        for (int stalls = 0; !data.empty();) {
            int n = BIO_write(peer, data.data(),
                              static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20)));
            if (n > 0) {
                data = data.subspan(static_cast<std::size_t>(n));
                stalls = 0;
                continue;
            }
            if (++stalls > 2) {
                return false;
            }
            step();
            take_output();
        }
        return true;
    }
};

}  // namespace tlsio_fuzz

#endif
