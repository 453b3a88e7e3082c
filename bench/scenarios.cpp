#include "scenarios.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

namespace bench {

std::size_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) {
        return 0;
    }
    unsigned long size = 0;
    unsigned long resident = 0;
    int got = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    if (got != 2) {
        return 0;
    }
    return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::size_t heap_in_use() {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

void trim_heap() {
    malloc_trim(0);
}

loopback::loopback()
    : acceptor(io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {}

std::pair<socket_type, socket_type> loopback::connect() {
    socket_type client(io);
    socket_type server(io);
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    client.set_option(boost::asio::ip::tcp::no_delay(true));
    server.set_option(boost::asio::ip::tcp::no_delay(true));
    return {std::move(client), std::move(server)};
}

void close_hard(socket_type::lowest_layer_type& s) {
    boost::system::error_code ec;
    s.set_option(boost::asio::socket_base::linger(true, 0), ec);
    s.close(ec);
}

}  // namespace bench
