//
// echo_client.cpp: a TLS echo client over tlsio::stream, co_await.
//
//   echo_client HOST PORT CAFILE MESSAGE...
//
// Verifies the server against CAFILE and HOST, sends each MESSAGE, reads the
// echo back and prints it, then closes with close_notify. Exits non-zero if an
// echo differs from what was sent.
//
#include <tlsio/stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;

asio::awaitable<void> run(std::string host, std::string port, std::vector<std::string> messages,
                          tlsio::context ctx) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    tlsio::stream<tcp::socket> stream(ex, ctx);
    co_await asio::async_connect(stream.next_layer(),
                                 co_await resolver.async_resolve(host, port, asio::use_awaitable),
                                 asio::use_awaitable);
    stream.set_host(host);
    co_await stream.async_handshake(tlsio::stream_base::client, asio::use_awaitable);

    for (const std::string& message : messages) {
        co_await asio::async_write(stream, asio::buffer(message), asio::use_awaitable);
        std::string echo(message.size(), '\0');
        co_await asio::async_read(stream, asio::buffer(echo), asio::use_awaitable);
        std::cout << "echo: " << echo << std::endl;
        if (echo != message) {
            throw std::runtime_error("the echo differs from the message");
        }
    }
    co_await stream.async_shutdown(asio::use_awaitable);
}

int main(int argc, char** argv) {
    if (argc < 5) {
        std::cerr << "usage: echo_client HOST PORT CAFILE MESSAGE...\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tlsv13_client);
        ctx.load_verify_file(argv[3]);
        asio::io_context io;
        asio::co_spawn(io, run(argv[1], argv[2], {argv + 4, argv + argc}, ctx),
                       [](std::exception_ptr ep) {
                           if (ep) {
                               std::rethrow_exception(ep);
                           }
                       });
        io.run();
        return EXIT_SUCCESS;
    } catch (const std::exception& err) {
        std::cerr << "error: " << err.what() << '\n';
        return EXIT_FAILURE;
    }
}
