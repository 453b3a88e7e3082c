// The C facade against real `openssl s_server` and `openssl s_client` on
// 127.0.0.1, in both roles, on blocking and non-blocking sockets.
#include <tlsio/ssl.h>

#define BOOST_TEST_MODULE c_api_interop_test
#include <boost/test/unit_test.hpp>

#include "openssl_peers.hpp"
#include "test_pki.hpp"

#include <openssl/err.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <string>

using namespace tlsio::interop;

namespace {

const std::string& openssl() {
    static const std::string path = [] {
        const char* env = std::getenv("TLSIO_OPENSSL");
        return std::string(env != nullptr ? env : TLSIO_OPENSSL_EXECUTABLE);
    }();
    return path;
}

const test_pki& pki() {
    static const test_pki p = make_test_pki(openssl());
    return p;
}

std::string errors() {
    std::string all;
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        all += buf;
        all += "\n";
    }
    return all;
}

int connect_to(std::uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

int listen_any(std::uint16_t& port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_REQUIRE(listen(fd, 1) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return fd;
}

void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Repeats `call` after select() while it asks for WANT_READ / WANT_WRITE;
// on a blocking fd the call never asks.
int drive(TLSIO* s, int fd, const std::function<int()>& call) {
    for (int i = 0; i < 10000; ++i) {
        int r = call();
        int e = tlsio_get_error(s, r);
        if (r > 0 || (e != TLSIO_ERROR_WANT_READ && e != TLSIO_ERROR_WANT_WRITE)) {
            return r;
        }
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        timeval tv{10, 0};
        if (select(fd + 1, e == TLSIO_ERROR_WANT_READ ? &fds : nullptr,
                   e == TLSIO_ERROR_WANT_WRITE ? &fds : nullptr, nullptr, &tv) <= 0) {
            return -1;
        }
    }
    return -1;
}

/// Reads until a newline has come; returns all that was read.
std::string read_line(TLSIO* s, int fd) {
    std::string got;
    char buf[256];
    while (got.find('\n') == std::string::npos) {
        int r = drive(s, fd, [&] { return tlsio_read(s, buf, sizeof buf); });
        BOOST_REQUIRE(r > 0);
        got.append(buf, static_cast<size_t>(r));
    }
    return got;
}

void client_against_s_server(bool nonblocking) {
    ERR_clear_error();
    std::signal(SIGPIPE, SIG_IGN);
    openssl_server server(
        openssl(), pki().dir,
        {"-cert", pki().p256.cert, "-key", pki().p256.key, "-rev", "-alpn", "h2,http/1.1"});
    TLSIO_CTX* ctx = tlsio_CTX_new(tlsio_client_method());
    BOOST_REQUIRE(tlsio_CTX_load_verify_locations(ctx, pki().ca.cert.c_str(), nullptr) == 1);
    tlsio_CTX_set_verify(ctx, TLSIO_VERIFY_PEER, nullptr);
    static const unsigned char alpn[] = "\x08http/1.1";
    BOOST_REQUIRE(tlsio_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1) == 0);
    TLSIO* s = tlsio_new(ctx);
    tlsio_set_tlsext_host_name(s, "localhost");
    tlsio_set1_host(s, "localhost");
    int fd = connect_to(server.port());
    if (nonblocking) {
        set_nonblocking(fd);
    }
    BOOST_REQUIRE(tlsio_set_fd(s, fd) == 1);
    int r = drive(s, fd, [&] { return tlsio_connect(s); });
    BOOST_TEST_INFO(errors() << server.output());
    BOOST_REQUIRE(r == 1);
    BOOST_TEST(tlsio_get_verify_result(s) == 0);
    const unsigned char* p = nullptr;
    unsigned int n = 0;
    tlsio_get0_alpn_selected(s, &p, &n);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(p), n) == "http/1.1");
    BOOST_TEST(drive(s, fd, [&] { return tlsio_write(s, "hello tlsio\n", 12); }) == 12);
    const std::string got = read_line(s, fd);
    BOOST_TEST(got == "oislt olleh\n");
    BOOST_TEST(tlsio_shutdown(s) == 0);
    tlsio_free(s);
    tlsio_CTX_free(ctx);
    close(fd);
    BOOST_TEST(errors().empty());
}

void server_against_s_client(bool nonblocking) {
    ERR_clear_error();
    std::signal(SIGPIPE, SIG_IGN);
    std::uint16_t port = 0;
    int listener = listen_any(port);
    openssl_client client(openssl(), pki().dir, port,
                          {"-CAfile", pki().ca.cert, "-verify_return_error", "-verify_hostname",
                           "localhost", "-servername", "localhost", "-quiet"});
    int fd = accept(listener, nullptr, nullptr);
    BOOST_REQUIRE(fd >= 0);
    close(listener);
    if (nonblocking) {
        set_nonblocking(fd);
    }
    TLSIO_CTX* ctx = tlsio_CTX_new(tlsio_server_method());
    BOOST_REQUIRE(tlsio_CTX_use_certificate_chain_file(ctx, pki().p256.cert.c_str()) == 1);
    BOOST_REQUIRE(tlsio_CTX_use_PrivateKey_file(ctx, pki().p256.key.c_str(), TLSIO_FILETYPE_PEM) ==
                  1);
    TLSIO* s = tlsio_new(ctx);
    tlsio_set_fd(s, fd);
    int r = drive(s, fd, [&] { return tlsio_accept(s); });
    BOOST_TEST_INFO(errors() << client.output());
    BOOST_REQUIRE(r == 1);
    BOOST_TEST(tlsio_get_servername(s, 0) == std::string("localhost"));
    BOOST_REQUIRE(client.process().write_stdin("ping from s_client\n"));
    const std::string got = read_line(s, fd);
    BOOST_TEST(got == "ping from s_client\n");
    BOOST_TEST(drive(s, fd, [&] { return tlsio_write(s, "pong from tlsio\n", 16); }) == 16);
    BOOST_TEST(client.process().wait_for_output("pong from tlsio"));
    BOOST_TEST(tlsio_shutdown(s) == 0);
    client.process().close_stdin();
    // s_client answers our close_notify with its own when its stdin ends.
    r = drive(s, fd, [&] { return tlsio_shutdown(s); });
    BOOST_TEST_INFO(errors());
    BOOST_TEST((r == 1 || tlsio_get_error(s, r) == TLSIO_ERROR_SSL));
    ERR_clear_error();
    tlsio_free(s);
    tlsio_CTX_free(ctx);
    close(fd);
}

}  // namespace

BOOST_AUTO_TEST_CASE(blocking_client_vs_s_server) {
    client_against_s_server(false);
}
BOOST_AUTO_TEST_CASE(nonblocking_client_vs_s_server) {
    client_against_s_server(true);
}
BOOST_AUTO_TEST_CASE(blocking_server_vs_s_client) {
    server_against_s_client(false);
}
BOOST_AUTO_TEST_CASE(nonblocking_server_vs_s_client) {
    server_against_s_client(true);
}

BOOST_AUTO_TEST_CASE(cleanup) {
    remove_test_pki(pki());
}
