// tlsio's server engine against curl (HTTPS GET) on 127.0.0.1.
// Registered only when CMake found curl; see CMakeLists.txt.
#define BOOST_TEST_MODULE interop_curl_test
#include <boost/test/unit_test.hpp>

#include "interop_test_support.hpp"

#include <sys/wait.h>

#include <optional>

#ifndef TLSIO_CURL_EXECUTABLE
#define TLSIO_CURL_EXECUTABLE ""
#endif

using namespace tlsio::interop;

BOOST_TEST_GLOBAL_FIXTURE(global_setup);

namespace {

std::string curl_path() {
    if (const char* p = std::getenv("TLSIO_CURL"))
        return p;
    return TLSIO_CURL_EXECUTABLE;
}

/// Serves one GET with `body` to a curl started with `extra` arguments;
/// returns curl's output (-v on stderr, body and -w on stdout).
struct curl_run {
    loopback_listener listener;
    std::optional<child_process> curl;
    std::optional<dump_on_failure> dump;
    std::optional<tls_socket> conn;

    std::string body_path = unique_path(env().pki.dir, "curl-body");

    curl_run(const tlsio::context& ctx, std::vector<std::string> extra) {
        std::string port = std::to_string(listener.port());
        // -q first: ignore any ~/.curlrc. --resolve pins localhost to 127.0.0.1
        // and --noproxy keeps proxies out: the request never leaves loopback.
        std::vector<std::string> argv = {curl_path(),  "-q",
                                         "-v",         "-sS",
                                         "--noproxy",  "*",
                                         "--max-time", "20",
                                         "--resolve",  "localhost:" + port + ":127.0.0.1",
                                         "--cacert",   env().pki.ca.cert,
                                         "-w",         "\nhttp_code=%{http_code}\n"};
        argv.insert(argv.end(), {"-o", body_path});  // keeps the body apart from -v output
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back("https://localhost:" + port + "/hello");
        BOOST_TEST_REQUIRE(!curl_path().empty(), "curl not found");
        curl.emplace(std::move(argv));
        dump.emplace("curl", [this] { return curl->output(); });
        conn.emplace(listener.accept(), tlsio::engine(ctx, tlsio::role::server));
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(https_get) {
    auto ctx = server_context(env().pki.p256);
    ctx.set_alpn_protocols({"http/1.1"});
    curl_run r(ctx, {"--tlsv1.3"});
    auto ec = r.conn->handshake();
    BOOST_TEST_REQUIRE(!ec, "handshake: " << ec.message() << ": " << r.conn->describe());
    BOOST_TEST(r.conn->engine().alpn_protocol() == "http/1.1");
    BOOST_TEST(r.conn->engine().server_name() == "localhost");

    std::string request;
    ec = r.conn->read_until(request, "\r\n\r\n");
    BOOST_TEST_REQUIRE(!ec, "request: " << ec.message() << ": " << r.conn->describe());
    BOOST_TEST(request.rfind("GET /hello HTTP/1.1\r\n", 0) == 0u, request);

    std::string body = make_payload(50000, 7);
    ec = r.conn->write_all("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    BOOST_TEST_REQUIRE(!ec, "response: " << ec.message() << ": " << r.conn->describe());
    ec = r.conn->shutdown();
    BOOST_TEST(!ec, ec.message() << ": " << r.conn->describe());

    auto st = r.curl->wait_exit();
    BOOST_TEST_REQUIRE(st.has_value(), "curl did not exit");
    BOOST_TEST(WIFEXITED(*st));
    BOOST_TEST(WEXITSTATUS(*st) == 0);
    std::string out = r.curl->output();
    BOOST_TEST(out.find("http_code=200") != std::string::npos);
    BOOST_TEST((read_file(r.body_path) == body), "the body curl saved differs");
    BOOST_TEST(out.find("SSL connection using TLSv1.3 / " +
                        std::string(tlsio::name(r.conn->engine().cipher_suite()))) !=
               std::string::npos);
    BOOST_TEST(out.find("ALPN: server accepted http/1.1") != std::string::npos);
    BOOST_TEST(out.find("SSL certificate verify ok") != std::string::npos);
}

// curl with a trust store that does not hold our CA refuses the server.
BOOST_AUTO_TEST_CASE(curl_rejects_untrusted_server) {
    auto ctx = server_context(env().pki.unknown_ca_leaf);
    curl_run r(ctx, {"--tlsv1.3"});
    auto ec = r.conn->handshake();
    if (!ec) {  // curl judges our certificate after our flight; its alert follows
        std::uint8_t buf[64];
        r.conn->read_some(buf, ec);
    }
    BOOST_TEST(ec == tlsio::make_error_code(tlsio::alert::unknown_ca),
               ec.message() << ": " << r.conn->describe());
    auto st = r.curl->wait_exit();
    BOOST_TEST_REQUIRE(st.has_value());
    BOOST_TEST(WEXITSTATUS(*st) == 60);  // CURLE_PEER_FAILED_VERIFICATION
}
