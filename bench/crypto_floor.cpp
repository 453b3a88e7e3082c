#include "crypto_floor.hpp"

#include "scenarios.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace bench {
namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("crypto floor: ") + what + " failed");
    }
}

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using pctx_ptr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

// Sizes of the handshake messages (bodies + 4-byte headers) the transcript
// hashes and the records protect, as one such handshake has them.
constexpr std::size_t client_hello = 250;
constexpr std::size_t server_hello = 94;
constexpr std::size_t encrypted_extensions = 10;
constexpr std::size_t certificate_verify = 80;
constexpr std::size_t finished = 36;

}  // namespace

struct crypto_floor::state {
    EVP_MD* sha256 = nullptr;
    EVP_CIPHER* aes_gcm = nullptr;
    EVP_MD_CTX* md = nullptr;
    EVP_MD_CTX* md2 = nullptr;
    EVP_CIPHER_CTX* cipher = nullptr;
    pctx_ptr keygen{nullptr, EVP_PKEY_CTX_free};
    pkey_ptr own{nullptr, EVP_PKEY_free};
    std::array<std::uint8_t, 32> peer_public{};
    pctx_ptr signer{nullptr, EVP_PKEY_CTX_free};
    pctx_ptr verifier{nullptr, EVP_PKEY_CTX_free};
    std::array<std::uint8_t, 32> digest{};
    std::vector<std::uint8_t> signature;
    std::size_t certificate_message = 0;

    ~state() {
        EVP_MD_free(sha256);
        EVP_CIPHER_free(aes_gcm);
        EVP_MD_CTX_free(md);
        EVP_MD_CTX_free(md2);
        EVP_CIPHER_CTX_free(cipher);
    }

    // HMAC-SHA256 over the digest contexts (what a TLS 1.3 key schedule step
    // costs with nothing cached beyond the fetched algorithm).
    void hmac(const std::uint8_t* key, std::size_t key_len, const std::uint8_t* data,
              std::size_t len, std::uint8_t* out) {
        std::uint8_t pad[64] = {};
        std::memcpy(pad, key, key_len);
        for (auto& b : pad) {
            b ^= 0x36;
        }
        std::uint8_t inner[32];
        bool ok = EVP_DigestInit_ex2(md, sha256, nullptr) == 1 &&
                  EVP_DigestUpdate(md, pad, sizeof(pad)) == 1 &&
                  EVP_DigestUpdate(md, data, len) == 1 &&
                  EVP_DigestFinal_ex(md, inner, nullptr) == 1;
        for (auto& b : pad) {
            b ^= 0x36 ^ 0x5c;
        }
        ok = ok && EVP_DigestInit_ex2(md, sha256, nullptr) == 1 &&
             EVP_DigestUpdate(md, pad, sizeof(pad)) == 1 &&
             EVP_DigestUpdate(md, inner, sizeof(inner)) == 1 &&
             EVP_DigestFinal_ex(md, out, nullptr) == 1;
        require(ok, "hmac");
    }
};

crypto_floor::crypto_floor(const credential& cred) : s_(std::make_unique<state>()) {
    state& s = *s_;
    s.sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    s.aes_gcm = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    s.md = EVP_MD_CTX_new();
    s.md2 = EVP_MD_CTX_new();
    s.cipher = EVP_CIPHER_CTX_new();
    require(s.sha256 && s.aes_gcm && s.md && s.md2 && s.cipher, "fetch");

    s.keygen.reset(EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr));
    require(s.keygen && EVP_PKEY_keygen_init(s.keygen.get()) == 1, "x25519 keygen init");
    EVP_PKEY* k = nullptr;
    require(EVP_PKEY_keygen(s.keygen.get(), &k) == 1, "x25519 keygen");
    s.own.reset(k);
    k = nullptr;
    require(EVP_PKEY_keygen(s.keygen.get(), &k) == 1, "x25519 keygen");
    std::size_t len = s.peer_public.size();
    require(EVP_PKEY_get_raw_public_key(k, s.peer_public.data(), &len) == 1, "x25519 public");
    EVP_PKEY_free(k);

    // CertificateVerify: ECDSA over SHA-256 of 64 spaces, the context string,
    // a zero byte and the transcript hash.
    std::vector<std::uint8_t> content(64, 0x20);
    const char* label = "TLS 1.3, server CertificateVerify";
    content.insert(content.end(), label, label + std::strlen(label) + 1);
    content.resize(content.size() + 32, 0xab);
    unsigned int dlen = 0;
    require(
        EVP_Digest(content.data(), content.size(), s.digest.data(), &dlen, s.sha256, nullptr) == 1,
        "digest");
    s.signer.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, cred.leaf_key.get(), nullptr));
    require(s.signer && EVP_PKEY_sign_init(s.signer.get()) == 1 &&
                EVP_PKEY_CTX_set_signature_md(s.signer.get(), s.sha256) == 1,
            "sign init");
    std::size_t sig_len = 0;
    require(EVP_PKEY_sign(s.signer.get(), nullptr, &sig_len, s.digest.data(), 32) == 1, "sign");
    s.signature.resize(sig_len);
    require(EVP_PKEY_sign(s.signer.get(), s.signature.data(), &sig_len, s.digest.data(), 32) == 1,
            "sign");
    s.signature.resize(sig_len);
    // The client holds the leaf's public key already decoded (from a cache).
    s.verifier.reset(
        EVP_PKEY_CTX_new_from_pkey(nullptr, X509_get0_pubkey(cred.leaf.get()), nullptr));
    require(s.verifier && EVP_PKEY_verify_init(s.verifier.get()) == 1 &&
                EVP_PKEY_CTX_set_signature_md(s.verifier.get(), s.sha256) == 1,
            "verify init");
    int der = i2d_X509(cred.leaf.get(), nullptr);
    require(der > 0, "i2d_X509");
    // Certificate message: context, list length, entry length, DER, no extensions.
    s.certificate_message = 4 + 1 + 3 + 3 + static_cast<std::size_t>(der) + 2;
}

crypto_floor::~crypto_floor() = default;

floor_breakdown crypto_floor::measure(int iterations) {
    state& s = *s_;
    floor_breakdown out;
    auto time = [&](const char* name, int per_handshake, auto&& op) {
        stopwatch sw;
        for (int i = 0; i < iterations; ++i) {
            op();
        }
        out.parts.push_back({name, sw.cpu() * 1e6 / iterations, per_handshake});
    };

    time("x25519 keygen", 2, [&] {
        EVP_PKEY* k = nullptr;
        std::uint8_t pub[32];
        std::size_t len = sizeof(pub);
        require(EVP_PKEY_keygen(s.keygen.get(), &k) == 1 &&
                    EVP_PKEY_get_raw_public_key(k, pub, &len) == 1,
                "x25519 keygen");
        EVP_PKEY_free(k);
    });
    time("x25519 derive", 2, [&] {
        pkey_ptr peer(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr,
                                                     s.peer_public.data(), s.peer_public.size()),
                      EVP_PKEY_free);
        pctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, s.own.get(), nullptr), EVP_PKEY_CTX_free);
        std::uint8_t secret[32];
        std::size_t len = sizeof(secret);
        require(peer && ctx && EVP_PKEY_derive_init(ctx.get()) == 1 &&
                    EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) == 1 &&
                    EVP_PKEY_derive(ctx.get(), secret, &len) == 1,
                "x25519 derive");
    });
    time("ecdsa p256 sign", 1, [&] {
        std::uint8_t sig[80];
        std::size_t len = sizeof(sig);
        require(EVP_PKEY_sign(s.signer.get(), sig, &len, s.digest.data(), 32) == 1, "sign");
    });
    // CertificateVerify and the leaf's signature by the CA.
    time("ecdsa p256 verify", 2, [&] {
        require(EVP_PKEY_verify(s.verifier.get(), s.signature.data(), s.signature.size(),
                                s.digest.data(), 32) == 1,
                "verify");
    });
    // Each side: the messages once through SHA-256, with a snapshot of the
    // running hash at each of the 6 points TLS 1.3 needs one.
    const std::size_t messages[] = {
        client_hello, server_hello, encrypted_extensions, s.certificate_message, certificate_verify,
        finished,     finished};
    std::vector<std::uint8_t> bytes(4096, 0x42);
    time("transcript sha256", 2, [&] {
        std::uint8_t h[32];
        bool ok = EVP_DigestInit_ex2(s.md2, s.sha256, nullptr) == 1;
        int snapshot = 0;
        for (std::size_t m : messages) {
            ok = ok && EVP_DigestUpdate(s.md2, bytes.data(), m) == 1;
            if (snapshot++ < 6) {
                ok = ok && EVP_MD_CTX_copy_ex(s.md, s.md2) == 1 &&
                     EVP_DigestFinal_ex(s.md, h, nullptr) == 1;
            }
        }
        require(ok, "transcript");
    });
    // Each side: 3 extracts, 2 "derived", 2 handshake + 3 application
    // secrets, key and iv for 4 traffic secrets, 2 finished keys, 2 Finished
    // MACs: 22 HMACs. (The empty-transcript hash is a constant.)
    time("hkdf (22 hmac-sha256)", 2, [&] {
        std::uint8_t secret[32] = {};
        std::uint8_t info[64] = {};
        for (int i = 0; i < 22; ++i) {
            s.hmac(secret, sizeof(secret), info, 50, secret);
        }
    });
    // Each side: 4 keys set (2 handshake, 2 application); the server flight
    // (EncryptedExtensions..Finished), the client Finished and 1 byte each
    // way, sealed by one end and opened by the other.
    const std::size_t records[] = {
        encrypted_extensions + s.certificate_message + certificate_verify + finished + 1,
        finished + 1, 2, 2};
    time("aes-128-gcm keys + records", 2, [&] {
        std::uint8_t key[16] = {};
        std::uint8_t iv[12] = {};
        std::uint8_t tag[16];
        int n = 0;
        bool ok = true;
        for (int k = 0; k < 2; ++k) {
            ok = ok && EVP_EncryptInit_ex2(s.cipher, s.aes_gcm, key, iv, nullptr) == 1;
        }
        for (std::size_t r : records) {
            ok = ok && EVP_EncryptInit_ex2(s.cipher, nullptr, nullptr, iv, nullptr) == 1 &&
                 EVP_EncryptUpdate(s.cipher, nullptr, &n, bytes.data(), 5) == 1 &&
                 EVP_EncryptUpdate(s.cipher, bytes.data(), &n, bytes.data(), static_cast<int>(r)) ==
                     1 &&
                 EVP_EncryptFinal_ex(s.cipher, tag, &n) == 1 &&
                 EVP_CIPHER_CTX_ctrl(s.cipher, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
        }
        for (int k = 0; k < 2; ++k) {
            ok = ok && EVP_EncryptInit_ex2(s.cipher, s.aes_gcm, key, iv, nullptr) == 1;
        }
        require(ok, "aead");
    });
    time("random (randoms, session id)", 1, [&] {
        std::uint8_t r[32];
        require(RAND_bytes(r, 32) == 1 && RAND_bytes(r, 32) == 1 && RAND_bytes(r, 32) == 1,
                "random");
    });
    return out;
}

double crypto_floor::aead_record_us(std::size_t plaintext, int iterations, bool tls12) {
    state& s = *s_;
    EVP_CIPHER_CTX* open = EVP_CIPHER_CTX_new();
    require(open != nullptr, "cipher context");
    std::uint8_t key[16] = {1};
    std::uint8_t iv[12] = {2};
    // TLS 1.3: the record header; TLS 1.2: sequence number, type, version, length.
    std::uint8_t aad[13] = {0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, 0, 0};
    const std::uint8_t* header = tls12 ? aad : aad + 8;
    const int header_len = tls12 ? 13 : 5;
    // TLS 1.3 seals the content type byte after the plaintext.
    const std::size_t sealed = tls12 ? plaintext : plaintext + 1;
    std::vector<std::uint8_t> record(sealed + 16, 0x17);
    std::vector<std::uint8_t> plain(sealed);
    bool ok = EVP_EncryptInit_ex2(s.cipher, s.aes_gcm, key, iv, nullptr) == 1 &&
              EVP_DecryptInit_ex2(open, s.aes_gcm, key, iv, nullptr) == 1;
    int len = static_cast<int>(sealed);
    stopwatch sw;
    for (int i = 0; i < iterations && ok; ++i) {
        int n = 0;
        std::uint8_t* tag = record.data() + len;
        // Seal, with a 16-byte tag.
        ok = EVP_EncryptInit_ex2(s.cipher, nullptr, nullptr, iv, nullptr) == 1 &&
             EVP_EncryptUpdate(s.cipher, nullptr, &n, header, header_len) == 1 &&
             EVP_EncryptUpdate(s.cipher, record.data(), &n, plain.data(), len) == 1 &&
             EVP_EncryptFinal_ex(s.cipher, record.data() + n, &n) == 1 &&
             EVP_CIPHER_CTX_ctrl(s.cipher, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
        // Open it in place, checking the tag.
        ok = ok && EVP_DecryptInit_ex2(open, nullptr, nullptr, iv, nullptr) == 1 &&
             EVP_DecryptUpdate(open, nullptr, &n, header, header_len) == 1 &&
             EVP_DecryptUpdate(open, record.data(), &n, record.data(), len) == 1 &&
             EVP_CIPHER_CTX_ctrl(open, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1 &&
             EVP_DecryptFinal_ex(open, record.data() + n, &n) == 1;
        // The next record is sealed from fresh plaintext again.
        if (ok) {
            ok = EVP_EncryptInit_ex2(s.cipher, nullptr, nullptr, iv, nullptr) == 1;
        }
    }
    double us = sw.cpu() * 1e6 / iterations;
    EVP_CIPHER_CTX_free(open);
    require(ok, "aead record");
    return us;
}

}  // namespace bench
