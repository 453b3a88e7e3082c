//
// tlsio/beast.hpp: what Boost.Beast needs to use tlsio::stream, like
// <boost/beast/ssl.hpp> for asio::ssl::stream. Include it where a
// beast::websocket::stream<tlsio::stream<...>> is used.
//
#ifndef TLSIO_BEAST_HPP
#define TLSIO_BEAST_HPP

#include <tlsio/stream.hpp>

#include <boost/asio/compose.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace tlsio {

/// The name Beast gives its TLS stream (boost::beast::ssl_stream): code written
/// for Beast changes `beast::ssl_stream` to `tlsio::ssl_stream` and nothing else.
template <class NextLayer>
using ssl_stream = stream<NextLayer>;

/// Tears down a TLS stream for a closing WebSocket: close_notify exchange,
/// then the next layer's own teardown. Found by Beast through ADL.
template <class NextLayer>
void teardown(boost::beast::role_type role, stream<NextLayer>& s, boost::system::error_code& ec) {
    s.shutdown(ec);
    using boost::beast::websocket::teardown;
    boost::system::error_code next_ec;
    teardown(role, s.next_layer(), next_ec);
    if (!ec) {
        ec = next_ec;
    }
}

namespace detail {

template <class NextLayer>
struct teardown_op {
    stream<NextLayer>& s;
    boost::beast::role_type role;
    int step = 0;
    boost::system::error_code shutdown_ec;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
        switch (step) {
            case 0:
                step = 1;
                s.async_shutdown(std::move(self));
                return;
            case 1: {
                step = 2;
                shutdown_ec = ec;
                using boost::beast::websocket::async_teardown;
                async_teardown(role, s.next_layer(), std::move(self));
                return;
            }
            default:
                self.complete(shutdown_ec ? shutdown_ec : ec);
        }
    }
};

}  // namespace detail

/// Starts tearing down a TLS stream for a closing WebSocket.
/// The completion signature is `void(boost::system::error_code)`.
template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, stream<NextLayer>& s, TeardownHandler&& handler) {
    boost::asio::async_compose<TeardownHandler, void(boost::system::error_code)>(
        detail::teardown_op<NextLayer>{s, role, 0, {}}, handler, s);
}

}  // namespace tlsio

#endif
