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

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <variant>

namespace tlsio_cli {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

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

asio::awaitable<int> run_session(client_options options, tlsio::context ctx) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(options.host, options.port, use_tuple);
    if (rec) {
        std::cerr << "error: resolving " << options.host << ": " << rec.message() << std::endl;
        co_return 1;
    }
    client_stream s(ex, ctx);
    auto [cec, endpoint] = co_await asio::async_connect(s.next_layer(), endpoints, use_tuple);
    if (cec) {
        std::cerr << "error: connecting to " << options.host << ':' << options.port << ": "
                  << cec.message() << std::endl;
        co_return 1;
    }
    boost::system::error_code ignored;
    s.next_layer().set_option(tcp::no_delay(true), ignored);
    if (!options.quiet) {
        std::cout << "CONNECTED " << endpoint << std::endl;
    }
    const std::string name = options.server_name.value_or(options.host);
    if (options.insecure) {
        s.set_server_name(name);
    } else {
        s.set_host(name);
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
    co_return status;
}

void usage(std::ostream& out) {
    out << "usage: tlsio client HOST:PORT [--cafile FILE] [--capath DIR] [--servername NAME]\n"
           "                    [--alpn a,b] [--groups g,..] [--ciphersuites s,..]\n"
           "                    [--tls1_2 | --tls1_3] [--min-version V] [--max-version V]\n"
           "                    [--ciphers s:..] [--cert FILE --key FILE] [--keylog FILE]\n"
           "                    [--insecure] [--quiet]\n"
        << version_usage
        << "Prints the negotiated parameters, then sends standard input to the server and\n"
           "what the server sends to standard output. A line 'K' sends a KeyUpdate asking\n"
           "the server to update too, 'k' one that does not. At the end of the input sends\n"
           "close_notify and waits for the server to close. Trusts the system's CAs unless\n"
           "--cafile or --capath is given; --insecure skips verification.\n";
}

}  // namespace

int run_client(arguments& args) {
    client_options options;
    std::optional<std::string> target;
    while (!args.done()) {
        std::string a = args.next();
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
    asio::co_spawn(io, run_session(std::move(options), std::move(ctx)),
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
