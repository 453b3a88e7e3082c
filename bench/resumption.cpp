#include "resumption.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <vector>

namespace bench {

std::unique_ptr<asio_ssl_resume_stack::contexts> asio_ssl_resume_stack::make_contexts(
    const credential& cred, protocol p) {
    // The same settings as asio_ssl_stack's, in the derived contexts that
    // also hold the session.
    auto base = asio_ssl_stack::make_contexts(cred, p);
    auto c = std::make_unique<contexts>();
    c->client = std::move(base->client);
    c->server = std::move(base->server);
    return c;
}

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

// ---- The delaying proxy ------------------------------------------------------

/// One direction: chunks wait in `queue` until their time.
struct pipe {
    struct chunk {
        clock_type::time_point due;
        std::vector<std::uint8_t> data;
    };
    explicit pipe(asio::any_io_executor ex) : wake(ex) {}
    std::deque<chunk> queue;
    bool eof = false;
    asio::steady_timer wake;
};

asio::awaitable<void> read_side(tcp::socket& from, std::shared_ptr<pipe> p,
                                clock_type::duration delay) {
    std::array<std::uint8_t, 16384> buffer;
    for (;;) {
        boost::system::error_code ec;
        std::size_t n = co_await from.async_read_some(
            asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            p->eof = true;
            p->wake.cancel();
            co_return;
        }
        p->queue.push_back({clock_type::now() + delay, {buffer.begin(), buffer.begin() + n}});
        p->wake.cancel();
    }
}

asio::awaitable<void> write_side(tcp::socket& to, std::shared_ptr<pipe> p) {
    for (;;) {
        boost::system::error_code ec;
        if (p->queue.empty()) {
            if (p->eof) {
                to.shutdown(tcp::socket::shutdown_send, ec);
                co_return;
            }
            p->wake.expires_at(clock_type::time_point::max());
            co_await p->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        if (clock_type::now() < p->queue.front().due) {
            p->wake.expires_at(p->queue.front().due);
            co_await p->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        co_await asio::async_write(to, asio::buffer(p->queue.front().data),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            co_return;
        }
        p->queue.pop_front();
    }
}

/// Accepts one connection and relays it to `server`, delaying each direction.
asio::awaitable<void> proxy_one(tcp::acceptor& acceptor, tcp::endpoint server,
                                clock_type::duration delay) {
    auto ex = co_await asio::this_coro::executor;
    auto downstream = std::make_shared<tcp::socket>(ex);
    auto upstream = std::make_shared<tcp::socket>(ex);
    co_await acceptor.async_accept(*downstream, asio::use_awaitable);
    co_await upstream->async_connect(server, asio::use_awaitable);
    downstream->set_option(tcp::no_delay(true));
    upstream->set_option(tcp::no_delay(true));
    auto up = std::make_shared<pipe>(ex);
    auto down = std::make_shared<pipe>(ex);
    // The sockets live as long as the coroutines that use them.
    auto keep = [downstream, upstream](std::exception_ptr) {};
    asio::co_spawn(ex, read_side(*downstream, up, delay), keep);
    asio::co_spawn(ex, write_side(*upstream, up), keep);
    asio::co_spawn(ex, read_side(*upstream, down, delay), keep);
    asio::co_spawn(ex, write_side(*downstream, down), keep);
}

asio::awaitable<void> handshake(tlsio_stack::stream_type& s, bool client) {
    return s.async_handshake(client ? tlsio::stream_base::client : tlsio::stream_base::server,
                             asio::use_awaitable);
}

asio::awaitable<void> handshake(asio_ssl_stack::stream_type& s, bool client) {
    return s.async_handshake(
        client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server,
        asio::use_awaitable);
}

void rethrow(std::exception_ptr e) {
    if (e) {
        std::rethrow_exception(e);
    }
}

/// One connection through a new proxy: the server answers a 1-byte request
/// with one byte. Returns the seconds from connect to the answer.
template <class Stack, class Configure, class After>
double one_exchange(typename Stack::contexts& ctx, clock_type::duration delay,
                    Configure configure_client, After after) {
    asio::io_context io{1};
    const tcp::endpoint loopback(asio::ip::address_v4::loopback(), 0);
    tcp::acceptor server_acceptor(io, loopback);
    tcp::acceptor proxy_acceptor(io, loopback);
    asio::co_spawn(io, proxy_one(proxy_acceptor, server_acceptor.local_endpoint(), delay), rethrow);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            socket_type s = co_await server_acceptor.async_accept(asio::use_awaitable);
            s.set_option(tcp::no_delay(true));
            auto server = Stack::make_server(std::move(s), ctx);
            co_await handshake(*server, false);
            std::uint8_t b = 0;
            co_await asio::async_read(*server, asio::buffer(&b, 1), asio::use_awaitable);
            co_await asio::async_write(*server, asio::buffer(&b, 1), asio::use_awaitable);
            // Wait for the client to close, so its last reads find the peer there.
            boost::system::error_code ec;
            co_await asio::async_read(*server, asio::buffer(&b, 1),
                                      asio::redirect_error(asio::use_awaitable, ec));
        },
        asio::detached);
    double seconds = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            const auto start = clock_type::now();
            socket_type s(io);
            co_await s.async_connect(proxy_acceptor.local_endpoint(), asio::use_awaitable);
            s.set_option(tcp::no_delay(true));
            auto client = Stack::make_client(std::move(s), ctx);
            configure_client(*client);
            co_await handshake(*client, true);
            std::uint8_t b = 'q';
            co_await asio::async_write(*client, asio::buffer(&b, 1), asio::use_awaitable);
            co_await asio::async_read(*client, asio::buffer(&b, 1), asio::use_awaitable);
            seconds = std::chrono::duration<double>(clock_type::now() - start).count();
            after(*client);
            close_hard(client->lowest_layer());
        },
        rethrow);
    io.run();
    return seconds;
}

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double round_trips(double seconds, std::chrono::milliseconds delay) {
    return seconds / (2 * std::chrono::duration<double>(delay).count());
}

}  // namespace

double tlsio_first_byte_round_trips(const credential& cred, start_kind kind,
                                    std::chrono::milliseconds delay, int samples) {
    auto ctx = kind == start_kind::full ? tlsio_stack::make_contexts(cred)
                                        : tlsio_resume_stack::make_contexts(cred);
    ctx->server.set_max_early_data(kind == start_kind::early_data ? 16384 : 0);
    using stream_type = tlsio_stack::stream_type;
    std::vector<double> rt;
    for (int i = 0; i < samples; ++i) {
        if (kind != start_kind::full) {
            // A full handshake whose tickets the measured connection uses.
            one_exchange<tlsio_stack>(
                *ctx, std::chrono::milliseconds(0), [](stream_type&) {}, [](stream_type&) {});
        }
        bool as_expected = true;
        double s = one_exchange<tlsio_stack>(
            *ctx, delay, [&](stream_type& c) { c.set_early_data(kind == start_kind::early_data); },
            [&](stream_type& c) {
                const bool early = c.get_early_data_status() == tlsio::early_data_status::accepted;
                as_expected = c.session_reused() == (kind != start_kind::full) &&
                              early == (kind == start_kind::early_data);
            });
        if (!as_expected) {
            throw std::runtime_error("first_byte_round_trips: tlsio did not resume or send 0-RTT");
        }
        rt.push_back(round_trips(s, delay));
    }
    return median_of(rt);
}

double asio_ssl_first_byte_round_trips(const credential& cred, start_kind kind,
                                       std::chrono::milliseconds delay, int samples) {
    if (kind == start_kind::early_data) {
        throw std::invalid_argument("asio::ssl::stream has no early-data operation");
    }
    auto ctx = asio_ssl_resume_stack::make_contexts(cred);
    using stream_type = asio_ssl_stack::stream_type;
    std::vector<double> rt;
    for (int i = 0; i < samples; ++i) {
        SSL_SESSION_free(ctx->session);
        ctx->session = nullptr;
        if (kind == start_kind::resumed) {
            one_exchange<asio_ssl_resume_stack>(
                *ctx, std::chrono::milliseconds(0), [](stream_type&) {},
                [&](stream_type& c) { asio_ssl_resume_stack::remember(c, *ctx); });
        }
        bool as_expected = true;
        double s = one_exchange<asio_ssl_resume_stack>(
            *ctx, delay, [](stream_type&) {},
            [&](stream_type& c) {
                as_expected = asio_ssl_resume_stack::reused(c) == (kind == start_kind::resumed);
            });
        if (!as_expected) {
            throw std::runtime_error("first_byte_round_trips: asio::ssl did not resume");
        }
        rt.push_back(round_trips(s, delay));
    }
    return median_of(rt);
}

}  // namespace bench
