// tlsio::stream<NextLayer>, the Asio front end: every completion token style,
// the never-inline rule, associated executor and allocator, per-operation
// cancellation and timeouts, full duplex with KeyUpdates under load, shutdown
// from either side and truncation, the synchronous API and the error codes
// that handshake failures surface as. Over loopback TCP and over the in-memory
// stream of support/test_stream.hpp.
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE stream_test
#include <boost/test/unit_test.hpp>

#include "support/loopback.hpp"
#include "support/pki.hpp"
#include "support/test_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#if TLSIO_TEST_HAVE_SPAWN
#include <boost/asio/spawn.hpp>
#endif

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <future>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;
using tlsio::stream_base;
using tlsio::test::memory_stream;
using namespace std::chrono_literals;
using tlsio::test::run_bounded;
using tlsio::test::tcp_pair;

using tls_tcp = tlsio::stream<tcp::socket>;
using tls_mem = tlsio::stream<memory_stream>;

// Printers so BOOST_TEST can show the expected side of `ec == tlsio::error::x`.
namespace tlsio {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
inline std::ostream& operator<<(std::ostream& os, alert a) {
    return os << "alert " << alert_name(a);
}
inline std::ostream& operator<<(std::ostream& os, condition c) {
    return os << make_error_condition(c).message();
}
}  // namespace tlsio

namespace boost::beast {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
}  // namespace boost::beast

// ---- What co_await and the other tokens give -------------------------------------

namespace {

template <class Token>
using read_result_t = decltype(std::declval<tls_tcp&>().async_read_some(
    std::declval<asio::mutable_buffer>(), std::declval<Token>()));
template <class Token>
using write_result_t = decltype(std::declval<tls_tcp&>().async_write_some(
    std::declval<asio::const_buffer>(), std::declval<Token>()));
template <class Token>
using handshake_result_t =
    decltype(std::declval<tls_tcp&>().async_handshake(stream_base::client, std::declval<Token>()));
template <class Token>
using shutdown_result_t = decltype(std::declval<tls_tcp&>().async_shutdown(std::declval<Token>()));

using awaitable_token = const asio::use_awaitable_t<>&;
using tuple_token = asio::as_tuple_t<asio::use_awaitable_t<>>;
using future_token = const asio::use_future_t<>&;

// `co_await s.async_read_some(buf, use_awaitable)` is a std::size_t, and so on.
static_assert(std::is_same_v<read_result_t<awaitable_token>, asio::awaitable<std::size_t>>);
static_assert(std::is_same_v<write_result_t<awaitable_token>, asio::awaitable<std::size_t>>);
static_assert(std::is_same_v<handshake_result_t<awaitable_token>, asio::awaitable<void>>);
static_assert(std::is_same_v<shutdown_result_t<awaitable_token>, asio::awaitable<void>>);
static_assert(std::is_same_v<read_result_t<tuple_token>,
                             asio::awaitable<std::tuple<error_code, std::size_t>>>);
static_assert(std::is_same_v<write_result_t<tuple_token>,
                             asio::awaitable<std::tuple<error_code, std::size_t>>>);
static_assert(
    std::is_same_v<handshake_result_t<tuple_token>, asio::awaitable<std::tuple<error_code>>>);
static_assert(
    std::is_same_v<shutdown_result_t<tuple_token>, asio::awaitable<std::tuple<error_code>>>);
static_assert(std::is_same_v<read_result_t<future_token>, std::future<std::size_t>>);
static_assert(std::is_same_v<write_result_t<future_token>, std::future<std::size_t>>);
static_assert(std::is_same_v<handshake_result_t<future_token>, std::future<void>>);
static_assert(std::is_same_v<shutdown_result_t<future_token>, std::future<void>>);
#if TLSIO_TEST_HAVE_SPAWN
static_assert(std::is_same_v<read_result_t<const asio::yield_context&>, std::size_t>);
static_assert(std::is_same_v<write_result_t<const asio::yield_context&>, std::size_t>);
static_assert(std::is_same_v<handshake_result_t<const asio::yield_context&>, void>);
static_assert(std::is_same_v<shutdown_result_t<const asio::yield_context&>, void>);
#endif

// The stream is what Asio's and Beast's algorithms expect.
static_assert(beast::is_async_stream<tls_tcp>::value);
static_assert(beast::is_sync_stream<tls_tcp>::value);
static_assert(beast::is_async_stream<tls_mem>::value);
static_assert(beast::is_async_stream<tlsio::stream<beast::tcp_stream>>::value);
// As in asio::ssl::stream: the next layer's own lowest layer.
static_assert(std::is_same_v<tls_tcp::lowest_layer_type, tcp::socket::lowest_layer_type>);
static_assert(std::is_move_constructible_v<tls_tcp>);

// ---- PKI and contexts ------------------------------------------------------------

const tlsio::test::authority& test_ca() {
    static const auto ca = tlsio::test::authority::make_root("tlsio stream test root");
    return ca;
}

const tlsio::test::issued& localhost_cert() {
    static const auto cert = [] {
        tlsio::test::leaf_options o;
        o.ip_addresses = {"127.0.0.1"};
        return test_ca().issue(o);
    }();
    return cert;
}

const tlsio::test::issued& client_cert() {
    static const auto cert = [] {
        tlsio::test::leaf_options o;
        o.common_name = "stream test client";
        o.dns_names = {"client.test"};
        return test_ca().issue(o);
    }();
    return cert;
}

tlsio::context server_context() {
    tlsio::context ctx(tlsio::context::tlsv13_server);
    ctx.use_certificate_chain(localhost_cert().chain_pem);
    ctx.use_private_key(localhost_cert().key_pem);
    return ctx;
}

tlsio::context client_context() {
    tlsio::context ctx(tlsio::context::tlsv13_client);
    ctx.add_certificate_authority(test_ca().root_pem());
    return ctx;
}

// ---- Transports ----------------------------------------------------------------------

/// A client and a server stream on the two ends of a connected loopback TCP
/// pair, with the test contexts; the client expects the name "localhost". As
/// a fixture (BOOST_FIXTURE_TEST_CASE), the test case sees `io`, `cli` and `srv`.
struct tcp_streams {
    asio::io_context io;
    std::pair<tcp::socket, tcp::socket> transport_ = tcp_pair(io);
    tls_tcp cli{std::move(transport_.first), client_context()};
    tls_tcp srv{std::move(transport_.second), server_context()};
    tcp_streams() { cli.set_host("localhost"); }
};

/// The same over the in-memory stream of support/test_stream.hpp.
struct memory_streams {
    asio::io_context io;
    std::pair<memory_stream, memory_stream> transport_ =
        tlsio::test::make_memory_pair(io.get_executor());
    tls_mem cli{std::move(transport_.first), client_context()};
    tls_mem srv{std::move(transport_.second), server_context()};
    memory_streams() { cli.set_host("localhost"); }
};

/// Handshakes both ends (async) and requires both to succeed; leaves `io`
/// ready to run again.
template <class Stream>
void handshake_both(asio::io_context& io, Stream& cli, Stream& srv) {
    error_code cec = asio::error::would_block, sec = asio::error::would_block;
    cli.async_handshake(stream_base::client, [&](error_code ec) { cec = ec; });
    srv.async_handshake(stream_base::server, [&](error_code ec) { sec = ec; });
    run_bounded(io);
    BOOST_TEST_REQUIRE(!cec, cec.message());
    BOOST_TEST_REQUIRE(!sec, sec.message());
}

/// Starts a coroutine; an exception escaping it fails the test, a normal end
/// increments `*done`.
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

/// For the blocking API: after `limit`, shuts the sockets down so that blocked
/// calls return, and remembers that it had to.
class watchdog {
public:
    watchdog(std::chrono::steady_clock::duration limit, std::vector<int> fds)
        : thread_([this, limit, fds = std::move(fds)] {
              std::unique_lock lock(mutex_);
              if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
                  fired_ = true;
                  for (int fd : fds) {
                      ::shutdown(fd, SHUT_RDWR);
                  }
              }
          }) {}
    ~watchdog() { stop(); }
    /// Ends the watch; true if it had to fire.
    bool stop() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) {
            thread_.join();
        }
        return fired_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    bool fired_ = false;
    std::thread thread_;
};

std::vector<std::uint8_t> pattern(std::size_t size, unsigned seed) {
    std::vector<std::uint8_t> v(size);
    for (std::size_t i = 0; i < size; ++i) {
        v[i] = static_cast<std::uint8_t>((i * 251u + seed + (i >> 16)) & 0xffu);
    }
    return v;
}

std::string text(const std::array<char, 256>& buf, std::size_t n) {
    return std::string(buf.data(), n);
}

// ---- Reusable coroutines -------------------------------------------------------------

/// Server side of the basic exchange: handshake, echo one message, read until
/// the client's close_notify (eof), then answer with our own.
template <class Stream>
asio::awaitable<void> echo_server(Stream& s) {
    co_await s.async_handshake(stream_base::server, asio::use_awaitable);
    std::array<char, 256> buf{};
    std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
    co_await asio::async_write(s, asio::buffer(buf.data(), n), asio::use_awaitable);
    auto [ec, m] =
        co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    BOOST_TEST(ec == asio::error::eof, "echo_server: read after close_notify: " << ec.message());
    BOOST_TEST(m == 0u);
    co_await s.async_shutdown(asio::use_awaitable);
}

/// Server that only handshakes and then waits for the client's close_notify.
template <class Stream>
asio::awaitable<void> handshake_then_wait_server(Stream& s) {
    co_await s.async_handshake(stream_base::server, asio::use_awaitable);
    std::array<char, 256> buf{};
    auto [ec, n] =
        co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    BOOST_TEST(ec == asio::error::eof, "server: " << ec.message());
    co_await s.async_shutdown(asio::use_awaitable);
}

}  // namespace

// =========================================================================================
BOOST_AUTO_TEST_SUITE(completion_tokens)

BOOST_FIXTURE_TEST_CASE(callbacks, tcp_streams) {
    int server_done = 0;
    spawn_checked(io, echo_server(srv), "server", &server_done);

    const std::string msg = "hello over callbacks";
    std::array<char, 256> buf{};
    std::string echoed;
    bool client_done = false;
    cli.async_handshake(stream_base::client, [&](error_code ec1) {
        BOOST_TEST_REQUIRE(!ec1, ec1.message());
        cli.async_write_some(asio::buffer(msg), [&](error_code ec2, std::size_t n2) {
            BOOST_TEST_REQUIRE(!ec2, ec2.message());
            BOOST_TEST(n2 == msg.size());
            cli.async_read_some(asio::buffer(buf), [&](error_code ec3, std::size_t n3) {
                BOOST_TEST_REQUIRE(!ec3, ec3.message());
                echoed = text(buf, n3);
                cli.async_shutdown([&](error_code ec4) {
                    BOOST_TEST(!ec4, ec4.message());
                    client_done = true;
                });
            });
        });
    });
    run_bounded(io);
    BOOST_TEST(client_done);
    BOOST_TEST(server_done == 1);
    BOOST_TEST(echoed == msg);
    BOOST_TEST(cli.native_engine().sent_close_notify());
    BOOST_TEST(cli.native_engine().received_close_notify());
}

namespace {
asio::awaitable<void> awaitable_client(tls_tcp& s, std::string& echoed) {
    co_await s.async_handshake(stream_base::client, asio::use_awaitable);
    const std::string msg = "hello over use_awaitable";
    std::size_t n = co_await s.async_write_some(asio::buffer(msg), asio::use_awaitable);
    BOOST_TEST(n == msg.size());
    std::string got(msg.size(), '\0');
    co_await asio::async_read(s, asio::buffer(got), asio::use_awaitable);
    echoed = got;
    co_await s.async_shutdown(asio::use_awaitable);
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(use_awaitable, tcp_streams) {
    int done = 0;
    std::string echoed;
    spawn_checked(io, echo_server(srv), "server", &done);
    spawn_checked(io, awaitable_client(cli, echoed), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST(echoed == "hello over use_awaitable");
}

namespace {
using default_awaitable_socket = asio::use_awaitable_t<>::as_default_on_t<tcp::socket>;
using tls_default_awaitable = tlsio::stream<default_awaitable_socket>;

asio::awaitable<void> default_token_client(tls_default_awaitable& s, std::string& echoed) {
    // No token: the executor's default completion token (use_awaitable) applies.
    co_await s.async_handshake(stream_base::client);
    const std::string msg = "default token";
    std::size_t n = co_await s.async_write_some(asio::buffer(msg));
    std::array<char, 256> buf{};
    std::size_t m = co_await s.async_read_some(asio::buffer(buf));
    BOOST_TEST(n == msg.size());
    echoed = text(buf, m);
    co_await s.async_shutdown();
}
}  // namespace

BOOST_AUTO_TEST_CASE(default_completion_token_of_the_executor) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tls_default_awaitable cli(default_awaitable_socket(std::move(cs)), client_context());
    tls_tcp srv(std::move(ss), server_context());
    cli.set_host("localhost");
    int done = 0;
    std::string echoed;
    spawn_checked(io, echo_server(srv), "server", &done);
    spawn_checked(io, default_token_client(cli, echoed), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST(echoed == "default token");
}

BOOST_FIXTURE_TEST_CASE(deferred, memory_streams) {
    // Deferred operations do nothing until they are invoked.
    auto client_handshake = cli.async_handshake(stream_base::client, asio::deferred);
    auto server_handshake = srv.async_handshake(stream_base::server, asio::deferred);
    io.poll();
    BOOST_TEST(cli.next_layer().state().writes.started == 0u);
    BOOST_TEST(cli.next_layer().state().reads_started == 0u);
    BOOST_TEST(srv.next_layer().state().reads_started == 0u);

    int server_done = 0;
    std::array<char, 256> sbuf{};
    std::move(server_handshake)([&](error_code ec) {
        BOOST_TEST_REQUIRE(!ec, ec.message());
        // A deferred chain: read, then echo what was read.
        srv.async_read_some(asio::buffer(sbuf), asio::deferred([&](error_code ec2, std::size_t n) {
                                BOOST_TEST(!ec2, ec2.message());
                                return srv.async_write_some(asio::buffer(sbuf.data(), n),
                                                            asio::deferred);
                            }))([&](error_code ec3, std::size_t) {
            BOOST_TEST(!ec3, ec3.message());
            ++server_done;
        });
    });

    const std::string msg = "hello over deferred";
    std::array<char, 256> cbuf{};
    std::string echoed;
    bool client_done = false;
    std::move(client_handshake)([&](error_code ec) {
        BOOST_TEST_REQUIRE(!ec, ec.message());
        auto write = cli.async_write_some(asio::buffer(msg), asio::deferred);
        auto read = cli.async_read_some(asio::buffer(cbuf), asio::deferred);
        std::move(write)([&, read = std::move(read)](error_code ec2, std::size_t n) mutable {
            BOOST_TEST_REQUIRE(!ec2, ec2.message());
            BOOST_TEST(n == msg.size());
            std::move(read)([&](error_code ec3, std::size_t m) {
                BOOST_TEST(!ec3, ec3.message());
                echoed = text(cbuf, m);
                client_done = true;
            });
        });
    });
    run_bounded(io);
    BOOST_TEST(server_done == 1);
    BOOST_TEST(client_done);
    BOOST_TEST(echoed == msg);
}

BOOST_FIXTURE_TEST_CASE(use_future, tcp_streams) {
    int server_done = 0;
    spawn_checked(io, echo_server(srv), "server", &server_done);

    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run_for(30s); });
    auto ready = [](auto& f) { return f.wait_for(20s) == std::future_status::ready; };

    bool ok = false;
    std::string echoed;
    error_code read_after_close;
    try {
        std::future<void> hs = cli.async_handshake(stream_base::client, asio::use_future);
        BOOST_TEST_REQUIRE(ready(hs));
        hs.get();
        const std::string msg = "hello over use_future";
        std::future<std::size_t> w = cli.async_write_some(asio::buffer(msg), asio::use_future);
        BOOST_TEST_REQUIRE(ready(w));
        BOOST_TEST(w.get() == msg.size());
        std::string got(msg.size(), '\0');
        std::future<std::size_t> r = asio::async_read(cli, asio::buffer(got), asio::use_future);
        BOOST_TEST_REQUIRE(ready(r));
        BOOST_TEST(r.get() == msg.size());
        echoed = got;
        std::future<void> sd = cli.async_shutdown(asio::use_future);
        BOOST_TEST_REQUIRE(ready(sd));
        sd.get();
        // An error reaches a future as a system_error exception.
        std::array<char, 16> buf{};
        std::future<std::size_t> after = cli.async_read_some(asio::buffer(buf), asio::use_future);
        BOOST_TEST_REQUIRE(ready(after));
        try {
            after.get();
        } catch (const boost::system::system_error& e) {
            read_after_close = e.code();
        }
        ok = true;
    } catch (const std::exception& e) {
        BOOST_ERROR("use_future client: " << e.what());
    }
    work.reset();
    if (!ok) {
        io.stop();
    }
    runner.join();
    BOOST_TEST(ok);
    BOOST_TEST(echoed == "hello over use_future");
    BOOST_TEST(read_after_close == asio::error::eof, read_after_close.message());
    BOOST_TEST(server_done == 1);
}

#if TLSIO_TEST_HAVE_SPAWN
BOOST_FIXTURE_TEST_CASE(yield_context, tcp_streams) {
    int server_done = 0;
    spawn_checked(io, echo_server(srv), "server", &server_done);

    bool client_done = false;
    std::string echoed;
    error_code after_close;
    asio::spawn(
        io,
        [&](asio::yield_context yield) {
            cli.async_handshake(stream_base::client, yield);
            const std::string msg = "hello over yield_context";
            std::size_t n = cli.async_write_some(asio::buffer(msg), yield);
            BOOST_TEST(n == msg.size());
            std::string got(msg.size(), '\0');
            asio::async_read(cli, asio::buffer(got), yield);
            echoed = got;
            cli.async_shutdown(yield);
            // yield[ec] reports errors through ec instead of throwing.
            std::array<char, 16> buf{};
            std::size_t m = cli.async_read_some(asio::buffer(buf), yield[after_close]);
            BOOST_TEST(m == 0u);
            client_done = true;
        },
        [](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& x) {
                    BOOST_ERROR("spawned client threw: " << x.what());
                }
            }
        });
    run_bounded(io);
    BOOST_TEST(client_done);
    BOOST_TEST(server_done == 1);
    BOOST_TEST(echoed == "hello over yield_context");
    BOOST_TEST(after_close == asio::error::eof, after_close.message());
}
#endif

namespace {
asio::awaitable<void> tuple_client(tls_tcp& s, std::vector<error_code>& errors, std::string& got) {
    auto token = asio::as_tuple(asio::use_awaitable);
    auto [hs] = co_await s.async_handshake(stream_base::client, token);
    errors.push_back(hs);
    const std::string msg = "as_tuple";
    auto [wec, wn] = co_await s.async_write_some(asio::buffer(msg), token);
    errors.push_back(wec);
    BOOST_TEST(wn == msg.size());
    std::array<char, 256> buf{};
    auto [rec, rn] = co_await s.async_read_some(asio::buffer(buf), token);
    errors.push_back(rec);
    got = text(buf, rn);
    // The server now closes TCP without close_notify.
    auto [tec, tn] = co_await s.async_read_some(asio::buffer(buf), token);
    errors.push_back(tec);
    BOOST_TEST(tn == 0u);
}

asio::awaitable<void> echo_then_drop_server(tls_tcp& s) {
    co_await s.async_handshake(stream_base::server, asio::use_awaitable);
    std::array<char, 256> buf{};
    std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
    co_await asio::async_write(s, asio::buffer(buf.data(), n), asio::use_awaitable);
    s.next_layer().close();
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(as_tuple, tcp_streams) {
    int done = 0;
    std::vector<error_code> errors;
    std::string got;
    spawn_checked(io, echo_then_drop_server(srv), "server", &done);
    spawn_checked(io, tuple_client(cli, errors, got), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 2);
    BOOST_TEST_REQUIRE(errors.size() == 4u);
    BOOST_TEST(!errors[0], errors[0].message());
    BOOST_TEST(!errors[1], errors[1].message());
    BOOST_TEST(!errors[2], errors[2].message());
    BOOST_TEST(got == "as_tuple");
    BOOST_TEST(errors[3] == tlsio::error::stream_truncated, errors[3].message());
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(never_inline)

BOOST_FIXTURE_TEST_CASE(read_from_already_decrypted_data, memory_streams) {
    handshake_both(io, cli, srv);

    const std::string msg(100, 'x');
    std::size_t written = 0;
    srv.async_write_some(asio::buffer(msg), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec);
        written = n;
    });
    run_bounded(io);
    BOOST_TEST_REQUIRE(written == msg.size());

    std::array<char, 10> small{};
    std::size_t got = 0;
    cli.async_read_some(asio::buffer(small), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec);
        got = n;
    });
    run_bounded(io);
    BOOST_TEST_REQUIRE(got == small.size());
    BOOST_TEST_REQUIRE(cli.native_engine().pending() > 0u);

    // This read needs no I/O: the record is decrypted already.
    const std::size_t reads_before = cli.next_layer().state().reads_started;
    bool initiated = false;
    bool ran = false;
    cli.async_read_some(asio::buffer(small), [&](error_code ec, std::size_t n) {
        BOOST_TEST(initiated, "the read handler ran inside async_read_some");
        BOOST_TEST(!ec);
        BOOST_TEST(n == small.size());
        ran = true;
    });
    initiated = true;
    BOOST_TEST(!ran);
    run_bounded(io);
    BOOST_TEST(ran);
    BOOST_TEST(cli.next_layer().state().reads_started == reads_before);
}

BOOST_FIXTURE_TEST_CASE(operations_after_a_failed_handshake, memory_streams) {
    cli.set_host("wrong.example");
    error_code cec, sec;
    cli.async_handshake(stream_base::client, [&](error_code ec) { cec = ec; });
    srv.async_handshake(stream_base::server, [&](error_code ec) { sec = ec; });
    run_bounded(io);
    BOOST_TEST_REQUIRE(cec == tlsio::error::certificate_host_mismatch, cec.message());
    BOOST_TEST((sec.category() == tlsio::alert_category()), sec.message());

    std::array<char, 16> buf{};
    int ran = 0;
    bool initiated = false;
    std::vector<error_code> errors;
    auto check = [&](error_code ec) {
        BOOST_TEST(initiated, "a handler ran inside its initiating call");
        errors.push_back(ec);
        ++ran;
    };
    cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(n == 0u);
        check(ec);
    });
    cli.async_write_some(asio::buffer("data", 4), [&](error_code ec, std::size_t n) {
        BOOST_TEST(n == 0u);
        check(ec);
    });
    cli.async_handshake(stream_base::client, check);
    initiated = true;
    run_bounded(io);
    BOOST_TEST(ran == 3);
    for (const error_code& ec : errors) {
        BOOST_TEST(ec.failed(), "an operation on a failed stream succeeded");
    }
}

BOOST_AUTO_TEST_CASE(operations_before_the_handshake) {
    asio::io_context io;
    auto [a, b] = tlsio::test::make_memory_pair(io.get_executor());
    tls_mem cli(std::move(a), client_context());
    std::array<char, 16> buf{};
    bool initiated = false;
    std::vector<error_code> errors;
    cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) {
        BOOST_TEST(initiated);
        errors.push_back(ec);
    });
    cli.async_write_some(asio::buffer("data", 4), [&](error_code ec, std::size_t) {
        BOOST_TEST(initiated);
        errors.push_back(ec);
    });
    cli.async_shutdown([&](error_code ec) {
        BOOST_TEST(initiated);
        errors.push_back(ec);
    });
    initiated = true;
    run_bounded(io);
    BOOST_TEST_REQUIRE(errors.size() == 3u);
    for (const error_code& ec : errors) {
        BOOST_TEST(ec == tlsio::error::not_handshaked, ec.message());
    }
}

BOOST_FIXTURE_TEST_CASE(handshake_and_io_completions_are_not_inline, memory_streams) {
    bool initiated = false;
    int ran = 0;
    cli.async_handshake(stream_base::client, [&](error_code ec) {
        BOOST_TEST(initiated);
        BOOST_TEST(!ec);
        ++ran;
    });
    srv.async_handshake(stream_base::server, [&](error_code ec) {
        BOOST_TEST(initiated);
        BOOST_TEST(!ec);
        ++ran;
    });
    initiated = true;
    run_bounded(io);
    BOOST_TEST(ran == 2);

    // A write needs no reading: check it too, and a shutdown.
    initiated = false;
    cli.async_write_some(asio::buffer("abc", 3), [&](error_code ec, std::size_t n) {
        BOOST_TEST(initiated);
        BOOST_TEST(!ec);
        BOOST_TEST(n == 3u);
        ++ran;
    });
    initiated = true;
    run_bounded(io);
    BOOST_TEST(ran == 3);
}

BOOST_FIXTURE_TEST_CASE(zero_length_read_and_write_complete_at_once, memory_streams) {
    // AsyncReadStream / AsyncWriteStream: an operation on buffers of total
    // size 0 completes immediately with 0 (no waiting for the peer).
    handshake_both(io, cli, srv);

    std::array<char, 8> buf{};
    error_code rec = asio::error::would_block, wec = asio::error::would_block;
    std::size_t rn = 99, wn = 99;
    cli.async_read_some(asio::buffer(buf.data(), 0), [&](error_code ec, std::size_t n) {
        rec = ec;
        rn = n;
    });
    cli.async_write_some(asio::buffer(buf.data(), 0), [&](error_code ec, std::size_t n) {
        wec = ec;
        wn = n;
    });
    io.restart();
    io.run_for(1s);
    BOOST_TEST(!rec, rec.message());
    BOOST_TEST(rn == 0u);
    BOOST_TEST(!wec, wec.message());
    BOOST_TEST(wn == 0u);
    if (!io.stopped()) {
        // Unblock whatever still waits so the test can end.
        cli.next_layer().close();
        run_bounded(io, 5s);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(associated_characteristics)

BOOST_FIXTURE_TEST_CASE(executor_strand, tcp_streams) {
    int server_done = 0;
    spawn_checked(io, echo_server(srv), "server", &server_done);

    auto strand = asio::make_strand(io);
    const std::string msg(100, 'q');
    std::array<char, 256> buf{};
    std::vector<bool> on_strand;
    bool done = false;
    cli.async_handshake(
        stream_base::client, asio::bind_executor(strand, [&](error_code ec1) {
            on_strand.push_back(strand.running_in_this_thread());
            BOOST_TEST_REQUIRE(!ec1);
            cli.async_write_some(
                asio::buffer(msg), asio::bind_executor(strand, [&](error_code ec2, std::size_t) {
                    on_strand.push_back(strand.running_in_this_thread());
                    BOOST_TEST_REQUIRE(!ec2);
                    // A small buffer: the second read comes from decrypted data (posted).
                    cli.async_read_some(
                        asio::buffer(buf.data(), 10),
                        asio::bind_executor(strand, [&](error_code ec3, std::size_t) {
                            on_strand.push_back(strand.running_in_this_thread());
                            BOOST_TEST_REQUIRE(!ec3);
                            BOOST_TEST(cli.native_engine().pending() > 0u);
                            cli.async_read_some(
                                asio::buffer(buf.data(), 90),
                                asio::bind_executor(strand, [&](error_code ec4, std::size_t) {
                                    on_strand.push_back(strand.running_in_this_thread());
                                    BOOST_TEST_REQUIRE(!ec4);
                                    cli.async_shutdown(
                                        asio::bind_executor(strand, [&](error_code ec5) {
                                            on_strand.push_back(strand.running_in_this_thread());
                                            BOOST_TEST(!ec5);
                                            done = true;
                                        }));
                                }));
                        }));
                }));
        }));
    run_bounded(io);
    BOOST_TEST(done);
    BOOST_TEST(server_done == 1);
    BOOST_TEST(on_strand.size() == 5u);
    for (std::size_t i = 0; i < on_strand.size(); ++i) {
        BOOST_TEST(on_strand[i], "handler " << i << " did not run on its strand");
    }
}

namespace {
struct allocation_counts {
    std::size_t allocations = 0;
    std::size_t deallocations = 0;
};

template <class T>
struct counting_allocator {
    using value_type = T;
    allocation_counts* counts;

    explicit counting_allocator(allocation_counts* c) noexcept : counts(c) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& other) noexcept : counts(other.counts) {}

    T* allocate(std::size_t n) {
        ++counts->allocations;
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        ++counts->deallocations;
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const counting_allocator<U>& other) const noexcept {
        return counts == other.counts;
    }
    template <class U>
    bool operator!=(const counting_allocator<U>& other) const noexcept {
        return counts != other.counts;
    }
};
}  // namespace

namespace {
/// Runs handshake, write, a read from the transport, a read served from data
/// decrypted already, and shutdown, each with its own counting allocator.
/// `post_uses_allocator`: whether the executor of `Socket` can carry the
/// allocator property (asio::any_io_executor cannot: Asio's post through it
/// drops the handler's allocator, so that one case is only checked for balance).
template <class Socket>
void check_allocator(bool post_uses_allocator) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tlsio::stream<Socket> cli(Socket(io, tcp::v4(), cs.release()), client_context());
    tls_tcp srv(std::move(ss), server_context());
    cli.set_host("localhost");
    int server_done = 0;
    spawn_checked(io, echo_server(srv), "server", &server_done);

    // One counter per operation: each must have used the handler's allocator
    // for the memory of its intermediate operations (socket ops, the post that
    // avoids completing inline).
    allocation_counts hs, wr, rd_io, rd_buffered, sd;
    auto alloc = [](allocation_counts& c) { return counting_allocator<void>(&c); };
    const std::string msg(100, 'a');
    std::array<char, 256> buf{};
    bool done = false;
    cli.async_handshake(
        stream_base::client, asio::bind_allocator(alloc(hs), [&](error_code ec1) {
            BOOST_TEST_REQUIRE(!ec1);
            cli.async_write_some(
                asio::buffer(msg),
                asio::bind_allocator(alloc(wr), [&](error_code ec2, std::size_t) {
                    BOOST_TEST_REQUIRE(!ec2);
                    cli.async_read_some(
                        asio::buffer(buf.data(), 10),
                        asio::bind_allocator(alloc(rd_io), [&](error_code ec3, std::size_t) {
                            BOOST_TEST_REQUIRE(!ec3);
                            cli.async_read_some(
                                asio::buffer(buf.data(), 90),
                                asio::bind_allocator(
                                    alloc(rd_buffered), [&](error_code ec4, std::size_t) {
                                        BOOST_TEST_REQUIRE(!ec4);
                                        cli.async_shutdown(
                                            asio::bind_allocator(alloc(sd), [&](error_code ec5) {
                                                BOOST_TEST(!ec5);
                                                done = true;
                                            }));
                                    }));
                        }));
                }));
        }));
    run_bounded(io);
    BOOST_TEST(done);
    BOOST_TEST(server_done == 1);
    const std::pair<const char*, allocation_counts*> ops[] = {
        {"handshake", &hs},
        {"write", &wr},
        {"read (transport)", &rd_io},
        {"read (decrypted already)", &rd_buffered},
        {"shutdown", &sd}};
    for (const auto& [what, c] : ops) {
        BOOST_TEST_CONTEXT(what) {
            if (c != &rd_buffered || post_uses_allocator) {
                BOOST_TEST(c->allocations > 0u);
            }
            BOOST_TEST(c->allocations == c->deallocations);
        }
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(allocator_any_io_executor) {
    check_allocator<tcp::socket>(false);
}

BOOST_AUTO_TEST_CASE(allocator_io_context_executor) {
    check_allocator<asio::basic_stream_socket<tcp, asio::io_context::executor_type>>(true);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(cancellation)

BOOST_FIXTURE_TEST_CASE(cancel_pending_read_then_read_again, tcp_streams) {
    handshake_both(io, cli, srv);

    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::all}) {
        asio::cancellation_signal signal;
        std::array<char, 256> buf{};
        error_code rec;
        std::size_t rn = 99;
        bool read_done = false;
        cli.async_read_some(
            asio::buffer(buf),
            asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, std::size_t n) {
                rec = ec;
                rn = n;
                read_done = true;
            }));
        asio::steady_timer timer(io, 50ms);
        timer.async_wait([&](error_code) {
            BOOST_TEST(!read_done);
            signal.emit(type);
        });
        run_bounded(io);
        BOOST_TEST(read_done);
        BOOST_TEST(rec == asio::error::operation_aborted, rec.message());
        BOOST_TEST(rn == 0u);

        // The stream still works: data sent now is read.
        const std::string msg = "after the cancel";
        srv.async_write_some(asio::buffer(msg),
                             [&](error_code ec, std::size_t) { BOOST_TEST(!ec); });
        std::string got;
        cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
            BOOST_TEST(!ec, ec.message());
            got = text(buf, n);
        });
        run_bounded(io);
        BOOST_TEST(got == msg);
    }

    // And writes still work in the other direction.
    std::array<char, 256> sbuf{};
    std::string got;
    cli.async_write_some(asio::buffer("client", 6),
                         [&](error_code ec, std::size_t) { BOOST_TEST(!ec); });
    srv.async_read_some(asio::buffer(sbuf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec);
        got = text(sbuf, n);
    });
    run_bounded(io);
    BOOST_TEST(got == "client");
}

BOOST_FIXTURE_TEST_CASE(cancel_pending_read_memory_stream, memory_streams) {
    handshake_both(io, cli, srv);

    asio::cancellation_signal signal;
    std::array<char, 64> buf{};
    error_code rec;
    cli.async_read_some(
        asio::buffer(buf),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, std::size_t) { rec = ec; }));
    io.restart();
    io.poll();
    BOOST_TEST_REQUIRE(
        static_cast<bool>(cli.next_layer().state().pending_read));  // waiting in the transport
    signal.emit(asio::cancellation_type::terminal);
    run_bounded(io);
    BOOST_TEST(rec == asio::error::operation_aborted, rec.message());

    std::string got;
    srv.async_write_some(asio::buffer("more", 4), [&](error_code, std::size_t) {});
    cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec);
        got = std::string(buf.data(), n);
    });
    run_bounded(io);
    BOOST_TEST(got == "more");
}

// The read stays cancellable while it sends the KeyUpdate reply: the
// cancellation is noticed once that write is done.
BOOST_FIXTURE_TEST_CASE(cancel_read_while_it_sends_a_key_update_reply, memory_streams) {
    // The read side answers the peer's KeyUpdate request itself when it only
    // reads: once it has handed over the data that followed the request, its
    // next read sends the reply (the engine defers the reply to the next write
    // or that read). A cancellation that arrives while that transport write is
    // under way (this transport cannot cancel writes, like a socket whose write
    // already finished in the kernel) must still end the read once it resumes
    // (DESIGN: "checks cancellation after each resume"), not leave it waiting
    // for data that may never come.
    cli.next_layer().state().write_delay = 20;
    handshake_both(io, cli, srv);

    asio::cancellation_signal signal;
    std::array<char, 64> cbuf{}, sbuf{};
    // The server's KeyUpdate(update_requested) leaves with its next operation,
    // followed by data, which the client reads.
    srv.key_update(true);
    srv.async_write_some(asio::buffer("x", 1), [](error_code, std::size_t) {});
    std::string first;
    cli.async_read_some(asio::buffer(cbuf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec, ec.message());
        first = std::string(cbuf.data(), n);
    });
    run_bounded(io);
    BOOST_TEST_REQUIRE(first == "x");

    auto& client_writes = cli.next_layer().state().writes;
    const std::size_t writes_before = client_writes.started;
    error_code rec = asio::error::would_block;
    bool read_done = false;
    cli.async_read_some(asio::buffer(cbuf), asio::bind_cancellation_slot(
                                                signal.slot(), [&](error_code ec, std::size_t) {
                                                    rec = ec;
                                                    read_done = true;
                                                }));
    std::string server_got;
    srv.async_read_some(asio::buffer(sbuf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec, ec.message());
        server_got = std::string(sbuf.data(), n);
    });
    io.restart();
    for (int i = 0; i < 1000 && client_writes.in_flight == 0; ++i) {
        io.poll_one();
    }
    BOOST_TEST_REQUIRE(client_writes.in_flight == 1u);  // the read op is sending the reply
    BOOST_TEST_REQUIRE(client_writes.started == writes_before + 1);
    BOOST_TEST_REQUIRE(!read_done);
    signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.run_for(2s);
    BOOST_TEST(read_done,
               "the cancelled read is still pending 2 s later: the cancellation was "
               "lost while the read op was writing");
    BOOST_TEST(rec == asio::error::operation_aborted, rec.message());

    // Whatever happened to that read, the stream must still work both ways.
    if (!read_done) {
        signal.emit(asio::cancellation_type::terminal);  // the transport read can be cancelled
        io.restart();
        io.run_for(1s);
    }
    cli.async_write_some(asio::buffer("ping", 4),
                         [&](error_code ec, std::size_t) { BOOST_TEST(!ec, ec.message()); });
    run_bounded(io, 10s);
    BOOST_TEST(server_got == "ping");
    std::string client_got;
    srv.async_write_some(asio::buffer("pong", 4), [](error_code, std::size_t) {});
    cli.async_read_some(asio::buffer(cbuf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec, ec.message());
        client_got = std::string(cbuf.data(), n);
    });
    run_bounded(io, 10s);
    BOOST_TEST(client_got == "pong");
}

// The read that sends the KeyUpdate reply may also have copied data into the
// caller's buffer (the next record was already in): a cancellation during the
// reply's write must not report operation_aborted with 0 bytes, which would
// lose that data for good.
BOOST_FIXTURE_TEST_CASE(cancel_read_that_sends_a_reply_keeps_the_data_it_copied, memory_streams) {
    cli.next_layer().state().write_delay = 20;
    handshake_both(io, cli, srv);

    std::array<char, 64> sbuf{};
    srv.key_update(true);
    srv.async_write_some(asio::buffer("x", 1), [](error_code, std::size_t) {});
    run_bounded(io);
    srv.async_write_some(asio::buffer("y", 1), [](error_code, std::size_t) {});
    run_bounded(io);
    // Both records are in before the client reads: one byte at a time.
    char one = 0;
    std::string first;
    cli.async_read_some(asio::buffer(&one, 1), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec, ec.message());
        first = std::string(&one, n);
    });
    run_bounded(io);
    BOOST_TEST_REQUIRE(first == "x");

    auto& client_writes = cli.next_layer().state().writes;
    asio::cancellation_signal signal;
    error_code rec = asio::error::would_block;
    std::size_t rn = 0;
    bool read_done = false;
    cli.async_read_some(
        asio::buffer(&one, 1),
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, std::size_t n) {
            rec = ec;
            rn = n;
            read_done = true;
        }));
    io.restart();
    for (int i = 0; i < 1000 && client_writes.in_flight == 0; ++i) {
        io.poll_one();
    }
    BOOST_TEST_REQUIRE(client_writes.in_flight == 1u);  // the reply, sent by this read
    BOOST_TEST_REQUIRE(!read_done);
    signal.emit(asio::cancellation_type::terminal);
    io.restart();
    io.run_for(2s);
    BOOST_TEST_REQUIRE(read_done);
    BOOST_TEST(!rec, rec.message());
    BOOST_TEST(rn == 1u);
    BOOST_TEST(one == 'y');

    // The server got the reply: its next data arrives under the new keys.
    std::string server_got;
    srv.async_read_some(asio::buffer(sbuf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec, ec.message());
        server_got = std::string(sbuf.data(), n);
    });
    cli.async_write_some(asio::buffer("ping", 4),
                         [&](error_code ec, std::size_t) { BOOST_TEST(!ec, ec.message()); });
    run_bounded(io, 10s);
    BOOST_TEST(server_got == "ping");
}

BOOST_AUTO_TEST_CASE(cancel_pending_handshake_leaves_stream_unusable) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tls_tcp cli(std::move(cs), client_context());
    cli.set_host("localhost");
    // ss is a silent peer: it accepts the connection and never answers.

    asio::cancellation_signal signal;
    error_code hec;
    bool done = false;
    cli.async_handshake(stream_base::client,
                        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) {
                            hec = ec;
                            done = true;
                        }));
    asio::steady_timer timer(io, 100ms);
    timer.async_wait([&](error_code) {
        BOOST_TEST(!done);
        signal.emit(asio::cancellation_type::terminal);
    });
    run_bounded(io);
    BOOST_TEST(done);
    BOOST_TEST(hec == asio::error::operation_aborted, hec.message());

    // Documented: later operations fail with operation_aborted.
    std::array<char, 16> buf{};
    std::vector<error_code> errors;
    cli.async_read_some(asio::buffer(buf),
                        [&](error_code ec, std::size_t) { errors.push_back(ec); });
    cli.async_write_some(asio::buffer("x", 1),
                         [&](error_code ec, std::size_t) { errors.push_back(ec); });
    cli.async_handshake(stream_base::client, [&](error_code ec) { errors.push_back(ec); });
    cli.async_shutdown([&](error_code ec) { errors.push_back(ec); });
    run_bounded(io);
    BOOST_TEST_REQUIRE(errors.size() == 4u);
    for (const error_code& ec : errors) {
        BOOST_TEST(ec == asio::error::operation_aborted, ec.message());
    }
    error_code sync_ec;
    cli.read_some(asio::buffer(buf), sync_ec);
    BOOST_TEST(sync_ec == asio::error::operation_aborted, sync_ec.message());
    cli.write_some(asio::buffer("x", 1), sync_ec);
    BOOST_TEST(sync_ec == asio::error::operation_aborted, sync_ec.message());
    (void)ss;
}

namespace {
asio::awaitable<void> fill_until_cancelled(tls_tcp& s, asio::cancellation_slot slot,
                                           error_code& result, std::size_t& written) {
    const std::vector<std::uint8_t> data(64 * 1024 * 1024, 0x5a);
    auto [ec, n] = co_await asio::async_write(
        s, asio::buffer(data),
        asio::bind_cancellation_slot(slot, asio::as_tuple(asio::use_awaitable)));
    result = ec;
    written = n;
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(cancel_pending_write_leaves_stream_unusable, tcp_streams) {
    handshake_both(io, cli, srv);
    // Small socket buffers, so the write blocks in the transport within
    // milliseconds even on a slow (sanitized or loaded) machine: with the
    // default autotuned buffers 36 MB fit, and sealing that took longer than
    // the timer below, so the cancellation could land between two transport
    // writes, where it cuts no record and leaves the stream usable.
    cli.next_layer().set_option(asio::socket_base::send_buffer_size(4096));
    srv.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));

    // The server never reads: the socket buffers fill and a write stays pending.
    asio::cancellation_signal signal;
    error_code wec;
    std::size_t written = 0;
    int done = 0;
    spawn_checked(io, fill_until_cancelled(cli, signal.slot(), wec, written), "writer", &done);
    asio::steady_timer timer(io, 300ms);
    timer.async_wait([&](error_code) {
        BOOST_TEST(done == 0);
        signal.emit(asio::cancellation_type::terminal);
    });
    run_bounded(io);
    BOOST_TEST(done == 1);
    BOOST_TEST(wec == asio::error::operation_aborted, wec.message());
    BOOST_TEST(written < 64u * 1024 * 1024);

    error_code after;
    cli.async_write_some(asio::buffer("x", 1), [&](error_code ec, std::size_t) { after = ec; });
    run_bounded(io);
    BOOST_TEST(after == asio::error::operation_aborted, after.message());
}

BOOST_AUTO_TEST_CASE(handshake_timeout_with_tcp_stream) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tlsio::stream<beast::tcp_stream> cli(beast::tcp_stream(std::move(cs)), client_context());
    cli.set_host("localhost");
    cli.next_layer().expires_after(200ms);
    error_code hec;
    bool done = false;
    const auto start = std::chrono::steady_clock::now();
    cli.async_handshake(stream_base::client, [&](error_code ec) {
        hec = ec;
        done = true;
    });
    run_bounded(io, 10s);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST(done);
    BOOST_TEST(hec == beast::error::timeout, hec.message());
    BOOST_TEST(elapsed >= 150ms);
    BOOST_TEST(elapsed < 5s);
    (void)ss;
}

BOOST_AUTO_TEST_CASE(read_timeout_with_tcp_stream) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tlsio::stream<beast::tcp_stream> cli(beast::tcp_stream(std::move(cs)), client_context());
    tlsio::stream<beast::tcp_stream> srv(beast::tcp_stream(std::move(ss)), server_context());
    cli.set_host("localhost");
    cli.next_layer().expires_after(10s);
    srv.next_layer().expires_after(10s);
    handshake_both(io, cli, srv);

    cli.next_layer().expires_after(150ms);
    std::array<char, 16> buf{};
    error_code rec;
    cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { rec = ec; });
    run_bounded(io, 10s);
    BOOST_TEST(rec == beast::error::timeout, rec.message());
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(full_duplex)

namespace {
template <class Stream>
asio::awaitable<void> duplex_writer(Stream& s, const std::vector<std::uint8_t>& data,
                                    std::size_t chunk, std::size_t update_every, int& key_updates,
                                    std::size_t& sent) {
    std::size_t next_update = update_every;
    while (sent < data.size()) {
        const std::size_t n = std::min(chunk, data.size() - sent);
        sent +=
            co_await s.async_write_some(asio::buffer(data.data() + sent, n), asio::use_awaitable);
        if (sent >= next_update && sent < data.size()) {
            s.key_update(true);  // leaves with the next write; the peer answers from its read side
            ++key_updates;
            next_update += update_every;
        }
    }
}

template <class Stream>
asio::awaitable<void> duplex_reader(Stream& s, const std::vector<std::uint8_t>& expected,
                                    std::size_t& received, bool& intact) {
    std::vector<std::uint8_t> buf(50'000);  // not a multiple of anything the writer uses
    intact = true;
    while (received < expected.size()) {
        const std::size_t n = co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
        if (n > expected.size() - received ||
            !std::equal(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n),
                        expected.begin() + static_cast<std::ptrdiff_t>(received))) {
            intact = false;
            throw std::runtime_error("received data differs at offset " + std::to_string(received));
        }
        received += n;
    }
}

template <class Stream>
asio::awaitable<void> duplex_side(asio::io_context& io, Stream& s, stream_base::handshake_type type,
                                  const std::vector<std::uint8_t>& out,
                                  const std::vector<std::uint8_t>& in, std::size_t chunk,
                                  std::size_t update_every, int& key_updates, std::size_t& sent,
                                  std::size_t& received, bool& intact, int& done) {
    co_await s.async_handshake(type, asio::use_awaitable);
    // One read and one write outstanding at the same time on this stream.
    spawn_checked(io, duplex_writer(s, out, chunk, update_every, key_updates, sent), "writer",
                  &done);
    spawn_checked(io, duplex_reader(s, in, received, intact), "reader", &done);
}

template <class Stream>
asio::awaitable<void> shutdown_side(Stream& s, error_code& result) {
    auto [ec] = co_await s.async_shutdown(asio::as_tuple(asio::use_awaitable));
    result = ec;
}

/// Runs the full duplex exchange over any pair of streams, then shuts both
/// down concurrently.
template <class Stream>
void run_duplex(asio::io_context& io, Stream& cli, Stream& srv, std::size_t size, std::size_t chunk,
                std::size_t update_every, std::chrono::steady_clock::duration limit) {
    const auto c2s = pattern(size, 1);
    const auto s2c = pattern(size, 7);
    int cli_updates = 0, srv_updates = 0, done = 0;
    std::size_t cli_sent = 0, srv_sent = 0, cli_received = 0, srv_received = 0;
    bool cli_intact = false, srv_intact = false;
    spawn_checked(io,
                  duplex_side(io, cli, stream_base::client, c2s, s2c, chunk, update_every,
                              cli_updates, cli_sent, cli_received, cli_intact, done),
                  "client");
    spawn_checked(io,
                  duplex_side(io, srv, stream_base::server, s2c, c2s, chunk, update_every,
                              srv_updates, srv_sent, srv_received, srv_intact, done),
                  "server");
    io.restart();
    io.run_for(limit);
    const bool finished = io.stopped();
    BOOST_TEST(finished, "full duplex did not finish: client sent "
                             << cli_sent << " received " << cli_received << ", server sent "
                             << srv_sent << " received " << srv_received);
    if (!finished) {
        io.stop();
        return;
    }
    BOOST_TEST(done == 4);
    BOOST_TEST(cli_sent == size);
    BOOST_TEST(srv_sent == size);
    BOOST_TEST(cli_received == size);
    BOOST_TEST(srv_received == size);
    BOOST_TEST(cli_intact);
    BOOST_TEST(srv_intact);
    BOOST_TEST(cli_updates >= 3);
    BOOST_TEST(srv_updates >= 3);

    error_code cli_shutdown = asio::error::would_block, srv_shutdown = asio::error::would_block;
    spawn_checked(io, shutdown_side(cli, cli_shutdown), "client shutdown");
    spawn_checked(io, shutdown_side(srv, srv_shutdown), "server shutdown");
    run_bounded(io, 10s);
    BOOST_TEST(!cli_shutdown, cli_shutdown.message());
    BOOST_TEST(!srv_shutdown, srv_shutdown.message());
}
}  // namespace

BOOST_AUTO_TEST_CASE(eight_mib_each_way_with_key_updates_over_tcp) {
    using checked = tlsio::test::write_checked_stream<tcp::socket>;
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tlsio::stream<checked> cli(std::move(cs), client_context());
    tlsio::stream<checked> srv(std::move(ss), server_context());
    cli.set_host("localhost");
    constexpr std::size_t size = 8u * 1024 * 1024;
    run_duplex(io, cli, srv, size, 100'000, size / 5, 60s);
    for (auto* s : {&cli, &srv}) {
        const auto& w = s->next_layer().writes();
        BOOST_TEST(w.max_in_flight == 1u, "two writes in flight on the next layer at once");
        BOOST_TEST(w.in_flight == 0u);
        BOOST_TEST(w.bytes > size);
        BOOST_TEST(s->next_layer().reads().max_in_flight == 1u,
                   "two reads in flight on the next layer at once");
    }
}

BOOST_FIXTURE_TEST_CASE(one_mib_each_way_with_key_updates_in_memory, memory_streams) {
    // Small transport reads and slow write completions make the read side
    // meet a write in flight often.
    for (auto* e : {&cli.next_layer().state(), &srv.next_layer().state()}) {
        e->max_read = 1000;
        e->write_delay = 3;
    }
    constexpr std::size_t size = 1024 * 1024;
    run_duplex(io, cli, srv, size, 20'000, size / 8, 60s);
    for (auto* s : {&cli, &srv}) {
        const auto& w = s->next_layer().state().writes;
        BOOST_TEST(w.max_in_flight == 1u, "two writes in flight on the next layer at once");
        BOOST_TEST(w.in_flight == 0u);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// Operations mixed as asio::ssl::stream allows: transport reads are serialized
// across all of them, so a shutdown started while a read is pending shares
// that read instead of issuing a second one on the next layer.
BOOST_AUTO_TEST_SUITE(operation_mix)

namespace {
using checked_tcp = tlsio::stream<tlsio::test::write_checked_stream<tcp::socket>>;

struct checked_tcp_streams {
    asio::io_context io;
    std::pair<tcp::socket, tcp::socket> transport_ = tcp_pair(io);
    checked_tcp cli{std::move(transport_.first), client_context()};
    checked_tcp srv{std::move(transport_.second), server_context()};
    checked_tcp_streams() { cli.set_host("localhost"); }
};

/// The peer of a closer: sends `pipelined`, reads until the closer's
/// close_notify, answers it with its own and keeps the transport open.
template <class Stream>
struct answering_peer {
    Stream& s;
    std::array<char, 64> buf{};
    error_code write_ec = asio::error::would_block;
    error_code read_ec = asio::error::would_block;
    error_code shutdown_ec = asio::error::would_block;

    void start(const std::string& pipelined) {
        asio::async_write(s, asio::buffer(pipelined), [this](error_code ec, std::size_t) {
            write_ec = ec;
            s.async_read_some(asio::buffer(buf), [this](error_code ec2, std::size_t) {
                read_ec = ec2;
                s.async_shutdown([this](error_code ec3) { shutdown_ec = ec3; });
            });
        });
    }
    void check() const {
        BOOST_TEST(!write_ec, write_ec.message());
        BOOST_TEST(read_ec == asio::error::eof, read_ec.message());
        BOOST_TEST(!shutdown_ec, shutdown_ec.message());
    }
};

/// What Beast's pipelining servers do: `closer` has a read pending when it
/// starts its shutdown. The pending read gets the peer's data, the read after
/// it the peer's close_notify (eof), and the shutdown completes once that
/// close_notify is in, over one transport read at a time.
template <class Stream>
void shutdown_with_read_pending(asio::io_context& io, Stream& closer, Stream& peer) {
    std::array<char, 64> buf{};
    std::string first;
    error_code first_ec = asio::error::would_block, second_ec = asio::error::would_block;
    error_code shutdown_ec = asio::error::would_block;
    closer.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        first_ec = ec;
        first.assign(buf.data(), n);
        closer.async_read_some(asio::buffer(buf),
                               [&](error_code ec2, std::size_t) { second_ec = ec2; });
    });
    closer.async_shutdown([&](error_code ec) { shutdown_ec = ec; });
    answering_peer<Stream> p{peer};
    p.start("pipelined");
    run_bounded(io, 10s);
    BOOST_TEST(!first_ec, first_ec.message());
    BOOST_TEST(first == "pipelined");
    BOOST_TEST(second_ec == asio::error::eof, second_ec.message());
    BOOST_TEST(!shutdown_ec, shutdown_ec.message());
    p.check();
    BOOST_TEST(closer.native_engine().sent_close_notify());
    BOOST_TEST(closer.native_engine().received_close_notify());
}

void check_one_read_and_one_write_at_a_time(const checked_tcp& s) {
    const auto& r = s.next_layer().reads();
    const auto& w = s.next_layer().writes();
    BOOST_TEST(r.max_in_flight == 1u, "two reads in flight on the next layer at once");
    BOOST_TEST(w.max_in_flight == 1u, "two writes in flight on the next layer at once");
    BOOST_TEST(r.in_flight == 0u);
    BOOST_TEST(w.in_flight == 0u);
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(shutdown_while_a_read_is_pending_in_memory, memory_streams) {
    handshake_both(io, cli, srv);
    // memory_stream fails a second concurrent read with in_progress.
    shutdown_with_read_pending(io, srv, cli);
}

BOOST_FIXTURE_TEST_CASE(client_shutdown_while_a_read_is_pending_in_memory, memory_streams) {
    handshake_both(io, cli, srv);
    for (auto* e : {&cli.next_layer().state(), &srv.next_layer().state()}) {
        e->max_read = 7;  // records arrive in pieces: many transport reads each
        e->write_delay = 2;
    }
    shutdown_with_read_pending(io, cli, srv);
}

BOOST_FIXTURE_TEST_CASE(shutdown_while_a_read_is_pending_over_tcp, checked_tcp_streams) {
    handshake_both(io, cli, srv);
    shutdown_with_read_pending(io, srv, cli);
    check_one_read_and_one_write_at_a_time(cli);
    check_one_read_and_one_write_at_a_time(srv);
}

BOOST_FIXTURE_TEST_CASE(cancelled_read_hands_the_transport_to_shutdown, memory_streams) {
    handshake_both(io, cli, srv);
    asio::cancellation_signal signal;
    std::array<char, 64> buf{};
    error_code read_ec = asio::error::would_block, shutdown_ec = asio::error::would_block;
    srv.async_read_some(asio::buffer(buf),
                        asio::bind_cancellation_slot(
                            signal.slot(), [&](error_code ec, std::size_t) { read_ec = ec; }));
    srv.async_shutdown([&](error_code ec) { shutdown_ec = ec; });
    io.restart();
    io.poll();  // the read waits for the transport, the shutdown for the read
    BOOST_TEST_REQUIRE(read_ec == asio::error::would_block);
    signal.emit(asio::cancellation_type::terminal);
    io.poll();
    BOOST_TEST(read_ec == asio::error::operation_aborted, read_ec.message());
    BOOST_TEST(shutdown_ec == asio::error::would_block, "the shutdown ended without the peer");
    answering_peer<tls_mem> p{cli};
    p.start("discarded");  // data that comes before close_notify, dropped by the shutdown
    run_bounded(io, 10s);
    BOOST_TEST(!shutdown_ec, shutdown_ec.message());
    p.check();
    BOOST_TEST(srv.native_engine().received_close_notify());
}

BOOST_FIXTURE_TEST_CASE(cancelled_read_waiting_behind_shutdown, checked_tcp_streams) {
    handshake_both(io, cli, srv);
    asio::cancellation_signal signal;
    std::array<char, 64> buf{};
    error_code read_ec = asio::error::would_block, shutdown_ec = asio::error::would_block;
    srv.async_shutdown([&](error_code ec) { shutdown_ec = ec; });
    // Started once the shutdown reads the transport: this read waits for it.
    asio::steady_timer start_read(io, 20ms);
    start_read.async_wait([&](error_code) {
        srv.async_read_some(asio::buffer(buf),
                            asio::bind_cancellation_slot(
                                signal.slot(), [&](error_code ec, std::size_t) { read_ec = ec; }));
    });
    asio::steady_timer cancel(io, 60ms);
    answering_peer<checked_tcp> p{cli};
    cancel.async_wait([&](error_code) {
        BOOST_TEST(read_ec == asio::error::would_block);
        signal.emit(asio::cancellation_type::terminal);
        p.start("late");  // the shutdown reads on and gets the close_notify
    });
    run_bounded(io, 10s);
    BOOST_TEST(read_ec == asio::error::operation_aborted, read_ec.message());
    BOOST_TEST(!shutdown_ec, shutdown_ec.message());
    p.check();
    check_one_read_and_one_write_at_a_time(cli);
    check_one_read_and_one_write_at_a_time(srv);
}

// Over a socket, a read with nothing to read waits for readability and takes
// the engine's input buffer only once bytes are there.
BOOST_FIXTURE_TEST_CASE(idle_read_over_a_socket_waits_before_reading, checked_tcp_streams) {
    handshake_both(io, cli, srv);
    std::array<char, 64> buf{};
    std::string got;
    // The server's session tickets follow its handshake: one exchange first
    // takes them in, so the reads below start on an idle connection.
    srv.async_write_some(asio::buffer("warm", 4),
                         [](error_code ec, std::size_t) { BOOST_TEST(!ec); });
    cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        BOOST_TEST(!ec, ec.message());
        got.assign(buf.data(), n);
    });
    run_bounded(io);
    BOOST_TEST_REQUIRE(got == "warm");
    for (const std::string msg : {"first", "second"}) {
        const std::size_t started = cli.next_layer().reads().started;
        const std::size_t waits = cli.next_layer().waits();
        cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
            BOOST_TEST(!ec, ec.message());
            got.assign(buf.data(), n);
        });
        io.restart();
        io.poll();
        BOOST_TEST(cli.next_layer().waits() == waits + 1);
        BOOST_TEST(cli.next_layer().reads().started == started + 1, "read before data arrived");
        srv.async_write_some(asio::buffer(msg),
                             [](error_code ec, std::size_t) { BOOST_TEST(!ec); });
        run_bounded(io);
        BOOST_TEST(got == msg);
    }
    check_one_read_and_one_write_at_a_time(cli);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(closing)

namespace {
/// `reader` reads until the peer's close_notify, then shuts down; `closer`
/// shuts down first.
void shutdown_while_peer_reads(tls_tcp& closer, tls_tcp& reader, asio::io_context& io) {
    std::array<char, 64> buf{};
    error_code rec, rsd = asio::error::would_block, csd = asio::error::would_block;
    std::size_t rn = 99;
    reader.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        rec = ec;
        rn = n;
        reader.async_shutdown([&](error_code ec2) { rsd = ec2; });
    });
    closer.async_shutdown([&](error_code ec) { csd = ec; });
    run_bounded(io);
    BOOST_TEST(rec == asio::error::eof, rec.message());
    BOOST_TEST(rn == 0u);
    BOOST_TEST(!rsd, rsd.message());
    BOOST_TEST(!csd, csd.message());
    for (tls_tcp* s : {&closer, &reader}) {
        BOOST_TEST(s->native_engine().sent_close_notify());
        BOOST_TEST(s->native_engine().received_close_notify());
    }
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(client_shuts_down_while_server_reads, tcp_streams) {
    handshake_both(io, cli, srv);
    shutdown_while_peer_reads(cli, srv, io);
}

BOOST_FIXTURE_TEST_CASE(server_shuts_down_while_client_reads, tcp_streams) {
    handshake_both(io, cli, srv);
    shutdown_while_peer_reads(srv, cli, io);
}

BOOST_FIXTURE_TEST_CASE(both_shut_down_concurrently, tcp_streams) {
    handshake_both(io, cli, srv);
    error_code c = asio::error::would_block, s = asio::error::would_block;
    cli.async_shutdown([&](error_code ec) { c = ec; });
    srv.async_shutdown([&](error_code ec) { s = ec; });
    run_bounded(io);
    BOOST_TEST(!c, c.message());
    BOOST_TEST(!s, s.message());
    // Both directions are closed now: reads report eof, writes fail.
    std::array<char, 8> buf{};
    error_code rec, wec;
    cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { rec = ec; });
    srv.async_write_some(asio::buffer("x", 1), [&](error_code ec, std::size_t) { wec = ec; });
    run_bounded(io);
    BOOST_TEST(rec == asio::error::eof, rec.message());
    BOOST_TEST(wec.failed(), "a write after close_notify succeeded");
}

BOOST_FIXTURE_TEST_CASE(shutdown_discards_unread_data, tcp_streams) {
    handshake_both(io, cli, srv);
    const auto data = pattern(20'000, 3);
    error_code wec, rec, ssd = asio::error::would_block, csd = asio::error::would_block;
    std::array<char, 8> buf{};  // outlives the read that fills it
    asio::async_write(srv, asio::buffer(data), [&](error_code ec, std::size_t) {
        wec = ec;
        srv.async_read_some(asio::buffer(buf), [&](error_code ec2, std::size_t) {
            rec = ec2;
            srv.async_shutdown([&](error_code ec3) { ssd = ec3; });
        });
    });
    // The client never reads the 20 KB: its shutdown skips over them.
    asio::steady_timer timer(io, 50ms);
    timer.async_wait([&](error_code) { cli.async_shutdown([&](error_code ec) { csd = ec; }); });
    run_bounded(io);
    BOOST_TEST(!wec, wec.message());
    BOOST_TEST(rec == asio::error::eof, rec.message());
    BOOST_TEST(!ssd, ssd.message());
    BOOST_TEST(!csd, csd.message());
}

BOOST_FIXTURE_TEST_CASE(truncation_is_stream_truncated, tcp_streams) {
    handshake_both(io, cli, srv);
    // Data, then the TCP connection ends without close_notify.
    error_code wec, first, second;
    std::size_t first_n = 0;
    std::array<char, 64> buf{};
    srv.async_write_some(asio::buffer("last words", 10), [&](error_code ec, std::size_t) {
        wec = ec;
        srv.next_layer().close();
    });
    run_bounded(io);
    BOOST_TEST_REQUIRE(!wec);
    cli.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        first = ec;
        first_n = n;
        cli.async_read_some(asio::buffer(buf), [&](error_code ec2, std::size_t) { second = ec2; });
    });
    run_bounded(io);
    BOOST_TEST(!first, first.message());
    BOOST_TEST(first_n == 10u);
    // asio::ssl's code, which programs written for asio compare with (asio_compat_test).
    BOOST_TEST(second == tlsio::error::stream_truncated, second.message());
    BOOST_TEST(second != asio::error::eof);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(sync_api)

namespace {
std::vector<int> fds_of(tls_tcp& a, tls_tcp& b) {
    return {a.next_layer().native_handle(), b.next_layer().native_handle()};
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(throwing_overloads_in_two_threads, tcp_streams) {
    watchdog dog(20s, fds_of(cli, srv));

    std::string server_error;
    std::size_t server_echoed = 0;
    std::thread server([&] {
        try {
            srv.handshake(stream_base::server);
            std::array<char, 4096> buf{};
            for (;;) {
                std::size_t n = srv.read_some(asio::buffer(buf));  // throws eof at the end
                server_echoed += asio::write(srv, asio::buffer(buf.data(), n));
            }
        } catch (const boost::system::system_error& e) {
            if (e.code() != asio::error::eof) {
                server_error = e.what();
                return;
            }
        }
        try {
            srv.shutdown();
        } catch (const std::exception& e) {
            server_error = e.what();
        }
    });

    std::string client_error;
    std::vector<std::uint8_t> back;
    const auto data = pattern(300'000, 5);
    try {
        cli.handshake(stream_base::client);
        std::size_t first = cli.write_some(asio::buffer(data));
        BOOST_TEST(first > 0u);
        BOOST_TEST(first <= 64u * 1024);
        std::vector<std::uint8_t> echo(data.size());
        // The server echoes as it goes; the socket buffers hold 300 KB both ways.
        asio::write(cli, asio::buffer(data.data() + first, data.size() - first));
        asio::read(cli, asio::buffer(echo));
        back = std::move(echo);
        cli.shutdown();
    } catch (const std::exception& e) {
        client_error = e.what();
    }
    server.join();
    BOOST_TEST(!dog.stop(), "the watchdog had to unblock a sync call (a hang)");
    BOOST_TEST(client_error.empty(), client_error);
    BOOST_TEST(server_error.empty(), server_error);
    BOOST_TEST(server_echoed == data.size());
    BOOST_TEST((back == data));
}

BOOST_FIXTURE_TEST_CASE(error_code_overloads_in_two_threads, tcp_streams) {
    watchdog dog(20s, fds_of(cli, srv));

    error_code s_hs, s_rd, s_wr, s_eof, s_sd;
    std::size_t s_n = 0;
    std::thread server([&] {
        srv.handshake(stream_base::server, s_hs);
        std::array<char, 256> buf{};
        s_n = srv.read_some(asio::buffer(buf), s_rd);
        srv.write_some(asio::buffer(buf.data(), s_n), s_wr);
        srv.read_some(asio::buffer(buf), s_eof);
        srv.shutdown(s_sd);
    });

    error_code c_hs, c_wr, c_rd, c_sd, c_after;
    std::array<char, 256> buf{};
    std::size_t c_n = 0;
    cli.handshake(stream_base::client, c_hs);
    if (!c_hs) {
        cli.write_some(asio::buffer("sync ping", 9), c_wr);
        c_n = cli.read_some(asio::buffer(buf), c_rd);
        cli.shutdown(c_sd);
        cli.read_some(asio::buffer(buf), c_after);
    }
    server.join();
    BOOST_TEST(!dog.stop(), "the watchdog had to unblock a sync call (a hang)");
    BOOST_TEST(!c_hs, c_hs.message());
    BOOST_TEST(!c_wr, c_wr.message());
    BOOST_TEST(!c_rd, c_rd.message());
    BOOST_TEST(text(buf, c_n) == "sync ping");
    BOOST_TEST(!c_sd, c_sd.message());
    BOOST_TEST(c_after == asio::error::eof, c_after.message());
    BOOST_TEST(!s_hs, s_hs.message());
    BOOST_TEST(!s_rd, s_rd.message());
    BOOST_TEST(!s_wr, s_wr.message());
    BOOST_TEST(s_n == 9u);
    BOOST_TEST(s_eof == asio::error::eof, s_eof.message());
    BOOST_TEST(!s_sd, s_sd.message());
}

BOOST_FIXTURE_TEST_CASE(sync_errors, tcp_streams) {
    cli.set_host("not-localhost.example");
    watchdog dog(20s, fds_of(cli, srv));

    error_code s_hs;
    std::thread server([&] { srv.handshake(stream_base::server, s_hs); });
    bool threw = false;
    error_code thrown;
    try {
        cli.handshake(stream_base::client);
    } catch (const boost::system::system_error& e) {
        threw = true;
        thrown = e.code();
    }
    server.join();
    BOOST_TEST(!dog.stop());
    BOOST_TEST(threw);
    BOOST_TEST(thrown == tlsio::error::certificate_host_mismatch, thrown.message());
    BOOST_TEST((s_hs.category() == tlsio::alert_category()), s_hs.message());

    // The error_code overloads of a stream never handshaked.
    asio::io_context io2;
    auto [cs2, ss2] = tcp_pair(io2);
    tls_tcp fresh(std::move(cs2), client_context());
    std::array<char, 8> buf{};
    error_code ec;
    BOOST_TEST(fresh.read_some(asio::buffer(buf), ec) == 0u);
    BOOST_TEST(ec == tlsio::error::not_handshaked, ec.message());
    BOOST_TEST(fresh.write_some(asio::buffer("x", 1), ec) == 0u);
    BOOST_TEST(ec == tlsio::error::not_handshaked, ec.message());
    fresh.shutdown(ec);
    BOOST_TEST(ec == tlsio::error::not_handshaked, ec.message());
    BOOST_CHECK_THROW(fresh.read_some(asio::buffer(buf)), boost::system::system_error);
}

BOOST_FIXTURE_TEST_CASE(sync_truncation, tcp_streams) {
    watchdog dog(20s, fds_of(cli, srv));
    error_code s_hs;
    std::thread server([&] {
        srv.handshake(stream_base::server, s_hs);
        srv.next_layer().shutdown(tcp::socket::shutdown_both);
    });
    error_code hs, rd;
    cli.handshake(stream_base::client, hs);
    std::array<char, 8> buf{};
    cli.read_some(asio::buffer(buf), rd);
    server.join();
    BOOST_TEST(!dog.stop());
    BOOST_TEST(!hs, hs.message());
    BOOST_TEST(!s_hs, s_hs.message());
    BOOST_TEST(rd == tlsio::error::stream_truncated, rd.message());
}

namespace {
asio::awaitable<void> line_server(tls_tcp& s, std::size_t& lines) {
    co_await s.async_handshake(stream_base::server, asio::use_awaitable);
    std::string in;
    for (;;) {
        auto [ec, n] = co_await asio::async_read_until(s, asio::dynamic_buffer(in), '\n',
                                                       asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::eof) {
            break;
        }
        if (ec) {
            throw boost::system::system_error(ec, "line_server");
        }
        std::string line = in.substr(0, n);
        in.erase(0, n);
        co_await asio::async_write(s, asio::buffer(line), asio::use_awaitable);
        ++lines;
    }
    co_await s.async_shutdown(asio::use_awaitable);
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(free_functions_read_write_and_read_until, tcp_streams) {
    // Async side: asio::async_read_until / async_write over the stream;
    // sync side (another thread): asio::write / asio::read / asio::read_until.
    std::size_t lines = 0;
    int done = 0;
    spawn_checked(io, line_server(srv, lines), "server", &done);
    std::thread runner([&] { run_bounded(io); });
    watchdog dog(25s, fds_of(cli, srv));

    std::string error;
    std::vector<std::string> echoed;
    try {
        cli.handshake(stream_base::client);
        std::string all;
        for (int i = 0; i < 50; ++i) {
            all += "line " + std::to_string(i) + " " +
                   std::string(static_cast<std::size_t>(i) * 100, 'z') + "\n";
        }
        asio::write(cli, asio::buffer(all));
        std::string in;
        for (int i = 0; i < 50; ++i) {
            std::size_t n = asio::read_until(cli, asio::dynamic_buffer(in), '\n');
            echoed.push_back(in.substr(0, n));
            in.erase(0, n);
        }
        cli.shutdown();
    } catch (const std::exception& e) {
        error = e.what();
    }
    runner.join();
    BOOST_TEST(!dog.stop());
    BOOST_TEST(error.empty(), error);
    BOOST_TEST(done == 1);
    BOOST_TEST(lines == 50u);
    BOOST_TEST_REQUIRE(echoed.size() == 50u);
    BOOST_TEST(echoed[7] == "line 7 " + std::string(700, 'z') + "\n");
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(errors)

BOOST_FIXTURE_TEST_CASE(wrong_host_is_certificate_host_mismatch, tcp_streams) {
    cli.set_host("www.example.com");
    error_code cec, sec;
    cli.async_handshake(stream_base::client, [&](error_code ec) { cec = ec; });
    srv.async_handshake(stream_base::server, [&](error_code ec) { sec = ec; });
    run_bounded(io);
    BOOST_TEST(cec == tlsio::error::certificate_host_mismatch, cec.message());
    BOOST_TEST((cec.category() == tlsio::error_category()));
    BOOST_TEST(cec == tlsio::condition::verify_failed);
    // The server learns of it through the client's alert.
    BOOST_TEST((sec.category() == tlsio::alert_category()), sec.message());
    BOOST_TEST(sec == tlsio::condition::peer_alert, sec.message());
}

BOOST_FIXTURE_TEST_CASE(ip_address_host_matches, tcp_streams) {
    cli.set_host("127.0.0.1");
    handshake_both(io, cli, srv);
}

namespace {
asio::awaitable<void> mtls_client(tls_tcp& s, error_code& hs, error_code& rd) {
    auto [ec] =
        co_await s.async_handshake(stream_base::client, asio::as_tuple(asio::use_awaitable));
    hs = ec;
    if (ec) {
        co_return;
    }
    // In TLS 1.3 the client is done before the server has judged its
    // certificate: the verdict arrives as an alert on the next read.
    std::array<char, 16> buf{};
    auto [rec, n] =
        co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    rd = rec;
}
}  // namespace

BOOST_AUTO_TEST_CASE(missing_client_certificate_is_certificate_required) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tlsio::context sctx = server_context();
    sctx.add_certificate_authority(test_ca().root_pem());
    sctx.set_verify_mode(tlsio::verify_peer | tlsio::verify_fail_if_no_peer_cert);
    tls_tcp cli(std::move(cs), client_context());
    tls_tcp srv(std::move(ss), sctx);
    cli.set_host("localhost");
    error_code sec, chs, crd;
    int done = 0;
    srv.async_handshake(stream_base::server, [&](error_code ec) { sec = ec; });
    spawn_checked(io, mtls_client(cli, chs, crd), "client", &done);
    run_bounded(io);
    BOOST_TEST(done == 1);
    BOOST_TEST(sec == tlsio::error::certificate_required, sec.message());
    BOOST_TEST((sec.category() == tlsio::error_category()));
    const error_code client_saw = chs ? chs : crd;
    BOOST_TEST(client_saw == tlsio::alert::certificate_required, client_saw.message());
}

BOOST_AUTO_TEST_CASE(client_certificate_accepted) {
    asio::io_context io;
    auto [cs, ss] = tcp_pair(io);
    tlsio::context sctx = server_context();
    sctx.add_certificate_authority(test_ca().root_pem());
    sctx.set_verify_mode(tlsio::verify_peer | tlsio::verify_fail_if_no_peer_cert);
    tlsio::context cctx = client_context();
    cctx.use_certificate_chain(client_cert().chain_pem);
    cctx.use_private_key(client_cert().key_pem);
    tls_tcp cli(std::move(cs), cctx);
    tls_tcp srv(std::move(ss), sctx);
    cli.set_host("localhost");
    handshake_both(io, cli, srv);
    BOOST_TEST(srv.native_engine().peer_certificates().size() >= 1u);
}

namespace {
/// Client script over the memory stream: handshake, ping, pong, shutdown.
/// Records the first error and closes its transport on it.
asio::awaitable<void> scripted_client(tls_mem& s, error_code& first) {
    auto token = asio::as_tuple(asio::use_awaitable);
    std::array<char, 64> buf{};
    auto fail = [&](error_code ec) {
        first = ec;
        s.next_layer().close();
    };
    if (auto [ec] = co_await s.async_handshake(stream_base::client, token); ec) {
        co_return fail(ec);
    }
    if (auto [ec, n] = co_await s.async_write_some(asio::buffer("ping", 4), token); ec) {
        co_return fail(ec);
    }
    if (auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), token); ec) {
        co_return fail(ec);
    }
    if (auto [ec] = co_await s.async_shutdown(token); ec) {
        co_return fail(ec);
    }
}

asio::awaitable<void> scripted_server(tls_mem& s, error_code& first) {
    auto token = asio::as_tuple(asio::use_awaitable);
    std::array<char, 64> buf{};
    if (auto [ec] = co_await s.async_handshake(stream_base::server, token); ec) {
        first = ec;
        co_return;
    }
    auto [rec, n] = co_await s.async_read_some(asio::buffer(buf), token);
    if (rec) {
        first = rec;
        co_return;
    }
    if (auto [ec, m] = co_await s.async_write_some(asio::buffer(buf.data(), n), token); ec) {
        first = ec;
        co_return;
    }
    if (auto [ec, m] = co_await s.async_read_some(asio::buffer(buf), token);
        ec != asio::error::eof) {
        first = ec;
        co_return;
    }
    if (auto [ec] = co_await s.async_shutdown(token); ec) {
        first = ec;
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(transport_failure_on_the_nth_operation) {
    // A clean run counts the client's transport reads and writes; then each of
    // them in turn fails, and the failure must surface, unchanged, from the
    // operation that was using the transport, without hanging either side.
    std::size_t reads = 0, writes = 0;
    {
        asio::io_context io;
        auto [a, b] = tlsio::test::make_memory_pair(io.get_executor());
        tls_mem cli(std::move(a), client_context());
        tls_mem srv(std::move(b), server_context());
        cli.set_host("localhost");
        error_code cfirst, sfirst;
        int done = 0;
        spawn_checked(io, scripted_client(cli, cfirst), "client", &done);
        spawn_checked(io, scripted_server(srv, sfirst), "server", &done);
        run_bounded(io);
        BOOST_TEST_REQUIRE(done == 2);
        BOOST_TEST_REQUIRE(!cfirst, cfirst.message());
        BOOST_TEST_REQUIRE(!sfirst, sfirst.message());
        reads = cli.next_layer().state().reads_started;
        writes = cli.next_layer().state().writes.started;
    }
    BOOST_TEST_REQUIRE(reads >= 2u);
    BOOST_TEST_REQUIRE(writes >= 3u);
    BOOST_TEST_MESSAGE("client transport: " << reads << " reads, " << writes << " writes");

    for (int kind = 0; kind < 2; ++kind) {
        const std::size_t count = kind == 0 ? reads : writes;
        for (std::size_t nth = 1; nth <= count; ++nth) {
            BOOST_TEST_CONTEXT((kind == 0 ? "read " : "write ") << nth) {
                asio::io_context io;
                auto [a, b] = tlsio::test::make_memory_pair(io.get_executor());
                (kind == 0 ? a.state().fail_read_at : a.state().fail_write_at) = nth;
                a.state().fail_with = asio::error::connection_reset;
                tls_mem cli(std::move(a), client_context());
                tls_mem srv(std::move(b), server_context());
                cli.set_host("localhost");
                error_code cfirst, sfirst;
                int done = 0;
                spawn_checked(io, scripted_client(cli, cfirst), "client", &done);
                spawn_checked(io, scripted_server(srv, sfirst), "server", &done);
                run_bounded(io, 10s);
                BOOST_TEST(done == 2);
                BOOST_TEST(cfirst == asio::error::connection_reset, cfirst.message());
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
