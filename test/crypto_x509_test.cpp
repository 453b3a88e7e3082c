// The crypto layer with keys and certificates made here by libcrypto: path
// validation and its error mapping, signatures for every scheme, key loading,
// and known answers for hashes, HMAC, HKDF, AEAD and key exchange.
#define BOOST_TEST_MODULE crypto_x509
#include <boost/test/unit_test.hpp>

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/kx.hpp"
#include "crypto/sig.hpp"
#include "crypto/x509.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::crypto;

namespace {

bytes unhex(std::string_view hex) {
    auto nibble = [](char c) {
        return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    };
    bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    return out;
}

bytes text(std::string_view s) {
    return bytes(s.begin(), s.end());
}

struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct bio_free {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;

pkey_ptr make_key(const char* kind) {
    EVP_PKEY* k = nullptr;
    if (std::string_view(kind) == "RSA-PSS") {
        // EVP_PKEY_Q_keygen takes a size only for "RSA".
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, kind, nullptr);
        if (ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 &&
            EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1) {
            EVP_PKEY_keygen(ctx, &k);
        }
        EVP_PKEY_CTX_free(ctx);
    } else if (std::string_view(kind) == "RSA") {
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, kind, static_cast<std::size_t>(2048));
    } else if (std::string_view(kind) == "P-256" || std::string_view(kind) == "P-384") {
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kind);
    } else {
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, kind);
    }
    BOOST_REQUIRE_MESSAGE(k != nullptr, "keygen " << kind);
    return pkey_ptr(k);
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
}

// What a test certificate looks like. Times are seconds from now.
struct cert_spec {
    explicit cert_spec(std::string name) : cn(std::move(name)) {}
    cert_spec& validity(long from, long to) {
        not_before = from;
        not_after = to;
        return *this;
    }
    cert_spec& as_ca() {
        ca = true;
        return *this;
    }
    cert_spec& with_san(std::string v) {
        san = std::move(v);
        return *this;
    }
    cert_spec& with_key_usage(std::string v) {
        key_usage = std::move(v);
        return *this;
    }
    cert_spec& with_eku(std::string v) {
        eku = std::move(v);
        return *this;
    }

    std::string cn;
    long not_before = -86400;
    long not_after = 30 * 86400;
    bool ca = false;
    std::string san;        // e.g. "DNS:example.test,IP:127.0.0.1"
    std::string key_usage;  // e.g. "critical,digitalSignature"
    std::string eku;        // e.g. "clientAuth"
};

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    if (value.empty()) {
        return;
    }
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    BOOST_REQUIRE_MESSAGE(ext != nullptr, "extension " << value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// Issued by (issuer, issuer_key), or self-signed when issuer is null.
x509_ptr make_cert(const cert_spec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
    static long serial = 1;
    x509_ptr cert(X509_new());
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("tlsio test"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1, 0);
    X509* signer = issuer == nullptr ? cert.get() : issuer;
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    X509_set_pubkey(cert.get(), key);
    add_ext(cert.get(), signer, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "");
    add_ext(cert.get(), signer, NID_key_usage,
            spec.ca ? "critical,keyCertSign,cRLSign" : spec.key_usage);
    add_ext(cert.get(), signer, NID_subject_alt_name, spec.san);
    add_ext(cert.get(), signer, NID_ext_key_usage, spec.eku);
    BOOST_REQUIRE(X509_sign(cert.get(), issuer_key == nullptr ? key : issuer_key, EVP_sha256()) >
                  0);
    return cert;
}

certificate to_certificate(X509* x) {
    unsigned char* der = nullptr;
    const int n = i2d_X509(x, &der);
    BOOST_REQUIRE(n > 0);
    auto c = certificate::from_der(byte_view(der, static_cast<std::size_t>(n)));
    OPENSSL_free(der);
    BOOST_REQUIRE(c.has_value());
    return *c;
}

std::string to_pem(X509* x) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), x);
    return bio_text(bio.get());
}

// A small PKI: root CA -> intermediate -> leaves, plus an unrelated root.
struct pki {
    pkey_ptr ca_key = make_key("P-256");
    x509_ptr ca = make_cert(cert_spec("Test Root").as_ca(), ca_key.get(), nullptr, nullptr);
    pkey_ptr other_ca_key = make_key("P-256");
    x509_ptr other_ca =
        make_cert(cert_spec("Unknown Root").as_ca(), other_ca_key.get(), nullptr, nullptr);
    pkey_ptr inter_key = make_key("P-256");
    x509_ptr inter =
        make_cert(cert_spec("Test Intermediate").as_ca(), inter_key.get(), ca.get(), ca_key.get());
    pkey_ptr leaf_key = make_key("P-256");

    x509_ptr leaf(cert_spec spec, X509* issuer, EVP_PKEY* issuer_key) {
        if (spec.san.empty()) {
            spec.san = "DNS:example.test,IP:127.0.0.1";
        }
        if (spec.key_usage.empty()) {
            spec.key_usage = "critical,digitalSignature";
        }
        return make_cert(spec, leaf_key.get(), issuer, issuer_key);
    }
    x509_ptr leaf(cert_spec spec) { return leaf(std::move(spec), ca.get(), ca_key.get()); }

    trust_store store() {
        trust_store s;
        BOOST_REQUIRE(s.add_pem(to_pem(ca.get())));
        return s;
    }
};

pki& test_pki() {
    static pki p;
    return p;
}

verify_result verify(const trust_store* store, const std::vector<certificate>& chain,
                     std::string_view host, peer_role role = peer_role::server,
                     const native_verify_callback* cb = nullptr) {
    verify_request req;
    req.store = store;
    req.chain = chain;
    req.role = role;
    req.host = host;
    req.now = std::chrono::system_clock::now();
    req.callback = cb;
    verify_result r = verify_chain(req);
    BOOST_TEST_MESSAGE("verify '" << host << "': " << r.error.message() << " / " << r.message
                                  << " / x509 " << r.x509_error);
    return r;
}

bool is(const boost::system::error_code& ec, error e) {
    return ec == make_error_code(e);
}

}  // namespace

// ---- certificates and path validation ------------------------------------------

BOOST_AUTO_TEST_CASE(certificate_parsing) {
    pki& p = test_pki();
    x509_ptr leaf = p.leaf(cert_spec("example.test"));
    certificate c = to_certificate(leaf.get());
    BOOST_TEST(c.subject() == "CN=example.test,O=tlsio test");
    BOOST_TEST(c.issuer() == "CN=Test Root,O=tlsio test");
    BOOST_TEST((c.key().type() == key_type::ec_p256));
    BOOST_TEST(c.key().bits() == 256);

    bytes trailing = c.der();
    trailing.push_back(0);
    BOOST_TEST(!certificate::from_der(trailing).has_value());
    bytes truncated(c.der().begin(), c.der().end() - 1);
    BOOST_TEST(!certificate::from_der(truncated).has_value());
    BOOST_TEST(!certificate::from_der({}).has_value());

    certificate copy = c;
    BOOST_TEST(copy.native() == c.native());
    BOOST_TEST(copy.der() == c.der());

    // Several certificates with a key block between them.
    bio_ptr key_pem(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(key_pem.get(), p.leaf_key.get(), nullptr, nullptr, 0, nullptr,
                             nullptr);
    const std::string pem = to_pem(leaf.get()) + bio_text(key_pem.get()) + to_pem(p.ca.get());
    const auto ders = pem_certificates_to_der(pem);
    BOOST_TEST_REQUIRE(ders.size() == 2u);
    BOOST_TEST(ders[0] == c.der());
    BOOST_TEST(pem_certificates_to_der("no pem here").empty());
    std::string broken = to_pem(leaf.get());
    broken[broken.size() / 2] = '*';
    BOOST_TEST(pem_certificates_to_der(broken).empty());
}

BOOST_AUTO_TEST_CASE(chain_ok) {
    pki& p = test_pki();
    trust_store store = p.store();
    BOOST_TEST(!store.empty());
    std::vector<certificate> chain{to_certificate(p.leaf(cert_spec("example.test")).get())};
    auto r = verify(&store, chain, "example.test");
    BOOST_TEST(!r.error);
    BOOST_TEST(r.x509_error == X509_V_OK);
    BOOST_TEST(!verify(&store, chain, "").error);
    BOOST_TEST(!verify(&store, chain, "EXAMPLE.test").error);

    // Through an intermediate sent by the peer.
    std::vector<certificate> longer{
        to_certificate(p.leaf(cert_spec("example.test"), p.inter.get(), p.inter_key.get()).get()),
        to_certificate(p.inter.get())};
    BOOST_TEST(!verify(&store, longer, "example.test").error);
    // ... and without it.
    auto missing = verify(&store, {longer[0]}, "example.test");
    BOOST_TEST(is(missing.error, error::certificate_unknown_ca));
}

BOOST_AUTO_TEST_CASE(chain_expired_and_not_yet_valid) {
    pki& p = test_pki();
    trust_store store = p.store();
    auto r = verify(&store,
                    {to_certificate(p.leaf(cert_spec("old").validity(-30 * 86400, -86400)).get())},
                    "example.test");
    BOOST_TEST(is(r.error, error::certificate_expired));
    BOOST_TEST(r.x509_error == X509_V_ERR_CERT_HAS_EXPIRED);
    BOOST_TEST(r.message ==
               "certificate verify failed: certificate has expired (depth 0, CN=old,O=tlsio test)");
    BOOST_TEST((r.error == condition::verify_failed));

    r = verify(&store, {to_certificate(p.leaf(cert_spec("new").validity(86400, 30 * 86400)).get())},
               "example.test");
    BOOST_TEST(is(r.error, error::certificate_not_yet_valid));
    BOOST_TEST(r.x509_error == X509_V_ERR_CERT_NOT_YET_VALID);
}

BOOST_AUTO_TEST_CASE(chain_unknown_ca) {
    pki& p = test_pki();
    trust_store store = p.store();
    std::vector<certificate> chain{to_certificate(
        p.leaf(cert_spec("example.test"), p.other_ca.get(), p.other_ca_key.get()).get())};
    auto r = verify(&store, chain, "example.test");
    BOOST_TEST(is(r.error, error::certificate_unknown_ca));
    BOOST_TEST(r.x509_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    BOOST_TEST(r.message.find("issuer CN=Unknown Root") != std::string::npos);

    // The peer sending its untrusted root does not help.
    chain.push_back(to_certificate(p.other_ca.get()));
    r = verify(&store, chain, "example.test");
    BOOST_TEST(is(r.error, error::certificate_unknown_ca));
    BOOST_TEST(r.x509_error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);

    // An empty store, or none, is not an error by itself.
    trust_store empty;
    BOOST_TEST(empty.empty());
    std::vector<certificate> good{to_certificate(p.leaf(cert_spec("example.test")).get())};
    BOOST_TEST(is(verify(&empty, good, "example.test").error, error::certificate_unknown_ca));
    BOOST_TEST(is(verify(nullptr, good, "example.test").error, error::certificate_unknown_ca));
    // A self-signed leaf.
    auto self = verify(&store, {to_certificate(p.other_ca.get())}, "");
    BOOST_TEST(is(self.error, error::certificate_unknown_ca));

    BOOST_TEST(is(verify(&store, {}, "example.test").error, error::certificate_required));
}

BOOST_AUTO_TEST_CASE(chain_host_names) {
    pki& p = test_pki();
    trust_store store = p.store();
    std::vector<certificate> chain{to_certificate(p.leaf(cert_spec("example.test")).get())};

    auto r = verify(&store, chain, "other.test");
    BOOST_TEST(is(r.error, error::certificate_host_mismatch));
    BOOST_TEST(r.x509_error == X509_V_ERR_HOSTNAME_MISMATCH);
    BOOST_TEST(r.message ==
               "certificate verify failed: host name mismatch (expected 'other.test', "
               "certificate for 'example.test', '127.0.0.1')");
    BOOST_TEST(
        is(verify(&store, chain, "sub.example.test").error, error::certificate_host_mismatch));

    BOOST_TEST(!verify(&store, chain, "127.0.0.1").error);
    r = verify(&store, chain, "127.0.0.2");
    BOOST_TEST(is(r.error, error::certificate_host_mismatch));
    BOOST_TEST(r.x509_error == X509_V_ERR_IP_ADDRESS_MISMATCH);
    BOOST_TEST(r.message.find("IP address mismatch (expected '127.0.0.2'") != std::string::npos);
    BOOST_TEST(is(verify(&store, chain, "::1").error, error::certificate_host_mismatch));

    std::vector<certificate> v6{
        to_certificate(p.leaf(cert_spec("v6").with_san("DNS:v6.test,IP:::1")).get())};
    BOOST_TEST(!verify(&store, v6, "::1").error);
    BOOST_TEST(!verify(&store, v6, "[::1]").error);
    BOOST_TEST(!verify(&store, v6, "0:0:0:0:0:0:0:1").error);
    BOOST_TEST(is(verify(&store, v6, "::2").error, error::certificate_host_mismatch));

    // A DNS name that only appears in the common name is not matched when SANs exist.
    BOOST_TEST(is(verify(&store, v6, "v6").error, error::certificate_host_mismatch));

    std::vector<certificate> wildcard{
        to_certificate(p.leaf(cert_spec("wild").with_san("DNS:*.example.test")).get())};
    BOOST_TEST(!verify(&store, wildcard, "www.example.test").error);
    BOOST_TEST(
        is(verify(&store, wildcard, "example.test").error, error::certificate_host_mismatch));
    BOOST_TEST(
        is(verify(&store, wildcard, "a.b.example.test").error, error::certificate_host_mismatch));
}

BOOST_AUTO_TEST_CASE(chain_key_usage_and_purpose) {
    pki& p = test_pki();
    trust_store store = p.store();
    std::vector<certificate> encipher{to_certificate(
        p.leaf(cert_spec("encipher").with_key_usage("critical,keyEncipherment")).get())};
    auto r = verify(&store, encipher, "example.test");
    BOOST_TEST(is(r.error, error::certificate_bad_key_usage));
    BOOST_TEST(r.x509_error == X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE);
    BOOST_TEST(r.message.find("digitalSignature") != std::string::npos);

    // A client-only certificate presented by a server, and the other way round.
    std::vector<certificate> client_only{
        to_certificate(p.leaf(cert_spec("client").with_eku("clientAuth")).get())};
    r = verify(&store, client_only, "example.test");
    BOOST_TEST(is(r.error, error::certificate_bad_key_usage));
    BOOST_TEST(r.x509_error == X509_V_ERR_INVALID_PURPOSE);
    BOOST_TEST(!verify(&store, client_only, "", peer_role::client).error);
    std::vector<certificate> server_only{
        to_certificate(p.leaf(cert_spec("server").with_eku("serverAuth")).get())};
    BOOST_TEST(!verify(&store, server_only, "example.test").error);
    BOOST_TEST(is(verify(&store, server_only, "", peer_role::client).error,
                  error::certificate_bad_key_usage));
}

BOOST_AUTO_TEST_CASE(chain_callback) {
    pki& p = test_pki();
    trust_store store = p.store();
    std::vector<certificate> good{to_certificate(p.leaf(cert_spec("example.test")).get())};
    std::vector<certificate> expired{
        to_certificate(p.leaf(cert_spec("old").validity(-30 * 86400, -86400)).get())};

    // Accepting everything overrides an expired certificate and a wrong name;
    // the callback sees the same error codes OpenSSL's callback would.
    std::vector<int> seen;
    native_verify_callback accept_all = [&seen](bool preverified, x509_store_ctx_st* ctx) {
        if (!preverified) {
            seen.push_back(X509_STORE_CTX_get_error(ctx));
        }
        return true;
    };
    auto r = verify(&store, expired, "other.test", peer_role::server, &accept_all);
    BOOST_TEST(!r.error);
    BOOST_TEST((std::find(seen.begin(), seen.end(), X509_V_ERR_CERT_HAS_EXPIRED) != seen.end()));
    BOOST_TEST((std::find(seen.begin(), seen.end(), X509_V_ERR_HOSTNAME_MISMATCH) != seen.end()));

    // ... and our own key usage check.
    std::vector<certificate> encipher{to_certificate(
        p.leaf(cert_spec("encipher").with_key_usage("critical,keyEncipherment")).get())};
    BOOST_TEST(!verify(&store, encipher, "example.test", peer_role::server, &accept_all).error);

    // Refusing a certificate that passed every check.
    int calls = 0;
    native_verify_callback refuse_leaf = [&calls](bool preverified, x509_store_ctx_st* ctx) {
        ++calls;
        return !(preverified && X509_STORE_CTX_get_error_depth(ctx) == 0);
    };
    r = verify(&store, good, "example.test", peer_role::server, &refuse_leaf);
    BOOST_TEST(is(r.error, error::certificate_rejected_by_callback));
    BOOST_TEST(r.x509_error == X509_V_ERR_APPLICATION_VERIFICATION);
    BOOST_TEST(r.message.find("rejected by verify callback (depth 0") != std::string::npos);
    BOOST_TEST(calls >= 2);

    // Refusing a certificate that failed anyway reports the failure itself.
    native_verify_callback pass_through = [](bool preverified, x509_store_ctx_st*) {
        return preverified;
    };
    r = verify(&store, expired, "example.test", peer_role::server, &pass_through);
    BOOST_TEST(is(r.error, error::certificate_expired));

    // A throwing callback rejects instead of unwinding through libcrypto.
    native_verify_callback throws = [](bool, x509_store_ctx_st*) -> bool {
        throw std::runtime_error("callback failed");
    };
    r = verify(&store, good, "example.test", peer_role::server, &throws);
    BOOST_TEST(is(r.error, error::certificate_rejected_by_callback));

    // An empty std::function behaves like no callback.
    native_verify_callback empty;
    BOOST_TEST(!verify(&store, good, "example.test", peer_role::server, &empty).error);
}

BOOST_AUTO_TEST_CASE(verified_chain_cache_rechecks_what_can_change) {
    pki& p = test_pki();
    trust_store store = p.store();
    std::vector<certificate> chain{
        to_certificate(p.leaf(cert_spec("cached").validity(-86400, 86400)).get())};
    const auto now = std::chrono::system_clock::now();
    verify_request req;
    req.store = &store;
    req.chain = chain;
    req.host = "example.test";
    req.now = now;
    BOOST_TEST(!verify_chain(req).error);
    BOOST_TEST(!verify_chain(req).error);  // the second time from the cache

    req.now = now + std::chrono::hours(48);
    BOOST_TEST(is(verify_chain(req).error, error::certificate_expired));
    req.now = now - std::chrono::hours(48);
    BOOST_TEST(is(verify_chain(req).error, error::certificate_not_yet_valid));
    req.now = now;
    req.host = "other.test";
    BOOST_TEST(is(verify_chain(req).error, error::certificate_host_mismatch));
    req.host = "example.test";
    req.role = peer_role::client;  // the leaf has both EKUs: still fine, but checked anew
    BOOST_TEST(!verify_chain(req).error);
    req.role = peer_role::server;

    // Other anchors: a store that does not trust the CA rejects the same chain.
    trust_store other;
    BOOST_TEST_REQUIRE(other.add_pem(to_pem(p.other_ca.get())));
    req.store = &other;
    BOOST_TEST(is(verify_chain(req).error, error::certificate_unknown_ca));

    // A callback sees every certificate, cached or not.
    int calls = 0;
    native_verify_callback cb = [&calls](bool preverified, x509_store_ctx_st*) {
        ++calls;
        return preverified;
    };
    req.store = &store;
    req.callback = &cb;
    BOOST_TEST(!verify_chain(req).error);
    BOOST_TEST(calls > 0);
}

BOOST_AUTO_TEST_CASE(trust_store_generation_and_clone) {
    pki& p = test_pki();
    trust_store s;
    const auto empty_generation = s.generation();
    BOOST_TEST_REQUIRE(s.add_pem(to_pem(p.ca.get())));
    const auto generation = s.generation();
    BOOST_TEST(generation != empty_generation);
    BOOST_TEST(!s.add_pem("nothing"));
    BOOST_TEST(s.generation() == generation);  // nothing added, nothing changed

    trust_store copy = s.clone();
    BOOST_TEST(!copy.empty());
    BOOST_TEST(copy.generation() != s.generation());
    std::vector<certificate> chain{to_certificate(p.leaf(cert_spec("example.test")).get())};
    BOOST_TEST(!verify(&copy, chain, "example.test").error);
    // Anchors added to the clone stay there.
    BOOST_TEST_REQUIRE(copy.add_pem(to_pem(p.other_ca.get())));
    std::vector<certificate> other_chain{to_certificate(
        p.leaf(cert_spec("example.test"), p.other_ca.get(), p.other_ca_key.get()).get())};
    BOOST_TEST(!verify(&copy, other_chain, "example.test").error);
    BOOST_TEST(is(verify(&s, other_chain, "example.test").error, error::certificate_unknown_ca));
    BOOST_TEST(trust_store().clone().empty());
}

BOOST_AUTO_TEST_CASE(trust_store_loading) {
    pki& p = test_pki();
    trust_store s;
    BOOST_TEST(!s.add_pem("nothing"));
    BOOST_TEST(s.empty());
    BOOST_TEST(s.add_pem(to_pem(p.ca.get()) + to_pem(p.other_ca.get())));
    BOOST_TEST(s.add_pem(to_pem(p.ca.get())));  // duplicates are fine
    BOOST_TEST(!s.empty());
    BOOST_TEST(!s.load_file("/nonexistent/ca.pem"));
    BOOST_TEST(!read_file("/nonexistent/ca.pem").has_value());
    BOOST_TEST(read_file("/proc/self/cmdline").has_value());
}

// ---- signatures and keys -------------------------------------------------------------

namespace {

public_key public_of(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(key, &der);
    BOOST_REQUIRE(n > 0);
    auto pub = public_key::from_spki(byte_view(der, static_cast<std::size_t>(n)));
    OPENSSL_free(der);
    BOOST_REQUIRE(pub.has_value());
    return *pub;
}

private_key private_of(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    auto k = private_key::from_pem(bio_text(bio.get()));
    BOOST_REQUIRE(k.has_value());
    return std::move(*k);
}

const std::uint16_t all_schemes[] = {scheme::rsa_pkcs1_sha256,       scheme::rsa_pkcs1_sha384,
                                     scheme::rsa_pkcs1_sha512,       scheme::ecdsa_secp256r1_sha256,
                                     scheme::ecdsa_secp384r1_sha384, scheme::ecdsa_secp521r1_sha512,
                                     scheme::rsa_pss_rsae_sha256,    scheme::rsa_pss_rsae_sha384,
                                     scheme::rsa_pss_rsae_sha512,    scheme::ed25519,
                                     scheme::rsa_pss_pss_sha256,     scheme::rsa_pss_pss_sha384,
                                     scheme::rsa_pss_pss_sha512};

}  // namespace

BOOST_AUTO_TEST_CASE(sign_verify_every_scheme) {
    struct kind {
        const char* name;
        key_type type;
        int bits;
    };
    const kind kinds[] = {{"RSA", key_type::rsa, 2048},
                          {"RSA-PSS", key_type::rsa_pss, 2048},
                          {"P-256", key_type::ec_p256, 256},
                          {"P-384", key_type::ec_p384, 384},
                          {"ED25519", key_type::ed25519, 256}};
    const bytes message = text("TLS 1.3, server CertificateVerify");
    for (const kind& k : kinds) {
        pkey_ptr native = make_key(k.name);
        private_key priv = private_of(native.get());
        public_key pub = public_of(native.get());
        BOOST_TEST((priv.type() == k.type), k.name);
        BOOST_TEST((pub.type() == k.type), k.name);
        BOOST_TEST(pub.bits() == k.bits, k.name);
        BOOST_TEST(priv.matches(pub), k.name);
        BOOST_TEST(!priv.matches(public_of(test_pki().ca_key.get())), k.name);
        int usable = 0;
        for (std::uint16_t s : all_schemes) {
            bytes sig;
            const bool fits = scheme_matches_key(s, k.type);
            BOOST_TEST(priv.sign(s, message, sig) == fits, k.name << " scheme " << std::hex << s);
            if (!fits) {
                continue;
            }
            ++usable;
            BOOST_TEST(pub.verify(s, message, sig), k.name << " scheme " << std::hex << s);
            bytes tampered = message;
            tampered[0] ^= 1;
            BOOST_TEST(!pub.verify(s, tampered, sig), k.name << " scheme " << std::hex << s);
            bytes bad_sig = sig;
            bad_sig[bad_sig.size() / 2] ^= 1;
            BOOST_TEST(!pub.verify(s, message, bad_sig), k.name << " scheme " << std::hex << s);
            for (std::uint16_t other : all_schemes) {
                if (!scheme_matches_key(other, k.type)) {
                    BOOST_TEST(!pub.verify(other, message, sig),
                               k.name << " scheme " << std::hex << s << " as " << other);
                }
            }
            if (s == scheme::ecdsa_secp256r1_sha256 || s == scheme::ecdsa_secp384r1_sha384) {
                bytes trailing = sig;
                trailing.push_back(0);
                BOOST_TEST(!pub.verify(s, message, trailing), "ECDSA with a trailing byte");
            }
        }
        BOOST_TEST(usable > 0, k.name);
    }
    BOOST_TEST(!scheme_matches_key(0x0201, key_type::rsa));  // rsa_pkcs1_sha1 is not offered
    BOOST_TEST(!public_key().verify(scheme::ed25519, message, message));
}

BOOST_AUTO_TEST_CASE(rsa_pss_salt_is_hash_length) {
    // A PSS signature with a 20-byte salt is valid PSS but not valid TLS 1.3.
    pkey_ptr native = make_key("RSA");
    public_key pub = public_of(native.get());
    const bytes message = text("salt");
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    BOOST_REQUIRE(
        EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", nullptr, nullptr, native.get(), nullptr) == 1);
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 20);
    bytes sig(256);
    std::size_t len = sig.size();
    BOOST_REQUIRE(EVP_DigestSign(ctx, sig.data(), &len, message.data(), message.size()) == 1);
    EVP_MD_CTX_free(ctx);
    BOOST_TEST(!pub.verify(scheme::rsa_pss_rsae_sha256, message, sig));
}

BOOST_AUTO_TEST_CASE(private_key_loading) {
    const char* kinds[] = {"RSA", "P-256", "P-384", "ED25519"};
    for (const char* name : kinds) {
        pkey_ptr native = make_key(name);
        public_key pub = public_of(native.get());

        bio_ptr pkcs8(BIO_new(BIO_s_mem()));
        PEM_write_bio_PrivateKey(pkcs8.get(), native.get(), nullptr, nullptr, 0, nullptr, nullptr);
        const std::string pkcs8_pem = bio_text(pkcs8.get());
        BOOST_TEST(pkcs8_pem.find("BEGIN PRIVATE KEY") != std::string::npos);
        auto k = private_key::from_pem(pkcs8_pem);
        BOOST_TEST_REQUIRE(k.has_value(), name);
        BOOST_TEST(k->matches(pub), name);

        // Traditional "RSA PRIVATE KEY" / "EC PRIVATE KEY" (Ed25519 has none).
        if (std::string_view(name) != "ED25519") {
            bio_ptr trad(BIO_new(BIO_s_mem()));
            PEM_write_bio_PrivateKey_traditional(trad.get(), native.get(), nullptr, nullptr, 0,
                                                 nullptr, nullptr);
            const std::string trad_pem = bio_text(trad.get());
            BOOST_TEST(trad_pem.find(" PRIVATE KEY-----") != std::string::npos);
            BOOST_TEST(trad_pem.find("BEGIN PRIVATE KEY") == std::string::npos);
            auto t = private_key::from_pem(trad_pem);
            BOOST_TEST_REQUIRE(t.has_value(), name);
            BOOST_TEST(t->matches(pub), name);

            unsigned char* der = nullptr;
            const int n = i2d_PrivateKey(native.get(), &der);
            BOOST_REQUIRE(n > 0);
            auto d = private_key::from_der(byte_view(der, static_cast<std::size_t>(n)));
            BOOST_TEST(d.has_value(), name);
            bytes trailing(der, der + n);
            trailing.push_back(0);
            BOOST_TEST(!private_key::from_der(trailing).has_value(), name);
            OPENSSL_free(der);
        }

        PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(native.get());
        unsigned char* der = nullptr;
        const int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
        PKCS8_PRIV_KEY_INFO_free(p8);
        BOOST_REQUIRE(n > 0);
        auto d = private_key::from_der(byte_view(der, static_cast<std::size_t>(n)));
        OPENSSL_free(der);
        BOOST_TEST_REQUIRE(d.has_value(), name);
        BOOST_TEST(d->matches(pub), name);
    }

    // A certificate followed by its key in one file, as servers often keep them.
    pki& p = test_pki();
    bio_ptr key_pem(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(key_pem.get(), p.leaf_key.get(), nullptr, nullptr, 0, nullptr,
                             nullptr);
    auto combined =
        private_key::from_pem(to_pem(p.leaf(cert_spec("x")).get()) + bio_text(key_pem.get()));
    BOOST_TEST_REQUIRE(combined.has_value());
    BOOST_TEST(combined->matches(public_of(p.leaf_key.get())));

    // Encrypted keys fail without prompting for a pass phrase.
    bio_ptr enc(BIO_new(BIO_s_mem()));
    PEM_write_bio_PKCS8PrivateKey(enc.get(), p.leaf_key.get(), EVP_aes_128_cbc(), "secret", 6,
                                  nullptr, nullptr);
    BOOST_TEST(!private_key::from_pem(bio_text(enc.get())).has_value());
    BOOST_TEST(!private_key::from_pem("").has_value());
    BOOST_TEST(
        !private_key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
             .has_value());
    BOOST_TEST(!public_key::from_spki(text("garbage")).has_value());
}

// ---- hashes, HMAC, HKDF ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(hash_known_answers) {
    std::uint8_t out[max_digest_size];
    const bytes abc = text("abc");
    BOOST_TEST(digest(hash_algorithm::sha256, abc, out) == 32u);
    BOOST_TEST(bytes(out, out + 32) ==
               unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    BOOST_TEST(digest(hash_algorithm::sha384, abc, out) == 48u);
    BOOST_TEST(bytes(out, out + 48) ==
               unhex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7"
                     "cc2358baeca134c825a7"));
    BOOST_TEST(digest(hash_algorithm::sha256, {}, out) == 32u);
    BOOST_TEST(bytes(out, out + 32) ==
               unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));

    // Incremental, peeked in the middle, forked by copy.
    hash_context h(hash_algorithm::sha256);
    BOOST_TEST(h.valid());
    BOOST_TEST(h.size() == 32u);
    h.update(text("a"));
    hash_context fork = h;
    BOOST_TEST(h.peek(out) == 32u);
    h.update(text("bc"));
    BOOST_TEST(h.peek(out) == 32u);
    BOOST_TEST(bytes(out, out + 32) ==
               unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    BOOST_TEST(h.peek(out) == 32u);  // peeking twice gives the same answer
    BOOST_TEST(bytes(out, out + 32) ==
               unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    fork.update(text("bc"));
    std::uint8_t forked[max_digest_size];
    BOOST_TEST(fork.peek(forked) == 32u);
    BOOST_TEST(bytes(forked, forked + 32) == bytes(out, out + 32));
    BOOST_TEST(!hash_context().valid());
    BOOST_TEST(hash_context().peek(out) == 0u);

    // RFC 4231 test case 1.
    const bytes key(20, 0x0b);
    BOOST_TEST(hmac(hash_algorithm::sha256, key, text("Hi There"), out) == 32u);
    BOOST_TEST(bytes(out, out + 32) ==
               unhex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
    BOOST_TEST(hmac(hash_algorithm::sha384, key, text("Hi There"), out) == 48u);
    BOOST_TEST(bytes(out, out + 48) ==
               unhex("afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076e"
                     "de7f4af152e8b2fa9cb6"));
    // An empty key is a key of zero bytes, not "keep the previous key".
    BOOST_TEST(hmac(hash_algorithm::sha256, {}, {}, out) == 32u);
    BOOST_TEST(bytes(out, out + 32) ==
               unhex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
}

BOOST_AUTO_TEST_CASE(hkdf_known_answers) {
    // RFC 5869 test case 1.
    const bytes ikm(22, 0x0b);
    std::uint8_t prk[32];
    hkdf_extract(hash_algorithm::sha256, unhex("000102030405060708090a0b0c"), ikm, prk);
    BOOST_TEST(bytes(prk, prk + 32) ==
               unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
    bytes okm(42);
    BOOST_TEST(hkdf_expand(hash_algorithm::sha256, prk, unhex("f0f1f2f3f4f5f6f7f8f9"), okm));
    BOOST_TEST(okm == unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007"
                            "208d5b887185865"));

    // RFC 5869 test case 3: empty salt and info.
    hkdf_extract(hash_algorithm::sha256, {}, ikm, prk);
    BOOST_TEST(bytes(prk, prk + 32) ==
               unhex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"));
    BOOST_TEST(hkdf_expand(hash_algorithm::sha256, prk, {}, okm));
    BOOST_TEST(okm == unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201"
                            "395faa4b61a96c8"));

    bytes too_long(255 * 32 + 1);
    BOOST_TEST(!hkdf_expand(hash_algorithm::sha256, prk, {}, too_long));
    bytes longest(255 * 32);
    BOOST_TEST(hkdf_expand(hash_algorithm::sha256, prk, {}, longest));
    BOOST_TEST(!hkdf_expand(hash_algorithm::sha256, byte_view(prk, 31), {}, okm));
    bytes none;
    BOOST_TEST(hkdf_expand(hash_algorithm::sha256, prk, {}, none));

    BOOST_TEST(constant_time_equal(text("abc"), text("abc")));
    BOOST_TEST(!constant_time_equal(text("abc"), text("abd")));
    BOOST_TEST(!constant_time_equal(text("abc"), text("ab")));
    BOOST_TEST(constant_time_equal({}, {}));
    bytes secret = text("secret");
    cleanse(secret);
    BOOST_TEST(secret == bytes(6, 0));
    bytes r1(32), r2(32);
    BOOST_TEST(random_bytes(r1));
    BOOST_TEST(random_bytes(r2));
    BOOST_TEST(r1 != r2);
}

// ---- AEAD -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(aead_round_trip) {
    const aead_algorithm algs[] = {aead_algorithm::aes_128_gcm, aead_algorithm::aes_256_gcm,
                                   aead_algorithm::chacha20_poly1305, aead_algorithm::aes_128_ccm};
    for (aead_algorithm a : algs) {
        bytes key(aead_key_size(a));
        random_bytes(key);
        aead_context seal_ctx;
        aead_context open_ctx;
        BOOST_TEST(!seal_ctx.keyed());
        BOOST_TEST_REQUIRE(seal_ctx.init(a, key));
        BOOST_TEST_REQUIRE(open_ctx.init(a, key));
        BOOST_TEST(seal_ctx.keyed());
        BOOST_TEST((seal_ctx.algorithm() == a));

        const bytes aad = unhex("1703030020");
        for (std::uint8_t record = 0; record < 3; ++record) {
            bytes nonce(aead_nonce_size, record);
            bytes plain = text("application data, record ");
            plain.push_back(record);
            bytes data = plain;
            std::uint8_t tag[aead_tag_size];
            BOOST_TEST_REQUIRE(seal_ctx.seal(nonce, aad, data, tag));
            BOOST_TEST(data != plain);

            bytes opened = data;
            BOOST_TEST(open_ctx.open(nonce, aad, opened, tag));
            BOOST_TEST(opened == plain);

            bytes flipped = data;
            flipped[0] ^= 1;
            BOOST_TEST(!open_ctx.open(nonce, aad, flipped, tag));
            std::uint8_t bad_tag[aead_tag_size];
            std::copy(std::begin(tag), std::end(tag), std::begin(bad_tag));
            bad_tag[15] ^= 0x80;
            opened = data;
            BOOST_TEST(!open_ctx.open(nonce, aad, opened, bad_tag));
            opened = data;
            BOOST_TEST(!open_ctx.open(nonce, unhex("1703030021"), opened, tag));
            bytes other_nonce = nonce;
            other_nonce[11] ^= 1;
            opened = data;
            BOOST_TEST(!open_ctx.open(other_nonce, aad, opened, tag));
            // The context is still usable after a failure.
            opened = data;
            BOOST_TEST(open_ctx.open(nonce, aad, opened, tag));
            BOOST_TEST(byte_view(tag).size() == aead_tag_size);
        }

        // Empty plaintext (e.g. a record of padding only) still gets a tag.
        bytes empty;
        std::uint8_t tag[aead_tag_size];
        bytes nonce(aead_nonce_size, 9);
        BOOST_TEST(seal_ctx.seal(nonce, {}, empty, tag));
        BOOST_TEST(open_ctx.open(nonce, {}, empty, tag));

        // Re-keying for a new epoch.
        bytes key2(aead_key_size(a), 0x42);
        BOOST_TEST(open_ctx.init(a, key2));
        bytes data = text("x");
        BOOST_TEST(seal_ctx.seal(nonce, {}, data, tag));
        BOOST_TEST(!open_ctx.open(nonce, {}, data, tag));

        BOOST_TEST(!seal_ctx.init(a, bytes(aead_key_size(a) + 1)));
        BOOST_TEST(!seal_ctx.keyed());
        BOOST_TEST(!seal_ctx.seal(nonce, {}, data, tag));
        aead_context moved = std::move(open_ctx);
        BOOST_TEST(moved.keyed());
    }
    BOOST_TEST(aead_key_size(aead_algorithm::aes_128_gcm) == 16u);
    BOOST_TEST(aead_key_size(aead_algorithm::chacha20_poly1305) == 32u);
}

// ---- key exchange -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(kx_both_ways) {
    const kx_group groups[] = {kx_group::x25519, kx_group::secp256r1, kx_group::secp384r1};
    const std::size_t shared_sizes[] = {32, 32, 48};
    for (std::size_t i = 0; i < 3; ++i) {
        const kx_group g = groups[i];
        auto a = kx_private_key::generate(g);
        auto b = kx_private_key::generate(g);
        BOOST_TEST_REQUIRE(a.has_value());
        BOOST_TEST_REQUIRE(b.has_value());
        BOOST_TEST(a->public_key().size() == kx_public_key_size(g));
        BOOST_TEST((a->group() == g));
        bytes s1, s2;
        BOOST_TEST(a->derive(b->public_key(), s1));
        BOOST_TEST(b->derive(a->public_key(), s2));
        BOOST_TEST(s1 == s2);
        BOOST_TEST(s1.size() == shared_sizes[i]);

        bytes wrong_size = b->public_key();
        wrong_size.pop_back();
        BOOST_TEST(!a->derive(wrong_size, s1));
        BOOST_TEST(s1.empty());
        BOOST_TEST(!a->derive({}, s1));
        if (g != kx_group::x25519) {
            bytes compressed(b->public_key().begin(),
                             b->public_key().begin() + 1 + (b->public_key().size() - 1) / 2);
            compressed[0] = static_cast<std::uint8_t>(2 + (b->public_key().back() & 1));
            BOOST_TEST(!a->derive(compressed, s1));
            bytes off_curve = b->public_key();
            off_curve.back() ^= 1;
            BOOST_TEST(!a->derive(off_curve, s1));
            bytes hybrid = b->public_key();
            hybrid[0] = static_cast<std::uint8_t>(6 + (b->public_key().back() & 1));
            BOOST_TEST(!a->derive(hybrid, s1));
        } else {
            BOOST_TEST(!a->derive(bytes(32, 0), s1));  // low order: all-zero secret
        }

        BOOST_TEST(kx_private_key().public_key().empty());
        BOOST_TEST(!kx_private_key().derive(b->public_key(), s1));
    }
    BOOST_TEST(!kx_private_key::from_private_bytes(kx_group::x25519, bytes(31)).has_value());
}

BOOST_AUTO_TEST_CASE(kx_from_private_bytes) {
    // RFC 7748 section 6.1.
    auto alice = kx_private_key::from_private_bytes(
        kx_group::x25519,
        unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    auto bob = kx_private_key::from_private_bytes(
        kx_group::x25519,
        unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    BOOST_TEST_REQUIRE(alice.has_value());
    BOOST_TEST_REQUIRE(bob.has_value());
    BOOST_TEST(alice->public_key() ==
               unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    BOOST_TEST(bob->public_key() ==
               unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    bytes shared;
    BOOST_TEST(alice->derive(bob->public_key(), shared));
    BOOST_TEST(shared == unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));

    // d = 1 gives the generator.
    bytes one(32, 0);
    one.back() = 1;
    auto g1 = kx_private_key::from_private_bytes(kx_group::secp256r1, one);
    BOOST_TEST_REQUIRE(g1.has_value());
    BOOST_TEST(g1->public_key() ==
               unhex("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe"
                     "1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"));
    // The scalar must be in [1, n-1] and exactly the field size.
    BOOST_TEST(!kx_private_key::from_private_bytes(kx_group::secp256r1, bytes(32, 0)).has_value());
    BOOST_TEST(!kx_private_key::from_private_bytes(
                    kx_group::secp256r1,
                    unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"))
                    .has_value());
    BOOST_TEST(!kx_private_key::from_private_bytes(kx_group::secp256r1, bytes(31, 1)).has_value());
    BOOST_TEST(!kx_private_key::from_private_bytes(kx_group::secp384r1, bytes(32, 1)).has_value());

    // Keys from private bytes interoperate with generated ones.
    auto p384 = kx_private_key::from_private_bytes(kx_group::secp384r1, bytes(48, 7));
    auto peer = kx_private_key::generate(kx_group::secp384r1);
    BOOST_TEST_REQUIRE(p384.has_value());
    BOOST_TEST_REQUIRE(peer.has_value());
    bytes s1, s2;
    BOOST_TEST(p384->derive(peer->public_key(), s1));
    BOOST_TEST(peer->derive(p384->public_key(), s2));
    BOOST_TEST(s1 == s2);
}
