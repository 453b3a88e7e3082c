#include "socket_driver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/system/errc.hpp>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace tlsio::interop {
namespace {

namespace errc = boost::system::errc;
using boost::system::error_code;

// Several engine calls in a row that neither take input, produce output nor
// finish mean the engine is spinning; the driver reports that instead of looping.
constexpr int max_idle_calls = 1000;

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw std::system_error(err, std::generic_category(), what);
}

void set_io_timeouts(int fd, std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        throw_errno(errno, "setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)");
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

sockaddr_in loopback_address(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

error_code errno_code(int err) {
    if (err == EAGAIN || err == EWOULDBLOCK)
        return errc::make_error_code(errc::timed_out);
    return {err, boost::system::system_category()};
}

}  // namespace

socket_fd& socket_fd::operator=(socket_fd&& other) noexcept {
    if (this != &other) {
        reset();
        fd_ = other.release();
    }
    return *this;
}

int socket_fd::release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

void socket_fd::reset() noexcept {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

socket_fd connect_loopback(std::uint16_t port, std::chrono::milliseconds timeout) {
    socket_fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s)
        throw_errno(errno, "socket");
    set_io_timeouts(s.get(), timeout);  // SO_SNDTIMEO also bounds connect()
    sockaddr_in addr = loopback_address(port);
    if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno(errno, "connect to 127.0.0.1:" + std::to_string(port));
    return s;
}

loopback_listener::loopback_listener() {
    fd_ = socket_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd_)
        throw_errno(errno, "socket");
    sockaddr_in addr = loopback_address(0);
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno(errno, "bind 127.0.0.1:0");
    if (::listen(fd_.get(), 4) != 0)
        throw_errno(errno, "listen");
    socklen_t len = sizeof addr;
    if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw_errno(errno, "getsockname");
    port_ = ntohs(addr.sin_port);
}

socket_fd loopback_listener::accept(std::chrono::milliseconds timeout) {
    pollfd p{fd_.get(), POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0)
        throw_errno(errno, "poll on listener");
    if (rc == 0)
        throw_errno(ETIMEDOUT, "nobody connected to 127.0.0.1:" + std::to_string(port_));
    socket_fd s(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!s)
        throw_errno(errno, "accept");
    set_io_timeouts(s.get(), io_timeout);
    return s;
}

tls_socket::tls_socket(socket_fd sock, tlsio::engine eng)
    : sock_(std::move(sock)), engine_(std::move(eng)) {}

error_code tls_socket::flush() {
    for (;;) {
        auto out = engine_.output();
        if (out.empty())
            return {};
        ssize_t n = ::send(sock_.get(), out.data(), out.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            failure_ = "send failed: " + std::string(std::strerror(err));
            return errno_code(err);
        }
        bytes_sent_ += static_cast<std::size_t>(n);
        engine_.consume_output(static_cast<std::size_t>(n));
    }
}

error_code tls_socket::fill() {
    if (eof_committed_)
        return contract_violation("the engine asked for more input after commit_eof()");
    auto space = engine_.input_space();
    if (space.empty())
        return contract_violation("want_read with an empty input_space()");
    for (;;) {
        ssize_t n = ::recv(sock_.get(), space.data(), space.size(), 0);
        if (n > 0) {
            bytes_received_ += static_cast<std::size_t>(n);
            engine_.commit_input(static_cast<std::size_t>(n));
            return {};
        }
        if (n == 0) {
            eof_committed_ = true;
            engine_.commit_eof();
            return {};
        }
        if (errno == EINTR)
            continue;
        int err = errno;
        failure_ = (err == EAGAIN || err == EWOULDBLOCK)
                       ? "recv timed out after " + std::to_string(io_timeout.count()) + " ms"
                       : "recv failed: " + std::string(std::strerror(err));
        return errno_code(err);
    }
}

error_code tls_socket::engine_failed() {
    auto ec = engine_.error();
    failure_ =
        "engine error " + ec.to_string() + " (" + ec.message() + "): " + engine_.error_message();
    if (!ec)
        return contract_violation("status::error with an empty error()");
    return ec;
}

error_code tls_socket::contract_violation(std::string what) {
    failure_ = "engine contract violation: " + std::move(what);
    return errc::make_error_code(errc::protocol_error);
}

error_code tls_socket::handshake() {
    int idle = 0;
    for (;;) {
        std::size_t before = bytes_sent_;
        status s = engine_.handshake();
        error_code ec = flush();
        if (s == status::error)
            return engine_failed();
        if (ec)
            return ec;
        switch (s) {
            case status::done:
                if (!engine_.handshake_done())
                    return contract_violation("handshake() returned done before handshake_done()");
                return {};
            case status::want_read:
                if ((ec = fill()))
                    return ec;
                idle = 0;
                break;
            case status::want_write:
                if (bytes_sent_ == before && ++idle > max_idle_calls)
                    return contract_violation(
                        "handshake() keeps returning want_write with no output");
                break;
            case status::closed:
                failure_ = "the peer closed the connection during the handshake";
                return tlsio::error::closed;
            case status::error:
                break;  // handled above
            case status::want_application:
                return contract_violation("handshake() waits for an answer nobody asked for");
        }
    }
}

std::size_t tls_socket::read_some(std::span<std::uint8_t> buffer, error_code& ec) {
    ec = {};
    int idle = 0;
    for (;;) {
        std::size_t n = 0;
        std::size_t before = bytes_sent_;
        status s = engine_.read(buffer, n);
        error_code fec = flush();
        if (s == status::error) {
            ec = engine_failed();
            return 0;
        }
        if (n > 0) {
            if (n > buffer.size())
                ec = contract_violation("read() reported more bytes than the buffer holds");
            return n;
        }
        if (fec) {
            ec = fec;
            return 0;
        }
        switch (s) {
            case status::closed:
                if (!engine_.received_close_notify())
                    ec = contract_violation(
                        "read() returned closed without received_close_notify()");
                return 0;
            case status::want_read:
                if ((ec = fill()))
                    return 0;
                idle = 0;
                break;
            case status::want_write:
            case status::done:
                if (bytes_sent_ == before && ++idle > max_idle_calls) {
                    ec = contract_violation(std::string("read() keeps returning ") + to_string(s) +
                                            " with no data and no output");
                    return 0;
                }
                break;
            case status::error:
                break;  // handled above
            case status::want_application:
                ec = contract_violation("read() waits for an answer nobody asked for");
                return 0;
        }
    }
}

error_code tls_socket::read_until(std::string& received, std::string_view text) {
    std::size_t start = received.size();
    std::uint8_t buf[16384];
    for (;;) {
        if (received.find(text, start) != std::string::npos)
            return {};
        error_code ec;
        std::size_t n = read_some(buf, ec);
        if (ec)
            return ec;
        if (n == 0) {
            failure_ = "close_notify arrived before \"" + std::string(text) + "\"";
            return tlsio::error::closed;
        }
        received.append(reinterpret_cast<const char*>(buf), n);
    }
}

error_code tls_socket::read_exactly(std::string& received, std::size_t n) {
    std::uint8_t buf[16384];
    while (n > 0) {
        error_code ec;
        std::size_t got = read_some(std::span(buf, std::min(n, sizeof buf)), ec);
        if (ec)
            return ec;
        if (got == 0) {
            failure_ = "close_notify arrived with " + std::to_string(n) + " bytes still expected";
            return tlsio::error::closed;
        }
        received.append(reinterpret_cast<const char*>(buf), got);
        n -= got;
    }
    return {};
}

error_code tls_socket::read_until_close(std::string& leftover) {
    std::uint8_t buf[16384];
    for (;;) {
        error_code ec;
        std::size_t n = read_some(buf, ec);
        if (ec)
            return ec;
        if (n == 0)
            return {};
        leftover.append(reinterpret_cast<const char*>(buf), n);
    }
}

error_code tls_socket::write_all(std::string_view data) {
    int idle = 0;
    while (!data.empty()) {
        std::size_t written = 0;
        std::size_t before = bytes_sent_;
        status s = engine_.write(
            std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), written);
        error_code ec = flush();
        if (s == status::error)
            return engine_failed();
        if (ec)
            return ec;
        if (written > data.size())
            return contract_violation("write() took more bytes than given");
        data.remove_prefix(written);
        switch (s) {
            case status::want_read:
                if ((ec = fill()))
                    return ec;
                idle = 0;
                break;
            case status::closed:
                failure_ = "write() returned closed";
                return tlsio::error::closed;
            case status::done:
            case status::want_write:
                if (written == 0 && bytes_sent_ == before && ++idle > max_idle_calls)
                    return contract_violation(std::string("write() keeps returning ") +
                                              to_string(s) + " without taking data");
                if (written != 0)
                    idle = 0;
                break;
            case status::error:
                break;  // handled above
            case status::want_application:
                return contract_violation("handshake() waits for an answer nobody asked for");
        }
    }
    return {};
}

error_code tls_socket::key_update(bool request_peer) {
    status s = engine_.key_update(request_peer);
    error_code ec = flush();
    if (s == status::error)
        return engine_failed();
    if (ec)
        return ec;
    if (s != status::done)
        return contract_violation(std::string("key_update() returned ") + to_string(s));
    return {};
}

error_code tls_socket::shutdown() {
    status s = engine_.shutdown();
    error_code ec = flush();
    if (s == status::error)
        return engine_failed();
    if (ec)
        return ec;
    if (s != status::done)
        return contract_violation(std::string("shutdown() returned ") + to_string(s));
    if (!engine_.sent_close_notify())
        return contract_violation("shutdown() returned done but sent_close_notify() is false");
    return {};
}

bool tls_socket::wait_readable(std::chrono::milliseconds timeout) const {
    pollfd p{sock_.get(), POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
}

std::string tls_socket::describe() const {
    std::string d = failure_.empty() ? "no failure recorded" : failure_;
    if (engine_.error())
        d += " [engine error: " + engine_.error().message() + ": " + engine_.error_message() + "]";
    d += " [sent " + std::to_string(bytes_sent_) + " bytes, received " +
         std::to_string(bytes_received_) + "]";
    return d;
}

const char* to_string(status s) noexcept {
    switch (s) {
        case status::done:
            return "done";
        case status::want_read:
            return "want_read";
        case status::want_write:
            return "want_write";
        case status::closed:
            return "closed";
        case status::error:
            return "error";
        case status::want_application:
            return "want_application";
    }
    return "?";
}

}  // namespace tlsio::interop
