#include "peer_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

extern char** environ;

namespace tlsio::interop {
namespace {

[[noreturn]] void throw_errno(int err, const char* what) {
    throw std::system_error(err, std::generic_category(), what);
}

void close_fd(int& fd) noexcept {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

int poll_timeout(std::chrono::steady_clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
        return 0;
    return static_cast<int>(left.count());
}

}  // namespace

child_process::child_process(std::vector<std::string> argv) : argv_(std::move(argv)) {
    if (argv_.empty() || argv_.front().empty())
        throw std::invalid_argument("child_process: empty command");

    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0)
        throw_errno(errno, "pipe2");
    if (::pipe2(out, O_CLOEXEC) != 0) {
        int err = errno;
        ::close(in[0]);
        ::close(in[1]);
        throw_errno(err, "pipe2");
    }
    if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
        int err = errno;
        for (int fd : {in[0], in[1], out[0], out[1]})
            ::close(fd);
        throw_errno(err, "pipe2");
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);

    // The child starts with default signal dispositions (we ignore SIGPIPE here).
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    sigset_t no_mask;
    sigemptyset(&no_mask);
    posix_spawnattr_setsigmask(&attr, &no_mask);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> args;
    for (auto& a : argv_)
        args.push_back(a.data());
    args.push_back(nullptr);

    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) {
        ::close(in[1]);
        ::close(out[0]);
        close_fd(stop_pipe_[0]);
        close_fd(stop_pipe_[1]);
        throw_errno(rc, ("posix_spawnp " + argv_.front()).c_str());
    }
    pid_ = pid;
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    reader_ = std::thread([this] { read_loop(); });
}

child_process::~child_process() {
    close_stdin();
    kill();
    if (stop_pipe_[1] >= 0) {
        char c = 0;
        [[maybe_unused]] auto n = ::write(stop_pipe_[1], &c, 1);
    }
    if (reader_.joinable())
        reader_.join();
    close_fd(stdout_fd_);
    close_fd(stop_pipe_[0]);
    close_fd(stop_pipe_[1]);
}

std::string child_process::command_line() const {
    std::string line;
    for (const auto& a : argv_) {
        if (!line.empty())
            line += ' ';
        line += a;
    }
    return line;
}

void child_process::read_loop() {
    char buf[4096];
    for (;;) {
        pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
        int rc = ::poll(fds, 2, -1);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents != 0) {
            ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
            if (n > 0) {
                std::lock_guard lock(mutex_);
                output_.append(buf, static_cast<std::size_t>(n));
                changed_.notify_all();
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            break;  // EOF or error
        }
        if (fds[1].revents != 0)
            break;
    }
    std::lock_guard lock(mutex_);
    output_eof_ = true;
    changed_.notify_all();
}

bool child_process::write_stdin(std::string_view data, milliseconds timeout) {
    if (stdin_fd_ < 0)
        return false;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!data.empty()) {
        pollfd fd{stdin_fd_, POLLOUT, 0};
        int rc = ::poll(&fd, 1, poll_timeout(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return false;
        // Pipes take up to PIPE_BUF bytes atomically once poll says writable.
        std::size_t chunk = std::min<std::size_t>(data.size(), 512);
        ssize_t n = ::write(stdin_fd_, data.data(), chunk);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void child_process::close_stdin() {
    close_fd(stdin_fd_);
}

std::string child_process::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

bool child_process::wait_for_output(std::string_view text, milliseconds timeout,
                                    std::size_t count) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
        return count_occurrences(output_, text) >= count || output_eof_;
    }) && count_occurrences(output_, text) >= count;
}

std::optional<std::size_t> child_process::wait_for_output_after(std::size_t from,
                                                                std::string_view text,
                                                                milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    std::size_t pos = std::string::npos;
    changed_.wait_for(lock, timeout, [&] {
        if (from <= output_.size())
            pos = output_.find(text, from);
        return pos != std::string::npos || output_eof_;
    });
    if (pos == std::string::npos)
        return std::nullopt;
    return pos + text.size();
}

std::optional<int> child_process::wait_exit(milliseconds timeout) {
    if (exit_status_)
        return exit_status_;
    if (pid_ < 0)
        return std::nullopt;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            exit_status_ = st;
            // The pipe's write end died with the child: let the reader finish
            // so output() holds everything the child printed.
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, milliseconds{2000}, [&] { return output_eof_; });
            return exit_status_;
        }
        if (r < 0 && errno != EINTR)
            return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(milliseconds{10});
    }
}

bool child_process::running() {
    return !wait_exit(milliseconds{0}).has_value() && pid_ >= 0;
}

void child_process::kill() {
    if (pid_ < 0 || exit_status_)
        return;
    ::kill(pid_, SIGTERM);
    if (wait_exit(milliseconds{2000}))
        return;
    ::kill(pid_, SIGKILL);
    if (!wait_exit(milliseconds{5000})) {
        // Should never happen; block rather than leave a zombie behind.
        int st = 0;
        ::waitpid(pid_, &st, 0);
        exit_status_ = st;
    }
}

std::size_t count_occurrences(std::string_view haystack, std::string_view needle) {
    if (needle.empty())
        return 0;
    std::size_t count = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string_view::npos;
         pos = haystack.find(needle, pos + needle.size()))
        ++count;
    return count;
}

int run_command(const std::vector<std::string>& argv, std::string& output, milliseconds timeout) {
    child_process child(argv);
    child.close_stdin();
    auto st = child.wait_exit(timeout);
    output = child.output();
    if (!st || !WIFEXITED(*st))
        return -1;
    return WEXITSTATUS(*st);
}

}  // namespace tlsio::interop
