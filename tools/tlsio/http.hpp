//
// tools/tlsio/http.hpp: the HTTPS side shared by `tlsio server --www` and
// `tlsio demo`: Beast HTTP/1.1 over tlsio::stream<beast::tcp_stream>.
//
#ifndef TLSIO_TOOLS_HTTP_HPP
#define TLSIO_TOOLS_HTTP_HPP

#include <tlsio/stream.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <string>
#include <string_view>

namespace tlsio_cli {

using https_stream = tlsio::stream<boost::beast::tcp_stream>;

/// A small text/html page naming what the connection negotiated, like
/// `openssl s_server -www` prints.
std::string status_page(const tlsio::engine& e, std::string_view request_line);

/// Answers HTTP requests on a handshaken stream with status_page(), keeping
/// the connection alive while the client asks to, then closes with
/// close_notify. Returns the number of requests answered; throws
/// boost::system::system_error on a failure other than the client closing.
boost::asio::awaitable<int> serve_http(https_stream& s);

}  // namespace tlsio_cli

#endif
