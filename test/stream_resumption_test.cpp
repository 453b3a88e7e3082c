// tlsio::stream resuming sessions over loopback TCP, with co_await: a client
// stream with a host name resumes by itself from the context's cache, and a
// session taken from one stream and given to another resumes too.
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE stream_resumption_test
#include <boost/test/unit_test.hpp>

#include "support/loopback.hpp"
#include "support/pki.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using namespace tlsio::test;

namespace {

const issued& leaf() {
    static const authority ca = authority::make_root("tlsio stream resumption root");
    static const issued l = ca.issue({});
    return l;
}

tlsio::context server_context() {
    tlsio::context ctx(tlsio::context::tls_server);
    ctx.use_certificate_chain(leaf().chain_pem);
    ctx.use_private_key(leaf().key_pem);
    return ctx;
}

tlsio::context client_context() {
    tlsio::context ctx(tlsio::context::tls_client);
    ctx.add_certificate_authority(leaf().ca_pem);
    return ctx;
}

struct result {
    bool client_reused = false;
    bool server_reused = false;
    tlsio::session session;
    std::string echoed;
};

// One connection: handshake, the server writes "hi", the client reads it (and
// with it the server's tickets), both close.
result connect_once(tlsio::context& cctx, tlsio::context& sctx, tlsio::session offer = {}) {
    asio::io_context io;
    auto [a, b] = tcp_pair(io);
    tlsio::stream<tcp::socket> client(std::move(a), cctx);
    tlsio::stream<tcp::socket> server(std::move(b), sctx);
    client.set_host("localhost");
    if (offer) {
        client.set_session(offer);
    }
    result r;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await server.async_handshake(tlsio::stream_base::server, asio::use_awaitable);
            co_await asio::async_write(server, asio::buffer("hi", 2), asio::use_awaitable);
            r.server_reused = server.session_reused();
        },
        [](std::exception_ptr e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await client.async_handshake(tlsio::stream_base::client, asio::use_awaitable);
            char buf[2];
            co_await asio::async_read(client, asio::buffer(buf), asio::use_awaitable);
            r.echoed.assign(buf, 2);
            r.client_reused = client.session_reused();
            r.session = client.session();
        },
        [](std::exception_ptr e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
    run_bounded(io);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_stream_with_a_host_name_resumes_by_itself) {
    tlsio::context sctx = server_context();
    tlsio::context cctx = client_context();
    result first = connect_once(cctx, sctx);
    BOOST_TEST(first.echoed == "hi");
    BOOST_TEST(!first.client_reused);
    BOOST_TEST_REQUIRE(!first.session.empty(), "the tickets came with the read");
    result second = connect_once(cctx, sctx);
    BOOST_TEST(second.echoed == "hi");
    BOOST_TEST(second.client_reused);
    BOOST_TEST(second.server_reused);
}

BOOST_AUTO_TEST_CASE(a_session_taken_from_one_stream_resumes_another) {
    tlsio::context sctx = server_context();
    tlsio::context cctx = client_context();
    cctx.set_session_cache_size(0);
    result first = connect_once(cctx, sctx);
    BOOST_TEST_REQUIRE(!first.session.empty());
    result plain = connect_once(cctx, sctx);
    BOOST_TEST(!plain.client_reused, "no cache: nothing offered by itself");
    result again = connect_once(cctx, sctx, first.session);
    BOOST_TEST(again.client_reused);
    BOOST_TEST(again.server_reused);
}
