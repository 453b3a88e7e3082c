//
// libFuzzer target: a server engine receives the input as the bytes a client
// sent (ClientHello records and whatever follows) and runs its handshake;
// when that completes, reads what follows, writes and shuts down.
// Seeds: a real ClientHello and a whole client conversation, written by make_seeds.
// An input starting with tlsio_fuzz::tls12_mode goes to a server that also
// speaks TLS 1.2; its seeds come from a TLS 1.2-only client.
//
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tlsio::context tls13 = tlsio_fuzz::make_server_context();
    static const tlsio::context tls12 = tlsio_fuzz::make_server_context(true);
    std::span<const std::uint8_t> input(data, size);
    const bool with_tls12 = tlsio_fuzz::take_tls12_mode(input);
    tlsio::engine server(with_tls12 ? tls12 : tls13, tlsio::role::server);
    server.feed(input);
    if (tlsio_fuzz::drive(server) == tlsio::status::done) {
        tlsio_fuzz::run_application(server);
    }
    return 0;
}
