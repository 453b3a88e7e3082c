//
// https_reconnect.cpp: HTTPS GETs on new connections with Boost.Beast over
// tlsio::stream, co_await: the first connection does a full handshake, the
// next ones resume its session and send their request as 0-RTT early data.
//
//   https_reconnect HOST PORT PATH CAFILE [CONNECTIONS]
//
// Nothing in the code resumes explicitly: a client stream with a host name
// offers a ticket from its context's session cache by itself. set_early_data
// lets the first write (the GET) leave with the ClientHello when the ticket
// allows it, so the answer comes one round trip sooner; if the server
// rejects the early data, the stream sends the request again after the
// handshake, and the code stays the same. Only requests that are safe to
// replay belong in early data.
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

const char* describe(tlsio::early_data_status s) {
    switch (s) {
        case tlsio::early_data_status::accepted:
            return "the request went as 0-RTT early data";
        case tlsio::early_data_status::rejected:
            return "0-RTT rejected, the request was sent again after the handshake";
        case tlsio::early_data_status::not_sent:
            break;
    }
    return "no 0-RTT";
}

asio::awaitable<void> get(int number, const std::string& host,
                          const tcp::resolver::results_type& endpoints, const std::string& path,
                          tlsio::context& ctx) {
    auto ex = co_await asio::this_coro::executor;
    tlsio::stream<beast::tcp_stream> stream(ex, ctx);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);

    stream.set_host(host);
    stream.set_early_data(true);
    // With a ticket that allows 0-RTT this completes at once, before the
    // server has answered; the write below then leaves as early data, and
    // the read completes the handshake.
    co_await stream.async_handshake(tlsio::stream_base::client, asio::use_awaitable);

    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "tlsio https_reconnect");
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);

    std::cerr << "connection " << number << ": "
              << (stream.session_reused() ? "resumed" : "full handshake") << ", "
              << describe(stream.get_early_data_status()) << '\n';
    std::cout << res.result_int() << ' ' << res.body() << std::flush;

    // The shutdown also reads the server's new tickets for the next connection.
    auto [ec] = co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    if (ec && ec != tlsio::error::stream_truncated) {
        throw boost::system::system_error(ec, "shutdown");
    }
}

asio::awaitable<void> run(std::string host, std::string port, std::string path, int connections,
                          tlsio::context ctx) {
    tcp::resolver resolver(co_await asio::this_coro::executor);
    auto endpoints = co_await resolver.async_resolve(host, port, asio::use_awaitable);
    for (int i = 1; i <= connections; ++i) {
        co_await get(i, host, endpoints, path, ctx);
    }
}

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::cerr << "usage: https_reconnect HOST PORT PATH CAFILE [CONNECTIONS]\n"
                     "example: https_reconnect localhost 8443 / ca.pem 3\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tls_client);
        ctx.load_verify_file(argv[4]);
        ctx.set_alpn_protocols({"http/1.1"});
        const int connections = argc == 6 ? std::atoi(argv[5]) : 3;

        asio::io_context io;
        asio::co_spawn(io, run(argv[1], argv[2], argv[3], connections, ctx),
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
