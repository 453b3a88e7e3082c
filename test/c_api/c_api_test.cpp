// Unit tests of the C facade (tlsio/ssl.h): tlsio against tlsio over BIO pairs,
// memory BIOs and sockets (blocking and non-blocking), configuration, error
// queue contents, ownership rules and misuse (each a clear error, never a crash).
#include <tlsio/ssl.h>

#define BOOST_TEST_MODULE c_api_test
#include <boost/test/unit_test.hpp>

#include "support/pki.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace tlsio::test;

namespace {

const authority& test_ca() {
    static const authority ca = authority::make_root("c_api unit CA");
    return ca;
}

const issued& server_cert() {
    static const issued leaf = [] {
        leaf_options o;
        o.ip_addresses = {"127.0.0.1"};
        return test_ca().issue(o);
    }();
    return leaf;
}

// Everything queued, as one string (clears the queue).
std::string errors() {
    std::string all;
    unsigned long e = 0;
    const char* data = nullptr;
    int flags = 0;
    while ((e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        all += buf;
        if (data != nullptr && (flags & ERR_TXT_STRING) != 0) {
            all += " [";
            all += data;
            all += "]";
        }
        all += "\n";
    }
    return all;
}

struct ctx_ptr {
    TLSIO_CTX* p;
    explicit ctx_ptr(TLSIO_CTX* c) : p(c) {}
    ~ctx_ptr() { tlsio_CTX_free(p); }
    ctx_ptr(const ctx_ptr&) = delete;
    ctx_ptr& operator=(const ctx_ptr&) = delete;
    operator TLSIO_CTX*() const { return p; }
};

struct ssl_ptr {
    TLSIO* p;
    explicit ssl_ptr(TLSIO* s) : p(s) {}
    ~ssl_ptr() { tlsio_free(p); }
    ssl_ptr(const ssl_ptr&) = delete;
    ssl_ptr& operator=(const ssl_ptr&) = delete;
    operator TLSIO*() const { return p; }
};

TLSIO_CTX* make_server_ctx(const issued& cert = server_cert()) {
    TLSIO_CTX* ctx = tlsio_CTX_new(tlsio_server_method());
    BOOST_REQUIRE(ctx != nullptr);
    BOOST_REQUIRE_EQUAL(
        tlsio_CTX_use_certificate_chain_mem(ctx, cert.chain_pem.data(), cert.chain_pem.size()), 1);
    BOOST_REQUIRE_EQUAL(tlsio_CTX_use_PrivateKey_mem(ctx, cert.key_pem.data(), cert.key_pem.size()),
                        1);
    return ctx;
}

TLSIO_CTX* make_client_ctx(bool verify = true) {
    TLSIO_CTX* ctx = tlsio_CTX_new(tlsio_client_method());
    BOOST_REQUIRE(ctx != nullptr);
    const std::string& ca = server_cert().ca_pem;
    BOOST_REQUIRE_EQUAL(tlsio_CTX_load_verify_mem(ctx, ca.data(), ca.size()), 1);
    tlsio_CTX_set_verify(ctx, verify ? TLSIO_VERIFY_PEER : TLSIO_VERIFY_NONE, nullptr);
    return ctx;
}

struct error_queue_cleared {
    error_queue_cleared() { ERR_clear_error(); }
};

/// With the error queue cleared first: a client connection (verifying,
/// expecting "localhost") and a server connection on fresh contexts, not
/// wired to anything yet. As a fixture, the test case sees cctx, sctx, c, s.
struct connections : error_queue_cleared {
    ctx_ptr cctx{make_client_ctx()};
    ctx_ptr sctx{make_server_ctx()};
    ssl_ptr c{tlsio_new(cctx)};
    ssl_ptr s{tlsio_new(sctx)};
    connections() { tlsio_set1_host(c, "localhost"); }
};

// Connects two connections with a BIO pair.
void pair_up(TLSIO* client, TLSIO* server, size_t buffer = 0) {
    BIO* a = nullptr;
    BIO* b = nullptr;
    BOOST_REQUIRE_EQUAL(BIO_new_bio_pair(&a, buffer, &b, buffer), 1);
    tlsio_set_bio(client, a, a);
    tlsio_set_bio(server, b, b);
    tlsio_set_connect_state(client);
    tlsio_set_accept_state(server);
}

// Runs both handshakes in turns until both finish or one fails.
// Returns {client result, server result}.
std::pair<int, int> handshake(TLSIO* client, TLSIO* server) {
    int rc = -1;
    int rs = -1;
    for (int i = 0; i < 50; ++i) {
        if (rc != 1) {
            rc = tlsio_do_handshake(client);
            int e = tlsio_get_error(client, rc);
            if (rc != 1 && e != TLSIO_ERROR_WANT_READ && e != TLSIO_ERROR_WANT_WRITE) {
                // The other side may still have the alert to read.
                rs = tlsio_do_handshake(server);
                return {rc, rs};
            }
        }
        if (rs != 1) {
            rs = tlsio_do_handshake(server);
            int e = tlsio_get_error(server, rs);
            if (rs != 1 && e != TLSIO_ERROR_WANT_READ && e != TLSIO_ERROR_WANT_WRITE) {
                rc = tlsio_do_handshake(client);
                return {rc, rs};
            }
        }
        if (rc == 1 && rs == 1) {
            break;
        }
    }
    return {rc, rs};
}

}  // namespace

BOOST_AUTO_TEST_CASE(bio_pair_handshake_data_and_close) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    BOOST_REQUIRE_EQUAL(tlsio_set_tlsext_host_name(c, "localhost"), 1);
    BOOST_REQUIRE_EQUAL(tlsio_set1_host(c, "localhost"), 1);
    pair_up(c, s);
    BOOST_TEST(tlsio_get_version(c) == std::string("unknown"));
    BOOST_TEST(tlsio_get_cipher_name(c) == std::string("(NONE)"));
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(rc, 1);
    BOOST_REQUIRE_EQUAL(rs, 1);
    BOOST_TEST(tlsio_is_init_finished(c) == 1);
    BOOST_TEST(tlsio_get_version(c) == std::string("TLSv1.3"));
    BOOST_TEST(tlsio_version(c) == 0x0304);
    BOOST_TEST(tlsio_get_cipher_name(c) == std::string("TLS_AES_256_GCM_SHA384"));
    BOOST_TEST(tlsio_get_cipher_bits(c, nullptr) == 256);
    BOOST_TEST(tlsio_get_verify_result(c) == X509_V_OK);
    BOOST_TEST(tlsio_get_servername(s, 0) == std::string("localhost"));

    X509* peer = tlsio_get1_peer_certificate(c);
    BOOST_REQUIRE(peer != nullptr);
    BOOST_TEST(X509_cmp(peer, server_cert().leaf.get()) == 0);
    X509_free(peer);
    STACK_OF(X509)* chain = tlsio_get1_peer_cert_chain(c);
    BOOST_REQUIRE(chain != nullptr);
    BOOST_TEST(sk_X509_num(chain) == 1);
    sk_X509_pop_free(chain, X509_free);
    BOOST_TEST(tlsio_get1_peer_certificate(s) == nullptr);  // no client certificate

    BOOST_TEST(tlsio_write(c, "hello world", 11) == 11);
    char buf[64];
    BOOST_TEST(tlsio_read(s, buf, 5) == 5);
    BOOST_TEST(tlsio_pending(s) == 6);
    BOOST_TEST(tlsio_has_pending(s) == 1);
    size_t got = 0;
    BOOST_TEST(tlsio_read_ex(s, buf + 5, sizeof buf - 5, &got) == 1);
    BOOST_TEST(got == 6u);
    BOOST_TEST(std::string(buf, 11) == "hello world");
    size_t written = 0;
    BOOST_TEST(tlsio_write_ex(s, "ok", 2, &written) == 1);
    BOOST_TEST(written == 2u);
    BOOST_TEST(tlsio_read(c, buf, sizeof buf) == 2);

    // Nothing more: WANT_READ on the pair.
    int r = tlsio_read(c, buf, sizeof buf);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_WANT_READ);
    BOOST_TEST(tlsio_want_read(c) == 1);

    // Two-step shutdown.
    BOOST_TEST(tlsio_shutdown(c) == 0);
    BOOST_TEST(tlsio_get_shutdown(c) == TLSIO_SENT_SHUTDOWN);
    r = tlsio_shutdown(c);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_WANT_READ);
    r = tlsio_read(s, buf, sizeof buf);
    BOOST_TEST(r == 0);
    BOOST_TEST(tlsio_get_error(s, r) == TLSIO_ERROR_ZERO_RETURN);
    BOOST_TEST(tlsio_shutdown(s) == 1);  // the peer's came first
    BOOST_TEST(tlsio_shutdown(c) == 1);
    BOOST_TEST(tlsio_get_shutdown(c) == (TLSIO_SENT_SHUTDOWN | TLSIO_RECEIVED_SHUTDOWN));
    r = tlsio_write(c, "x", 1);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_SSL);
    BOOST_TEST(errors().find("protocol is shutdown") != std::string::npos);
    BOOST_TEST(errors().empty());
}

BOOST_AUTO_TEST_CASE(has_pending_counts_records_not_yet_opened) {
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    BOOST_REQUIRE_EQUAL(tlsio_set1_host(c, "localhost"), 1);
    pair_up(c, s);
    auto [rc, rs] = handshake(c, s);
    BOOST_REQUIRE_EQUAL(rc, 1);
    BOOST_REQUIRE_EQUAL(rs, 1);
    BOOST_TEST(tlsio_write(c, "hello", 5) == 5);  // two records, read from the
    BOOST_TEST(tlsio_write(c, "world", 5) == 5);  // BIO together
    char buf[5];
    BOOST_TEST(tlsio_read(s, buf, 5) == 5);
    BOOST_TEST(std::string(buf, 5) == "hello");
    BOOST_TEST(tlsio_pending(s) == 0);      // nothing decrypted is waiting,
    BOOST_TEST(tlsio_has_pending(s) == 1);  // but the second record is here
    BOOST_TEST(tlsio_read(s, buf, 5) == 5);
    BOOST_TEST(std::string(buf, 5) == "world");
    BOOST_TEST(tlsio_has_pending(s) == 0);
}

BOOST_FIXTURE_TEST_CASE(memory_bios_moved_by_hand, connections) {
    BIO* c_in = BIO_new(BIO_s_mem());
    BIO* c_out = BIO_new(BIO_s_mem());
    BIO* s_in = BIO_new(BIO_s_mem());
    BIO* s_out = BIO_new(BIO_s_mem());
    tlsio_set_bio(c, c_in, c_out);
    tlsio_set_bio(s, s_in, s_out);
    BOOST_TEST(tlsio_get_rbio(c) == c_in);
    BOOST_TEST(tlsio_get_wbio(c) == c_out);
    auto move = [](BIO* from, BIO* to) {
        char buf[4096];
        int n = 0;
        while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
            BIO_write(to, buf, n);
        }
    };
    int rc = 0;
    int rs = 0;
    for (int i = 0; i < 10 && (rc != 1 || rs != 1); ++i) {
        rc = tlsio_connect(c);
        move(c_out, s_in);
        rs = tlsio_accept(s);
        move(s_out, c_in);
    }
    BOOST_TEST_INFO(errors());
    BOOST_TEST(rc == 1);
    BOOST_TEST(rs == 1);
    BOOST_TEST(tlsio_is_server(s) == 1);
    BOOST_TEST(tlsio_is_server(c) == 0);
}

BOOST_FIXTURE_TEST_CASE(large_write_is_taken_whole, connections) {
    pair_up(c, s, 1 << 20);
    BOOST_REQUIRE(handshake(c, s) == std::make_pair(1, 1));
    std::vector<char> data(300000);
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<char>(i * 7);
    }
    BOOST_TEST(tlsio_write(c, data.data(), static_cast<int>(data.size())) ==
               static_cast<int>(data.size()));
    std::vector<char> got;
    char buf[20000];
    int n = 0;
    while ((n = tlsio_read(s, buf, sizeof buf)) > 0) {
        got.insert(got.end(), buf, buf + n);
    }
    BOOST_TEST(tlsio_get_error(s, n) == TLSIO_ERROR_WANT_READ);
    BOOST_TEST((got == data));
}

BOOST_FIXTURE_TEST_CASE(partial_write_mode_and_write_retry, connections) {
    pair_up(c, s, 40000);  // smaller than one 64 KiB chunk
    BOOST_REQUIRE(handshake(c, s) == std::make_pair(1, 1));
    std::vector<char> data(100000, 'a');
    int r = tlsio_write(c, data.data(), static_cast<int>(data.size()));
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_WANT_WRITE);
    // Retrying with fewer bytes than were taken is an error, as in OpenSSL.
    r = tlsio_write(c, data.data(), 10);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_SSL);
    BOOST_TEST(errors().find("bad write retry") != std::string::npos);
    // The same call, repeated while the peer reads, completes with everything.
    char buf[16384];
    long received = 0;
    for (int i = 0; i < 1000; ++i) {
        r = tlsio_write(c, data.data(), static_cast<int>(data.size()));
        if (r > 0) {
            break;
        }
        BOOST_REQUIRE(tlsio_get_error(c, r) == TLSIO_ERROR_WANT_WRITE);
        int n = 0;
        while ((n = tlsio_read(s, buf, sizeof buf)) > 0) {
            received += n;
        }
    }
    BOOST_TEST(r == 100000);
    int n = 0;
    while ((n = tlsio_read(s, buf, sizeof buf)) > 0) {
        received += n;
    }
    BOOST_TEST(received == 100000);

    // With ENABLE_PARTIAL_WRITE a write returns what left.
    BOOST_TEST((tlsio_set_mode(c, TLSIO_MODE_ENABLE_PARTIAL_WRITE) &
                TLSIO_MODE_ENABLE_PARTIAL_WRITE) != 0);
    r = tlsio_write(c, data.data(), static_cast<int>(data.size()));
    BOOST_TEST(r == -1);  // the first 64 KiB do not fit in 40000 bytes
    while ((n = tlsio_read(s, buf, sizeof buf)) > 0) {
    }
    r = tlsio_write(c, data.data(), static_cast<int>(data.size()));
    BOOST_TEST(r > 0);
    BOOST_TEST(r < 100000);
}

BOOST_AUTO_TEST_CASE(alpn_client_list_and_server_select_callback) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    static const unsigned char client_protos[] = "\x02h2\x08http/1.1";
    BOOST_TEST(tlsio_CTX_set_alpn_protos(cctx, client_protos, sizeof client_protos - 1) == 0);
    static const unsigned char bad[] = "\x05h2";
    BOOST_TEST(tlsio_CTX_set_alpn_protos(cctx, bad, sizeof bad - 1) == 1);  // inverted convention
    ERR_clear_error();
    tlsio_CTX_set_alpn_select_cb(
        sctx,
        [](TLSIO*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
           unsigned int inlen, void*) {
            static const unsigned char ours[] = "\x08http/1.1\x02h2";
            unsigned char* o = nullptr;
            int r = tlsio_select_next_proto(&o, outlen, ours, sizeof ours - 1, in, inlen);
            *out = o;
            return r == 1 ? TLSIO_TLSEXT_ERR_OK : TLSIO_TLSEXT_ERR_NOACK;
        },
        nullptr);
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    pair_up(c, s);
    BOOST_REQUIRE(handshake(c, s) == std::make_pair(1, 1));
    const unsigned char* p = nullptr;
    unsigned int n = 0;
    tlsio_get0_alpn_selected(c, &p, &n);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(p), n) == "http/1.1");
    tlsio_get0_alpn_selected(s, &p, &n);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(p), n) == "http/1.1");

    // A callback that refuses: the client learns no_application_protocol.
    tlsio_CTX_set_alpn_select_cb(
        sctx,
        [](TLSIO*, const unsigned char**, unsigned char*, const unsigned char*, unsigned int,
           void*) { return TLSIO_TLSEXT_ERR_ALERT_FATAL; },
        nullptr);
    ssl_ptr c2(tlsio_new(cctx));
    ssl_ptr s2(tlsio_new(sctx));
    tlsio_set1_host(c2, "localhost");
    pair_up(c2, s2);
    auto [rc, rs] = handshake(c2, s2);
    BOOST_TEST(rc == -1);
    BOOST_TEST(rs == -1);
    std::string e = errors();
    BOOST_TEST_INFO(e);
    BOOST_TEST(e.find("peer sent alert no_application_protocol") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verification_errors_are_specific_on_the_queue) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "wrong.example");
    pair_up(c, s);
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST(rc == -1);
    BOOST_TEST(tlsio_get_error(c, rc) == TLSIO_ERROR_SSL);
    BOOST_TEST(tlsio_get_verify_result(c) == X509_V_ERR_HOSTNAME_MISMATCH);
    unsigned long code = ERR_peek_error();
    BOOST_TEST(ERR_GET_LIB(code) == tlsio_err_library());
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    BOOST_TEST_INFO(text);
    BOOST_TEST(std::string(text).find(":tlsio:") != std::string::npos);
    BOOST_TEST(std::string(text).find("certificate verify failed: host name mismatch") !=
               std::string::npos);
    BIO* mem = BIO_new(BIO_s_mem());
    ERR_print_errors(mem);
    char* data = nullptr;
    long len = BIO_get_mem_data(mem, &data);
    std::string printed(data, static_cast<size_t>(len));
    BIO_free(mem);
    BOOST_TEST_INFO(printed);
    BOOST_TEST(printed.find("wrong.example") != std::string::npos);  // the engine's message
    // The server saw the client's alert.
    BOOST_TEST(rs == -1);
    (void)ERR_get_error();
}

BOOST_AUTO_TEST_CASE(peer_alert_is_named) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    BOOST_TEST(tlsio_CTX_set_ciphersuites(cctx, "TLS_AES_128_GCM_SHA256") == 1);
    BOOST_TEST(tlsio_CTX_set_ciphersuites(sctx, "TLS_AES_256_GCM_SHA384:TLS_NOT_A_SUITE") == 1);
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    pair_up(c, s);
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST(rc == -1);
    BOOST_TEST(rs == -1);
    std::string e = errors();
    BOOST_TEST_INFO(e);
    BOOST_TEST(e.find("peer sent alert handshake_failure") != std::string::npos);
    // Calls after a failure say so.
    char buf[8];
    int r = tlsio_read(c, buf, sizeof buf);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_SSL);
    BOOST_TEST(errors().find("failed earlier") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verify_callback_and_verify_none) {
    ERR_clear_error();
    static int calls;
    calls = 0;
    // VERIFY_PEER with a callback that accepts anything: an untrusted server passes.
    TLSIO_CTX* raw = tlsio_CTX_new(tlsio_client_method());
    ctx_ptr cctx(raw);
    tlsio_CTX_set_verify(cctx, TLSIO_VERIFY_PEER, [](int, X509_STORE_CTX*) {
        ++calls;
        return 1;
    });
    BOOST_TEST(tlsio_CTX_get_verify_mode(cctx) == TLSIO_VERIFY_PEER);
    ctx_ptr sctx(make_server_ctx());
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    pair_up(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE(handshake(c, s) == std::make_pair(1, 1));
    BOOST_TEST(calls > 0);
    BOOST_TEST(tlsio_get_verify_result(c) != X509_V_OK);

    // Per connection: VERIFY_PEER without callback fails on the same server.
    ssl_ptr c2(tlsio_new(cctx));
    ssl_ptr s2(tlsio_new(sctx));
    tlsio_set_verify(c2, TLSIO_VERIFY_PEER, nullptr);
    tlsio_set1_host(c2, "localhost");
    pair_up(c2, s2);
    BOOST_TEST(handshake(c2, s2).first == -1);
    BOOST_TEST(tlsio_get_verify_result(c2) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    ERR_clear_error();
}

BOOST_AUTO_TEST_CASE(client_certificate_required) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    const std::string& ca = server_cert().ca_pem;
    BOOST_REQUIRE(tlsio_CTX_load_verify_mem(sctx, ca.data(), ca.size()) == 1);
    tlsio_CTX_set_verify(sctx, TLSIO_VERIFY_PEER | TLSIO_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    {
        ssl_ptr c(tlsio_new(cctx));
        ssl_ptr s(tlsio_new(sctx));
        tlsio_set1_host(c, "localhost");
        pair_up(c, s);
        auto [rc, rs] = handshake(c, s);
        BOOST_TEST(rs == -1);
        ERR_clear_error();
    }
    leaf_options o;
    o.common_name = "client";
    o.dns_names = {};
    issued client_cert = test_ca().issue(o);
    // Key first, then the chain: OpenSSL takes them in either order.
    BOOST_REQUIRE(tlsio_CTX_use_PrivateKey_mem(cctx, client_cert.key_pem.data(),
                                               client_cert.key_pem.size()) == 1);
    BOOST_REQUIRE(tlsio_CTX_use_certificate_chain_mem(cctx, client_cert.chain_pem.data(),
                                                      client_cert.chain_pem.size()) == 1);
    BOOST_TEST(tlsio_CTX_check_private_key(cctx) == 1);
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    pair_up(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE(handshake(c, s) == std::make_pair(1, 1));
    X509* peer = tlsio_get1_peer_certificate(s);
    BOOST_TEST(peer != nullptr);
    X509_free(peer);
}

BOOST_AUTO_TEST_CASE(context_configuration) {
    ERR_clear_error();
    ctx_ptr ctx(tlsio_CTX_new(tlsio_method()));
    BOOST_TEST(tlsio_CTX_set_min_proto_version(ctx, 0x0303) == 1);  // TLS1_2_VERSION
    BOOST_TEST(tlsio_CTX_get_min_proto_version(ctx) == 0x0303);
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0x0304) == 1);
    BOOST_TEST(tlsio_CTX_set_min_proto_version(ctx, 0x9999) == 0);
    ERR_clear_error();
    uint64_t options = tlsio_CTX_get_options(ctx);
    BOOST_TEST((options & TLSIO_OP_ENABLE_MIDDLEBOX_COMPAT) != 0);
    BOOST_TEST((options & TLSIO_OP_NO_COMPRESSION) != 0);
    uint64_t no_old = (uint64_t{1} << 25) | (uint64_t{1} << 26) | (uint64_t{1} << 30);
    BOOST_TEST(tlsio_CTX_set_options(ctx, no_old) == (options | no_old));
    BOOST_TEST(tlsio_CTX_clear_options(ctx, no_old) == options);
    BOOST_TEST(tlsio_CTX_set1_groups_list(ctx, "X25519:P-256:secp384r1") == 1);
    // ffdhe2048 is supported since issue 9; brainpoolP256r1 is not (TLS 1.3 has
    // no code point for it).
    BOOST_TEST(tlsio_CTX_set1_groups_list(ctx, "X448:P-521:ffdhe2048:ffdhe8192") == 1);
    // The post-quantum hybrids, by the names OpenSSL 3.5 uses too.
    BOOST_TEST(tlsio_CTX_set1_groups_list(
                   ctx, "X25519MLKEM768:SecP256r1MLKEM768:SecP384r1MLKEM1024:X25519") == 1);
    BOOST_TEST(tlsio_CTX_set1_groups_list(ctx, "X25519:brainpoolP256r1") == 0);
    BOOST_TEST(errors().find("brainpoolP256r1") != std::string::npos);
    BOOST_TEST(tlsio_CTX_set_ciphersuites(ctx, "TLS_AES_128_CCM_SHA256") == 1);
    BOOST_TEST(tlsio_CTX_set_ciphersuites(ctx, "TLS_CHACHA20_POLY1305_SHA256") == 1);
    BOOST_TEST(tlsio_CTX_set_ciphersuites(ctx, "RC4-MD5") == 0);
    BOOST_TEST(tlsio_CTX_set_cipher_list(ctx, "HIGH:!aNULL") == 1);
    ERR_clear_error();
    BOOST_TEST(tlsio_CTX_use_PrivateKey_file(ctx, "/nonexistent/key.pem", TLSIO_FILETYPE_PEM) == 0);
    BOOST_TEST(errors().find("/nonexistent/key.pem") != std::string::npos);
    BOOST_TEST(tlsio_CTX_use_certificate_chain_mem(ctx, "not pem", 7) == 0);
    BOOST_TEST(errors().find("no PEM certificate") != std::string::npos);
    BOOST_TEST(tlsio_CTX_check_private_key(ctx) == 0);
    BOOST_TEST(tlsio_CTX_load_verify_locations(ctx, nullptr, nullptr) == 0);
    BOOST_TEST(tlsio_CTX_load_verify_locations(ctx, "/nonexistent/ca.pem", nullptr) == 0);
    BOOST_TEST(tlsio_CTX_set_default_verify_paths(ctx) == 1);
    ERR_clear_error();
    BOOST_TEST(tlsio_CTX_up_ref(ctx) == 1);
    tlsio_CTX_free(ctx);  // drops the extra reference only

    // Files, through the temp-file writer of the test PKI.
    temp_files files = server_cert().write_files();
    ctx_ptr f(tlsio_CTX_new(tlsio_server_method()));
    BOOST_TEST(tlsio_CTX_use_certificate_chain_file(f, files.chain_path.c_str()) == 1);
    BOOST_TEST(tlsio_CTX_use_PrivateKey_file(f, files.key_path.c_str(), TLSIO_FILETYPE_PEM) == 1);
    BOOST_TEST(tlsio_CTX_check_private_key(f) == 1);
    BOOST_TEST(tlsio_CTX_load_verify_locations(f, files.ca_path.c_str(), nullptr) == 1);
    BOOST_TEST(tlsio_CTX_use_certificate_file(f, files.chain_path.c_str(), TLSIO_FILETYPE_PEM) ==
               1);
    BOOST_TEST(tlsio_CTX_use_PrivateKey(f, server_cert().key.native()) == 1);
    BOOST_TEST(tlsio_CTX_use_certificate(f, server_cert().leaf.get()) == 1);
    BOOST_TEST(errors().empty());

    // select_next_proto without overlap: the client's first, NO_OVERLAP.
    unsigned char* out = nullptr;
    unsigned char outlen = 0;
    const unsigned char server[] = "\x02h2";
    const unsigned char client[] =
        "\x03"
        "foo\x03"
        "bar";
    BOOST_TEST(tlsio_select_next_proto(&out, &outlen, server, 3, client, 8) == 2);
    BOOST_TEST(std::string(reinterpret_cast<char*>(out), outlen) == "foo");
}

BOOST_AUTO_TEST_CASE(options_that_act) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set_options(c, TLSIO_OP_NO_TLSv1_2 | TLSIO_OP_NO_TLSv1_3);
    pair_up(c, s);
    int r = tlsio_do_handshake(c);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_SSL);
    BOOST_TEST(errors().find("no protocols available") != std::string::npos);

    // IGNORE_UNEXPECTED_EOF: a transport EOF reads as a close.
    ssl_ptr c2(tlsio_new(cctx));
    ssl_ptr s2(tlsio_new(sctx));
    tlsio_set1_host(c2, "localhost");
    tlsio_set_options(c2, TLSIO_OP_IGNORE_UNEXPECTED_EOF);
    pair_up(c2, s2);
    BOOST_REQUIRE(handshake(c2, s2) == std::make_pair(1, 1));
    BIO_shutdown_wr(tlsio_get_wbio(s2));
    char buf[8];
    r = tlsio_read(c2, buf, sizeof buf);
    BOOST_TEST(r == 0);
    BOOST_TEST(tlsio_get_error(c2, r) == TLSIO_ERROR_ZERO_RETURN);

    // Without it: 0 and SSL_ERROR_SSL, "unexpected eof".
    ssl_ptr c3(tlsio_new(cctx));
    ssl_ptr s3(tlsio_new(sctx));
    tlsio_set1_host(c3, "localhost");
    pair_up(c3, s3);
    BOOST_REQUIRE(handshake(c3, s3) == std::make_pair(1, 1));
    BIO_shutdown_wr(tlsio_get_wbio(s3));
    r = tlsio_read(c3, buf, sizeof buf);
    BOOST_TEST(r == 0);
    BOOST_TEST(tlsio_get_error(c3, r) == TLSIO_ERROR_SSL);
    BOOST_TEST(errors().find("unexpected eof") != std::string::npos);
}

namespace {

// A handshake over a BIO pair of fresh connections on `cctx` / `sctx`;
// {client version, client cipher name}, or {"", error queue} when it fails.
std::pair<std::string, std::string> negotiate(
    TLSIO_CTX* cctx, TLSIO_CTX* sctx, const std::function<void(TLSIO*, TLSIO*)>& tune = {}) {
    ERR_clear_error();
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    if (tune) {
        tune(c, s);
    }
    pair_up(c, s);
    if (handshake(c, s) != std::make_pair(1, 1)) {
        return {"", errors()};
    }
    BOOST_TEST(tlsio_get_version(s) == tlsio_get_version(c));
    BOOST_TEST(tlsio_get_cipher_name(s) == tlsio_get_cipher_name(c));
    return {tlsio_get_version(c), tlsio_get_cipher_name(c)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(bio_pair_handshake_at_tls12) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    BOOST_REQUIRE_EQUAL(tlsio_CTX_set_max_proto_version(cctx, 0x0303), 1);  // TLS1_2_VERSION
    BOOST_REQUIRE_EQUAL(tlsio_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES128-GCM-SHA256"), 1);
    std::vector<std::string> keylog;
    static std::vector<std::string>* lines = nullptr;
    lines = &keylog;
    tlsio_CTX_set_keylog_callback(cctx,
                                  [](const TLSIO*, const char* line) { lines->push_back(line); });
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    pair_up(c, s);
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(rc, 1);
    BOOST_REQUIRE_EQUAL(rs, 1);
    for (TLSIO* end : {c.p, s.p}) {
        BOOST_TEST(tlsio_get_version(end) == std::string("TLSv1.2"));
        BOOST_TEST(tlsio_version(end) == 0x0303);
        BOOST_TEST(tlsio_get_cipher_name(end) == std::string("ECDHE-ECDSA-AES128-GCM-SHA256"));
        BOOST_TEST(tlsio_get_cipher_bits(end, nullptr) == 128);
        // What SSL_get_version and SSL_version (the compat header's) say.
        BOOST_TEST(tlsio_libssl_get_version(end) == std::string("TLSv1.2"));
        BOOST_TEST(tlsio_libssl_version(end) == 0x0303);
    }
    BOOST_TEST(tlsio_get_verify_result(c) == X509_V_OK);
    BOOST_REQUIRE_EQUAL(keylog.size(), 1u);
    BOOST_TEST(keylog[0].rfind("CLIENT_RANDOM ", 0) == 0);

    BOOST_TEST(tlsio_write(c, "ping over 1.2", 13) == 13);
    char buf[64];
    BOOST_TEST(tlsio_read(s, buf, sizeof buf) == 13);
    BOOST_TEST(std::string(buf, 13) == "ping over 1.2");
    BOOST_TEST(tlsio_write(s, "pong", 4) == 4);
    BOOST_TEST(tlsio_read(c, buf, sizeof buf) == 4);
    BOOST_TEST(std::string(buf, 4) == "pong");
    BOOST_TEST(tlsio_shutdown(c) == 0);
    int r = tlsio_read(s, buf, sizeof buf);
    BOOST_TEST(r == 0);
    BOOST_TEST(tlsio_get_error(s, r) == TLSIO_ERROR_ZERO_RETURN);
    BOOST_TEST(tlsio_shutdown(s) == 1);
    BOOST_TEST(tlsio_shutdown(c) == 1);
    BOOST_TEST(errors().empty());
}

// As libssl 3.0: SSL3_VERSION .. TLS1_3_VERSION and 0 are accepted bounds,
// anything else fails and leaves the bound; a bound that leaves no version
// tlsio speaks fails the handshake ("no protocols available"), not the call.
BOOST_AUTO_TEST_CASE(version_bounds_as_libssl) {
    ERR_clear_error();
    ctx_ptr ctx(tlsio_CTX_new(tlsio_method()));
    BOOST_TEST(tlsio_CTX_get_min_proto_version(ctx) == 0);
    BOOST_TEST(tlsio_CTX_get_max_proto_version(ctx) == 0);
    BOOST_TEST(tlsio_CTX_set_min_proto_version(ctx, 0x0302) == 1);  // TLS1_1_VERSION
    BOOST_TEST(tlsio_CTX_get_min_proto_version(ctx) == 0x0302);
    BOOST_TEST(tlsio_CTX_set_min_proto_version(ctx, 0x0300) == 1);  // SSL3_VERSION
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0x0302) == 1);
    BOOST_TEST(tlsio_CTX_get_max_proto_version(ctx) == 0x0302);
    BOOST_TEST(errors().empty());
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0x0305) == 0);
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0x02ff) == 0);
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0xfefd) == 0);  // DTLS1_2_VERSION
    BOOST_TEST(tlsio_CTX_get_max_proto_version(ctx) == 0x0302);
    BOOST_TEST(errors().find("bad value") != std::string::npos);
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0) == 1);
    BOOST_TEST(tlsio_CTX_get_max_proto_version(ctx) == 0);

    // A connection copies its context's bounds when made, then has its own.
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0x0304) == 1);
    ssl_ptr conn(tlsio_new(ctx));
    BOOST_TEST(tlsio_get_min_proto_version(conn) == 0x0300);
    BOOST_TEST(tlsio_get_max_proto_version(conn) == 0x0304);
    BOOST_TEST(tlsio_CTX_set_max_proto_version(ctx, 0x0303) == 1);
    BOOST_TEST(tlsio_get_max_proto_version(conn) == 0x0304);
    BOOST_TEST(tlsio_set_max_proto_version(conn, 0x0303) == 1);
    BOOST_TEST(tlsio_get_max_proto_version(conn) == 0x0303);
    BOOST_TEST(tlsio_set_max_proto_version(conn, 0x0305) == 0);
    BOOST_TEST(tlsio_set_min_proto_version(conn, 0x9999) == 0);
    BOOST_TEST(tlsio_get_max_proto_version(conn) == 0x0303);
    BOOST_TEST(tlsio_set_min_proto_version(nullptr, 0x0303) == 0);
    ERR_clear_error();

    // What the bounds negotiate, both ends tlsio.
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    using result = std::pair<std::string, std::string>;
    BOOST_TEST(negotiate(cctx, sctx).second == "TLS_AES_256_GCM_SHA384");
    BOOST_TEST(negotiate(cctx, sctx, [](TLSIO* c, TLSIO*) {
                   tlsio_set_max_proto_version(c, 0x0303);
               }).second == "ECDHE-ECDSA-AES128-GCM-SHA256");
    BOOST_TEST(negotiate(cctx, sctx, [](TLSIO*, TLSIO* s) {
                   tlsio_set_max_proto_version(s, 0x0303);
               }).first == "TLSv1.2");
    BOOST_TEST(negotiate(cctx, sctx, [](TLSIO* c, TLSIO*) {
                   tlsio_set_min_proto_version(c, 0x0301);  // TLS1_VERSION: means 1.2
                   tlsio_set_max_proto_version(c, 0x0303);
               }).first == "TLSv1.2");
    // The options narrow the bounds.
    BOOST_TEST(negotiate(cctx, sctx, [](TLSIO* c, TLSIO*) {
                   tlsio_set_options(c, TLSIO_OP_NO_TLSv1_3);
               }).first == "TLSv1.2");
    BOOST_TEST(negotiate(cctx, sctx, [](TLSIO*, TLSIO* s) {
                   tlsio_set_options(s, TLSIO_OP_NO_TLSv1_2);
               }).first == "TLSv1.3");
    // A 1.2-only client meets a 1.3-only server: protocol_version.
    result refused = negotiate(cctx, sctx, [](TLSIO* c, TLSIO* s) {
        tlsio_set_max_proto_version(c, 0x0303);
        tlsio_set_min_proto_version(s, 0x0304);
    });
    BOOST_TEST(refused.first.empty());
    BOOST_TEST(refused.second.find("alert protocol_version") != std::string::npos, refused.second);
    // Bounds below TLS 1.2, or crossed: the handshake fails at once.
    for (auto tune : {std::function<void(TLSIO*, TLSIO*)>(
                          [](TLSIO*c, TLSIO*) { tlsio_set_max_proto_version(c, 0x0302); }),
                      std::function<void(TLSIO*, TLSIO*)>([](TLSIO*c, TLSIO*) {
                          tlsio_set_min_proto_version(c, 0x0304);
                          tlsio_set_max_proto_version(c, 0x0303);
                      }),
                      std::function<void(TLSIO*, TLSIO*)>([](TLSIO*c, TLSIO*) {
                          tlsio_set_min_proto_version(c, 0x0304);
                          tlsio_set_options(c, TLSIO_OP_NO_TLSv1_3);
                      })}) {
        result none = negotiate(cctx, sctx, tune);
        BOOST_TEST(none.first.empty());
        BOOST_TEST(none.second.find("no protocols available") != std::string::npos, none.second);
    }
}

// TLSv1_2_method and its role forms: TLS 1.2 only, whatever the bounds say.
BOOST_AUTO_TEST_CASE(tls12_methods_speak_tls12_only) {
    ERR_clear_error();
    ctx_ptr cctx(tlsio_CTX_new(tlsio_TLSv1_2_client_method()));
    tlsio_CTX_set_verify(cctx, TLSIO_VERIFY_NONE, nullptr);
    ctx_ptr sctx(make_server_ctx());
    BOOST_TEST(tlsio_CTX_get_min_proto_version(cctx) == 0);  // as libssl: no bound set
    {
        ssl_ptr fresh(tlsio_new(cctx));  // before a handshake, the method's version
        BOOST_TEST(tlsio_libssl_get_version(fresh) == std::string("TLSv1.2"));
        BOOST_TEST(tlsio_libssl_version(fresh) == 0x0303);
    }
    BOOST_TEST(tlsio_CTX_set_max_proto_version(cctx, 0x0304) == 1);
    BOOST_TEST(negotiate(cctx, sctx).first == "TLSv1.2");
    ctx_ptr tls12_server(tlsio_CTX_new(tlsio_TLSv1_2_server_method()));
    const issued& cert = server_cert();
    BOOST_REQUIRE_EQUAL(tlsio_CTX_use_certificate_chain_mem(tls12_server, cert.chain_pem.data(),
                                                            cert.chain_pem.size()),
                        1);
    BOOST_REQUIRE_EQUAL(
        tlsio_CTX_use_PrivateKey_mem(tls12_server, cert.key_pem.data(), cert.key_pem.size()), 1);
    ctx_ptr any_client(make_client_ctx());
    BOOST_TEST(negotiate(any_client, tls12_server).first == "TLSv1.2");
    ctx_ptr either(tlsio_CTX_new(tlsio_TLSv1_2_method()));
    BOOST_TEST(either.p != nullptr);
    // A bound that excludes TLS 1.2: nothing left.
    tlsio_CTX_set_min_proto_version(cctx, 0x0304);
    auto none = negotiate(cctx, sctx);
    BOOST_TEST(none.second.find("no protocols available") != std::string::npos, none.second);
}

BOOST_AUTO_TEST_CASE(cipher_list_as_libssl) {
    ERR_clear_error();
    ctx_ptr ctx(tlsio_CTX_new(tlsio_method()));
    // Nothing tlsio has: 0 and "no cipher match", as libssl for unknown names.
    for (const char* none : {"FOO:BAR", "", "!ALL", "ALL:!ECDHE", "RC4-MD5:AES128-SHA:kRSA",
                             "TLS_AES_128_GCM_SHA256", "aNULL", "ECDHE+CHACHA20+AES128"}) {
        BOOST_TEST(tlsio_CTX_set_cipher_list(ctx, none) == 0, none);
        BOOST_TEST(errors().find("no cipher match") != std::string::npos, none);
    }
    for (const char* some : {"HIGH:!aNULL:!MD5", "DEFAULT", "FOO:ECDHE-RSA-AES128-GCM-SHA256",
                             "ECDHE+AESGCM", "kEECDH+ECDSA+AES128:kEECDH+AES128", "ALL:@STRENGTH",
                             "AES256 CHACHA20,AES128;@SECLEVEL=2"}) {
        BOOST_TEST(tlsio_CTX_set_cipher_list(ctx, some) == 1, some);
    }
    BOOST_TEST(tlsio_CTX_set_cipher_list(nullptr, "ALL") == 0);
    BOOST_TEST(tlsio_CTX_set_cipher_list(ctx, nullptr) == 0);
    ERR_clear_error();

    // The server's list picks the suite (server preference), at TLS 1.2.
    ctx_ptr cctx(make_client_ctx());
    tlsio_CTX_set_max_proto_version(cctx, 0x0303);
    auto with_server_list = [&cctx](const char* list) {
        ctx_ptr sctx(make_server_ctx());
        BOOST_REQUIRE_EQUAL(tlsio_CTX_set_cipher_list(sctx, list), 1);
        return negotiate(cctx, sctx).second;
    };
    BOOST_TEST(with_server_list("ECDHE-ECDSA-CHACHA20-POLY1305") ==
               "ECDHE-ECDSA-CHACHA20-POLY1305");
    BOOST_TEST(with_server_list("ECDHE+AESGCM:-AES256") == "ECDHE-ECDSA-AES128-GCM-SHA256");
    BOOST_TEST(with_server_list("ALL:+AES256:+CHACHA20") == "ECDHE-ECDSA-AES128-GCM-SHA256");
    BOOST_TEST(with_server_list("aRSA:ECDHE-ECDSA-CHACHA20-POLY1305") ==
               "ECDHE-ECDSA-CHACHA20-POLY1305");  // the RSA suites need an RSA key
    BOOST_TEST(with_server_list("!CHACHA20:CHACHA20:AES128") == "ECDHE-ECDSA-AES128-GCM-SHA256");
    // A server list without a suite the client offers: handshake_failure.
    ctx_ptr rsa_only(make_server_ctx());
    BOOST_REQUIRE_EQUAL(tlsio_CTX_set_cipher_list(rsa_only, "aRSA"), 1);
    auto failed = negotiate(cctx, rsa_only);
    BOOST_TEST(failed.first.empty());
    BOOST_TEST(!failed.second.empty());
    // The TLS 1.3 suites are not the cipher list's.
    ctx_ptr sctx13(make_server_ctx());
    BOOST_REQUIRE_EQUAL(tlsio_CTX_set_cipher_list(sctx13, "ECDHE-ECDSA-CHACHA20-POLY1305"), 1);
    ctx_ptr cctx13(make_client_ctx());
    BOOST_TEST(negotiate(cctx13, sctx13).second == "TLS_AES_256_GCM_SHA384");
}

BOOST_AUTO_TEST_CASE(keylog_and_key_update) {
    ERR_clear_error();
    static int lines;
    lines = 0;
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    tlsio_CTX_set_keylog_callback(cctx, [](const TLSIO*, const char* line) {
        BOOST_TEST(std::strchr(line, '\n') == nullptr);
        ++lines;
    });
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    pair_up(c, s);
    BOOST_TEST(tlsio_key_update(c, TLSIO_KEY_UPDATE_REQUESTED) == 0);  // not yet connected
    ERR_clear_error();
    BOOST_REQUIRE(handshake(c, s) == std::make_pair(1, 1));
    BOOST_TEST(lines >= 4);
    BOOST_TEST(tlsio_key_update(c, TLSIO_KEY_UPDATE_REQUESTED) == 1);
    BOOST_TEST(tlsio_do_handshake(c) == 1);  // sends it
    BOOST_TEST(tlsio_write(c, "after", 5) == 5);
    char buf[16];
    BOOST_TEST(tlsio_read(s, buf, sizeof buf) == 5);
    BOOST_TEST(tlsio_write(s, "back", 4) == 4);
    BOOST_TEST(tlsio_read(c, buf, sizeof buf) == 4);
}

BOOST_AUTO_TEST_CASE(set_bio_ownership_rules) {
    ERR_clear_error();
    ctx_ptr ctx(make_client_ctx());
    // Same BIO for both: one reference taken (freed once by tlsio_free).
    {
        ssl_ptr s(tlsio_new(ctx));
        BIO* b = BIO_new(BIO_s_mem());
        tlsio_set_bio(s, b, b);
        // Replacing only the wbio keeps the rbio.
        BIO* w = BIO_new(BIO_s_mem());
        tlsio_set_bio(s, b, w);
        BOOST_TEST(tlsio_get_rbio(s) == b);
        BOOST_TEST(tlsio_get_wbio(s) == w);
        // Replacing only the rbio (they differ): one reference adopted.
        BIO* r = BIO_new(BIO_s_mem());
        tlsio_set_bio(s, r, w);
        BOOST_TEST(tlsio_get_rbio(s) == r);
    }
    // The caller keeps a reference of its own with BIO_up_ref.
    {
        BIO* b = BIO_new(BIO_s_mem());
        BIO_up_ref(b);
        {
            ssl_ptr s(tlsio_new(ctx));
            tlsio_set0_rbio(s, b);
        }
        BOOST_TEST(BIO_write(b, "x", 1) == 1);  // still alive
        BIO_free(b);
    }
    // Fds: set_rfd + set_wfd on one fd share a socket BIO, as in OpenSSL.
    {
        int sv[2];
        BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        ssl_ptr s(tlsio_new(ctx));
        BOOST_TEST(tlsio_set_rfd(s, sv[0]) == 1);
        BOOST_TEST(tlsio_set_wfd(s, sv[0]) == 1);
        BOOST_TEST(tlsio_get_rbio(s) == tlsio_get_wbio(s));
        BOOST_TEST(tlsio_get_fd(s) == sv[0]);
        BOOST_TEST(tlsio_get_wfd(s) == sv[0]);
        close(sv[0]);
        close(sv[1]);
    }
    BOOST_TEST(errors().empty());
}

BOOST_AUTO_TEST_CASE(misuse_is_a_clear_error) {
    ERR_clear_error();
    BOOST_TEST(tlsio_CTX_new(nullptr) == nullptr);
    BOOST_TEST(errors().find("null argument") != std::string::npos);
    BOOST_TEST(tlsio_new(nullptr) == nullptr);
    ERR_clear_error();
    char buf[8];
    size_t n = 0;
    BOOST_TEST(tlsio_connect(nullptr) == -1);
    BOOST_TEST(tlsio_get_error(nullptr, -1) == TLSIO_ERROR_SSL);
    BOOST_TEST(tlsio_accept(nullptr) == -1);
    BOOST_TEST(tlsio_do_handshake(nullptr) == -1);
    BOOST_TEST(tlsio_read(nullptr, buf, 8) == -1);
    BOOST_TEST(tlsio_write(nullptr, buf, 8) == -1);
    BOOST_TEST(tlsio_read_ex(nullptr, buf, 8, &n) == 0);
    BOOST_TEST(tlsio_write_ex(nullptr, buf, 8, &n) == 0);
    BOOST_TEST(tlsio_shutdown(nullptr) == -1);
    BOOST_TEST(tlsio_set_fd(nullptr, 0) == 0);
    BOOST_TEST(tlsio_set_tlsext_host_name(nullptr, "x") == 0);
    BOOST_TEST(tlsio_key_update(nullptr, 0) == 0);
    BOOST_TEST(errors().find("null argument") != std::string::npos);
    tlsio_free(nullptr);
    tlsio_CTX_free(nullptr);
    tlsio_set_bio(nullptr, nullptr, nullptr);
    tlsio_set_connect_state(nullptr);
    BOOST_TEST(tlsio_pending(nullptr) == 0);
    BOOST_TEST(tlsio_get_version(nullptr) == std::string("unknown"));
    BOOST_TEST(tlsio_get1_peer_certificate(nullptr) == nullptr);
    BOOST_TEST(tlsio_get_verify_result(nullptr) == X509_V_OK);
    tlsio_get0_alpn_selected(nullptr, nullptr, nullptr);
    BOOST_TEST(tlsio_get_error(nullptr, 1) == TLSIO_ERROR_NONE);
    ERR_clear_error();

    ctx_ptr ctx(make_client_ctx());
    ctx_ptr any(tlsio_CTX_new(tlsio_method()));
    // No role with TLS_method and do_handshake.
    {
        ssl_ptr s(tlsio_new(any));
        BIO* b = BIO_new(BIO_s_mem());
        tlsio_set_bio(s, b, b);
        int r = tlsio_do_handshake(s);
        BOOST_TEST(r == -1);
        BOOST_TEST(tlsio_get_error(s, r) == TLSIO_ERROR_SSL);
        BOOST_TEST(errors().find("role not set") != std::string::npos);
        r = tlsio_read(s, buf, sizeof buf);
        BOOST_TEST(r == -1);
        ERR_clear_error();
    }
    // No transport.
    {
        ssl_ptr s(tlsio_new(ctx));
        int r = tlsio_connect(s);
        BOOST_TEST(r == -1);
        BOOST_TEST(tlsio_get_error(s, r) == TLSIO_ERROR_SSL);
        BOOST_TEST(errors().find("bio not set") != std::string::npos);
    }
    // Shutdown before the handshake; settings after it started; negative lengths.
    {
        ssl_ptr s(tlsio_new(ctx));
        tlsio_set1_host(s, "localhost");
        tlsio_set_bio(s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        int r = tlsio_shutdown(s);
        BOOST_TEST(r == -1);
        BOOST_TEST(errors().find("shutdown while in init") != std::string::npos);
        r = tlsio_connect(s);
        BOOST_TEST(tlsio_get_error(s, r) == TLSIO_ERROR_WANT_READ);
        BOOST_TEST(tlsio_set_tlsext_host_name(s, "late.example") == 0);
        BOOST_TEST(errors().find("wrong state") != std::string::npos);
        BOOST_TEST(tlsio_read(s, buf, -1) == -1);
        BOOST_TEST(tlsio_write(s, buf, -5) == -1);
        BOOST_TEST(tlsio_read(s, nullptr, 5) == -1);
        BOOST_TEST(errors().find("bad length") != std::string::npos);
        BOOST_TEST(tlsio_key_update(s, 7) == 0);
        BOOST_TEST(tlsio_set_tlsext_host_name(s, "") == 0);
        ERR_clear_error();
    }
    // A server context used to connect.
    {
        ctx_ptr sctx(make_server_ctx());
        ssl_ptr s(tlsio_new(sctx));
        BIO* b = BIO_new(BIO_s_mem());
        tlsio_set_bio(s, b, b);
        BOOST_TEST(tlsio_is_server(s) == 1);
        ERR_clear_error();
    }
    // Freeing with I/O pending: a handshake half done, a write half sent.
    {
        ctx_ptr sctx(make_server_ctx());
        TLSIO* c = tlsio_new(ctx);
        TLSIO* s = tlsio_new(sctx);
        tlsio_set1_host(c, "localhost");
        pair_up(c, s, 2000);
        tlsio_do_handshake(c);
        tlsio_do_handshake(s);  // its flight does not fit in 2000 bytes
        tlsio_free(c);
        tlsio_free(s);
        ERR_clear_error();
    }
    {
        ctx_ptr sctx(make_server_ctx());
        TLSIO* c = tlsio_new(ctx);
        TLSIO* s = tlsio_new(sctx);
        tlsio_set1_host(c, "localhost");
        pair_up(c, s, 20000);
        BOOST_REQUIRE(handshake(c, s) == std::make_pair(1, 1));
        std::vector<char> data(100000, 'z');
        int r = tlsio_write(c, data.data(), static_cast<int>(data.size()));
        BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_WANT_WRITE);
        tlsio_free(s);
        tlsio_free(c);
    }
    // The context outlives its last connection only as long as needed.
    {
        TLSIO_CTX* c = tlsio_CTX_new(tlsio_client_method());
        TLSIO* s = tlsio_new(c);
        tlsio_CTX_free(c);  // the connection holds a reference
        BOOST_TEST(tlsio_get_SSL_CTX(s) == c);
        tlsio_free(s);
    }
    BOOST_TEST(std::string(tlsio_error_name(TLSIO_ERROR_WANT_WRITE)) == "SSL_ERROR_WANT_WRITE");
    ERR_clear_error();
}

namespace {

void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// The man page's loop: repeat the call after select() says the fd is ready.
int drive(TLSIO* s, int fd, const std::function<int()>& call, bool& saw_write) {
    for (int i = 0; i < 100000; ++i) {
        int r = call();
        if (r > 0) {
            return r;
        }
        int e = tlsio_get_error(s, r);
        if (e != TLSIO_ERROR_WANT_READ && e != TLSIO_ERROR_WANT_WRITE) {
            return r;
        }
        saw_write |= e == TLSIO_ERROR_WANT_WRITE;
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        timeval tv{5, 0};
        select(fd + 1, e == TLSIO_ERROR_WANT_READ ? &fds : nullptr,
               e == TLSIO_ERROR_WANT_WRITE ? &fds : nullptr, nullptr, &tv);
    }
    return -1;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sockets_blocking_server_nonblocking_client) {
    ERR_clear_error();
    int sv[2];
    BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    const size_t total = 1 << 20;
    std::thread server([&] {
        ssl_ptr s(tlsio_new(sctx));
        tlsio_set_fd(s, sv[1]);
        if (tlsio_accept(s) != 1) {
            return;
        }
        // Blocking: each call returns only when done.
        std::vector<char> buf(total);
        size_t got = 0;
        while (got < total) {
            int n = tlsio_read(s, buf.data() + got, static_cast<int>(total - got));
            if (n <= 0) {
                return;
            }
            got += static_cast<size_t>(n);
        }
        tlsio_write(s, "done", 4);
        char tmp[8];
        tlsio_read(s, tmp, sizeof tmp);  // close_notify
        tlsio_shutdown(s);
    });
    set_nonblocking(sv[0]);
    int tiny = 1;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &tiny, sizeof tiny);
    ssl_ptr c(tlsio_new(cctx));
    tlsio_set1_host(c, "localhost");
    tlsio_set_fd(c, sv[0]);
    bool saw_write = false;
    BOOST_TEST(drive(
                   c, sv[0], [&] { return tlsio_connect(c); }, saw_write) == 1);
    std::vector<char> data(total, 'q');
    BOOST_TEST(drive(
                   c, sv[0], [&] { return tlsio_write(c, data.data(), int(total)); }, saw_write) ==
               int(total));
    BOOST_TEST(saw_write);
    char buf[8];
    BOOST_TEST(drive(
                   c, sv[0], [&] { return tlsio_read(c, buf, sizeof buf); }, saw_write) == 4);
    BOOST_TEST(tlsio_shutdown(c) == 0);
    BOOST_TEST(drive(
                   c, sv[0], [&] { return tlsio_shutdown(c); }, saw_write) == 1);
    server.join();
    close(sv[0]);
    close(sv[1]);
    BOOST_TEST(errors().empty());
}

BOOST_AUTO_TEST_CASE(transport_errors_are_syscall) {
    ERR_clear_error();
    int sv[2];
    BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    close(sv[1]);
    ctx_ptr cctx(make_client_ctx());
    ssl_ptr c(tlsio_new(cctx));
    tlsio_set1_host(c, "localhost");
    tlsio_set_fd(c, sv[0]);
    signal(SIGPIPE, SIG_IGN);
    int r = tlsio_connect(c);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_SYSCALL);  // EPIPE
    ERR_clear_error();
    close(sv[0]);
}

// ---- Security review (issue 10): host names ---------------------------------------

BOOST_AUTO_TEST_CASE(verify_peer_without_any_host_name_is_refused) {
    // libssl would accept a certificate of any trusted CA for any name here.
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    pair_up(c, s);
    int r = tlsio_do_handshake(c);
    BOOST_TEST(r == -1);
    BOOST_TEST(tlsio_get_error(c, r) == TLSIO_ERROR_SSL);
    std::string e = errors();
    BOOST_TEST_INFO(e);
    BOOST_TEST(e.find("no host name to check the server certificate against") != std::string::npos);
    BOOST_TEST(e.find("SSL_set1_host") != std::string::npos);
    BOOST_TEST(BIO_ctrl_pending(tlsio_get_rbio(s)) == 0u);  // no ClientHello went out
}

BOOST_AUTO_TEST_CASE(verify_peer_checks_the_sni_name_without_set1_host) {
    for (const char* name : {"localhost", "wrong.example"}) {
        BOOST_TEST_CONTEXT(name) {
            ERR_clear_error();
            ctx_ptr cctx(make_client_ctx());
            ctx_ptr sctx(make_server_ctx());
            ssl_ptr c(tlsio_new(cctx));
            ssl_ptr s(tlsio_new(sctx));
            BOOST_TEST(tlsio_set_tlsext_host_name(c, name) == 1);
            pair_up(c, s);
            const bool good = std::string(name) == "localhost";
            BOOST_TEST(handshake(c, s).first == (good ? 1 : -1));
            BOOST_TEST(tlsio_get_verify_result(c) ==
                       (good ? X509_V_OK : X509_V_ERR_HOSTNAME_MISMATCH));
            ERR_clear_error();
        }
    }
}

BOOST_AUTO_TEST_CASE(verify_none_needs_no_host_name) {
    ERR_clear_error();
    ctx_ptr cctx(make_client_ctx(false));
    ctx_ptr sctx(make_server_ctx());
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    pair_up(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_CHECK(handshake(c, s) == std::make_pair(1, 1));
    BOOST_TEST(tlsio_get_verify_result(c) == X509_V_OK);  // as libssl: no name, no name check
}

BOOST_AUTO_TEST_CASE(set1_host_ip_literal_matches_ip_addresses_only) {
    // As SSL_set1_host: "127.0.0.1" is an IP address, never a DNS name, also
    // when the SNI name differs from it (the facade checks it itself then).
    leaf_options dns_only;
    dns_only.dns_names = {"localhost", "127.0.0.1"};
    leaf_options with_ip;
    with_ip.ip_addresses = {"127.0.0.1"};
    const issued spelled = test_ca().issue(dns_only);
    const issued real = test_ca().issue(with_ip);
    for (const issued* cert : {&spelled, &real}) {
        const bool good = cert == &real;
        BOOST_TEST_CONTEXT((good ? "IP SAN" : "DNS SAN spelling the IP")) {
            for (const char* sni : {"localhost", ""}) {
                BOOST_TEST_CONTEXT("SNI '" << sni << "'") {
                    ERR_clear_error();
                    ctx_ptr cctx(make_client_ctx());
                    ctx_ptr sctx(make_server_ctx(*cert));
                    ssl_ptr c(tlsio_new(cctx));
                    ssl_ptr s(tlsio_new(sctx));
                    if (*sni != '\0') {
                        BOOST_TEST(tlsio_set_tlsext_host_name(c, sni) == 1);
                    }
                    BOOST_TEST(tlsio_set1_host(c, "127.0.0.1") == 1);
                    pair_up(c, s);
                    BOOST_TEST_INFO(errors());
                    BOOST_TEST(handshake(c, s).first == (good ? 1 : -1));
                    // (With an SNI name the result is the callback's refusal:
                    // X509_V_ERR_APPLICATION_VERIFICATION.)
                    BOOST_TEST((tlsio_get_verify_result(c) == X509_V_OK) == good);
                    ERR_clear_error();
                }
            }
        }
    }
}

// ---- The servername callback and SSL_set_SSL_CTX (through the engine's
// ClientHello callback) -------------------------------------------------------

namespace {

const issued& other_cert() {
    static const issued leaf = [] {
        leaf_options o;
        o.common_name = "other.test";
        o.dns_names = {"other.test"};
        return test_ca().issue(o);
    }();
    return leaf;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(servername_callback_switches_the_context, error_queue_cleared) {
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    ctx_ptr other(make_server_ctx(other_cert()));
    struct seen {
        TLSIO_CTX* other;
        std::string name;
        int calls = 0;
    } state{other, {}, 0};
    tlsio_CTX_set_tlsext_servername_callback(sctx, [](TLSIO* ssl, int*, void* arg) {
        auto* st = static_cast<seen*>(arg);
        ++st->calls;
        const char* name = tlsio_get_servername(ssl, 0);
        st->name = name ? name : "";
        if (st->name == "other.test") {
            tlsio_set_SSL_CTX(ssl, st->other);
        }
        return TLSIO_TLSEXT_ERR_OK;
    });
    tlsio_CTX_set_tlsext_servername_arg(sctx, &state);
    // The ALPN callback of the context switched to runs, not the first one's.
    tlsio_CTX_set_alpn_select_cb(
        other,
        [](TLSIO*, const unsigned char** out, unsigned char* outlen, const unsigned char*,
           unsigned int, void*) {
            static const unsigned char h2[] = "h2";
            *out = h2;
            *outlen = 2;
            return TLSIO_TLSEXT_ERR_OK;
        },
        nullptr);
    static const unsigned char protos[] = "\x02h2";
    BOOST_TEST(tlsio_CTX_set_alpn_protos(cctx, protos, sizeof protos - 1) == 0);

    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set_tlsext_host_name(c, "other.test");
    tlsio_set1_host(c, "other.test");
    pair_up(c, s);
    auto result = handshake(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_TEST((result == std::make_pair(1, 1)));
    BOOST_TEST(state.calls == 1);
    BOOST_TEST(state.name == "other.test");
    BOOST_TEST(tlsio_get_SSL_CTX(s) == other.p);
    const unsigned char* p = nullptr;
    unsigned int n = 0;
    tlsio_get0_alpn_selected(c, &p, &n);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(p), n) == "h2");
    // The client verified other.test's certificate: the switch took effect.
    BOOST_TEST(tlsio_get_verify_result(c) == X509_V_OK);
}

BOOST_FIXTURE_TEST_CASE(servername_callback_refuses_with_its_alert, connections) {
    tlsio_CTX_set_tlsext_servername_callback(sctx, [](TLSIO*, int* al, void*) {
        *al = TLSIO_AD_ACCESS_DENIED;
        return TLSIO_TLSEXT_ERR_ALERT_FATAL;
    });
    pair_up(c, s);
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST(rc == -1);
    BOOST_TEST(rs == -1);
    std::string e = errors();
    BOOST_TEST_INFO(e);
    BOOST_TEST(e.find("peer sent alert access_denied") != std::string::npos);
    BOOST_TEST(e.find("ClientHello callback refused the connection with alert access_denied") !=
               std::string::npos);
}

// ---- Sessions -------------------------------------------------------------------------------

namespace {

int new_session_calls = 0;
TLSIO_SESSION* kept_by_callback = nullptr;

int keep_new_session(TLSIO*, TLSIO_SESSION* session) {
    ++new_session_calls;
    tlsio_SESSION_free(kept_by_callback);
    kept_by_callback = session;
    return 1;  // the reference is ours
}

// One client connection on `cctx` to a server on `sctx`, offering `offer`
// (may be NULL); reads the server's tickets. Returns the client's newest
// session (a reference) and whether both sides resumed.
struct session_run {
    TLSIO_SESSION* session = nullptr;
    int client_reused = -1;
    int server_reused = -1;
};

session_run run_session(TLSIO_CTX* cctx, TLSIO_CTX* sctx, TLSIO_SESSION* offer) {
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(sctx));
    tlsio_set1_host(c, "localhost");
    if (offer != nullptr) {
        BOOST_REQUIRE_EQUAL(tlsio_set_session(c, offer), 1);
    }
    pair_up(c, s);
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(rc, 1);
    BOOST_REQUIRE_EQUAL(rs, 1);
    BOOST_TEST(tlsio_get_session(c) == nullptr, "no ticket read yet");
    BOOST_REQUIRE_EQUAL(tlsio_write(s, "x", 1), 1);
    char buf[8];
    BOOST_REQUIRE_EQUAL(tlsio_read(c, buf, sizeof buf), 1);
    session_run out;
    out.session = tlsio_get1_session(c);
    out.client_reused = tlsio_session_reused(c);
    out.server_reused = tlsio_session_reused(s);
    BOOST_TEST(tlsio_get1_session(s) == nullptr, "a server has no client session");
    return out;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(sessions_get_set_serialize_and_callback, error_queue_cleared) {
    ctx_ptr cctx(make_client_ctx());
    ctx_ptr sctx(make_server_ctx());
    tlsio_CTX_sess_set_new_cb(cctx, keep_new_session);
    BOOST_TEST(tlsio_CTX_get_num_tickets(sctx) == 2u);
    BOOST_TEST(tlsio_CTX_get_session_cache_mode(sctx) == TLSIO_SESS_CACHE_SERVER);
    BOOST_TEST(tlsio_CTX_set_session_cache_mode(sctx, TLSIO_SESS_CACHE_BOTH) ==
               TLSIO_SESS_CACHE_SERVER);

    session_run first = run_session(cctx, sctx, nullptr);
    BOOST_REQUIRE(first.session != nullptr);
    BOOST_TEST(first.client_reused == 0);
    // Both tickets came in one read: one call, with the newer (libssl calls
    // once per ticket; see tlsio_CTX_sess_set_new_cb in <tlsio/ssl.h>).
    BOOST_TEST(new_session_calls == 1, "one call for the read that brought the tickets");
    BOOST_REQUIRE(kept_by_callback != nullptr);

    // Without tlsio_set_session the client does a full handshake, as libssl's.
    session_run plain = run_session(cctx, sctx, nullptr);
    BOOST_TEST(plain.client_reused == 0);
    tlsio_SESSION_free(plain.session);

    session_run resumed = run_session(cctx, sctx, first.session);
    BOOST_TEST(resumed.client_reused == 1);
    BOOST_TEST(resumed.server_reused == 1);
    tlsio_SESSION_free(resumed.session);

    // i2d / d2i: the bytes resume too.
    int length = tlsio_i2d_SSL_SESSION(kept_by_callback, nullptr);
    BOOST_REQUIRE(length > 0);
    std::vector<unsigned char> der(static_cast<std::size_t>(length));
    unsigned char* w = der.data();
    BOOST_TEST(tlsio_i2d_SSL_SESSION(kept_by_callback, &w) == length);
    BOOST_TEST(w == der.data() + length);
    const unsigned char* r = der.data();
    TLSIO_SESSION* decoded = tlsio_d2i_SSL_SESSION(nullptr, &r, length);
    BOOST_REQUIRE(decoded != nullptr);
    BOOST_TEST(r == der.data() + length);
    session_run from_bytes = run_session(cctx, sctx, decoded);
    BOOST_TEST(from_bytes.client_reused == 1);
    tlsio_SESSION_free(from_bytes.session);
    tlsio_SESSION_free(decoded);

    der[0] ^= 0xff;
    r = der.data();
    BOOST_TEST(tlsio_d2i_SSL_SESSION(nullptr, &r, length) == nullptr);
    BOOST_TEST(r == der.data(), "nothing consumed on failure");
    BOOST_TEST(!errors().empty());

    // No tickets from a server told to send none.
    BOOST_TEST(tlsio_CTX_set_num_tickets(sctx, 0) == 1);
    ctx_ptr quiet_server(make_server_ctx());
    BOOST_TEST(tlsio_CTX_set_num_tickets(quiet_server, 0) == 1);
    ssl_ptr c(tlsio_new(cctx));
    ssl_ptr s(tlsio_new(quiet_server));
    tlsio_set1_host(c, "localhost");
    pair_up(c, s);
    auto [rc, rs] = handshake(c, s);
    BOOST_REQUIRE_EQUAL(rc, 1);
    BOOST_REQUIRE_EQUAL(rs, 1);
    BOOST_REQUIRE_EQUAL(tlsio_write(s, "x", 1), 1);
    char buf[8];
    BOOST_REQUIRE_EQUAL(tlsio_read(c, buf, sizeof buf), 1);
    BOOST_TEST(tlsio_get_session(c) == nullptr);

    tlsio_SESSION_free(first.session);
    tlsio_SESSION_free(kept_by_callback);
    kept_by_callback = nullptr;
}

// ---- 0-RTT early data -----------------------------------------------------------------------

namespace {

// A client context and a server context that takes early data, and a session
// from a first connection between them that allows it.
struct early_data_setup : error_queue_cleared {
    ctx_ptr cctx{make_client_ctx()};
    ctx_ptr sctx{make_server_ctx()};
    TLSIO_SESSION* session = nullptr;
    early_data_setup() {
        BOOST_REQUIRE_EQUAL(tlsio_CTX_set_max_early_data(sctx, 16384), 1);
        session = run_session(cctx, sctx, nullptr).session;
        BOOST_REQUIRE(session != nullptr);
    }
    ~early_data_setup() { tlsio_SESSION_free(session); }
    early_data_setup(const early_data_setup&) = delete;
    early_data_setup& operator=(const early_data_setup&) = delete;

    // A client offering the session and a server, paired up.
    std::pair<TLSIO*, TLSIO*> pair() {
        TLSIO* c = tlsio_new(cctx);
        TLSIO* s = tlsio_new(sctx);
        tlsio_set1_host(c, "localhost");
        BOOST_REQUIRE_EQUAL(tlsio_set_session(c, session), 1);
        pair_up(c, s);
        return {c, s};
    }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(early_data_accepted_read_first_then_the_rest, early_data_setup) {
    BOOST_TEST(tlsio_SESSION_get_max_early_data(session) == 16384u);
    auto [cp, sp] = pair();
    ssl_ptr c(cp);
    ssl_ptr s(sp);
    size_t n = 0;
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(tlsio_write_early_data(c, "early", 5, &n), 1);
    BOOST_TEST(n == 5u);
    BOOST_TEST(tlsio_get_early_data_status(c) == TLSIO_EARLY_DATA_NOT_SENT, "not decided yet");

    char buf[64] = {0};
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(tlsio_read_early_data(s, buf, sizeof buf, &n),
                        TLSIO_READ_EARLY_DATA_SUCCESS);
    BOOST_TEST(std::string(buf, n) == "early");
    // The client has not ended its early data yet.
    BOOST_TEST(tlsio_read_early_data(s, buf, sizeof buf, &n) == TLSIO_READ_EARLY_DATA_ERROR);
    BOOST_TEST(tlsio_get_error(s, 0) == TLSIO_ERROR_WANT_READ);

    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(tlsio_connect(c), 1);
    BOOST_TEST(tlsio_get_early_data_status(c) == TLSIO_EARLY_DATA_ACCEPTED);
    BOOST_TEST(tlsio_session_reused(c) == 1);
    BOOST_REQUIRE_EQUAL(tlsio_write(c, "after", 5), 5);

    // EndOfEarlyData, Finished and "after" come in one read: the early data
    // ends there, and "after" waits for tlsio_read.
    n = 99;
    BOOST_TEST(tlsio_read_early_data(s, buf, sizeof buf, &n) == TLSIO_READ_EARLY_DATA_FINISH);
    BOOST_TEST(n == 0u);
    BOOST_TEST(tlsio_accept(s) == 1);
    BOOST_TEST(tlsio_get_early_data_status(s) == TLSIO_EARLY_DATA_ACCEPTED);
    BOOST_TEST(tlsio_session_reused(s) == 1);
    BOOST_TEST(tlsio_pending(s) == 5);
    BOOST_REQUIRE_EQUAL(tlsio_read(s, buf, sizeof buf), 5);
    BOOST_TEST(std::string(buf, 5) == "after");
    BOOST_TEST(tlsio_read_early_data(s, buf, sizeof buf, &n) == TLSIO_READ_EARLY_DATA_ERROR,
               "after FINISH, as libssl");
    ERR_clear_error();
}

BOOST_FIXTURE_TEST_CASE(early_data_rejected_when_the_server_does_not_read_it, early_data_setup) {
    auto [cp, sp] = pair();
    ssl_ptr c(cp);
    ssl_ptr s(sp);
    size_t n = 0;
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(tlsio_write_early_data(c, "skipped", 7, &n), 1);
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_REQUIRE_EQUAL(rc, 1);
    BOOST_REQUIRE_EQUAL(rs, 1);
    BOOST_TEST(tlsio_get_early_data_status(c) == TLSIO_EARLY_DATA_REJECTED);
    BOOST_TEST(tlsio_get_early_data_status(s) == TLSIO_EARLY_DATA_REJECTED);
    BOOST_TEST(tlsio_session_reused(c) == 1, "resumed all the same");
    // The rejected data is gone (the application sends it again, as with
    // libssl); the server reads only what came after the handshake.
    BOOST_REQUIRE_EQUAL(tlsio_write(c, "again", 5), 5);
    char buf[64];
    BOOST_REQUIRE_EQUAL(tlsio_read(s, buf, sizeof buf), 5);
    BOOST_TEST(std::string(buf, 5) == "again");
}

BOOST_FIXTURE_TEST_CASE(early_data_read_by_a_server_when_none_was_sent, early_data_setup) {
    auto [cp, sp] = pair();
    ssl_ptr c(cp);
    ssl_ptr s(sp);
    char buf[64];
    size_t n = 99;
    BOOST_TEST(tlsio_read_early_data(s, buf, sizeof buf, &n) == TLSIO_READ_EARLY_DATA_ERROR);
    BOOST_TEST(tlsio_get_error(s, 0) == TLSIO_ERROR_WANT_READ, "no ClientHello yet");
    BOOST_TEST(tlsio_connect(c) == -1);
    BOOST_TEST(tlsio_get_error(c, -1) == TLSIO_ERROR_WANT_READ);
    BOOST_TEST(tlsio_read_early_data(s, buf, sizeof buf, &n) == TLSIO_READ_EARLY_DATA_FINISH);
    BOOST_TEST(n == 0u);
    auto [rc, rs] = handshake(c, s);
    BOOST_TEST_INFO(errors());
    BOOST_TEST(rc == 1);
    BOOST_TEST(rs == 1);
    BOOST_TEST(tlsio_get_early_data_status(c) == TLSIO_EARLY_DATA_NOT_SENT);
    BOOST_TEST(tlsio_get_early_data_status(s) == TLSIO_EARLY_DATA_NOT_SENT);
    BOOST_TEST(tlsio_session_reused(s) == 1);
}

BOOST_FIXTURE_TEST_CASE(early_data_calls_in_the_wrong_role_or_state_fail, early_data_setup) {
    BOOST_TEST(tlsio_CTX_get_max_early_data(cctx) == 0u, "off by default");
    BOOST_TEST(tlsio_CTX_get_recv_max_early_data(cctx) == 16384u, "libssl's default");
    BOOST_TEST(tlsio_CTX_get_max_early_data(sctx) == 16384u);
    char buf[64];
    size_t n = 0;
    {
        // A client does not read early data; a server writes none before
        // reading early data.
        auto [cp, sp] = pair();
        ssl_ptr c(cp);
        ssl_ptr s(sp);
        BOOST_TEST(tlsio_get_early_data_status(c) == TLSIO_EARLY_DATA_NOT_SENT);
        BOOST_TEST(tlsio_read_early_data(c, buf, sizeof buf, &n) == TLSIO_READ_EARLY_DATA_ERROR);
        BOOST_TEST(errors().find("a client does not read early data") != std::string::npos);
        BOOST_TEST(tlsio_write_early_data(s, "x", 1, &n) == 0);
        BOOST_TEST(errors().find("a server writes early data only") != std::string::npos);
        BOOST_TEST(tlsio_get_max_early_data(s) == 16384u);
        // Started without early data: too late for either.
        auto [rc, rs] = handshake(c, s);
        BOOST_REQUIRE_EQUAL(rc, 1);
        BOOST_REQUIRE_EQUAL(rs, 1);
        BOOST_TEST(tlsio_write_early_data(c, "x", 1, &n) == 0);
        BOOST_TEST(tlsio_read_early_data(s, buf, sizeof buf, &n) == TLSIO_READ_EARLY_DATA_ERROR);
        BOOST_TEST(tlsio_set_max_early_data(s, 1) == 0);
        ERR_clear_error();
    }
    {
        // Without a session that allows it, a client has no early data to send.
        ssl_ptr c(tlsio_new(cctx));
        tlsio_set1_host(c, "localhost");
        tlsio_set_connect_state(c);
        BOOST_TEST(tlsio_write_early_data(c, "x", 1, &n) == 0);
        BOOST_TEST(errors().find("no session that allows early data") != std::string::npos);
    }
    {
        // More than the session allows.
        auto [cp, sp] = pair();
        ssl_ptr c(cp);
        ssl_ptr s(sp);
        std::string big(16385, 'x');
        BOOST_TEST(tlsio_write_early_data(c, big.data(), big.size(), &n) == 0);
        BOOST_TEST(errors().find("more early data than") != std::string::npos);
        BOOST_TEST(tlsio_write_early_data(c, big.data(), 100, &n) == 1, "nothing was taken");
        BOOST_TEST(n == 100u);
        ERR_clear_error();
    }
    {
        // A session from a server that takes no early data.
        ctx_ptr plain(make_server_ctx());
        session_run run = run_session(cctx, plain, nullptr);
        BOOST_TEST(tlsio_SESSION_get_max_early_data(run.session) == 0u);
        ssl_ptr c(tlsio_new(cctx));
        tlsio_set1_host(c, "localhost");
        BOOST_REQUIRE_EQUAL(tlsio_set_session(c, run.session), 1);
        tlsio_set_connect_state(c);
        BOOST_TEST(tlsio_write_early_data(c, "x", 1, &n) == 0);
        tlsio_SESSION_free(run.session);
        ERR_clear_error();
    }
}
