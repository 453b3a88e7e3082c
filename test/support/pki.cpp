#include "support/pki.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace tlsio::test {

namespace {

// Test support fails loudly: a broken PKI would make every test meaningless.
[[noreturn]] void fail(const std::string& what) {
    char buf[256] = {};
    ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
    throw std::runtime_error("test pki: " + what + ": " + buf);
}

std::shared_ptr<EVP_PKEY> wrap(EVP_PKEY* p) {
    if (p == nullptr) {
        fail("key generation failed");
    }
    return {p, EVP_PKEY_free};
}

std::shared_ptr<X509> wrap(X509* p) {
    if (p == nullptr) {
        fail("certificate allocation failed");
    }
    return {p, X509_free};
}

std::shared_ptr<EVP_PKEY> generate_fresh(key_type k) {
    switch (k) {
        case key_type::rsa2048:
            return wrap(EVP_RSA_gen(2048u));
        case key_type::p256:
            return wrap(EVP_EC_gen("P-256"));
        case key_type::p384:
            return wrap(EVP_EC_gen("P-384"));
        case key_type::ed25519:
            return wrap(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        case key_type::p521:
            return wrap(EVP_EC_gen("P-521"));
    }
    fail("unknown key type");
}

// RSA-2048 generation takes 50-500 ms; a handful of keys, handed out in turn,
// is enough for any test (a CA and its leaf still get different keys).
std::shared_ptr<EVP_PKEY> pooled_rsa_key() {
    static std::mutex mutex;
    static std::array<std::shared_ptr<EVP_PKEY>, 3> pool;
    static std::size_t next = 0;
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = pool[next];
    next = (next + 1) % pool.size();
    if (!slot) {
        slot = generate_fresh(key_type::rsa2048);
    }
    return slot;
}

std::string bio_to_string(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

struct bio_deleter {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

bio_ptr mem_bio() {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio) {
        fail("BIO_new");
    }
    return bio;
}

std::time_t to_time_t(std::chrono::system_clock::time_point t) {
    return std::chrono::system_clock::to_time_t(t);
}

// The digest used for certificate signatures; Ed25519 signs without one.
const EVP_MD* cert_digest(const private_key& signer) {
    switch (signer.type()) {
        case key_type::ed25519:
            return nullptr;
        case key_type::p384:
            return EVP_sha384();
        case key_type::p521:
            return EVP_sha512();
        default:
            return EVP_sha256();
    }
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) {
        fail("extension " + std::to_string(nid) + "=" + value);
    }
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) {
        fail("X509_add_ext");
    }
}

void set_name(X509_NAME* name, const std::string& common_name) {
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("tlsio tests"), -1, -1,
                                   0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) != 1) {
        fail("X509_NAME_add_entry_by_txt");
    }
}

// A certificate with the fields every certificate here shares: v3, a random
// positive serial, subject, issuer name, validity, public key, SKI.
std::shared_ptr<X509> new_cert(const std::string& common_name, const private_key& subject_key,
                               X509* issuer, std::chrono::system_clock::time_point not_before,
                               std::chrono::system_clock::time_point not_after) {
    auto cert = wrap(X509_new());
    X509* x = cert.get();
    if (X509_set_version(x, X509_VERSION_3) != 1) {
        fail("X509_set_version");
    }
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof(serial)) != 1) {
        fail("RAND_bytes");
    }
    serial[0] &= 0x7f;  // positive
    serial[0] |= 0x01;  // and no leading zero byte
    BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
    if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == nullptr) {
        BN_free(bn);
        fail("serial");
    }
    BN_free(bn);
    set_name(X509_get_subject_name(x), common_name);
    if (X509_set_issuer_name(
            x, issuer != nullptr ? X509_get_subject_name(issuer) : X509_get_subject_name(x)) != 1) {
        fail("X509_set_issuer_name");
    }
    if (ASN1_TIME_set(X509_getm_notBefore(x), to_time_t(not_before)) == nullptr ||
        ASN1_TIME_set(X509_getm_notAfter(x), to_time_t(not_after)) == nullptr) {
        fail("validity");
    }
    if (X509_set_pubkey(x, subject_key.native()) != 1) {
        fail("X509_set_pubkey");
    }
    add_extension(x, issuer != nullptr ? issuer : x, NID_subject_key_identifier, "hash");
    if (issuer != nullptr) {
        add_extension(x, issuer, NID_authority_key_identifier, "keyid:always");
    }
    return cert;
}

void sign_cert(X509* cert, const private_key& signer, const std::string& digest = {}) {
    const EVP_MD* md = digest.empty() ? cert_digest(signer) : EVP_get_digestbyname(digest.c_str());
    if ((!digest.empty() && md == nullptr) || X509_sign(cert, signer.native(), md) <= 0) {
        fail("X509_sign with " + (digest.empty() ? std::string("the default digest") : digest));
    }
}

const EVP_MD* scheme_digest(signature_scheme s) {
    switch (s) {
        case signature_scheme::ecdsa_secp256r1_sha256:
        case signature_scheme::rsa_pss_rsae_sha256:
        case signature_scheme::rsa_pss_pss_sha256:
        case signature_scheme::rsa_pkcs1_sha256:
            return EVP_sha256();
        case signature_scheme::ecdsa_secp384r1_sha384:
        case signature_scheme::rsa_pss_rsae_sha384:
        case signature_scheme::rsa_pss_pss_sha384:
        case signature_scheme::rsa_pkcs1_sha384:
            return EVP_sha384();
        case signature_scheme::ecdsa_secp521r1_sha512:
        case signature_scheme::rsa_pss_rsae_sha512:
        case signature_scheme::rsa_pss_pss_sha512:
        case signature_scheme::rsa_pkcs1_sha512:
            return EVP_sha512();
        case signature_scheme::ed25519:
            return nullptr;
    }
    return nullptr;
}

bool is_pss(signature_scheme s) {
    switch (s) {
        case signature_scheme::rsa_pss_rsae_sha256:
        case signature_scheme::rsa_pss_rsae_sha384:
        case signature_scheme::rsa_pss_rsae_sha512:
        case signature_scheme::rsa_pss_pss_sha256:
        case signature_scheme::rsa_pss_pss_sha384:
        case signature_scheme::rsa_pss_pss_sha512:
            return true;
        default:
            return false;
    }
}

struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

// Sets PSS padding with salt = digest length (RFC 8446 4.2.3) when needed.
bool configure_pss(EVP_PKEY_CTX* pctx, signature_scheme scheme) {
    if (!is_pss(scheme)) {
        return true;
    }
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

}  // namespace

const char* name(key_type k) noexcept {
    switch (k) {
        case key_type::rsa2048:
            return "rsa2048";
        case key_type::p256:
            return "p256";
        case key_type::p384:
            return "p384";
        case key_type::ed25519:
            return "ed25519";
        case key_type::p521:
            return "p521";
    }
    return "?";
}

private_key private_key::generate(key_type k) {
    private_key key;
    key.type_ = k;
    key.key_ = k == key_type::rsa2048 ? pooled_rsa_key() : generate_fresh(k);
    return key;
}

private_key private_key::generate_rsa(unsigned bits) {
    private_key key;
    key.type_ = key_type::rsa2048;
    key.key_ = wrap(EVP_RSA_gen(bits));
    return key;
}

std::string private_key::pem() const {
    auto bio = mem_bio();
    if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                      nullptr) != 1) {
        fail("PEM_write_bio_PKCS8PrivateKey");
    }
    return bio_to_string(bio.get());
}

std::string to_pem(X509* cert) {
    auto bio = mem_bio();
    if (PEM_write_bio_X509(bio.get(), cert) != 1) {
        fail("PEM_write_bio_X509");
    }
    return bio_to_string(bio.get());
}

bytes to_der(X509* cert) {
    int len = i2d_X509(cert, nullptr);
    if (len <= 0) {
        fail("i2d_X509");
    }
    bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
    return der;
}

authority authority::make_root(const std::string& common_name, key_type k) {
    authority ca;
    ca.key_ = private_key::generate(k);
    auto now = std::chrono::system_clock::now();
    ca.cert_ = new_cert(common_name, ca.key_, nullptr, now - std::chrono::hours(24 * 365),
                        now + std::chrono::hours(24 * 365 * 10));
    add_extension(ca.cert_.get(), ca.cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca.cert_.get(), ca.cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    sign_cert(ca.cert_.get(), ca.key_);
    ca.root_pem_ = to_pem(ca.cert_.get());
    return ca;
}

authority authority::make_intermediate(const std::string& common_name, key_type k) const {
    authority ca;
    ca.key_ = private_key::generate(k);
    auto now = std::chrono::system_clock::now();
    ca.cert_ = new_cert(common_name, ca.key_, cert_.get(), now - std::chrono::hours(24 * 300),
                        now + std::chrono::hours(24 * 365 * 5));
    add_extension(ca.cert_.get(), cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca.cert_.get(), cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    sign_cert(ca.cert_.get(), key_);
    ca.root_pem_ = root_pem_;
    ca.chain_above_pem_ = to_pem(ca.cert_.get()) + chain_above_pem_;
    ca.chain_above_der_.push_back(to_der(ca.cert_.get()));
    ca.chain_above_der_.insert(ca.chain_above_der_.end(), chain_above_der_.begin(),
                               chain_above_der_.end());
    return ca;
}

issued authority::issue(const leaf_options& options) const {
    issued out;
    out.key = options.rsa_bits != 0 ? private_key::generate_rsa(options.rsa_bits)
                                    : private_key::generate(options.key);
    out.leaf =
        new_cert(options.common_name, out.key, cert_.get(), options.not_before, options.not_after);
    X509* x = out.leaf.get();
    add_extension(x, cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
    switch (options.usage) {
        case key_usage::digital_signature:
            add_extension(x, cert_.get(), NID_key_usage, "critical,digitalSignature");
            break;
        case key_usage::key_encipherment:
            add_extension(x, cert_.get(), NID_key_usage, "critical,keyEncipherment");
            break;
        case key_usage::absent:
            break;
    }
    std::string eku;
    if (options.server_auth) {
        eku = "serverAuth";
    }
    if (options.client_auth) {
        eku += eku.empty() ? "clientAuth" : ",clientAuth";
    }
    if (!eku.empty()) {
        add_extension(x, cert_.get(), NID_ext_key_usage, eku);
    }
    std::string san;
    for (const auto& dns : options.dns_names) {
        san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    }
    for (const auto& ip : options.ip_addresses) {
        san += (san.empty() ? "IP:" : ",IP:") + ip;
    }
    if (!san.empty()) {
        add_extension(x, cert_.get(), NID_subject_alt_name, san);
    }
    sign_cert(x, key_, options.signature_digest);

    out.leaf_pem = to_pem(x);
    out.key_pem = out.key.pem();
    // The chain a server sends: leaf, then every CA below the root. A root CA
    // issuing directly contributes nothing; an intermediate contributes itself.
    out.chain_pem = out.leaf_pem + chain_above_pem_;
    out.chain_der.push_back(to_der(x));
    out.chain_der.insert(out.chain_der.end(), chain_above_der_.begin(), chain_above_der_.end());
    out.ca_pem = root_pem_;
    return out;
}

std::string authority::cert_pem() const {
    return to_pem(cert_.get());
}

temp_files issued::write_files() const {
    temp_files files;
    std::string pattern = (std::filesystem::temp_directory_path() / "tlsio-pki-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("test pki: mkdtemp failed");
    }
    files.directory = pattern;
    files.chain_path = files.directory + "/chain.pem";
    files.key_path = files.directory + "/key.pem";
    files.ca_path = files.directory + "/ca.pem";
    auto write = [](const std::string& path, const std::string& text) {
        std::ofstream out(path, std::ios::binary);
        out << text;
        if (!out) {
            throw std::runtime_error("test pki: cannot write " + path);
        }
    };
    write(files.chain_path, chain_pem);
    write(files.key_path, key_pem);
    write(files.ca_path, ca_pem);
    std::string dir = files.directory;
    files.cleanup_ = std::shared_ptr<void>(nullptr, [dir](void*) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    });
    return files;
}

bytes sign(const private_key& key, signature_scheme scheme, std::span<const std::uint8_t> message) {
    std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx ||
        EVP_DigestSignInit(ctx.get(), &pctx, scheme_digest(scheme), nullptr, key.native()) != 1 ||
        !configure_pss(pctx, scheme)) {
        return {};
    }
    std::size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
        return {};
    }
    bytes signature(len);
    if (EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(), message.size()) != 1) {
        return {};
    }
    signature.resize(len);
    return signature;
}

bool verify_signature(X509* cert, signature_scheme scheme, std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature) {
    EVP_PKEY* pub = X509_get0_pubkey(cert);
    std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (pub == nullptr || !ctx ||
        EVP_DigestVerifyInit(ctx.get(), &pctx, scheme_digest(scheme), nullptr, pub) != 1 ||
        !configure_pss(pctx, scheme)) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                            message.size()) == 1;
}

}  // namespace tlsio::test
