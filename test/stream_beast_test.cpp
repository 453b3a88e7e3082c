// tlsio::stream under Boost.Beast, as beast::ssl_stream is used: HTTP/1.1 with
// keep-alive and tcp_stream timeouts over tlsio::stream<beast::tcp_stream>, and
// WebSocket over it (<tlsio/beast.hpp>: teardown through close_notify) with
// concurrent reads and writes, pings and closes from either side.
#include <tlsio/beast.hpp>

#define BOOST_TEST_MODULE stream_beast_test
#include <boost/test/unit_test.hpp>

#include "support/loopback.hpp"
#include "support/pki.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;
using tlsio::stream_base;
using namespace std::chrono_literals;
using tlsio::test::run_bounded;
using tlsio::test::tcp_pair;

using tls_stream = tlsio::stream<beast::tcp_stream>;
using ws_stream = websocket::stream<tls_stream>;

// Printers so BOOST_TEST can show the expected side of `ec == enum`.
namespace boost::beast {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
namespace http {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
}  // namespace http
namespace websocket {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
}  // namespace websocket
}  // namespace boost::beast

namespace {

// Beast sees the TCP stream under the TLS stream as the lowest layer, so
// get_lowest_layer(s).expires_after() works as with beast::ssl_stream.
static_assert(std::is_same_v<beast::lowest_layer_type<tls_stream>, beast::tcp_stream>);
static_assert(std::is_same_v<beast::lowest_layer_type<ws_stream>, beast::tcp_stream>);
static_assert(beast::is_async_stream<tls_stream>::value);

// ---- PKI -----------------------------------------------------------------------------

const tlsio::test::authority& test_ca() {
    static const auto ca = tlsio::test::authority::make_root("tlsio beast test root");
    return ca;
}

tlsio::context server_context() {
    static const auto cert = test_ca().issue({});
    tlsio::context ctx(tlsio::context::tlsv13_server);
    ctx.use_certificate_chain(cert.chain_pem);
    ctx.use_private_key(cert.key_pem);
    return ctx;
}

tlsio::context client_context() {
    tlsio::context ctx(tlsio::context::tlsv13_client);
    ctx.add_certificate_authority(test_ca().root_pem());
    return ctx;
}

void spawn_checked(asio::io_context& io, asio::awaitable<void> task, std::string name,
                   int* done = nullptr) {
    asio::co_spawn(io, std::move(task), [name = std::move(name), done](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                BOOST_ERROR(name << " threw: " << x.what());
            }
        } else if (done != nullptr) {
            ++*done;
        }
    });
}

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// ---- HTTP ----------------------------------------------------------------------------

/// Answers requests on one connection until the client closes it (TLS
/// close_notify, which Beast reports as end_of_stream), then shuts down.
asio::awaitable<void> http_server(tls_stream& s, int& served, error_code& end) {
    beast::get_lowest_layer(s).expires_after(10s);
    co_await s.async_handshake(stream_base::server, asio::use_awaitable);
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        beast::get_lowest_layer(s).expires_after(10s);
        auto [ec, n] = co_await http::async_read(s, buffer, req, tuple_awaitable);
        if (ec) {
            end = ec;
            break;
        }
        http::response<http::string_body> res(http::status::ok, req.version());
        res.set(http::field::content_type, "text/plain");
        res.keep_alive(req.keep_alive());
        res.body() = std::string(req.method_string()) + " " + std::string(req.target()) + " " +
                     std::to_string(req.body().size());
        res.prepare_payload();
        co_await http::async_write(s, res, asio::use_awaitable);
        ++served;
        if (!res.keep_alive()) {
            break;
        }
    }
    if (end == http::error::end_of_stream) {
        co_await s.async_shutdown(asio::use_awaitable);
    }
}

asio::awaitable<void> http_client(tls_stream& s, std::vector<std::string>& bodies,
                                  std::vector<bool>& keep_alive) {
    beast::get_lowest_layer(s).expires_after(10s);
    co_await s.async_handshake(stream_base::client, asio::use_awaitable);
    beast::flat_buffer buffer;
    for (int i = 0; i < 3; ++i) {
        http::request<http::string_body> req(i == 1 ? http::verb::post : http::verb::get,
                                             "/item/" + std::to_string(i), 11);
        req.set(http::field::host, "localhost");
        if (i == 1) {
            req.body() = std::string(200'000, 'b');  // several records each way
        }
        req.prepare_payload();
        beast::get_lowest_layer(s).expires_after(10s);
        co_await http::async_write(s, req, asio::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(s, buffer, res, asio::use_awaitable);
        BOOST_TEST(res.result() == http::status::ok);
        bodies.push_back(res.body());
        keep_alive.push_back(res.keep_alive());
    }
    co_await s.async_shutdown(asio::use_awaitable);
}

asio::awaitable<void> silent_after_handshake(tls_stream& s, stream_base::handshake_type type,
                                             asio::steady_timer& hold) {
    co_await s.async_handshake(type, asio::use_awaitable);
    // Stay connected, say nothing, until the test is over.
    co_await hold.async_wait(tuple_awaitable);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_over_tlsio)

BOOST_AUTO_TEST_CASE(keep_alive_three_requests_on_one_connection) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tls_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    tls_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.set_host("localhost");
    int served = 0, done = 0;
    error_code end;
    std::vector<std::string> bodies;
    std::vector<bool> keep_alive;
    spawn_checked(io, http_server(srv, served, end), "server", &done);
    spawn_checked(io, http_client(cli, bodies, keep_alive), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST(served == 3);
    BOOST_TEST_REQUIRE(bodies.size() == 3u);
    BOOST_TEST(bodies[0] == "GET /item/0 0");
    BOOST_TEST(bodies[1] == "POST /item/1 200000");
    BOOST_TEST(bodies[2] == "GET /item/2 0");
    for (bool k : keep_alive) {
        BOOST_TEST(k);
    }
    // The client's close_notify ends the server's read loop the way a clean
    // TCP close does for plain HTTP.
    BOOST_TEST(end == http::error::end_of_stream, end.message());
    BOOST_TEST(cli.native_engine().received_close_notify());
    BOOST_TEST(srv.native_engine().received_close_notify());
}

namespace {
asio::awaitable<void> read_request_with_timeout(tls_stream& s, error_code& result,
                                                std::chrono::steady_clock::duration& took,
                                                asio::steady_timer& hold) {
    co_await s.async_handshake(stream_base::server, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    beast::get_lowest_layer(s).expires_after(200ms);
    const auto start = std::chrono::steady_clock::now();
    auto [ec, n] = co_await http::async_read(s, buffer, req, tuple_awaitable);
    took = std::chrono::steady_clock::now() - start;
    result = ec;
    hold.cancel();
}

asio::awaitable<void> request_with_timeout(tls_stream& s, error_code& result,
                                           asio::steady_timer& hold) {
    co_await s.async_handshake(stream_base::client, asio::use_awaitable);
    http::request<http::empty_body> req(http::verb::get, "/slow", 11);
    req.set(http::field::host, "localhost");
    co_await http::async_write(s, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::get_lowest_layer(s).expires_after(200ms);
    auto [ec, n] = co_await http::async_read(s, buffer, res, tuple_awaitable);
    result = ec;
    hold.cancel();
}
}  // namespace

BOOST_AUTO_TEST_CASE(server_read_timeout_passes_through) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tls_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    tls_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.set_host("localhost");
    asio::steady_timer hold(io, 20s);
    error_code result;
    std::chrono::steady_clock::duration took{};
    int done = 0;
    spawn_checked(io, silent_after_handshake(cli, stream_base::client, hold), "client", &done);
    spawn_checked(io, read_request_with_timeout(srv, result, took, hold), "server", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST(result == beast::error::timeout, result.message());
    BOOST_TEST(took >= 150ms);
    BOOST_TEST(took < 5s);
}

BOOST_AUTO_TEST_CASE(client_response_timeout_passes_through) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tls_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    tls_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.set_host("localhost");
    asio::steady_timer hold(io, 20s);
    error_code result;
    int done = 0;
    spawn_checked(io, silent_after_handshake(srv, stream_base::server, hold), "server", &done);
    spawn_checked(io, request_with_timeout(cli, result, hold), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST(result == beast::error::timeout, result.message());
}

namespace {
/// The shape of Beast 1.81's advanced_server_flex http_session: the next
/// request is read while the response is written (pipelining), and after a
/// response that closes the connection the stream is shut down while that
/// read is still pending.
struct pipelining_server {
    tls_stream& s;
    beast::flat_buffer buffer{};
    http::request<http::string_body> req{};
    http::response<http::string_body> res{};
    int served = 0;
    error_code read_end = asio::error::would_block;
    error_code shutdown_end = asio::error::would_block;

    void start() {
        beast::get_lowest_layer(s).expires_after(10s);
        s.async_handshake(stream_base::server, [this](error_code ec) {
            BOOST_TEST(!ec, ec.message());
            if (!ec) {
                read();
            }
        });
    }
    void read() {
        req = {};
        http::async_read(s, buffer, req, [this](error_code ec, std::size_t) { on_read(ec); });
    }
    void on_read(error_code ec) {
        if (ec) {
            read_end = ec;
            return;
        }
        res = http::response<http::string_body>(http::status::ok, req.version());
        res.keep_alive(req.keep_alive());
        res.body() = "served " + std::string(req.target());
        res.prepare_payload();
        read();  // pipelining: the next request is read at once
        http::async_write(s, res, [this](error_code wec, std::size_t) {
            BOOST_TEST(!wec, wec.message());
            ++served;
            if (!res.keep_alive()) {
                s.async_shutdown([this](error_code sec) { shutdown_end = sec; });
            }
        });
    }
};

/// An HTTP/1.0 client that keeps the socket open: after the response it
/// answers the server's close_notify with its own and leaves TCP alone.
asio::awaitable<void> http10_client(tls_stream& s, std::string& body, error_code& after) {
    beast::get_lowest_layer(s).expires_after(10s);
    co_await s.async_handshake(stream_base::client, asio::use_awaitable);
    http::request<http::empty_body> req(http::verb::get, "/one", 10);
    req.set(http::field::host, "localhost");
    co_await http::async_write(s, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(s, buffer, res, asio::use_awaitable);
    body = res.body();
    BOOST_TEST(!res.keep_alive());
    http::response<http::string_body> none;
    auto [ec, n] = co_await http::async_read(s, buffer, none, tuple_awaitable);
    after = ec;
    co_await s.async_shutdown(asio::use_awaitable);
}
}  // namespace

BOOST_AUTO_TEST_CASE(pipelined_http10_shutdown_with_a_read_pending) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tls_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    tls_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.set_host("localhost");
    pipelining_server server{srv};
    server.start();
    std::string body;
    error_code after;
    int done = 0;
    spawn_checked(io, http10_client(cli, body, after), "client", &done);
    run_bounded(io, 20s);
    BOOST_TEST(done == 1);
    BOOST_TEST(server.served == 1);
    BOOST_TEST(body == "served /one");
    BOOST_TEST(after == http::error::end_of_stream, after.message());
    // The pending read ended with the client's close_notify, and the shutdown
    // completed on it instead of waiting for the timeout (asio::ssl behaves so).
    BOOST_TEST(server.read_end == http::error::end_of_stream, server.read_end.message());
    BOOST_TEST(!server.shutdown_end, server.shutdown_end.message());
    BOOST_TEST(srv.native_engine().received_close_notify());
    BOOST_TEST(cli.next_layer().socket().is_open());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- WebSocket ---------------------------------------------------------------------------

namespace {

/// Echoes every message until the client closes; `closed` gets the reason.
asio::awaitable<void> ws_echo_server(ws_stream& ws, int& echoed, error_code& closed) {
    co_await ws.next_layer().async_handshake(stream_base::server, asio::use_awaitable);
    co_await ws.async_accept(asio::use_awaitable);
    for (;;) {
        beast::flat_buffer buffer;
        auto [ec, n] = co_await ws.async_read(buffer, tuple_awaitable);
        if (ec) {
            closed = ec;
            co_return;
        }
        ws.text(ws.got_text());
        co_await ws.async_write(buffer.data(), asio::use_awaitable);
        ++echoed;
    }
}

asio::awaitable<void> ws_connect(ws_stream& ws) {
    co_await ws.next_layer().async_handshake(stream_base::client, asio::use_awaitable);
    co_await ws.async_handshake("localhost", "/echo", asio::use_awaitable);
}

std::vector<std::string> test_messages() {
    std::vector<std::string> m = {"hello", std::string(70'000, 'w'), "", "last"};
    std::string binary(5000, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) {
        binary[i] = static_cast<char>(i & 0xff);
    }
    m.push_back(binary);
    return m;
}

/// Sends the messages one after another and checks each echo; then closes.
asio::awaitable<void> ws_sequential_client(ws_stream& ws, std::vector<std::string>& got) {
    co_await ws_connect(ws);
    for (const std::string& m : test_messages()) {
        ws.binary(true);
        co_await ws.async_write(asio::buffer(m), asio::use_awaitable);
        beast::flat_buffer buffer;
        co_await ws.async_read(buffer, asio::use_awaitable);
        got.push_back(beast::buffers_to_string(buffer.data()));
    }
    co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
}

void check_tls_closed(tls_stream& s, const char* who) {
    BOOST_TEST_CONTEXT(who) {
        // Beast's teardown went through tlsio::async_teardown: close_notify
        // both ways, then the TCP teardown.
        BOOST_TEST(s.native_engine().sent_close_notify());
        BOOST_TEST(s.native_engine().received_close_notify());
        BOOST_TEST(!beast::get_lowest_layer(s).socket().is_open());
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(websocket_over_tlsio)

BOOST_AUTO_TEST_CASE(handshake_echo_and_client_close) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    ws_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    ws_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.next_layer().set_host("localhost");
    int echoed = 0, done = 0;
    error_code server_end;
    std::vector<std::string> got;
    spawn_checked(io, ws_echo_server(srv, echoed, server_end), "server", &done);
    spawn_checked(io, ws_sequential_client(cli, got), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    const auto expected = test_messages();
    BOOST_TEST(echoed == static_cast<int>(expected.size()));
    BOOST_TEST((got == expected));
    BOOST_TEST(server_end == websocket::error::closed, server_end.message());
    BOOST_TEST(srv.reason().code == websocket::close_code::normal);
    BOOST_TEST(!cli.is_open());
    check_tls_closed(cli.next_layer(), "client");
    check_tls_closed(srv.next_layer(), "server");
}

namespace {
/// Keeps one read pending for all the echoes while it writes the messages and
/// pings: a read and a write in flight on the TLS stream at the same time.
asio::awaitable<void> ws_reader(ws_stream& ws, std::size_t expected, std::vector<std::string>& got,
                                error_code& end) {
    while (got.size() < expected) {
        beast::flat_buffer buffer;
        auto [ec, n] = co_await ws.async_read(buffer, tuple_awaitable);
        if (ec) {
            end = ec;
            co_return;
        }
        got.push_back(beast::buffers_to_string(buffer.data()));
    }
    auto [ec] = co_await ws.async_close(websocket::close_code::normal, tuple_awaitable);
    end = ec;
}

asio::awaitable<void> ws_concurrent_client(asio::io_context& io, ws_stream& ws, int count,
                                           std::vector<std::string>& got, error_code& end,
                                           int& reader_done) {
    co_await ws_connect(ws);
    spawn_checked(io, ws_reader(ws, static_cast<std::size_t>(count), got, end), "reader",
                  &reader_done);
    for (int i = 0; i < count; ++i) {
        co_await ws.async_write(asio::buffer("message " + std::to_string(i) + " " +
                                             std::string(static_cast<std::size_t>(i) * 997, 'm')),
                                asio::use_awaitable);
        if (i % 4 == 0) {
            co_await ws.async_ping({}, asio::use_awaitable);
        }
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(concurrent_read_and_writes_with_pings) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    ws_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    ws_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.next_layer().set_host("localhost");
    int pongs = 0;
    cli.control_callback([&](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::pong) {
            ++pongs;
        }
    });
    constexpr int count = 40;
    int echoed = 0, done = 0, reader_done = 0;
    error_code server_end, client_end;
    std::vector<std::string> got;
    spawn_checked(io, ws_echo_server(srv, echoed, server_end), "server", &done);
    spawn_checked(io, ws_concurrent_client(io, cli, count, got, client_end, reader_done), "client",
                  &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST(reader_done == 1);
    BOOST_TEST(echoed == count);
    BOOST_TEST_REQUIRE(got.size() == static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        BOOST_TEST(got[static_cast<std::size_t>(i)] ==
                   "message " + std::to_string(i) + " " +
                       std::string(static_cast<std::size_t>(i) * 997, 'm'));
    }
    BOOST_TEST(pongs == (count + 3) / 4);
    BOOST_TEST(!client_end, client_end.message());  // the client's own close
    BOOST_TEST(server_end == websocket::error::closed, server_end.message());
    check_tls_closed(cli.next_layer(), "client");
    check_tls_closed(srv.next_layer(), "server");
}

namespace {
/// The server greets, pings, then closes while the client's read is pending.
asio::awaitable<void> ws_closing_server(ws_stream& ws, error_code& close_result) {
    co_await ws.next_layer().async_handshake(stream_base::server, asio::use_awaitable);
    co_await ws.async_accept(asio::use_awaitable);
    co_await ws.async_write(asio::buffer(std::string("welcome")), asio::use_awaitable);
    co_await ws.async_ping({}, asio::use_awaitable);
    // A read must be pending for the server to see the client's pong and
    // close reply: close itself reads until the close frame comes back.
    auto [ec] = co_await ws.async_close(
        websocket::close_reason(websocket::close_code::going_away, "bye"), tuple_awaitable);
    close_result = ec;
}

asio::awaitable<void> ws_reading_client(ws_stream& ws, std::vector<std::string>& got,
                                        error_code& end) {
    co_await ws_connect(ws);
    for (;;) {
        beast::flat_buffer buffer;
        auto [ec, n] = co_await ws.async_read(buffer, tuple_awaitable);
        if (ec) {
            end = ec;
            co_return;
        }
        got.push_back(beast::buffers_to_string(buffer.data()));
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(server_closes_while_client_reads) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    ws_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    ws_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.next_layer().set_host("localhost");
    int pings = 0;
    cli.control_callback([&](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) {
            ++pings;
        }
    });
    error_code close_result = asio::error::would_block, client_end;
    std::vector<std::string> got;
    int done = 0;
    spawn_checked(io, ws_closing_server(srv, close_result), "server", &done);
    spawn_checked(io, ws_reading_client(cli, got, client_end), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0] == "welcome");
    BOOST_TEST(pings == 1);
    BOOST_TEST(!close_result, close_result.message());
    BOOST_TEST(client_end == websocket::error::closed, client_end.message());
    BOOST_TEST(cli.reason().code == websocket::close_code::going_away);
    BOOST_TEST(std::string(cli.reason().reason.c_str()) == "bye");
    check_tls_closed(cli.next_layer(), "client");
    check_tls_closed(srv.next_layer(), "server");
}

BOOST_AUTO_TEST_CASE(websocket_handshake_timeout_passes_through) {
    // A TLS peer that never sends the WebSocket upgrade: the server's accept
    // gives up through the tcp_stream's expiry under the TLS stream.
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tls_stream cli(beast::tcp_stream(std::move(cs)), client_context());
    ws_stream srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.set_host("localhost");
    asio::steady_timer hold(io, 20s);
    error_code accept_result;
    int done = 0;
    spawn_checked(io, silent_after_handshake(cli, stream_base::client, hold), "client", &done);
    asio::co_spawn(
        io,
        [](ws_stream& ws, error_code& result, asio::steady_timer& h) -> asio::awaitable<void> {
            co_await ws.next_layer().async_handshake(stream_base::server, asio::use_awaitable);
            beast::get_lowest_layer(ws).expires_after(200ms);
            auto [ec] = co_await ws.async_accept(tuple_awaitable);
            result = ec;
            h.cancel();
        }(srv, accept_result, hold),
        [&](std::exception_ptr e) {
            BOOST_TEST(!e);
            ++done;
        });
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST(accept_result == beast::error::timeout, accept_result.message());
}

BOOST_AUTO_TEST_SUITE_END()
