//
// libFuzzer target: a server engine receives the input as the bytes a client
// sent (ClientHello records and whatever follows) and runs its handshake.
// Seeds: a real ClientHello, written by make_seeds.
//
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tlsio::context ctx = tlsio_fuzz::make_server_context();
    tlsio::engine server(ctx, tlsio::role::server);
    server.feed(std::span<const std::uint8_t>(data, size));
    tlsio_fuzz::drive(server);
    return 0;
}
