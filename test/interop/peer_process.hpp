//
// test/interop/peer_process.hpp: a child process (openssl s_server, s_client, ...)
// with its stdin and merged stdout/stderr on pipes.
//
// Every wait is bounded; the destructor always kills and reaps the child.
//
#ifndef TLSIO_TEST_INTEROP_PEER_PROCESS_HPP
#define TLSIO_TEST_INTEROP_PEER_PROCESS_HPP

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tlsio::interop {

using std::chrono::milliseconds;

/// The default bound for waiting on a peer process.
inline constexpr milliseconds default_wait{10000};

/// A child process. stdout and stderr go to one pipe, collected by a thread.
class child_process {
public:
    /// Starts `argv[0]` (looked up in PATH when it has no slash) with `argv`.
    /// Throws std::system_error if the process cannot be started.
    explicit child_process(std::vector<std::string> argv);
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    /// Kills (SIGTERM, then SIGKILL) and reaps the child if it still runs.
    ~child_process();

    pid_t pid() const noexcept { return pid_; }
    /// The command line, for messages.
    std::string command_line() const;

    /// Writes all of `data` to the child's stdin (bounded by `timeout`).
    /// Returns false if the pipe is closed or the write timed out.
    bool write_stdin(std::string_view data, milliseconds timeout = default_wait);
    /// Closes the child's stdin (the child sees end of file).
    void close_stdin();

    /// Everything the child printed so far (stdout and stderr interleaved).
    std::string output() const;
    /// Waits until the output contains `text` at least `count` times.
    bool wait_for_output(std::string_view text, milliseconds timeout = default_wait,
                         std::size_t count = 1) const;
    /// Waits until the output contains `text` after offset `from`; returns the
    /// offset just past the match.
    std::optional<std::size_t> wait_for_output_after(std::size_t from, std::string_view text,
                                                     milliseconds timeout = default_wait) const;

    /// Waits for the child to exit; returns its wait status (see waitpid).
    std::optional<int> wait_exit(milliseconds timeout = default_wait);
    bool running();
    /// SIGTERM, a short grace period, then SIGKILL; reaps the child.
    void kill();

private:
    void read_loop();

    std::vector<std::string> argv_;
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    int stop_pipe_[2] = {-1, -1};
    std::optional<int> exit_status_;

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::string output_;
    bool output_eof_ = false;
    std::thread reader_;
};

/// Counts the non-overlapping occurrences of `needle` in `haystack`.
std::size_t count_occurrences(std::string_view haystack, std::string_view needle);

/// Runs a command to completion (bounded by `timeout`); returns its exit code
/// (-1 if killed or timed out) and fills `output` with stdout and stderr.
int run_command(const std::vector<std::string>& argv, std::string& output,
                milliseconds timeout = milliseconds{30000});

}  // namespace tlsio::interop

#endif
