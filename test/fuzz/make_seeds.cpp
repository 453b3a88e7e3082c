//
// make_seeds: writes seed inputs for the fuzz targets by running real peers
// against each other (every party uses the deterministic credential, random
// source and clock of fuzz_support.hpp, so the conversations replay in the
// targets):
//   DIR/server_handshake/client_hello   the client's first flight
//   DIR/server_handshake/conversation   all a client sends: handshake, data,
//                                       KeyUpdate, close_notify
//   DIR/client_handshake/server_flight  the server's answer to the ClientHello
//   DIR/client_handshake/conversation   all the server sends
//   DIR/server_handshake/tls12_*        the same at TLS 1.2, for the targets'
//   DIR/client_handshake/tls12_*        TLS 1.2 engines (tlsio_fuzz::tls12_mode
//                                       first): a TLS 1.2-only peer against
//                                       one that speaks 1.2 and 1.3
//   DIR/record_layer/<aead>             scripts for fuzz_record_layer
//   DIR/c_api/{client,server}           scripts for fuzz_c_api
//   DIR/x509_chain/{self_signed,issued} Certificate message bodies
// Usage: make_seeds DIR
//
#include "fuzz_support.hpp"

#include "record/layer.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using byte_vector = std::vector<std::uint8_t>;

byte_vector take_output(tlsio::engine& e) {
    auto out = e.output();
    byte_vector bytes(out.begin(), out.end());
    e.consume_output(out.size());
    return bytes;
}

void append(byte_vector& to, const byte_vector& from) {
    to.insert(to.end(), from.begin(), from.end());
}

bool write_seed(const std::filesystem::path& path, const byte_vector& bytes) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    std::printf("make_seeds: %s (%zu bytes)\n", path.c_str(), bytes.size());
    return static_cast<bool>(file) && !bytes.empty();
}

// Runs e's handshake (or, once done, a read) as far as it goes and returns
// what it wrote.
byte_vector advance(tlsio::engine& e) {
    byte_vector out;
    for (int i = 0; i < 8; ++i) {
        tlsio::status s;
        if (e.handshake_done()) {
            std::uint8_t buffer[256];
            std::size_t n = 0;
            s = e.read(buffer, n);
        } else {
            s = e.handshake();
        }
        append(out, take_output(e));
        if (s != tlsio::status::want_write && s != tlsio::status::done) {
            break;
        }
        if (s == tlsio::status::done && e.buffered_input() == 0) {
            break;
        }
    }
    return out;
}

// The application part of a conversation: data, a KeyUpdate asking for one
// back (TLS 1.3 only), more data, close_notify.
byte_vector application_bytes(tlsio::engine& e) {
    static const std::uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
    std::size_t written = 0;
    byte_vector out;
    e.write(hello, written);
    append(out, take_output(e));
    if (e.version() == tlsio::protocol_version::tls13) {
        e.key_update(true);
        append(out, take_output(e));
    }
    e.write(hello, written);
    append(out, take_output(e));
    e.shutdown();
    append(out, take_output(e));
    return out;
}

// A whole conversation between engines; returns what each side sent.
struct conversation {
    byte_vector client_sent;
    byte_vector server_sent;
    byte_vector client_hello;
    byte_vector server_flight;
    bool connected = false;  ///< both handshakes completed
    tlsio::protocol_version version{};
};

conversation converse(const tlsio::context& client_ctx = tlsio_fuzz::make_client_context(),
                      const tlsio::context& server_ctx = tlsio_fuzz::make_server_context()) {
    tlsio::engine client(client_ctx, tlsio::role::client, tlsio_fuzz::client_options());
    tlsio::engine server(server_ctx, tlsio::role::server);
    conversation c;
    c.client_hello = advance(client);
    append(c.client_sent, c.client_hello);
    server.feed(c.client_hello);
    c.server_flight = advance(server);
    append(c.server_sent, c.server_flight);
    for (int i = 0; i < 4; ++i) {
        client.feed(c.server_sent.size() > 0 && i == 0 ? c.server_flight : byte_vector{});
        byte_vector from_client = advance(client);
        append(c.client_sent, from_client);
        server.feed(from_client);
        byte_vector from_server = advance(server);
        append(c.server_sent, from_server);
        client.feed(from_server);
    }
    c.connected = client.handshake_done() && server.handshake_done();
    c.version = client.version();
    byte_vector data = application_bytes(client);
    append(c.client_sent, data);
    data = application_bytes(server);
    append(c.server_sent, data);
    return c;
}

// ---- record_layer ----------------------------------------------------------------------

void add_feed(byte_vector& script, const byte_vector& bytes, std::uint8_t destination_steps) {
    script.push_back(static_cast<std::uint8_t>(destination_steps << 3));  // op 0, feed
    script.push_back(static_cast<std::uint8_t>(bytes.size() >> 8));
    script.push_back(static_cast<std::uint8_t>(bytes.size()));
    append(script, bytes);
}

// TLS 1.3 (or, with `tls12`, TLS 1.2 with its real ChangeCipherSpec) records
// under the AEAD of `aead_index`.
byte_vector record_layer_script(int aead_index, bool tls12) {
    static constexpr tlsio::crypto::aead_algorithm aeads[] = {
        tlsio::crypto::aead_algorithm::aes_128_gcm, tlsio::crypto::aead_algorithm::aes_256_gcm,
        tlsio::crypto::aead_algorithm::chacha20_poly1305,
        tlsio::crypto::aead_algorithm::aes_128_ccm};
    const auto aead = aeads[aead_index];
    // A server layer (settings bit 0 clear) with compatibility CCS allowed,
    // or for TLS 1.2 (bit 5) expecting the real one (op 37: 37 % 5 == 2, & 32).
    byte_vector script{static_cast<std::uint8_t>((aead_index << 1) | (tls12 ? 32 : 8))};
    if (tls12) {
        script.push_back(37);
    }
    tlsio::record::layer sender(true);
    if (tls12) {
        sender.use_tls12_record_version();
    }
    auto flush = [&sender] {
        auto out = sender.output();
        byte_vector bytes(out.begin(), out.end());
        sender.consume_output(out.size());
        return bytes;
    };
    // A plaintext handshake message split over two records, then a CCS.
    static const std::uint8_t hello[] = {1, 0, 0, 6, 3, 3, 0, 0, 0, 0};
    sender.queue_handshake(hello);
    sender.flush_handshake();
    sender.write_compat_ccs();
    add_feed(script, flush(), 0);
    // Keys (op 1, key 0), then protected records of each type.
    script.push_back(1);
    const auto key = tlsio_fuzz::fuzz_record_key(0);
    const std::size_t iv_size =
        tls12 && aead != tlsio::crypto::aead_algorithm::chacha20_poly1305 ? 4 : 12;
    tlsio::record::traffic_key_material k{
        aead, tlsio::byte_view(key.data(), tlsio::crypto::aead_key_size(aead)),
        tlsio::byte_view(key.data() + 32, iv_size),
        tls12 ? tlsio::record::protocol::tls12 : tlsio::record::protocol::tls13};
    if (!sender.install_write(k)) {
        tlsio_fuzz::die("install_write");
    }
    static const std::uint8_t finished[] = {20, 0, 0, 4, 9, 9, 9, 9};
    sender.queue_handshake(finished);
    sender.flush_handshake();
    add_feed(script, flush(), 1);
    script.push_back(2);  // handshake done
    static const std::uint8_t data[] = {'d', 'a', 't', 'a'};
    sender.write(tlsio::wire::content_type::application_data, tlsio::byte_view(data));
    sender.write(tlsio::wire::content_type::application_data, tlsio::byte_view{});
    sender.send_alert(tlsio::alert::close_notify);
    add_feed(script, flush(), 1);
    script.push_back(4);  // eof
    return script;
}

// ---- c_api -----------------------------------------------------------------------------

void add_chunk(byte_vector& script, const byte_vector& bytes) {
    if (bytes.empty()) {
        return;
    }
    script.push_back(0);  // deliver
    script.push_back(static_cast<std::uint8_t>(bytes.size() >> 8));
    script.push_back(static_cast<std::uint8_t>(bytes.size()));
    append(script, bytes);
    script.push_back(1);  // run
}

byte_vector from_string(const std::string& s) {
    return byte_vector(s.begin(), s.end());
}

// The C facade as `role` (1 client, 2 server) against an engine peer.
byte_vector c_api_script(int role) {
    TLSIO_CTX* ctx = tlsio_fuzz::make_c_context(role);
    tlsio::context peer_ctx =
        role == 1 ? tlsio_fuzz::make_server_context() : tlsio_fuzz::make_client_context();
    tlsio::engine peer(peer_ctx, role == 1 ? tlsio::role::server : tlsio::role::client,
                       role == 1 ? tlsio::engine_options{} : tlsio_fuzz::client_options());
    byte_vector script{static_cast<std::uint8_t>(role == 1 ? 1 : 0)};
    {
        tlsio_fuzz::c_connection c(ctx, role);
        for (int i = 0; i < 6; ++i) {
            c.step();
            peer.feed(from_string(c.take_output()));
            byte_vector out = advance(peer);
            add_chunk(script, out);
            c.deliver(out);
        }
        c.step();
        peer.feed(from_string(c.take_output()));
        advance(peer);
        byte_vector out = application_bytes(peer);
        add_chunk(script, out);
        script.push_back(4 | 2);  // write data
        script.push_back(8 | 2);  // KeyUpdate, requested
        script.push_back(4 | 3);  // shutdown
    }
    tlsio_CTX_free(ctx);
    return script;
}

// ---- x509_chain ------------------------------------------------------------------------

byte_vector certificate_message(const std::vector<byte_vector>& chain) {
    byte_vector list;
    for (const byte_vector& der : chain) {
        list.push_back(static_cast<std::uint8_t>(der.size() >> 16));
        list.push_back(static_cast<std::uint8_t>(der.size() >> 8));
        list.push_back(static_cast<std::uint8_t>(der.size()));
        append(list, der);
        list.push_back(0);  // no extensions
        list.push_back(0);
    }
    byte_vector body{0};  // empty request context
    body.push_back(static_cast<std::uint8_t>(list.size() >> 16));
    body.push_back(static_cast<std::uint8_t>(list.size() >> 8));
    body.push_back(static_cast<std::uint8_t>(list.size()));
    append(body, list);
    return body;
}

byte_vector der_of(X509* cert) {
    int n = i2d_X509(cert, nullptr);
    tlsio_fuzz::check(n > 0, "i2d_X509");
    byte_vector der(static_cast<std::size_t>(n));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
    return der;
}

X509* credential_certificate() {
    const std::string& pem = tlsio_fuzz::shared_credential().certificate_pem;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    tlsio_fuzz::check(cert != nullptr, "PEM_read_bio_X509");
    return cert;
}

// A leaf for "localhost" (serverAuth) issued by the fuzz credential.
byte_vector issued_leaf(X509* issuer) {
    EVP_PKEY* issuer_key = tlsio_fuzz::fixed_ed25519_key(1);
    EVP_PKEY* key = tlsio_fuzz::fixed_ed25519_key(2);
    X509* cert = X509_new();
    tlsio_fuzz::check(cert != nullptr, "X509_new");
    X509_set_version(cert, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 2);
    ASN1_TIME_set_string(X509_getm_notBefore(cert), "20200101000000Z");
    ASN1_TIME_set_string(X509_getm_notAfter(cert), "20991231235959Z");
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("leaf"), -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(issuer));
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                              std::pair{NID_key_usage, "critical,digitalSignature"},
                              std::pair{NID_ext_key_usage, "serverAuth"},
                              std::pair{NID_authority_key_identifier, "keyid"},
                              std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
        tlsio_fuzz::check(ext != nullptr && X509_add_ext(cert, ext, -1) == 1, "leaf extension");
        X509_EXTENSION_free(ext);
    }
    tlsio_fuzz::check(X509_sign(cert, issuer_key, nullptr) > 0, "X509_sign");
    byte_vector der = der_of(cert);
    X509_free(cert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(issuer_key);
    return der;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    std::filesystem::path dir = argv[1];

    conversation c = converse();
    bool ok = write_seed(dir / "server_handshake" / "client_hello", c.client_hello);
    ok = write_seed(dir / "server_handshake" / "conversation", c.client_sent) && ok;
    ok = write_seed(dir / "client_handshake" / "server_flight", c.server_flight) && ok;
    // The client target has already sent its ClientHello: all the server sent follows it.
    ok = write_seed(dir / "client_handshake" / "conversation", c.server_sent) && ok;

    // TLS 1.2: the targets' engines that also speak 1.2, each against a peer
    // that speaks only 1.2 (a 1.3-capable one would get TLS 1.3).
    auto tls12_only = [](tlsio::context ctx) {
        ctx.set_protocol_versions(tlsio::protocol_version::tls12, tlsio::protocol_version::tls12);
        return ctx;
    };
    auto mode = [](const byte_vector& bytes) {
        byte_vector out{tlsio_fuzz::tls12_mode};
        append(out, bytes);
        return out;
    };
    conversation to_server = converse(tls12_only(tlsio_fuzz::make_client_context(true)),
                                      tlsio_fuzz::make_server_context(true));
    ok =
        write_seed(dir / "server_handshake" / "tls12_client_hello", mode(to_server.client_hello)) &&
        ok;
    ok = write_seed(dir / "server_handshake" / "tls12_conversation", mode(to_server.client_sent)) &&
         ok;
    conversation to_client = converse(tlsio_fuzz::make_client_context(true),
                                      tls12_only(tlsio_fuzz::make_server_context(true)));
    ok = write_seed(dir / "client_handshake" / "tls12_server_flight",
                    mode(to_client.server_flight)) &&
         ok;
    ok = write_seed(dir / "client_handshake" / "tls12_conversation", mode(to_client.server_sent)) &&
         ok;
    for (const conversation* t : {&to_server, &to_client}) {
        if (!t->connected || t->version != tlsio::protocol_version::tls12) {
            std::fprintf(stderr, "make_seeds: a TLS 1.2 conversation did not reach TLS 1.2\n");
            ok = false;
        }
    }

    static const char* const aead_names[] = {"aes_128_gcm", "aes_256_gcm", "chacha20_poly1305",
                                             "aes_128_ccm"};
    for (int i = 0; i < 4; ++i) {
        ok = write_seed(dir / "record_layer" / aead_names[i], record_layer_script(i, false)) && ok;
    }
    for (int i = 0; i < 3; ++i) {  // TLS 1.2 has no AES-CCM suite here
        ok = write_seed(dir / "record_layer" / (std::string("tls12_") + aead_names[i]),
                        record_layer_script(i, true)) &&
             ok;
    }
    ok = write_seed(dir / "c_api" / "client", c_api_script(1)) && ok;
    ok = write_seed(dir / "c_api" / "server", c_api_script(2)) && ok;

    X509* ca = credential_certificate();
    ok = write_seed(dir / "x509_chain" / "self_signed", certificate_message({der_of(ca)})) && ok;
    ok = write_seed(dir / "x509_chain" / "issued",
                    certificate_message({issued_leaf(ca), der_of(ca)})) &&
         ok;
    X509_free(ca);
    if (!ok) {
        std::fprintf(stderr, "make_seeds: a seed came out empty or could not be written\n");
        return 1;
    }
    return 0;
}
