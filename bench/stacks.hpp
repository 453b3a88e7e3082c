// bench/stacks.hpp: the two TLS stacks under test, configured identically:
// TLS 1.3 only, TLS_AES_128_GCM_SHA256, x25519, the client verifying the
// server's chain against the bench CA and the host name "localhost" (SNI too);
// or the same with TLS 1.2 only and ECDHE-ECDSA-AES128-GCM-SHA256
// (ECDHE-RSA-AES128-GCM-SHA256 with an RSA credential), offering P-256 after
// x25519 for the certificate's curve.
#ifndef TLSIO_BENCH_STACKS_HPP
#define TLSIO_BENCH_STACKS_HPP

#include "counting_stream.hpp"
#include "pki.hpp"

#include <tlsio/stream.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace bench {

using socket_type = boost::asio::ip::tcp::socket;
using counted_socket = counting_stream<socket_type>;

/// The host name the client sends in SNI and checks the certificate against.
inline constexpr const char* host_name = "localhost";

/// The one protocol version both stacks are pinned to.
enum class protocol { tls13, tls12 };

struct tlsio_stack {
    static constexpr const char* name = "tlsio";
    using stream_type = tlsio::stream<counted_socket>;
    struct contexts {
        tlsio::context client;
        tlsio::context server;
    };

    static std::unique_ptr<contexts> make_contexts(const credential& cred,
                                                   protocol p = protocol::tls13);
    static std::unique_ptr<stream_type> make_client(socket_type&& s, contexts& c) {
        auto p = std::make_unique<stream_type>(std::move(s), c.client);
        p->set_host(host_name);
        return p;
    }
    static std::unique_ptr<stream_type> make_server(socket_type&& s, contexts& c) {
        return std::make_unique<stream_type>(std::move(s), c.server);
    }
    template <class Handler>
    static void async_handshake(stream_type& s, bool client, Handler&& h) {
        s.async_handshake(client ? tlsio::stream_base::client : tlsio::stream_base::server,
                          std::forward<Handler>(h));
    }
    /// "TLSv1.3 <suite> <group> <peer signature scheme> verified" as the client
    /// saw it (IANA suite names, also for TLS 1.2).
    static std::string negotiated(stream_type& client);
};

struct asio_ssl_stack {
    static constexpr const char* name = "asio_ssl";
    using stream_type = boost::asio::ssl::stream<counted_socket>;
    struct contexts {
        boost::asio::ssl::context client{boost::asio::ssl::context::tls_client};
        boost::asio::ssl::context server{boost::asio::ssl::context::tls_server};
    };

    static std::unique_ptr<contexts> make_contexts(const credential& cred,
                                                   protocol p = protocol::tls13);
    static std::unique_ptr<stream_type> make_client(socket_type&& s, contexts& c);
    static std::unique_ptr<stream_type> make_server(socket_type&& s, contexts& c) {
        return std::make_unique<stream_type>(std::move(s), c.server);
    }
    template <class Handler>
    static void async_handshake(stream_type& s, bool client, Handler&& h) {
        s.async_handshake(
            client ? boost::asio::ssl::stream_base::client : boost::asio::ssl::stream_base::server,
            std::forward<Handler>(h));
    }
    static std::string negotiated(stream_type& client);
};

/// beast::tcp_stream (timeouts, rate policy; no async_wait) with the counters
/// and lowest_layer() a connection pair uses.
using counted_tcp_stream = counting_stream<boost::beast::tcp_stream>;

/// The two stacks over beast::tcp_stream, as Beast's servers use them
/// (memory_idle_reading_tcp_stream). Same contexts as over a socket.
struct tlsio_tcp_stream_stack : tlsio_stack {
    static constexpr const char* name = "tlsio/tcp_stream";
    using stream_type = tlsio::stream<counted_tcp_stream>;
    static std::unique_ptr<stream_type> make_client(socket_type&& s, contexts& c) {
        auto p = std::make_unique<stream_type>(std::move(s), c.client);
        p->set_host(host_name);
        return p;
    }
    static std::unique_ptr<stream_type> make_server(socket_type&& s, contexts& c) {
        return std::make_unique<stream_type>(std::move(s), c.server);
    }
    template <class Handler>
    static void async_handshake(stream_type& s, bool client, Handler&& h) {
        s.async_handshake(client ? tlsio::stream_base::client : tlsio::stream_base::server,
                          std::forward<Handler>(h));
    }
};

struct asio_ssl_tcp_stream_stack : asio_ssl_stack {
    static constexpr const char* name = "asio_ssl/tcp_stream";
    using stream_type = boost::asio::ssl::stream<counted_tcp_stream>;
    static std::unique_ptr<stream_type> make_client(socket_type&& s, contexts& c) {
        auto p = std::make_unique<stream_type>(std::move(s), c.client);
        if (SSL_set_tlsext_host_name(p->native_handle(), host_name) != 1) {
            throw std::runtime_error("SNI");
        }
        p->set_verify_callback(boost::asio::ssl::host_name_verification(host_name));
        return p;
    }
    static std::unique_ptr<stream_type> make_server(socket_type&& s, contexts& c) {
        return std::make_unique<stream_type>(std::move(s), c.server);
    }
    template <class Handler>
    static void async_handshake(stream_type& s, bool client, Handler&& h) {
        s.async_handshake(
            client ? boost::asio::ssl::stream_base::client : boost::asio::ssl::stream_base::server,
            std::forward<Handler>(h));
    }
};

/// What both clients must report after a handshake with `cred`.
std::string expected_negotiation(const credential& cred, protocol p = protocol::tls13);

}  // namespace bench

#endif
