//
// demo.cpp: a TLS 1.3 handshake between two tlsio engines in memory.
//
// The server gets a fresh self-signed ECDSA P-256 certificate for "localhost",
// the client trusts exactly that certificate. Their engines are wired to each
// other through memory, the way a front end wires an engine to a socket:
// output() of one goes into input_space() of the other. After the handshake
// each side sends one message, both close, and the demo prints what was
// negotiated. Exit status 0 means every step worked.
//
// The certificate is made with libcrypto directly: that part is test setup,
// not something an application does with tlsio.
//
#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

// ---- A self-signed certificate (libcrypto, test setup only) ---------------

template <typename T, void (*Free)(T*)>
struct deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("libcrypto: ") + what + " failed");
    }
}

struct credential {
    std::string certificate_pem;
    std::string private_key_pem;
};

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

void add_extension(X509* cert, int nid, const char* value) {
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    int added = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(added == 1, "X509_add_ext");
}

// A certificate for `host`, valid from an hour ago for a day, signed by its own key.
credential make_self_signed(const char* host) {
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");

    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    BIGNUM* serial = BN_new();  // random, positive, 120 bits
    bool serial_ok = serial != nullptr &&
                     BN_rand(serial, 120, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
                     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(serial);
    check(serial_ok, "serial number");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(host), -1, -1, 0) == 1,
          "X509_NAME_add_entry_by_txt");
    check(X509_set_issuer_name(cert.get(), name) == 1, "X509_set_issuer_name");

    // What `openssl req -x509` gives, plus the name the client checks.
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    add_extension(cert.get(), NID_authority_key_identifier, "keyid:always");
    add_extension(cert.get(), NID_subject_alt_name, (std::string("DNS:") + host).c_str());

    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    credential out;
    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    check(cert_bio && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
    out.certificate_pem = bio_contents(cert_bio.get());
    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    check(key_bio && PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0,
                                              nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    out.private_key_pem = bio_contents(key_bio.get());
    return out;
}

// ---- Two engines wired through memory -------------------------------------

struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const char* status_name(tlsio::status s) {
    switch (s) {
        case tlsio::status::done:
            return "done";
        case tlsio::status::want_read:
            return "want_read";
        case tlsio::status::want_write:
            return "want_write";
        case tlsio::status::closed:
            return "closed";
        case tlsio::status::error:
            return "error";
        case tlsio::status::want_application:
            return "want_application";
    }
    return "?";
}

struct peer {
    const char* label;
    tlsio::engine engine;
    std::size_t bytes_sent = 0;
};

// Moves what `from` has to send into `to`'s input, as a transport would.
// Returns the number of bytes moved.
std::size_t transfer(peer& from, peer& to) {
    std::size_t moved = 0;
    while (!from.engine.output().empty()) {
        std::span<const std::uint8_t> out = from.engine.output();
        std::span<std::uint8_t> space = to.engine.input_space();
        std::size_t n = std::min(out.size(), space.size());
        if (n == 0) {
            break;  // `to` must process its input first
        }
        std::memcpy(space.data(), out.data(), n);
        to.engine.commit_input(n);
        from.engine.consume_output(n);
        moved += n;
    }
    from.bytes_sent += moved;
    return moved;
}

[[noreturn]] void fail(peer& p, const char* operation, tlsio::status s) {
    std::string what = std::string(p.label) + ": " + operation + " returned " + status_name(s);
    if (p.engine.error()) {
        what += ": " + p.engine.error().message();
        if (!p.engine.error_message().empty()) {
            what += " (" + p.engine.error_message() + ")";
        }
    }
    throw failure(what);
}

// Runs both handshakes to completion, moving each flight to the other side.
void handshake(peer& client, peer& server) {
    for (int round = 0; round < 32; ++round) {
        bool progress = false;
        for (auto [self, other] : {std::pair{&client, &server}, std::pair{&server, &client}}) {
            if (!self->engine.handshake_done()) {
                tlsio::status s = self->engine.handshake();
                if (s == tlsio::status::error || s == tlsio::status::closed) {
                    transfer(*self, *other);  // the alert, so the peer fails too
                    fail(*self, "handshake()", s);
                }
            }
            progress |= transfer(*self, *other) != 0;
        }
        if (client.engine.handshake_done() && server.engine.handshake_done() && !progress) {
            return;
        }
        if (!progress && !client.engine.handshake_done() && !server.engine.handshake_done()) {
            throw failure("handshake stalled: neither side has anything to send");
        }
    }
    throw failure("handshake did not finish in 32 rounds");
}

void send_message(peer& from, peer& to, std::string_view message) {
    auto data = std::as_bytes(std::span(message.data(), message.size()));
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(data.data()),
                                        data.size());
    while (!bytes.empty()) {
        std::size_t written = 0;
        tlsio::status s = from.engine.write(bytes, written);
        if (s == tlsio::status::error || s == tlsio::status::closed) {
            fail(from, "write()", s);
        }
        bytes = bytes.subspan(written);
        transfer(from, to);
        if (written == 0 && s != tlsio::status::want_write) {
            fail(from, "write() took nothing and", s);
        }
    }
}

// Reads until `size` bytes arrived (or close_notify, when size is 0).
std::string receive(peer& reader, peer& writer, std::size_t size) {
    std::string received;
    std::array<std::uint8_t, 4096> buffer{};
    for (int round = 0; round < 32; ++round) {
        std::size_t n = 0;
        tlsio::status s = reader.engine.read(buffer, n);
        received.append(reinterpret_cast<const char*>(buffer.data()), n);
        transfer(reader, writer);  // e.g. a KeyUpdate reply or an alert
        if (s == tlsio::status::error) {
            fail(reader, "read()", s);
        }
        if (s == tlsio::status::closed) {
            if (size == 0) {
                return received;
            }
            fail(reader, "read()", s);
        }
        if (size != 0 && received.size() >= size) {
            return received;
        }
        if (s == tlsio::status::want_read && transfer(writer, reader) == 0) {
            throw failure(std::string(reader.label) + ": read() wants data the peer has not sent");
        }
    }
    throw failure(std::string(reader.label) + ": read() made no progress in 32 rounds");
}

void expect(bool ok, const std::string& what) {
    if (!ok) {
        throw failure("unexpected: " + what);
    }
}

int run() {
    using clock = std::chrono::steady_clock;

    auto t0 = clock::now();
    credential server_credential = make_self_signed("localhost");
    auto keygen_time = clock::now() - t0;

    tlsio::context server_ctx(tlsio::context::tlsv13_server);
    server_ctx.use_certificate_chain(server_credential.certificate_pem);
    server_ctx.use_private_key(server_credential.private_key_pem);
    server_ctx.set_alpn_protocols({"http/1.1"});

    tlsio::context client_ctx(tlsio::context::tlsv13_client);
    client_ctx.add_certificate_authority(server_credential.certificate_pem);
    client_ctx.set_verify_mode(tlsio::verify_peer);
    client_ctx.set_alpn_protocols({"http/1.1"});

    tlsio::engine_options client_options;
    client_options.server_name = "localhost";  // SNI, and the name the certificate must match
    peer client{"client", tlsio::engine(client_ctx, tlsio::role::client, client_options)};
    peer server{"server", tlsio::engine(server_ctx, tlsio::role::server)};

    auto t1 = clock::now();
    handshake(client, server);
    auto handshake_time = clock::now() - t1;
    std::size_t client_handshake_bytes = client.bytes_sent;
    std::size_t server_handshake_bytes = server.bytes_sent;

    const std::string ping = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const std::string pong = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    send_message(client, server, ping);
    expect(receive(server, client, ping.size()) == ping, "server received a different message");
    send_message(server, client, pong);
    expect(receive(client, server, pong.size()) == pong, "client received a different message");

    expect(client.engine.shutdown() == tlsio::status::done, "client shutdown() not done");
    transfer(client, server);
    receive(server, client, 0);
    expect(server.engine.shutdown() == tlsio::status::done, "server shutdown() not done");
    transfer(server, client);
    receive(client, server, 0);
    expect(client.engine.received_close_notify() && server.engine.received_close_notify(),
           "close_notify not received by both sides");

    // Both sides must agree on what was negotiated.
    expect(client.engine.version() == server.engine.version(), "versions differ");
    expect(client.engine.cipher_suite() == server.engine.cipher_suite(), "cipher suites differ");
    expect(client.engine.group() == server.engine.group(), "groups differ");
    expect(client.engine.alpn_protocol() == server.engine.alpn_protocol(), "ALPN differs");
    expect(client.engine.alpn_protocol() == "http/1.1", "ALPN is not http/1.1");
    expect(server.engine.server_name() == "localhost", "the server did not see SNI localhost");
    std::optional<tlsio::signature_scheme> server_scheme = server.engine.signature_scheme();
    expect(server_scheme && *server_scheme == client.engine.peer_signature_scheme(),
           "signature schemes differ");
    expect(client.engine.verify_result() == 0, "verify_result is not 0");

    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    std::printf("tlsio demo: client and server engines in memory\n");
    std::printf("  version            %s\n", tlsio::name(client.engine.version()));
    std::printf("  cipher suite       %s\n", tlsio::name(client.engine.cipher_suite()));
    std::printf("  group              %s%s\n", tlsio::name(client.engine.group()),
                client.engine.used_hello_retry_request() ? " (after HelloRetryRequest)" : "");
    std::printf("  signature scheme   %s\n", tlsio::name(client.engine.peer_signature_scheme()));
    std::printf("  ALPN               %.*s\n",
                static_cast<int>(client.engine.alpn_protocol().size()),
                client.engine.alpn_protocol().data());
    std::printf("  server name        %.*s (certificate verified, %zu in chain)\n",
                static_cast<int>(server.engine.server_name().size()),
                server.engine.server_name().data(), client.engine.peer_certificates().size());
    std::printf("  handshake bytes    client %zu, server %zu\n", client_handshake_bytes,
                server_handshake_bytes);
    std::printf("  handshake time     %lld us (certificate generation %lld us)\n",
                static_cast<long long>(duration_cast<microseconds>(handshake_time).count()),
                static_cast<long long>(duration_cast<microseconds>(keygen_time).count()));
    std::printf("  application data   %zu bytes to the server, %zu back, close_notify both ways\n",
                ping.size(), pong.size());
    return 0;
}

}  // namespace

int main() {
    try {
        return run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tlsio demo failed: %s\n", e.what());
        return 1;
    }
}
