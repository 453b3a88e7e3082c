//
// tools/tlsio/server.cpp: `tlsio server`, an echo or -www server like
// `openssl s_server`, one coroutine per connection.
//
#include "common.hpp"
#include "http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/crypto.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

namespace tlsio_cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(60);
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct server_options {
    std::string host = "127.0.0.1";
    unsigned short port = 4433;
    bool www = false;
    bool quiet = false;
};

// ---- Resumption and 0-RTT options (--num-tickets, --max-early-data, --ticket-key-file)

struct resumption_options {
    std::optional<std::size_t> num_tickets;
    std::uint32_t max_early_data = 0;
    std::string ticket_key_file;
};

unsigned long parse_count(const std::string& option, const std::string& v, unsigned long max) {
    try {
        std::size_t used = 0;
        unsigned long n = std::stoul(v, &used);
        if (used == v.size() && n <= max) {
            return n;
        }
    } catch (const std::exception&) {
    }
    throw usage_error("bad " + option + " '" + v + "'");
}

// Takes the option `a` (and its value) if it is one of these. False otherwise.
bool parse_resumption_option(const std::string& a, arguments& args, resumption_options& r) {
    if (a == "--num-tickets" || a == "-num_tickets") {
        r.num_tickets = parse_count(a, args.value(a), 64);
    } else if (a == "--max-early-data" || a == "-max_early_data") {
        r.max_early_data = static_cast<std::uint32_t>(parse_count(a, args.value(a), 0xffffffffUL));
    } else if (a == "--ticket-key-file") {
        r.ticket_key_file = args.value(a);
    } else {
        return false;
    }
    return true;
}

// A ticket key file holds 48 bytes: a 16-byte key name, then a 32-byte key.
void apply_resumption_options(tlsio::context& ctx, const resumption_options& r) {
    if (r.num_tickets) {
        ctx.set_num_tickets(*r.num_tickets);
    }
    ctx.set_max_early_data(r.max_early_data);
    if (!r.ticket_key_file.empty()) {
        std::ifstream in(r.ticket_key_file, std::ios::binary);
        if (!in) {
            throw std::runtime_error("reading the ticket key file '" + r.ticket_key_file +
                                     "': cannot open it");
        }
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        if (bytes.size() != 48) {
            OPENSSL_cleanse(bytes.data(), bytes.size());
            throw std::runtime_error("the ticket key file '" + r.ticket_key_file + "' holds " +
                                     std::to_string(bytes.size()) +
                                     " bytes; it needs 48 (16 name, 32 key)");
        }
        tlsio::context::ticket_key key;
        std::memcpy(key.name.data(), bytes.data(), key.name.size());
        std::memcpy(key.key.data(), bytes.data() + key.name.size(), key.key.size());
        OPENSSL_cleanse(bytes.data(), bytes.size());
        ctx.set_ticket_keys({key});
        OPENSSL_cleanse(key.key.data(), key.key.size());
    }
}

// Data read as 0-RTT early data is logged as such (it may be a replay).
void log_if_early(const tlsio::engine& e, const char* data, std::size_t n, bool quiet,
                  unsigned long id) {
    if (!quiet && e.data_is_early()) {
        std::cout << '[' << id << "] early data (" << n << " bytes): " << std::string_view(data, n)
                  << std::endl;
    }
}

// Sends close_notify and waits (bounded by the stream's timeout) for the peer's.
asio::awaitable<void> close(https_stream& s) {
    s.next_layer().expires_after(std::chrono::seconds(5));
    co_await s.async_shutdown(use_tuple);
    beast::error_code ignored;
    s.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> echo(https_stream& s, bool quiet, unsigned long id) {
    char data[16384];
    for (;;) {
        s.next_layer().expires_after(idle_timeout);
        auto [ec, n] = co_await s.async_read_some(asio::buffer(data), use_tuple);
        if (ec == asio::error::eof) {
            break;  // the client's close_notify: answer with ours
        }
        if (ec) {
            throw boost::system::system_error(ec);
        }
        log_if_early(s.native_engine(), data, n, quiet, id);
        s.next_layer().expires_after(idle_timeout);
        co_await asio::async_write(s, asio::buffer(data, n), asio::use_awaitable);
    }
    co_await close(s);
}

asio::awaitable<void> session(tcp::socket socket, tlsio::context ctx, server_options options,
                              unsigned long id) {
    std::string peer;
    {
        beast::error_code ec;
        auto ep = socket.remote_endpoint(ec);
        peer = ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
        // Records leave in several small writes; Nagle would hold the later
        // ones for the peer's delayed ACK.
        socket.set_option(tcp::no_delay(true), ec);
    }
    https_stream s(std::move(socket), ctx);
    auto log = [&](const std::string& line) {
        if (!options.quiet) {
            std::cout << '[' << id << "] " << line << std::endl;
        }
    };
    try {
        s.next_layer().expires_after(std::chrono::seconds(30));
        auto [ec] = co_await s.async_handshake(tlsio::stream_base::server, use_tuple);
        if (ec) {
            log("error: handshake with " + peer + ": " +
                describe_error(ec, s.has_engine() ? &s.native_engine() : nullptr));
            co_return;
        }
        const tlsio::engine& e = s.native_engine();
        std::ostringstream params;
        params << peer << ' ' << tlsio::name(e.version()) << ' ' << tlsio::name(e.cipher_suite())
               << ' ' << tlsio::name(e.group());
        if (!e.alpn_protocol().empty()) {
            params << " alpn=" << e.alpn_protocol();
        }
        if (!e.server_name().empty()) {
            params << " sni=" << e.server_name();
        }
        if (!e.peer_certificates().empty()) {
            params << " client-cert=" << verify_result_text(e.verify_result());
        }
        params << (e.session_reused() ? " resumed" : "");
        log(params.str());
        if (options.www) {
            int requests = co_await serve_http(s);
            log("closed after " + std::to_string(requests) + " request(s)");
        } else {
            co_await echo(s, options.quiet, id);
            log("closed");
        }
    } catch (const boost::system::system_error& err) {
        log("error: " + describe_error(err.code(), s.has_engine() ? &s.native_engine() : nullptr));
    } catch (const std::exception& err) {
        log(std::string("error: ") + err.what());
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, tlsio::context ctx,
                                  server_options options) {
    unsigned long id = 0;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) {
            co_return;
        }
        if (ec) {
            std::cerr << "tlsio server: accept: " << ec.message() << std::endl;
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), session(std::move(socket), ctx, options, ++id),
                       asio::detached);
    }
}

void usage(std::ostream& out) {
    out << "usage: tlsio server --cert FILE --key FILE [--cert FILE --key FILE ...]\n"
           "                    [--port P (4433; 0 picks one)] [--host ADDR (127.0.0.1)]\n"
           "                    [--cafile FILE [--verify-client]] [--alpn a,b]\n"
           "                    [--groups g,..] [--ciphersuites s,..] [--www] [--keylog FILE]\n"
           "                    [--tls1_2 | --tls1_3] [--min-version V] [--max-version V]\n"
           "                    [--ciphers s:..] [--quiet] [--num-tickets N] [--max-early-data N]\n"
           "                    [--ticket-key-file FILE (48 bytes: 16 name, 32 key)]\n"
        << version_usage
        << "Echoes what each client sends, or with --www answers HTTP requests with a page\n"
           "naming the negotiated parameters. Prints 'listening on ADDR:PORT' when ready;\n"
           "runs until SIGINT or SIGTERM. --max-early-data N takes up to N bytes of 0-RTT\n"
           "early data on resumption (echo mode logs it as 'early data'; it may be a replay).\n";
}

}  // namespace

std::string status_page(const tlsio::engine& e, std::string_view request_line) {
    std::ostringstream params;
    print_parameters(params, e);
    if (auto own = e.signature_scheme(); !own) {
        params << "Signature scheme: none\n";
    }
    if (!e.peer_certificates().empty()) {
        params << "Client certificate: " << verify_result_text(e.verify_result()) << '\n';
    }
    std::string page =
        "<!DOCTYPE html>\n<html><head><title>tlsio</title></head><body>\n"
        "<h1>tlsio server</h1>\n<pre>\n";
    page += html_escape(params.str());
    page += "Request: " + html_escape(request_line) + "\n</pre>\n</body></html>\n";
    return page;
}

asio::awaitable<int> serve_http(https_stream& s) {
    beast::flat_buffer buffer;
    int answered = 0;
    for (;;) {
        http::request<http::string_body> req;
        s.next_layer().expires_after(idle_timeout);
        auto [ec, n] = co_await http::async_read(s, buffer, req, use_tuple);
        if (ec == http::error::end_of_stream || ec == asio::error::eof) {
            break;  // the client's close_notify
        }
        if (ec) {
            throw boost::system::system_error(ec);
        }
        std::string line = std::string(req.method_string()) + " " + std::string(req.target()) +
                           " HTTP/" + std::to_string(req.version() / 10) + "." +
                           std::to_string(req.version() % 10);
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::server, "tlsio");
        res.set(http::field::content_type, "text/html");
        res.keep_alive(req.keep_alive());
        if (req.method() != http::verb::head) {
            res.body() = status_page(s.native_engine(), line);
        }
        res.prepare_payload();
        if (req.method() == http::verb::head) {
            res.content_length(status_page(s.native_engine(), line).size());
        }
        s.next_layer().expires_after(idle_timeout);
        co_await http::async_write(s, res, asio::use_awaitable);
        ++answered;
        if (!res.keep_alive()) {
            break;
        }
    }
    co_await close(s);
    co_return answered;
}

int run_server(arguments& args) {
    server_options options;
    std::vector<std::string> certs, keys;
    std::string cafile, alpn, groups, suites, keylog;
    bool verify_client = false;
    version_options versions;
    resumption_options resumption;
    while (!args.done()) {
        std::string a = args.next();
        if (parse_resumption_option(a, args, resumption)) {
            continue;
        }
        if (a == "--port" || a == "-p") {
            std::string v = args.value(a);
            unsigned long port = 0;
            try {
                port = std::stoul(v);
            } catch (const std::exception&) {
                port = 65536;
            }
            if (port > 65535) {
                throw usage_error("bad port '" + v + "'");
            }
            options.port = static_cast<unsigned short>(port);
        } else if (a == "--host") {
            options.host = args.value(a);
        } else if (a == "--cert") {
            certs.push_back(args.value(a));
        } else if (a == "--key") {
            keys.push_back(args.value(a));
        } else if (a == "--cafile") {
            cafile = args.value(a);
        } else if (a == "--verify-client") {
            verify_client = true;
        } else if (a == "--alpn") {
            alpn = args.value(a);
        } else if (a == "--groups") {
            groups = args.value(a);
        } else if (a == "--ciphersuites") {
            suites = args.value(a);
        } else if (a == "--keylog") {
            keylog = args.value(a);
        } else if (versions.parse(a, args)) {
        } else if (a == "--www") {
            options.www = true;
        } else if (a == "--quiet" || a == "-q") {
            options.quiet = true;
        } else if (a == "--help" || a == "-h") {
            usage(std::cout);
            return 0;
        } else {
            throw usage_error("unknown server option '" + a + "'");
        }
    }
    if (certs.empty() || certs.size() != keys.size()) {
        throw usage_error("give one --key after each --cert (at least one pair)");
    }
    if (verify_client && cafile.empty()) {
        throw usage_error("--verify-client needs --cafile");
    }

    tlsio::context ctx(tlsio::context::tls_server);
    boost::system::error_code ec;
    for (std::size_t i = 0; i < certs.size(); ++i) {
        ctx.use_certificate_chain_file(certs[i], ec);
        check_file(ec, "loading the certificate chain", certs[i]);
        ctx.use_private_key_file(keys[i], ec);
        check_file(ec, "loading the private key", keys[i]);
    }
    if (!cafile.empty()) {
        ctx.load_verify_file(cafile, ec);
        check_file(ec, "loading CA certificates from", cafile);
        ctx.set_verify_mode(verify_client ? tlsio::verify_peer | tlsio::verify_fail_if_no_peer_cert
                                          : tlsio::verify_peer);
    }
    if (!alpn.empty()) {
        ctx.set_alpn_protocols(split_list(alpn));
    }
    if (!groups.empty()) {
        ctx.set_groups(parse_groups(groups));
    }
    if (!suites.empty()) {
        ctx.set_cipher_suites(parse_cipher_suites(suites));
    }
    versions.apply(ctx);
    install_keylog(ctx, keylog);
    apply_resumption_options(ctx, resumption);

    asio::io_context io;
    tcp::endpoint endpoint(asio::ip::make_address(options.host), options.port);
    tcp::acceptor acceptor(io, endpoint);  // SO_REUSEADDR is on by default
    auto local = acceptor.local_endpoint();
    std::cout << "listening on "
              << (local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                          : local.address().to_string())
              << ':' << local.port() << (options.www ? " (www)" : " (echo)") << std::endl;

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& signal_ec, int) {
        if (!signal_ec) {
            io.stop();
        }
    });
    asio::co_spawn(io, accept_loop(acceptor, ctx, options), asio::detached);
    io.run();
    return 0;
}

}  // namespace tlsio_cli
