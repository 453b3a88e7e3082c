//
// make_seeds: writes seed inputs for the handshake fuzz targets by running a
// real client and server engine against each other:
//   DIR/server_handshake/client_hello   the client's first flight
//   DIR/client_handshake/server_flight  the server's answer to it
// Usage: make_seeds DIR
//
#include "fuzz_support.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace {

std::vector<std::uint8_t> take_output(tlsio::engine& e) {
    auto out = e.output();
    std::vector<std::uint8_t> bytes(out.begin(), out.end());
    e.consume_output(out.size());
    return bytes;
}

bool write_seed(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    std::printf("make_seeds: %s (%zu bytes)\n", path.c_str(), bytes.size());
    return static_cast<bool>(file) && !bytes.empty();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    std::filesystem::path dir = argv[1];

    tlsio::context client_ctx = tlsio_fuzz::make_client_context();
    tlsio::context server_ctx = tlsio_fuzz::make_server_context();
    tlsio::engine client(client_ctx, tlsio::role::client, tlsio_fuzz::client_options());
    tlsio::engine server(server_ctx, tlsio::role::server);

    client.handshake();
    std::vector<std::uint8_t> client_hello = take_output(client);
    server.feed(client_hello);
    server.handshake();
    std::vector<std::uint8_t> server_flight = take_output(server);

    bool ok = write_seed(dir / "server_handshake" / "client_hello", client_hello);
    ok = write_seed(dir / "client_handshake" / "server_flight", server_flight) && ok;
    if (!ok) {
        std::fprintf(stderr, "make_seeds: an engine produced no output (%s / %s)\n",
                     client.error().message().c_str(), server.error().message().c_str());
        return 1;
    }
    return 0;
}
