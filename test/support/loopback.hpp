// Loopback TCP and a time-limited io_context run, for the suites that drive
// tlsio::stream over real sockets (stream_test, stream_beast_test).
#ifndef TLSIO_TEST_SUPPORT_LOOPBACK_HPP
#define TLSIO_TEST_SUPPORT_LOOPBACK_HPP

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <utility>

namespace tlsio::test {

/// A connected pair of loopback TCP sockets: {client, server}.
inline std::pair<boost::asio::ip::tcp::socket, boost::asio::ip::tcp::socket> tcp_pair(
    boost::asio::io_context& io) {
    using boost::asio::ip::tcp;
    tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    return {std::move(client), std::move(server)};
}

/// Runs `io` until it has no work left, at most `limit`. A test whose
/// io_context still has work then has hung: it fails instead of hanging.
inline void run_bounded(boost::asio::io_context& io,
                        std::chrono::steady_clock::duration limit = std::chrono::seconds(30)) {
    io.restart();
    io.run_for(limit);
    const bool finished = io.stopped();
    if (!finished) {
        io.stop();
    }
    BOOST_REQUIRE_MESSAGE(finished, "the io_context still had work at the deadline (a hang)");
}

}  // namespace tlsio::test

#endif
