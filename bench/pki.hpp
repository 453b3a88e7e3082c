// bench/pki.hpp: the certificates both stacks use, generated in-process with
// libcrypto: a CA and a leaf for "localhost" signed by it, ECDSA P-256 or
// RSA-2048.
#ifndef TLSIO_BENCH_PKI_HPP
#define TLSIO_BENCH_PKI_HPP

#include <memory>
#include <string>

struct evp_pkey_st;
struct x509_st;

namespace bench {

enum class key_kind { p256, rsa2048 };

/// A leaf certificate for "localhost" (CN and DNS SAN), its key and its CA.
struct credential {
    key_kind kind = key_kind::p256;
    std::string chain_pem;  ///< the leaf (the root is not sent)
    std::string key_pem;    ///< the leaf's private key, PKCS#8
    std::string ca_pem;     ///< the root the client trusts
    std::shared_ptr<evp_pkey_st> leaf_key;
    std::shared_ptr<evp_pkey_st> ca_key;
    std::shared_ptr<x509_st> leaf;
    std::shared_ptr<x509_st> ca;
};

/// A fresh CA and leaf, both with keys of `kind`; throws on failure.
credential make_credential(key_kind kind);

}  // namespace bench

#endif
