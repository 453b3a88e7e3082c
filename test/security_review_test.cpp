// Regression tests for the findings of the security review (issue 10): a
// verifying client without a host name, weak keys and signature hashes in
// chains, quadratic duplicate checks in hello parsing.
#include <tlsio/engine.hpp>
#include <tlsio/stream.hpp>

#define BOOST_TEST_MODULE security_review_test
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/x509_vfy.h>

#include "context/test_hooks.hpp"
#include "support/loopback.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"
#include "wire/codec.hpp"
#include "wire/messages.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;
using boost::system::error_code;

namespace {

const authority& p256_ca() {
    static const authority ca = authority::make_root("tlsio review root p256", key_type::p256);
    return ca;
}

context server_context(const issued& cred) {
    context ctx(context::tlsv13_server);
    ctx.use_certificate_chain(cred.chain_pem);
    ctx.use_private_key(cred.key_pem);
    return ctx;
}

context client_context(const std::string& trusted_pem) {
    context ctx(context::tlsv13_client);
    ctx.add_certificate_authority(trusted_pem);
    return ctx;
}

issued localhost_leaf(const authority& ca = p256_ca()) {
    return ca.issue(leaf_options{});
}

std::string failure(const engine& client, const engine& server) {
    return "client: " + client.error().message() + " (" + client.error_message() +
           "), server: " + server.error().message() + " (" + server.error_message() + ")";
}

}  // namespace

// ==== Finding 1: a verifying client needs a host name =============================

BOOST_AUTO_TEST_SUITE(host_name_required)

BOOST_AUTO_TEST_CASE(verifying_client_without_host_name_does_not_start) {
    context cctx = client_context(p256_ca().root_pem());  // verify_peer by default
    engine client(cctx, role::client);
    BOOST_TEST(client.handshake() == status::error);
    BOOST_TEST(client.error() == error_code(error::host_name_required));
    BOOST_TEST(client.output().empty());  // not even a ClientHello left
    BOOST_TEST(client.error_message().find("set_host") != std::string::npos);
    BOOST_TEST(client.error_message().find("verify_host = false") != std::string::npos);
    // Every later call says the same; nothing is ever sent.
    std::uint8_t buf[16];
    std::size_t n = 0;
    BOOST_TEST(client.read(buf, n) == status::error);
    BOOST_TEST(client.write(buf, n) == status::error);
    BOOST_TEST(client.error() == error_code(error::host_name_required));
    BOOST_TEST(client.output().empty());
}

BOOST_AUTO_TEST_CASE(per_connection_verify_peer_without_host_name_does_not_start) {
    context cctx = client_context(p256_ca().root_pem());
    cctx.set_verify_mode(verify_none);
    engine client(cctx, role::client, engine_options{.peer_verify_mode = verify_peer});
    BOOST_TEST(client.handshake() == status::error);
    BOOST_TEST(client.error() == error_code(error::host_name_required));
}

BOOST_AUTO_TEST_CASE(host_checking_turned_off_explicitly_connects) {
    const issued leaf = localhost_leaf();
    context sctx = server_context(leaf);
    context cctx = client_context(leaf.ca_pem);
    engine client(cctx, role::client, engine_options{.verify_host = false});
    engine server(sctx, role::server);
    pump_result r = handshake(client, server);
    BOOST_TEST(r.ok(), failure(client, server));
}

BOOST_AUTO_TEST_CASE(client_without_verification_needs_no_host_name) {
    const issued leaf = localhost_leaf();
    context sctx = server_context(leaf);
    context cctx(context::tlsv13_client);
    cctx.set_verify_mode(verify_none);
    engine client(cctx, role::client);
    engine server(sctx, role::server);
    pump_result r = handshake(client, server);
    BOOST_TEST(r.ok(), failure(client, server));
}

BOOST_AUTO_TEST_CASE(stream_without_set_host_does_not_start) {
    const issued leaf = localhost_leaf();
    context cctx = client_context(leaf.ca_pem);
    boost::asio::io_context io;
    auto [client_socket, server_socket] = tcp_pair(io);
    tlsio::stream<boost::asio::ip::tcp::socket> client(std::move(client_socket), cctx);
    error_code ec = boost::asio::error::would_block;
    client.async_handshake(stream_base::client, [&](error_code e) { ec = e; });
    io.run_for(std::chrono::seconds(5));  // a handshake that started would wait for the server
    BOOST_TEST(ec == error_code(error::host_name_required));
    BOOST_TEST(server_socket.available() == 0u);  // nothing was sent
}

BOOST_AUTO_TEST_CASE(stream_with_set_server_name_checks_no_host) {
    // set_server_name sends SNI without a host check: an explicit choice.
    const issued leaf = localhost_leaf();
    context cctx = client_context(leaf.ca_pem);
    context sctx = server_context(leaf);
    boost::asio::io_context io;
    auto [client_socket, server_socket] = tcp_pair(io);
    tlsio::stream<boost::asio::ip::tcp::socket> client(std::move(client_socket), cctx);
    tlsio::stream<boost::asio::ip::tcp::socket> server(std::move(server_socket), sctx);
    client.set_server_name("other.example");
    error_code cec = boost::asio::error::would_block;
    error_code sec = boost::asio::error::would_block;
    client.async_handshake(stream_base::client, [&](error_code ec) { cec = ec; });
    server.async_handshake(stream_base::server, [&](error_code ec) { sec = ec; });
    run_bounded(io);
    BOOST_TEST(!cec, cec.message());
    BOOST_TEST(!sec, sec.message());
}

BOOST_AUTO_TEST_SUITE_END()

// ==== Finding 3: the security level applies to the peer's chain and key ============

BOOST_AUTO_TEST_SUITE(security_level)

namespace {

const authority& rsa_ca() {
    static const authority ca = authority::make_root("tlsio review root rsa", key_type::rsa2048);
    return ca;
}

struct outcome {
    error_code client_error;
    std::string client_message;
    long verify_result = 0;
    bool ok = false;
};

outcome try_connect(const issued& leaf, const std::function<void(context&)>& configure = {},
                    engine_options options = engine_options{.server_name = "localhost"}) {
    context sctx = server_context(leaf);
    context cctx = client_context(leaf.ca_pem);
    if (configure) {
        configure(cctx);
    }
    engine client(cctx, role::client, std::move(options));
    engine server(sctx, role::server);
    pump_result r = handshake(client, server);
    return {client.error(), client.error_message(), client.verify_result(), r.ok()};
}

issued weak_leaf(unsigned rsa_bits, const std::string& digest = {},
                 const authority& ca = p256_ca()) {
    leaf_options o;
    o.rsa_bits = rsa_bits;
    o.signature_digest = digest;
    return ca.issue(o);
}

}  // namespace

BOOST_AUTO_TEST_CASE(default_level_is_2) {
    BOOST_TEST(context(context::tlsv13_client).security_level() == 2);
    context ctx(context::tlsv13_client);
    BOOST_CHECK_THROW(ctx.set_security_level(6), boost::system::system_error);
    BOOST_CHECK_THROW(ctx.set_security_level(-1), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(rsa_1024_leaf_is_refused) {
    outcome o = try_connect(weak_leaf(1024));
    BOOST_TEST(!o.ok);
    BOOST_TEST(o.client_error == error_code(error::certificate_too_weak), o.client_message);
    BOOST_CHECK(o.client_error == condition::verify_failed);
    BOOST_TEST(o.client_message.find("EE certificate key too weak") != std::string::npos,
               o.client_message);
    BOOST_TEST(o.verify_result == X509_V_ERR_EE_KEY_TOO_SMALL);
}

BOOST_AUTO_TEST_CASE(rsa_768_leaf_signed_with_md5_is_refused) {
    // The finding: `tlsio client` said "Verification: OK" for this chain.
    outcome o = try_connect(weak_leaf(768, "md5", rsa_ca()));
    BOOST_TEST(!o.ok);
    BOOST_TEST(o.client_error == error_code(error::certificate_too_weak), o.client_message);
}

namespace {

// A leaf (P-256 key) that `ca` signs with `digest` is refused at level 2.
void expect_weak_digest_refused(const authority& ca, const char* digest) {
    leaf_options opts;
    opts.signature_digest = digest;
    outcome o = try_connect(ca.issue(opts));
    BOOST_TEST(!o.ok);
    BOOST_TEST(o.client_error == error_code(error::certificate_too_weak), o.client_message);
    BOOST_TEST(o.verify_result == X509_V_ERR_CA_MD_TOO_WEAK);
}

}  // namespace

BOOST_AUTO_TEST_CASE(md5_signature_in_chain_is_refused) {
    expect_weak_digest_refused(rsa_ca(), "md5");  // ECDSA has no MD5 variant
}

BOOST_AUTO_TEST_CASE(sha1_signature_in_chain_is_refused) {
    expect_weak_digest_refused(p256_ca(), "sha1");
}

BOOST_AUTO_TEST_CASE(lower_level_accepts_what_it_allows) {
    auto level = [](int l) { return [l](context& c) { c.set_security_level(l); }; };
    BOOST_TEST(try_connect(weak_leaf(1024), level(1)).ok);  // 80 bits
    leaf_options sha1;
    sha1.signature_digest = "sha1";
    const issued sha1_leaf = p256_ca().issue(sha1);
    BOOST_TEST(!try_connect(sha1_leaf, level(1)).ok);  // SHA-1 is below 80 bits
    BOOST_TEST(try_connect(sha1_leaf, level(0)).ok);
    BOOST_TEST(try_connect(weak_leaf(768, "md5", rsa_ca()), level(0)).ok);
}

BOOST_AUTO_TEST_CASE(a_verified_chain_is_not_reused_at_a_higher_level) {
    // verify_chain caches successes: the level must be part of the key.
    const issued leaf = weak_leaf(1024);
    BOOST_TEST(try_connect(leaf, [](context& c) { c.set_security_level(1); }).ok);
    BOOST_TEST(try_connect(leaf).client_error == error_code(error::certificate_too_weak));
}

BOOST_AUTO_TEST_CASE(weak_certificate_verify_key_is_refused_without_verification) {
    const issued leaf = weak_leaf(1024);
    auto no_verify = [](context& c) { c.set_verify_mode(verify_none); };
    outcome o = try_connect(leaf, no_verify);
    BOOST_TEST(!o.ok);
    BOOST_TEST(o.client_error == error_code(error::certificate_too_weak), o.client_message);
    BOOST_TEST(o.client_message.find("1024") != std::string::npos, o.client_message);
    BOOST_TEST(try_connect(leaf, [](context& c) {
                   c.set_verify_mode(verify_none);
                   c.set_security_level(1);
               }).ok);
}

BOOST_AUTO_TEST_CASE(server_refuses_weak_client_certificate) {
    const issued server_leaf = localhost_leaf();
    const issued client_leaf = weak_leaf(1024);
    context sctx = server_context(server_leaf);
    sctx.add_certificate_authority(client_leaf.ca_pem);
    sctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    context cctx = client_context(server_leaf.ca_pem);
    cctx.use_certificate_chain(client_leaf.chain_pem);
    cctx.use_private_key(client_leaf.key_pem);
    engine client(cctx, role::client, engine_options{.server_name = "localhost"});
    engine server(sctx, role::server);
    pump_result r = handshake(client, server);
    BOOST_TEST(!r.ok());
    BOOST_TEST(server.error() == error_code(error::certificate_too_weak), failure(client, server));
}

BOOST_AUTO_TEST_SUITE_END()

// ==== Finding 4: duplicate checks are linear ========================================

BOOST_AUTO_TEST_SUITE(linear_duplicate_checks)

namespace {

error_code ec(error e) {
    return make_error_code(e);
}

using clock_type = std::chrono::steady_clock;

// A ClientHello body (no handshake header) with `extensions` appended.
bytes client_hello_body(const std::vector<std::pair<std::uint16_t, bytes>>& exts) {
    bytes body;
    wire::writer w(body);
    w.u16(wire::tls12_version);
    w.raw(bytes(32, 0x11));
    w.vec8(bytes{});
    std::size_t suites = w.begin(2);
    w.u16(0x1301);
    w.end(suites, 2);
    w.u8(1);
    w.u8(0);
    std::size_t block = w.begin(2);
    for (const auto& [type, data] : exts) {
        w.u16(type);
        w.vec16(data);
    }
    w.end(block, 2);
    return body;
}

// `count` empty extensions of distinct unknown types (16,000 fit in 64 KiB).
bytes many_extensions(std::size_t count, bool duplicate_last = false) {
    std::vector<std::pair<std::uint16_t, bytes>> exts;
    for (std::size_t i = 0; i < count; ++i) {
        exts.push_back({static_cast<std::uint16_t>(0x4000 + i), {}});
    }
    if (duplicate_last) {
        exts.back().first = exts.front().first;
    }
    return client_hello_body(exts);
}

// A key_share with `count` distinct groups, each with a one-byte key (13,000
// fit in 64 KiB). With `offered`, supported_groups lists them all, in reverse
// order (9,000 of both fit); otherwise it lists x25519 only.
bytes many_key_shares(std::size_t count, bool duplicate_last = false, bool offered = false) {
    bytes shares;
    wire::writer sw(shares);
    std::size_t list = sw.begin(2);
    std::vector<std::uint16_t> groups;
    for (std::size_t i = 0; i < count; ++i) {
        auto g = static_cast<std::uint16_t>(0x4000 + i);
        if (duplicate_last && i + 1 == count) {
            g = 0x4000;
        }
        groups.push_back(g);
        sw.u16(g);
        sw.vec16(bytes{0x01});
    }
    sw.end(list, 2);
    std::reverse(groups.begin(), groups.end());
    if (!offered) {
        groups = {0x001d};
    }
    return client_hello_body({{wire::ext::supported_groups, wire::encode_u16_list(2, groups)},
                              {wire::ext::key_share, shares}});
}

// The fastest of a few runs, in microseconds (the least disturbed by the
// machine's other work).
double fastest_us(const std::function<void()>& f) {
    double best = 1e300;
    for (int i = 0; i < 7; ++i) {
        auto start = clock_type::now();
        f();
        best = std::min(
            best, std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
    }
    return best;
}

// How much longer `make(big)` takes to check than `make(small)`: about
// big / small when the check is linear, its square when quadratic.
double growth(const std::function<bytes(std::size_t)>& make,
              const std::function<void(const bytes&)>& check, std::size_t small, std::size_t big) {
    const bytes a = make(small);
    const bytes b = make(big);
    const double ta = fastest_us([&] { check(a); });
    const double tb = fastest_us([&] { check(b); });
    BOOST_TEST_MESSAGE(small << " entries: " << ta << " us, " << big << " entries: " << tb
                             << " us (x" << tb / ta << ")");
    return tb / ta;
}

// growth() of parse_client_hello.
double parse_growth(const std::function<bytes(std::size_t)>& make, std::size_t small,
                    std::size_t big) {
    return growth(
        make,
        [](const bytes& b) {
            wire::client_hello parsed;
            (void)wire::parse_client_hello(b, parsed);
        },
        small, big);
}

}  // namespace

BOOST_AUTO_TEST_CASE(sixteen_thousand_extensions_parse_in_linear_time) {
    wire::client_hello ch;
    BOOST_TEST(!ec(wire::parse_client_hello(many_extensions(16000), ch)));
    BOOST_TEST(ch.extensions.size() == 16000u);
    BOOST_TEST(ec(wire::parse_client_hello(many_extensions(16000, true), ch)) ==
               ec(error::illegal_parameter));
    // 8 times the entries: about 8 times the time when linear, 64 when quadratic.
    const double x = parse_growth([](std::size_t n) { return many_extensions(n); }, 2000, 16000);
    BOOST_TEST(x < 24.0);
}

BOOST_AUTO_TEST_CASE(thirteen_thousand_key_shares_parse_in_linear_time) {
    wire::client_hello ch;
    BOOST_TEST(!ec(wire::parse_client_hello(many_key_shares(13000), ch)));
    BOOST_TEST(ch.key_shares.size() == 13000u);
    BOOST_TEST(!wire::key_share_groups_offered(ch));
    BOOST_TEST(ec(wire::parse_client_hello(many_key_shares(13000, true), ch)) ==
               ec(error::illegal_parameter));
    const double x = parse_growth([](std::size_t n) { return many_key_shares(n); }, 1625, 13000);
    BOOST_TEST(x < 24.0);
}

BOOST_AUTO_TEST_CASE(key_share_groups_are_looked_up_in_linear_time) {
    wire::client_hello ch;
    BOOST_TEST(!ec(wire::parse_client_hello(many_key_shares(9000, false, true), ch)));
    BOOST_TEST(ch.key_shares.size() == 9000u);
    BOOST_TEST(wire::key_share_groups_offered(ch));
    auto parsed = [](std::size_t n) {
        wire::client_hello c;
        (void)wire::parse_client_hello(many_key_shares(n, false, true), c);
        return c;
    };
    const wire::client_hello small = parsed(1125);
    const wire::client_hello big = parsed(9000);
    const double ts = fastest_us([&] { (void)wire::key_share_groups_offered(small); });
    const double tb = fastest_us([&] { (void)wire::key_share_groups_offered(big); });
    BOOST_TEST_MESSAGE("1125 shares: " << ts << " us, 9000 shares: " << tb << " us (x" << tb / ts
                                       << ")");
    BOOST_TEST(tb / ts < 24.0);
}

BOOST_AUTO_TEST_CASE(key_share_group_must_be_in_supported_groups) {
    wire::client_hello ch;
    ch.supported_groups = {0x001d, 0x0017};
    ch.key_shares = {{0x0017, {}}, {0x001d, {}}};
    BOOST_TEST(wire::key_share_groups_offered(ch));
    ch.key_shares.push_back({0x0018, {}});
    BOOST_TEST(!wire::key_share_groups_offered(ch));
}

BOOST_AUTO_TEST_CASE(server_handles_a_64k_client_hello) {
    // The finding's hello through a real server: 16,000 empty extensions of
    // unknown types beside a normal ClientHello. The server ignores them.
    const issued leaf = localhost_leaf();
    context sctx = server_context(leaf);
    context cctx = client_context(leaf.ca_pem);
    auto padded = [](bool duplicate) {
        return [duplicate](std::uint8_t type, std::vector<raw_extension>& exts) {
            if (type != 1) {
                return;
            }
            for (std::uint16_t i = 0; i < 16000; ++i) {
                exts.push_back({static_cast<std::uint16_t>(0x4000 + i), {}});
            }
            if (duplicate) {
                exts.push_back({0x4000, {}});
            }
        };
    };
    for (bool duplicate : {false, true}) {
        BOOST_TEST_CONTEXT("duplicate " << duplicate) {
            context c = cctx;
            tlsio::testing::set_extension_hook(c, padded(duplicate));
            engine client(c, role::client, engine_options{.server_name = "localhost"});
            engine server(sctx, role::server);
            BOOST_TEST(client.handshake() == status::want_read);
            const bytes hello = take_output(client);
            BOOST_TEST(hello.size() > 64000u);
            auto start = clock_type::now();
            server.feed(hello);
            const status s = server.handshake();
            const auto us =
                std::chrono::duration<double, std::micro>(clock_type::now() - start).count();
            BOOST_TEST_MESSAGE("server took " << us << " us for a " << hello.size()
                                              << "-byte ClientHello flight");
            if (duplicate) {
                BOOST_TEST(s == status::error);
                BOOST_TEST(server.error() == error_code(error::illegal_parameter));
            } else {
                BOOST_TEST(s == status::want_read, failure(client, server));
                client.feed(take_output(server));
                BOOST_TEST(client.handshake() == status::done, failure(client, server));
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
