//
// A program that uses an installed tlsio: built against the CMake package
// (find_package(tlsio CONFIG REQUIRED)) and through pkg-config by
// scripts/install_test.sh. It starts a client handshake and checks that the
// engine produced a ClientHello and now waits for the server.
//
#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>

#include <cstdio>

int main() {
    tlsio::context ctx(tlsio::context::tls_client);
    tlsio::engine_options options;
    options.server_name = "localhost";
    tlsio::engine client(ctx, tlsio::role::client, options);

    tlsio::status s = client.handshake();
    if (s != tlsio::status::want_read) {
        std::fprintf(stderr, "consumer: handshake() returned %d, expected want_read (%s)\n",
                     static_cast<int>(s), client.error().message().c_str());
        return 1;
    }
    if (client.output().empty()) {
        std::fprintf(stderr, "consumer: handshake() produced no ClientHello\n");
        return 1;
    }
    // A TLS record: handshake content type, then a ClientHello (type 1).
    auto out = client.output();
    if (out.size() < 6 || out[0] != 22 || out[5] != 1) {
        std::fprintf(stderr, "consumer: output does not start with a ClientHello record\n");
        return 1;
    }
    std::printf("consumer: ClientHello of %zu bytes, waiting for the server: ok\n", out.size());
    return 0;
}
