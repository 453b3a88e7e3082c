//
// echo_server.cpp: a TLS echo server over tlsio::stream, co_await.
//
//   echo_server ADDRESS PORT CERT KEY
//
// Sends back whatever each client sends until the client's close_notify, then
// answers with its own. Clients are served at once, one coroutine each. PORT 0
// picks a free port; the line "listening on ADDRESS:PORT" says which.
//
#include <tlsio/stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <iostream>

namespace asio = boost::asio;
using asio::ip::tcp;

asio::awaitable<void> echo(tcp::socket socket, tlsio::context ctx) {
    tlsio::stream<tcp::socket> stream(std::move(socket), ctx);
    try {
        co_await stream.async_handshake(tlsio::stream_base::server, asio::use_awaitable);
        char data[4096];
        for (;;) {
            auto [ec, n] = co_await stream.async_read_some(asio::buffer(data),
                                                           asio::as_tuple(asio::use_awaitable));
            if (ec == asio::error::eof) {
                break;  // close_notify from the client
            }
            if (ec) {
                throw boost::system::system_error(ec);
            }
            co_await asio::async_write(stream, asio::buffer(data, n), asio::use_awaitable);
        }
        co_await stream.async_shutdown(asio::use_awaitable);
    } catch (const std::exception& err) {
        std::cerr << "connection: " << err.what() << '\n';
    }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, tlsio::context ctx) {
    for (;;) {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), echo(std::move(socket), ctx), asio::detached);
    }
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: echo_server ADDRESS PORT CERT KEY\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tlsv13_server);
        ctx.use_certificate_chain_file(argv[3]);
        ctx.use_private_key_file(argv[4]);

        asio::io_context io;
        tcp::acceptor acceptor(
            io, {asio::ip::make_address(argv[1]), static_cast<unsigned short>(std::atoi(argv[2]))});
        std::cout << "listening on " << acceptor.local_endpoint() << std::endl;
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](auto, int) { io.stop(); });
        asio::co_spawn(io, listen(acceptor, ctx), asio::detached);
        io.run();
        return EXIT_SUCCESS;
    } catch (const std::exception& err) {
        std::cerr << "error: " << err.what() << '\n';
        return EXIT_FAILURE;
    }
}
