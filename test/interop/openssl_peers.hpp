//
// test/interop/openssl_peers.hpp: `openssl s_server` and `openssl s_client`
// as child processes, plus a reader for their -trace output.
//
#ifndef TLSIO_TEST_INTEROP_OPENSSL_PEERS_HPP
#define TLSIO_TEST_INTEROP_OPENSSL_PEERS_HPP

#include "peer_process.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tlsio::interop {

/// One handshake message from an `openssl ... -trace` log.
struct trace_message {
    bool sent = false;  ///< sent by the openssl peer (false: received from us)
    std::string type;   ///< "ClientHello", "KeyUpdate", ..., or "Alert"
    std::string body;   ///< the indented lines that follow, as printed (for an
                        ///< alert: "Level=fatal(2), description=unknown CA(48)")
};

/// Parses the trace written by `-trace -msgfile`.
std::vector<trace_message> parse_trace(std::string_view trace);

/// Counts the messages of `type` in one direction.
std::size_t count_messages(const std::vector<trace_message>& messages, bool sent,
                           std::string_view type);

/// `openssl s_server -tls1_3 -accept 127.0.0.1:0 -naccept 1 -trace ...`.
/// The server picks its own port and prints it ("ACCEPT 127.0.0.1:PORT"), so
/// there is no window in which another process can take it.
class openssl_server {
public:
    /// Starts the server with `args` added to the fixed ones and waits until
    /// it accepts. Throws std::runtime_error (with its output) if it does not.
    openssl_server(const std::string& openssl, const std::string& work_dir,
                   std::vector<std::string> args);

    std::uint16_t port() const noexcept { return port_; }
    child_process& process() noexcept { return *process_; }
    std::string output() const { return process_->output(); }
    /// The -trace log (complete once the process has exited).
    std::string trace() const;
    const std::string& trace_path() const noexcept { return trace_path_; }

private:
    std::string trace_path_;
    std::unique_ptr<child_process> process_;
    std::uint16_t port_ = 0;
};

/// `openssl s_client -tls1_3 -connect 127.0.0.1:PORT -trace ...`.
class openssl_client {
public:
    openssl_client(const std::string& openssl, const std::string& work_dir, std::uint16_t port,
                   std::vector<std::string> args);

    child_process& process() noexcept { return *process_; }
    std::string output() const { return process_->output(); }
    std::string trace() const;
    const std::string& trace_path() const noexcept { return trace_path_; }

private:
    std::string trace_path_;
    std::unique_ptr<child_process> process_;
};

/// A unique file name in `dir` ("<dir>/<stem>-<n>.txt").
std::string unique_path(const std::string& dir, std::string_view stem);

}  // namespace tlsio::interop

#endif
