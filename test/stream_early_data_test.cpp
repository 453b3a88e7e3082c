// tlsio::stream sending and taking 0-RTT early data over loopback TCP, with
// co_await: the client's first write leaves with its ClientHello, the server
// reads it marked early and answers before the handshake ends; rejected
// early data reaches the server all the same.
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE stream_early_data_test
#include <boost/test/unit_test.hpp>

#include "support/loopback.hpp"
#include "support/pki.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace tlsio::test;

namespace {

const issued& leaf() {
    static const authority ca = authority::make_root("tlsio stream early data root");
    static const issued l = ca.issue({});
    return l;
}

tlsio::context server_context(std::uint32_t max_early_data) {
    tlsio::context ctx(tlsio::context::tls_server);
    ctx.use_certificate_chain(leaf().chain_pem);
    ctx.use_private_key(leaf().key_pem);
    ctx.set_max_early_data(max_early_data);
    return ctx;
}

tlsio::context client_context() {
    tlsio::context ctx(tlsio::context::tls_client);
    ctx.add_certificate_authority(leaf().ca_pem);
    return ctx;
}

void rethrow(std::exception_ptr e) {
    if (e) {
        std::rethrow_exception(e);
    }
}

struct result {
    std::string server_got;
    bool server_saw_early = false;
    bool server_handshake_done_after_handshake = true;
    std::string client_got;
    bool client_in_early_data_after_handshake = false;
    tlsio::early_data_status client_status = tlsio::early_data_status::not_sent;
    tlsio::early_data_status server_status = tlsio::early_data_status::not_sent;
    bool reused = false;
};

// The client writes "ping" right after its handshake and reads "pong"; the
// server reads 4 bytes, notes whether they came early, and answers.
result connect_once(tlsio::context& cctx, tlsio::context& sctx, bool early_data) {
    asio::io_context io;
    auto [a, b] = tcp_pair(io);
    tlsio::stream<tcp::socket> client(std::move(a), cctx);
    tlsio::stream<tcp::socket> server(std::move(b), sctx);
    client.set_host("localhost");
    client.set_early_data(early_data);
    result r;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await server.async_handshake(tlsio::stream_base::server, asio::use_awaitable);
            r.server_handshake_done_after_handshake = server.native_engine().handshake_done();
            char buf[4];
            co_await asio::async_read(server, asio::buffer(buf), asio::use_awaitable);
            r.server_got.assign(buf, 4);
            r.server_saw_early = server.data_is_early();
            co_await asio::async_write(server, asio::buffer("pong", 4), asio::use_awaitable);
            r.server_status = server.get_early_data_status();
        },
        rethrow);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await client.async_handshake(tlsio::stream_base::client, asio::use_awaitable);
            r.client_in_early_data_after_handshake = client.in_early_data();
            co_await asio::async_write(client, asio::buffer("ping", 4), asio::use_awaitable);
            char buf[4];
            co_await asio::async_read(client, asio::buffer(buf), asio::use_awaitable);
            r.client_got.assign(buf, 4);
            r.client_status = client.get_early_data_status();
            r.reused = client.session_reused();
        },
        rethrow);
    run_bounded(io);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_first_write_goes_as_early_data_and_is_read_as_early) {
    tlsio::context sctx = server_context(16384);
    tlsio::context cctx = client_context();
    result first = connect_once(cctx, sctx, true);
    BOOST_TEST(first.client_got == "pong");
    BOOST_TEST(!first.server_saw_early, "no ticket yet: a full handshake");
    BOOST_TEST((first.client_status == tlsio::early_data_status::not_sent));

    result second = connect_once(cctx, sctx, true);
    BOOST_TEST(second.reused);
    BOOST_TEST(second.client_in_early_data_after_handshake);
    BOOST_TEST(!second.server_handshake_done_after_handshake,
               "the server's handshake completed after its flight, for the early data");
    BOOST_TEST(second.server_got == "ping");
    BOOST_TEST(second.server_saw_early);
    BOOST_TEST(second.client_got == "pong");
    BOOST_TEST((second.client_status == tlsio::early_data_status::accepted));
    BOOST_TEST((second.server_status == tlsio::early_data_status::accepted));
}

BOOST_AUTO_TEST_CASE(rejected_early_data_still_reaches_the_server) {
    tlsio::context sctx = server_context(16384);
    tlsio::context cctx = client_context();
    BOOST_TEST_REQUIRE(connect_once(cctx, sctx, false).client_got == "pong");
    // The server turns 0-RTT off; the ticket still says it may be sent.
    sctx.set_max_early_data(0);
    result r = connect_once(cctx, sctx, true);
    BOOST_TEST(r.reused);
    BOOST_TEST(r.client_in_early_data_after_handshake);
    BOOST_TEST(r.server_got == "ping", "sent again after the handshake");
    BOOST_TEST(!r.server_saw_early);
    BOOST_TEST(r.client_got == "pong");
    BOOST_TEST((r.client_status == tlsio::early_data_status::rejected));
    BOOST_TEST((r.server_status == tlsio::early_data_status::rejected));
}

BOOST_AUTO_TEST_CASE(a_server_without_early_data_completes_its_handshake_as_before) {
    tlsio::context sctx = server_context(0);
    tlsio::context cctx = client_context();
    BOOST_TEST_REQUIRE(connect_once(cctx, sctx, false).client_got == "pong");
    result r = connect_once(cctx, sctx, false);
    BOOST_TEST(r.reused);
    BOOST_TEST(r.server_handshake_done_after_handshake);
    BOOST_TEST(!r.client_in_early_data_after_handshake);
    BOOST_TEST((r.client_status == tlsio::early_data_status::not_sent));
}
