//
// libFuzzer target: a server engine receives the input as the bytes a client
// sent (ClientHello records and whatever follows) and runs its handshake;
// when that completes, reads what follows, writes and shuts down.
// Seeds: a real ClientHello and a whole client conversation, written by make_seeds.
//
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tlsio::context ctx = tlsio_fuzz::make_server_context();
    tlsio::engine server(ctx, tlsio::role::server);
    server.feed(std::span<const std::uint8_t>(data, size));
    if (tlsio_fuzz::drive(server) == tlsio::status::done) {
        tlsio_fuzz::run_application(server);
    }
    return 0;
}
