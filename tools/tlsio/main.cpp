//
// tools/tlsio/main.cpp: the tlsio command-line tool.
//
//   tlsio client HOST:PORT [options]   like openssl s_client
//   tlsio server --cert F --key F ...  like openssl s_server (echo or --www)
//   tlsio demo                         HTTPS on loopback in one process
//
#include "common.hpp"

#include <boost/system/system_error.hpp>

#include <iostream>
#include <string>

namespace {

void usage(std::ostream& out) {
    out << "usage: tlsio client HOST:PORT [options]   TLS 1.3 client (like openssl s_client)\n"
           "       tlsio server --cert F --key F ...  TLS 1.3 server (like openssl s_server)\n"
           "       tlsio demo                         HTTPS on 127.0.0.1 in one process\n"
           "`tlsio MODE --help` lists a mode's options. Key-log lines (NSS format) go to\n"
           "--keylog FILE and to $SSLKEYLOGFILE.\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(std::cerr);
        return 2;
    }
    const std::string mode = argv[1];
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
