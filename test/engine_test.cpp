// Engine-to-engine tests in memory: every suite, group and signature scheme,
// HRR, mTLS, ALPN, SNI, certificate verification, hooks, application data,
// KeyUpdate, close, keylog and flight structure.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_test
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include "support/pki.hpp"
#include "support/pump.hpp"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;
using boost::system::error_code;

namespace {

// One CA per key type, made once: the tests differ in their leaves.
const authority& ca_for(key_type k) {
    static const authority cas[] = {
        authority::make_root("tlsio test root rsa", key_type::rsa2048),
        authority::make_root("tlsio test root p256", key_type::p256),
        authority::make_root("tlsio test root p384", key_type::p384),
        authority::make_root("tlsio test root ed25519", key_type::ed25519),
    };
    switch (k) {
        case key_type::rsa2048:
            return cas[0];
        case key_type::p256:
            return cas[1];
        case key_type::p384:
            return cas[2];
        case key_type::ed25519:
            return cas[3];
        case key_type::p521:
            break;  // engine_kx_test makes its own P-521 CA
    }
    return cas[1];
}

const authority& default_ca() {
    return ca_for(key_type::p256);
}

// A leaf for "localhost" (DNS) and 127.0.0.1, valid now.
issued make_leaf(key_type k = key_type::p256, const authority& ca = default_ca()) {
    leaf_options opts;
    opts.key = k;
    opts.ip_addresses = {"127.0.0.1"};
    return ca.issue(opts);
}

context server_context(const issued& cred) {
    context ctx(context::tlsv13_server);
    ctx.use_certificate_chain(cred.chain_pem);
    ctx.use_private_key(cred.key_pem);
    return ctx;
}

context client_context(const std::string& trusted_pem = default_ca().root_pem()) {
    context ctx(context::tlsv13_client);
    ctx.add_certificate_authority(trusted_pem);
    return ctx;
}

engine_options to(const std::string& host) {
    // Designated initializers must compile under -Wextra -Werror.
    return engine_options{.server_name = host};
}

error_code alert_code(alert a) {
    return make_error_code(a);
}

// Sends `data` from one engine to the other and returns what the receiver read.
bytes send(engine& from, engine& to_engine, const bytes& data) {
    auto w = write_all(from, data);
    BOOST_TEST(w.last != status::error);
    BOOST_TEST(w.written == data.size());
    to_engine.feed(w.output);
    bytes got;
    auto s = read_available(to_engine, got);
    BOOST_TEST(s != status::error, "read failed: " << to_engine.error().message());
    return got;
}

// Calls handshake() until it wants input or finishes, counting how many
// separate output() runs it produced.
struct drive_outcome {
    status last = status::error;
    std::vector<bytes> outputs;
};
drive_outcome drive(engine& e) {
    drive_outcome out;
    for (int i = 0; i < 100; ++i) {
        out.last = e.handshake();
        if (!e.output().empty()) {
            out.outputs.push_back(take_output(e));
        }
        if (out.last != status::want_write) {
            break;
        }
    }
    return out;
}

// The handshake message types in a run of decrypted or plaintext records.
std::vector<int> handshake_types(const std::vector<record>& records) {
    std::vector<int> types;
    bytes stream;
    for (const auto& r : records) {
        if (r.type == content_type::handshake) {
            stream.insert(stream.end(), r.payload.begin(), r.payload.end());
        }
    }
    auto msgs = split_handshake_messages(stream);
    BOOST_TEST(msgs.has_value());
    if (msgs) {
        for (const auto& m : *msgs) {
            types.push_back(m[0]);
        }
    }
    return types;
}

struct established {
    context client_ctx;
    context server_ctx;
    keylog_recorder client_log;
    keylog_recorder server_log;
    std::unique_ptr<engine> client;
    std::unique_ptr<engine> server;
    pump_result result;
};

// A finished handshake with AES-128-GCM (so tests can decrypt with known
// parameters) and keylogs on both sides.
std::unique_ptr<established> establish(cipher_suite suite = cipher_suite::aes_128_gcm_sha256) {
    auto e = std::make_unique<established>();
    auto leaf = make_leaf();
    e->server_ctx = server_context(leaf);
    e->client_ctx = client_context();
    e->client_ctx.set_cipher_suites({suite});
    e->client_ctx.set_keylog_callback(e->client_log.callback());
    e->server_ctx.set_keylog_callback(e->server_log.callback());
    e->client = std::make_unique<engine>(e->client_ctx, role::client, to("localhost"));
    e->server = std::make_unique<engine>(e->server_ctx, role::server);
    e->result = handshake(*e->client, *e->server);
    BOOST_REQUIRE_MESSAGE(e->result.ok(), "handshake failed: client "
                                              << e->result.client.error.message() << ", server "
                                              << e->result.server.error.message());
    return e;
}

}  // namespace

// ---- Matrix: cipher suite x group x signature scheme -----------------------------

namespace {

void run_matrix(key_type leaf_key, signature_scheme scheme) {
    auto leaf = make_leaf(leaf_key, ca_for(leaf_key));
    const cipher_suite suites[] = {cipher_suite::aes_128_gcm_sha256,
                                   cipher_suite::aes_256_gcm_sha384,
                                   cipher_suite::chacha20_poly1305_sha256};
    const named_group groups[] = {named_group::x25519, named_group::secp256r1,
                                  named_group::secp384r1};
    for (auto suite : suites) {
        for (auto group : groups) {
            BOOST_TEST_CONTEXT(suite << " " << group << " " << scheme) {
                auto sctx = server_context(leaf);
                auto cctx = client_context(leaf.ca_pem);
                cctx.set_cipher_suites({suite});
                cctx.set_groups({group});
                cctx.set_signature_schemes({scheme});
                engine client(cctx, role::client, to("localhost"));
                engine server(sctx, role::server);
                auto r = handshake(client, server);
                BOOST_TEST_REQUIRE(r.ok(), "client: " << r.client.error.message() << " ("
                                                      << client.error_message()
                                                      << "), server: " << r.server.error.message()
                                                      << " (" << server.error_message() << ")");
                BOOST_TEST(client.version() == protocol_version::tls13);
                BOOST_TEST(server.version() == protocol_version::tls13);
                BOOST_TEST(client.cipher_suite() == suite);
                BOOST_TEST(server.cipher_suite() == suite);
                BOOST_TEST(client.group() == group);
                BOOST_TEST(server.group() == group);
                BOOST_TEST(client.peer_signature_scheme() == scheme);
                BOOST_TEST((server.signature_scheme() == std::optional<signature_scheme>(scheme)));
                BOOST_TEST(!client.used_hello_retry_request());
                BOOST_TEST(!server.used_hello_retry_request());
                // A little data both ways under the negotiated keys.
                BOOST_TEST((send(client, server, to_bytes("ping")) == to_bytes("ping")));
                BOOST_TEST((send(server, client, to_bytes("pong")) == to_bytes("pong")));
            }
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(matrix_ecdsa_secp256r1_sha256) {
    run_matrix(key_type::p256, signature_scheme::ecdsa_secp256r1_sha256);
}
BOOST_AUTO_TEST_CASE(matrix_ecdsa_secp384r1_sha384) {
    run_matrix(key_type::p384, signature_scheme::ecdsa_secp384r1_sha384);
}
BOOST_AUTO_TEST_CASE(matrix_rsa_pss_rsae_sha256) {
    run_matrix(key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha256);
}
BOOST_AUTO_TEST_CASE(matrix_rsa_pss_rsae_sha384) {
    run_matrix(key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha384);
}
BOOST_AUTO_TEST_CASE(matrix_rsa_pss_rsae_sha512) {
    run_matrix(key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha512);
}
BOOST_AUTO_TEST_CASE(matrix_ed25519) {
    run_matrix(key_type::ed25519, signature_scheme::ed25519);
}

// ---- Basic handshake facts -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(default_handshake_accessors) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    BOOST_TEST(!client.handshake_done());
    BOOST_TEST(client.get_role() == role::client);
    BOOST_TEST(server.get_role() == role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(
        r.ok(), "client: " << r.client.error.message() << ", server: " << r.server.error.message());
    BOOST_TEST(client.handshake_done());
    BOOST_TEST(server.handshake_done());
    BOOST_TEST(!client.error());
    BOOST_TEST(!server.error());
    BOOST_TEST(client.version() == protocol_version::tls13);
    BOOST_TEST(client.cipher_suite() == server.cipher_suite());
    BOOST_TEST(client.group() == server.group());
    BOOST_TEST(client.server_name() == "localhost");
    BOOST_TEST(server.server_name() == "localhost");
    BOOST_TEST(client.verify_result() == 0L);
    // The client holds the server's chain; the server asked for no certificate.
    BOOST_TEST_REQUIRE(client.peer_certificates().size() == 1u);
    BOOST_TEST((client.peer_certificates()[0] == leaf.chain_der[0]));
    BOOST_TEST(server.peer_certificates().empty());
    BOOST_TEST(!client.signature_scheme().has_value());
    BOOST_TEST((server.signature_scheme() ==
                std::optional<signature_scheme>(client.peer_signature_scheme())));
    BOOST_TEST(client.alpn_protocol().empty());
    BOOST_TEST(server.alpn_protocol().empty());
    BOOST_TEST(!r.stalled);
}

BOOST_AUTO_TEST_CASE(intermediate_chain_is_sent_and_verified) {
    auto inter = default_ca().make_intermediate("tlsio test intermediate", key_type::p384);
    auto leaf = inter.issue({});
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST_REQUIRE(client.peer_certificates().size() == 2u);
    BOOST_TEST((client.peer_certificates()[0] == leaf.chain_der[0]));
    BOOST_TEST((client.peer_certificates()[1] == leaf.chain_der[1]));
}

BOOST_AUTO_TEST_CASE(credentials_from_files) {
    auto leaf = make_leaf(key_type::rsa2048, ca_for(key_type::rsa2048));
    auto files = leaf.write_files();
    context sctx(context::tlsv13_server);
    sctx.use_certificate_chain_file(files.chain_path);
    sctx.use_private_key_file(files.key_path);
    context cctx(context::tlsv13_client);
    cctx.load_verify_file(files.ca_path);
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
}

BOOST_AUTO_TEST_CASE(ip_address_host_is_checked_and_not_sent_in_sni) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    engine client(cctx, role::client, to("127.0.0.1"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    // RFC 6066 section 3: literal IP addresses are not permitted in SNI.
    BOOST_TEST(server.server_name().empty());

    engine client2(cctx, role::client, to("127.0.0.2"));
    engine server2(sctx, role::server);
    auto r2 = handshake(client2, server2);
    BOOST_TEST(r2.client.error == make_error_code(error::certificate_host_mismatch));
}

BOOST_AUTO_TEST_CASE(byte_at_a_time_delivery_through_input_space) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    pump_options opts;
    opts.chunk_size = 1;
    opts.use_input_space = true;
    opts.max_steps = 200000;
    auto r = handshake(client, server, opts);
    BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
}

// ---- HelloRetryRequest ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(hello_retry_request_when_share_is_not_acceptable) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_groups({named_group::secp256r1});
    auto cctx = client_context();
    cctx.set_groups({named_group::x25519, named_group::secp256r1});
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(client.used_hello_retry_request());
    BOOST_TEST(server.used_hello_retry_request());
    BOOST_TEST(client.group() == named_group::secp256r1);
    BOOST_TEST(server.group() == named_group::secp256r1);
    // The server's first flight is the HRR: a ServerHello with the special random.
    auto server_flights = r.flights_from(role::server);
    BOOST_TEST_REQUIRE(!server_flights.empty());
    auto recs = split_records(server_flights[0]->data).records;
    BOOST_TEST_REQUIRE(!recs.empty());
    auto hrr = parse_hello(recs[0].payload);
    BOOST_TEST_REQUIRE(hrr.has_value());
    BOOST_TEST((hrr->random == hello_retry_request_random()));
    // The client sent two ClientHellos.
    BOOST_TEST(r.flights_from(role::client).size() >= 3u);
}

BOOST_AUTO_TEST_CASE(no_hello_retry_request_when_shares_match) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_groups({named_group::x25519, named_group::secp256r1});
    auto cctx = client_context();
    cctx.set_groups({named_group::x25519, named_group::secp256r1});
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(!client.used_hello_retry_request());
    BOOST_TEST(!server.used_hello_retry_request());
    BOOST_TEST(client.group() == named_group::x25519);
    BOOST_TEST(server.group() == named_group::x25519);
    // One ClientHello, so the client sent two flights in all.
    BOOST_TEST(r.flights_from(role::client).size() == 2u);
}

// ---- Client certificates -------------------------------------------------------------

namespace {
issued client_leaf() {
    leaf_options opts;
    opts.common_name = "client.test";
    opts.dns_names = {"client.test"};
    opts.key = key_type::p384;
    opts.server_auth = false;
    opts.client_auth = true;
    return ca_for(key_type::p384).issue(opts);
}
}  // namespace

BOOST_AUTO_TEST_CASE(mtls_required_with_client_certificate) {
    auto leaf = make_leaf();
    auto cleaf = client_leaf();
    auto sctx = server_context(leaf);
    sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    sctx.add_certificate_authority(cleaf.ca_pem);
    auto cctx = client_context();
    cctx.use_certificate_chain(cleaf.chain_pem);
    cctx.use_private_key(cleaf.key_pem);
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST_REQUIRE(server.peer_certificates().size() == 1u);
    BOOST_TEST((server.peer_certificates()[0] == cleaf.chain_der[0]));
    BOOST_TEST((client.signature_scheme() ==
                std::optional<signature_scheme>(signature_scheme::ecdsa_secp384r1_sha384)));
    BOOST_TEST(server.peer_signature_scheme() == signature_scheme::ecdsa_secp384r1_sha384);
    BOOST_TEST(server.verify_result() == 0L);
    BOOST_TEST((send(client, server, to_bytes("hi")) == to_bytes("hi")));
}

BOOST_AUTO_TEST_CASE(mtls_required_without_client_certificate) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    sctx.add_certificate_authority(default_ca().root_pem());
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(!server.handshake_done());
    BOOST_TEST(r.server.error == make_error_code(error::certificate_required));
    // The client finished its side and learns why from the server's alert.
    BOOST_TEST(r.client.error == alert_code(alert::certificate_required));
    BOOST_TEST(&r.client.error.category() == &alert_category());
    BOOST_TEST(r.client.error.value() == 116);
}

BOOST_AUTO_TEST_CASE(mtls_optional_without_client_certificate) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_verify_mode(verify_peer);
    sctx.add_certificate_authority(default_ca().root_pem());
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(server.peer_certificates().empty());
    BOOST_TEST(!client.signature_scheme().has_value());
    BOOST_TEST((send(client, server, to_bytes("hi")) == to_bytes("hi")));
}

BOOST_AUTO_TEST_CASE(mtls_client_certificate_from_unknown_ca_is_rejected) {
    auto leaf = make_leaf();
    auto cleaf = client_leaf();  // issued by the P-384 CA
    auto sctx = server_context(leaf);
    sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    sctx.add_certificate_authority(default_ca().root_pem());  // trusts only the P-256 CA
    auto cctx = client_context();
    cctx.use_certificate_chain(cleaf.chain_pem);
    cctx.use_private_key(cleaf.key_pem);
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.server.error == make_error_code(error::certificate_unknown_ca));
    BOOST_TEST(r.client.error == alert_code(alert::unknown_ca));
}

// ---- ALPN -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(alpn_match_uses_server_preference) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_alpn_protocols({"http/1.1"});
    auto cctx = client_context();
    cctx.set_alpn_protocols({"h2", "http/1.1"});
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(client.alpn_protocol() == "http/1.1");
    BOOST_TEST(server.alpn_protocol() == "http/1.1");
}

BOOST_AUTO_TEST_CASE(alpn_server_order_wins) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_alpn_protocols({"http/1.1", "h2"});
    auto cctx = client_context();
    cctx.set_alpn_protocols({"h2", "http/1.1"});
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(client.alpn_protocol() == "http/1.1");
}

BOOST_AUTO_TEST_CASE(alpn_engine_options_override_context) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_alpn_protocols({"h2", "http/1.1"});
    auto cctx = client_context();
    cctx.set_alpn_protocols({"http/1.1"});
    auto opts = to("localhost");
    opts.alpn_protocols = {"h2"};
    engine client(cctx, role::client, opts);
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(client.alpn_protocol() == "h2");
}

BOOST_AUTO_TEST_CASE(alpn_mismatch_fails_with_no_application_protocol) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    sctx.set_alpn_protocols({"http/1.1"});
    auto cctx = client_context();
    cctx.set_alpn_protocols({"h2"});
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.server.error == make_error_code(error::no_application_protocol));
    BOOST_TEST(r.client.error == alert_code(alert::no_application_protocol));
    BOOST_TEST(r.client.error.value() == 120);
    BOOST_TEST(!client.handshake_done());
}

BOOST_AUTO_TEST_CASE(alpn_only_on_one_side_gives_empty) {
    auto leaf = make_leaf();
    {
        auto sctx = server_context(leaf);
        auto cctx = client_context();
        cctx.set_alpn_protocols({"h2"});
        engine client(cctx, role::client, to("localhost"));
        engine server(sctx, role::server);
        auto r = handshake(client, server);
        BOOST_TEST_REQUIRE(r.ok(), "client-only ALPN: " << client.error_message() << " / "
                                                        << server.error_message());
        BOOST_TEST(client.alpn_protocol().empty());
        BOOST_TEST(server.alpn_protocol().empty());
    }
    {
        auto sctx = server_context(leaf);
        sctx.set_alpn_protocols({"h2"});
        auto cctx = client_context();
        engine client(cctx, role::client, to("localhost"));
        engine server(sctx, role::server);
        auto r = handshake(client, server);
        BOOST_TEST_REQUIRE(r.ok(), "server-only ALPN: " << client.error_message() << " / "
                                                        << server.error_message());
        BOOST_TEST(client.alpn_protocol().empty());
        BOOST_TEST(server.alpn_protocol().empty());
    }
}

// ---- SNI ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(sni_callback_selects_context) {
    leaf_options default_opts;
    default_opts.common_name = "default.test";
    default_opts.dns_names = {"default.test"};
    auto default_leaf = default_ca().issue(default_opts);
    leaf_options a_opts;
    a_opts.common_name = "a.test";
    a_opts.dns_names = {"a.test"};
    auto a_leaf = default_ca().issue(a_opts);

    auto a_ctx = std::make_shared<context>(server_context(a_leaf));
    auto sctx = server_context(default_leaf);
    std::vector<std::string> seen;
    sctx.set_server_name_callback([&](std::string_view name) -> std::shared_ptr<const context> {
        seen.emplace_back(name);
        if (name == "a.test") {
            return a_ctx;
        }
        return nullptr;
    });
    auto cctx = client_context();
    engine client(cctx, role::client, to("a.test"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(server.server_name() == "a.test");
    BOOST_TEST(client.server_name() == "a.test");
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0] == "a.test");
    BOOST_TEST_REQUIRE(!client.peer_certificates().empty());
    BOOST_TEST((client.peer_certificates()[0] == a_leaf.chain_der[0]));

    // A name the callback does not know keeps the default certificate.
    engine client2(cctx, role::client, to("default.test"));
    engine server2(sctx, role::server);
    auto r2 = handshake(client2, server2);
    BOOST_TEST_REQUIRE(r2.ok(), client2.error_message() << " / " << server2.error_message());
    BOOST_TEST((client2.peer_certificates()[0] == default_leaf.chain_der[0]));
}

// ---- Verification failures on the client ------------------------------------------------------

namespace {

// Runs a handshake against `leaf` with the client trusting `trusted_pem` and
// expects the client to fail with `expected` and the server to receive the
// alert that error maps to.
void expect_client_verify_failure(const issued& leaf, const std::string& trusted_pem,
                                  error expected, const std::string& host = "localhost",
                                  const std::function<void(context&)>& tweak = {}) {
    auto sctx = server_context(leaf);
    auto cctx = client_context(trusted_pem);
    if (tweak) {
        tweak(cctx);
    }
    engine client(cctx, role::client, to(host));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(
        r.client.error == make_error_code(expected),
        "client error: " << r.client.error.message() << " (" << client.error_message() << ")");
    BOOST_TEST(!client.handshake_done());
    BOOST_TEST(!server.handshake_done());
    BOOST_TEST(r.server.error == alert_code(to_alert(expected)),
               "server error: " << r.server.error.message());
    BOOST_TEST(client.verify_result() != 0L);
    BOOST_TEST(!client.error_message().empty());
}

}  // namespace

BOOST_AUTO_TEST_CASE(verify_unknown_ca) {
    auto other = authority::make_root("some other root");
    expect_client_verify_failure(make_leaf(), other.root_pem(), error::certificate_unknown_ca);
    // And the alert is unknown_ca in particular (RFC 8446 6.2).
    BOOST_TEST((to_alert(error::certificate_unknown_ca) == alert::unknown_ca));
}

BOOST_AUTO_TEST_CASE(verify_expired) {
    leaf_options opts;
    opts.not_before = std::chrono::system_clock::now() - std::chrono::hours(24 * 60);
    opts.not_after = std::chrono::system_clock::now() - std::chrono::hours(24);
    expect_client_verify_failure(default_ca().issue(opts), default_ca().root_pem(),
                                 error::certificate_expired);
}

BOOST_AUTO_TEST_CASE(not_yet_valid_gets_the_certificate_expired_alert) {
    // RFC 8446 6.2: certificate_expired is for a certificate that "has expired
    // or is not currently valid"; tlsio sent bad_certificate for the latter.
    BOOST_TEST(int(to_alert(error::certificate_not_yet_valid)) == int(alert::certificate_expired));
    BOOST_TEST(int(to_alert(error::certificate_expired)) == int(alert::certificate_expired));
}

BOOST_AUTO_TEST_CASE(verify_not_yet_valid) {
    leaf_options opts;
    opts.not_before = std::chrono::system_clock::now() + std::chrono::hours(24);
    opts.not_after = std::chrono::system_clock::now() + std::chrono::hours(24 * 60);
    expect_client_verify_failure(default_ca().issue(opts), default_ca().root_pem(),
                                 error::certificate_not_yet_valid);
}

BOOST_AUTO_TEST_CASE(verify_host_mismatch) {
    expect_client_verify_failure(make_leaf(), default_ca().root_pem(),
                                 error::certificate_host_mismatch, "wrong.test");
}

BOOST_AUTO_TEST_CASE(verify_bad_key_usage) {
    leaf_options opts;
    opts.usage = key_usage::key_encipherment;
    expect_client_verify_failure(default_ca().issue(opts), default_ca().root_pem(),
                                 error::certificate_bad_key_usage);
}

BOOST_AUTO_TEST_CASE(key_usage_without_digital_signature_is_refused_even_unverified) {
    // RFC 8446 4.4.2.2: the key must be allowed to sign, whatever the verify
    // mode; X.509 purposes alone let keyAgreement-only ECDSA leaves through.
    leaf_options opts;
    opts.usage = key_usage::key_encipherment;
    auto sctx = server_context(default_ca().issue(opts));
    auto cctx = client_context();
    cctx.set_verify_mode(verify_none);
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.client.error == make_error_code(error::certificate_bad_key_usage),
               r.client.error.message() << " (" << client.error_message() << ")");
    BOOST_TEST(r.server.error == alert_code(alert::bad_certificate), r.server.error.message());
    BOOST_TEST(!client.handshake_done());
}

BOOST_AUTO_TEST_CASE(verify_client_only_eku_is_bad_key_usage) {
    leaf_options opts;
    opts.server_auth = false;
    opts.client_auth = true;
    expect_client_verify_failure(default_ca().issue(opts), default_ca().root_pem(),
                                 error::certificate_bad_key_usage);
}

BOOST_AUTO_TEST_CASE(verify_callback_can_accept_a_failure) {
    auto other = authority::make_root("some other root");
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context(other.root_pem());
    int calls = 0;
    int failures_seen = 0;
    cctx.set_verify_callback([&](bool preverified, verify_context& vc) {
        ++calls;
        if (!preverified) {
            ++failures_seen;
            // The store context says what failed.
            BOOST_TEST(X509_STORE_CTX_get_error(vc.native_handle()) != X509_V_OK);
        }
        return true;
    });
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(calls > 0);
    BOOST_TEST(failures_seen > 0);
}

BOOST_AUTO_TEST_CASE(verify_callback_can_reject_a_good_chain) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    cctx.set_verify_callback([](bool, verify_context& vc) {
        // Reject the leaf only.
        return X509_STORE_CTX_get_error_depth(vc.native_handle()) != 0;
    });
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.client.error == make_error_code(error::certificate_rejected_by_callback),
               r.client.error.message() << " (" << client.error_message() << ")");
    BOOST_TEST(r.server.error == alert_code(to_alert(error::certificate_rejected_by_callback)));
}

BOOST_AUTO_TEST_CASE(verify_callback_refusal_is_certificate_unknown) {
    // RFC 8446 6.2 has no alert for "the application refused it": bad_certificate
    // is for corrupt certificates and bad signatures; certificate_unknown ("some
    // other issue ... rendering it unacceptable") is what OpenSSL's libssl and
    // BoringSSL's custom verifier send (BoGo CertificateVerificationFail-*-CustomCallback).
    BOOST_TEST(int(to_alert(error::certificate_rejected_by_callback)) ==
               int(alert::certificate_unknown));
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    cctx.set_verify_callback([](bool, verify_context&) { return false; });
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.client.error == make_error_code(error::certificate_rejected_by_callback));
    BOOST_TEST(r.server.error == alert_code(alert::certificate_unknown), r.server.error.message());
}

BOOST_AUTO_TEST_CASE(verify_none_accepts_unknown_ca) {
    auto other = authority::make_root("some other root");
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context(other.root_pem());
    cctx.set_verify_mode(verify_none);
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(!client.peer_certificates().empty());
}

// ---- Hooks ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(external_signer) {
    struct item {
        key_type key;
        signature_scheme scheme;
    };
    const item items[] = {{key_type::p256, signature_scheme::ecdsa_secp256r1_sha256},
                          {key_type::rsa2048, signature_scheme::rsa_pss_rsae_sha256},
                          {key_type::ed25519, signature_scheme::ed25519}};
    for (const auto& it : items) {
        BOOST_TEST_CONTEXT(it.scheme) {
            auto leaf = make_leaf(it.key, ca_for(it.key));
            context sctx(context::tlsv13_server);
            int calls = 0;
            std::vector<signature_scheme> asked;
            auto key = leaf.key;
            sctx.use_certificate_chain_with_signer(
                leaf.chain_pem, [&calls, &asked, key](signature_scheme scheme,
                                                      std::span<const std::uint8_t> message,
                                                      std::vector<std::uint8_t>& signature) {
                    ++calls;
                    asked.push_back(scheme);
                    // RFC 8446 4.4.3: 64 spaces, the context string, 0, the hash.
                    BOOST_TEST(message.size() > 64u + 33u + 1u);
                    signature = sign(key, scheme, message);
                    return !signature.empty();
                });
            auto cctx = client_context(leaf.ca_pem);
            cctx.set_signature_schemes({it.scheme});
            engine client(cctx, role::client, to("localhost"));
            engine server(sctx, role::server);
            auto r = handshake(client, server);
            BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
            BOOST_TEST(calls == 1);
            BOOST_TEST_REQUIRE(asked.size() == 1u);
            BOOST_TEST(asked[0] == it.scheme);
            BOOST_TEST(client.peer_signature_scheme() == it.scheme);
        }
    }
}

BOOST_AUTO_TEST_CASE(external_signer_failure_is_internal_error) {
    auto leaf = make_leaf();
    context sctx(context::tlsv13_server);
    sctx.use_certificate_chain_with_signer(leaf.chain_pem,
                                           [](signature_scheme, std::span<const std::uint8_t>,
                                              std::vector<std::uint8_t>&) { return false; });
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.server.error == make_error_code(error::internal_error));
    BOOST_TEST(r.client.error == alert_code(alert::internal_error));
}

BOOST_AUTO_TEST_CASE(clock_hook_after_expiry) {
    auto leaf = make_leaf();  // valid for 30 days
    auto later = std::chrono::system_clock::now() + std::chrono::hours(24 * 400);
    expect_client_verify_failure(leaf, default_ca().root_pem(), error::certificate_expired,
                                 "localhost",
                                 [later](context& c) { c.set_clock([later] { return later; }); });
}

BOOST_AUTO_TEST_CASE(cached_chain_is_still_checked_for_time_and_host) {
    // The client caches chains that verified; a later handshake with the same
    // chain and the same trust store must still fail when the time or host say so.
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    auto attempt = [&](const context& c, const std::string& host) {
        engine client(c, role::client, to(host));
        engine server(sctx, role::server);
        auto r = handshake(client, server);
        BOOST_TEST_MESSAGE(host << ": " << client.error_message());
        return r.client.error;
    };
    BOOST_TEST(!attempt(cctx, "localhost"));
    BOOST_TEST(!attempt(cctx, "localhost"));
    BOOST_TEST(attempt(cctx, "wrong.test") == make_error_code(error::certificate_host_mismatch));

    context later = cctx;  // shares the trust store, so the cached result could apply
    auto when = std::chrono::system_clock::now() + std::chrono::hours(24 * 400);
    later.set_clock([when] { return when; });
    BOOST_TEST(attempt(later, "localhost") == make_error_code(error::certificate_expired));
    context earlier = cctx;
    auto before = std::chrono::system_clock::now() - std::chrono::hours(24 * 10);
    earlier.set_clock([before] { return before; });
    BOOST_TEST(attempt(earlier, "localhost") == make_error_code(error::certificate_not_yet_valid));
    BOOST_TEST(!attempt(cctx, "localhost"));
}

BOOST_AUTO_TEST_CASE(copied_context_keeps_its_own_trust) {
    // Trust added to a copy stays in the copy (copy on write), also for engines
    // made from the original before and after.
    auto other = authority::make_root("copied root");
    auto leaf = other.issue(leaf_options{});
    auto sctx = server_context(leaf);
    auto original = client_context();  // trusts the default CA only
    engine before(original, role::client, to("localhost"));
    context copy = original;
    copy.add_certificate_authority(other.root_pem());
    {
        engine client(copy, role::client, to("localhost"));
        engine server(sctx, role::server);
        BOOST_TEST(handshake(client, server).ok(), client.error_message());
    }
    engine server_for_before(sctx, role::server);
    BOOST_TEST(handshake(before, server_for_before).client.error ==
               make_error_code(error::certificate_unknown_ca));
    engine after(original, role::client, to("localhost"));
    engine server_for_after(sctx, role::server);
    BOOST_TEST(handshake(after, server_for_after).client.error ==
               make_error_code(error::certificate_unknown_ca));
}

BOOST_AUTO_TEST_CASE(clock_hook_before_validity) {
    auto leaf = make_leaf();  // valid from a day ago
    auto earlier = std::chrono::system_clock::now() - std::chrono::hours(24 * 10);
    expect_client_verify_failure(
        leaf, default_ca().root_pem(), error::certificate_not_yet_valid, "localhost",
        [earlier](context& c) { c.set_clock([earlier] { return earlier; }); });
}

BOOST_AUTO_TEST_CASE(random_source_hook_is_used) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    std::size_t asked = 0;
    cctx.set_random_source([&asked](std::span<std::uint8_t> out) {
        asked += out.size();
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = static_cast<std::uint8_t>(0xa5 ^ i);
        }
    });
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(asked >= 32u);
    // The ClientHello random comes from the hook.
    auto recs = split_records(r.flights_from(role::client)[0]->data).records;
    auto ch = parse_hello(recs.at(0).payload);
    BOOST_TEST_REQUIRE(ch.has_value());
    bytes expected(32);
    bool from_hook = false;
    // Whatever call produced the random, it is a run of the hook's pattern.
    for (std::size_t start = 0; start < 256 && !from_hook; ++start) {
        for (std::size_t i = 0; i < 32; ++i) {
            expected[i] = static_cast<std::uint8_t>(0xa5 ^ (start + i));
        }
        from_hook = ch->random == expected;
    }
    BOOST_TEST(from_hook);
}

// ---- Application data -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(application_data_both_ways) {
    auto e = establish();
    BOOST_TEST(
        (send(*e->client, *e->server, to_bytes("hello server")) == to_bytes("hello server")));
    BOOST_TEST(
        (send(*e->server, *e->client, to_bytes("hello client")) == to_bytes("hello client")));
    for (int i = 0; i < 10; ++i) {
        bytes msg(static_cast<std::size_t>(i * 100 + 1), static_cast<std::uint8_t>(i));
        BOOST_TEST((send(*e->client, *e->server, msg) == msg));
        BOOST_TEST((send(*e->server, *e->client, msg) == msg));
    }
}

BOOST_AUTO_TEST_CASE(large_write_is_split_into_records_in_one_output) {
    auto e = establish();
    bytes data(100 * 1024);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<std::uint8_t>(i * 7 + (i >> 8));
    }
    auto w = write_all(*e->client, data);
    BOOST_TEST(w.last != status::error);
    BOOST_TEST(w.written == data.size());
    // Each write() takes up to 64 KiB (four full records, engine.hpp) and
    // gathers them into one output, so 100 KiB takes exactly two calls.
    BOOST_TEST(w.first_call == 4u * 16384u);
    BOOST_TEST(w.output_chunks == 2u, "100 KiB write took " << w.output_chunks << " write() calls");
    auto split = split_records(w.output);
    BOOST_TEST(split.rest.empty());
    // 100 KiB needs at least 7 records of at most 2^14 bytes of plaintext.
    BOOST_TEST(split.records.size() >= 7u);
    for (const auto& rec : split.records) {
        BOOST_TEST(rec.type == content_type::application_data);
        BOOST_TEST(rec.payload.size() <= 16384u + 256u);
    }
    // Decrypting with the keylog gives back the data, record by record.
    auto dec = direction_decoder::from_keylog(cipher_suite::aes_128_gcm_sha256, e->client_log,
                                              role::client);
    for (const auto* f : e->result.flights_from(role::client)) {
        BOOST_TEST_REQUIRE(dec.decode(f->data).has_value());
    }
    auto plain = dec.decode(w.output);
    BOOST_TEST_REQUIRE(plain.has_value());
    bytes joined;
    for (const auto& rec : *plain) {
        BOOST_TEST(rec.type == content_type::application_data);
        BOOST_TEST(rec.payload.size() <= 16384u);
        joined.insert(joined.end(), rec.payload.begin(), rec.payload.end());
    }
    BOOST_TEST((joined == data));

    e->server->feed(w.output);
    bytes got;
    auto s = read_available(*e->server, got);
    BOOST_TEST(s != status::error, e->server->error().message());
    BOOST_TEST(got.size() == data.size());
    BOOST_TEST((got == data));
}

BOOST_AUTO_TEST_CASE(zero_byte_write) {
    auto e = establish();
    std::size_t n = 99;
    auto s = e->client->write({}, n);
    BOOST_TEST(s != status::error);
    BOOST_TEST(n == 0u);
    BOOST_TEST(!e->client->error());
    // Whatever it produced (nothing, or an empty record) the peer accepts.
    bytes got;
    auto rs = transfer(*e->client, *e->server, got);
    BOOST_TEST(rs == status::want_read);
    BOOST_TEST(got.empty());
    BOOST_TEST(!e->server->error());
    BOOST_TEST((send(*e->client, *e->server, to_bytes("after")) == to_bytes("after")));
}

BOOST_AUTO_TEST_CASE(read_before_data_wants_read) {
    auto e = establish();
    bytes buf(100);
    std::size_t n = 0;
    BOOST_TEST(e->server->read(buf, n) == status::want_read);
    BOOST_TEST(n == 0u);
    BOOST_TEST(e->server->pending() == 0u);
}

BOOST_AUTO_TEST_CASE(partial_reads_leave_data_pending) {
    auto e = establish();
    auto w = write_all(*e->client, to_bytes("0123456789"));
    e->server->feed(w.output);
    std::array<std::uint8_t, 4> small;
    std::size_t n = 0;
    BOOST_TEST(e->server->read(small, n) == status::done);
    BOOST_TEST(n == 4u);
    BOOST_TEST(e->server->pending() == 6u);
    bytes rest;
    read_available(*e->server, rest);
    BOOST_TEST((rest == to_bytes("456789")));
}

BOOST_AUTO_TEST_CASE(one_read_takes_every_buffered_record_that_fits) {
    auto e = establish();
    bytes wire;
    bytes sent;
    for (int i = 0; i < 3; ++i) {
        bytes chunk(1000, static_cast<std::uint8_t>('a' + i));
        auto w = write_all(*e->client, chunk);  // one record each
        wire.insert(wire.end(), w.output.begin(), w.output.end());
        sent.insert(sent.end(), chunk.begin(), chunk.end());
    }
    e->server->feed(wire);
    bytes buf(64 * 1024);
    std::size_t n = 0;
    BOOST_TEST(e->server->read(buf, n) == status::done);
    BOOST_TEST_REQUIRE(n == sent.size());
    BOOST_TEST((bytes(buf.begin(), buf.begin() + 3000) == sent));
    BOOST_TEST(e->server->pending() == 0u);
    BOOST_TEST(e->server->read(buf, n) == status::want_read);
}

BOOST_AUTO_TEST_CASE(a_record_larger_than_the_space_left_waits_for_the_next_read) {
    auto e = establish();
    bytes first(3000, 'x');
    bytes second(2000, 'y');
    auto w1 = write_all(*e->client, first);
    auto w2 = write_all(*e->client, second);
    bytes wire = w1.output;
    wire.insert(wire.end(), w2.output.begin(), w2.output.end());
    e->server->feed(wire);
    bytes buf(4000);
    std::size_t n = 0;
    BOOST_TEST(e->server->read(buf, n) == status::done);
    BOOST_TEST(n == 4000u);  // all of the first record, the start of the second
    BOOST_TEST((bytes(buf.begin(), buf.begin() + 3000) == first));
    BOOST_TEST(std::all_of(buf.begin() + 3000, buf.end(), [](std::uint8_t b) { return b == 'y'; }));
    BOOST_TEST(e->server->pending() == 1000u);
    BOOST_TEST(e->server->read(buf, n) == status::done);
    BOOST_TEST(n == 1000u);
}

BOOST_AUTO_TEST_CASE(data_before_a_bad_record_is_delivered_then_the_error) {
    auto e = establish();
    auto w1 = write_all(*e->client, to_bytes("good"));
    auto w2 = write_all(*e->client, to_bytes("tampered"));
    bytes wire = w1.output;
    w2.output.back() ^= 1;  // breaks the tag
    wire.insert(wire.end(), w2.output.begin(), w2.output.end());
    e->server->feed(wire);
    bytes buf(1000);
    std::size_t n = 0;
    BOOST_TEST(e->server->read(buf, n) == status::done);
    BOOST_TEST(
        (bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) == to_bytes("good")));
    // The bad record was opened into the same buffer, behind "good": what it
    // decrypted to (unauthenticated) is not left there.
    const bytes tampered = to_bytes("tampered");
    BOOST_TEST(
        (std::search(buf.begin(), buf.end(), tampered.begin(), tampered.end()) == buf.end()));
    BOOST_TEST(e->server->read(buf, n) == status::error);
    BOOST_TEST(n == 0u);
    BOOST_TEST(e->server->error() == make_error_code(error::bad_record_mac));
    // The alert is out, after the data was read.
    BOOST_TEST(!e->server->output().empty());
}

// ---- KeyUpdate --------------------------------------------------------------------------------

namespace {

// Decoders following both directions from the start of the connection.
struct observers {
    direction_decoder c2s;
    direction_decoder s2c;
};

observers observe(established& e) {
    observers o{direction_decoder::from_keylog(cipher_suite::aes_128_gcm_sha256, e.client_log,
                                               role::client),
                direction_decoder::from_keylog(cipher_suite::aes_128_gcm_sha256, e.server_log,
                                               role::server)};
    for (const auto& f : e.result.flights) {
        auto& d = f.from == role::client ? o.c2s : o.s2c;
        BOOST_TEST_REQUIRE(d.decode(f.data).has_value());
    }
    return o;
}

// The KeyUpdate messages (their request_update byte) in decoded records.
std::vector<int> key_updates_in(const std::vector<record>& records) {
    std::vector<int> out;
    for (const auto& r : records) {
        if (r.type != content_type::handshake) {
            continue;
        }
        auto msgs = split_handshake_messages(r.payload);
        BOOST_TEST_REQUIRE(msgs.has_value());
        for (const auto& m : *msgs) {
            if (m[0] == 24) {
                BOOST_TEST_REQUIRE(m.size() == 5u);
                out.push_back(m[4]);
            }
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(key_update_not_requested) {
    auto e = establish();
    auto obs = observe(*e);
    BOOST_TEST(e->client->key_update(false) != status::error);
    auto ku = take_output(*e->client);
    BOOST_TEST_REQUIRE(!ku.empty());
    auto decoded = obs.c2s.decode(ku);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST((key_updates_in(*decoded) == std::vector<int>{0}));
    e->server->feed(ku);
    bytes got;
    BOOST_TEST(read_available(*e->server, got) == status::want_read);
    BOOST_TEST(got.empty());
    // Not requested: the server must not update its own keys.
    auto reply = take_output(*e->server);
    if (!reply.empty()) {
        auto r = obs.s2c.decode(reply);
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(key_updates_in(*r).empty());
    }
    // Data flows both ways; the client's is under the next generation of keys.
    auto w = write_all(*e->client, to_bytes("after update"));
    auto d = obs.c2s.decode(w.output);
    BOOST_TEST_REQUIRE(d.has_value(), "client data not under the updated key");
    BOOST_TEST(obs.c2s.key_updates() == 1u);
    e->server->feed(w.output);
    got.clear();
    read_available(*e->server, got);
    BOOST_TEST((got == to_bytes("after update")));
    BOOST_TEST((send(*e->server, *e->client, to_bytes("back")) == to_bytes("back")));
}

BOOST_AUTO_TEST_CASE(key_update_requested_both_ways) {
    auto e = establish();
    auto obs = observe(*e);
    for (int round = 0; round < 2; ++round) {
        // Round 0: the client asks; round 1: the server asks.
        engine& asker = round == 0 ? *e->client : *e->server;
        engine& peer = round == 0 ? *e->server : *e->client;
        direction_decoder& ask_dir = round == 0 ? obs.c2s : obs.s2c;
        direction_decoder& reply_dir = round == 0 ? obs.s2c : obs.c2s;
        BOOST_TEST_CONTEXT("round " << round) {
            std::size_t ask_updates = ask_dir.key_updates();
            std::size_t reply_updates = reply_dir.key_updates();
            BOOST_TEST(asker.key_update(true) != status::error);
            auto ku = take_output(asker);
            auto decoded = ask_dir.decode(ku);
            BOOST_TEST_REQUIRE(decoded.has_value());
            BOOST_TEST((key_updates_in(*decoded) == std::vector<int>{1}));
            peer.feed(ku);
            bytes got;
            BOOST_TEST(read_available(peer, got) == status::want_read);
            // RFC 8446 4.6.3: the peer answers with its own KeyUpdate
            // (update_not_requested) before its next application data.
            bytes peer_out = take_output(peer);
            auto w = write_all(peer, to_bytes("reply"));
            peer_out.insert(peer_out.end(), w.output.begin(), w.output.end());
            auto reply = reply_dir.decode(peer_out);
            BOOST_TEST_REQUIRE(reply.has_value(), "peer's records do not decrypt");
            BOOST_TEST((key_updates_in(*reply) == std::vector<int>{0}));
            BOOST_TEST(reply_dir.key_updates() == reply_updates + 1);
            BOOST_TEST(ask_dir.key_updates() == ask_updates + 1);
            // The reply's data comes after the KeyUpdate, under the new key.
            BOOST_TEST_REQUIRE(!reply->empty());
            BOOST_TEST(reply->back().type == content_type::application_data);
            asker.feed(peer_out);
            bytes back;
            BOOST_TEST(read_available(asker, back) == status::want_read);
            BOOST_TEST((back == to_bytes("reply")));
            // And the asker's own data now uses its new key too.
            auto w2 = write_all(asker, to_bytes("more"));
            BOOST_TEST_REQUIRE(ask_dir.decode(w2.output).has_value());
            peer.feed(w2.output);
            bytes more;
            read_available(peer, more);
            BOOST_TEST((more == to_bytes("more")));
            BOOST_TEST(!asker.error());
            BOOST_TEST(!peer.error());
        }
    }
}

BOOST_AUTO_TEST_CASE(key_update_before_handshake_is_refused) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    engine server(sctx, role::server);
    BOOST_TEST(server.key_update(false) == status::error);
    BOOST_TEST(server.output().empty());
}

// ---- Close ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(close_notify_and_half_close) {
    auto e = establish();
    BOOST_TEST(e->client->shutdown() == status::done);
    BOOST_TEST(e->client->sent_close_notify());
    auto alert_bytes = take_output(*e->client);
    BOOST_TEST_REQUIRE(!alert_bytes.empty());
    // On the wire it is a warning-level close_notify under the application key.
    auto obs = observe(*e);
    auto decoded = obs.c2s.decode(alert_bytes);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST_REQUIRE(decoded->size() == 1u);
    BOOST_TEST(decoded->at(0).type == content_type::alert);
    BOOST_TEST((decoded->at(0).payload == bytes{1, 0}));

    e->server->feed(alert_bytes);
    bytes got;
    BOOST_TEST(read_available(*e->server, got) == status::closed);
    BOOST_TEST(e->server->received_close_notify());
    BOOST_TEST(!e->server->error());

    // Half-close: the server can still write and the client can still read.
    BOOST_TEST((send(*e->server, *e->client, to_bytes("still here")) == to_bytes("still here")));
    BOOST_TEST(e->server->shutdown() == status::done);
    bytes none;
    BOOST_TEST(transfer(*e->server, *e->client, none) == status::closed);
    BOOST_TEST(e->client->received_close_notify());
    BOOST_TEST(none.empty());
}

BOOST_AUTO_TEST_CASE(data_before_close_notify_is_delivered) {
    auto e = establish();
    auto w = write_all(*e->client, to_bytes("last words"));
    BOOST_TEST(e->client->shutdown() == status::done);
    bytes wire = w.output;
    auto tail = take_output(*e->client);
    wire.insert(wire.end(), tail.begin(), tail.end());
    e->server->feed(wire);
    bytes got;
    auto s = read_available(*e->server, got);
    BOOST_TEST((got == to_bytes("last words")));
    BOOST_TEST(s == status::closed);
}

BOOST_AUTO_TEST_CASE(eof_without_close_notify_is_truncation) {
    auto e = establish();
    e->server->commit_eof();
    bytes buf(64);
    std::size_t n = 0;
    BOOST_TEST(e->server->read(buf, n) == status::error);
    BOOST_TEST(e->server->error() == make_error_code(error::stream_truncated));
}

BOOST_AUTO_TEST_CASE(eof_after_close_notify_is_clean) {
    auto e = establish();
    e->client->shutdown();
    e->server->feed(take_output(*e->client));
    e->server->commit_eof();
    bytes got;
    BOOST_TEST(read_available(*e->server, got) == status::closed);
    BOOST_TEST(!e->server->error());
}

// ---- Keylog and flights -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(keylog_lines_match_between_sides) {
    auto e = establish();
    const char* labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    auto ch_records = split_records(e->result.flights_from(role::client).at(0)->data).records;
    auto ch = parse_hello(ch_records.at(0).payload);
    BOOST_TEST_REQUIRE(ch.has_value());
    std::string random_hex = to_hex(ch->random);
    for (const char* label : labels) {
        BOOST_TEST_CONTEXT(label) {
            BOOST_TEST(e->client_log.count(label) == 1u);
            BOOST_TEST(e->server_log.count(label) == 1u);
            auto cs = e->client_log.secret(label);
            auto ss = e->server_log.secret(label);
            BOOST_TEST_REQUIRE(cs.has_value());
            BOOST_TEST_REQUIRE(ss.has_value());
            BOOST_TEST((*cs == *ss));
            BOOST_TEST(cs->size() == 32u);  // SHA-256 suite
        }
    }
    // Every line is "LABEL <client random> <secret>" with the ClientHello random.
    for (const auto* log : {&e->client_log, &e->server_log}) {
        for (const auto& line : log->lines()) {
            BOOST_TEST_CONTEXT(line) {
                auto first = line.find(' ');
                auto second = line.find(' ', first + 1);
                BOOST_TEST_REQUIRE(second != std::string::npos);
                BOOST_TEST(line.substr(first + 1, second - first - 1) == random_hex);
                BOOST_TEST(line.find('\n') == std::string::npos);
            }
        }
    }
    // Identical lines on both sides.
    auto a = e->client_log.lines();
    auto b = e->server_log.lines();
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    BOOST_TEST((a == b));
}

BOOST_AUTO_TEST_CASE(flights_are_single_outputs) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    cctx.set_cipher_suites({cipher_suite::aes_128_gcm_sha256});
    keylog_recorder log;
    sctx.set_keylog_callback(log.callback());
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);

    auto c1 = drive(client);
    BOOST_TEST(c1.last == status::want_read);
    BOOST_TEST_REQUIRE(c1.outputs.size() == 1u);
    auto ch = split_records(c1.outputs[0]);
    BOOST_TEST(ch.rest.empty());
    BOOST_TEST_REQUIRE(ch.records.size() == 1u);
    BOOST_TEST(ch.records[0].type == content_type::handshake);
    BOOST_TEST(ch.records[0].payload.at(0) == 1);  // ClientHello

    server.feed(c1.outputs[0]);
    auto s1 = drive(server);
    BOOST_TEST(s1.last == status::want_read);
    BOOST_TEST_REQUIRE(s1.outputs.size() == 1u,
                       "server's first flight came in " << s1.outputs.size() << " outputs");
    // ServerHello in the clear, maybe a compatibility CCS, then EE, Certificate,
    // CertificateVerify and Finished under the handshake key.
    auto dec = direction_decoder::from_keylog(cipher_suite::aes_128_gcm_sha256, log, role::server);
    auto recs = dec.decode(s1.outputs[0]);
    BOOST_TEST_REQUIRE(recs.has_value());
    BOOST_TEST_REQUIRE(!recs->empty());
    BOOST_TEST(recs->at(0).type == content_type::handshake);
    BOOST_TEST(recs->at(0).payload.at(0) == 2);  // ServerHello
    BOOST_TEST((handshake_types(*recs) == std::vector<int>{2, 8, 11, 15, 20}));
    BOOST_TEST(!dec.application_phase());  // nothing yet under the application key

    client.feed(s1.outputs[0]);
    auto c2 = drive(client);
    BOOST_TEST(c2.last == status::done);
    BOOST_TEST(client.handshake_done());
    BOOST_TEST_REQUIRE(c2.outputs.size() == 1u,
                       "client's second flight came in " << c2.outputs.size() << " outputs");
    auto c2recs = split_records(c2.outputs[0]);
    BOOST_TEST(c2recs.rest.empty());
    // Middlebox compatibility (on by default): CCS, then the protected Finished.
    BOOST_TEST_REQUIRE(c2recs.records.size() >= 2u);
    BOOST_TEST(c2recs.records[0].type == content_type::change_cipher_spec);
    BOOST_TEST((c2recs.records[0].payload == bytes{1}));
    BOOST_TEST(c2recs.records.back().type == content_type::application_data);

    server.feed(c2.outputs[0]);
    auto s2 = drive(server);
    BOOST_TEST(s2.last == status::done);
    BOOST_TEST(server.handshake_done());
}

// ---- Credentials, sizes and driving styles ------------------------------------------------

BOOST_AUTO_TEST_CASE(server_picks_credential_the_client_can_verify) {
    auto rsa_leaf = make_leaf(key_type::rsa2048, ca_for(key_type::rsa2048));
    auto ec_leaf = make_leaf(key_type::p256);
    auto ed_leaf = make_leaf(key_type::ed25519, ca_for(key_type::ed25519));
    context sctx(context::tlsv13_server);
    sctx.use_certificate_chain(rsa_leaf.chain_pem);
    sctx.use_private_key(rsa_leaf.key_pem);
    sctx.use_certificate_chain(ec_leaf.chain_pem);
    sctx.use_private_key(ec_leaf.key_pem);
    sctx.use_certificate_chain(ed_leaf.chain_pem);
    sctx.use_private_key(ed_leaf.key_pem);
    struct item {
        signature_scheme scheme;
        const issued* leaf;
    };
    const item items[] = {{signature_scheme::rsa_pss_rsae_sha384, &rsa_leaf},
                          {signature_scheme::ecdsa_secp256r1_sha256, &ec_leaf},
                          {signature_scheme::ed25519, &ed_leaf}};
    for (const auto& it : items) {
        BOOST_TEST_CONTEXT(it.scheme) {
            auto cctx = client_context(it.leaf->ca_pem);
            cctx.set_signature_schemes({it.scheme});
            engine client(cctx, role::client, to("localhost"));
            engine server(sctx, role::server);
            auto r = handshake(client, server);
            BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
            BOOST_TEST(client.peer_signature_scheme() == it.scheme);
            BOOST_TEST_REQUIRE(!client.peer_certificates().empty());
            BOOST_TEST((client.peer_certificates()[0] == it.leaf->chain_der[0]));
        }
    }
}

BOOST_AUTO_TEST_CASE(no_usable_signature_scheme_is_handshake_failure) {
    // Only an ECDSA P-256 credential; the client accepts only RSA-PSS.
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    cctx.set_signature_schemes({signature_scheme::rsa_pss_rsae_sha256});
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST(r.server.error == make_error_code(error::handshake_failure),
               r.server.error.message());
    BOOST_TEST(r.client.error == alert_code(alert::handshake_failure), r.client.error.message());
}

BOOST_AUTO_TEST_CASE(mtls_with_every_client_key_type) {
    for (key_type k : {key_type::p256, key_type::p384, key_type::rsa2048, key_type::ed25519}) {
        BOOST_TEST_CONTEXT(name(k)) {
            leaf_options opts;
            opts.key = k;
            opts.server_auth = false;
            auto cleaf = ca_for(k).issue(opts);
            auto sctx = server_context(make_leaf());
            sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
            sctx.add_certificate_authority(cleaf.ca_pem);
            auto cctx = client_context();
            cctx.use_certificate_chain(cleaf.chain_pem);
            cctx.use_private_key(cleaf.key_pem);
            engine client(cctx, role::client, to("localhost"));
            engine server(sctx, role::server);
            auto r = handshake(client, server);
            BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
            BOOST_TEST(server.peer_certificates().size() == 1u);
            BOOST_TEST(client.signature_scheme().has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(certificate_larger_than_a_record) {
    // A leaf with thousands of names: the Certificate message spans several
    // records, on the way out and on the way in.
    leaf_options opts;
    opts.dns_names = {"localhost"};
    for (int i = 0; i < 2000; ++i) {
        opts.dns_names.push_back("host-" + std::to_string(i) + ".example.test");
    }
    auto leaf = default_ca().issue(opts);
    BOOST_TEST_REQUIRE(leaf.chain_der[0].size() > 40000u);
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1000}}) {
        BOOST_TEST_CONTEXT("chunk " << chunk) {
            auto sctx = server_context(leaf);
            auto cctx = client_context();
            engine client(cctx, role::client, to("localhost"));
            engine server(sctx, role::server);
            pump_options po;
            po.chunk_size = chunk;
            auto r = handshake(client, server, po);
            BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
            BOOST_TEST((client.peer_certificates().at(0) == leaf.chain_der[0]));
            // Still one flight, made of records that respect the size limit.
            auto flights = r.flights_from(role::server);
            BOOST_TEST_REQUIRE(!flights.empty());
            auto split = split_records(flights[0]->data);
            BOOST_TEST(split.rest.empty());
            for (const auto& rec : split.records) {
                BOOST_TEST(rec.payload.size() <= 16384u + 256u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(long_chain_of_intermediates) {
    auto ca = authority::make_root("long chain root", key_type::p256);
    authority current = ca;
    for (int i = 0; i < 6; ++i) {
        current = current.make_intermediate("intermediate " + std::to_string(i),
                                            i % 2 == 0 ? key_type::rsa2048 : key_type::p384);
    }
    auto leaf = current.issue({});
    auto sctx = server_context(leaf);
    auto cctx = client_context(ca.root_pem());
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(client.peer_certificates().size() == 7u);
}

BOOST_AUTO_TEST_CASE(read_and_write_drive_the_handshake) {
    // read() and write() run the handshake first if needed.
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    const bytes msg = to_bytes("early write");
    std::size_t written = 0;
    bytes server_got;
    bool client_wrote = false;
    for (int step = 0; step < 20 && server_got.size() < msg.size(); ++step) {
        if (!client_wrote) {
            std::size_t n = 0;
            auto s = client.write(msg, n);
            BOOST_TEST_REQUIRE(s != status::error, client.error_message());
            written += n;
            client_wrote = written == msg.size();
        }
        server.feed(take_output(client));
        bytes buf(100);
        std::size_t n = 0;
        auto s = server.read(buf, n);
        BOOST_TEST_REQUIRE(s != status::error, server.error_message());
        server_got.insert(server_got.end(), buf.begin(), buf.begin() + static_cast<long>(n));
        client.feed(take_output(server));
        bytes cbuf(100);
        std::size_t cn = 0;
        BOOST_TEST_REQUIRE(client.read(cbuf, cn) != status::error, client.error_message());
    }
    BOOST_TEST(client.handshake_done());
    BOOST_TEST(server.handshake_done());
    BOOST_TEST((server_got == msg));
}

BOOST_AUTO_TEST_CASE(engine_can_be_moved_mid_handshake) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    client.handshake();
    server.feed(take_output(client));
    server.handshake();
    engine moved_client(std::move(client));
    engine moved_server(sctx, role::client);
    moved_server = std::move(server);
    auto r = handshake(moved_client, moved_server);
    BOOST_TEST(r.ok(), moved_client.error_message() << " / " << moved_server.error_message());
    BOOST_TEST(moved_server.get_role() == role::server);
}

BOOST_AUTO_TEST_CASE(full_duplex_writes_cross) {
    // Both sides write before reading; both get the other's data.
    auto e = establish();
    auto wc = write_all(*e->client, to_bytes("from client"));
    auto ws = write_all(*e->server, to_bytes("from server"));
    e->server->feed(wc.output);
    e->client->feed(ws.output);
    bytes at_server;
    bytes at_client;
    BOOST_TEST(read_available(*e->server, at_server) == status::want_read);
    BOOST_TEST(read_available(*e->client, at_client) == status::want_read);
    BOOST_TEST((at_server == to_bytes("from client")));
    BOOST_TEST((at_client == to_bytes("from server")));
}

BOOST_AUTO_TEST_CASE(simultaneous_requested_key_updates_do_not_ping_pong) {
    auto e = establish();
    auto obs = observe(*e);
    BOOST_TEST(e->client->key_update(true) != status::error);
    BOOST_TEST(e->server->key_update(true) != status::error);
    bytes c_out = take_output(*e->client);
    bytes s_out = take_output(*e->server);
    BOOST_TEST_REQUIRE(obs.c2s.decode(c_out).has_value());
    BOOST_TEST_REQUIRE(obs.s2c.decode(s_out).has_value());
    // Exchange until quiet; each side answers the other's request once.
    for (int round = 0; round < 6; ++round) {
        e->server->feed(c_out);
        e->client->feed(s_out);
        bytes got;
        BOOST_TEST(read_available(*e->server, got) != status::error, e->server->error_message());
        BOOST_TEST(read_available(*e->client, got) != status::error, e->client->error_message());
        BOOST_TEST(got.empty());
        c_out = take_output(*e->client);
        s_out = take_output(*e->server);
        BOOST_TEST_REQUIRE(obs.c2s.decode(c_out).has_value());
        BOOST_TEST_REQUIRE(obs.s2c.decode(s_out).has_value());
    }
    // Two updates per direction: the request and the answer to the peer's.
    BOOST_TEST(obs.c2s.key_updates() <= 2u);
    BOOST_TEST(obs.s2c.key_updates() <= 2u);
    BOOST_TEST(obs.c2s.key_updates() >= 1u);
    BOOST_TEST(obs.s2c.key_updates() >= 1u);
    BOOST_TEST((send(*e->client, *e->server, to_bytes("x")) == to_bytes("x")));
    BOOST_TEST((send(*e->server, *e->client, to_bytes("y")) == to_bytes("y")));
}

BOOST_AUTO_TEST_CASE(many_key_updates_in_a_row) {
    // As many as a peer accepts with no data between them (32, BoringSSL's
    // cap, against KeyUpdate floods; engine_bad_input_test has the 33rd).
    auto e = establish();
    for (int i = 0; i < 32; ++i) {
        BOOST_TEST_REQUIRE(e->client->key_update(false) != status::error);
    }
    BOOST_TEST((send(*e->client, *e->server, to_bytes("after 32")) == to_bytes("after 32")));
}

BOOST_AUTO_TEST_CASE(middlebox_compatibility_off) {
    auto leaf = make_leaf();
    auto sctx = server_context(leaf);
    auto cctx = client_context();
    cctx.set_middlebox_compatibility(false);
    engine client(cctx, role::client, to("localhost"));
    engine server(sctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    auto flights = r.flights_from(role::client);
    auto ch = parse_hello(split_records(flights.at(0)->data).records.at(0).payload);
    BOOST_TEST_REQUIRE(ch.has_value());
    BOOST_TEST(ch->session_id.empty());
    for (const auto* f : flights) {
        for (const auto& rec : split_records(f->data).records) {
            BOOST_TEST(rec.type != content_type::change_cipher_spec);
        }
    }
    // RFC 8446 D.4: the server sends a CCS only if the client sent a session id.
    for (const auto* f : r.flights_from(role::server)) {
        for (const auto& rec : split_records(f->data).records) {
            BOOST_TEST(rec.type != content_type::change_cipher_spec);
        }
    }
}

BOOST_AUTO_TEST_CASE(write_after_shutdown_fails) {
    auto e = establish();
    e->client->shutdown();
    take_output(*e->client);
    std::size_t n = 0;
    BOOST_TEST(e->client->write(to_bytes("x"), n) == status::error);
    BOOST_TEST(n == 0u);
    BOOST_TEST(e->client->output().empty());
}

// ---- Automatic key rollover ----------------------------------------------------

BOOST_AUTO_TEST_CASE(keys_roll_over_after_the_key_update_interval) {
    auto leaf = make_leaf();
    context server_ctx = server_context(leaf);
    context client_ctx = client_context();
    client_ctx.set_key_update_interval(3);
    engine client(client_ctx, role::client, to("localhost"));
    engine server(server_ctx, role::server);
    BOOST_REQUIRE(handshake(client, server).ok());

    // A one-byte record is 5 + 1 + 1 + 16 = 23 bytes; a KeyUpdate record
    // (4-byte header, 1-byte body) is 5 + 5 + 1 + 16 = 27 bytes.
    const bytes one{0x42};
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 8; ++i) {
        auto w = write_all(client, one);
        BOOST_REQUIRE(w.last != status::error);
        sizes.push_back(w.output.size());
        server.feed(w.output);
        bytes got;
        BOOST_TEST(read_available(server, got) != status::error);
        BOOST_TEST((got == one), "write " << i << " did not arrive intact");
    }
    // Records 0-2 under the first key, then KeyUpdate + record, and so on.
    const std::vector<std::size_t> expected{23, 23, 23, 50, 23, 23, 50, 23};
    BOOST_TEST(sizes == expected, boost::test_tools::per_element());
    // The server answered nothing (update_not_requested) and still works.
    BOOST_TEST(server.output().empty());
    BOOST_TEST((send(server, client, one) == one));
}

BOOST_AUTO_TEST_CASE(server_takes_an_offered_share_before_asking_for_its_preference) {
    auto leaf = make_leaf();
    context server_ctx = server_context(leaf);
    server_ctx.set_groups({named_group::secp256r1, named_group::x25519});
    context client_ctx = client_context();  // shares x25519, also supports P-256
    engine client(client_ctx, role::client, to("localhost"));
    engine server(server_ctx, role::server);
    BOOST_REQUIRE(handshake(client, server).ok());
    BOOST_TEST(!server.used_hello_retry_request());
    BOOST_TEST((server.group() == named_group::x25519));

    // With no acceptable share the server asks for its most preferred group.
    server_ctx.set_groups({named_group::secp384r1, named_group::secp256r1});
    engine client2(client_ctx, role::client, to("localhost"));
    engine server2(server_ctx, role::server);
    BOOST_REQUIRE(handshake(client2, server2).ok());
    BOOST_TEST(server2.used_hello_retry_request());
    BOOST_TEST((client2.group() == named_group::secp384r1));
}

BOOST_AUTO_TEST_CASE(malformed_alpn_and_server_names_are_refused_locally) {
    context ctx = client_context();
    BOOST_CHECK_THROW(ctx.set_alpn_protocols({""}), boost::system::system_error);
    BOOST_CHECK_THROW(ctx.set_alpn_protocols({std::string(256, 'a')}), boost::system::system_error);

    engine_options bad_alpn = to("localhost");
    bad_alpn.alpn_protocols = {"h2", ""};
    engine a(ctx, role::client, bad_alpn);
    BOOST_TEST((a.handshake() == status::error));
    BOOST_TEST((a.error() == make_error_code(error::invalid_argument)));

    engine b(ctx, role::client, to(std::string("local\0host", 10)));
    BOOST_TEST((b.handshake() == status::error));
    BOOST_TEST((b.error() == make_error_code(error::invalid_argument)));
}

BOOST_AUTO_TEST_CASE(server_alpn_list_can_be_set_per_connection) {
    auto leaf = make_leaf();
    context server_ctx = server_context(leaf);
    server_ctx.set_alpn_protocols({"http/1.1"});
    context client_ctx = client_context();
    client_ctx.set_alpn_protocols({"h2", "http/1.1"});
    engine_options server_options;
    server_options.alpn_protocols = {"h2"};
    engine client(client_ctx, role::client, to("localhost"));
    engine server(server_ctx, role::server, server_options);
    BOOST_REQUIRE(handshake(client, server).ok());
    BOOST_TEST(server.alpn_protocol() == "h2");
    BOOST_TEST(client.alpn_protocol() == "h2");
}

BOOST_AUTO_TEST_CASE(gather_write_fills_records_across_buffers) {
    auto e = establish();
    bytes header(100, 'h');
    bytes body(20000, 'b');
    const std::span<const std::uint8_t> parts[] = {header, body};
    std::size_t n = 0;
    BOOST_TEST((e->client->gather_write(parts, n) == status::done));
    BOOST_TEST(n == header.size() + body.size());
    auto split = split_records(take_output(*e->client));
    // 20100 bytes: one full record of 2^14 and one of 3716, not one per buffer.
    BOOST_TEST_REQUIRE(split.records.size() == 2u);
    BOOST_TEST(split.records[0].payload.size() == 16384u + 17u);
    BOOST_TEST(split.records[1].payload.size() == 3716u + 17u);

    // An empty write after shutdown() is not an error: it only flushes.
    BOOST_TEST((e->client->shutdown() == status::done));
    BOOST_TEST((e->client->gather_write({}, n) == status::done));
    BOOST_TEST(n == 0u);
    BOOST_TEST(!e->client->error());
    BOOST_TEST(!e->client->output().empty());  // close_notify waits to be sent
}

BOOST_AUTO_TEST_CASE(protocol_version_range) {
    context ctx;
    boost::system::error_code ec;
    ctx.set_protocol_versions(protocol_version::tls12, protocol_version::tls13, ec);
    BOOST_TEST(!ec);
    ctx.set_protocol_versions(protocol_version::tls13, protocol_version::tls13, ec);
    BOOST_TEST(!ec);
    ctx.set_protocol_versions(protocol_version::tls12, protocol_version::tls12, ec);
    BOOST_TEST(!ec);
    ctx.set_protocol_versions(protocol_version::tls13, protocol_version::tls12, ec);
    BOOST_TEST((ec == make_error_code(error::protocol_version)));
    BOOST_CHECK_THROW(ctx.set_protocol_versions(protocol_version::tls13, protocol_version::tls12),
                      boost::system::system_error);
}
