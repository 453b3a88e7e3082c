// The TLS 1.3 key schedule (handshake/key_schedule.hpp): HKDF-Expand-Label,
// the stages of RFC 8446 section 7.1, traffic keys, "traffic upd" and Finished.
//
// Known answers come from RFC 8448: the secrets are derived from the traces in
// transcripts.vec (the key share private keys are in the RNG pools) and must
// decrypt the traces' records and reproduce their Finished messages; the
// simple trace's published intermediate values are checked along the way.
// Everything else is compared with an independent reference built from HMAC
// and the test support's own HKDF-Expand-Label (EVP_PKEY HKDF).
#include "handshake/key_schedule.hpp"

#define BOOST_TEST_MODULE key_schedule_test
#include <boost/test/unit_test.hpp>

#include "crypto/hash.hpp"
#include "crypto/kx.hpp"
#include "record/protection.hpp"
#include "support/pump.hpp"
#include "support/testdata.hpp"
#include "wire/messages.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace tlsio;
using crypto::hash_algorithm;
using handshake::early_secret;
using handshake::secret;
using tlsio::test::to_hex;

namespace {

bytes unhex(std::string_view text) {
    std::string digits;
    for (char c : text) {
        if (c != ' ') {
            digits.push_back(c);
        }
    }
    bytes out = tlsio::test::from_hex(digits);
    BOOST_TEST_REQUIRE(out.size() * 2 == digits.size(), "bad hex " << text);
    return out;
}

bytes str(std::string_view s) {
    return bytes(s.begin(), s.end());
}

bytes cat(std::initializer_list<byte_view> parts) {
    bytes out;
    for (byte_view p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

bytes slice(byte_view b, std::size_t from, std::size_t n) {
    BOOST_TEST_REQUIRE(from + n <= b.size());
    return bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
                 b.begin() + static_cast<std::ptrdiff_t>(from + n));
}

std::string hex_of(const secret& s) {
    return to_hex(s.view());
}

// The fields of one RFC 8448 trace in transcripts.vec.
const tlsio::test::rfc8448_section& trace(const std::string& name) {
    return tlsio::test::rfc8448_trace(name);
}

const handshake::suite_info& suite(std::uint16_t id) {
    const auto* s = handshake::find_suite(id);
    BOOST_TEST_REQUIRE(s != nullptr, "suite " << id);
    return *s;
}

bytes hash_of(hash_algorithm h, byte_view data) {
    bytes out(crypto::max_digest_size);
    out.resize(crypto::digest(h, data, out));
    return out;
}

bytes expand(hash_algorithm h, byte_view s, std::string_view label, byte_view context,
             std::size_t n) {
    bytes out(n);
    handshake::expand_label(h, s, label, context, out);
    return out;
}

// ---- An independent reference ------------------------------------------------

cipher_suite any_suite_of(hash_algorithm h) {
    return h == hash_algorithm::sha384 ? cipher_suite::aes_256_gcm_sha384
                                       : cipher_suite::aes_128_gcm_sha256;
}

// HKDF-Expand-Label by the test support (EVP_PKEY HKDF, its own HkdfLabel).
bytes ref_expand(hash_algorithm h, byte_view s, std::string_view label, byte_view context,
                 std::size_t n) {
    return tlsio::test::hkdf_expand_label(any_suite_of(h), s, label, context, n);
}

// HKDF-Expand-Label written out with HMAC (RFC 5869 section 2.3).
bytes hmac_expand(hash_algorithm h, byte_view s, std::string_view label, byte_view context,
                  std::size_t n) {
    bytes info = {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n),
                  static_cast<std::uint8_t>(6 + label.size())};
    auto full = str("tls13 " + std::string(label));
    info.insert(info.end(), full.begin(), full.end());
    info.push_back(static_cast<std::uint8_t>(context.size()));
    info.insert(info.end(), context.begin(), context.end());
    std::size_t hlen = crypto::digest_size(h);
    bytes out;
    bytes t;
    for (std::uint8_t i = 1; out.size() < n; ++i) {
        bytes block = cat({t, info, bytes{i}});
        t.assign(hlen, 0);
        crypto::hmac(h, s, block, t);
        out.insert(out.end(), t.begin(), t.end());
    }
    out.resize(n);
    return out;
}

// HKDF-Extract as HMAC(salt, ikm), an empty salt being HashLen zeros.
bytes hmac_extract(hash_algorithm h, byte_view salt, byte_view ikm) {
    bytes zeros(crypto::digest_size(h), 0);
    bytes out(crypto::digest_size(h));
    crypto::hmac(h, salt.empty() ? byte_view(zeros) : salt, ikm, out);
    return out;
}

struct reference_schedule {
    hash_algorithm h;
    bytes early, handshake, master;

    reference_schedule(hash_algorithm hash, byte_view shared) : h(hash) {
        std::size_t n = crypto::digest_size(h);
        bytes empty_hash = hash_of(h, {});
        early = hmac_extract(h, {}, bytes(n, 0));
        handshake = hmac_extract(h, ref_expand(h, early, "derived", empty_hash, n), shared);
        master = hmac_extract(h, ref_expand(h, handshake, "derived", empty_hash, n), bytes(n, 0));
    }
    bytes derive(const bytes& stage, std::string_view label, byte_view th) const {
        return ref_expand(h, stage, label, th, crypto::digest_size(h));
    }
};

// ---- Handshake messages --------------------------------------------------------

std::vector<bytes> split_messages(byte_view data) {
    auto m = tlsio::test::split_handshake_messages(data);
    BOOST_TEST_REQUIRE(m.has_value(), "not whole handshake messages");
    return *m;
}

record::protection protection_for(const handshake::suite_info& s, const secret& traffic) {
    auto keys = handshake::derive_traffic_keys(s, traffic);
    record::protection p;
    BOOST_TEST_REQUIRE(p.install(s.aead, keys.key_view(), keys.iv_view()));
    return p;
}

struct plain_record {
    std::uint8_t type;
    bytes content;
};

// Opens every protected record of a record stream (ChangeCipherSpec records of
// middlebox compatibility mode are skipped).
std::vector<plain_record> open_all(record::protection& p, byte_view stream) {
    auto split = tlsio::test::split_records(stream);
    BOOST_TEST_REQUIRE(split.rest.empty());
    std::vector<plain_record> out;
    for (auto& rec : split.records) {
        if (rec.type == 20) {
            BOOST_TEST((rec.payload == bytes{1}));
            continue;
        }
        BOOST_TEST_REQUIRE(rec.type == 23);
        bytes whole = tlsio::test::encode_record(rec);
        mutable_bytes payload(whole.data() + 5, whole.size() - 5);
        wire::content_type type{};
        std::size_t size = 0;
        error e = p.open(whole.data(), payload, type, size);
        BOOST_TEST_REQUIRE((e == error{}),
                           "record does not open: " << make_error_code(e).message());
        out.push_back(
            {static_cast<std::uint8_t>(type),
             bytes(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(size))});
    }
    return out;
}

bytes open_handshake(record::protection& p, byte_view stream) {
    bytes out;
    for (auto& r : open_all(p, stream)) {
        BOOST_TEST_REQUIRE(r.type == 22);
        out.insert(out.end(), r.content.begin(), r.content.end());
    }
    return out;
}

crypto::kx_group group_of(std::uint16_t id) {
    switch (id) {
        case 0x001d:
            return crypto::kx_group::x25519;
        case 0x0017:
            return crypto::kx_group::secp256r1;
        case 0x0018:
            return crypto::kx_group::secp384r1;
    }
    BOOST_FAIL("unexpected group " << id);
    return crypto::kx_group::x25519;
}

// What replaying one RFC 8448 (EC)DHE trace through the key schedule produced.
struct trace_run {
    bytes shared;
    bytes transcript_sh;  // Hash(ClientHello..ServerHello)
    bytes transcript_sf;  // Hash(ClientHello..server Finished)
    secret chts, shts, cats, sats, exporter;
    bytes server_verify_data, client_verify_data;
    std::size_t server_messages = 0;
    std::size_t client_messages = 0;
};

// Derives the whole key schedule of a trace without PSK and checks it against
// the trace's records: each record must authenticate and each Finished must
// carry the verify_data computed here.
trace_run replay(const std::string& name) {
    auto t = trace(name);
    trace_run run;

    // Client hellos (with the HRR transcript rewrite of RFC 8446 section 4.4.1).
    bytes client_hello =
        slice(t.at("Record_ClientHello_1"), 5, t.at("Record_ClientHello_1").size() - 5);
    bytes server_hello = t.at("Message_ServerHello");
    wire::server_hello sh;
    BOOST_TEST_REQUIRE(
        (wire::parse_server_hello(byte_view(server_hello).subspan(4), sh) == error{}));
    const auto& s = suite(sh.cipher_suite);
    hash_algorithm h = s.hash;
    bytes transcript = client_hello;
    if (t.count("Record_HelloRetryRequest")) {
        bytes hrr =
            slice(t.at("Record_HelloRetryRequest"), 5, t.at("Record_HelloRetryRequest").size() - 5);
        bytes ch2 = slice(t.at("Record_ClientHello_2"), 5, t.at("Record_ClientHello_2").size() - 5);
        bytes ch1_hash = hash_of(h, client_hello);
        transcript =
            cat({bytes{254, 0, 0, static_cast<std::uint8_t>(ch1_hash.size())}, ch1_hash, hrr, ch2});
        client_hello = ch2;
    }
    wire::client_hello ch;
    BOOST_TEST_REQUIRE(
        (wire::parse_client_hello(byte_view(client_hello).subspan(4), ch) == error{}));
    transcript.insert(transcript.end(), server_hello.begin(), server_hello.end());

    // (EC)DHE from the server's private key (bytes 32.. of its pool) and the
    // client's from whichever of its pool's keys matches its key share.
    BOOST_TEST_REQUIRE(sh.key_share.has_value());
    crypto::kx_group g = group_of(sh.key_share->group);
    std::optional<bytes> client_share;
    for (const auto& k : ch.key_shares) {
        if (k.group == sh.key_share->group) {
            client_share = bytes(k.key_exchange.begin(), k.key_exchange.end());
        }
    }
    BOOST_TEST_REQUIRE(client_share.has_value());
    std::size_t priv_size = g == crypto::kx_group::secp384r1 ? 48 : 32;
    auto server_key = crypto::kx_private_key::from_private_bytes(
        g, slice(t.at("Server_RNG_Pool"), 32, priv_size));
    BOOST_TEST_REQUIRE(server_key.has_value());
    BOOST_TEST(to_hex(server_key->public_key()) == to_hex(sh.key_share->key_exchange));
    BOOST_TEST_REQUIRE(server_key->derive(*client_share, run.shared));
    bool client_key_found = false;
    const bytes& client_pool = t.at("Client_RNG_Pool");
    for (std::size_t at = 32; at + priv_size <= client_pool.size(); at += 32) {
        auto key = crypto::kx_private_key::from_private_bytes(g, slice(client_pool, at, priv_size));
        if (key && key->public_key() == *client_share) {
            bytes shared;
            BOOST_TEST_REQUIRE(key->derive(sh.key_share->key_exchange, shared));
            BOOST_TEST(to_hex(shared) == to_hex(run.shared));
            client_key_found = true;
        }
    }
    BOOST_TEST(client_key_found);

    auto ks = early_secret::without_psk(h).into_handshake(run.shared);
    BOOST_TEST((ks.hash() == h));
    run.transcript_sh = hash_of(h, transcript);
    run.chts = ks.client_handshake_traffic(run.transcript_sh);
    run.shts = ks.server_handshake_traffic(run.transcript_sh);

    // The server's encrypted flight; its Finished over the transcript before it.
    auto server_in = protection_for(s, run.shts);
    bytes server_flight = open_handshake(server_in, t.at("Record_ServerHandshakeMessages"));
    // Each message the trace lists in plaintext is in the flight (the
    // middlebox trace leaves out its CertificateVerify).
    auto server_messages = split_messages(server_flight);
    for (const char* m :
         {"Message_EncryptedExtensions", "Message_CertificateRequest", "Message_Server_Certificate",
          "Message_Server_CertificateVerify", "Message_Server_Finished"}) {
        if (t.count(m)) {
            BOOST_TEST((std::find(server_messages.begin(), server_messages.end(), t.at(m)) !=
                        server_messages.end()),
                       name << " " << m);
        }
    }
    for (const bytes& m : server_messages) {
        ++run.server_messages;
        if (m[0] == 20) {
            auto vd = handshake::finished_verify_data(h, run.shts, hash_of(h, transcript));
            run.server_verify_data = slice(m, 4, m.size() - 4);
            BOOST_TEST(hex_of(vd) == to_hex(run.server_verify_data), name << " server Finished");
        }
        transcript = cat({transcript, m});
    }
    BOOST_TEST_REQUIRE(!run.server_verify_data.empty());

    auto ms = std::move(ks).into_master();
    run.transcript_sf = hash_of(h, transcript);
    run.cats = ms.client_application_traffic(run.transcript_sf);
    run.sats = ms.server_application_traffic(run.transcript_sf);
    run.exporter = ms.exporter_master(run.transcript_sf);

    // The client's flight (Certificate and CertificateVerify first with client auth).
    auto client_in = protection_for(s, run.chts);
    bytes client_flight = open_handshake(client_in, t.at("Record_ClientFinished"));
    for (const bytes& m : split_messages(client_flight)) {
        ++run.client_messages;
        if (m[0] == 20) {
            auto vd = handshake::finished_verify_data(h, run.chts, hash_of(h, transcript));
            run.client_verify_data = slice(m, 4, m.size() - 4);
            BOOST_TEST(hex_of(vd) == to_hex(run.client_verify_data), name << " client Finished");
        }
        transcript = cat({transcript, m});
    }
    BOOST_TEST_REQUIRE(!run.client_verify_data.empty());

    // Application data and close_notify under the application traffic keys.
    auto client_app = protection_for(s, run.cats);
    if (t.count("Record_Client_AppData")) {
        auto recs = open_all(client_app, t.at("Record_Client_AppData"));
        BOOST_TEST_REQUIRE(recs.size() == 1u);
        BOOST_TEST(recs[0].type == 23);
        BOOST_TEST(to_hex(recs[0].content) == to_hex(t.at("Client_AppData")));
    }
    auto client_close = open_all(client_app, t.at("Record_Client_CloseNotify"));
    BOOST_TEST_REQUIRE(client_close.size() == 1u);
    BOOST_TEST(client_close[0].type == 21);
    BOOST_TEST(to_hex(client_close[0].content) == "0100");

    auto server_app = protection_for(s, run.sats);
    for (const char* r : {"Record_NewSessionTicket", "Record_Server_AppData"}) {
        if (t.count(r)) {
            BOOST_TEST(open_all(server_app, t.at(r)).size() == 1u, r);
        }
    }
    auto server_close = open_all(server_app, t.at("Record_Server_CloseNotify"));
    BOOST_TEST_REQUIRE(server_close.size() == 1u);
    BOOST_TEST(server_close[0].type == 21);
    BOOST_TEST(to_hex(server_close[0].content) == "0100");
    return run;
}

}  // namespace

// ==== expand_label and friends ================================================

BOOST_AUTO_TEST_SUITE(primitives)

BOOST_AUTO_TEST_CASE(cipher_suite_table) {
    const auto* a = handshake::find_suite(0x1301);
    BOOST_TEST_REQUIRE(a != nullptr);
    BOOST_TEST((a->aead == crypto::aead_algorithm::aes_128_gcm));
    BOOST_TEST((a->hash == hash_algorithm::sha256));
    const auto* b = handshake::find_suite(0x1302);
    BOOST_TEST_REQUIRE(b != nullptr);
    BOOST_TEST((b->aead == crypto::aead_algorithm::aes_256_gcm));
    BOOST_TEST((b->hash == hash_algorithm::sha384));
    const auto* c = handshake::find_suite(0x1303);
    BOOST_TEST_REQUIRE(c != nullptr);
    BOOST_TEST((c->aead == crypto::aead_algorithm::chacha20_poly1305));
    BOOST_TEST((c->hash == hash_algorithm::sha256));
    // TLS_AES_128_CCM_SHA256 (implemented since issue 9; off by default in the context).
    const auto* d = handshake::find_suite(0x1304);
    BOOST_TEST_REQUIRE(d != nullptr);
    BOOST_TEST((d->aead == crypto::aead_algorithm::aes_128_ccm));
    BOOST_TEST((d->hash == hash_algorithm::sha256));
    for (int id : {0x0000, 0x1300, 0x1305, 0xc02f, 0x0013, 0xffff}) {
        BOOST_TEST(handshake::find_suite(static_cast<std::uint16_t>(id)) == nullptr, id);
    }
}

BOOST_AUTO_TEST_CASE(expand_label_matches_two_references) {
    bytes s32(32), s48(48), s64(64, 0x64);
    for (std::size_t i = 0; i < 48; ++i) {
        if (i < 32) {
            s32[i] = static_cast<std::uint8_t>(i * 7);
        }
        s48[i] = static_cast<std::uint8_t>(255 - i);
    }
    bytes ctx = unhex("00112233445566778899aabbccddeeff");
    struct item {
        hash_algorithm h;
        const bytes* s;
        std::string_view label;
        bytes context;
        std::size_t n;
    };
    std::vector<item> items = {
        {hash_algorithm::sha256, &s32, "key", {}, 16},
        {hash_algorithm::sha256, &s32, "iv", {}, 12},
        {hash_algorithm::sha256, &s32, "derived", ctx, 32},
        {hash_algorithm::sha256, &s32, "c hs traffic", ctx, 32},
        {hash_algorithm::sha256, &s32, "a label that is rather long", bytes(255, 1), 32},
        {hash_algorithm::sha256, &s32, "two blocks", {}, 64},
        {hash_algorithm::sha256, &s32, "three blocks", ctx, 80},
        {hash_algorithm::sha256, &s32, "one", {}, 1},
        {hash_algorithm::sha384, &s48, "key", {}, 32},
        {hash_algorithm::sha384, &s48, "s ap traffic", ctx, 48},
        {hash_algorithm::sha384, &s48, "finished", {}, 48},
        {hash_algorithm::sha384, &s48, "long", ctx, 100},
        {hash_algorithm::sha512, &s64, "sha512 too", ctx, 64},
    };
    for (const auto& it : items) {
        bytes got = expand(it.h, *it.s, it.label, it.context, it.n);
        BOOST_TEST(to_hex(got) == to_hex(hmac_expand(it.h, *it.s, it.label, it.context, it.n)),
                   it.label);
        if (it.h != hash_algorithm::sha512) {
            BOOST_TEST(to_hex(got) == to_hex(ref_expand(it.h, *it.s, it.label, it.context, it.n)),
                       it.label);
        }
    }
}

BOOST_AUTO_TEST_CASE(expand_label_longest_label_and_context) {
    // HkdfLabel allows a 255-byte label ("tls13 " + 249) and a 255-byte context.
    bytes s(32, 0x42);
    std::string label(249, 'l');
    bytes context(255, 0xc7);
    bytes got = expand(hash_algorithm::sha256, s, label, context, 32);
    BOOST_TEST(to_hex(got) == to_hex(hmac_expand(hash_algorithm::sha256, s, label, context, 32)));
}

BOOST_AUTO_TEST_CASE(rfc8448_derived_from_the_early_secret) {
    // RFC 8448 section 3: Early Secret = HKDF-Extract(0, 0), then
    // Derive-Secret(., "derived", "") is the salt of the Handshake Secret.
    bytes early(32);
    crypto::hkdf_extract(hash_algorithm::sha256, {}, bytes(32, 0), early);
    BOOST_TEST(to_hex(early) == "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    bytes derived =
        expand(hash_algorithm::sha256, early, "derived", hash_of(hash_algorithm::sha256, {}), 32);
    BOOST_TEST(to_hex(derived) ==
               "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
}

BOOST_AUTO_TEST_CASE(secret_holds_bytes) {
    bytes b = unhex("0102030405");
    secret s(b);
    BOOST_TEST(s.size() == 5u);
    BOOST_TEST(to_hex(s.view()) == "0102030405");
    secret copy = s;
    BOOST_TEST(to_hex(copy.view()) == "0102030405");
    copy.span()[0] = 9;
    BOOST_TEST(to_hex(s.view()) == "0102030405");
    secret empty;
    BOOST_TEST(empty.size() == 0u);
    empty.resize(64);
    BOOST_TEST(empty.view().size() == 64u);
    BOOST_TEST(to_hex(empty.view()) == std::string(128, '0'));
}

BOOST_AUTO_TEST_CASE(traffic_keys_of_every_suite) {
    bytes base(48);
    for (std::size_t i = 0; i < base.size(); ++i) {
        base[i] = static_cast<std::uint8_t>(i + 100);
    }
    for (std::uint16_t id : {std::uint16_t{0x1301}, std::uint16_t{0x1302}, std::uint16_t{0x1303}}) {
        const auto& s = suite(id);
        secret ts(byte_view(base).first(crypto::digest_size(s.hash)));
        auto k = handshake::derive_traffic_keys(s, ts);
        std::size_t key_size = id == 0x1301 ? 16 : 32;
        BOOST_TEST(k.key_size == key_size, id);
        BOOST_TEST(k.key_view().size() == key_size);
        BOOST_TEST(k.iv_view().size() == 12u);
        auto ref = tlsio::test::traffic_keys::from_secret(static_cast<cipher_suite>(id), ts.view());
        BOOST_TEST(to_hex(k.key_view()) == to_hex(ref.key), id);
        BOOST_TEST(to_hex(k.iv_view()) == to_hex(ref.iv), id);
    }
}

BOOST_AUTO_TEST_CASE(next_traffic_secret_is_traffic_upd) {
    for (std::uint16_t id : {std::uint16_t{0x1301}, std::uint16_t{0x1302}, std::uint16_t{0x1303}}) {
        const auto& s = suite(id);
        std::size_t n = crypto::digest_size(s.hash);
        bytes base(n);
        for (std::size_t i = 0; i < n; ++i) {
            base[i] = static_cast<std::uint8_t>(i ^ 0x5a);
        }
        secret current(base);
        auto ref = tlsio::test::traffic_keys::from_secret(static_cast<cipher_suite>(id), base);
        for (int generation = 1; generation <= 3; ++generation) {
            secret next = handshake::next_traffic_secret(s.hash, current);
            BOOST_TEST(next.size() == n);
            BOOST_TEST(hex_of(next) ==
                       to_hex(hmac_expand(s.hash, current.view(), "traffic upd", {}, n)));
            ref.update();
            BOOST_TEST(hex_of(next) == to_hex(ref.secret), id << " generation " << generation);
            BOOST_TEST(hex_of(next) != hex_of(current));
            current = next;
        }
    }
}

BOOST_AUTO_TEST_CASE(finished_verify_data_is_hmac_of_the_finished_key) {
    for (hash_algorithm h : {hash_algorithm::sha256, hash_algorithm::sha384}) {
        std::size_t n = crypto::digest_size(h);
        secret base(bytes(n, 0x33));
        bytes th = hash_of(h, str("transcript"));
        auto vd = handshake::finished_verify_data(h, base, th);
        BOOST_TEST(vd.size() == n);
        bytes finished_key = hmac_expand(h, base.view(), "finished", {}, n);
        bytes expected(n);
        crypto::hmac(h, finished_key, th, expected);
        BOOST_TEST(hex_of(vd) == to_hex(expected));
        // Another transcript, another verify_data.
        auto other = handshake::finished_verify_data(h, base, hash_of(h, str("transcripT")));
        BOOST_TEST(hex_of(other) != hex_of(vd));
    }
}

BOOST_AUTO_TEST_CASE(stages_match_the_reference_for_every_hash) {
    for (hash_algorithm h : {hash_algorithm::sha256, hash_algorithm::sha384}) {
        std::size_t n = crypto::digest_size(h);
        for (std::size_t shared_size : {32u, 48u, 97u}) {
            bytes shared(shared_size);
            BOOST_TEST_REQUIRE(crypto::random_bytes(shared));
            bytes th1 = hash_of(h, str("ClientHello..ServerHello"));
            bytes th2 = hash_of(h, str("ClientHello..server Finished"));
            reference_schedule ref(h, shared);

            auto ks = early_secret::without_psk(h).into_handshake(shared);
            auto chts = ks.client_handshake_traffic(th1);
            auto shts = ks.server_handshake_traffic(th1);
            BOOST_TEST(chts.size() == n);
            BOOST_TEST(hex_of(chts) == to_hex(ref.derive(ref.handshake, "c hs traffic", th1)));
            BOOST_TEST(hex_of(shts) == to_hex(ref.derive(ref.handshake, "s hs traffic", th1)));
            BOOST_TEST(hex_of(chts) != hex_of(shts));
            // Deriving does not change the stage: the same call, the same secret.
            BOOST_TEST(hex_of(ks.client_handshake_traffic(th1)) == hex_of(chts));

            auto ms = std::move(ks).into_master();
            BOOST_TEST(hex_of(ms.client_application_traffic(th2)) ==
                       to_hex(ref.derive(ref.master, "c ap traffic", th2)));
            BOOST_TEST(hex_of(ms.server_application_traffic(th2)) ==
                       to_hex(ref.derive(ref.master, "s ap traffic", th2)));
            BOOST_TEST(hex_of(ms.exporter_master(th2)) ==
                       to_hex(ref.derive(ref.master, "exp master", th2)));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ==== RFC 8448 ===============================================================

BOOST_AUTO_TEST_SUITE(rfc8448)

BOOST_AUTO_TEST_CASE(simple_1rtt_handshake) {
    auto t = trace("Simple_1RTT_Handshake");
    trace_run run = replay("Simple_1RTT_Handshake");
    const hash_algorithm h = hash_algorithm::sha256;

    // RFC 8448 section 3, step by step.
    BOOST_TEST(to_hex(run.shared) ==
               "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
    reference_schedule ref(h, run.shared);
    BOOST_TEST(to_hex(ref.early) ==
               "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    BOOST_TEST(to_hex(ref.handshake) ==
               "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
    BOOST_TEST(to_hex(ref.master) ==
               "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
    BOOST_TEST(to_hex(run.transcript_sh) ==
               "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
    BOOST_TEST(hex_of(run.chts) ==
               "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
    BOOST_TEST(hex_of(run.shts) ==
               "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    BOOST_TEST(hex_of(run.cats) ==
               "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
    BOOST_TEST(hex_of(run.sats) ==
               "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
    BOOST_TEST(hex_of(run.exporter) ==
               "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");

    // Traffic keys (the ones record_test uses for its known answers).
    const auto& s = suite(0x1301);
    auto shk = handshake::derive_traffic_keys(s, run.shts);
    BOOST_TEST(to_hex(shk.key_view()) == "3fce516009c21727d0f2e4e86ee403bc");
    BOOST_TEST(to_hex(shk.iv_view()) == "5d313eb2671276ee13000b30");
    auto chk = handshake::derive_traffic_keys(s, run.chts);
    BOOST_TEST(to_hex(chk.key_view()) == "dbfaa693d1762c5b666af5d950258d01");
    BOOST_TEST(to_hex(chk.iv_view()) == "5bd3c71b836e0b76bb73265f");
    auto sak = handshake::derive_traffic_keys(s, run.sats);
    BOOST_TEST(to_hex(sak.key_view()) == "9f02283b6c9c07efc26bb9f2ac92e356");
    BOOST_TEST(to_hex(sak.iv_view()) == "cf782b88dd83549aadf1e984");
    auto cak = handshake::derive_traffic_keys(s, run.cats);
    BOOST_TEST(to_hex(cak.key_view()) == "17422dda596ed5d9acd890e3c63f5051");
    BOOST_TEST(to_hex(cak.iv_view()) == "5b78923dee08579033e523d9");

    // Finished: the finished_key of each side, and the verify_data in the trace.
    BOOST_TEST(to_hex(expand(h, run.shts.view(), "finished", {}, 32)) ==
               "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
    BOOST_TEST(to_hex(run.server_verify_data) ==
               to_hex(slice(t.at("Message_Server_Finished"), 4, 32)));
    BOOST_TEST(to_hex(run.client_verify_data) ==
               "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");
    BOOST_TEST(run.server_messages == 4u);
    BOOST_TEST(run.client_messages == 1u);
}

BOOST_AUTO_TEST_CASE(simple_trace_ticket_and_resumption_psk) {
    // The NewSessionTicket (server application keys, sequence 0) parses, and
    // the PSK derived from it is the one in the client's saved session.
    auto t = trace("Simple_1RTT_Handshake");
    trace_run run = replay("Simple_1RTT_Handshake");
    const hash_algorithm h = hash_algorithm::sha256;
    auto server_app = protection_for(suite(0x1301), run.sats);
    auto recs = open_all(server_app, t.at("Record_NewSessionTicket"));
    BOOST_TEST_REQUIRE(recs.size() == 1u);
    BOOST_TEST_REQUIRE(recs[0].type == 22);
    auto messages = split_messages(recs[0].content);
    BOOST_TEST_REQUIRE(messages.size() == 1u);
    BOOST_TEST_REQUIRE(messages[0][0] == 4);
    bytes body = slice(messages[0], 4, messages[0].size() - 4);
    wire::new_session_ticket nst;
    BOOST_TEST_REQUIRE((wire::parse_new_session_ticket(body, nst) == error{}));
    BOOST_TEST(nst.lifetime == 30u);
    BOOST_TEST(nst.age_add == 0xfad6aac5u);
    BOOST_TEST(to_hex(nst.nonce) == "0000");
    BOOST_TEST(to_hex(nst.ticket) == to_hex(t.at("SessionTicket")));

    // resumption_master_secret = Derive-Secret(Master Secret, "res master",
    // ClientHello..client Finished); PSK = HKDF-Expand-Label(., "resumption", nonce).
    reference_schedule ref(h, run.shared);
    bytes ch = slice(t.at("Record_ClientHello_1"), 5, t.at("Record_ClientHello_1").size() - 5);
    bytes client_finished = cat({bytes{20, 0, 0, 32}, run.client_verify_data});
    bytes full = cat({ch, t.at("Message_ServerHello"), t.at("Message_EncryptedExtensions"),
                      t.at("Message_Server_Certificate"), t.at("Message_Server_CertificateVerify"),
                      t.at("Message_Server_Finished"), client_finished});
    bytes rms = ref.derive(ref.master, "res master", hash_of(h, full));
    BOOST_TEST(to_hex(rms) == "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
    bytes psk = expand(h, rms, "resumption", nst.nonce, 32);
    BOOST_TEST(to_hex(psk) == "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
    const bytes& session = t.at("Client_SessionData");
    std::string session_hex = to_hex(session);
    BOOST_TEST(session_hex.find("0420" + to_hex(psk)) != std::string::npos,
               "the client's session data holds the PSK");
}

BOOST_AUTO_TEST_CASE(hello_retry_request_handshake) {
    trace_run run = replay("HelloRetryRequest_Handshake");  // secp256r1 after a retry
    BOOST_TEST(run.shared.size() == 32u);
    BOOST_TEST(run.server_messages == 4u);
}

BOOST_AUTO_TEST_CASE(client_authentication_handshake) {
    trace_run run = replay("Client_Authentication_Handshake");
    BOOST_TEST(run.server_messages == 5u);  // with CertificateRequest
    BOOST_TEST(run.client_messages == 3u);  // Certificate, CertificateVerify, Finished
}

BOOST_AUTO_TEST_CASE(middlebox_compatibility_mode) {
    trace_run run = replay("Middlebox_Compatibility_Mode");
    BOOST_TEST(run.server_messages == 4u);
}

BOOST_AUTO_TEST_CASE(raw_public_key_with_client_authentication) {
    trace_run run = replay("RawPublicKey_With_Client_Authentication");
    BOOST_TEST(run.client_messages == 3u);
}

BOOST_AUTO_TEST_CASE(a_wrong_transcript_does_not_verify) {
    // Sanity of the replay itself: one byte of the ServerHello changed gives
    // other handshake keys, which do not open the server's flight.
    auto t = trace("Simple_1RTT_Handshake");
    trace_run run = replay("Simple_1RTT_Handshake");
    const hash_algorithm h = hash_algorithm::sha256;
    bytes ch = slice(t.at("Record_ClientHello_1"), 5, t.at("Record_ClientHello_1").size() - 5);
    bytes sh = t.at("Message_ServerHello");
    sh[10] ^= 1;
    auto ks = early_secret::without_psk(h).into_handshake(run.shared);
    auto shts = ks.server_handshake_traffic(hash_of(h, cat({ch, sh})));
    BOOST_TEST(hex_of(shts) != hex_of(run.shts));
    auto p = protection_for(suite(0x1301), shts);
    bytes rec = t.at("Record_ServerHandshakeMessages");
    mutable_bytes payload(rec.data() + 5, rec.size() - 5);
    wire::content_type type{};
    std::size_t size = 0;
    BOOST_TEST((p.open(rec.data(), payload, type, size) == error::bad_record_mac));
}

BOOST_AUTO_TEST_SUITE_END()

// ==== Stages with a PSK ======================================================

BOOST_AUTO_TEST_SUITE(psk_stages)

BOOST_AUTO_TEST_CASE(external_psk_binder_matches_the_rfc8448_style_trace) {
    // The binder in the trace's ClientHello is HMAC over the ClientHello up
    // to the binders list, keyed from the external PSK's "ext binder" key
    // (RFC 8446 section 4.2.11.2).
    auto t = trace("Externally_Provided_PSK_with_Ephemeral_Key");
    const hash_algorithm h = hash_algorithm::sha256;
    bytes record = t.at("Record_ClientHello_1");
    bytes ch = slice(record, 5, record.size() - 5);
    // The binders list closes the message: u16 length, u8 length, 32 bytes.
    const std::size_t binders = 2 + 1 + 32;
    BOOST_TEST_REQUIRE(ch.size() > binders);
    bytes truncated = slice(ch, 0, ch.size() - binders);
    bytes binder = slice(ch, ch.size() - 32, 32);
    BOOST_TEST_REQUIRE(int(ch[ch.size() - 33]) == 32);

    auto early = early_secret::with_psk(h, t.at("PskSecret"));
    secret binder_key = early.binder_key(false);
    auto vd = handshake::finished_verify_data(h, binder_key, hash_of(h, truncated));
    BOOST_TEST(hex_of(vd) == to_hex(binder));
    // The resumption label gives another key, so another binder.
    auto other = handshake::finished_verify_data(h, early.binder_key(true), hash_of(h, truncated));
    BOOST_TEST(hex_of(other) != to_hex(binder));
}

BOOST_AUTO_TEST_CASE(without_psk_is_the_psk_of_zeros) {
    for (hash_algorithm h : {hash_algorithm::sha256, hash_algorithm::sha384}) {
        bytes zeros(crypto::digest_size(h), 0);
        auto a = early_secret::without_psk(h);
        auto b = early_secret::with_psk(h, zeros);
        bytes th = hash_of(h, bytes{});
        BOOST_TEST(hex_of(a.client_early_traffic(th)) == hex_of(b.client_early_traffic(th)));
        auto c = early_secret::with_psk(h, bytes(zeros.size(), 1));
        BOOST_TEST(hex_of(a.client_early_traffic(th)) != hex_of(c.client_early_traffic(th)));
    }
}

BOOST_AUTO_TEST_CASE(stage_secrets_differ_by_label) {
    const hash_algorithm h = hash_algorithm::sha256;
    bytes th = hash_of(h, bytes{1, 2, 3});
    auto early = early_secret::with_psk(h, bytes(32, 7));
    BOOST_TEST(hex_of(early.client_early_traffic(th)) != hex_of(early.early_exporter_master(th)));
    auto hs = std::move(early).into_handshake(bytes(32, 9));
    auto ms = std::move(hs).into_master();
    BOOST_TEST(hex_of(ms.resumption_master(th)) != hex_of(ms.exporter_master(th)));
    BOOST_TEST(hex_of(ms.resumption_master(th)) != hex_of(ms.client_application_traffic(th)));
    BOOST_TEST(ms.resumption_master(th).size() == 32u);
}

BOOST_AUTO_TEST_SUITE_END()
