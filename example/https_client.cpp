//
// https_client.cpp: an HTTPS GET with Boost.Beast over tlsio::stream, co_await.
//
//   https_client HOST PORT PATH CAFILE
//
// Connects to HOST:PORT, sends HOST in SNI and checks the server's certificate
// against CAFILE and against HOST, GETs PATH and prints the response. The same
// code with boost::asio::ssl::stream differs only in the stream type and the
// context setup.
//
#include <tlsio/stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

asio::awaitable<void> get(std::string host, std::string port, std::string path,
                          tlsio::context ctx) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);

    tlsio::stream<beast::tcp_stream> stream(ex, ctx);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);

    stream.set_host(host);  // SNI, and the name the certificate must match
    co_await stream.async_handshake(tlsio::stream_base::client, asio::use_awaitable);
    const tlsio::engine& e = stream.native_engine();
    std::cerr << "connected: " << tlsio::name(e.version()) << ' ' << tlsio::name(e.cipher_suite())
              << ' ' << tlsio::name(e.group()) << '\n';

    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "tlsio https_client");
    co_await http::async_write(stream, req, asio::use_awaitable);

    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
    std::cout << res << std::endl;

    // close_notify both ways. Servers often close the TCP connection without
    // answering, which shows up as stream_truncated: harmless after a full
    // response.
    auto [ec] = co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    if (ec && ec != tlsio::error::stream_truncated) {
        throw boost::system::system_error(ec, "shutdown");
    }
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: https_client HOST PORT PATH CAFILE\n"
                     "example: https_client localhost 8443 / ca.pem\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tlsv13_client);
        ctx.load_verify_file(argv[4]);
        ctx.set_alpn_protocols({"http/1.1"});

        asio::io_context io;
        asio::co_spawn(io, get(argv[1], argv[2], argv[3], ctx), [](std::exception_ptr ep) {
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
