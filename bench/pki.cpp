#include "pki.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace bench {
namespace {

[[noreturn]] void fail(const char* what) {
    char buf[256] = {};
    ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
    throw std::runtime_error(std::string("bench pki: ") + what + ": " + buf);
}

std::shared_ptr<EVP_PKEY> generate(key_kind kind) {
    EVP_PKEY* key = kind == key_kind::p256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048u);
    if (key == nullptr) {
        fail("key generation");
    }
    return {key, EVP_PKEY_free};
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
        X509_EXTENSION_free(ext);
        fail("certificate extension");
    }
    X509_EXTENSION_free(ext);
}

// A v3 certificate for `subject_key`, signed by `issuer_key` (self-signed when
// `issuer` is null).
std::shared_ptr<X509> make_certificate(const char* common_name, EVP_PKEY* subject_key, X509* issuer,
                                       EVP_PKEY* issuer_key, bool is_ca) {
    std::shared_ptr<X509> cert(X509_new(), X509_free);
    if (!cert) {
        fail("X509_new");
    }
    X509* c = cert.get();
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof(serial)) != 1) {
        fail("RAND_bytes");
    }
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
    ASN1_INTEGER* sn = BN_to_ASN1_INTEGER(bn, nullptr);
    BN_free(bn);
    bool ok = X509_set_version(c, 2) == 1 && sn != nullptr && X509_set_serialNumber(c, sn) == 1;
    ASN1_INTEGER_free(sn);
    X509_NAME* name = X509_get_subject_name(c);
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                          reinterpret_cast<const unsigned char*>(common_name), -1,
                                          -1, 0) == 1;
    ok = ok && X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(c), -24L * 3600) != nullptr &&
         X509_gmtime_adj(X509_getm_notAfter(c), 30L * 24 * 3600) != nullptr;
    ok = ok && X509_set_pubkey(c, subject_key) == 1;
    if (!ok) {
        fail("certificate fields");
    }
    X509* issuer_cert = issuer ? issuer : c;
    if (is_ca) {
        add_extension(c, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(c, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_extension(c, issuer_cert, NID_subject_key_identifier, "hash");
    } else {
        add_extension(c, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(c, issuer_cert, NID_key_usage, "critical,digitalSignature");
        add_extension(c, issuer_cert, NID_ext_key_usage, "serverAuth");
        add_extension(c, issuer_cert, NID_subject_alt_name, "DNS:localhost");
        add_extension(c, issuer_cert, NID_authority_key_identifier, "keyid:always");
    }
    if (X509_sign(c, issuer_key, EVP_sha256()) <= 0) {
        fail("X509_sign");
    }
    return cert;
}

std::string read_bio(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

std::string cert_pem(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr || PEM_write_bio_X509(bio, cert) != 1) {
        fail("PEM_write_bio_X509");
    }
    return read_bio(bio);
}

std::string key_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr ||
        PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail("PEM_write_bio_PrivateKey");
    }
    return read_bio(bio);
}

}  // namespace

credential make_credential(key_kind kind) {
    credential c;
    c.kind = kind;
    c.ca_key = generate(kind);
    c.leaf_key = generate(kind);
    c.ca = make_certificate("tlsio bench CA", c.ca_key.get(), nullptr, c.ca_key.get(), true);
    c.leaf = make_certificate("localhost", c.leaf_key.get(), c.ca.get(), c.ca_key.get(), false);
    c.chain_pem = cert_pem(c.leaf.get());
    c.key_pem = key_pem(c.leaf_key.get());
    c.ca_pem = cert_pem(c.ca.get());
    return c;
}

}  // namespace bench
