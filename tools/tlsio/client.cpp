//
// tools/tlsio/client.cpp: `tlsio client HOST:PORT`, like `openssl s_client`:
// handshake, print what was negotiated, then relay stdin to the server and
// the server's data to stdout.
//
#include "common.hpp"

#include <tlsio/stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/crypto.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <variant>

namespace tlsio_cli {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// ---- Resumption and 0-RTT options (--sess-in, --sess-out, --reconnect, --early-data)

struct resumption_options {
    std::string sess_in;
    std::string sess_out;
    std::string early_data_file;
    bool reconnect = false;
};

// Takes the option `a` (and its value) if it is one of these. False otherwise.
bool parse_resumption_option(const std::string& a, arguments& args, resumption_options& r) {
    if (a == "--sess-in" || a == "-sess_in") {
        r.sess_in = args.value(a);
    } else if (a == "--sess-out" || a == "-sess_out") {
        r.sess_out = args.value(a);
    } else if (a == "--early-data" || a == "-early_data") {
        r.early_data_file = args.value(a);
    } else if (a == "--reconnect" || a == "-reconnect") {
        r.reconnect = true;
    } else {
        return false;
    }
    return true;
}

std::vector<std::uint8_t> read_file(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(std::string("reading ") + what + " '" + path +
                                 "': cannot open it");
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

tlsio::session load_session(const std::string& path) {
    std::vector<std::uint8_t> bytes = read_file(path, "the session file");
    boost::system::error_code ec;
    tlsio::session s = tlsio::session::from_bytes(bytes, ec);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    if (ec) {
        throw std::runtime_error("the session file '" + path + "' holds no tlsio session");
    }
    return s;
}

// The bytes hold the resumption secret: the file is made readable by its owner only.
void save_session(const std::string& path, const tlsio::session& s) {
    if (path.empty()) {
        return;
    }
    if (s.empty()) {
        std::cerr << "warning: the server sent no ticket; nothing saved to " << path << std::endl;
        return;
    }
    std::vector<std::uint8_t> bytes = s.to_bytes();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    bool ok =
        fd >= 0 && ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    if (fd >= 0) {
        ok = ::close(fd) == 0 && ok;
    }
    OPENSSL_cleanse(bytes.data(), bytes.size());
    if (!ok) {
        std::cerr << "error: writing the session to '" << path << "' failed" << std::endl;
    }
}

const char* early_data_text(tlsio::early_data_status s) {
    switch (s) {
        case tlsio::early_data_status::accepted:
            return "accepted";
        case tlsio::early_data_status::rejected:
            return "rejected (sent again after the handshake)";
        case tlsio::early_data_status::not_sent:
            break;
    }
    return "not sent";
}

struct client_options {
    std::string host;
    std::string port;
    std::string cafile;
    std::string capath;
    std::optional<std::string> server_name;
    std::string alpn;
    std::string groups;
    std::string suites;
    std::string cert;
    std::string key;
    std::string keylog;
    version_options versions;
    bool insecure = false;
    bool quiet = false;
    resumption_options resumption;
};

using client_stream = tlsio::stream<tcp::socket>;

// Server data to stdout until the server closes. 0 after close_notify (or a
// bare TCP close, with a warning), 1 on an error.
asio::awaitable<int> server_to_stdout(client_stream& s, bool quiet) {
    char data[16384];
    for (;;) {
        auto [ec, n] = co_await s.async_read_some(asio::buffer(data), use_tuple);
        if (ec == asio::error::eof) {
            if (!quiet) {
                std::cerr << "closed by the server (close_notify)" << std::endl;
            }
            co_return 0;
        }
        if (ec == tlsio::error::stream_truncated) {
            std::cerr << "warning: the server closed the connection without close_notify"
                      << std::endl;
            co_return 0;
        }
        if (ec) {
            std::cerr << "error: " << describe_error(ec, &s.native_engine()) << std::endl;
            co_return 1;
        }
        std::fwrite(data, 1, n, stdout);
        std::fflush(stdout);
    }
}

// Lines of stdin to the server. A line "K" (or "k") sends a KeyUpdate that
// asks (or does not ask) the server to update too. At end of input sends
// close_notify and keeps reading (half-close), so replies still arrive.
asio::awaitable<int> stdin_to_server(client_stream& s, bool quiet) {
    auto ex = co_await asio::this_coro::executor;
    // Regular files and /dev/null cannot be polled; Asio then reads them
    // directly, which never blocks for them.
    asio::posix::stream_descriptor in(ex, ::dup(STDIN_FILENO));
    std::string pending;
    for (;;) {
        auto [ec, n] =
            co_await asio::async_read_until(in, asio::dynamic_buffer(pending), '\n', use_tuple);
        if (ec && ec != asio::error::eof) {
            std::cerr << "error: reading standard input: " << ec.message() << std::endl;
            co_return 1;
        }
        std::string line = ec ? pending : pending.substr(0, n);
        pending.erase(0, line.size());
        if (line == "K\n" || line == "k\n") {
            const bool request = line[0] == 'K';
            if (!quiet) {
                std::cerr << (request ? "KEYUPDATE (update_requested)" : "KEYUPDATE") << std::endl;
            }
            s.key_update(request);
            // A write of nothing flushes the queued KeyUpdate.
            auto [wec, wn] = co_await s.async_write_some(asio::const_buffer(), use_tuple);
            if (wec) {
                std::cerr << "error: " << describe_error(wec, &s.native_engine()) << std::endl;
                co_return 1;
            }
        } else if (!line.empty()) {
            auto [wec, wn] = co_await asio::async_write(s, asio::buffer(line), use_tuple);
            if (wec) {
                std::cerr << "error: " << describe_error(wec, &s.native_engine()) << std::endl;
                co_return 1;
            }
        }
        if (ec == asio::error::eof) {
            break;
        }
    }
    // Half-close: our close_notify now, the server's data until it closes.
    // tlsio::stream's async_shutdown would also read (and must not run beside
    // the reader), so the engine queues close_notify and an empty write sends
    // it; that write then reports error::closed, which is expected.
    s.native_engine().shutdown();
    co_await s.async_write_some(asio::const_buffer(), use_tuple);
    if (!quiet) {
        std::cerr << "end of input: sent close_notify" << std::endl;
    }
    asio::steady_timer forever(ex, asio::steady_timer::time_point::max());
    co_await forever.async_wait(use_tuple);
    co_return 0;
}

// Resolves and connects `socket` to the target. Prints the failure.
asio::awaitable<bool> connect_tcp(tcp::socket& socket, const client_options& options) {
    tcp::resolver resolver(socket.get_executor());
    auto [rec, endpoints] = co_await resolver.async_resolve(options.host, options.port, use_tuple);
    if (rec) {
        std::cerr << "error: resolving " << options.host << ": " << rec.message() << std::endl;
        co_return false;
    }
    auto [cec, endpoint] = co_await asio::async_connect(socket, endpoints, use_tuple);
    if (cec) {
        std::cerr << "error: connecting to " << options.host << ':' << options.port << ": "
                  << cec.message() << std::endl;
        co_return false;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (!options.quiet) {
        std::cout << "CONNECTED " << endpoint << std::endl;
    }
    co_return true;
}

// Connects `s` and sets its names and the session to offer.
asio::awaitable<bool> connect_stream(client_stream& s, const client_options& options,
                                     const tlsio::session& offer) {
    if (!co_await connect_tcp(s.next_layer(), options)) {
        co_return false;
    }
    const std::string name = options.server_name.value_or(options.host);
    if (options.insecure) {
        s.set_server_name(name);
    } else {
        s.set_host(name);
    }
    if (!offer.empty()) {
        s.set_session(offer);
    }
    co_return true;
}

asio::awaitable<int> run_session(client_options options, tlsio::context ctx, tlsio::session offer) {
    auto ex = co_await asio::this_coro::executor;
    client_stream s(ex, ctx);
    if (!co_await connect_stream(s, options, offer)) {
        co_return 1;
    }
    auto [hec] = co_await s.async_handshake(tlsio::stream_base::client, use_tuple);
    const tlsio::engine& e = s.native_engine();
    if (hec) {
        if (!options.quiet && !e.peer_certificates().empty()) {
            print_chain(std::cout, e.peer_certificates());
            std::cout.flush();
        }
        std::cerr << "error: " << describe_error(hec, &e) << std::endl;
        co_return 1;
    }
    if (!options.quiet) {
        std::cout << "---\n";
        print_chain(std::cout, e.peer_certificates());
        std::cout << "---\n";
        print_parameters(std::cout, e);
        std::cout << "Verification: "
                  << (options.insecure && e.verify_result() == 0
                          ? std::string("not checked (--insecure)")
                          : verify_result_text(e.verify_result()))
                  << "\n---" << std::endl;
    }

    auto result =
        co_await (server_to_stdout(s, options.quiet) || stdin_to_server(s, options.quiet));
    int status = std::visit([](int v) { return v; }, result);
    if (result.index() == 0 && status == 0 && !e.sent_close_notify() && e.received_close_notify()) {
        // The server closed first: answer its close_notify.
        co_await s.async_shutdown(use_tuple);
    }
    save_session(options.resumption.sess_out, s.session());
    co_return status;
}

// ---- Resumption and 0-RTT connections ---------------------------------------------

// --reconnect: a first connection that only waits (up to 2 s) for the
// server's ticket, then closes. Returns the session (empty without a ticket).
asio::awaitable<tlsio::session> first_connection(const client_options& options, tlsio::context ctx,
                                                 tlsio::session offer) {
    auto ex = co_await asio::this_coro::executor;
    client_stream s(ex, ctx);
    if (!co_await connect_stream(s, options, offer)) {
        co_return tlsio::session();
    }
    auto [hec] = co_await s.async_handshake(tlsio::stream_base::client, use_tuple);
    if (hec) {
        std::cerr << "error: " << describe_error(hec, &s.native_engine()) << std::endl;
        co_return tlsio::session();
    }
    std::cout << "Resumed: " << (s.session_reused() ? "yes" : "no") << std::endl;
    asio::steady_timer timer(ex, std::chrono::seconds(2));
    timer.async_wait([&s](boost::system::error_code ec) {
        if (!ec) {
            s.next_layer().cancel();
        }
    });
    char data[4096];
    while (s.session().empty() || s.session().state() == offer.state()) {
        auto [ec, n] = co_await s.async_read_some(asio::buffer(data), use_tuple);
        if (ec) {
            break;
        }
    }
    timer.cancel();
    tlsio::session got = s.session();
    // close_notify: a server may drop the session of a connection that ends
    // without it (OpenSSL does).
    s.native_engine().shutdown();
    co_await s.async_write_some(asio::const_buffer(), use_tuple);
    boost::system::error_code ignored;
    s.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    s.next_layer().close(ignored);
    co_return got;
}

// Sends the engine's output.
asio::awaitable<boost::system::error_code> send_output(tcp::socket& socket, tlsio::engine& e) {
    while (!e.output().empty()) {
        auto [ec, n] = co_await socket.async_write_some(
            asio::buffer(e.output().data(), e.output().size()), use_tuple);
        if (ec) {
            co_return ec;
        }
        e.consume_output(n);
    }
    co_return boost::system::error_code();
}

// Reads transport bytes into the engine (EOF too).
asio::awaitable<boost::system::error_code> receive_input(tcp::socket& socket, tlsio::engine& e) {
    std::span<std::uint8_t> space = e.input_space();
    auto [ec, n] =
        co_await socket.async_read_some(asio::buffer(space.data(), space.size()), use_tuple);
    if (ec == asio::error::eof) {
        e.commit_eof();
        co_return boost::system::error_code();
    }
    if (!ec) {
        e.commit_input(n);
    }
    co_return ec;
}

// --early-data: sends `data` as 0-RTT early data on resuming `offer` (the
// engine sends rejected data again after the handshake), prints what became
// of it, then sends close_notify and prints what the server sends until it
// closes. tlsio::stream does not send early data, so this drives an engine.
asio::awaitable<int> early_data_session(client_options options, tlsio::context ctx,
                                        tlsio::session offer, std::vector<std::uint8_t> data) {
    auto ex = co_await asio::this_coro::executor;
    tcp::socket socket(ex);
    if (!co_await connect_tcp(socket, options)) {
        co_return 1;
    }
    tlsio::engine_options o;
    o.server_name = options.server_name.value_or(options.host);
    o.verify_host = !options.insecure;
    o.session = offer;
    o.early_data = true;
    tlsio::engine e(ctx, tlsio::role::client, o);
    auto failed = [&](const boost::system::error_code& ec) {
        std::cerr << "error: " << describe_error(ec, &e) << std::endl;
        return 1;
    };
    tlsio::status st = e.handshake();
    std::size_t early = 0;
    if (st != tlsio::status::error && e.in_early_data()) {
        const std::size_t room = std::min(data.size(), e.max_early_data());
        while (early < room) {
            std::size_t n = 0;
            if (e.write(std::span<const std::uint8_t>(data).subspan(early, room - early), n) ==
                tlsio::status::error) {
                co_return failed(e.error());
            }
            early += n;
        }
    }
    if (!options.quiet) {
        std::cout << "Early data: " << early << " of " << data.size() << " bytes sent as 0-RTT"
                  << (early == 0 ? " (the session does not allow early data)" : "") << std::endl;
    }
    // The rest of the handshake.
    for (;;) {
        if (auto ec = co_await send_output(socket, e)) {
            co_return failed(ec);
        }
        if (st == tlsio::status::error) {
            co_return failed(e.error());
        }
        if (e.handshake_done()) {
            break;
        }
        if (auto ec = co_await receive_input(socket, e)) {
            co_return failed(ec);
        }
        st = e.handshake();
    }
    if (!options.quiet) {
        std::cout << "---\n";
        print_parameters(std::cout, e);
        std::cout << "Verification: "
                  << (options.insecure && e.verify_result() == 0
                          ? std::string("not checked (--insecure)")
                          : verify_result_text(e.verify_result()))
                  << "\n";
    }
    std::cout << "Early data: " << early_data_text(e.get_early_data_status()) << "\n---"
              << std::endl;
    // What did not fit in the early data goes now.
    std::size_t sent = early;
    while (sent < data.size()) {
        std::size_t n = 0;
        if (e.write(std::span<const std::uint8_t>(data).subspan(sent), n) == tlsio::status::error) {
            co_return failed(e.error());
        }
        sent += n;
    }
    e.shutdown();
    if (auto ec = co_await send_output(socket, e)) {
        co_return failed(ec);
    }
    // The server's data (and tickets) until it closes.
    char buf[16384];
    for (;;) {
        std::size_t n = 0;
        st = e.read(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(buf), sizeof buf), n);
        std::fwrite(buf, 1, n, stdout);
        std::fflush(stdout);
        if (auto ec = co_await send_output(socket, e)) {
            break;  // the server closed its side already
        }
        if (st == tlsio::status::closed || st == tlsio::status::error) {
            break;
        }
        if (st == tlsio::status::want_read && n == 0) {
            if (auto ec = co_await receive_input(socket, e)) {
                break;
            }
        }
    }
    save_session(options.resumption.sess_out, e.session());
    co_return 0;
}

// What run_client runs: with --reconnect a first connection that gets a
// ticket, then the main one (plain or with --early-data) resuming it.
asio::awaitable<int> run_connections(client_options options, tlsio::context ctx) {
    tlsio::session offer;
    if (!options.resumption.sess_in.empty()) {
        offer = load_session(options.resumption.sess_in);
    }
    if (options.resumption.reconnect) {
        offer = co_await first_connection(options, ctx, offer);
        if (offer.empty()) {
            std::cerr << "warning: the first connection got no ticket; no resumption" << std::endl;
        }
    }
    if (!options.resumption.early_data_file.empty()) {
        std::vector<std::uint8_t> data =
            read_file(options.resumption.early_data_file, "the early data file");
        co_return co_await early_data_session(std::move(options), std::move(ctx), offer,
                                              std::move(data));
    }
    co_return co_await run_session(std::move(options), std::move(ctx), offer);
}

void usage(std::ostream& out) {
    out << "usage: tlsio client HOST:PORT [--cafile FILE] [--capath DIR] [--servername NAME]\n"
           "                    [--alpn a,b] [--groups g,..] [--ciphersuites s,..]\n"
           "                    [--tls1_2 | --tls1_3] [--min-version V] [--max-version V]\n"
           "                    [--ciphers s:..] [--cert FILE --key FILE] [--keylog FILE]\n"
           "                    [--insecure] [--quiet] [--sess-in FILE] [--sess-out FILE]\n"
           "                    [--reconnect] [--early-data FILE]\n"
        << version_usage
        << "Prints the negotiated parameters, then sends standard input to the server and\n"
           "what the server sends to standard output. A line 'K' sends a KeyUpdate asking\n"
           "the server to update too, 'k' one that does not. At the end of the input sends\n"
           "close_notify and waits for the server to close. Trusts the system's CAs unless\n"
           "--cafile or --capath is given; --insecure skips verification.\n"
           "--sess-out saves the server's newest ticket (a secret: the file is made 0600),\n"
           "--sess-in offers one saved before, --reconnect first connects once to get a\n"
           "ticket and then resumes it; each connection prints 'Resumed: yes/no'.\n"
           "--early-data sends the file's content as 0-RTT early data when the session\n"
           "allows it (again after the handshake if rejected), prints 'Early data:\n"
           "accepted/rejected', closes and prints what the server sends.\n";
}

}  // namespace

int run_client(arguments& args) {
    client_options options;
    std::optional<std::string> target;
    while (!args.done()) {
        std::string a = args.next();
        if (parse_resumption_option(a, args, options.resumption)) {
            continue;
        }
        if (a == "--cafile" || a == "-CAfile") {
            options.cafile = args.value(a);
        } else if (a == "--capath" || a == "-CApath") {
            options.capath = args.value(a);
        } else if (a == "--servername" || a == "-servername") {
            options.server_name = args.value(a);
        } else if (a == "--alpn") {
            options.alpn = args.value(a);
        } else if (a == "--groups") {
            options.groups = args.value(a);
        } else if (a == "--ciphersuites") {
            options.suites = args.value(a);
        } else if (a == "--cert") {
            options.cert = args.value(a);
        } else if (a == "--key") {
            options.key = args.value(a);
        } else if (a == "--keylog") {
            options.keylog = args.value(a);
        } else if (options.versions.parse(a, args)) {
        } else if (a == "--insecure" || a == "-k") {
            options.insecure = true;
        } else if (a == "--quiet" || a == "-q") {
            options.quiet = true;
        } else if (a == "--help" || a == "-h") {
            usage(std::cout);
            return 0;
        } else if (!a.empty() && a[0] == '-') {
            throw usage_error("unknown client option '" + a + "'");
        } else if (target) {
            throw usage_error("more than one HOST:PORT");
        } else {
            target = a;
        }
    }
    if (!target) {
        throw usage_error("missing HOST:PORT");
    }
    split_host_port(*target, options.host, options.port);
    if (options.cert.empty() != options.key.empty()) {
        throw usage_error("--cert and --key go together");
    }
    if (!options.insecure && options.server_name.value_or(options.host).empty()) {
        // A certificate checked against no name would pass for any server.
        throw usage_error(
            "no host name to check the server certificate against: give --servername NAME, or "
            "--insecure to skip verification");
    }

    tlsio::context ctx(tlsio::context::tls_client);
    boost::system::error_code ec;
    if (!options.cafile.empty()) {
        ctx.load_verify_file(options.cafile, ec);
        check_file(ec, "loading CA certificates from", options.cafile);
    }
    if (!options.capath.empty()) {
        ctx.add_verify_path(options.capath, ec);
        check_file(ec, "using the CA directory", options.capath);
    }
    if (options.cafile.empty() && options.capath.empty()) {
        ctx.set_default_verify_paths();
    }
    // Said explicitly: a failure then reads as the check it is, without the
    // hint for code ported from asio::ssl (which verifies only when asked).
    ctx.set_verify_mode(options.insecure ? tlsio::verify_none : tlsio::verify_peer);
    if (!options.alpn.empty()) {
        ctx.set_alpn_protocols(split_list(options.alpn));
    }
    if (!options.groups.empty()) {
        ctx.set_groups(parse_groups(options.groups));
    }
    if (!options.suites.empty()) {
        ctx.set_cipher_suites(parse_cipher_suites(options.suites));
    }
    options.versions.apply(ctx);
    if (!options.cert.empty()) {
        ctx.use_certificate_chain_file(options.cert, ec);
        check_file(ec, "loading the certificate chain", options.cert);
        ctx.use_private_key_file(options.key, ec);
        check_file(ec, "loading the private key", options.key);
    }
    install_keylog(ctx, options.keylog);

    asio::io_context io;
    int status = 1;
    asio::co_spawn(io, run_connections(std::move(options), std::move(ctx)),
                   [&status](std::exception_ptr ep, int result) {
                       if (ep) {
                           try {
                               std::rethrow_exception(ep);
                           } catch (const std::exception& err) {
                               std::cerr << "error: " << err.what() << std::endl;
                           }
                           status = 1;
                       } else {
                           status = result;
                       }
                   });
    io.run();
    return status;
}

}  // namespace tlsio_cli
