// bench/stacks.hpp: the two TLS stacks under test, configured identically:
// TLS 1.3 only, TLS_AES_128_GCM_SHA256, x25519, the client verifying the
// server's chain against the bench CA and the host name "localhost" (SNI too).
#ifndef TLSIO_BENCH_STACKS_HPP
#define TLSIO_BENCH_STACKS_HPP

#include "counting_stream.hpp"
#include "pki.hpp"

#include <tlsio/stream.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>

namespace bench {

using socket_type = boost::asio::ip::tcp::socket;
using counted_socket = counting_stream<socket_type>;

/// The host name the client sends in SNI and checks the certificate against.
inline constexpr const char* host_name = "localhost";

struct tlsio_stack {
    static constexpr const char* name = "tlsio";
    using stream_type = tlsio::stream<counted_socket>;
    struct contexts {
        tlsio::context client;
        tlsio::context server;
    };

    static std::unique_ptr<contexts> make_contexts(const credential& cred);
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
    /// "TLSv1.3 <suite> <group> <peer signature scheme> verified" as the client saw it.
    static std::string negotiated(stream_type& client);
};

struct asio_ssl_stack {
    static constexpr const char* name = "asio_ssl";
    using stream_type = boost::asio::ssl::stream<counted_socket>;
    struct contexts {
        boost::asio::ssl::context client{boost::asio::ssl::context::tls_client};
        boost::asio::ssl::context server{boost::asio::ssl::context::tls_server};
    };

    static std::unique_ptr<contexts> make_contexts(const credential& cred);
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

/// What both clients must report after a handshake with `cred`.
std::string expected_negotiation(const credential& cred);

}  // namespace bench

#endif
