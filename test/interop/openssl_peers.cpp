#include "openssl_peers.hpp"

#include "test_pki.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <fstream>
#include <stdexcept>

namespace tlsio::interop {

std::string unique_path(const std::string& dir, std::string_view stem) {
    static std::atomic<int> counter{0};
    return dir + "/" + std::string(stem) + "-" + std::to_string(++counter) + ".txt";
}

std::vector<trace_message> parse_trace(std::string_view trace) {
    std::vector<trace_message> messages;
    bool sent = false;
    trace_message* current = nullptr;
    while (!trace.empty()) {
        std::size_t eol = trace.find('\n');
        std::string_view line = trace.substr(0, eol);
        trace.remove_prefix(eol == std::string_view::npos ? trace.size() : eol + 1);

        if (line.rfind("Sent Record", 0) == 0 || line.rfind("Sent TLS Record", 0) == 0) {
            sent = true;
            current = nullptr;
            continue;
        }
        if (line.rfind("Received Record", 0) == 0 || line.rfind("Received TLS Record", 0) == 0) {
            sent = false;
            current = nullptr;
            continue;
        }
        // Handshake messages are indented by four spaces: "    ClientHello, Length=227".
        if (line.size() > 4 && line.substr(0, 4) == "    " && line[4] != ' ') {
            std::size_t comma = line.find(", Length=");
            if (comma != std::string_view::npos) {
                messages.push_back({sent, std::string(line.substr(4, comma - 4)), {}});
                current = &messages.back();
                continue;
            }
        }
        // Alerts: "    Level=warning(1), description=close notify(0)".
        if (line.rfind("    Level=", 0) == 0) {
            messages.push_back({sent, "Alert", std::string(line.substr(4)) + "\n"});
            current = nullptr;
            continue;
        }
        if (current != nullptr && line.size() > 4 && line.substr(0, 4) == "    ") {
            current->body.append(line);
            current->body.push_back('\n');
        } else if (current != nullptr && !line.empty() && line[0] != ' ') {
            current = nullptr;
        }
    }
    return messages;
}

std::size_t count_messages(const std::vector<trace_message>& messages, bool sent,
                           std::string_view type) {
    std::size_t n = 0;
    for (const auto& m : messages)
        if (m.sent == sent && m.type == type)
            ++n;
    return n;
}

namespace {

// openssl takes one protocol flag: a -tls1_2 in `args` replaces the fixed -tls1_3.
void use_version_flag(std::vector<std::string>& argv, const std::vector<std::string>& args) {
    if (std::find(args.begin(), args.end(), "-tls1_2") != args.end()) {
        argv.erase(std::find(argv.begin(), argv.end(), "-tls1_3"));
    }
}

}  // namespace

openssl_server::openssl_server(const std::string& openssl, const std::string& work_dir,
                               std::vector<std::string> args)
    : trace_path_(unique_path(work_dir, "s_server-trace")) {
    std::vector<std::string> argv = {openssl,    "s_server", "-tls1_3", "-accept",  "127.0.0.1:0",
                                     "-naccept", "1",        "-trace",  "-msgfile", trace_path_};
    use_version_flag(argv, args);
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<child_process>(std::move(argv));

    constexpr std::string_view marker = "ACCEPT 127.0.0.1:";
    auto end = process_->wait_for_output_after(0, marker);
    auto line_end = end ? process_->wait_for_output_after(*end, "\n") : std::nullopt;
    if (!end || !line_end)
        throw std::runtime_error("openssl s_server did not start accepting: " +
                                 process_->command_line() + "\n" + process_->output());
    std::string out = process_->output();
    const char* first = out.data() + *end;
    const char* last = out.data() + *line_end - 1;
    auto [ptr, ec] = std::from_chars(first, last, port_);
    if (ec != std::errc{} || port_ == 0)
        throw std::runtime_error("cannot parse the port of openssl s_server: " + out);
}

std::string openssl_server::trace() const {
    std::ifstream in(trace_path_);
    return in ? read_file(trace_path_) : std::string();
}

openssl_client::openssl_client(const std::string& openssl, const std::string& work_dir,
                               std::uint16_t port, std::vector<std::string> args)
    : trace_path_(unique_path(work_dir, "s_client-trace")) {
    std::vector<std::string> argv = {
        openssl,  "s_client", "-tls1_3",  "-connect", "127.0.0.1:" + std::to_string(port),
        "-trace", "-msgfile", trace_path_};
    use_version_flag(argv, args);
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<child_process>(std::move(argv));
}

std::string openssl_client::trace() const {
    std::ifstream in(trace_path_);
    return in ? read_file(trace_path_) : std::string();
}

}  // namespace tlsio::interop
