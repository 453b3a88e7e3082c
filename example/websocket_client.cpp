//
// websocket_client.cpp: a secure WebSocket (wss://) client with Boost.Beast
// over tlsio::stream, co_await.
//
//   websocket_client HOST PORT CAFILE TEXT
//
// TLS handshake (certificate checked against CAFILE and HOST), WebSocket
// handshake, sends TEXT, prints the message that comes back, then closes the
// WebSocket; <tlsio/beast.hpp> gives Beast the TLS teardown (close_notify).
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

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

asio::awaitable<void> run(std::string host, std::string port, std::string text,
                          tlsio::context ctx) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    websocket::stream<tlsio::stream<beast::tcp_stream>> ws(ex, ctx);

    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
    auto endpoint = co_await beast::get_lowest_layer(ws).async_connect(
        co_await resolver.async_resolve(host, port, asio::use_awaitable), asio::use_awaitable);

    ws.next_layer().set_host(host);
    co_await ws.next_layer().async_handshake(tlsio::stream_base::client, asio::use_awaitable);

    // The WebSocket stream keeps its own timeouts from here on.
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    co_await ws.async_handshake(host + ":" + std::to_string(endpoint.port()), "/",
                                asio::use_awaitable);

    co_await ws.async_write(asio::buffer(text), asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, asio::use_awaitable);
    std::cout << "received: " << beast::buffers_to_string(buffer.data()) << std::endl;

    co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: websocket_client HOST PORT CAFILE TEXT\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tlsv13_client);
        ctx.load_verify_file(argv[3]);
        asio::io_context io;
        asio::co_spawn(io, run(argv[1], argv[2], argv[4], ctx), [](std::exception_ptr ep) {
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
