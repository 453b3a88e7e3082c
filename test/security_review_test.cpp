// Regression tests for the findings of the security review (issue 10): a
// verifying client without a host name, weak keys and signature hashes in
// chains, quadratic duplicate checks in hello parsing, and plaintext left in
// pooled record buffers.
#include <tlsio/engine.hpp>
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE security_review_test
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/x509_vfy.h>

#include "record/buffer_pool.hpp"
#include "support/loopback.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "wire/codec.hpp"
#include "wire/messages.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;
using boost::system::error_code;

namespace {

const authority& p256_ca() {
    static const authority ca = authority::make_root("tlsio review root p256", key_type::p256);
    return ca;
}

context server_context(const issued& cred) {
    context ctx(context::tlsv13_server);
    ctx.use_certificate_chain(cred.chain_pem);
    ctx.use_private_key(cred.key_pem);
    return ctx;
}

context client_context(const std::string& trusted_pem) {
    context ctx(context::tlsv13_client);
    ctx.add_certificate_authority(trusted_pem);
    return ctx;
}

issued localhost_leaf(const authority& ca = p256_ca()) {
    return ca.issue(leaf_options{});
}

std::string failure(const engine& client, const engine& server) {
    return "client: " + client.error().message() + " (" + client.error_message() +
           "), server: " + server.error().message() + " (" + server.error_message() + ")";
}

}  // namespace

// ==== Finding 1: a verifying client needs a host name =============================

BOOST_AUTO_TEST_SUITE(host_name_required)

BOOST_AUTO_TEST_CASE(verifying_client_without_host_name_does_not_start) {
    context cctx = client_context(p256_ca().root_pem());  // verify_peer by default
    engine client(cctx, role::client);
    BOOST_TEST(client.handshake() == status::error);
    BOOST_TEST(client.error() == error_code(error::host_name_required));
    BOOST_TEST(client.output().empty());  // not even a ClientHello left
    BOOST_TEST(client.error_message().find("set_host") != std::string::npos);
    BOOST_TEST(client.error_message().find("verify_host = false") != std::string::npos);
    // Every later call says the same; nothing is ever sent.
    std::uint8_t buf[16];
    std::size_t n = 0;
    BOOST_TEST(client.read(buf, n) == status::error);
    BOOST_TEST(client.write(buf, n) == status::error);
    BOOST_TEST(client.error() == error_code(error::host_name_required));
    BOOST_TEST(client.output().empty());
}

BOOST_AUTO_TEST_CASE(per_connection_verify_peer_without_host_name_does_not_start) {
    context cctx = client_context(p256_ca().root_pem());
    cctx.set_verify_mode(verify_none);
    engine client(cctx, role::client, engine_options{.peer_verify_mode = verify_peer});
    BOOST_TEST(client.handshake() == status::error);
    BOOST_TEST(client.error() == error_code(error::host_name_required));
}

BOOST_AUTO_TEST_CASE(host_checking_turned_off_explicitly_connects) {
    const issued leaf = localhost_leaf();
    context sctx = server_context(leaf);
    context cctx = client_context(leaf.ca_pem);
    engine client(cctx, role::client, engine_options{.verify_host = false});
    engine server(sctx, role::server);
    pump_result r = handshake(client, server);
    BOOST_TEST(r.ok(), failure(client, server));
}

BOOST_AUTO_TEST_CASE(client_without_verification_needs_no_host_name) {
    const issued leaf = localhost_leaf();
    context sctx = server_context(leaf);
    context cctx(context::tlsv13_client);
    cctx.set_verify_mode(verify_none);
    engine client(cctx, role::client);
    engine server(sctx, role::server);
    pump_result r = handshake(client, server);
    BOOST_TEST(r.ok(), failure(client, server));
}

BOOST_AUTO_TEST_CASE(stream_without_set_host_does_not_start) {
    const issued leaf = localhost_leaf();
    context cctx = client_context(leaf.ca_pem);
    boost::asio::io_context io;
    auto [client_socket, server_socket] = tcp_pair(io);
    tlsio::stream<boost::asio::ip::tcp::socket> client(std::move(client_socket), cctx);
    error_code ec = boost::asio::error::would_block;
    client.async_handshake(stream_base::client, [&](error_code e) { ec = e; });
    io.run_for(std::chrono::seconds(5));  // a handshake that started would wait for the server
    BOOST_TEST(ec == error_code(error::host_name_required));
    BOOST_TEST(server_socket.available() == 0u);  // nothing was sent
}

BOOST_AUTO_TEST_CASE(stream_with_set_server_name_checks_no_host) {
    // set_server_name sends SNI without a host check: an explicit choice.
    const issued leaf = localhost_leaf();
    context cctx = client_context(leaf.ca_pem);
    context sctx = server_context(leaf);
    boost::asio::io_context io;
    auto [client_socket, server_socket] = tcp_pair(io);
    tlsio::stream<boost::asio::ip::tcp::socket> client(std::move(client_socket), cctx);
    tlsio::stream<boost::asio::ip::tcp::socket> server(std::move(server_socket), sctx);
    client.set_server_name("other.example");
    error_code cec = boost::asio::error::would_block;
    error_code sec = boost::asio::error::would_block;
    client.async_handshake(stream_base::client, [&](error_code ec) { cec = ec; });
    server.async_handshake(stream_base::server, [&](error_code ec) { sec = ec; });
    run_bounded(io);
    BOOST_TEST(!cec, cec.message());
    BOOST_TEST(!sec, sec.message());
}

BOOST_AUTO_TEST_SUITE_END()
