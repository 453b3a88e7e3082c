//
// callback_client.cpp: a TLS client over tlsio::stream with completion
// handlers, no coroutines.
//
//   callback_client HOST PORT CAFILE MESSAGE
//
// resolve -> connect -> handshake -> write MESSAGE -> read the echo ->
// shutdown, each step started from the previous step's handler, the way code
// written for boost::asio::ssl::stream does it. Prints the echo; exits
// non-zero on any failure or when the echo differs.
//
#include <tlsio/stream.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

class client : public std::enable_shared_from_this<client> {
public:
    client(asio::io_context& io, const tlsio::context& ctx, std::string message)
        : resolver_(io), stream_(io, ctx), message_(std::move(message)) {}

    void start(const std::string& host, const std::string& port) {
        host_ = host;
        resolver_.async_resolve(
            host, port,
            [self = shared_from_this()](error_code done, tcp::resolver::results_type r) {
                self->on_resolve(done, std::move(r));
            });
    }

    bool succeeded() const { return succeeded_; }

private:
    void on_resolve(error_code ec, tcp::resolver::results_type results) {
        if (ec) {
            return fail(ec, "resolve");
        }
        asio::async_connect(stream_.next_layer(), results,
                            [self = shared_from_this()](error_code done, const tcp::endpoint&) {
                                self->on_connect(done);
                            });
    }

    void on_connect(error_code ec) {
        if (ec) {
            return fail(ec, "connect");
        }
        stream_.set_host(host_);
        stream_.async_handshake(
            tlsio::stream_base::client,
            [self = shared_from_this()](error_code done) { self->on_handshake(done); });
    }

    void on_handshake(error_code ec) {
        if (ec) {
            return fail(ec, "handshake");
        }
        std::cout << "handshake: " << tlsio::name(stream_.native_engine().version()) << ' '
                  << tlsio::name(stream_.native_engine().cipher_suite()) << std::endl;
        asio::async_write(
            stream_, asio::buffer(message_),
            [self = shared_from_this()](error_code done, std::size_t) { self->on_write(done); });
    }

    void on_write(error_code ec) {
        if (ec) {
            return fail(ec, "write");
        }
        echo_.resize(message_.size());
        asio::async_read(
            stream_, asio::buffer(echo_),
            [self = shared_from_this()](error_code done, std::size_t) { self->on_read(done); });
    }

    void on_read(error_code ec) {
        if (ec) {
            return fail(ec, "read");
        }
        std::cout << "echo: " << echo_ << std::endl;
        stream_.async_shutdown(
            [self = shared_from_this()](error_code done) { self->on_shutdown(done); });
    }

    void on_shutdown(error_code ec) {
        if (ec) {
            return fail(ec, "shutdown");
        }
        succeeded_ = echo_ == message_;
        if (!succeeded_) {
            std::cerr << "error: the echo differs from the message\n";
        }
    }

    void fail(error_code ec, const char* what) {
        std::cerr << "error: " << what << ": " << ec.message() << '\n';
    }

    tcp::resolver resolver_;
    tlsio::stream<tcp::socket> stream_;
    std::string host_;
    std::string message_;
    std::string echo_;
    bool succeeded_ = false;
};

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: callback_client HOST PORT CAFILE MESSAGE\n";
        return 2;
    }
    try {
        tlsio::context ctx(tlsio::context::tlsv13_client);
        ctx.load_verify_file(argv[3]);
        asio::io_context io;
        auto c = std::make_shared<client>(io, ctx, argv[4]);
        c->start(argv[1], argv[2]);
        io.run();
        return c->succeeded() ? EXIT_SUCCESS : EXIT_FAILURE;
    } catch (const std::exception& err) {
        std::cerr << "error: " << err.what() << '\n';
        return EXIT_FAILURE;
    }
}
