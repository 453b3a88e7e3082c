// Tests of the in-memory test PKI: if it produced subtly wrong certificates,
// every handshake test built on it would test the wrong thing.
#include "support/pki.hpp"

#define BOOST_TEST_MODULE support_pki_test
#include <boost/test/unit_test.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace tlsio::test;

namespace {

using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::vector<x509_ptr> parse_pem_chain(const std::string& pem) {
    std::vector<x509_ptr> out;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    for (;;) {
        X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        if (x == nullptr) {
            break;
        }
        out.emplace_back(x, X509_free);
    }
    BIO_free(bio);
    return out;
}

pkey_ptr parse_key(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return pkey_ptr(key, EVP_PKEY_free);
}

struct verify_outcome {
    bool ok;
    int error;
};

// X509_verify_cert of `chain_pem` (leaf first) against `root_pem`, with the
// SSL server purpose and optionally a host name and a verification time.
verify_outcome verify(const std::string& chain_pem, const std::string& root_pem,
                      const char* host = nullptr, std::time_t at = 0,
                      int purpose = X509_PURPOSE_SSL_SERVER) {
    auto chain = parse_pem_chain(chain_pem);
    auto roots = parse_pem_chain(root_pem);
    BOOST_REQUIRE(!chain.empty());
    BOOST_REQUIRE(!roots.empty());
    X509_STORE* store = X509_STORE_new();
    for (auto& r : roots) {
        X509_STORE_add_cert(store, r.get());
    }
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (std::size_t i = 1; i < chain.size(); ++i) {
        sk_X509_push(untrusted, chain[i].get());
    }
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, chain[0].get(), untrusted);
    X509_STORE_CTX_set_purpose(ctx, purpose);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
    if (host != nullptr) {
        X509_VERIFY_PARAM_set1_host(param, host, 0);
    }
    if (at != 0) {
        X509_VERIFY_PARAM_set_time(param, at);
    }
    int rc = X509_verify_cert(ctx);
    verify_outcome out{rc == 1, X509_STORE_CTX_get_error(ctx)};
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return out;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(leaf_verifies_against_root_for_every_key_type) {
    for (key_type ca_key : {key_type::p256, key_type::p384, key_type::ed25519, key_type::rsa2048}) {
        for (key_type leaf_key :
             {key_type::p256, key_type::p384, key_type::ed25519, key_type::rsa2048}) {
            BOOST_TEST_CONTEXT("ca " << name(ca_key) << " leaf " << name(leaf_key)) {
                auto ca = authority::make_root("Test Root", ca_key);
                leaf_options opts;
                opts.key = leaf_key;
                auto leaf = ca.issue(opts);
                auto v = verify(leaf.chain_pem, leaf.ca_pem, "localhost");
                BOOST_TEST(v.ok);
                BOOST_TEST(v.error == X509_V_OK);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(pem_round_trips_and_key_matches_certificate) {
    auto ca = authority::make_root("Test Root", key_type::p256);
    for (key_type k : {key_type::p256, key_type::p384, key_type::ed25519, key_type::rsa2048}) {
        BOOST_TEST_CONTEXT(name(k)) {
            leaf_options opts;
            opts.key = k;
            auto leaf = ca.issue(opts);
            BOOST_TEST(leaf.key_pem.find("-----BEGIN PRIVATE KEY-----") == 0u);  // PKCS#8
            auto key = parse_key(leaf.key_pem);
            BOOST_REQUIRE(key);
            auto chain = parse_pem_chain(leaf.chain_pem);
            BOOST_REQUIRE(chain.size() == 1u);
            BOOST_TEST(X509_check_private_key(chain[0].get(), key.get()) == 1);
            BOOST_TEST(to_der(chain[0].get()) == leaf.chain_der[0]);
            BOOST_TEST(to_pem(leaf.leaf.get()) == leaf.leaf_pem);
        }
    }
}

BOOST_AUTO_TEST_CASE(intermediate_chain_is_leaf_first_and_verifies) {
    auto root = authority::make_root("Test Root", key_type::p384);
    auto inter1 = root.make_intermediate("Test Intermediate 1", key_type::p256);
    auto inter2 = inter1.make_intermediate("Test Intermediate 2", key_type::ed25519);
    leaf_options opts;
    opts.common_name = "deep.test";
    opts.dns_names = {"deep.test"};
    auto leaf = inter2.issue(opts);

    auto chain = parse_pem_chain(leaf.chain_pem);
    BOOST_REQUIRE(chain.size() == 3u);
    BOOST_REQUIRE(leaf.chain_der.size() == 3u);
    // leaf, then its issuer, then that one's issuer
    BOOST_TEST(X509_check_issued(chain[1].get(), chain[0].get()) == X509_V_OK);
    BOOST_TEST(X509_check_issued(chain[2].get(), chain[1].get()) == X509_V_OK);
    BOOST_TEST(X509_check_issued(root.native(), chain[2].get()) == X509_V_OK);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(to_der(chain[i].get()) == leaf.chain_der[i]);
    }
    BOOST_TEST(leaf.ca_pem == root.cert_pem());
    BOOST_TEST(verify(leaf.chain_pem, leaf.ca_pem, "deep.test").ok);
    // Without the intermediates the path cannot be built.
    auto v = verify(leaf.leaf_pem, leaf.ca_pem, "deep.test");
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

BOOST_AUTO_TEST_CASE(unknown_ca_fails) {
    auto ca = authority::make_root("Test Root");
    auto other = authority::make_root("Other Root");
    auto leaf = ca.issue({});
    auto v = verify(leaf.chain_pem, other.cert_pem(), "localhost");
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

BOOST_AUTO_TEST_CASE(validity_options) {
    auto ca = authority::make_root("Test Root");
    auto now = std::chrono::system_clock::now();

    leaf_options expired;
    expired.not_before = now - std::chrono::hours(24 * 10);
    expired.not_after = now - std::chrono::hours(24);
    auto v = verify(ca.issue(expired).chain_pem, ca.root_pem(), "localhost");
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.error == X509_V_ERR_CERT_HAS_EXPIRED);

    leaf_options future;
    future.not_before = now + std::chrono::hours(24);
    future.not_after = now + std::chrono::hours(24 * 10);
    v = verify(ca.issue(future).chain_pem, ca.root_pem(), "localhost");
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.error == X509_V_ERR_CERT_NOT_YET_VALID);

    // A default leaf is valid now but not 40 days from now.
    auto leaf = ca.issue({});
    BOOST_TEST(verify(leaf.chain_pem, ca.root_pem(), "localhost").ok);
    auto later = std::chrono::system_clock::to_time_t(now + std::chrono::hours(24 * 40));
    v = verify(leaf.chain_pem, ca.root_pem(), "localhost", later);
    BOOST_TEST(v.error == X509_V_ERR_CERT_HAS_EXPIRED);
}

BOOST_AUTO_TEST_CASE(names_and_addresses) {
    auto ca = authority::make_root("Test Root");
    leaf_options opts;
    opts.common_name = "a.test";
    opts.dns_names = {"a.test", "*.wild.test"};
    opts.ip_addresses = {"127.0.0.1", "::1"};
    auto leaf = ca.issue(opts);
    auto certs = parse_pem_chain(leaf.leaf_pem);
    X509* x = certs[0].get();
    BOOST_TEST(X509_check_host(x, "a.test", 0, 0, nullptr) == 1);
    BOOST_TEST(X509_check_host(x, "x.wild.test", 0, 0, nullptr) == 1);
    BOOST_TEST(X509_check_host(x, "b.test", 0, 0, nullptr) == 0);
    BOOST_TEST(X509_check_ip_asc(x, "127.0.0.1", 0) == 1);
    BOOST_TEST(X509_check_ip_asc(x, "::1", 0) == 1);
    BOOST_TEST(X509_check_ip_asc(x, "127.0.0.2", 0) == 0);
    auto v = verify(leaf.chain_pem, ca.root_pem(), "b.test");
    BOOST_TEST(v.error == X509_V_ERR_HOSTNAME_MISMATCH);
}

BOOST_AUTO_TEST_CASE(key_usage_and_eku) {
    auto ca = authority::make_root("Test Root");
    auto leaf = ca.issue({});
    auto certs = parse_pem_chain(leaf.leaf_pem);
    BOOST_TEST((X509_get_key_usage(certs[0].get()) & KU_DIGITAL_SIGNATURE) != 0u);
    BOOST_TEST((X509_get_extended_key_usage(certs[0].get()) & XKU_SSL_SERVER) != 0u);
    BOOST_TEST((X509_get_extended_key_usage(certs[0].get()) & XKU_SSL_CLIENT) != 0u);
    BOOST_TEST(X509_check_ca(certs[0].get()) == 0);
    BOOST_TEST(X509_check_ca(ca.native()) == 1);

    leaf_options kx_only;
    kx_only.usage = key_usage::key_encipherment;
    auto kx_leaf = ca.issue(kx_only);
    auto kx_certs = parse_pem_chain(kx_leaf.leaf_pem);
    BOOST_TEST(X509_get_key_usage(kx_certs[0].get()) == static_cast<uint32_t>(KU_KEY_ENCIPHERMENT));

    leaf_options client_only;
    client_only.server_auth = false;
    auto client_leaf = ca.issue(client_only);
    // A clientAuth-only certificate is no good as a server certificate.
    auto v = verify(client_leaf.chain_pem, ca.root_pem(), "localhost");
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.error == X509_V_ERR_INVALID_PURPOSE);
    BOOST_TEST(
        verify(client_leaf.chain_pem, ca.root_pem(), nullptr, 0, X509_PURPOSE_SSL_CLIENT).ok);
}

BOOST_AUTO_TEST_CASE(rsa_keys_are_cached) {
    // The pool hands out a bounded number of RSA keys, so asking for many
    // must be quick and must repeat keys.
    auto start = std::chrono::steady_clock::now();
    std::vector<private_key> keys;
    for (int i = 0; i < 12; ++i) {
        keys.push_back(private_key::generate(key_type::rsa2048));
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    bool repeated = false;
    for (std::size_t i = 1; i < keys.size(); ++i) {
        repeated = repeated || keys[i].native() == keys[0].native();
    }
    BOOST_TEST(repeated);
    BOOST_TEST(EVP_PKEY_get_bits(keys[0].native()) == 2048);
    // Generous: twelve fresh RSA-2048 keys would take seconds.
    BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() < 10);
}

BOOST_AUTO_TEST_CASE(files_are_written_and_removed) {
    auto ca = authority::make_root("Test Root");
    auto leaf = ca.make_intermediate("Inter").issue({});
    std::string dir;
    {
        auto files = leaf.write_files();
        dir = files.directory;
        BOOST_TEST(read_text(files.chain_path) == leaf.chain_pem);
        BOOST_TEST(read_text(files.key_path) == leaf.key_pem);
        BOOST_TEST(read_text(files.ca_path) == ca.cert_pem());
        auto copy = files;  // copies share the directory
        (void)copy;
    }
    BOOST_TEST(!std::ifstream(dir + "/chain.pem").good());
}

BOOST_AUTO_TEST_CASE(signatures_for_every_scheme_verify) {
    using tlsio::signature_scheme;
    auto ca = authority::make_root("Test Root");
    struct item {
        key_type key;
        signature_scheme scheme;
    };
    const item items[] = {
        {key_type::p256, signature_scheme::ecdsa_secp256r1_sha256},
        {key_type::p384, signature_scheme::ecdsa_secp384r1_sha384},
        {key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha256},
        {key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha384},
        {key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha512},
        {key_type::ed25519, signature_scheme::ed25519},
    };
    const std::vector<std::uint8_t> message(130, 0x20);
    for (const auto& it : items) {
        BOOST_TEST_CONTEXT("scheme 0x" << std::hex << static_cast<int>(it.scheme)) {
            leaf_options opts;
            opts.key = it.key;
            auto leaf = ca.issue(opts);
            auto sig = sign(leaf.key, it.scheme, message);
            BOOST_REQUIRE(!sig.empty());
            BOOST_TEST(verify_signature(leaf.leaf.get(), it.scheme, message, sig));
            auto tampered = message;
            tampered[0] ^= 1;
            BOOST_TEST(!verify_signature(leaf.leaf.get(), it.scheme, tampered, sig));
        }
    }
}
