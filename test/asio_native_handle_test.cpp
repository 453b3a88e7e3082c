// tlsio::stream::native_handle() as asio programs use it: Beast's SSL client
// examples call SSL_set_tlsext_host_name(stream.native_handle(), host) and
// set a host_name_verification callback. Compiled with the compat
// <openssl/ssl.h> first on the include path, as such a program would be
// (pkg-config tlsio-openssl), so `SSL_*` here are tlsio's; linked with tlsio::c.
#include <openssl/ssl.h>  // tlsio's compat header

#include <tlsio/beast.hpp>
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE asio_native_handle_test
#include <boost/test/unit_test.hpp>

#include "support/loopback.hpp"
#include "support/pki.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>  // net::error::get_ssl_category(), as Beast's examples
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <functional>
#include <ostream>
#include <string>
#include <utility>

// Printers so BOOST_TEST can show the expected side of `ec == enum`.
namespace tlsio {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
}  // namespace tlsio

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = tlsio;
using boost::system::error_code;
using net::ip::tcp;
using tlsio::test::authority;
using tlsio::test::issued;
using tlsio::test::leaf_options;
using tlsio::test::run_bounded;
using tlsio::test::tcp_pair;

namespace {

const authority& root() {
    static const authority ca = authority::make_root("native handle root");
    return ca;
}

ssl::context server_context(std::vector<std::string> alpn = {}) {
    static const issued leaf = root().issue(leaf_options{});
    ssl::context ctx{ssl::context::tls_server};
    ctx.use_certificate_chain(net::buffer(leaf.chain_pem));
    ctx.use_private_key(net::buffer(leaf.key_pem), ssl::context::pem);
    if (!alpn.empty()) {
        ctx.set_alpn_protocols(std::move(alpn));
    }
    return ctx;
}

ssl::context client_context() {
    ssl::context ctx{ssl::context::tls_client};
    std::string pem = root().root_pem();
    ctx.add_certificate_authority(net::buffer(pem.data(), pem.size()));
    ctx.set_verify_mode(ssl::verify_peer);
    return ctx;
}

using client_stream = tlsio::ssl_stream<beast::tcp_stream>;

struct outcome {
    error_code client;
    error_code server;
    std::string server_saw_sni;
    std::string alpn;
};

outcome run(const ssl::context& cctx, const ssl::context& sctx,
            const std::function<void(client_stream&)>& prepare,
            const std::function<void(client_stream&)>& after = {}) {
    net::io_context io;
    auto [c, s] = tcp_pair(io);
    client_stream client(std::move(c), cctx);
    ssl::stream<tcp::socket> server(std::move(s), sctx);
    prepare(client);
    outcome out;
    client.async_handshake(ssl::stream_base::client, [&](error_code ec) {
        out.client = ec;
        if (ec) {
            beast::get_lowest_layer(client).close();
        }
    });
    server.async_handshake(ssl::stream_base::server, [&](error_code ec) {
        out.server = ec;
        if (ec) {
            server.next_layer().close();
        }
    });
    run_bounded(io);
    if (server.has_engine()) {
        out.server_saw_sni = std::string(server.native_engine().server_name());
    }
    if (client.has_engine()) {
        out.alpn = std::string(client.native_engine().alpn_protocol());
    }
    if (after) {
        after(client);
    }
    return out;
}

std::string queued_errors() {
    std::string all;
    unsigned long e = 0;
    const char* data = nullptr;
    int flags = 0;
    while ((e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        all += buf;
        if (data != nullptr && (flags & ERR_TXT_STRING) != 0) {
            all += std::string(" [") + data + "]";
        }
        all += "\n";
    }
    return all;
}

}  // namespace

// The lines of Beast 1.81's http_client_async_ssl / websocket_client_*_ssl,
// unchanged apart from the stream type.
BOOST_AUTO_TEST_CASE(sni_and_host_check_as_beast_examples_set_them) {
    auto out = run(
        client_context(), server_context(),
        [](client_stream& stream_) {
            const std::string host = "localhost";
            // Set SNI Hostname (many hosts need this to handshake successfully)
            if (!SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str())) {
                beast::error_code ec{static_cast<int>(::ERR_get_error()),
                                     net::error::get_ssl_category()};
                BOOST_FAIL(ec.message());
            }
            // Set the expected hostname in the peer certificate for verification
            stream_.set_verify_callback(ssl::host_name_verification(host));
        },
        [](client_stream& stream_) {
            SSL* h = stream_.native_handle();
            BOOST_TEST(SSL_is_init_finished(h) == 1);
            BOOST_TEST(SSL_get_version(h) == std::string("TLSv1.3"));
            BOOST_TEST(SSL_get_cipher_name(h) ==
                       std::string(tlsio::name(stream_.native_engine().cipher_suite())));
            BOOST_TEST(SSL_get_verify_result(h) == X509_V_OK);
            BOOST_TEST(SSL_is_server(h) == 0);
            BOOST_TEST(SSL_get_servername(h, TLSEXT_NAMETYPE_host_name) ==
                       std::string("localhost"));
            X509* peer = SSL_get1_peer_certificate(h);
            BOOST_TEST(peer != nullptr);
            X509_free(peer);
        });
    BOOST_TEST(!out.client, out.client.message());
    BOOST_TEST(!out.server, out.server.message());
    BOOST_TEST(out.server_saw_sni == "localhost");
}

BOOST_AUTO_TEST_CASE(the_sni_name_is_checked) {
    // Without a verify callback too: a verifying stream checks the
    // certificate against the name it sends, as tlsio's C facade does.
    auto out = run(client_context(), server_context(), [](client_stream& s) {
        BOOST_TEST(SSL_set_tlsext_host_name(s.native_handle(), "www.example.com") == 1);
    });
    BOOST_TEST(out.client == tlsio::error::certificate_host_mismatch, out.client.message());
    BOOST_TEST(out.server_saw_sni == "www.example.com");

    // set_server_name (SNI without the check) stays in force.
    auto unchecked = run(client_context(), server_context(), [](client_stream& s) {
        s.set_server_name("www.example.com");
        BOOST_TEST(SSL_set_tlsext_host_name(s.native_handle(), "www.example.com") == 1);
    });
    BOOST_TEST(!unchecked.client, unchecked.client.message());

    // SSL_set1_host alone: the name to check, sent in SNI too.
    auto by_set1_host = run(client_context(), server_context(), [](client_stream& s) {
        BOOST_TEST(SSL_set1_host(s.native_handle(), "localhost") == 1);
        BOOST_TEST(SSL_set_tlsext_host_name(s.native_handle(), "other.example") == 0);
        ERR_clear_error();
    });
    BOOST_TEST(!by_set1_host.client, by_set1_host.client.message());
    BOOST_TEST(by_set1_host.server_saw_sni == "localhost");
}

BOOST_AUTO_TEST_CASE(alpn_and_verify_through_the_handle) {
    auto out = run(client_context(), server_context({"h2", "http/1.1"}), [](client_stream& s) {
        s.set_host("localhost");
        static const unsigned char protos[] = "\x08http/1.1";
        BOOST_TEST(SSL_set_alpn_protos(s.native_handle(), protos, sizeof protos - 1) == 0);
    });
    BOOST_TEST(!out.client, out.client.message());
    BOOST_TEST(out.alpn == "http/1.1");

    static int calls;
    calls = 0;
    auto refused = run(client_context(), server_context(), [](client_stream& s) {
        s.set_host("localhost");
        SSL_set_verify(s.native_handle(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) {
            ++calls;
            return 0;
        });
    });
    BOOST_TEST(refused.client == tlsio::error::certificate_rejected_by_callback,
               refused.client.message());
    BOOST_TEST(calls >= 1);
}

BOOST_AUTO_TEST_CASE(the_stream_keeps_the_io) {
    net::io_context io;
    auto ctx = client_context();
    client_stream s(io, ctx);
    SSL* h = s.native_handle();
    BOOST_TEST(h == s.native_handle());  // one handle per stream
    ERR_clear_error();
    char buf[8];
    int r = SSL_read(h, buf, sizeof buf);
    BOOST_TEST(r == -1);
    BOOST_TEST(SSL_get_error(h, r) == SSL_ERROR_SSL);
    BOOST_TEST(queued_errors().find("native_handle()") != std::string::npos);
    BOOST_TEST(SSL_write(h, "x", 1) == -1);
    BOOST_TEST(SSL_do_handshake(h) == -1);
    BOOST_TEST(SSL_shutdown(h) == -1);
    BOOST_TEST(SSL_set_fd(h, 0) == 0);
    BOOST_TEST(SSL_up_ref(h) == 0);
    SSL_free(h);  // refused: the stream owns it (a sanitizer build would see a double free)
    ERR_clear_error();
    BOOST_TEST(SSL_get_SSL_CTX(h) == nullptr);
    BOOST_TEST(SSL_is_init_finished(h) == 0);
    BOOST_TEST(SSL_get_cipher_name(h) == std::string("(NONE)"));
    BOOST_TEST(SSL_pending(h) == 0);
    BOOST_TEST(SSL_get_mode(h) == 0);

    // The handle survives a move of the stream, and still applies.
    client_stream moved(std::move(s));
    BOOST_TEST(moved.native_handle() == h);
}

BOOST_AUTO_TEST_CASE(settings_after_the_handshake_started_are_refused) {
    run(
        client_context(), server_context(), [](client_stream& s) { s.set_host("localhost"); },
        [](client_stream& s) {
            ERR_clear_error();
            BOOST_TEST(SSL_set_tlsext_host_name(s.native_handle(), "late.example") == 0);
            BOOST_TEST(queued_errors().find("the handshake has started") != std::string::npos);
        });
}
