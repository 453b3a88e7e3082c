//
// https_server.cpp: an HTTPS server with Boost.Beast over tlsio::stream, co_await.
//
//   https_server ADDRESS PORT CERT KEY
//
// Serves a small page for every GET, to many clients at once (one coroutine
// per connection) and many requests per connection (keep-alive). PORT 0 picks
// a free port; the line "listening on ADDRESS:PORT" says which. Runs until
// SIGINT or SIGTERM.
//
// Clients that resume may send their first request as 0-RTT early data. An
// attacker can replay early data, so only GET and HEAD are answered from it;
// anything else gets 425 Too Early (RFC 8470) and the client retries after
// the handshake.
//
#include <tlsio/stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

http::response<http::string_body> answer(const http::request<http::string_body>& req,
                                         const tlsio::engine& e, bool early) {
    const bool safe = req.method() == http::verb::get || req.method() == http::verb::head;
    if (early && !safe) {
        // 425 Too Early (RFC 8470), which Beast's status enum lacks.
        http::response<http::string_body> res;
        res.version(req.version());
        res.result(425u);
        res.reason("Too Early");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        return res;
    }
    if (!safe) {
        http::response<http::string_body> res{http::status::method_not_allowed, req.version()};
        res.set(http::field::allow, "GET, HEAD");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        return res;
    }
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "tlsio https_server");
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = "Hello from tlsio over " + std::string(tlsio::name(e.version())) + " with " +
                 tlsio::name(e.cipher_suite()) +
                 (early ? " (the request came as 0-RTT early data)" : "") + "\n";
    res.prepare_payload();
    if (req.method() == http::verb::head) {
        res.body().clear();  // the Content-Length of the GET stays
    }
    return res;
}

asio::awaitable<void> session(tcp::socket socket, tlsio::context ctx) {
    socket.set_option(tcp::no_delay(true));  // small responses leave at once
    tlsio::stream<beast::tcp_stream> stream(std::move(socket), ctx);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    auto [hec] = co_await stream.async_handshake(tlsio::stream_base::server, use_tuple);
    if (hec) {
        std::cerr << "handshake: " << hec.message() << '\n';
        co_return;
    }
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
        auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
        if (ec == http::error::end_of_stream) {
            break;  // the client sent close_notify
        }
        if (ec) {
            std::cerr << "read: " << ec.message() << '\n';
            co_return;
        }
        auto res = answer(req, stream.native_engine(), stream.data_is_early());
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec) {
            std::cerr << "write: " << wec.message() << '\n';
            co_return;
        }
        if (!res.keep_alive()) {
            break;
        }
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await stream.async_shutdown(use_tuple);
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, tlsio::context ctx) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            co_return;
        }
        asio::co_spawn(acceptor.get_executor(), session(std::move(socket), ctx), asio::detached);
    }
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: https_server ADDRESS PORT CERT KEY\n"
                     "example: https_server 127.0.0.1 8443 cert.pem key.pem\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tlsv13_server);
        ctx.use_certificate_chain_file(argv[3]);
        ctx.use_private_key_file(argv[4]);
        ctx.set_alpn_protocols({"http/1.1"});
        ctx.set_max_early_data(16384);  // 0-RTT for resuming clients

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
