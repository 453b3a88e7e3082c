//
// websocket_echo_server.cpp: the test's own secure WebSocket server, for
// example/websocket_client.cpp: Beast WebSocket over tlsio::stream, co_await.
//
//   websocket_echo_server CERT KEY
//
// Listens on 127.0.0.1, port chosen by the system, prints "listening on
// 127.0.0.1:PORT", echoes every message of every client until the client
// closes, and logs "closed: <code>" per connection. Runs until SIGTERM.
//
// tlsio/beast.hpp's async_teardown aggregate-initialises teardown_op without
// its last member, which -Wextra reports (-Wmissing-field-initializers) where
// Beast instantiates it; silenced here until the header is fixed.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <tlsio/beast.hpp>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#include <tlsio/stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

asio::awaitable<void> session(tcp::socket socket, tlsio::context ctx) {
    websocket::stream<tlsio::stream<beast::tcp_stream>> ws(std::move(socket), ctx);
    try {
        beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
        co_await ws.next_layer().async_handshake(tlsio::stream_base::server, asio::use_awaitable);
        beast::get_lowest_layer(ws).expires_never();
        ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        co_await ws.async_accept(asio::use_awaitable);
        for (;;) {
            beast::flat_buffer buffer;
            auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
            if (ec == websocket::error::closed) {
                std::cout << "closed: " << ws.reason().code << std::endl;
                co_return;
            }
            if (ec) {
                throw boost::system::system_error(ec);
            }
            std::cout << "message: " << beast::buffers_to_string(buffer.data()) << std::endl;
            ws.text(ws.got_text());
            co_await ws.async_write(buffer.data(), asio::use_awaitable);
        }
    } catch (const std::exception& err) {
        std::cout << "error: " << err.what() << std::endl;
    }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, tlsio::context ctx) {
    for (;;) {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), session(std::move(socket), ctx), asio::detached);
    }
}

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: websocket_echo_server CERT KEY\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tlsv13_server);
        ctx.use_certificate_chain_file(argv[1]);
        ctx.use_private_key_file(argv[2]);
        asio::io_context io;
        tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
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
