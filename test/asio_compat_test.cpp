// Code written as for asio::ssl, compiled and run against tlsio: every member
// of asio::ssl::context that Beast's example/common/server_certificate.hpp and
// root_certificates.hpp and the SSL examples call, with asio's signatures and
// constants, over a loopback handshake; the error codes asio programs compare
// with; and an HTTPS client in the shape of Beast's http_client_coro_ssl,
// changed only in its includes, one namespace alias and the stream type (and
// the two lines that README.md's migration section lists).
#include <tlsio/beast.hpp>
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE asio_compat_test
#include <boost/test/unit_test.hpp>

#include "support/loopback.hpp"
#include "support/pki.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#if TLSIO_TEST_HAVE_SPAWN
#include <boost/asio/spawn.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#endif

// Printers so BOOST_TEST can show the expected side of `ec == enum`.
namespace tlsio {
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
inline std::ostream& operator<<(std::ostream& os, condition c) {
    return os << make_error_condition(c).message();
}
}  // namespace tlsio

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = tlsio;  // was: namespace ssl = boost::asio::ssl;
using boost::system::error_code;
using net::ip::tcp;
using tlsio::test::authority;
using tlsio::test::issued;
using tlsio::test::leaf_options;
using tlsio::test::run_bounded;
using tlsio::test::tcp_pair;

namespace {

const authority& root() {
    static const authority ca = authority::make_root("asio compat root");
    return ca;
}

const issued& server_leaf() {
    static const issued leaf = root().issue(leaf_options{});
    return leaf;
}

// The server's key encrypted with `password`, as PKCS#8 or in the traditional
// PEM form with Proc-Type: 4,ENCRYPTED (Beast's server_certificate.hpp has one).
std::string encrypted_key(const issued& leaf, const std::string& password, bool pkcs8) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    auto* pass = reinterpret_cast<unsigned char*>(const_cast<char*>(password.data()));
    int len = static_cast<int>(password.size());
    int ok =
        pkcs8 ? PEM_write_bio_PKCS8PrivateKey(bio.get(), leaf.key.native(), EVP_aes_256_cbc(),
                                              nullptr, 0, nullptr,
                                              const_cast<char*>(password.c_str()))
              : PEM_write_bio_PrivateKey_traditional(
                    bio.get(), leaf.key.native(), EVP_aes_256_cbc(), pass, len, nullptr, nullptr);
    BOOST_REQUIRE(ok == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string key_der(const issued& leaf) {
    unsigned char* der = nullptr;
    int n = i2d_PrivateKey(leaf.key.native(), &der);
    BOOST_REQUIRE(n > 0);
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    return out;
}

// In the shape of Beast's example/common/server_certificate.hpp: an encrypted
// key opened by the password callback, asio's options, DH parameters.
void load_server_certificate(ssl::context& ctx) {
    std::string const cert = server_leaf().chain_pem;
    std::string const key = encrypted_key(server_leaf(), "test", false);
    std::string const dh =
        "-----BEGIN DH PARAMETERS-----\n(ignored)\n-----END DH PARAMETERS-----\n";

    ctx.set_password_callback(
        [](std::size_t, ssl::context_base::password_purpose) { return "test"; });

    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::single_dh_use);

    ctx.use_certificate_chain(net::buffer(cert.data(), cert.size()));

    ctx.use_private_key(net::buffer(key.data(), key.size()), ssl::context::file_format::pem);

    ctx.use_tmp_dh(net::buffer(dh.data(), dh.size()));
}

// In the shape of Beast's example/common/root_certificates.hpp.
void load_root_certificates(ssl::context& ctx, error_code& ec) {
    std::string const cert = root().root_pem();
    ctx.add_certificate_authority(net::buffer(cert.data(), cert.size()), ec);
}

void load_root_certificates(ssl::context& ctx) {
    error_code ec;
    load_root_certificates(ctx, ec);
    if (ec) {
        throw boost::system::system_error{ec};
    }
}

struct outcome {
    error_code client;
    error_code server;
    std::string client_message;
};

// One handshake over loopback; `prepare` may set up the client stream.
outcome handshake(const ssl::context& client_ctx, const ssl::context& server_ctx,
                  const std::function<void(ssl::stream<tcp::socket>&)>& prepare = {}) {
    net::io_context io;
    auto [c, s] = tcp_pair(io);
    ssl::stream<tcp::socket> client(std::move(c), client_ctx);
    ssl::stream<tcp::socket> server(std::move(s), server_ctx);
    if (prepare) {
        prepare(client);
    }
    outcome out;
    client.async_handshake(ssl::stream_base::client, [&](error_code ec) {
        out.client = ec;
        if (ec) {
            client.next_layer().close();
        }
    });
    server.async_handshake(ssl::stream_base::server, [&](error_code ec) {
        out.server = ec;
        if (ec) {
            server.next_layer().close();
        }
    });
    run_bounded(io);
    if (client.has_engine()) {
        out.client_message = client.native_engine().error_message();
    }
    return out;
}

ssl::context server_context() {
    ssl::context ctx{ssl::context::tls_server};
    load_server_certificate(ctx);
    return ctx;
}

ssl::context client_context() {
    ssl::context ctx{ssl::context::tls_client};
    load_root_certificates(ctx);
    ctx.set_verify_mode(ssl::verify_peer);
    return ctx;
}

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        char name[] = "/tmp/tlsio_asio_compat_XXXXXX";
        BOOST_REQUIRE(mkdtemp(name) != nullptr);
        path = name;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& data) const {
        std::ofstream(path / name, std::ios::binary) << data;
        return (path / name).string();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(methods_and_options)

BOOST_AUTO_TEST_CASE(methods_for_any_version_make_tls13_contexts) {
    for (auto m :
         {ssl::context::tls, ssl::context::tls_client, ssl::context::tls_server,
          ssl::context::sslv23, ssl::context::sslv23_client, ssl::context::sslv23_server,
          ssl::context::tlsv13, ssl::context::tlsv13_client, ssl::context::tlsv13_server}) {
        BOOST_CHECK_NO_THROW(ssl::context{m});
    }
    auto client = client_context();
    ssl::context server{ssl::context::sslv23};
    load_server_certificate(server);
    auto r = handshake(client, server, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(!r.client, r.client.message() << ": " << r.client_message);
    BOOST_TEST(!r.server, r.server.message());
}

BOOST_AUTO_TEST_CASE(version_methods) {
    // tlsv12* make TLS 1.2-only contexts, which speak to each other but not
    // to a TLS 1.3-only one; SSL 3.0, TLS 1.0 and 1.1 are refused.
    ssl::context client{ssl::context::tlsv12_client};
    load_root_certificates(client);
    client.set_verify_mode(ssl::verify_peer);
    ssl::context server{ssl::context::tlsv12_server};
    load_server_certificate(server);
    auto r = handshake(client, server, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(!r.client, r.client.message() << ": " << r.client_message);
    BOOST_TEST(!r.server, r.server.message());
    ssl::context server13{ssl::context::tlsv13_server};
    load_server_certificate(server13);
    r = handshake(client, server13, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(r.server == tlsio::error::protocol_version, r.server.message());
    for (auto m : {ssl::context::sslv2, ssl::context::sslv3_client, ssl::context::tlsv1_server,
                   ssl::context::tlsv11}) {
        try {
            ssl::context ctx{m};
            BOOST_ERROR("an SSL 3.0 / TLS 1.0 / 1.1 context was made");
        } catch (const boost::system::system_error& e) {
            BOOST_TEST(e.code() == tlsio::error::unsupported_version);
            BOOST_TEST(std::string(e.what()).find("insecure") != std::string::npos, e.what());
        }
    }
}

BOOST_AUTO_TEST_CASE(asio_options_are_accepted_or_refused_never_ignored) {
    ssl::context ctx{ssl::context::tls_client};
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::no_tlsv1_2 | ssl::context::single_dh_use |
                    ssl::context::no_compression);
    BOOST_TEST(ctx.get_options() == (ssl::context::default_workarounds | ssl::context::no_sslv3 |
                                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                                     ssl::context::no_tlsv1_2 | ssl::context::no_compression));
    ctx.clear_options(ssl::context::no_sslv3);  // does not enable SSL 3.0: never spoken
    BOOST_TEST((ctx.get_options() & ssl::context::no_sslv3) == 0);

    error_code ec;
    ctx.set_options(ssl::context::no_tlsv1_3, ec);
    BOOST_TEST(ec == tlsio::error::unsupported_version, ec.message());
    BOOST_CHECK_THROW(ctx.set_options(ssl::context::no_tlsv1_3), boost::system::system_error);
    // SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION: a weakening, refused by name.
    ctx.set_options(1L << 18, ec);
    BOOST_TEST(ec == tlsio::error::unsupported_option, ec.message());
    BOOST_TEST((ctx.get_options() & (1L << 18)) == 0);
}

BOOST_AUTO_TEST_CASE(native_handle_and_verify_client_once) {
    ssl::context ctx{ssl::context::tls_server};
    BOOST_TEST(ctx.native_handle() != nullptr);
    load_server_certificate(ctx);
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert |
                        ssl::verify_client_once);
    auto client = client_context();
    auto r = handshake(client, ctx, [](auto& s) { s.set_host("localhost"); });
    // The client has no certificate: the server requires one.
    BOOST_TEST(r.server == tlsio::error::certificate_required, r.server.message());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(credentials)

BOOST_AUTO_TEST_CASE(beast_server_certificate_with_encrypted_key) {
    auto server = server_context();
    auto client = client_context();
    auto r = handshake(client, server, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(!r.client, r.client.message() << ": " << r.client_message);
    BOOST_TEST(!r.server, r.server.message());
}

BOOST_AUTO_TEST_CASE(encrypted_key_without_callback_says_so) {
    for (bool pkcs8 : {true, false}) {
        ssl::context ctx{ssl::context::tls_server};
        ctx.use_certificate_chain(net::buffer(server_leaf().chain_pem));
        std::string key = encrypted_key(server_leaf(), "secret", pkcs8);
        error_code ec;
        ctx.use_private_key(net::buffer(key), ssl::context::pem, ec);
        BOOST_TEST(ec == tlsio::error::key_password_required, ec.message());
        BOOST_TEST(ec.message().find("set_password_callback") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(wrong_password_and_callback_purpose) {
    for (bool pkcs8 : {true, false}) {
        ssl::context ctx{ssl::context::tls_server};
        ctx.use_certificate_chain(net::buffer(server_leaf().chain_pem));
        std::string key = encrypted_key(server_leaf(), "secret", pkcs8);
        std::size_t asked_max = 0;
        int asked_purpose = -1;
        ctx.set_password_callback([&](std::size_t max, ssl::context::password_purpose purpose) {
            asked_max = max;
            asked_purpose = purpose;
            return std::string("not the secret");
        });
        error_code ec;
        ctx.use_private_key(net::buffer(key), ssl::context::pem, ec);
        BOOST_TEST(ec == tlsio::error::key_password_wrong, ec.message());
        BOOST_TEST(asked_max > 0u);
        BOOST_TEST(asked_purpose == static_cast<int>(ssl::context::for_reading));

        ctx.set_password_callback(
            [](std::size_t, ssl::context::password_purpose) { return std::string("secret"); });
        ctx.use_private_key(net::buffer(key), ssl::context::pem, ec);
        BOOST_TEST(!ec, ec.message());
    }
}

BOOST_AUTO_TEST_CASE(file_and_der_forms) {
    temp_dir dir;
    const issued& leaf = server_leaf();
    auto files = leaf.write_files();
    std::string leaf_der(leaf.chain_der.front().begin(), leaf.chain_der.front().end());
    std::string der_key = key_der(leaf);
    std::string der_key_path = dir.write("key.der", der_key);
    std::string der_cert_path = dir.write("cert.der", leaf_der);
    std::string dh_path = dir.write("dh.pem", "-----BEGIN DH PARAMETERS-----\n");

    auto client = client_context();
    std::vector<std::pair<std::string, std::function<void(ssl::context&)>>> forms = {
        {"use_certificate_file + use_private_key_file (pem)",
         [&](ssl::context& c) {
             c.use_certificate_file(files.chain_path, ssl::context::pem);
             c.use_private_key_file(files.key_path, ssl::context::pem);
         }},
        {"use_certificate_chain_file + use_private_key_file",
         [&](ssl::context& c) {
             c.use_certificate_chain_file(files.chain_path);
             c.use_private_key_file(files.key_path);
         }},
        {"use_certificate + use_private_key (asn1)",
         [&](ssl::context& c) {
             c.use_certificate(net::buffer(leaf_der), ssl::context::asn1);
             c.use_private_key(net::buffer(der_key), ssl::context::asn1);
         }},
        {"use_certificate_file + use_private_key_file (asn1), use_tmp_dh_file",
         [&](ssl::context& c) {
             c.use_certificate_file(der_cert_path, ssl::context::asn1);
             c.use_private_key_file(der_key_path, ssl::context::asn1);
             c.use_tmp_dh_file(dh_path);
         }},
    };
    for (auto& [name, load] : forms) {
        BOOST_TEST_CONTEXT(name) {
            ssl::context server{ssl::context::tls_server};
            load(server);
            auto r = handshake(client, server, [](auto& s) { s.set_host("localhost"); });
            BOOST_TEST(!r.client, r.client.message() << ": " << r.client_message);
        }
    }

    // The RSA forms take RSA keys only.
    ssl::context ec_server{ssl::context::tls_server};
    ec_server.use_certificate_chain_file(files.chain_path);
    error_code ec;
    ec_server.use_rsa_private_key_file(files.key_path, ssl::context::pem, ec);
    BOOST_TEST(ec == tlsio::error::key_load_failed, ec.message());

    leaf_options rsa_options;
    rsa_options.key = tlsio::test::key_type::rsa2048;
    issued rsa = root().issue(rsa_options);
    ssl::context rsa_server{ssl::context::tls_server};
    rsa_server.use_certificate_chain(net::buffer(rsa.chain_pem));
    rsa_server.use_rsa_private_key(net::buffer(rsa.key_pem), ssl::context::pem);
    auto r = handshake(client, rsa_server, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(!r.client, r.client.message() << ": " << r.client_message);
    auto rsa_files = rsa.write_files();
    ssl::context rsa_file_server{ssl::context::tls_server};
    rsa_file_server.use_certificate_chain_file(rsa_files.chain_path);
    rsa_file_server.use_rsa_private_key_file(rsa_files.key_path, ssl::context::pem);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(verification)

BOOST_AUTO_TEST_CASE(load_verify_file_and_add_verify_path) {
    auto server = server_context();
    auto files = server_leaf().write_files();
    ssl::context by_file{ssl::context::tls_client};
    by_file.load_verify_file(files.ca_path);
    auto r = handshake(by_file, server, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(!r.client, r.client.message() << ": " << r.client_message);

    // A directory without hashed names trusts nothing, but is accepted.
    ssl::context by_path{ssl::context::tls_client};
    by_path.add_verify_path(files.directory);
    r = handshake(by_path, server, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(r.client == tlsio::error::certificate_unknown_ca, r.client.message());
}

BOOST_AUTO_TEST_CASE(host_name_verification_as_verify_callback) {
    auto server = server_context();
    for (bool rfc2818 : {false, true}) {
        BOOST_TEST_CONTEXT("rfc2818_verification: " << rfc2818) {
            auto client = client_context();
            // asio style: SNI by name, the host checked by the verify callback.
            auto with = [rfc2818](std::string host) {
                return [rfc2818, host](ssl::stream<tcp::socket>& s) {
                    s.set_server_name(host);
                    if (rfc2818) {
                        s.set_verify_callback(ssl::rfc2818_verification(host));
                    } else {
                        s.set_verify_callback(ssl::host_name_verification(host));
                    }
                };
            };
            auto good = handshake(client, server, with("localhost"));
            BOOST_TEST(!good.client, good.client.message() << ": " << good.client_message);
            auto bad = handshake(client, server, with("www.example.com"));
            BOOST_TEST(bad.client == tlsio::error::certificate_rejected_by_callback,
                       bad.client.message());
            // The context's callback works the same way.
            client.set_verify_callback(ssl::host_name_verification("www.example.com"));
            auto by_context = handshake(client, server, [](auto& s) { s.set_server_name("x"); });
            BOOST_TEST(by_context.client == tlsio::condition::verify_failed,
                       by_context.client.message());
        }
    }
}

BOOST_AUTO_TEST_CASE(verify_depth_limits_intermediates) {
    authority intermediate = root().make_intermediate("asio compat intermediate");
    issued leaf = intermediate.issue(leaf_options{});
    ssl::context server{ssl::context::tls_server};
    server.use_certificate_chain(net::buffer(leaf.chain_pem));
    server.use_private_key(net::buffer(leaf.key_pem), ssl::context::pem);

    auto attempt = [&](int depth) {
        auto client = client_context();
        if (depth >= 0) {
            client.set_verify_depth(depth);
        }
        return handshake(client, server, [](auto& s) { s.set_host("localhost"); }).client;
    };
    BOOST_TEST(!attempt(-1));
    BOOST_TEST(!attempt(1));
    BOOST_TEST(attempt(0) == tlsio::condition::verify_failed, attempt(0).message());
    BOOST_TEST(!attempt(1));  // no verification cached under a deeper limit applies

    ssl::context ctx;
    error_code ec;
    ctx.set_verify_depth(-1, ec);
    BOOST_TEST(ec == tlsio::error::invalid_argument);
}

BOOST_AUTO_TEST_CASE(ca_added_after_the_stream_was_made_is_trusted) {
    // asio shares the context's X509_STORE with its streams: a CA added after
    // a stream was made is used by that stream's handshake.
    auto server = server_context();
    net::io_context io;
    auto [c, s] = tcp_pair(io);
    ssl::context client_ctx{ssl::context::tls_client};
    client_ctx.set_verify_mode(ssl::verify_peer);
    ssl::stream<tcp::socket> client(std::move(c), client_ctx);
    ssl::stream<tcp::socket> srv(std::move(s), server);
    load_root_certificates(client_ctx);
    client.set_host("localhost");
    error_code cec, sec;
    client.async_handshake(ssl::stream_base::client, [&](error_code ec) { cec = ec; });
    srv.async_handshake(ssl::stream_base::server, [&](error_code ec) { sec = ec; });
    run_bounded(io);
    BOOST_TEST(!cec, cec.message());
    BOOST_TEST(!sec, sec.message());

    // A copy that adds its own CA keeps it to itself.
    authority other = authority::make_root("another root");
    ssl::context copy = client_ctx;
    copy.add_certificate_authority(net::buffer(other.root_pem()));
    issued other_leaf = other.issue(leaf_options{});
    ssl::context other_server{ssl::context::tls_server};
    other_server.use_certificate_chain(net::buffer(other_leaf.chain_pem));
    other_server.use_private_key(net::buffer(other_leaf.key_pem), ssl::context::pem);
    auto set_host = [](auto& st) { st.set_host("localhost"); };
    BOOST_TEST(!handshake(copy, other_server, set_host).client);
    BOOST_TEST(handshake(client_ctx, other_server, set_host).client ==
               tlsio::error::certificate_unknown_ca);
}

BOOST_AUTO_TEST_CASE(failure_under_the_default_mode_points_at_the_fix) {
    auto server = server_context();
    ssl::context client{ssl::context::tls_client};  // no CA, verify mode left alone
    auto r = handshake(client, server, [](auto& s) { s.set_host("localhost"); });
    BOOST_TEST(r.client == tlsio::error::certificate_unknown_ca, r.client.message());
    BOOST_TEST(r.client_message.find("asio::ssl only with verify_peer") != std::string::npos,
               r.client_message);
    BOOST_TEST(r.client_message.find("load_verify_file") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stream_members)

// asio::ssl::stream's per-stream verification members, as an asio program
// calls them: mode, depth and callback override the context's for one stream.
BOOST_AUTO_TEST_CASE(per_stream_verify_mode_depth_and_callback) {
    authority intermediate = root().make_intermediate("asio compat stream intermediate");
    issued leaf = intermediate.issue(leaf_options{});
    ssl::context server{ssl::context::tls_server};
    server.use_certificate_chain(net::buffer(leaf.chain_pem));
    server.use_private_key(net::buffer(leaf.key_pem), ssl::context::pem);
    auto client = client_context();

    auto with_depth = [](int depth) {
        return [depth](ssl::stream<tcp::socket>& s) {
            s.set_host("localhost");
            error_code ec;
            s.set_verify_depth(depth, ec);
            BOOST_TEST(!ec);
        };
    };
    BOOST_TEST(!handshake(client, server, with_depth(1)).client);
    auto shallow = handshake(client, server, with_depth(0));
    BOOST_TEST(shallow.client == tlsio::condition::verify_failed, shallow.client.message());

    // The stream's depth overrides the context's, both ways.
    auto strict = client_context();
    strict.set_verify_depth(0);
    BOOST_TEST(handshake(strict, server, [](auto& s) { s.set_host("localhost"); }).client ==
               tlsio::condition::verify_failed);
    BOOST_TEST(!handshake(strict, server, with_depth(1)).client);

    net::io_context io;
    ssl::stream<tcp::socket> unused(io, client);
    error_code ec;
    unused.set_verify_depth(-1, ec);
    BOOST_TEST(ec == tlsio::error::invalid_argument);
    BOOST_CHECK_THROW(unused.set_verify_depth(-1), boost::system::system_error);

    // verify_none on the stream: an untrusted server is accepted by this
    // stream only (the context still verifies).
    auto untrusting = ssl::context{ssl::context::tls_client};
    untrusting.set_verify_mode(ssl::verify_peer);
    auto none = handshake(untrusting, server, [](ssl::stream<tcp::socket>& s) {
        error_code mec;
        s.set_verify_mode(ssl::verify_none, mec);
        BOOST_TEST(!mec);
        s.set_server_name("localhost");
    });
    BOOST_TEST(!none.client, none.client.message());
    BOOST_TEST(handshake(untrusting, server, [](auto& s) { s.set_host("localhost"); }).client ==
               tlsio::error::certificate_unknown_ca);

    // A callback with asio's error_code form, counting the certificates seen.
    int seen = 0;
    auto counted = handshake(client, server, [&seen](ssl::stream<tcp::socket>& s) {
        s.set_host("localhost");
        error_code cec;
        s.set_verify_callback(
            [&seen](bool preverified, ssl::verify_context&) {
                ++seen;
                return preverified;
            },
            cec);
        BOOST_TEST(!cec);
    });
    BOOST_TEST(!counted.client, counted.client.message());
    BOOST_TEST(seen == 3);  // root, intermediate, leaf
}

namespace {

// Echo of one message over a server stream whose first bytes were read by
// Beast's detect_ssl, as advanced_server_flex does. `client_writes` is what
// the client sends after its handshake.
struct flex_outcome {
    bool is_tls = false;
    std::size_t detected = 0;  ///< bytes detect_ssl had read
    std::size_t used = 0;      ///< bytes_used of the buffered handshake
    error_code server;
    error_code client;
    std::string echoed;
};

flex_outcome detect_then_handshake() {
    net::io_context io;
    auto [c, s] = tcp_pair(io);
    auto server_ctx = server_context();
    auto client_ctx = client_context();
    flex_outcome out;

    beast::tcp_stream plain(std::move(s));
    beast::flat_buffer buffer;
    std::optional<tlsio::ssl_stream<beast::tcp_stream>> server;
    char server_in[16] = {};
    beast::get_lowest_layer(plain).expires_after(std::chrono::seconds(10));
    beast::async_detect_ssl(plain, buffer, [&](error_code ec, bool is_tls) {
        out.is_tls = is_tls;
        out.detected = buffer.size();
        if (ec || !is_tls) {
            out.server = ec;
            return;
        }
        // As the flex server's ssl_http_session: the plain stream moves into
        // the TLS stream, and the bytes already read go to its handshake.
        server.emplace(std::move(plain), server_ctx);
        server->async_handshake(
            ssl::stream_base::server, buffer.data(), [&](error_code hec, std::size_t used) {
                out.used = used;
                buffer.consume(used);
                if (hec) {
                    out.server = hec;
                    return;
                }
                server->async_read_some(net::buffer(server_in), [&](error_code rec, std::size_t n) {
                    if (rec) {
                        out.server = rec;
                        return;
                    }
                    net::async_write(*server, net::buffer(server_in, n),
                                     [&](error_code wec, std::size_t) { out.server = wec; });
                });
            });
    });

    ssl::stream<tcp::socket> client(std::move(c), client_ctx);
    client.set_host("localhost");
    char client_in[16] = {};
    client.async_handshake(ssl::stream_base::client, [&](error_code ec) {
        if (ec) {
            out.client = ec;
            return;
        }
        net::async_write(client, net::buffer("hello", 5), [&](error_code wec, std::size_t) {
            if (wec) {
                out.client = wec;
                return;
            }
            net::async_read(client, net::buffer(client_in, 5), [&](error_code rec, std::size_t n) {
                out.client = rec;
                out.echoed.assign(client_in, n);
            });
        });
    });
    run_bounded(io);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(buffered_handshake_after_beast_detect_ssl) {
    flex_outcome out = detect_then_handshake();
    BOOST_TEST(out.is_tls);
    BOOST_TEST(out.detected > 0u);
    BOOST_TEST(out.used == out.detected);  // all of it went to the engine
    BOOST_TEST(!out.server, out.server.message());
    BOOST_TEST(!out.client, out.client.message());
    BOOST_TEST(out.echoed == "hello");
}

BOOST_AUTO_TEST_CASE(buffered_handshake_sync_forms) {
    for (bool with_ec : {false, true}) {
        BOOST_TEST_CONTEXT("error_code form: " << with_ec) {
            net::io_context io;
            auto [c, s] = tcp_pair(io);
            auto server_ctx = server_context();
            auto client_ctx = client_context();
            error_code client_ec;
            std::thread client_thread([&, sock = std::move(c)]() mutable {
                ssl::stream<tcp::socket> client(std::move(sock), client_ctx);
                client.set_host("localhost");
                client.handshake(ssl::stream_base::client, client_ec);
                if (!client_ec) {
                    net::write(client, net::buffer("ping", 4), client_ec);
                }
            });
            // The first bytes of the ClientHello, read before the TLS stream exists.
            char first[64];
            std::size_t n = s.read_some(net::buffer(first));
            ssl::stream<tcp::socket> server(std::move(s), server_ctx);
            error_code ec;
            if (with_ec) {
                server.handshake(ssl::stream_base::server, net::buffer(first, n), ec);
            } else {
                BOOST_CHECK_NO_THROW(
                    server.handshake(ssl::stream_base::server, net::buffer(first, n)));
            }
            BOOST_TEST(!ec, ec.message());
            char got[4] = {};
            if (!ec) {
                net::read(server, net::buffer(got), ec);
            }
            client_thread.join();
            BOOST_TEST(!client_ec, client_ec.message());
            BOOST_TEST(!ec, ec.message());
            BOOST_TEST(std::string(got, 4) == "ping");
        }
    }
}

BOOST_AUTO_TEST_CASE(buffered_handshake_with_garbage_fails_cleanly) {
    net::io_context io;
    auto [c, s] = tcp_pair(io);
    auto server_ctx = server_context();
    ssl::stream<tcp::socket> server(std::move(s), server_ctx);
    const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    error_code ec;
    std::size_t used = 99;
    server.async_handshake(ssl::stream_base::server, net::buffer(http),
                           [&](error_code hec, std::size_t n) {
                               ec = hec;
                               used = n;
                           });
    run_bounded(io);
    BOOST_TEST(ec == tlsio::condition::protocol_error, ec.message());
    BOOST_TEST(used == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(stream_truncated_compares_equal_to_asio_ssl) {
    error_code ec = tlsio::error::stream_truncated;
    BOOST_TEST((ec == net::ssl::error::stream_truncated), ec.message());
    BOOST_TEST((ec == tlsio::error::stream_truncated), ec.message());
    BOOST_TEST((ec != net::error::eof));

    auto server = server_context();
    auto client_ctx = client_context();
    net::io_context io;
    auto [c, s] = tcp_pair(io);
    ssl::stream<tcp::socket> client(std::move(c), client_ctx);
    ssl::stream<tcp::socket> srv(std::move(s), server);
    client.set_host("localhost");
    error_code read_ec;
    char byte = 0;
    client.async_handshake(ssl::stream_base::client, [&](error_code hec) {
        BOOST_TEST(!hec, hec.message());
        client.async_read_some(net::buffer(&byte, 1),
                               [&](error_code rec, std::size_t) { read_ec = rec; });
    });
    srv.async_handshake(ssl::stream_base::server, [&](error_code hec) {
        BOOST_TEST(!hec, hec.message());
        srv.next_layer().close();  // no close_notify
    });
    run_bounded(io);
    BOOST_TEST((read_ec == net::ssl::error::stream_truncated), read_ec.message());
    BOOST_TEST((read_ec == tlsio::error::stream_truncated), read_ec.message());
}

#if TLSIO_TEST_HAVE_SPAWN

namespace http = beast::http;

namespace {

// ---- An HTTPS client in the shape of Beast's http_client_coro_ssl ----------
// Changed from the asio::ssl version: the includes, `namespace ssl = tlsio`,
// `tlsio::ssl_stream` for `beast::ssl_stream`, the method (tls_client for
// tlsv12_client) and set_host for SSL_set_tlsext_host_name (README.md,
// "Moving from asio::ssl").

std::string client_log;

void fail(beast::error_code ec, char const* what) {
    client_log += std::string(what) + ": " + ec.message() + "\n";
}

void do_session(std::string const& host, std::string const& port, std::string const& target,
                int version, net::io_context& ioc, ssl::context& ctx, net::yield_context yield) {
    beast::error_code ec;

    tcp::resolver resolver(ioc);
    tlsio::ssl_stream<beast::tcp_stream> stream(ioc, ctx);

    // SNI, and the name the certificate must match.
    stream.set_host(host);

    auto const results = resolver.async_resolve(host, port, yield[ec]);
    if (ec)
        return fail(ec, "resolve");

    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    get_lowest_layer(stream).async_connect(results, yield[ec]);
    if (ec)
        return fail(ec, "connect");

    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    stream.async_handshake(ssl::stream_base::client, yield[ec]);
    if (ec)
        return fail(ec, "handshake");

    http::request<http::string_body> req{http::verb::get, target, version};
    req.set(http::field::host, host);
    req.set(http::field::user_agent, BOOST_BEAST_VERSION_STRING);

    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    http::async_write(stream, req, yield[ec]);
    if (ec)
        return fail(ec, "write");

    beast::flat_buffer b;
    http::response<http::dynamic_body> res;
    http::async_read(stream, b, res, yield[ec]);
    if (ec)
        return fail(ec, "read");

    client_log += "status " + std::to_string(res.result_int()) + " body " +
                  beast::buffers_to_string(res.body().data()) + "\n";

    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    stream.async_shutdown(yield[ec]);
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
        ec = {};
    }
    if (ec)
        return fail(ec, "shutdown");
    client_log += "closed\n";
}

// A one-request server in the style of Beast's http_server_coro_ssl.
void do_server(tcp::acceptor& acceptor, ssl::context& ctx, net::yield_context yield) {
    beast::error_code ec;
    tcp::socket socket(acceptor.get_executor());
    acceptor.async_accept(socket, yield[ec]);
    BOOST_REQUIRE(!ec);
    tlsio::ssl_stream<beast::tcp_stream> stream(std::move(socket), ctx);
    stream.async_handshake(ssl::stream_base::server, yield[ec]);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::async_read(stream, buffer, req, yield[ec]);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.body() = "hello " + std::string(req.target());
    res.prepare_payload();
    http::async_write(stream, res, yield[ec]);
    BOOST_REQUIRE_MESSAGE(!ec, ec.message());
    stream.async_shutdown(yield[ec]);
    if (ec == net::ssl::error::stream_truncated) {
        ec = {};
    }
    BOOST_TEST(!ec, ec.message());
}

}  // namespace

BOOST_AUTO_TEST_CASE(beast_http_client_coro_ssl_port) {
    net::io_context ioc;
    ssl::context server_ctx{ssl::context::tls_server};
    load_server_certificate(server_ctx);
    tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
    std::string port = std::to_string(acceptor.local_endpoint().port());

    // As in the example's main().
    ssl::context ctx{ssl::context::tls_client};
    load_root_certificates(ctx);
    ctx.set_verify_mode(ssl::verify_peer);

    net::spawn(
        ioc, [&](net::yield_context yield) { do_server(acceptor, server_ctx, yield); },
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    net::spawn(
        ioc,
        [&](net::yield_context yield) {
            do_session("localhost", port, "/index.html", 11, ioc, ctx, yield);
        },
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    run_bounded(ioc);
    BOOST_TEST(client_log == "status 200 body hello /index.html\nclosed\n");
}

#endif
