//
// tools/tlsio/main.cpp: the tlsio command-line tool.
//
//   tlsio client HOST:PORT [options]   like openssl s_client
//   tlsio server --cert F --key F ...  like openssl s_server (echo or --www)
//   tlsio demo                         HTTPS on loopback in one process
//   tlsio help [MODE], tlsio MODE --help, tlsio --version
//
#include "common.hpp"

#include <tlsio/context.hpp>

#include <boost/system/system_error.hpp>

#include <openssl/crypto.h>

#include <iostream>
#include <string>
#include <vector>

#ifndef TLSIO_VERSION
#define TLSIO_VERSION "unknown"
#endif

namespace {

void usage(std::ostream& out) {
    out << "usage: tlsio client HOST:PORT [options]   TLS 1.3/1.2 client (like openssl s_client)\n"
           "       tlsio server --cert F --key F ...  TLS 1.3/1.2 server (like openssl s_server)\n"
           "       tlsio demo                         HTTPS on 127.0.0.1 in one process\n"
           "       tlsio help MODE                    a mode's options (also tlsio MODE --help)\n"
           "       tlsio --version                    version and what tlsio implements\n"
           "Key-log lines (NSS format) go to --keylog FILE and to $SSLKEYLOGFILE.\n";
}

void print_version(std::ostream& out) {
    using tlsio::name;
    out << "tlsio " << TLSIO_VERSION << " (" << OpenSSL_version(OPENSSL_VERSION)
        << ", libcrypto only)\n"
        << "protocols: " << name(tlsio::protocol_version::tls13) << ' '
        << name(tlsio::protocol_version::tls12) << '\n'
        << "cipher suites: " << name(tlsio::cipher_suite::aes_128_gcm_sha256) << ' '
        << name(tlsio::cipher_suite::aes_256_gcm_sha384) << ' '
        << name(tlsio::cipher_suite::chacha20_poly1305_sha256) << '\n'
        << "TLS 1.2 cipher suites: "
        << openssl_name(tlsio::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256) << ' '
        << openssl_name(tlsio::cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384) << ' '
        << openssl_name(tlsio::cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256) << ' '
        << openssl_name(tlsio::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256) << ' '
        << openssl_name(tlsio::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384) << ' '
        << openssl_name(tlsio::cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256) << '\n'
        << "groups: " << name(tlsio::named_group::x25519_mlkem768) << ' '
        << name(tlsio::named_group::secp256r1_mlkem768) << ' '
        << name(tlsio::named_group::secp384r1_mlkem1024) << ' ' << name(tlsio::named_group::x25519)
        << ' ' << name(tlsio::named_group::secp256r1) << ' ' << name(tlsio::named_group::secp384r1)
        << '\n'
        << "signatures: ECDSA (P-256, P-384, P-521), RSA-PSS, RSA PKCS#1 (certificates; TLS 1.2), "
           "Ed25519\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(std::cerr);
        return 2;
    }
    std::string mode = argv[1];
    if (mode == "--version" || mode == "-V" || mode == "version") {
        print_version(std::cout);
        return 0;
    }
    // `tlsio help MODE` is `tlsio MODE --help`.
    std::vector<char*> help_argv;
    std::string help_flag = "--help";
    if (mode == "help" && argc >= 3) {
        mode = argv[2];
        help_argv = {argv[0], argv[2], help_flag.data()};
        argc = 3;
        argv = help_argv.data();
    }
    tlsio_cli::arguments args(argc, argv, 2);
    try {
        if (mode == "client") {
            return tlsio_cli::run_client(args);
        }
        if (mode == "server") {
            return tlsio_cli::run_server(args);
        }
        if (mode == "demo") {
            return tlsio_cli::run_demo(args);
        }
        if (mode == "--help" || mode == "-h" || mode == "help") {
            usage(std::cout);
            return 0;
        }
        throw tlsio_cli::usage_error("unknown mode '" + mode + "'");
    } catch (const tlsio_cli::usage_error& err) {
        std::cerr << "error: " << err.what() << " (tlsio --help)" << std::endl;
        return 2;
    } catch (const boost::system::system_error& err) {
        std::cerr << "error: " << err.what() << std::endl;
        return 1;
    } catch (const std::exception& err) {
        std::cerr << "error: " << err.what() << std::endl;
        return 1;
    }
}
