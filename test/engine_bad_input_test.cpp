// Bad input to each role: every case asserts the specific error() code and
// the alert the engine sends (plaintext before handshake keys; decrypted with
// the keylog secrets after), and nothing crashes or hangs.
#include <tlsio/engine.hpp>

#define BOOST_TEST_MODULE engine_bad_input_test
#include <boost/test/unit_test.hpp>

#include "context/test_hooks.hpp"
#include "support/ffdhe.hpp"
#include "support/pki.hpp"
#include "support/pump.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace tlsio;
using namespace tlsio::test;
using boost::system::error_code;

namespace {

const authority& test_ca() {
    static const authority ca = authority::make_root("tlsio bad input root", key_type::p256);
    return ca;
}

const issued& server_leaf() {
    static const issued leaf = test_ca().issue({});
    return leaf;
}

// Every context uses AES-128-GCM so encrypted alerts can be opened with known
// parameters.
constexpr cipher_suite suite = cipher_suite::aes_128_gcm_sha256;

struct party {
    context ctx;
    keylog_recorder log;
};

party server_party(const std::function<void(context&)>& tweak = {}) {
    party p{context(context::tlsv13_server), {}};
    p.ctx.use_certificate_chain(server_leaf().chain_pem);
    p.ctx.use_private_key(server_leaf().key_pem);
    p.ctx.set_keylog_callback(p.log.callback());
    if (tweak) {
        tweak(p.ctx);
    }
    return p;
}

party client_party(const std::function<void(context&)>& tweak = {}) {
    party p{context(context::tlsv13_client), {}};
    p.ctx.add_certificate_authority(test_ca().root_pem());
    p.ctx.set_cipher_suites({suite});
    p.ctx.set_keylog_callback(p.log.callback());
    if (tweak) {
        tweak(p.ctx);
    }
    return p;
}

engine_options localhost() {
    engine_options o;
    o.server_name = "localhost";
    return o;
}

bytes plaintext_alert(alert a) {
    return {content_type::alert, 0x03, 0x03, 0x00, 0x02, 0x02, static_cast<std::uint8_t>(a)};
}

error_code err(error e) {
    return make_error_code(e);
}

// What one engine did with some input: calls handshake() (or read() once the
// handshake is done) until it stops wanting to write, at most `max_calls`.
struct run_outcome {
    status last = status::want_read;
    error_code ec;
    bytes output;
    bytes data;  // application data read
    std::size_t calls = 0;
};

run_outcome run(engine& e, std::size_t max_calls = 32) {
    run_outcome out;
    for (std::size_t i = 0; i < max_calls; ++i) {
        ++out.calls;
        if (e.handshake_done()) {
            out.last = read_available(e, out.data);
        } else {
            out.last = e.handshake();
        }
        auto o = take_output(e);
        out.output.insert(out.output.end(), o.begin(), o.end());
        if (out.last != status::want_write) {
            break;
        }
    }
    out.ec = e.error();
    return out;
}

run_outcome feed_and_run(engine& e, const bytes& input) {
    e.feed(input);
    return run(e);
}

// The alert description in `output`: a plaintext alert record, or a protected
// one opened with the sender's handshake or application traffic secret.
std::optional<std::uint8_t> alert_in(const bytes& output, const keylog_recorder& log, role sender) {
    bool client = sender == role::client;
    const char* labels[] = {
        client ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        client ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0"};
    for (const auto& rec : split_records(output).records) {
        if (rec.type == content_type::alert && rec.payload.size() == 2) {
            return rec.payload[1];
        }
        if (rec.type != content_type::application_data) {
            continue;
        }
        for (const char* label : labels) {
            auto secret = log.secret(label);
            if (!secret) {
                continue;
            }
            // The sequence number is small here: at most a few records precede it.
            for (std::uint64_t seq = 0; seq < 32; ++seq) {
                auto keys = traffic_keys::from_secret(suite, *secret);
                keys.seq = seq;
                auto plain = open_record(keys, rec);
                if (plain && plain->type == content_type::alert && plain->payload.size() == 2) {
                    return plain->payload[1];
                }
            }
        }
    }
    return std::nullopt;
}

// A real ClientHello record from a client configured by `tweak`.
bytes client_hello_record(const std::function<void(context&)>& tweak = {}) {
    auto c = client_party(tweak);
    engine client(c.ctx, role::client, localhost());
    auto out = run(client);
    BOOST_TEST_REQUIRE(out.last == status::want_read);
    return out.output;
}

// The ClientHello message of a client, decoded for editing.
hello client_hello(const std::function<void(context&)>& tweak = {}) {
    auto recs = split_records(client_hello_record(tweak)).records;
    BOOST_TEST_REQUIRE(recs.size() == 1u);
    auto h = parse_hello(recs[0].payload);
    BOOST_TEST_REQUIRE(h.has_value());
    return *h;
}

bytes as_record(const bytes& handshake_message, std::uint16_t version = 0x0301) {
    return encode_record({content_type::handshake, version, handshake_message});
}

// Feeds `input` to a fresh server and expects it to fail with `expected`,
// sending the matching plaintext alert and nothing else.
void expect_server_rejects(const bytes& input, error expected, alert expected_alert,
                           const std::function<void(context&)>& tweak = {}) {
    auto s = server_party(tweak);
    engine server(s.ctx, role::server);
    auto out = feed_and_run(server, input);
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(expected),
               "got " << out.ec.message() << " (" << server.error_message() << ")");
    BOOST_TEST((out.output == plaintext_alert(expected_alert)),
               "server output " << to_hex(out.output));
    BOOST_TEST(!server.handshake_done());
}

void expect_server_rejects(const bytes& input, error expected,
                           const std::function<void(context&)>& tweak = {}) {
    expect_server_rejects(input, expected, to_alert(expected), tweak);
}

// Client + server up to the server's first flight, which `edit` may change
// before it reaches the client.
struct client_side_run {
    party c;
    party s;
    std::unique_ptr<engine> client;
    std::unique_ptr<engine> server;
    run_outcome client_out;
};

std::unique_ptr<client_side_run> client_receives_server_flight(
    const std::function<void(std::vector<record>&)>& edit,
    const std::function<void(context&)>& client_tweak = {},
    const std::function<void(context&)>& server_tweak = {}) {
    auto r = std::make_unique<client_side_run>();
    r->c = client_party(client_tweak);
    r->s = server_party(server_tweak);
    r->client = std::make_unique<engine>(r->c.ctx, role::client, localhost());
    r->server = std::make_unique<engine>(r->s.ctx, role::server);
    auto ch = run(*r->client);
    auto flight = feed_and_run(*r->server, ch.output);
    BOOST_TEST_REQUIRE(flight.last != status::error, r->server->error().message());
    auto split = split_records(flight.output);
    BOOST_TEST_REQUIRE(split.rest.empty());
    edit(split.records);
    r->client_out = feed_and_run(*r->client, join_records(split.records));
    return r;
}

// Applies `edit` to the ServerHello (the first record of the server's flight).
std::function<void(std::vector<record>&)> edit_server_hello(std::function<void(hello&)> edit) {
    return [edit](std::vector<record>& recs) {
        BOOST_TEST_REQUIRE(!recs.empty());
        BOOST_TEST_REQUIRE(recs[0].type == content_type::handshake);
        auto sh = parse_hello(recs[0].payload);
        BOOST_TEST_REQUIRE(sh.has_value());
        BOOST_TEST_REQUIRE(sh->msg_type == 2);
        edit(*sh);
        recs[0].payload = encode_hello(*sh);
    };
}

void expect_client_plaintext_alert(const client_side_run& r, error expected, alert expected_alert) {
    BOOST_TEST(r.client_out.last == status::error);
    BOOST_TEST(r.client_out.ec == err(expected),
               "got " << r.client_out.ec.message() << " (" << r.client->error_message() << ")");
    BOOST_TEST((r.client_out.output == plaintext_alert(expected_alert)),
               "client output " << to_hex(r.client_out.output));
    BOOST_TEST(!r.client->handshake_done());
}

// A finished connection whose keylogs both sides recorded.
struct connection {
    party c;
    party s;
    std::unique_ptr<engine> client;
    std::unique_ptr<engine> server;
    pump_result result;
};

std::unique_ptr<connection> connect() {
    auto conn = std::make_unique<connection>();
    conn->c = client_party();
    conn->s = server_party();
    conn->client = std::make_unique<engine>(conn->c.ctx, role::client, localhost());
    conn->server = std::make_unique<engine>(conn->s.ctx, role::server);
    conn->result = handshake(*conn->client, *conn->server);
    BOOST_TEST_REQUIRE(conn->result.ok(), conn->client->error_message()
                                              << " / " << conn->server->error_message());
    return conn;
}

// A decoder that has followed everything `sender` sent during the handshake,
// so its application keys carry the right sequence number for forging.
direction_decoder follow(const connection& conn, role sender) {
    auto dec = direction_decoder::from_keylog(
        suite, sender == role::client ? conn.c.log : conn.s.log, sender);
    for (const auto* f : conn.result.flights_from(sender)) {
        BOOST_TEST_REQUIRE(dec.decode(f->data).has_value());
    }
    return dec;
}

}  // namespace

// ---- Server: malformed ClientHello ----------------------------------------------------

BOOST_AUTO_TEST_CASE(truncated_client_hello_is_decode_error) {
    auto ch = client_hello();
    bytes full = encode_hello(ch);
    bytes body(full.begin() + 4, full.end());
    // Cutting the body exactly before the extensions block leaves a valid
    // extension-less (pre-TLS 1.3) ClientHello, which is a different case.
    std::size_t no_extensions = 2 + 32 + 1 + ch.session_id.size() + 2 +
                                2 * ch.cipher_suites.size() + 1 + ch.compression.size();
    std::vector<std::size_t> lengths = {0,
                                        1,
                                        2,
                                        20,
                                        34,
                                        35,
                                        36,
                                        no_extensions - 1,
                                        no_extensions + 1,
                                        no_extensions + 2,
                                        no_extensions + 5,
                                        body.size() / 2,
                                        body.size() - 2,
                                        body.size() - 1};
    for (std::size_t len : lengths) {
        BOOST_TEST_CONTEXT("body cut to " << len << " of " << body.size()) {
            // The handshake header and record agree with the cut length, so
            // the message itself is what does not parse.
            bytes msg = {1, 0, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
            msg.insert(msg.end(), body.begin(), body.begin() + static_cast<std::ptrdiff_t>(len));
            expect_server_rejects(as_record(msg), error::decode_error);
        }
    }
}

BOOST_AUTO_TEST_CASE(client_hello_with_trailing_bytes_is_decode_error) {
    auto ch = client_hello();
    bytes msg = encode_hello(ch);
    msg.push_back(0);
    std::size_t len = msg.size() - 4;
    msg[1] = static_cast<std::uint8_t>(len >> 16);
    msg[2] = static_cast<std::uint8_t>(len >> 8);
    msg[3] = static_cast<std::uint8_t>(len);
    expect_server_rejects(as_record(msg), error::decode_error);
}

BOOST_AUTO_TEST_CASE(unknown_record_type_is_unexpected_message) {
    for (std::uint8_t type : {std::uint8_t{0}, std::uint8_t{19}, std::uint8_t{24},
                              std::uint8_t{0x63}, std::uint8_t{0xff}}) {
        BOOST_TEST_CONTEXT("record type " << int(type)) {
            expect_server_rejects(encode_record({type, 0x0303, bytes{1, 2, 3, 4, 5}}),
                                  error::unexpected_message);
        }
    }
}

BOOST_AUTO_TEST_CASE(oversized_plaintext_record_is_record_overflow) {
    // RFC 8446 5.1: TLSPlaintext.length MUST NOT exceed 2^14.
    for (std::size_t len : {std::size_t{16385}, std::size_t{16384 + 256 + 1}, std::size_t{65535}}) {
        BOOST_TEST_CONTEXT("length " << len) {
            expect_server_rejects(encode_record({content_type::handshake, 0x0301, bytes(len, 0)}),
                                  error::record_overflow);
        }
    }
}

BOOST_AUTO_TEST_CASE(oversized_record_header_alone_is_record_overflow) {
    // The header says enough; a careful engine need not wait for 64 KiB.
    auto s = server_party();
    engine server(s.ctx, role::server);
    auto out = feed_and_run(server, bytes{content_type::handshake, 0x03, 0x01, 0xff, 0xff});
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::record_overflow));
    BOOST_TEST((out.output == plaintext_alert(alert::record_overflow)));
}

BOOST_AUTO_TEST_CASE(client_hello_record_version_is_not_checked) {
    // RFC 8446 5.1: legacy_record_version MUST be ignored for all purposes.
    for (std::uint16_t version :
         {std::uint16_t{0x0301}, std::uint16_t{0x0303}, std::uint16_t{0x0300}}) {
        BOOST_TEST_CONTEXT("record version " << std::hex << version) {
            auto c = client_party();
            auto s = server_party();
            engine client(c.ctx, role::client, localhost());
            engine server(s.ctx, role::server);
            pump_options opts;
            opts.intercept = [version](flight& f) {
                if (f.from == role::client && f.index == 0) {
                    auto recs = split_records(f.data).records;
                    for (auto& r : recs) {
                        r.version = version;
                    }
                    f.data = join_records(recs);
                }
            };
            auto r = handshake(client, server, opts);
            BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
        }
    }
}

BOOST_AUTO_TEST_CASE(client_hello_without_supported_versions_is_protocol_version) {
    auto ch = client_hello();
    ch.remove(ext::supported_versions);
    expect_server_rejects(as_record(encode_hello(ch)), error::protocol_version);
}

BOOST_AUTO_TEST_CASE(client_hello_offering_only_tls12_is_protocol_version) {
    auto ch = client_hello();
    auto* sv = ch.find(ext::supported_versions);
    BOOST_TEST_REQUIRE(sv != nullptr);
    sv->data = {2, 0x03, 0x03};
    expect_server_rejects(as_record(encode_hello(ch)), error::protocol_version);
}

BOOST_AUTO_TEST_CASE(no_common_cipher_suite_is_handshake_failure) {
    // By configuration ...
    auto record = client_hello_record(
        [](context& c) { c.set_cipher_suites({cipher_suite::chacha20_poly1305_sha256}); });
    expect_server_rejects(record, error::handshake_failure, [](context& s) {
        s.set_cipher_suites({cipher_suite::aes_128_gcm_sha256, cipher_suite::aes_256_gcm_sha384});
    });
    // ... and with only suites no TLS 1.3 server can pick (TLS 1.2 ECDHE, CCM).
    auto ch = client_hello();
    ch.cipher_suites = {0xc02f, 0xc030, 0x1304, 0x00ff};
    expect_server_rejects(as_record(encode_hello(ch)), error::handshake_failure);
}

BOOST_AUTO_TEST_CASE(no_common_group_is_handshake_failure) {
    auto record = client_hello_record([](context& c) { c.set_groups({named_group::x25519}); });
    expect_server_rejects(record, error::handshake_failure,
                          [](context& s) { s.set_groups({named_group::secp384r1}); });
}

BOOST_AUTO_TEST_CASE(key_share_for_group_not_in_supported_groups_is_illegal_parameter) {
    // RFC 8446 4.2.8: clients MUST NOT offer a share for a group they do not
    // list; servers MAY check and answer illegal_parameter (tlsio does).
    auto ch = client_hello([](context& c) {
        c.set_groups({named_group::x25519, named_group::secp256r1});
    });
    auto* groups = ch.find(ext::supported_groups);
    BOOST_TEST_REQUIRE(groups != nullptr);
    groups->data = {0x00, 0x02, 0x00, 0x17};  // secp256r1 only; the share is x25519
    expect_server_rejects(as_record(encode_hello(ch)), error::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(duplicated_extension_is_illegal_parameter) {
    // RFC 8446 4.2: "There MUST NOT be more than one extension of the same type".
    for (std::uint16_t type : {ext::supported_groups, ext::supported_versions, ext::key_share,
                               ext::server_name, std::uint16_t{0x7a7a}}) {
        BOOST_TEST_CONTEXT("extension " << type) {
            auto ch = client_hello();
            auto* e = ch.find(type);
            extension copy = e != nullptr ? *e : extension{type, {}};
            if (e == nullptr) {
                ch.extensions.insert(ch.extensions.begin(), copy);  // unknown: add it once
            }
            ch.extensions.insert(ch.extensions.begin(), copy);
            expect_server_rejects(as_record(encode_hello(ch)), error::illegal_parameter);
        }
    }
}

BOOST_AUTO_TEST_CASE(key_share_with_wrong_length_is_rejected) {
    // An x25519 share must be 32 bytes (RFC 8446 4.2.8.2; RFC 7748).
    auto ch = client_hello([](context& c) { c.set_groups({named_group::x25519}); });
    auto* ks = ch.find(ext::key_share);
    BOOST_TEST_REQUIRE(ks != nullptr);
    // client_shares<2> { group(2) key_exchange<2> }: shorten the key by one byte.
    bytes& d = ks->data;
    BOOST_TEST_REQUIRE(d.size() == 2u + 4u + 32u);
    d.pop_back();
    d[1] = static_cast<std::uint8_t>(d[1] - 1);
    d[5] = static_cast<std::uint8_t>(d[5] - 1);
    expect_server_rejects(as_record(encode_hello(ch)), error::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(client_alert_before_server_hello_is_reported) {
    auto s = server_party();
    engine server(s.ctx, role::server);
    auto out = feed_and_run(server, plaintext_alert(alert::handshake_failure));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == make_error_code(alert::handshake_failure));
    BOOST_TEST(out.output.empty());  // no alert in answer to an alert
}

// ---- Client: bad ServerHello ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(server_hello_with_unoffered_cipher_suite_is_illegal_parameter) {
    // RFC 8446 4.1.3: a suite that was not offered -> illegal_parameter.
    for (std::uint16_t bad : {std::uint16_t{0x1304}, std::uint16_t{0x1302}, std::uint16_t{0xc02f},
                              std::uint16_t{0x0000}}) {
        BOOST_TEST_CONTEXT("suite " << std::hex << bad) {
            auto r = client_receives_server_flight(
                edit_server_hello([bad](hello& sh) { sh.cipher_suites = {bad}; }));
            expect_client_plaintext_alert(*r, error::illegal_parameter, alert::illegal_parameter);
        }
    }
}

BOOST_AUTO_TEST_CASE(server_hello_downgrade_sentinel_is_downgrade_detected) {
    // RFC 8446 4.1.3: a ServerHello negotiating TLS 1.2 or below whose random
    // ends in DOWNGRD\x01 (or \x00) -> illegal_parameter.
    for (std::uint8_t last : {std::uint8_t{1}, std::uint8_t{0}}) {
        BOOST_TEST_CONTEXT("sentinel DOWNGRD\\x0" << int(last)) {
            auto r = client_receives_server_flight(edit_server_hello([last](hello& sh) {
                sh.remove(ext::supported_versions);  // negotiates TLS 1.2 by legacy_version
                sh.remove(ext::key_share);
                const std::uint8_t sentinel[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, last};
                std::copy(std::begin(sentinel), std::end(sentinel), sh.random.end() - 8);
            }));
            expect_client_plaintext_alert(*r, error::downgrade_detected, alert::illegal_parameter);
        }
    }
}

BOOST_AUTO_TEST_CASE(sentinel_in_tls13_server_hello_is_not_a_downgrade) {
    // The sentinel only means something when the ServerHello picks TLS 1.2 or
    // below. In a TLS 1.3 ServerHello those are just random bytes; changing
    // them only breaks the transcript, so the next protected record fails.
    auto r = client_receives_server_flight(edit_server_hello([](hello& sh) {
        const std::uint8_t sentinel[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
        std::copy(std::begin(sentinel), std::end(sentinel), sh.random.end() - 8);
    }));
    BOOST_TEST(r->client_out.last == status::error);
    BOOST_TEST(r->client_out.ec != err(error::downgrade_detected));
    // The handshake keys differ from the server's, so EncryptedExtensions
    // does not authenticate.
    BOOST_TEST(r->client_out.ec == err(error::bad_record_mac), r->client_out.ec.message());
}

BOOST_AUTO_TEST_CASE(server_hello_session_id_mismatch_is_illegal_parameter) {
    auto r = client_receives_server_flight(edit_server_hello([](hello& sh) {
        if (sh.session_id.empty()) {
            sh.session_id = bytes(32, 0x42);
        } else {
            sh.session_id[0] ^= 0x80;
        }
    }));
    expect_client_plaintext_alert(*r, error::illegal_parameter, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(server_hello_with_other_group_than_offered_is_illegal_parameter) {
    // The client offered only an x25519 share; a ServerHello share for
    // secp256r1 (RFC 8446 4.2.8: the group MUST be one the client offered).
    auto r = client_receives_server_flight(
        edit_server_hello([](hello& sh) {
            auto* ks = sh.find(ext::key_share);
            BOOST_TEST_REQUIRE(ks != nullptr);
            ks->data[0] = 0x00;
            ks->data[1] = 0x17;
        }),
        [](context& c) {
            c.set_groups({named_group::x25519, named_group::secp256r1});
        });
    expect_client_plaintext_alert(*r, error::illegal_parameter, alert::illegal_parameter);
}

// RFC 8446 4.2: "If an implementation receives an extension which it
// recognizes and which is not specified for the message in which it appears,
// it MUST abort the handshake with an illegal_parameter alert". server_name
// was offered (so unsupported_extension does not apply) but belongs in
// EncryptedExtensions. Before, any extension but key_share and
// supported_versions got unsupported_extension.
BOOST_AUTO_TEST_CASE(server_hello_with_offered_extension_of_another_message_is_illegal_parameter) {
    auto r = client_receives_server_flight(edit_server_hello([](hello& sh) {
        sh.extensions.push_back({ext::server_name, {}});
    }));
    expect_client_plaintext_alert(*r, error::illegal_parameter, alert::illegal_parameter);
    // One the client never sent stays unsupported_extension.
    auto u = client_receives_server_flight(edit_server_hello([](hello& sh) {
        sh.extensions.push_back({0x7a7a, {}});
    }));
    expect_client_plaintext_alert(*u, error::unsupported_extension, alert::unsupported_extension);
}

BOOST_AUTO_TEST_CASE(server_hello_selecting_tls12_in_supported_versions_is_illegal_parameter) {
    // RFC 8446 4.2.1: supported_versions in a ServerHello naming a version
    // before TLS 1.3 -> illegal_parameter.
    auto r = client_receives_server_flight(edit_server_hello([](hello& sh) {
        auto* sv = sh.find(ext::supported_versions);
        BOOST_TEST_REQUIRE(sv != nullptr);
        sv->data = {0x03, 0x03};
    }));
    expect_client_plaintext_alert(*r, error::illegal_parameter, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(second_hello_retry_request_is_unexpected_message) {
    // RFC 8446 4.1.4: a second HelloRetryRequest -> unexpected_message.
    auto c = client_party([](context& ctx) {
        ctx.set_groups({named_group::x25519, named_group::secp256r1});
    });
    auto s = server_party([](context& ctx) { ctx.set_groups({named_group::secp256r1}); });
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    auto ch1 = run(client);
    auto hrr_flight = feed_and_run(server, ch1.output);
    BOOST_TEST_REQUIRE(hrr_flight.last == status::want_read);
    auto recs = split_records(hrr_flight.output).records;
    BOOST_TEST_REQUIRE(!recs.empty());
    auto hrr = parse_hello(recs[0].payload);
    BOOST_TEST_REQUIRE(hrr.has_value());
    BOOST_TEST_REQUIRE((hrr->random == hello_retry_request_random()));
    auto ch2 = feed_and_run(client, hrr_flight.output);
    BOOST_TEST_REQUIRE(ch2.last == status::want_read, client.error().message());
    // Instead of the ServerHello, the same HRR again (without a second CCS).
    auto again = feed_and_run(client, encode_record(recs[0]));
    BOOST_TEST(again.last == status::error);
    BOOST_TEST(again.ec == err(error::unexpected_message), again.ec.message());
    BOOST_TEST((again.output == plaintext_alert(alert::unexpected_message)), to_hex(again.output));
}

BOOST_AUTO_TEST_CASE(hello_retry_request_for_offered_share_is_illegal_parameter) {
    // RFC 8446 4.2.8: an HRR selected_group for which the client already sent
    // a share -> illegal_parameter.
    auto r = client_receives_server_flight(
        [](std::vector<record>& recs) {
            auto hrr = parse_hello(recs.at(0).payload);
            BOOST_TEST_REQUIRE(hrr.has_value());
            BOOST_TEST_REQUIRE((hrr->random == hello_retry_request_random()));
            auto* ks = hrr->find(ext::key_share);
            BOOST_TEST_REQUIRE(ks != nullptr);
            ks->data = {0x00, 0x1d};  // x25519, which the client did send
            recs[0].payload = encode_hello(*hrr);
        },
        [](context& c) {
            c.set_groups({named_group::x25519, named_group::secp256r1});
        },
        [](context& s) { s.set_groups({named_group::secp256r1}); });
    expect_client_plaintext_alert(*r, error::illegal_parameter, alert::illegal_parameter);
}

// ---- Key shares of every group -------------------------------------------------------------

namespace {

struct bad_share {
    std::string what;
    bytes value;
};

// key_exchange values of group `g` (whose shares are `size` bytes) that a
// peer must refuse with illegal_parameter (RFC 8446 4.2.8, RFC 7919 5.1).
std::vector<bad_share> bad_shares(named_group g, std::size_t size) {
    std::vector<bad_share> out = {{"one byte short", bytes(size - 1, 0x42)},
                                  {"one byte long", bytes(size + 1, 0x42)}};
    switch (g) {
        case named_group::x25519:
        case named_group::x448:
            out.push_back({"u = 0 (all-zero secret)", bytes(size, 0)});
            break;
        case named_group::secp256r1:
        case named_group::secp384r1:
        case named_group::secp521r1: {
            bytes point(size, 0);
            point[0] = 0x04;
            point[size / 2] = 1;  // x = 1
            point.back() = 1;     // y = 1: not on any of the curves
            out.push_back({"point not on the curve", point});
            break;
        }
        default: {
            bytes one(size, 0);
            one.back() = 1;
            out.push_back({"y = 1", one});
            bytes p_minus_1 = ffdhe_prime(name(g), size);
            p_minus_1.back() = static_cast<std::uint8_t>(p_minus_1.back() - 1);  // p is odd
            out.push_back({"y = p-1", p_minus_1});
            break;
        }
    }
    return out;
}

const std::pair<named_group, std::size_t> groups_and_sizes[] = {
    {named_group::x25519, 32},     {named_group::secp256r1, 65},  {named_group::secp384r1, 97},
    {named_group::x448, 56},       {named_group::secp521r1, 133}, {named_group::ffdhe2048, 256},
    {named_group::ffdhe3072, 384}, {named_group::ffdhe4096, 512}, {named_group::ffdhe6144, 768},
    {named_group::ffdhe8192, 1024}};

bytes u16_bytes(std::size_t v) {
    return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(server_refuses_a_bad_client_share_of_every_group) {
    for (const auto& [group, size] : groups_and_sizes) {
        for (const bad_share& bad : bad_shares(group, size)) {
            BOOST_TEST_CONTEXT(group << ": " << bad.what) {
                const named_group g = group;
                auto ch = client_hello([g](context& c) { c.set_groups({g}); });
                auto* ks = ch.find(ext::key_share);
                BOOST_TEST_REQUIRE(ks != nullptr);
                // client_shares<2> { group, key_exchange<2> }
                bytes entry = u16_bytes(static_cast<std::uint16_t>(g));
                bytes len = u16_bytes(bad.value.size());
                entry.insert(entry.end(), len.begin(), len.end());
                entry.insert(entry.end(), bad.value.begin(), bad.value.end());
                ks->data = u16_bytes(entry.size());
                ks->data.insert(ks->data.end(), entry.begin(), entry.end());
                expect_server_rejects(as_record(encode_hello(ch)), error::illegal_parameter);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(client_refuses_a_bad_server_share_of_every_group) {
    for (const auto& [group, size] : groups_and_sizes) {
        for (const bad_share& bad : bad_shares(group, size)) {
            BOOST_TEST_CONTEXT(group << ": " << bad.what) {
                const named_group g = group;
                const bytes value = bad.value;
                auto r = client_receives_server_flight(
                    edit_server_hello([g, value](hello& sh) {
                        auto* ks = sh.find(ext::key_share);
                        BOOST_TEST_REQUIRE(ks != nullptr);
                        // KeyShareEntry { group, key_exchange<2> }
                        ks->data = u16_bytes(static_cast<std::uint16_t>(g));
                        bytes len = u16_bytes(value.size());
                        ks->data.insert(ks->data.end(), len.begin(), len.end());
                        ks->data.insert(ks->data.end(), value.begin(), value.end());
                    }),
                    [g](context& c) { c.set_groups({g}); });
                expect_client_plaintext_alert(*r, error::illegal_parameter,
                                              alert::illegal_parameter);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(hello_retry_request_for_any_offered_share_is_illegal_parameter) {
    // With shares for x25519 and P-256, an HRR asking for either is refused
    // (RFC 8446 4.2.8), not only one asking for the first.
    for (std::uint8_t asked : {std::uint8_t{0x1d}, std::uint8_t{0x17}}) {
        BOOST_TEST_CONTEXT("HRR selected_group " << int(asked)) {
            auto r = client_receives_server_flight(
                [asked](std::vector<record>& recs) {
                    auto hrr = parse_hello(recs.at(0).payload);
                    BOOST_TEST_REQUIRE(hrr.has_value());
                    BOOST_TEST_REQUIRE((hrr->random == hello_retry_request_random()));
                    auto* ks = hrr->find(ext::key_share);
                    BOOST_TEST_REQUIRE(ks != nullptr);
                    ks->data = {0x00, asked};
                    recs[0].payload = encode_hello(*hrr);
                },
                [](context& c) {
                    c.set_groups(
                        {named_group::x25519, named_group::secp256r1, named_group::secp384r1});
                    c.set_key_share_groups({named_group::x25519, named_group::secp256r1});
                },
                [](context& s) { s.set_groups({named_group::secp384r1}); });
            expect_client_plaintext_alert(*r, error::illegal_parameter, alert::illegal_parameter);
        }
    }
}

BOOST_AUTO_TEST_CASE(server_hello_may_answer_the_second_offered_share) {
    // The client shares x25519 and P-384; a server preferring P-384 answers
    // that one and the client finishes with the matching private key.
    auto c = client_party([](context& ctx) {
        ctx.set_groups({named_group::x25519, named_group::secp384r1});
        ctx.set_key_share_groups({named_group::x25519, named_group::secp384r1});
    });
    auto s = server_party([](context& ctx) { ctx.set_groups({named_group::secp384r1}); });
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    auto r = handshake(client, server);
    BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
    BOOST_TEST(client.group() == named_group::secp384r1);
    BOOST_TEST(!client.used_hello_retry_request());
}

// ---- Protected records ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(flipped_bit_in_server_flight_is_bad_record_mac) {
    auto r = client_receives_server_flight([](std::vector<record>& recs) {
        for (auto& rec : recs) {
            if (rec.type == content_type::application_data) {
                rec.payload[rec.payload.size() / 2] ^= 0x04;
                return;
            }
        }
        BOOST_FAIL("no protected record in the server's flight");
    });
    BOOST_TEST(r->client_out.last == status::error);
    BOOST_TEST(r->client_out.ec == err(error::bad_record_mac), r->client_out.ec.message());
    auto a = alert_in(r->client_out.output, r->c.log, role::client);
    BOOST_TEST_REQUIRE(a.has_value(), "no alert in " << to_hex(r->client_out.output));
    BOOST_TEST(int(*a) == int(alert::bad_record_mac));
}

BOOST_AUTO_TEST_CASE(flipped_bit_in_application_data_is_bad_record_mac) {
    for (std::size_t where : {std::size_t{0}, std::size_t{3}, std::size_t{4}, std::size_t{20}}) {
        BOOST_TEST_CONTEXT("flip at payload byte " << where) {
            auto conn = connect();
            auto w = write_all(*conn->client, to_bytes("sixteen bytes!!!"));
            auto recs = split_records(w.output).records;
            BOOST_TEST_REQUIRE(recs.size() == 1u);
            recs[0].payload.at(where) ^= 0x01;
            auto out = feed_and_run(*conn->server, join_records(recs));
            BOOST_TEST(out.last == status::error);
            BOOST_TEST(out.ec == err(error::bad_record_mac), out.ec.message());
            BOOST_TEST(out.data.empty());
            auto a = alert_in(out.output, conn->s.log, role::server);
            BOOST_TEST_REQUIRE(a.has_value());
            BOOST_TEST(int(*a) == int(alert::bad_record_mac));
            // The peer learns why.
            auto peer = feed_and_run(*conn->client, out.output);
            BOOST_TEST(peer.ec == make_error_code(alert::bad_record_mac));
        }
    }
}

BOOST_AUTO_TEST_CASE(oversized_protected_record_is_record_overflow) {
    // RFC 8446 5.2: TLSCiphertext.length MUST NOT exceed 2^14 + 256.
    auto conn = connect();
    auto out = feed_and_run(*conn->server, encode_record({content_type::application_data, 0x0303,
                                                          bytes(16384 + 256 + 1, 0x33)}));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::record_overflow), out.ec.message());
    auto a = alert_in(out.output, conn->s.log, role::server);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(int(*a) == int(alert::record_overflow));
}

BOOST_AUTO_TEST_CASE(oversized_inner_plaintext_is_record_overflow) {
    // A record that authenticates but whose plaintext exceeds 2^14 (RFC 8446
    // 5.2: "The length MUST NOT exceed 2^14 bytes" for the inner plaintext
    // content) -> record_overflow.
    auto conn = connect();
    auto dec = follow(*conn, role::client);
    auto forged =
        seal_record(dec.application(), content_type::application_data, bytes(16385, 0x61));
    auto out = feed_and_run(*conn->server, encode_record(forged));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::record_overflow), out.ec.message());
    BOOST_TEST(out.data.empty());
}

BOOST_AUTO_TEST_CASE(inner_plaintext_without_content_type_is_unexpected_message) {
    // RFC 8446 5.4: all-zero TLSInnerPlaintext -> unexpected_message.
    auto conn = connect();
    auto dec = follow(*conn, role::client);
    auto forged = seal_record(dec.application(), 0, {}, 10);
    auto out = feed_and_run(*conn->server, encode_record(forged));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::unexpected_message), out.ec.message());
    auto a = alert_in(out.output, conn->s.log, role::server);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(int(*a) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(forged_records_with_known_keys_are_accepted) {
    // Sanity check of the forging used above: a well-formed record under the
    // client's application key, with padding, is read normally.
    auto conn = connect();
    auto dec = follow(*conn, role::client);
    auto forged = seal_record(dec.application(), content_type::application_data,
                              to_bytes("forged but valid"), 37);
    auto out = feed_and_run(*conn->server, encode_record(forged));
    BOOST_TEST(out.last == status::want_read, out.ec.message());
    BOOST_TEST((out.data == to_bytes("forged but valid")));
}

BOOST_AUTO_TEST_CASE(zero_length_application_data_is_accepted) {
    // RFC 8446 5.1: zero-length Application Data fragments MAY be sent.
    auto conn = connect();
    auto dec = follow(*conn, role::server);
    auto empty = seal_record(dec.application(), content_type::application_data, {});
    auto out = feed_and_run(*conn->client, encode_record(empty));
    BOOST_TEST(out.last == status::want_read, out.ec.message());
    BOOST_TEST(!out.ec);
    BOOST_TEST(out.data.empty());
    // The sequence number moved on: the next record is read normally.
    auto next = seal_record(dec.application(), content_type::application_data, to_bytes("x"));
    out = feed_and_run(*conn->client, encode_record(next));
    BOOST_TEST(out.last == status::want_read, out.ec.message());
    BOOST_TEST((out.data == to_bytes("x")));
}

BOOST_AUTO_TEST_CASE(application_data_before_handshake_is_unexpected_message) {
    // A plaintext application_data record before any keys.
    expect_server_rejects(
        encode_record({content_type::application_data, 0x0303, to_bytes("GET / HTTP/1.1\r\n\r\n")}),
        error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(application_data_under_handshake_key_is_unexpected_message) {
    // Application data protected with the client handshake key, sent before
    // the client's Finished: a correctly protected record of the wrong type.
    auto c = client_party();
    auto s = server_party();
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    auto ch = run(client);
    auto flight = feed_and_run(server, ch.output);
    BOOST_TEST_REQUIRE(flight.last == status::want_read);
    auto secret = s.log.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    BOOST_TEST_REQUIRE(secret.has_value());
    auto keys = traffic_keys::from_secret(suite, *secret);
    auto forged = seal_record(keys, content_type::application_data, to_bytes("too early"));
    auto out = feed_and_run(server, encode_record(forged));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::unexpected_message), out.ec.message());
    BOOST_TEST(out.data.empty());
    auto a = alert_in(out.output, s.log, role::server);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(int(*a) == int(alert::unexpected_message));
}

// ---- Fragmentation ----------------------------------------------------------------------

namespace {
// Re-frames the handshake records of a flight as 1-byte records.
void fragment_handshake_records(flight& f) {
    std::vector<record> out;
    for (const auto& r : split_records(f.data).records) {
        if (r.type != content_type::handshake) {
            out.push_back(r);
            continue;
        }
        for (std::uint8_t b : r.payload) {
            out.push_back({content_type::handshake, r.version, bytes{b}});
        }
    }
    f.data = join_records(out);
}
}  // namespace

BOOST_AUTO_TEST_CASE(client_hello_in_one_byte_records_is_accepted) {
    auto c = client_party();
    auto s = server_party();
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    pump_options opts;
    opts.intercept = [](flight& f) {
        if (f.from == role::client && f.index == 0) {
            fragment_handshake_records(f);
        }
    };
    auto r = handshake(client, server, opts);
    BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
}

BOOST_AUTO_TEST_CASE(server_hello_in_one_byte_records_is_accepted) {
    auto c = client_party();
    auto s = server_party();
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    pump_options opts;
    opts.intercept = [](flight& f) {
        if (f.from == role::server && f.index == 0) {
            fragment_handshake_records(f);
        }
    };
    auto r = handshake(client, server, opts);
    BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
}

BOOST_AUTO_TEST_CASE(protected_handshake_in_one_byte_records_is_accepted) {
    // Re-encrypt the server's EncryptedExtensions..Finished as one byte per
    // record (legal: handshake messages may be fragmented across records).
    auto c = client_party();
    auto s = server_party();
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    auto ch = run(client);
    auto flight_out = feed_and_run(server, ch.output);
    auto hs_secret = s.log.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    BOOST_TEST_REQUIRE(hs_secret.has_value());
    auto open_keys = traffic_keys::from_secret(suite, *hs_secret);
    auto seal_keys = traffic_keys::from_secret(suite, *hs_secret);
    std::vector<record> out;
    for (const auto& r : split_records(flight_out.output).records) {
        if (r.type != content_type::application_data) {
            out.push_back(r);
            continue;
        }
        auto plain = open_record(open_keys, r);
        BOOST_TEST_REQUIRE(plain.has_value());
        BOOST_TEST_REQUIRE(plain->type == content_type::handshake);
        for (std::uint8_t b : plain->payload) {
            out.push_back(seal_record(seal_keys, content_type::handshake, bytes{b}));
        }
    }
    auto res = feed_and_run(client, join_records(out));
    BOOST_TEST(res.last == status::done, res.ec.message() << " " << client.error_message());
    BOOST_TEST(client.handshake_done());
}

BOOST_AUTO_TEST_CASE(records_split_at_every_byte_boundary_are_reassembled) {
    // Transport-level fragmentation (not record-level): any split works.
    auto c = client_party();
    auto s = server_party();
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    pump_options opts;
    opts.chunk_size = 3;
    opts.max_steps = 100000;
    auto r = handshake(client, server, opts);
    BOOST_TEST(r.ok(), client.error_message() << " / " << server.error_message());
}

BOOST_AUTO_TEST_CASE(zero_length_handshake_record_is_unexpected_message) {
    // RFC 8446 5.1: "Implementations MUST NOT send zero-length fragments of
    // Handshake types". The RFC names no alert for the receiver; tlsio answers
    // unexpected_message, as OpenSSL does.
    expect_server_rejects(encode_record({content_type::handshake, 0x0301, {}}),
                          error::unexpected_message);
    // Also between two fragments of a ClientHello.
    auto recs = split_records(client_hello_record()).records;
    BOOST_TEST_REQUIRE(recs.size() == 1u);
    auto& p = recs[0].payload;
    bytes first(p.begin(), p.begin() + 10);
    bytes rest(p.begin() + 10, p.end());
    expect_server_rejects(join_records({{content_type::handshake, 0x0301, first},
                                        {content_type::handshake, 0x0301, {}},
                                        {content_type::handshake, 0x0301, rest}}),
                          error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(zero_length_protected_handshake_record_is_unexpected_message) {
    auto conn = connect();
    auto dec = follow(*conn, role::server);
    auto forged = seal_record(dec.application(), content_type::handshake, {});
    auto out = feed_and_run(*conn->client, encode_record(forged));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::unexpected_message), out.ec.message());
}

// ---- ChangeCipherSpec ----------------------------------------------------------------------

namespace {
const record ccs{content_type::change_cipher_spec, 0x0303, bytes{1}};
}

BOOST_AUTO_TEST_CASE(ccs_before_server_hello_is_ignored) {
    // RFC 8446 5: a CCS of 0x01 received after the first ClientHello was sent
    // and before the peer's Finished is dropped.
    auto r = client_receives_server_flight([](std::vector<record>& recs) {
        std::erase_if(recs,
                      [](const record& x) { return x.type == content_type::change_cipher_spec; });
        recs.insert(recs.begin(), ccs);
    });
    BOOST_TEST(r->client_out.last == status::done, r->client_out.ec.message());
    BOOST_TEST(r->client->handshake_done());
}

BOOST_AUTO_TEST_CASE(ccs_with_wrong_payload_is_unexpected_message) {
    for (const bytes& payload : {bytes{2}, bytes{0}, bytes{1, 1}}) {
        BOOST_TEST_CONTEXT("CCS payload " << to_hex(payload)) {
            auto r = client_receives_server_flight([&payload](std::vector<record>& recs) {
                std::erase_if(recs, [](const record& x) {
                    return x.type == content_type::change_cipher_spec;
                });
                recs.insert(recs.begin() + 1,
                            record{content_type::change_cipher_spec, 0x0303, payload});
            });
            BOOST_TEST(r->client_out.last == status::error);
            BOOST_TEST(r->client_out.ec == err(error::unexpected_message),
                       r->client_out.ec.message());
            auto a = alert_in(r->client_out.output, r->c.log, role::client);
            BOOST_TEST_REQUIRE(a.has_value(), to_hex(r->client_out.output));
            BOOST_TEST(int(*a) == int(alert::unexpected_message));
        }
    }
}

BOOST_AUTO_TEST_CASE(ccs_before_client_hello_is_unexpected_message) {
    // RFC 8446 5: a CCS before the first ClientHello is an unexpected record.
    auto record_bytes = encode_record(ccs);
    auto ch = client_hello_record();
    record_bytes.insert(record_bytes.end(), ch.begin(), ch.end());
    expect_server_rejects(record_bytes, error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(ccs_after_handshake_is_unexpected_message) {
    auto conn = connect();
    auto out = feed_and_run(*conn->client, encode_record(ccs));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::unexpected_message), out.ec.message());
    auto a = alert_in(out.output, conn->c.log, role::client);
    BOOST_TEST_REQUIRE(a.has_value(), to_hex(out.output));
    BOOST_TEST(int(*a) == int(alert::unexpected_message));
    // And the server hears about it.
    auto peer = feed_and_run(*conn->server, out.output);
    BOOST_TEST(peer.ec == make_error_code(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(protected_ccs_is_unexpected_message) {
    // RFC 8446 5: a protected change_cipher_spec record -> unexpected_message.
    auto conn = connect();
    auto dec = follow(*conn, role::server);
    auto forged = seal_record(dec.application(), content_type::change_cipher_spec, bytes{1});
    auto out = feed_and_run(*conn->client, encode_record(forged));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::unexpected_message), out.ec.message());
}

// ---- Transport EOF ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(eof_mid_handshake_is_stream_truncated) {
    auto ch = client_hello_record();
    // Server: EOF before anything, in the middle of a record, after the header.
    for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{5}, ch.size() / 2}) {
        BOOST_TEST_CONTEXT("server gets " << cut << " bytes then EOF") {
            auto s = server_party();
            engine server(s.ctx, role::server);
            server.feed(bytes(ch.begin(), ch.begin() + static_cast<std::ptrdiff_t>(cut)));
            auto first = run(server);
            BOOST_TEST(first.last == status::want_read);
            server.commit_eof();
            auto out = run(server);
            BOOST_TEST(out.last == status::error);
            BOOST_TEST(out.ec == err(error::stream_truncated), out.ec.message());
        }
    }
    // Client: EOF after sending its ClientHello, and in the middle of the
    // server's flight.
    for (bool partial : {false, true}) {
        BOOST_TEST_CONTEXT("client, partial flight " << partial) {
            auto c = client_party();
            auto s = server_party();
            engine client(c.ctx, role::client, localhost());
            engine server(s.ctx, role::server);
            auto hello_out = run(client);
            if (partial) {
                auto flight_out = feed_and_run(server, hello_out.output);
                client.feed(bytes(flight_out.output.begin(),
                                  flight_out.output.begin() +
                                      static_cast<std::ptrdiff_t>(flight_out.output.size() - 7)));
                BOOST_TEST(run(client).last == status::want_read);
            }
            client.commit_eof();
            auto out = run(client);
            BOOST_TEST(out.last == status::error);
            BOOST_TEST(out.ec == err(error::stream_truncated), out.ec.message());
        }
    }
}

// ---- Garbage --------------------------------------------------------------------------------

namespace {

bytes garbage(std::size_t len, std::uint32_t seed) {
    std::mt19937 rng(seed);
    bytes out(len);
    for (auto& b : out) {
        b = static_cast<std::uint8_t>(rng());
    }
    return out;
}

// Each call returns, and the engine ends in error (with a tlsio::error and a
// plaintext alert) or still waiting for input; never done, never a crash.
void check_survives(engine& e, const bytes& input, const char* what) {
    BOOST_TEST_CONTEXT(
        what << ", " << input.size() << " bytes: "
             << to_hex(byte_view(input).first(std::min<std::size_t>(input.size(), 16)))) {
        e.feed(input);
        auto out = run(e, 64);
        BOOST_TEST((out.last == status::error || out.last == status::want_read));
        BOOST_TEST(out.calls < 64u);
        BOOST_TEST(!e.handshake_done());
        if (out.last == status::error && !input.empty() && input[0] == content_type::alert &&
            &out.ec.category() == &alert_category()) {
            // The garbage happened to parse as an alert from the peer: that
            // ends the connection without an answer.
            BOOST_TEST(out.output.empty());
        } else if (out.last == status::error) {
            BOOST_TEST((&out.ec.category() == &error_category()), out.ec.message());
            // Before any keys, the alert is a single plaintext alert record.
            auto recs = split_records(out.output);
            BOOST_TEST(recs.rest.empty());
            BOOST_TEST(recs.records.size() == 1u);
            if (recs.records.size() == 1u) {
                BOOST_TEST(recs.records[0].type == content_type::alert);
                BOOST_TEST(recs.records[0].payload.size() == 2u);
                BOOST_TEST(recs.records[0].payload.at(0) == 2);  // fatal
            }
        } else {
            BOOST_TEST(out.output.empty());
        }
        // After the error, further calls keep failing (no state resurrection).
        if (out.last == status::error) {
            BOOST_TEST(e.handshake() == status::error);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_garbage_to_server) {
    std::vector<std::size_t> lengths;
    for (std::size_t i = 1; i <= 64; ++i) {
        lengths.push_back(i);
    }
    for (std::size_t i : {100, 200, 255, 256, 257, 511, 1000, 4096, 16389, 20000, 70000}) {
        lengths.push_back(i);
    }
    for (std::size_t len : lengths) {
        for (std::uint32_t seed = 0; seed < 3; ++seed) {
            auto s = server_party();
            engine server(s.ctx, role::server);
            check_survives(server, garbage(len, static_cast<std::uint32_t>(len * 31 + seed)),
                           "raw garbage");
        }
    }
}

BOOST_AUTO_TEST_CASE(garbage_inside_a_valid_handshake_record) {
    // A well-formed record header and handshake header pointing at garbage,
    // so the ClientHello parser itself sees the noise.
    for (std::size_t len = 0; len < 300; len += 7) {
        for (std::uint32_t seed = 0; seed < 4; ++seed) {
            auto body = garbage(len, static_cast<std::uint32_t>(len * 131 + seed));
            bytes msg = {1, 0, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
            msg.insert(msg.end(), body.begin(), body.end());
            auto s = server_party();
            engine server(s.ctx, role::server);
            check_survives(server, as_record(msg), "ClientHello garbage");
        }
    }
}

BOOST_AUTO_TEST_CASE(mutated_client_hellos) {
    // Single-byte mutations of a real ClientHello: each either still works
    // (want_read: waiting for the client's Finished, or a full record still
    // to come) or fails cleanly.
    auto ch = client_hello_record();
    std::mt19937 rng(7);
    for (std::size_t pos = 0; pos < ch.size(); ++pos) {
        bytes m = ch;
        m[pos] = static_cast<std::uint8_t>(m[pos] ^ (1u + rng() % 255u));
        auto s = server_party();
        engine server(s.ctx, role::server);
        server.feed(m);
        auto out = run(server, 64);
        BOOST_TEST_CONTEXT("byte " << pos) {
            BOOST_TEST((out.last == status::error || out.last == status::want_read));
            BOOST_TEST(out.calls < 64u);
            if (out.last == status::error && &out.ec.category() != &alert_category()) {
                BOOST_TEST((&out.ec.category() == &error_category()), out.ec.message());
                BOOST_TEST(!out.output.empty());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(random_garbage_to_client) {
    for (std::size_t len : {1, 2, 4, 5, 6, 9, 40, 100, 1000, 17000}) {
        for (std::uint32_t seed = 0; seed < 3; ++seed) {
            auto c = client_party();
            engine client(c.ctx, role::client, localhost());
            auto hello_out = run(client);
            BOOST_TEST_REQUIRE(hello_out.last == status::want_read);
            check_survives(client, garbage(len, static_cast<std::uint32_t>(len * 17 + seed)),
                           "garbage to client");
        }
    }
    // Garbage inside a ServerHello record.
    for (std::size_t len = 0; len < 200; len += 5) {
        auto body = garbage(len, static_cast<std::uint32_t>(len));
        bytes msg = {2, 0, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
        msg.insert(msg.end(), body.begin(), body.end());
        auto c = client_party();
        engine client(c.ctx, role::client, localhost());
        run(client);
        check_survives(client, as_record(msg, 0x0303), "ServerHello garbage");
    }
}

BOOST_AUTO_TEST_CASE(garbage_after_handshake) {
    // Random bytes where protected records are expected: bad_record_mac or
    // another protocol error, never data.
    for (std::size_t len : {5, 21, 22, 100, 1000}) {
        auto conn = connect();
        auto g = garbage(len, static_cast<std::uint32_t>(len));
        // A plausible header so the body reaches the AEAD.
        g[0] = content_type::application_data;
        g[1] = 0x03;
        g[2] = 0x03;
        g[3] = static_cast<std::uint8_t>((len - 5) >> 8);
        g[4] = static_cast<std::uint8_t>(len - 5);
        auto out = feed_and_run(*conn->server, g);
        BOOST_TEST_CONTEXT("length " << len) {
            BOOST_TEST(out.last == status::error);
            BOOST_TEST(out.data.empty());
            // Under 17 bytes of body there is not even a tag: still bad_record_mac
            // (RFC 8446 5.2: a record that fails deprotection).
            BOOST_TEST(out.ec == err(error::bad_record_mac), out.ec.message());
        }
    }
}

// ---- Protected handshake messages, edited with the keylog ----------------------------------

namespace {

using message_edit = std::function<void(std::vector<bytes>& messages)>;

// Opens every protected record of a flight with `secret`, lets `edit` change
// the handshake messages, and seals each message into its own record again
// (plaintext records stay where they were, in front).
bytes reseal_flight(const bytes& flight_bytes, const bytes& secret, const message_edit& edit) {
    auto open_keys = traffic_keys::from_secret(suite, secret);
    std::vector<record> plain_records;
    bytes stream;
    for (const auto& r : split_records(flight_bytes).records) {
        if (r.type != content_type::application_data) {
            plain_records.push_back(r);
            continue;
        }
        auto plain = open_record(open_keys, r);
        BOOST_TEST_REQUIRE(plain.has_value());
        BOOST_TEST_REQUIRE(plain->type == content_type::handshake);
        stream.insert(stream.end(), plain->payload.begin(), plain->payload.end());
    }
    auto messages = split_handshake_messages(stream);
    BOOST_TEST_REQUIRE(messages.has_value());
    edit(*messages);
    auto seal_keys = traffic_keys::from_secret(suite, secret);
    for (const auto& m : *messages) {
        plain_records.push_back(seal_record(seal_keys, content_type::handshake, m));
    }
    return join_records(plain_records);
}

bytes handshake_message(std::uint8_t type, const bytes& body) {
    bytes m = {type, static_cast<std::uint8_t>(body.size() >> 16),
               static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    m.insert(m.end(), body.begin(), body.end());
    return m;
}

std::vector<int> types_of(const std::vector<bytes>& messages) {
    std::vector<int> t;
    for (const auto& m : messages) {
        t.push_back(m.at(0));
    }
    return t;
}

// The client's reaction to the server's first flight with its protected
// messages edited.
struct edited_flight_run {
    party c;
    party s;
    std::unique_ptr<engine> client;
    std::unique_ptr<engine> server;
    run_outcome client_out;
};

std::unique_ptr<edited_flight_run> client_gets_edited_server_messages(
    const message_edit& edit, const std::function<void(context&)>& client_tweak = {}) {
    auto r = std::make_unique<edited_flight_run>();
    r->c = client_party(client_tweak);
    r->s = server_party();
    r->client = std::make_unique<engine>(r->c.ctx, role::client, localhost());
    r->server = std::make_unique<engine>(r->s.ctx, role::server);
    auto ch = run(*r->client);
    auto flight = feed_and_run(*r->server, ch.output);
    BOOST_TEST_REQUIRE(flight.last == status::want_read);
    auto secret = r->s.log.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    BOOST_TEST_REQUIRE(secret.has_value());
    r->client_out = feed_and_run(*r->client, reseal_flight(flight.output, *secret, [&](auto& msgs) {
        // EE, Certificate, CertificateVerify, Finished
        BOOST_TEST_REQUIRE((types_of(msgs) == std::vector<int>{8, 11, 15, 20}));
        edit(msgs);
    }));
    return r;
}

void expect_client_error(const edited_flight_run& r, error expected) {
    BOOST_TEST(r.client_out.last == status::error);
    BOOST_TEST(r.client_out.ec == err(expected),
               "got " << r.client_out.ec.message() << " (" << r.client->error_message() << ")");
    BOOST_TEST(!r.client->handshake_done());
    auto a = alert_in(r.client_out.output, r.c.log, role::client);
    BOOST_TEST_REQUIRE(a.has_value(), "no alert in " << to_hex(r.client_out.output));
    BOOST_TEST(int(*a) == int(to_alert(expected)));
}

}  // namespace

BOOST_AUTO_TEST_CASE(resealed_server_flight_is_accepted) {
    // Sanity check of the re-sealing: unchanged messages, one per record.
    auto r = client_gets_edited_server_messages([](std::vector<bytes>&) {});
    BOOST_TEST(r->client_out.last == status::done, r->client_out.ec.message());
    BOOST_TEST(r->client->handshake_done());
}

BOOST_AUTO_TEST_CASE(bad_server_finished_is_decrypt_error) {
    // RFC 8446 4.4.4: a Finished that does not verify -> decrypt_error.
    auto r = client_gets_edited_server_messages(
        [](std::vector<bytes>& msgs) { msgs[3].back() ^= 0x01; });
    expect_client_error(*r, error::decrypt_error);
}

BOOST_AUTO_TEST_CASE(bad_certificate_verify_signature_is_decrypt_error) {
    // RFC 8446 4.4.3: a CertificateVerify that does not verify -> decrypt_error.
    auto r = client_gets_edited_server_messages([](std::vector<bytes>& msgs) {
        msgs[2].back() ^= 0x01;  // inside the ECDSA signature's DER
    });
    expect_client_error(*r, error::decrypt_error);
}

BOOST_AUTO_TEST_CASE(certificate_verify_with_unoffered_scheme_is_illegal_parameter) {
    // The client offered only ecdsa_secp256r1_sha256; the server's
    // CertificateVerify claims ed25519 (RFC 8446 4.4.3: must be offered ->
    // illegal_parameter).
    auto r = client_gets_edited_server_messages(
        [](std::vector<bytes>& msgs) {
            BOOST_TEST_REQUIRE(msgs[2].size() > 6u);
            msgs[2][4] = 0x08;
            msgs[2][5] = 0x07;
        },
        [](context& c) { c.set_signature_schemes({signature_scheme::ecdsa_secp256r1_sha256}); });
    expect_client_error(*r, error::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(missing_certificate_verify_is_unexpected_message) {
    auto r = client_gets_edited_server_messages(
        [](std::vector<bytes>& msgs) { msgs.erase(msgs.begin() + 2); });
    expect_client_error(*r, error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(missing_certificate_is_unexpected_message) {
    auto r = client_gets_edited_server_messages(
        [](std::vector<bytes>& msgs) { msgs.erase(msgs.begin() + 1, msgs.begin() + 3); });
    expect_client_error(*r, error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(swapped_encrypted_extensions_and_certificate_is_unexpected_message) {
    auto r = client_gets_edited_server_messages(
        [](std::vector<bytes>& msgs) { std::swap(msgs[0], msgs[1]); });
    expect_client_error(*r, error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(duplicated_encrypted_extensions_is_unexpected_message) {
    auto r = client_gets_edited_server_messages(
        [](std::vector<bytes>& msgs) { msgs.insert(msgs.begin() + 1, msgs[0]); });
    expect_client_error(*r, error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(empty_server_certificate_is_decode_error) {
    // RFC 8446 4.4.2.4: an empty server Certificate -> decode_error.
    auto r = client_gets_edited_server_messages([](std::vector<bytes>& msgs) {
        msgs[1] = handshake_message(11, bytes{0, 0, 0, 0});
    });
    expect_client_error(*r, error::decode_error);
}

BOOST_AUTO_TEST_CASE(unrequested_extension_in_certificate_entry_is_unsupported_extension) {
    // RFC 8446 4.4.2 and 4.2: a CertificateEntry carries only extensions the
    // client asked for (status_request, SCT); tlsio asks for none.
    for (std::uint16_t type : {std::uint16_t{5}, std::uint16_t{18}, std::uint16_t{0x1234}}) {
        auto r = client_gets_edited_server_messages([type](std::vector<bytes>& msgs) {
            bytes& m = msgs[1];
            // The last entry's extensions<2> are the message's last two bytes.
            BOOST_TEST_REQUIRE(m.size() > 10u);
            BOOST_TEST_REQUIRE(int(m[m.size() - 2]) == 0);
            BOOST_TEST_REQUIRE(int(m[m.size() - 1]) == 0);
            m[m.size() - 1] = 4;
            m.insert(m.end(),
                     {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 0});
            bytes body(m.begin() + 4, m.end());
            // certificate_request_context<1>, then certificate_list<3>.
            std::size_t list =
                (std::size_t{body[1]} << 16 | std::size_t{body[2]} << 8 | body[3]) + 4;
            body[1] = static_cast<std::uint8_t>(list >> 16);
            body[2] = static_cast<std::uint8_t>(list >> 8);
            body[3] = static_cast<std::uint8_t>(list);
            m = handshake_message(11, body);
        });
        BOOST_TEST_CONTEXT("extension " << type) {
            expect_client_error(*r, error::unsupported_extension);
        }
    }
}

BOOST_AUTO_TEST_CASE(garbage_server_certificate_is_bad_certificate) {
    // A certificate entry that is not DER -> bad_certificate (RFC 8446 6.2).
    auto r = client_gets_edited_server_messages([](std::vector<bytes>& msgs) {
        // context<0> certificate_list<3> { cert_data<3> "junk" extensions<2> }
        msgs[1] = handshake_message(11, bytes{0, 0, 0, 9, 0, 0, 4, 'j', 'u', 'n', 'k', 0, 0});
    });
    expect_client_error(*r, error::bad_certificate);
}

BOOST_AUTO_TEST_CASE(forbidden_extension_in_encrypted_extensions_is_illegal_parameter) {
    // RFC 8446 4.2: a known extension in a message it is not allowed in ->
    // illegal_parameter. key_share and supported_versions never go in EE.
    for (std::uint16_t type : {ext::key_share, ext::supported_versions}) {
        BOOST_TEST_CONTEXT("extension " << type) {
            auto r = client_gets_edited_server_messages([type](std::vector<bytes>& msgs) {
                bytes& ee = msgs[0];
                // EE body: extensions<2>; append {type, length 2, 0x03 0x04}.
                bytes body(ee.begin() + 4, ee.end());
                std::size_t ext_len = static_cast<std::size_t>(body[0]) << 8 | body[1];
                body.insert(body.end(), {static_cast<std::uint8_t>(type >> 8),
                                         static_cast<std::uint8_t>(type), 0, 2, 3, 4});
                ext_len += 6;
                body[0] = static_cast<std::uint8_t>(ext_len >> 8);
                body[1] = static_cast<std::uint8_t>(ext_len);
                ee = handshake_message(8, body);
            });
            expect_client_error(*r, error::illegal_parameter);
        }
    }
}

BOOST_AUTO_TEST_CASE(unsolicited_alpn_in_encrypted_extensions_is_unsupported_extension) {
    // RFC 8446 4.2: an extension response without the request ->
    // unsupported_extension. The client offered no ALPN.
    auto r = client_gets_edited_server_messages([](std::vector<bytes>& msgs) {
        // EE with just ALPN "h2": 00 10 | 00 05 | 00 03 02 'h' '2'
        msgs[0] = handshake_message(8, bytes{0, 9, 0, 16, 0, 5, 0, 3, 2, 'h', '2'});
    });
    expect_client_error(*r, error::unsupported_extension);
}

BOOST_AUTO_TEST_CASE(alpn_not_offered_by_client_is_illegal_parameter) {
    // The client offered "h2"; the server "selects" "spdy/1".
    auto r = client_gets_edited_server_messages(
        [](std::vector<bytes>& msgs) {
            msgs[0] = handshake_message(
                8, bytes{0, 13, 0, 16, 0, 9, 0, 7, 6, 's', 'p', 'd', 'y', '/', '1'});
        },
        [](context& c) { c.set_alpn_protocols({"h2"}); });
    expect_client_error(*r, error::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(server_hello_followed_by_data_before_key_change_is_unexpected_message) {
    // RFC 8446 5.1: handshake messages MUST NOT span a key change; the first
    // byte of the next message in the ServerHello's record -> unexpected_message.
    auto r = client_receives_server_flight([](std::vector<record>& recs) {
        recs.at(0).payload.push_back(8);  // the start of an EncryptedExtensions
    });
    BOOST_TEST(r->client_out.last == status::error);
    BOOST_TEST(r->client_out.ec == err(error::unexpected_message), r->client_out.ec.message());
    auto a = alert_in(r->client_out.output, r->c.log, role::client);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(int(*a) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(client_hello_followed_by_data_before_key_change_is_unexpected_message) {
    auto recs = split_records(client_hello_record()).records;
    BOOST_TEST_REQUIRE(recs.size() == 1u);
    recs[0].payload.push_back(20);  // the start of a Finished, in the clear
    expect_server_rejects(join_records(recs), error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(bad_client_finished_is_decrypt_error) {
    auto c = client_party();
    auto s = server_party();
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    auto ch = run(client);
    auto flight = feed_and_run(server, ch.output);
    auto second = feed_and_run(client, flight.output);
    BOOST_TEST_REQUIRE(second.last == status::done);
    auto secret = c.log.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    BOOST_TEST_REQUIRE(secret.has_value());
    auto edited = reseal_flight(second.output, *secret, [](std::vector<bytes>& msgs) {
        BOOST_TEST_REQUIRE((types_of(msgs) == std::vector<int>{20}));
        msgs[0][10] ^= 0x40;
    });
    auto out = feed_and_run(server, edited);
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::decrypt_error), out.ec.message());
    BOOST_TEST(!server.handshake_done());
    auto a = alert_in(out.output, s.log, role::server);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(int(*a) == int(alert::decrypt_error));
}

// ---- Post-handshake messages -----------------------------------------------------------

namespace {
// Feeds the client one record forged under the server's application key.
run_outcome server_sends_protected(connection& conn, std::uint8_t type, const bytes& content) {
    auto dec = follow(conn, role::server);
    auto forged = seal_record(dec.application(), type, content);
    return feed_and_run(*conn.client, encode_record(forged));
}
}  // namespace

BOOST_AUTO_TEST_CASE(new_session_ticket_is_accepted_by_client) {
    // Every OpenSSL server sends tickets; a client that does not resume must
    // still accept and skip them (RFC 8446 4.6.1).
    auto conn = connect();
    bytes nst_body = {0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 0, 0, 4, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0};
    auto dec = follow(*conn, role::server);
    bytes wire = encode_record(
        seal_record(dec.application(), content_type::handshake, handshake_message(4, nst_body)));
    auto data = encode_record(
        seal_record(dec.application(), content_type::application_data, to_bytes("after ticket")));
    wire.insert(wire.end(), data.begin(), data.end());
    auto out = feed_and_run(*conn->client, wire);
    BOOST_TEST(out.last == status::want_read, out.ec.message());
    BOOST_TEST(!out.ec);
    BOOST_TEST((out.data == to_bytes("after ticket")));
}

BOOST_AUTO_TEST_CASE(malformed_new_session_ticket_is_decode_error) {
    auto conn = connect();
    // The ticket<1..2^16-1> length runs past the end of the message.
    auto out = server_sends_protected(
        *conn, content_type::handshake,
        handshake_message(4, bytes{0, 0, 0x1c, 0x20, 1, 2, 3, 4, 0, 0, 9, 0xaa}));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::decode_error), out.ec.message());
}

BOOST_AUTO_TEST_CASE(key_update_with_invalid_request_is_illegal_parameter) {
    // RFC 8446 4.6.3: request_update other than 0 or 1 -> illegal_parameter.
    auto conn = connect();
    auto out =
        server_sends_protected(*conn, content_type::handshake, handshake_message(24, bytes{2}));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::illegal_parameter), out.ec.message());
    auto a = alert_in(out.output, conn->c.log, role::client);
    BOOST_TEST_REQUIRE(a.has_value());
    BOOST_TEST(int(*a) == int(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(unsolicited_post_handshake_certificate_request_is_unexpected_message) {
    // RFC 8446 4.6.2: the client sent no post_handshake_auth -> unexpected_message.
    auto conn = connect();
    bytes body = {1, 5, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3};
    auto out = server_sends_protected(*conn, content_type::handshake, handshake_message(13, body));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::unexpected_message), out.ec.message());
}

BOOST_AUTO_TEST_CASE(server_hello_after_handshake_is_unexpected_message) {
    auto conn = connect();
    auto recs = split_records(conn->result.flights_from(role::server).at(0)->data).records;
    auto out = server_sends_protected(*conn, content_type::handshake, recs.at(0).payload);
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::unexpected_message), out.ec.message());
}

BOOST_AUTO_TEST_CASE(fatal_alert_after_handshake_is_reported) {
    auto conn = connect();
    auto out = server_sends_protected(*conn, content_type::alert, bytes{2, 80});
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == make_error_code(alert::internal_error));
    BOOST_TEST(out.output.empty());
}

BOOST_AUTO_TEST_CASE(data_after_close_notify_is_ignored) {
    // RFC 8446 6.1: data received after a closure alert MUST be ignored.
    auto conn = connect();
    auto dec = follow(*conn, role::server);
    bytes wire = encode_record(seal_record(dec.application(), content_type::alert, bytes{1, 0}));
    auto late = encode_record(
        seal_record(dec.application(), content_type::application_data, to_bytes("late")));
    wire.insert(wire.end(), late.begin(), late.end());
    conn->client->feed(wire);
    bytes got;
    BOOST_TEST(read_available(*conn->client, got) == status::closed);
    BOOST_TEST(got.empty());
    BOOST_TEST(!conn->client->error());
    BOOST_TEST(read_available(*conn->client, got) == status::closed);
    BOOST_TEST(got.empty());
}

BOOST_AUTO_TEST_CASE(hello_retry_request_cookie_is_echoed) {
    // RFC 8446 4.2.2: a client MUST echo the HRR's cookie in its second
    // ClientHello.
    auto c = client_party([](context& ctx) {
        ctx.set_groups({named_group::x25519, named_group::secp256r1});
    });
    auto s = server_party([](context& ctx) { ctx.set_groups({named_group::secp256r1}); });
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    auto ch1 = run(client);
    auto hrr_flight = feed_and_run(server, ch1.output);
    auto recs = split_records(hrr_flight.output).records;
    auto hrr = parse_hello(recs.at(0).payload);
    BOOST_TEST_REQUIRE(hrr.has_value());
    const bytes cookie = {0, 6, 'c', 'o', 'o', 'k', 'i', 'e'};
    hrr->extensions.push_back({ext::cookie, cookie});
    recs[0].payload = encode_hello(*hrr);
    auto ch2_out = feed_and_run(client, join_records(recs));
    BOOST_TEST_REQUIRE(ch2_out.last == status::want_read, ch2_out.ec.message());
    std::optional<hello> ch2;
    for (const auto& r : split_records(ch2_out.output).records) {
        if (r.type == content_type::handshake) {
            ch2 = parse_hello(r.payload);
        }
    }
    BOOST_TEST_REQUIRE(ch2.has_value());
    auto* echoed = ch2->find(ext::cookie);
    BOOST_TEST_REQUIRE(echoed != nullptr);
    BOOST_TEST((echoed->data == cookie));
}

BOOST_AUTO_TEST_CASE(inner_plaintext_limit_counts_content_type_and_padding) {
    // RFC 8446 5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1
    // octets" (content + content type + padding); the 2^14 + 256 limit of 5.2
    // is for the ciphertext.
    auto conn = connect();
    auto dec = follow(*conn, role::client);
    // 2^14 bytes of content + content type: the largest legal record.
    bytes content(16384, 0x5a);
    auto largest = seal_record(dec.application(), content_type::application_data, content);
    auto out = feed_and_run(*conn->server, encode_record(largest));
    BOOST_TEST(out.last == status::want_read, out.ec.message());
    BOOST_TEST((out.data == content));
    // Padding may fill the rest of a record: 1 + 1 + 16383 = 2^14 + 1.
    auto padded =
        seal_record(dec.application(), content_type::application_data, to_bytes("p"), 16383);
    out = feed_and_run(*conn->server, encode_record(padded));
    BOOST_TEST(out.last == status::want_read, out.ec.message());
    BOOST_TEST((out.data == to_bytes("p")));
    // One byte of padding more than that is record_overflow, although the
    // ciphertext (2^14 + 18) is well under 2^14 + 256.
    auto over = seal_record(dec.application(), content_type::application_data, content, 1);
    out = feed_and_run(*conn->server, encode_record(over));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::record_overflow), out.ec.message());
}

// ---- Records that make no progress (security review findings 2, 6 and 7) -----------------

BOOST_AUTO_TEST_CASE(warning_alerts_before_client_hello_are_capped) {
    // A million user_canceled warnings before the ClientHello were accepted;
    // BoringSSL allows 4 in a row, and so do we.
    bytes input;
    for (int i = 0; i < 5; ++i) {
        bytes a = {content_type::alert, 0x03, 0x03, 0x00, 0x02, 0x01, 90};
        input.insert(input.end(), a.begin(), a.end());
    }
    expect_server_rejects(input, error::too_many_warning_alerts, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(four_warning_alerts_then_a_client_hello_are_accepted) {
    bytes input;
    for (int i = 0; i < 4; ++i) {
        bytes a = {content_type::alert, 0x03, 0x03, 0x00, 0x02, 0x01, 90};
        input.insert(input.end(), a.begin(), a.end());
    }
    auto ch = client_hello_record();
    input.insert(input.end(), ch.begin(), ch.end());
    auto s = server_party();
    engine server(s.ctx, role::server);
    auto out = feed_and_run(server, input);
    BOOST_TEST(out.last == status::want_read, server.error_message());
    BOOST_TEST(!out.ec);
}

BOOST_AUTO_TEST_CASE(empty_application_data_records_are_capped) {
    auto conn = connect();
    auto dec = follow(*conn, role::server);
    bytes wire;
    for (int i = 0; i < 33; ++i) {
        auto r = encode_record(seal_record(dec.application(), content_type::application_data, {}));
        wire.insert(wire.end(), r.begin(), r.end());
    }
    auto out = feed_and_run(*conn->client, wire);
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::too_many_empty_records), out.ec.message());
    auto a = alert_in(out.output, conn->c.log, role::client);
    BOOST_TEST_REQUIRE(a.has_value(), to_hex(out.output));
    BOOST_TEST(int(*a) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(ccs_between_fragments_of_server_hello_is_unexpected_message) {
    // RFC 8446 5.1: handshake messages MUST NOT be interleaved with other
    // record types, the compatibility CCS included.
    auto r = client_receives_server_flight([](std::vector<record>& recs) {
        BOOST_TEST_REQUIRE(recs.size() >= 2u);
        record first = recs[0];
        record second = recs[0];
        first.payload.resize(10);
        second.payload.erase(second.payload.begin(), second.payload.begin() + 10);
        std::erase_if(recs,
                      [](const record& x) { return x.type == content_type::change_cipher_spec; });
        recs.erase(recs.begin());
        recs.insert(recs.begin(), {first, ccs, second});
    });
    expect_client_plaintext_alert(*r, error::unexpected_message, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(key_update_requests_get_one_reply_while_it_is_unsent) {
    // 200,000 requests with the write side stalled queued 5.4 MB of replies.
    // Now a reply that has not left answers every request before it.
    auto conn = connect();
    for (int i = 0; i < 32; ++i) {
        BOOST_TEST_REQUIRE(conn->client->key_update(true) != status::error);
    }
    // The reply is made once the application has data (or writes): see
    // key_update_requests_in_separate_reads_get_one_reply.
    std::size_t sent = 0;
    BOOST_TEST(conn->client->write(to_bytes("x"), sent) == status::done);
    conn->server->feed(take_output(*conn->client));
    bytes got;
    BOOST_TEST(read_available(*conn->server, got) == status::want_read,
               conn->server->error_message());
    BOOST_TEST((got == to_bytes("x")));
    got.clear();
    // One protected record: header, KeyUpdate (4 + 1), content type, tag.
    BOOST_TEST(conn->server->output().size() == 5u + 5u + 1u + 16u);
    // Once that reply has left, the next request gets its own.
    auto reply = take_output(*conn->server);
    conn->client->feed(reply);
    BOOST_TEST(read_available(*conn->client, got) == status::want_read);
    std::size_t written = 0;
    BOOST_TEST(conn->client->write(to_bytes("data"), written) == status::done);
    BOOST_TEST(conn->client->key_update(true) != status::error);
    conn->server->feed(take_output(*conn->client));
    BOOST_TEST(read_available(*conn->server, got) == status::want_read);
    BOOST_TEST((got == to_bytes("data")));
    BOOST_TEST(conn->server->output().size() == 5u + 5u + 1u + 16u);
    // And both sides still talk under the new keys.
    auto second = take_output(*conn->server);
    conn->client->feed(second);
    BOOST_TEST(read_available(*conn->client, got) == status::want_read);
    BOOST_TEST(!conn->client->error());
}

// BoGo's KeyUpdate-RequestACK: requests that arrive in several reads before
// our next write get one reply (RFC 8446 4.6.3 asks for one before our next
// application data), whatever the transport's timing. Before, each read that
// found a request answered it once the previous reply had left.
BOOST_AUTO_TEST_CASE(key_update_requests_in_separate_reads_get_one_reply) {
    constexpr std::size_t key_update_record = 5 + 5 + 1 + 16;
    auto conn = connect();
    bytes got;
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST_REQUIRE(conn->client->key_update(true) != status::error);
        conn->server->feed(take_output(*conn->client));
        BOOST_TEST(read_available(*conn->server, got) == status::want_read,
                   conn->server->error_message());
        BOOST_TEST(conn->server->output().empty(), "no reply yet after request " << i);
    }
    // The server answers as it writes: one KeyUpdate, then its data.
    std::size_t n = 0;
    BOOST_TEST(conn->server->write(to_bytes("ok"), n) == status::done);
    bytes out = take_output(*conn->server);
    BOOST_TEST(out.size() == key_update_record + 5 + 2 + 1 + 16);
    conn->client->feed(out);
    BOOST_TEST(read_available(*conn->client, got) == status::want_read,
               conn->client->error_message());
    BOOST_TEST((got == to_bytes("ok")));
    // Nothing is pending any more: the next write carries data only.
    BOOST_TEST(conn->server->write(to_bytes("ok"), n) == status::done);
    BOOST_TEST(take_output(*conn->server).size() == 5u + 2u + 1u + 16u);
}

// An endpoint that only reads answers too: once it has handed the data that
// followed the requests to the application, its next read makes the reply.
BOOST_AUTO_TEST_CASE(key_update_reply_from_an_endpoint_that_only_reads) {
    constexpr std::size_t key_update_record = 5 + 5 + 1 + 16;
    auto conn = connect();
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST_REQUIRE(conn->client->key_update(true) != status::error);
    }
    std::size_t n = 0;
    BOOST_TEST(conn->client->write(to_bytes("data"), n) == status::done);
    conn->server->feed(take_output(*conn->client));
    std::array<std::uint8_t, 64> buffer{};
    BOOST_TEST(conn->server->read(buffer, n) == status::done);
    BOOST_TEST(n == 4u);
    BOOST_TEST(conn->server->output().empty(), "the reply waits for a write or the next read");
    BOOST_TEST(conn->server->read(buffer, n) == status::want_read);
    bytes reply = take_output(*conn->server);
    BOOST_TEST(reply.size() == key_update_record);
    // The client takes it and both sides go on under the new keys.
    conn->client->feed(reply);
    bytes got;
    BOOST_TEST(read_available(*conn->client, got) == status::want_read,
               conn->client->error_message());
    BOOST_TEST(conn->server->write(to_bytes("back"), n) == status::done);
    BOOST_TEST(transfer(*conn->server, *conn->client, got) == status::want_read);
    BOOST_TEST((got == to_bytes("back")));
}

// A pending reply goes out before close_notify, so a peer that waits for it
// sees it before the connection ends.
BOOST_AUTO_TEST_CASE(key_update_reply_goes_out_before_close_notify) {
    auto conn = connect();
    BOOST_TEST_REQUIRE(conn->client->key_update(true) != status::error);
    conn->server->feed(take_output(*conn->client));
    bytes got;
    BOOST_TEST(read_available(*conn->server, got) == status::want_read);
    BOOST_TEST(conn->server->output().empty());
    BOOST_TEST(conn->server->shutdown() == status::done);
    bytes out = take_output(*conn->server);
    // KeyUpdate record, then the close_notify record under the new key.
    BOOST_TEST(out.size() == (5u + 5u + 1u + 16u) + (5u + 2u + 1u + 16u));
    conn->client->feed(out);
    BOOST_TEST(read_available(*conn->client, got) == status::closed, conn->client->error_message());
}

BOOST_AUTO_TEST_CASE(more_than_32_key_updates_without_data_are_refused) {
    auto conn = connect();
    for (int i = 0; i < 33; ++i) {
        BOOST_TEST_REQUIRE(conn->client->key_update(false) != status::error);
    }
    auto out = feed_and_run(*conn->server, take_output(*conn->client));
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::too_many_key_updates), out.ec.message());
    BOOST_TEST(!conn->server->error_message().empty());
}

BOOST_AUTO_TEST_CASE(key_updates_with_data_between_are_not_capped) {
    auto conn = connect();
    bytes got;
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 30; ++i) {
            BOOST_TEST_REQUIRE(conn->client->key_update(false) != status::error);
        }
        std::size_t n = 0;
        BOOST_TEST(conn->client->write(to_bytes("x"), n) == status::done);
        conn->server->feed(take_output(*conn->client));
        BOOST_TEST(read_available(*conn->server, got) == status::want_read,
                   conn->server->error_message());
    }
    BOOST_TEST((got == to_bytes("xxx")));
}

// ---- Signature scheme choice ----------------------------------------------------------------

// BoGo's RSA-PSS-Large: RSA-PSS with SHA-512 needs a modulus of at least
// 2 * 64 + 2 bytes, so a 1024-bit key cannot sign with it. With only that
// scheme offered the server has nothing to sign with (handshake_failure, as
// BoringSSL's NO_COMMON_SIGNATURE_ALGORITHMS); before, it chose the scheme
// and failed with internal_error when signing.
BOOST_AUTO_TEST_CASE(rsa_pss_sha512_is_not_chosen_for_a_1024_bit_key) {
    leaf_options o;
    o.rsa_bits = 1024;
    static const issued small = test_ca().issue(o);
    auto make_server = [] {
        party p{context(context::tlsv13_server), {}};
        p.ctx.set_security_level(0);  // a 1024-bit key is below the default level
        p.ctx.use_certificate_chain(small.chain_pem);
        p.ctx.use_private_key(small.key_pem);
        return p;
    };
    {
        party s = make_server();
        party c = client_party([](context& ctx) {
            ctx.set_security_level(0);
            ctx.set_signature_schemes({signature_scheme::rsa_pss_rsae_sha512});
        });
        engine client(c.ctx, role::client, localhost());
        engine server(s.ctx, role::server);
        pump_result r = handshake(client, server);
        BOOST_TEST(!r.ok());
        BOOST_TEST(server.error() == err(error::handshake_failure), server.error_message());
        BOOST_TEST(client.error() == make_error_code(alert::handshake_failure),
                   client.error_message());
    }
    {
        // With SHA-256 offered too, the server signs with that one.
        party s = make_server();
        party c = client_party([](context& ctx) {
            ctx.set_security_level(0);
            ctx.set_signature_schemes(
                {signature_scheme::rsa_pss_rsae_sha512, signature_scheme::rsa_pss_rsae_sha256});
        });
        engine client(c.ctx, role::client, localhost());
        engine server(s.ctx, role::server);
        pump_result r = handshake(client, server);
        BOOST_TEST_REQUIRE(r.ok(), client.error_message() << " / " << server.error_message());
        BOOST_TEST(client.peer_signature_scheme() == signature_scheme::rsa_pss_rsae_sha256);
    }
}

// ---- Rejected early data (RFC 8446 4.2.10) ----------------------------------------------------

namespace {

// A client that offers 0-RTT (an empty early_data extension in its
// ClientHello), as a client with a ticket would; tlsio never accepts it.
party early_data_client(const std::function<void(context&)>& tweak = {}) {
    return client_party([&](context& ctx) {
        tlsio::testing::set_extension_hook(ctx,
                                           [](std::uint8_t type, std::vector<raw_extension>& exts) {
                                               if (type == 1) {
                                                   exts.push_back({42, {}});
                                               }
                                           });
        if (tweak) {
            tweak(ctx);
        }
    });
}

// `count` records of early data as the server sees it: application_data
// under keys it does not have.
bytes fake_early_data(std::size_t count, std::size_t length) {
    bytes out;
    for (std::size_t i = 0; i < count; ++i) {
        bytes r = encode_record({content_type::application_data, 0x0303,
                                 bytes(length, static_cast<std::uint8_t>(0x40 + i))});
        out.insert(out.end(), r.begin(), r.end());
    }
    return out;
}

// Runs the handshake with `early` inserted after the client's first flight.
struct early_data_run {
    pump_result result;
    error_code server_error;
    std::string server_message;
    bool data_flows = false;
};

early_data_run run_with_early_data(const bytes& early, bool hello_retry) {
    party c = early_data_client([hello_retry](context& ctx) {
        if (hello_retry) {
            ctx.set_groups({named_group::x25519, named_group::secp256r1});
        }
    });
    party s = server_party([hello_retry](context& ctx) {
        if (hello_retry) {
            ctx.set_groups({named_group::secp256r1});  // asks for another share
        }
    });
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::want_read);
    bytes first = take_output(client);
    first.insert(first.end(), early.begin(), early.end());
    server.feed(first);
    early_data_run out;
    out.result = handshake(client, server);
    out.server_error = server.error();
    out.server_message = server.error_message();
    if (out.result.ok()) {
        std::size_t n = 0;
        BOOST_TEST(client.write(to_bytes("after"), n) == status::done);
        bytes got;
        transfer(client, server, got);
        out.data_flows = got == to_bytes("after");
        BOOST_TEST(server.used_hello_retry_request() == hello_retry);
    }
    return out;
}

}  // namespace

// BoGo's SkipEarlyData-TLS13: the server skips the records it cannot open,
// up to the limit, then goes on with the handshake. Before, the first one
// ended the connection with bad_record_mac.
BOOST_AUTO_TEST_CASE(rejected_early_data_is_skipped) {
    for (bool hello_retry : {false, true}) {
        BOOST_TEST_CONTEXT("hello_retry " << hello_retry) {
            auto r = run_with_early_data(fake_early_data(3, 1000), hello_retry);
            BOOST_TEST(r.result.ok(), r.server_message);
            BOOST_TEST(r.data_flows);
        }
    }
}

// BoGo's SkipEarlyData-TooMuchData-TLS13: more than 16384 bytes of records
// (headers included) is a bad_record_mac.
BOOST_AUTO_TEST_CASE(too_much_rejected_early_data_is_bad_record_mac) {
    for (bool hello_retry : {false, true}) {
        BOOST_TEST_CONTEXT("hello_retry " << hello_retry) {
            // Exactly the limit passes; one byte more does not.
            auto fits = run_with_early_data(fake_early_data(2, 8192 - 5), hello_retry);
            BOOST_TEST(fits.result.ok(), fits.server_message);
            auto over = run_with_early_data(fake_early_data(2, 8192 - 4), hello_retry);
            BOOST_TEST(!over.result.ok());
            BOOST_TEST(over.server_error == err(error::bad_record_mac), over.server_message);
        }
    }
}

// Skipping ends where the client's real records begin: early data after them
// is an error (after a HelloRetryRequest: after the second ClientHello, which
// must not offer 0-RTT again).
BOOST_AUTO_TEST_CASE(early_data_after_the_clients_records_is_not_skipped) {
    party c = early_data_client();
    party s = server_party();
    engine client(c.ctx, role::client, localhost());
    engine server(s.ctx, role::server);
    BOOST_TEST_REQUIRE(client.handshake() == status::want_read);
    server.feed(take_output(client));
    auto flight = run(server);
    client.feed(flight.output);
    auto fin = run(client);
    BOOST_TEST_REQUIRE(client.handshake_done());
    // The client's Finished opens, then a record under keys nobody has.
    bytes late = fin.output;
    bytes fake = fake_early_data(1, 100);
    late.insert(late.end(), fake.begin(), fake.end());
    auto done = feed_and_run(server, late);
    BOOST_TEST_REQUIRE(done.last == status::done, done.ec.message());
    BOOST_TEST_REQUIRE(server.handshake_done());
    auto out = run(server);  // reads on
    BOOST_TEST(out.last == status::error);
    BOOST_TEST(out.ec == err(error::bad_record_mac), out.ec.message());
}

// ---- Post-quantum hybrid shares (draft-ietf-tls-ecdhe-mlkem) --------------------------------

namespace {

// Where the parts of a hybrid's shares are: X25519MLKEM768 puts ML-KEM first,
// the NIST-curve hybrids put the ECDH point first.
struct hybrid_layout {
    named_group group;
    std::size_t client_size;  ///< ek + point
    std::size_t server_size;  ///< ciphertext + point
    std::size_t point_size;
    bool kem_first;

    std::size_t client_kem_at() const { return kem_first ? 0 : point_size; }
    std::size_t client_point_at() const { return kem_first ? client_size - point_size : 0; }
    std::size_t server_kem_at() const { return kem_first ? 0 : point_size; }
    std::size_t server_point_at() const { return kem_first ? server_size - point_size : 0; }
};

const hybrid_layout hybrid_layouts[] = {
    {named_group::x25519_mlkem768, 1184 + 32, 1088 + 32, 32, true},
    {named_group::secp256r1_mlkem768, 65 + 1184, 65 + 1088, 65, false},
    {named_group::secp384r1_mlkem1024, 97 + 1568, 97 + 1568, 97, false},
};

// A point of the hybrid's DH half that the peer must refuse: u = 0 for
// x25519, a point off the curve for the NIST curves.
bytes bad_point(const hybrid_layout& h) {
    bytes point(h.point_size, 0);
    if (!h.kem_first) {
        point[0] = 0x04;
        point[h.point_size / 2] = 1;
        point.back() = 1;
    }
    return point;
}

// The single KeyShareEntry of a key_share extension: its key_exchange value.
bytes share_value(const bytes& entry_list, std::size_t header) {
    return bytes(entry_list.begin() + static_cast<std::ptrdiff_t>(header), entry_list.end());
}

bytes key_share_entry(named_group g, const bytes& value) {
    bytes entry = u16_bytes(static_cast<std::uint16_t>(g));
    bytes len = u16_bytes(value.size());
    entry.insert(entry.end(), len.begin(), len.end());
    entry.insert(entry.end(), value.begin(), value.end());
    return entry;
}

// The hybrid client share edited in each way a server must refuse.
std::vector<bad_share> bad_client_hybrid_shares(const hybrid_layout& h, const bytes& good) {
    std::vector<bad_share> out;
    out.push_back({"one byte short", bytes(good.begin(), good.end() - 1)});
    bytes longer = good;
    longer.push_back(0);
    out.push_back({"one byte long", longer});
    // The first coefficient of t-hat set to 4095 >= q: fails FIPS 203's modulus check.
    bytes unreduced = good;
    unreduced[h.client_kem_at()] = 0xff;
    unreduced[h.client_kem_at() + 1] |= 0x0f;
    out.push_back({"encapsulation key not reduced mod q", unreduced});
    bytes point = good;
    const bytes bad = bad_point(h);
    std::copy(bad.begin(), bad.end(),
              point.begin() + static_cast<std::ptrdiff_t>(h.client_point_at()));
    out.push_back({"bad (EC)DH point", point});
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(server_refuses_a_bad_hybrid_client_share) {
    for (const hybrid_layout& h : hybrid_layouts) {
        const named_group g = h.group;
        auto ch = client_hello([g](context& c) { c.set_groups({g}); });
        auto* ks = ch.find(ext::key_share);
        BOOST_TEST_REQUIRE(ks != nullptr);
        BOOST_TEST_REQUIRE(ks->data.size() == 2u + 4u + h.client_size);
        const bytes good = share_value(ks->data, 6);
        for (const bad_share& bad : bad_client_hybrid_shares(h, good)) {
            BOOST_TEST_CONTEXT(g << ": " << bad.what) {
                const bytes entry = key_share_entry(g, bad.value);
                ks->data = u16_bytes(entry.size());
                ks->data.insert(ks->data.end(), entry.begin(), entry.end());
                expect_server_rejects(as_record(encode_hello(ch)), error::illegal_parameter);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(client_refuses_a_bad_hybrid_server_share) {
    for (const hybrid_layout& h : hybrid_layouts) {
        const named_group g = h.group;
        using edit_t = std::function<void(bytes&)>;
        const std::pair<std::string, edit_t> edits[] = {
            {"one byte short", [](bytes& v) { v.pop_back(); }},
            {"one byte long", [](bytes& v) { v.push_back(0); }},
            {"bad (EC)DH point",
             [&h](bytes& v) {
                 const bytes bad = bad_point(h);
                 std::copy(bad.begin(), bad.end(),
                           v.begin() + static_cast<std::ptrdiff_t>(h.server_point_at()));
             }},
        };
        for (const auto& [what, edit] : edits) {
            BOOST_TEST_CONTEXT(g << ": " << what) {
                auto r = client_receives_server_flight(
                    edit_server_hello([&, g](hello& sh) {
                        auto* ks = sh.find(ext::key_share);
                        BOOST_TEST_REQUIRE(ks != nullptr);
                        BOOST_TEST_REQUIRE(ks->data.size() == 4u + h.server_size);
                        bytes value = share_value(ks->data, 4);
                        edit(value);
                        ks->data = key_share_entry(g, value);
                    }),
                    [g](context& c) { c.set_groups({g}); });
                expect_client_plaintext_alert(*r, error::illegal_parameter,
                                              alert::illegal_parameter);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(modified_hybrid_ciphertext_fails_at_the_first_protected_record) {
    // A ciphertext of the right size always decapsulates: a modified one to
    // the implicit-rejection secret (FIPS 203), so the client's handshake keys
    // differ from the server's and EncryptedExtensions does not authenticate.
    for (const hybrid_layout& h : hybrid_layouts) {
        const named_group g = h.group;
        BOOST_TEST_CONTEXT(g) {
            auto r = client_receives_server_flight(
                edit_server_hello([&h](hello& sh) {
                    auto* ks = sh.find(ext::key_share);
                    BOOST_TEST_REQUIRE(ks != nullptr);
                    BOOST_TEST_REQUIRE(ks->data.size() == 4u + h.server_size);
                    ks->data[4 + h.server_kem_at() + 100] ^= 0x04;
                }),
                [g](context& c) { c.set_groups({g}); });
            BOOST_TEST(r->client_out.last == status::error);
            BOOST_TEST(r->client_out.ec == err(error::bad_record_mac), r->client_out.ec.message());
            const auto sent = alert_in(r->client_out.output, r->c.log, role::client);
            BOOST_TEST_REQUIRE(sent.has_value(), to_hex(r->client_out.output));
            BOOST_TEST(int(*sent) == int(alert::bad_record_mac));
            BOOST_TEST(!r->client->handshake_done());
        }
    }
}
