//
// test/interop/test_pki.hpp: certificates for the interop tests, made with the
// openssl command-line tool in a temporary directory.
//
#ifndef TLSIO_TEST_INTEROP_TEST_PKI_HPP
#define TLSIO_TEST_INTEROP_TEST_PKI_HPP

#include <string>

namespace tlsio::interop {

/// A certificate file (leaf first, no CA) and its private key file.
struct credential_files {
    std::string cert;
    std::string key;
    std::string der;  ///< the certificate in DER
};

/// The test PKI. All leaves except `unknown_ca_leaf` are issued by `ca`.
/// Server leaves carry SAN DNS:localhost, IP:127.0.0.1 unless said otherwise.
struct test_pki {
    std::string dir;                   ///< the temporary directory holding everything
    credential_files ca;               ///< ECDSA P-256 root
    credential_files other_ca;         ///< a second root nobody trusts
    credential_files p256;             ///< ECDSA P-256 leaf
    credential_files p384;             ///< ECDSA P-384 leaf
    credential_files p521;             ///< ECDSA P-521 leaf
    credential_files rsa;              ///< RSA-2048 leaf (signs with RSA-PSS in TLS 1.3)
    credential_files ed25519;          ///< Ed25519 leaf
    credential_files wrong_name;       ///< P-256 leaf for DNS:wrong.example only
    credential_files unknown_ca_leaf;  ///< P-256 leaf for localhost issued by other_ca
    credential_files alt_name;         ///< P-256 leaf for DNS:alt.localhost (SNI tests)
    credential_files client;           ///< P-256 client certificate "CN=tlsio interop client"
};

/// Makes a fresh PKI in a new temporary directory with `openssl`.
/// Throws std::runtime_error (with openssl's output) on failure.
test_pki make_test_pki(const std::string& openssl);

/// Removes the directory made by make_test_pki.
void remove_test_pki(const test_pki& pki) noexcept;

/// Reads a whole file; throws std::runtime_error if it cannot.
std::string read_file(const std::string& path);

}  // namespace tlsio::interop

#endif
