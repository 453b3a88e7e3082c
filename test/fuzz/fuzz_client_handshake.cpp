//
// libFuzzer target: a client engine sends its ClientHello, then receives the
// input as the server's reply (ServerHello or HelloRetryRequest and the
// encrypted flight) and runs its handshake; when that completes, reads what
// follows (application data, KeyUpdate, tickets, alerts), writes and shuts down.
// Seeds: a real server flight answering this client, written by make_seeds
// (replayable: the server's credential and both random sources are fixed).
// An input starting with tlsio_fuzz::tls12_mode goes to a client that also
// speaks TLS 1.2; its seeds answer it from a TLS 1.2-only server.
//
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tlsio::context tls13 = tlsio_fuzz::make_client_context();
    static const tlsio::context tls12 = tlsio_fuzz::make_client_context(true);
    std::span<const std::uint8_t> input(data, size);
    const bool with_tls12 = tlsio_fuzz::take_tls12_mode(input);
    tlsio::engine client(with_tls12 ? tls12 : tls13, tlsio::role::client,
                         tlsio_fuzz::client_options());
    if (tlsio_fuzz::drive(client) != tlsio::status::want_read) {
        __builtin_trap();  // the ClientHello must always go out
    }
    client.feed(input);
    if (tlsio_fuzz::drive(client) == tlsio::status::done) {
        tlsio_fuzz::run_application(client);
    }
    return 0;
}
