// The server's ClientHello callback (context::set_client_hello_callback,
// engine::answer_client_hello, stream::answer_client_hello): what it sees,
// choosing the ALPN protocol, a credential or another context, refusing with
// an alert, and answering later, on the engine and on the stream with
// co_await and with plain callbacks.
#include <tlsio/engine.hpp>
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE client_hello_hook_test
#include <boost/test/unit_test.hpp>

#include "support/loopback.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using tlsio::client_hello_answer;
using tlsio::client_hello_info;
using tlsio::status;
using namespace std::chrono_literals;

namespace tlsio {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
inline std::ostream& operator<<(std::ostream& os, alert a) {
    return os << "alert " << alert_name(a);
}
}  // namespace tlsio

namespace {

const tlsio::test::authority& test_ca() {
    static const auto ca = tlsio::test::authority::make_root("client hello hook root");
    return ca;
}

const tlsio::test::issued& cert_for(const std::string& name) {
    static std::vector<std::pair<std::string, tlsio::test::issued>> made;
    for (const auto& [n, c] : made) {
        if (n == name) {
            return c;
        }
    }
    tlsio::test::leaf_options o;
    o.common_name = name;
    o.dns_names = {name};
    made.emplace_back(name, test_ca().issue(o));
    return made.back().second;
}

tlsio::context server_context(std::initializer_list<std::string> names = {"localhost"}) {
    tlsio::context ctx(tlsio::context::tlsv13_server);
    for (const std::string& n : names) {
        ctx.use_certificate_chain(cert_for(n).chain_pem);
        ctx.use_private_key(cert_for(n).key_pem);
    }
    return ctx;
}

tlsio::context client_context(std::vector<std::string> alpn = {}) {
    tlsio::context ctx(tlsio::context::tlsv13_client);
    ctx.add_certificate_authority(test_ca().root_pem());
    if (!alpn.empty()) {
        ctx.set_alpn_protocols(std::move(alpn));
    }
    return ctx;
}

tlsio::engine client_engine(const tlsio::context& ctx, std::string host = "localhost") {
    return tlsio::engine(ctx, tlsio::role::client, {.server_name = std::move(host)});
}

std::vector<std::uint8_t> leaf_der(const std::string& name) {
    return cert_for(name).chain_der.front();
}

template <class T>
bool contains(const std::vector<T>& v, T x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

// ---- On the engine -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(callback_sees_what_the_client_offered) {
    std::optional<client_hello_info> seen;
    tlsio::context sctx = server_context();
    sctx.set_client_hello_callback([&](const client_hello_info& hello) {
        seen = hello;
        return std::optional<client_hello_answer>(client_hello_answer{});
    });
    tlsio::context cctx = client_context({"h2", "http/1.1"});
    cctx.set_groups({tlsio::named_group::x25519, tlsio::named_group::secp256r1});
    tlsio::engine client = client_engine(cctx);
    tlsio::engine server(sctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.ok());
    BOOST_REQUIRE(seen.has_value());
    BOOST_TEST(seen->server_name == "localhost");
    BOOST_TEST((seen->alpn_protocols == std::vector<std::string>{"h2", "http/1.1"}));
    BOOST_TEST(contains(seen->versions, tlsio::protocol_version::tls13));
    BOOST_TEST(
        (seen->groups == std::vector{tlsio::named_group::x25519, tlsio::named_group::secp256r1}));
    BOOST_TEST(contains(seen->signature_schemes, tlsio::signature_scheme::ecdsa_secp256r1_sha256));
    BOOST_TEST(contains(seen->cipher_suites, tlsio::cipher_suite::aes_128_gcm_sha256));
    // The server has no ALPN list and the default answer changes nothing.
    BOOST_TEST(server.alpn_protocol().empty());
}

BOOST_AUTO_TEST_CASE(callback_chooses_the_alpn_protocol) {
    tlsio::context sctx = server_context();
    sctx.set_alpn_protocols({"h2", "http/1.1"});  // would pick h2
    sctx.set_client_hello_callback([](const client_hello_info&) {
        client_hello_answer a;
        a.alpn_protocol = "http/1.1";
        return std::optional(a);
    });
    tlsio::engine client = client_engine(client_context({"h2", "http/1.1"}));
    tlsio::engine server(sctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.ok());
    BOOST_TEST(client.alpn_protocol() == "http/1.1");
    BOOST_TEST(server.alpn_protocol() == "http/1.1");
}

BOOST_AUTO_TEST_CASE(callback_chooses_no_alpn_protocol) {
    tlsio::context sctx = server_context();
    sctx.set_alpn_protocols({"h3"});  // nothing in common: would fail
    sctx.set_client_hello_callback([](const client_hello_info&) {
        client_hello_answer a;
        a.alpn_protocol = "";
        return std::optional(a);
    });
    tlsio::engine client = client_engine(client_context({"h2"}));
    tlsio::engine server(sctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.ok());
    BOOST_TEST(client.alpn_protocol().empty());
}

BOOST_AUTO_TEST_CASE(alpn_protocol_the_client_did_not_offer_fails) {
    tlsio::context sctx = server_context();
    sctx.set_client_hello_callback([](const client_hello_info&) {
        client_hello_answer a;
        a.alpn_protocol = "spdy/3";
        return std::optional(a);
    });
    tlsio::engine client = client_engine(client_context({"h2"}));
    tlsio::engine server(sctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.server.error == tlsio::error::invalid_argument);
    BOOST_TEST(server.error_message().find("\"spdy/3\", which the client did not offer") !=
               std::string::npos);
    BOOST_TEST(r.client.error == tlsio::alert::internal_error);
}

BOOST_AUTO_TEST_CASE(callback_chooses_the_credential) {
    // Both leaves can sign for the client; without the callback the first,
    // which names the SNI host, wins.
    tlsio::context sctx = server_context({"localhost", "second.test"});
    for (std::size_t chosen : {0u, 1u}) {
        tlsio::context ctx = sctx;
        ctx.set_client_hello_callback([chosen](const client_hello_info&) {
            client_hello_answer a;
            a.credential = chosen;
            return std::optional(a);
        });
        tlsio::engine client(client_context(), tlsio::role::client,
                             {.server_name = "localhost", .verify_host = false});
        tlsio::engine server(ctx, tlsio::role::server);
        auto r = tlsio::test::handshake(client, server);
        BOOST_TEST(r.ok(), "credential " << chosen);
        BOOST_REQUIRE(!client.peer_certificates().empty());
        BOOST_TEST((client.peer_certificates().front() ==
                    leaf_der(chosen == 0 ? "localhost" : "second.test")));
    }
    // An index past the end fails the handshake, with the reason.
    tlsio::context ctx = sctx;
    ctx.set_client_hello_callback([](const client_hello_info&) {
        client_hello_answer a;
        a.credential = 2;
        return std::optional(a);
    });
    tlsio::engine client = client_engine(client_context());
    tlsio::engine server(ctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.server.error == tlsio::error::invalid_argument);
    BOOST_TEST(server.error_message() ==
               "the ClientHello callback chose credential 2 of a context that has 2");
}

BOOST_AUTO_TEST_CASE(callback_chooses_another_context) {
    tlsio::context other = server_context({"other.test"});
    other.set_alpn_protocols({"other-proto"});
    tlsio::context sctx = server_context();
    sctx.set_client_hello_callback([&](const client_hello_info& hello) {
        client_hello_answer a;
        if (hello.server_name == "other.test") {
            a.use_context = other;
        }
        return std::optional(a);
    });
    tlsio::engine client = client_engine(client_context({"other-proto"}), "other.test");
    tlsio::engine server(sctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.ok());
    BOOST_TEST((client.peer_certificates().front() == leaf_der("other.test")));
    BOOST_TEST(server.alpn_protocol() == "other-proto");  // the other context's list
}

BOOST_AUTO_TEST_CASE(callback_refuses_with_an_alert) {
    tlsio::context sctx = server_context();
    sctx.set_client_hello_callback([](const client_hello_info&) {
        client_hello_answer a;
        a.refuse = tlsio::alert::unrecognized_name;
        return std::optional(a);
    });
    tlsio::engine client = client_engine(client_context());
    tlsio::engine server(sctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.server.error == tlsio::error::client_hello_refused);
    BOOST_TEST(server.error_message() ==
               "the ClientHello callback refused the connection with alert unrecognized_name");
    BOOST_TEST(r.client.error == tlsio::alert::unrecognized_name);
    // Nothing but the alert left the server: no ServerHello.
    BOOST_REQUIRE(r.flights_from(tlsio::role::server).size() == 1);
    BOOST_TEST(r.flights_from(tlsio::role::server).front()->data ==
               (tlsio::test::bytes{21, 3, 3, 0, 2, 2, 112}));
}

BOOST_AUTO_TEST_CASE(engine_waits_for_a_later_answer) {
    tlsio::context sctx = server_context({"localhost", "second.test"});
    int calls = 0;
    sctx.set_client_hello_callback([&](const client_hello_info&) {
        ++calls;
        return std::optional<client_hello_answer>();  // answered later
    });
    tlsio::engine client(client_context({"h2"}), tlsio::role::client,
                         {.server_name = "localhost", .verify_host = false});
    tlsio::engine server(sctx, tlsio::role::server);
    BOOST_TEST(!server.answer_client_hello({}));  // nothing to answer yet
    BOOST_TEST(server.client_hello() == nullptr);

    auto first = tlsio::test::handshake(client, server);
    BOOST_TEST(first.stalled);
    BOOST_TEST(first.server.last == status::want_application);
    BOOST_TEST(first.flights_from(tlsio::role::server).empty());  // nothing sent while waiting
    BOOST_REQUIRE(server.client_hello() != nullptr);
    BOOST_TEST(server.client_hello()->server_name == "localhost");
    BOOST_TEST(server.handshake() == status::want_application);  // asking again changes nothing
    BOOST_TEST(server.output().empty());

    client_hello_answer a;
    a.credential = 1;
    a.alpn_protocol = "h2";
    BOOST_TEST(server.answer_client_hello(a));
    BOOST_TEST(!server.answer_client_hello(a));  // answered once
    BOOST_TEST(server.client_hello() == nullptr);
    auto second = tlsio::test::handshake(client, server);
    BOOST_TEST(second.ok());
    BOOST_TEST(calls == 1);
    BOOST_TEST(client.alpn_protocol() == "h2");
    BOOST_TEST((client.peer_certificates().front() == leaf_der("second.test")));
}

BOOST_AUTO_TEST_CASE(answer_survives_a_hello_retry_request) {
    // The client's key share is for a group the server does not take, so a
    // HelloRetryRequest comes between; the callback runs once, its choices
    // hold for the second ClientHello.
    tlsio::context sctx = server_context({"localhost", "second.test"});
    sctx.set_groups({tlsio::named_group::secp256r1});
    int calls = 0;
    sctx.set_client_hello_callback([&](const client_hello_info&) {
        ++calls;
        client_hello_answer a;
        a.credential = 1;
        a.alpn_protocol = "h2";
        return std::optional(a);
    });
    tlsio::engine client(client_context({"h2"}), tlsio::role::client,
                         {.server_name = "localhost", .verify_host = false});
    tlsio::engine server(sctx, tlsio::role::server);
    auto r = tlsio::test::handshake(client, server);
    BOOST_TEST(r.ok());
    BOOST_TEST(server.used_hello_retry_request());
    BOOST_TEST(calls == 1);
    BOOST_TEST(client.alpn_protocol() == "h2");
    BOOST_TEST((client.peer_certificates().front() == leaf_der("second.test")));
}

// ---- On the stream -------------------------------------------------------------

namespace {

using tls_tcp = tlsio::stream<tcp::socket>;

struct streams {
    asio::io_context io;
    std::pair<tcp::socket, tcp::socket> transport_ = tlsio::test::tcp_pair(io);
    tls_tcp cli{std::move(transport_.first), client_context({"h2", "http/1.1"})};
    tls_tcp srv{std::move(transport_.second), server_context({"localhost", "second.test"})};
    streams() { cli.set_server_name("localhost"); }
};

client_hello_answer later_answer() {
    client_hello_answer a;
    a.credential = 1;
    a.alpn_protocol = "http/1.1";
    return a;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(stream_answers_later_with_co_await, streams) {
    bool answered = false;
    bool server_done_before_answer = false;
    error_code server_ec = asio::error::would_block;
    error_code client_ec = asio::error::would_block;
    srv.set_client_hello_callback([&](const client_hello_info& hello) {
        BOOST_TEST(hello.server_name == "localhost");
        // Look the answer up asynchronously, as a certificate store would.
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                asio::steady_timer t(io, 20ms);
                co_await t.async_wait(asio::use_awaitable);
                BOOST_TEST(srv.client_hello() != nullptr);
                answered = srv.answer_client_hello(later_answer());
            },
            asio::detached);
        return std::optional<client_hello_answer>();
    });
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await srv.async_handshake(tlsio::stream_base::server, asio::use_awaitable);
            server_done_before_answer = !answered;
            server_ec = {};
        },
        [&](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const boost::system::system_error& x) {
                    server_ec = x.code();
                }
            }
        });
    cli.async_handshake(tlsio::stream_base::client, [&](error_code ec) { client_ec = ec; });
    tlsio::test::run_bounded(io);
    BOOST_TEST(answered);
    BOOST_TEST(!server_done_before_answer);
    BOOST_TEST(server_ec == error_code{});
    BOOST_TEST(client_ec == error_code{});
    BOOST_TEST(cli.native_engine().alpn_protocol() == "http/1.1");
    BOOST_TEST((cli.native_engine().peer_certificates().front() == leaf_der("second.test")));
}

BOOST_FIXTURE_TEST_CASE(stream_answers_later_with_callbacks, streams) {
    asio::steady_timer lookup(io);
    bool answered = false;
    int completions = 0;
    error_code server_ec = asio::error::would_block;
    error_code client_ec = asio::error::would_block;
    srv.set_client_hello_callback([&](const client_hello_info&) {
        lookup.expires_after(20ms);
        lookup.async_wait([&](error_code) { answered = srv.answer_client_hello(later_answer()); });
        return std::optional<client_hello_answer>();
    });
    srv.async_handshake(tlsio::stream_base::server, [&](error_code ec) {
        ++completions;
        BOOST_TEST(answered);  // the handshake's completion waited for the answer
        server_ec = ec;
    });
    cli.async_handshake(tlsio::stream_base::client, [&](error_code ec) { client_ec = ec; });
    tlsio::test::run_bounded(io);
    BOOST_TEST(completions == 1);
    BOOST_TEST(server_ec == error_code{});
    BOOST_TEST(client_ec == error_code{});
    BOOST_TEST(srv.native_engine().alpn_protocol() == "http/1.1");
}

BOOST_FIXTURE_TEST_CASE(stream_refusal_reaches_both_ends, streams) {
    error_code server_ec;
    error_code client_ec;
    srv.set_client_hello_callback([&](const client_hello_info&) {
        client_hello_answer a;
        a.refuse = tlsio::alert::access_denied;
        return std::optional(a);
    });
    srv.async_handshake(tlsio::stream_base::server, [&](error_code ec) { server_ec = ec; });
    cli.async_handshake(tlsio::stream_base::client, [&](error_code ec) { client_ec = ec; });
    tlsio::test::run_bounded(io);
    BOOST_TEST(server_ec == tlsio::error::client_hello_refused);
    BOOST_TEST(client_ec == tlsio::alert::access_denied);
}

BOOST_FIXTURE_TEST_CASE(blocking_handshake_reports_a_pending_answer, streams) {
    // The client runs asynchronously on its own thread; the server blocks on
    // this one.
    error_code client_ec = asio::error::would_block;
    srv.set_client_hello_callback(
        [](const client_hello_info&) { return std::optional<client_hello_answer>(); });
    cli.async_handshake(tlsio::stream_base::client, [&](error_code ec) { client_ec = ec; });
    std::thread client_thread([&] { io.run_for(30s); });
    error_code ec;
    srv.handshake(tlsio::stream_base::server, ec);
    BOOST_TEST(ec == tlsio::error::client_hello_pending);
    BOOST_REQUIRE(srv.client_hello() != nullptr);
    BOOST_TEST(srv.client_hello()->server_name == "localhost");
    BOOST_TEST(srv.answer_client_hello(later_answer()));
    srv.handshake(tlsio::stream_base::server, ec);  // goes on where it stopped
    BOOST_TEST(ec == error_code{});
    client_thread.join();
    BOOST_TEST(client_ec == error_code{});
    BOOST_TEST(srv.native_engine().alpn_protocol() == "http/1.1");
}

BOOST_FIXTURE_TEST_CASE(cancelling_the_wait_fails_the_handshake, streams) {
    asio::cancellation_signal cancel;
    error_code server_ec;
    srv.set_client_hello_callback([&](const client_hello_info&) {
        asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
        return std::optional<client_hello_answer>();
    });
    srv.async_handshake(
        tlsio::stream_base::server,
        asio::bind_cancellation_slot(cancel.slot(), [&](error_code ec) { server_ec = ec; }));
    cli.async_handshake(tlsio::stream_base::client, [&](error_code) {});
    asio::steady_timer stop(io, 200ms);
    stop.async_wait([&](error_code) { cli.next_layer().close(); });
    tlsio::test::run_bounded(io);
    BOOST_TEST(server_ec == asio::error::operation_aborted);
}
