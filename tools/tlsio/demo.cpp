//
// tools/tlsio/demo.cpp: `tlsio demo`, HTTPS on loopback in one process.
//
// Makes a self-signed ECDSA P-256 certificate for "localhost" in memory,
// starts a co_await HTTPS server (Beast HTTP over tlsio::stream<beast::tcp_stream>)
// on 127.0.0.1 port 0, fetches / from it with a Beast client over tlsio that
// verifies the certificate and the host name, prints what was negotiated and
// the response, times 20 more handshakes, and checks that a client expecting
// another host name is refused. Exit status 0 means every step worked.
//
#include "common.hpp"
#include "http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace tlsio_cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr int timed_connections = 20;
constexpr auto step_timeout = std::chrono::seconds(10);

struct demo_failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

asio::awaitable<void> server_session(tcp::socket socket, tlsio::context ctx) {
    // Records of a response leave in several small writes; Nagle would hold
    // the later ones for the peer's delayed ACK (40 ms on Linux).
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    https_stream s(std::move(socket), ctx);
    try {
        s.next_layer().expires_after(step_timeout);
        auto [ec] = co_await s.async_handshake(tlsio::stream_base::server, use_tuple);
        if (!ec) {
            co_await serve_http(s);
        }
        // A failed handshake is the refused client's doing; it reports it.
    } catch (const std::exception&) {
        // The client sees the same failure and reports it.
    }
}

asio::awaitable<void> server(tcp::acceptor& acceptor, tlsio::context ctx) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            co_return;  // closed once the client is done
        }
        asio::co_spawn(acceptor.get_executor(), server_session(std::move(socket), ctx),
                       asio::detached);
    }
}

struct connection_result {
    std::chrono::microseconds handshake{};
    std::string parameters;  // chain and negotiated parameters, when asked for
    http::response<http::string_body> response;
};

// One HTTPS connection: connect, handshake as a client expecting `host`, GET /
// and close_notify. Throws demo_failure with the reason when a step fails.
asio::awaitable<connection_result> fetch(tcp::endpoint server, tlsio::context ctx, std::string host,
                                         bool describe) {
    auto ex = co_await asio::this_coro::executor;
    https_stream s(beast::tcp_stream(ex), ctx);
    s.next_layer().expires_after(step_timeout);
    auto [cec] = co_await s.next_layer().async_connect(server, use_tuple);
    if (cec) {
        throw demo_failure("connect: " + cec.message());
    }
    s.next_layer().socket().set_option(tcp::no_delay(true));
    s.set_host(host);  // SNI, and the name the certificate must match
    connection_result result;
    const auto start = clock_type::now();
    auto [hec] = co_await s.async_handshake(tlsio::stream_base::client, use_tuple);
    result.handshake =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start);
    if (hec) {
        throw demo_failure(describe_error(hec, s.has_engine() ? &s.native_engine() : nullptr));
    }
    const tlsio::engine& e = s.native_engine();
    if (describe) {
        std::ostringstream out;
        print_chain(out, e.peer_certificates());
        print_parameters(out, e);
        out << "Verification: " << verify_result_text(e.verify_result())
            << " (chain and host name '" << host << "')\n";
        result.parameters = out.str();
    }

    http::request<http::empty_body> req{http::verb::get, "/", 11};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "tlsio demo");
    req.keep_alive(true);
    co_await http::async_write(s, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await http::async_read(s, buffer, result.response, asio::use_awaitable);
    if (result.response.result() != http::status::ok) {
        throw demo_failure("GET / answered " + std::to_string(result.response.result_int()));
    }
    // Close: our close_notify, then the server's.
    auto [sec] = co_await s.async_shutdown(use_tuple);
    if (sec) {
        throw demo_failure("shutdown: " + describe_error(sec, &e));
    }
    co_return result;
}

asio::awaitable<void> client(tcp::endpoint server, tlsio::context ctx, bool& ok) {
    // 1. One connection, shown in full.
    connection_result first = co_await fetch(server, ctx, "localhost", true);
    std::cout << "--- connection 1: handshake in " << first.handshake.count() << " µs\n"
              << first.parameters << "--- GET / -> response\n"
              << first.response.base() << first.response.body();

    // 2. Sequential connections, each a full handshake, a request and a close.
    std::vector<long> times;
    for (int i = 0; i < timed_connections; ++i) {
        connection_result r = co_await fetch(server, ctx, "localhost", false);
        times.push_back(static_cast<long>(r.handshake.count()));
    }
    std::sort(times.begin(), times.end());
    const long median = (times[times.size() / 2] + times[(times.size() - 1) / 2]) / 2;
    std::cout << "--- " << timed_connections
              << " more connections, one after another (full handshake, GET /, close):\n"
              << "handshake median " << median << " µs, min " << times.front() << " µs, max "
              << times.back() << " µs (client and server share one thread)\n";

    // 3. Verification is on: a client expecting another name is refused.
    try {
        co_await fetch(server, ctx, "example.com", false);
        std::cout << "--- FAILED: a client expecting 'example.com' was accepted\n";
        ok = false;
        co_return;
    } catch (const demo_failure& refused) {
        std::cout << "--- a client expecting 'example.com' is refused:\n" << refused.what() << '\n';
    }
    ok = true;
}

}  // namespace

int run_demo(arguments& args) {
    if (!args.done()) {
        std::string a = args.next();
        if (a == "--help" || a == "-h") {
            std::cout << "usage: tlsio demo\n"
                         "HTTPS on 127.0.0.1 in one process: a self-signed certificate made in\n"
                         "memory, a co_await Beast server and client over tlsio::stream.\n";
            return 0;
        }
        throw usage_error("demo takes no arguments");
    }
    const auto start = clock_type::now();
    credential cred = make_self_signed("localhost");

    tlsio::context server_ctx(tlsio::context::tlsv13_server);
    server_ctx.use_certificate_chain(cred.certificate_pem);
    server_ctx.use_private_key(cred.private_key_pem);
    server_ctx.set_alpn_protocols({"http/1.1"});

    tlsio::context client_ctx(tlsio::context::tlsv13_client);
    client_ctx.set_verify_mode(tlsio::verify_peer);
    client_ctx.add_certificate_authority(cred.certificate_pem);  // trusts exactly this one
    client_ctx.set_alpn_protocols({"http/1.1"});
    install_keylog(client_ctx, {});  // SSLKEYLOGFILE, if set

    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const tcp::endpoint endpoint = acceptor.local_endpoint();
    std::cout << "tlsio demo: HTTPS over tlsio::stream<beast::tcp_stream> on " << endpoint << '\n'
              << "server certificate: self-signed ECDSA P-256 for 'localhost', made in memory;\n"
              << "the client trusts it and checks the host name\n";

    bool ok = false;
    std::string failure;
    asio::co_spawn(io, server(acceptor, server_ctx), asio::detached);
    asio::co_spawn(io, client(endpoint, client_ctx, ok), [&](std::exception_ptr ep) {
        if (ep) {
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& err) {
                failure = err.what();
            }
            ok = false;
        }
        acceptor.close();
    });
    io.run();

    const auto total =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    if (!ok) {
        std::cerr << "error: tlsio demo failed"
                  << (failure.empty() ? std::string() : ": " + failure) << std::endl;
        return 1;
    }
    std::cout << "tlsio demo: ok (" << total.count() << " ms in all)" << std::endl;
    return 0;
}

}  // namespace tlsio_cli
