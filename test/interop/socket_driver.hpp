//
// test/interop/socket_driver.hpp: a blocking TCP driver over tlsio::engine,
// for tests against real peers on 127.0.0.1.
//
// Every engine call is followed by sending all of output(); want_read reads
// from the socket into input_space(). Sockets carry SO_RCVTIMEO/SO_SNDTIMEO,
// so a silent or broken peer ends a call with errc::timed_out, never a hang.
//
#ifndef TLSIO_TEST_INTEROP_SOCKET_DRIVER_HPP
#define TLSIO_TEST_INTEROP_SOCKET_DRIVER_HPP

#include <tlsio/engine.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tlsio::interop {

/// The bound on any single socket send or receive.
inline constexpr std::chrono::milliseconds io_timeout{10000};

/// An owned file descriptor.
class socket_fd {
public:
    socket_fd() = default;
    explicit socket_fd(int fd) noexcept : fd_(fd) {}
    socket_fd(socket_fd&& other) noexcept : fd_(other.release()) {}
    socket_fd& operator=(socket_fd&& other) noexcept;
    socket_fd(const socket_fd&) = delete;
    socket_fd& operator=(const socket_fd&) = delete;
    ~socket_fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept;
    void reset() noexcept;

private:
    int fd_ = -1;
};

/// Connects to 127.0.0.1:`port`; sets the I/O timeouts. Throws std::system_error.
socket_fd connect_loopback(std::uint16_t port, std::chrono::milliseconds timeout = io_timeout);

/// A listening socket on 127.0.0.1 with a port the kernel picked.
class loopback_listener {
public:
    loopback_listener();
    std::uint16_t port() const noexcept { return port_; }
    /// Accepts one connection within `timeout`; sets the I/O timeouts.
    /// Throws std::system_error (errc::timed_out when nobody connects).
    socket_fd accept(std::chrono::milliseconds timeout = io_timeout);

private:
    socket_fd fd_;
    std::uint16_t port_ = 0;
};

/// One TLS connection: an engine driven over a blocking socket.
///
/// Calls return the error that ended them: the engine's error() when the engine
/// failed (after sending its alert), a system error for transport failures
/// (errc::timed_out on a timeout), or errc::protocol_error when the engine broke
/// its own contract (describe() says how).
class tls_socket {
public:
    tls_socket(socket_fd sock, tlsio::engine eng);

    tlsio::engine& engine() noexcept { return engine_; }
    const tlsio::engine& engine() const noexcept { return engine_; }
    int native_handle() const noexcept { return sock_.get(); }

    /// Runs the handshake to completion.
    boost::system::error_code handshake();

    /// Reads some application data. Returns 0 with no error once the peer's
    /// close_notify arrived.
    std::size_t read_some(std::span<std::uint8_t> buffer, boost::system::error_code& ec);
    /// Reads until the data read contains `text`; everything read is appended
    /// to `received`. Fails with tlsio::error::closed if close_notify comes first.
    boost::system::error_code read_until(std::string& received, std::string_view text);
    /// Reads exactly `n` bytes into `received` (appended).
    boost::system::error_code read_exactly(std::string& received, std::size_t n);
    /// Reads until close_notify; application data read on the way goes to `leftover`.
    boost::system::error_code read_until_close(std::string& leftover);

    /// Writes all of `data`.
    boost::system::error_code write_all(std::string_view data);
    /// Sends a KeyUpdate (asking the peer to update too if `request_peer`).
    boost::system::error_code key_update(bool request_peer);
    /// Sends close_notify.
    boost::system::error_code shutdown();

    /// Waits until the socket has bytes to read (or EOF) without reading them.
    bool wait_readable(std::chrono::milliseconds timeout = io_timeout) const;

    /// Details about the last failure: the engine's message, the transport errno,
    /// or the contract violation seen.
    std::string describe() const;

    /// Total bytes sent and received on the socket.
    std::size_t bytes_sent() const noexcept { return bytes_sent_; }
    std::size_t bytes_received() const noexcept { return bytes_received_; }

private:
    boost::system::error_code flush();
    boost::system::error_code fill();
    boost::system::error_code engine_failed();
    boost::system::error_code contract_violation(std::string what);

    socket_fd sock_;
    tlsio::engine engine_;
    bool eof_committed_ = false;
    std::string failure_;
    std::size_t bytes_sent_ = 0;
    std::size_t bytes_received_ = 0;
};

/// "want_read", "done", ... for messages.
const char* to_string(status s) noexcept;

}  // namespace tlsio::interop

#endif
