// Writes the certificates the C facade's tests use into a directory:
//   ca.pem           the root that signs everything below
//   server.pem/.key  P-256 leaf for localhost and 127.0.0.1 (chain: leaf)
//   big.pem/.key     a leaf with 400 DNS names (~15 KB), so one server flight
//                    is larger than a tiny socket send buffer
//   other-ca.pem     a root nobody used to sign these (for verification failures)
//   server-enc.key   server.key encrypted (AES-256-CBC, PKCS#8) with "test"
//
//   c_api_make_pki DIR
#include "support/pki.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fstream>
#include <string>

using namespace tlsio::test;

namespace {

bool write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out);
}

std::string encrypted(const issued& leaf, const char* password) {
    BIO* bio = BIO_new(BIO_s_mem());
    std::string out;
    if (bio != nullptr &&
        PEM_write_bio_PKCS8PrivateKey(bio, leaf.key.native(), EVP_aes_256_cbc(), nullptr, 0,
                                      nullptr, const_cast<char*>(password)) == 1) {
        char* data = nullptr;
        long n = BIO_get_mem_data(bio, &data);
        out.assign(data, static_cast<std::size_t>(n));
    }
    BIO_free(bio);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    std::string dir = argv[1];
    authority ca = authority::make_root("tlsio c_api test CA");
    authority other = authority::make_root("tlsio c_api other CA");
    leaf_options server;
    server.ip_addresses = {"127.0.0.1"};
    issued leaf = ca.issue(server);
    leaf_options big_options;
    big_options.dns_names.clear();
    big_options.dns_names.push_back("localhost");
    for (int i = 0; i < 400; ++i) {
        big_options.dns_names.push_back("name-" + std::to_string(i) + ".padding.example");
    }
    issued big = ca.issue(big_options);
    bool ok =
        write(dir + "/ca.pem", ca.cert_pem()) && write(dir + "/other-ca.pem", other.cert_pem()) &&
        write(dir + "/server.pem", leaf.chain_pem) && write(dir + "/server.key", leaf.key_pem) &&
        write(dir + "/big.pem", big.chain_pem) && write(dir + "/big.key", big.key_pem) &&
        write(dir + "/server-enc.key", encrypted(leaf, "test"));
    if (!ok) {
        std::fprintf(stderr, "cannot write into %s\n", dir.c_str());
        return 1;
    }
    return 0;
}
