// The key-exchange table (crypto/kx.hpp): every named group's entry, its
// generate / respond / finish round trip and the peer-share checks of
// RFC 8446 section 4.2.8 and RFC 7919 section 5.1.
#define BOOST_TEST_MODULE crypto_kx
#include <boost/test/unit_test.hpp>

#include "crypto/kx.hpp"
#include "crypto/mlkem.hpp"
#include "support/ffdhe.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>

using namespace tlsio;
using namespace tlsio::crypto;

namespace {

// libcrypto's CSPRNG, as the context's default random source is.
const auto system_random = [](mutable_bytes out) {
    BOOST_REQUIRE(RAND_bytes(out.data(), static_cast<int>(out.size())) == 1);
};

// A reproducible source: the same bytes on every call.
const auto fixed_random = [](mutable_bytes out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(0x40 + i);
    }
};

const key_exchange& entry(int code) {
    const key_exchange* kx = find_key_exchange(static_cast<std::uint16_t>(code));
    BOOST_TEST_REQUIRE(kx != nullptr, "no table entry for " << code);
    return *kx;
}

bool is_ffdhe(const key_exchange& kx) {
    return std::string(kx.name).rfind("ffdhe", 0) == 0;
}

// A responder's share for `kx`, made by the table from a fresh initiator share.
bytes responder_share(const key_exchange& kx) {
    kx_state state;
    bytes share;
    BOOST_TEST_REQUIRE((kx.generate(system_random, state, share) == kx_status::ok));
    bytes reply;
    bytes secret;
    BOOST_TEST_REQUIRE((kx.respond(system_random, share, reply, secret) == kx_status::ok));
    return reply;
}

// Big-endian `value` (a small number) in `size` bytes.
bytes small_number(std::size_t size, std::uint8_t value) {
    bytes out(size, 0);
    out.back() = value;
    return out;
}

// Big-endian `p` + `delta` for a small negative or positive delta.
bytes add_small(bytes p, int delta) {
    int carry = delta;
    for (std::size_t i = p.size(); i-- > 0 && carry != 0;) {
        int v = p[i] + carry;
        carry = v < 0 ? -1 : v > 255 ? 1 : 0;
        p[i] = static_cast<std::uint8_t>(v & 0xff);
    }
    return p;
}

// Both directions must refuse `bad` as the peer's share with invalid_share.
void expect_refused(const key_exchange& kx, const bytes& bad, const std::string& what) {
    BOOST_TEST_CONTEXT(kx.name << ": " << what) {
        bytes reply;
        bytes secret;
        BOOST_TEST((kx.respond(system_random, bad, reply, secret) == kx_status::invalid_share));
        BOOST_TEST(secret.empty());
        kx_state state;
        bytes share;
        BOOST_TEST_REQUIRE((kx.generate(system_random, state, share) == kx_status::ok));
        BOOST_TEST((kx.finish(state, bad, secret) == kx_status::invalid_share));
        BOOST_TEST(secret.empty());
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(table_order_codes_and_names) {
    // The default order (the context's default groups): the post-quantum
    // hybrids first, then the classical groups, fast first.
    const std::vector<std::uint16_t> expected = {0x11ec, 0x11eb, 0x11ed, 0x001d, 0x0017,
                                                 0x0018, 0x001e, 0x0019, 0x0100, 0x0101,
                                                 0x0102, 0x0103, 0x0104};
    BOOST_TEST(default_group_codes() == expected, boost::test_tools::per_element());
    const char* names[] = {"X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024",
                           "x25519",         "secp256r1",         "secp384r1",
                           "x448",           "secp521r1",         "ffdhe2048",
                           "ffdhe3072",      "ffdhe4096",         "ffdhe6144",
                           "ffdhe8192"};
    // Hybrid share sizes (draft-ietf-tls-ecdhe-mlkem): ML-KEM's encapsulation
    // key / ciphertext plus the (EC)DH value.
    const std::size_t hybrid_sizes[][2] = {
        {1184 + 32, 1088 + 32}, {1184 + 65, 1088 + 65}, {1568 + 97, 1568 + 97}};
    std::set<std::uint16_t> codes;
    std::size_t i = 0;
    for (const key_exchange& kx : key_exchanges()) {
        BOOST_TEST(std::string(kx.name) == names[i]);
        BOOST_TEST(codes.insert(kx.code).second, "duplicate code point " << kx.code);
        BOOST_TEST(find_key_exchange(kx.code) == &kx);
        BOOST_TEST(find_key_exchange(std::string_view(kx.name)) == &kx);
        if (i < 3) {
            BOOST_TEST(kx.initiator_share_size == hybrid_sizes[i][0]);
            BOOST_TEST(kx.responder_share_size == hybrid_sizes[i][1]);
        } else {
            BOOST_TEST(kx.initiator_share_size == kx_public_key_size(kx.dh));
            BOOST_TEST(kx.responder_share_size == kx_public_key_size(kx.dh));
        }
        ++i;
    }
    BOOST_TEST(find_key_exchange(std::string_view("P-256")) == find_key_exchange(0x0017));
    BOOST_TEST(find_key_exchange(std::string_view("prime256v1")) == find_key_exchange(0x0017));
    BOOST_TEST(find_key_exchange(std::string_view("p-521")) == find_key_exchange(0x0019));
    BOOST_TEST(find_key_exchange(std::string_view("X448")) == find_key_exchange(0x001e));
    BOOST_TEST(find_key_exchange(std::string_view("P-")) == nullptr);
    BOOST_TEST(find_key_exchange(std::uint16_t{0x0016}) == nullptr);
    BOOST_TEST(find_key_exchange(std::string_view("x25519mlkem768")) == find_key_exchange(0x11ec));
    BOOST_TEST(find_key_exchange(std::uint16_t{0x6399}) == nullptr);  // the Kyber draft: never
}

BOOST_AUTO_TEST_CASE(every_group_agrees_on_the_secret) {
    const std::size_t secret_sizes[] = {64, 64, 80, 32, 32, 48, 56, 66, 256, 384, 512, 768, 1024};
    std::size_t i = 0;
    for (const key_exchange& kx : key_exchanges()) {
        BOOST_TEST_CONTEXT(kx.name) {
            kx_state state;
            bytes share;
            BOOST_TEST_REQUIRE((kx.generate(system_random, state, share) == kx_status::ok));
            BOOST_TEST(share.size() == kx.initiator_share_size);
            bytes reply;
            bytes responder_secret;
            BOOST_TEST_REQUIRE(
                (kx.respond(system_random, share, reply, responder_secret) == kx_status::ok));
            BOOST_TEST(reply.size() == kx.responder_share_size);
            bytes initiator_secret;
            BOOST_TEST_REQUIRE((kx.finish(state, reply, initiator_secret) == kx_status::ok));
            // ffdhe secrets keep their leading zeros: always the size of p.
            BOOST_TEST(initiator_secret.size() == secret_sizes[i]);
            BOOST_TEST(initiator_secret == responder_secret);
        }
        ++i;
    }
}

BOOST_AUTO_TEST_CASE(private_keys_come_from_the_random_source) {
    // What lets tests replay traces: the same random bytes give the same
    // share for every group but ffdhe, whose keys libcrypto makes.
    for (const key_exchange& kx : key_exchanges()) {
        BOOST_TEST_CONTEXT(kx.name) {
            kx_state s1;
            kx_state s2;
            bytes share1;
            bytes share2;
            BOOST_TEST_REQUIRE((kx.generate(fixed_random, s1, share1) == kx_status::ok));
            BOOST_TEST_REQUIRE((kx.generate(fixed_random, s2, share2) == kx_status::ok));
            BOOST_TEST((share1 == share2) == !is_ffdhe(kx));
        }
    }
}

BOOST_AUTO_TEST_CASE(shares_of_the_wrong_length_are_refused) {
    for (const key_exchange& kx : key_exchanges()) {
        bytes good = responder_share(kx);
        bytes shorter(good.begin(), good.end() - 1);
        bytes longer = good;
        longer.push_back(0);
        expect_refused(kx, shorter, "one byte short");
        expect_refused(kx, longer, "one byte long");
        expect_refused(kx, {}, "empty");
    }
}

BOOST_AUTO_TEST_CASE(nist_points_must_be_uncompressed_and_on_the_curve) {
    for (int code : {0x0017, 0x0018, 0x0019}) {
        const key_exchange& kx = entry(code);
        const bytes good = responder_share(kx);
        bytes off_curve = good;
        off_curve.back() ^= 0x01;  // y changed: not on the curve
        expect_refused(kx, off_curve, "point not on the curve");
        bytes compressed = good;
        compressed[0] = static_cast<std::uint8_t>(0x02 | (good.back() & 1));
        expect_refused(kx, compressed, "compressed form at full length");
        bytes hybrid = good;
        hybrid[0] = static_cast<std::uint8_t>(0x06 | (good.back() & 1));
        expect_refused(kx, hybrid, "hybrid form");
        expect_refused(kx, bytes(good.size(), 0), "all zero (no point)");
        bytes x_too_big = good;
        std::fill(x_too_big.begin() + 1, x_too_big.begin() + 1 + (good.size() - 1) / 2, 0xff);
        expect_refused(kx, x_too_big, "x not reduced");
    }
}

BOOST_AUTO_TEST_CASE(xdh_low_order_points_are_refused) {
    // u = 0 and u = 1 give an all-zero result (RFC 7748 section 6;
    // RFC 8446 section 7.4.2).
    for (int code : {0x001d, 0x001e}) {
        const key_exchange& kx = entry(code);
        expect_refused(kx, bytes(kx.initiator_share_size, 0), "u = 0");
        bytes one(kx.initiator_share_size, 0);
        one[0] = 1;  // little-endian
        expect_refused(kx, one, "u = 1");
    }
}

BOOST_AUTO_TEST_CASE(ffdhe_peer_value_must_be_between_1_and_p_minus_1) {
    // RFC 7919 section 5.1: 1 < y < p-1.
    for (int code : {0x0100, 0x0101, 0x0102, 0x0103, 0x0104}) {
        const key_exchange& kx = entry(code);
        const bytes p = tlsio::test::ffdhe_prime(kx.name, kx.initiator_share_size);
        const std::size_t n = kx.initiator_share_size;
        expect_refused(kx, small_number(n, 0), "y = 0");
        expect_refused(kx, small_number(n, 1), "y = 1");
        expect_refused(kx, add_small(p, -1), "y = p-1");
        expect_refused(kx, p, "y = p");
        expect_refused(kx, add_small(p, 1), "y = p+1");
        expect_refused(kx, bytes(n, 0xff), "y = 2^n - 1");
        // The ends of the range are accepted.
        BOOST_TEST_CONTEXT(kx.name << ": y = 2 and y = p-2") {
            for (const bytes& y : {small_number(n, 2), add_small(p, -2)}) {
                bytes reply;
                bytes secret;
                BOOST_TEST((kx.respond(system_random, y, reply, secret) == kx_status::ok));
                BOOST_TEST(secret.size() == n);
            }
        }
    }
}

// ---- Hybrids (draft-ietf-tls-ecdhe-mlkem) ----------------------------------------------

namespace {

// Gives each call its own bytes and keeps them, so a test can rebuild the
// shares and secrets from the components.
struct recording_random {
    std::vector<bytes>* calls;
    void operator()(mutable_bytes out) const {
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = static_cast<std::uint8_t>(calls->size() * 37 + i * 11 + 1);
        }
        calls->emplace_back(out.begin(), out.end());
    }
};

bytes concat(const bytes& a, const bytes& b) {
    bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

struct hybrid_case {
    int code;
    mlkem::parameter_set kem;
    kx_group dh;
    bool kem_first;  ///< X25519MLKEM768: ML-KEM first; the NIST hybrids: ECDH first
};

const hybrid_case hybrid_cases[] = {
    {0x11ec, mlkem::parameter_set::ml_kem_768, kx_group::x25519, true},
    {0x11eb, mlkem::parameter_set::ml_kem_768, kx_group::secp256r1, false},
    {0x11ed, mlkem::parameter_set::ml_kem_1024, kx_group::secp384r1, false},
};

}  // namespace

BOOST_AUTO_TEST_CASE(hybrid_shares_and_secret_are_the_components_in_draft_order) {
    for (const hybrid_case& h : hybrid_cases) {
        const key_exchange& kx = entry(h.code);
        BOOST_TEST_CONTEXT(kx.name) {
            const mlkem::sizes sizes = mlkem::sizes_of(h.kem);
            // Client: (EC)DH private key, then the ML-KEM seed d || z.
            std::vector<bytes> client_calls;
            kx_state state;
            bytes share;
            BOOST_TEST_REQUIRE(
                (kx.generate(recording_random{&client_calls}, state, share) == kx_status::ok));
            BOOST_TEST_REQUIRE(client_calls.size() == 2u);
            BOOST_TEST_REQUIRE(client_calls[1].size() == mlkem::seed_size);
            auto client_dh = kx_private_key::from_private_bytes(h.dh, client_calls[0]);
            BOOST_TEST_REQUIRE(client_dh.has_value());
            bytes ek(sizes.encapsulation_key), dk(sizes.decapsulation_key);
            BOOST_TEST_REQUIRE(mlkem::generate_from_seed(h.kem, client_calls[1], ek, dk));
            const bytes& client_pub = client_dh->public_key();
            BOOST_TEST((share == (h.kem_first ? concat(ek, client_pub) : concat(client_pub, ek))));

            // Server: (EC)DH private key, then the encapsulation randomness m.
            std::vector<bytes> server_calls;
            bytes reply;
            bytes secret;
            BOOST_TEST_REQUIRE((kx.respond(recording_random{&server_calls}, share, reply, secret) ==
                                kx_status::ok));
            BOOST_TEST_REQUIRE(server_calls.size() == 2u);
            auto server_dh = kx_private_key::from_private_bytes(h.dh, server_calls[0]);
            BOOST_TEST_REQUIRE(server_dh.has_value());
            bytes ct(sizes.ciphertext), kem_secret(32), dh_secret;
            BOOST_TEST_REQUIRE(mlkem::encapsulate(h.kem, ek, server_calls[1], ct, kem_secret));
            BOOST_TEST_REQUIRE(server_dh->derive(client_pub, dh_secret));
            const bytes& server_pub = server_dh->public_key();
            BOOST_TEST((reply == (h.kem_first ? concat(ct, server_pub) : concat(server_pub, ct))));
            BOOST_TEST((secret == (h.kem_first ? concat(kem_secret, dh_secret)
                                               : concat(dh_secret, kem_secret))));

            bytes client_secret;
            BOOST_TEST_REQUIRE((kx.finish(state, reply, client_secret) == kx_status::ok));
            BOOST_TEST(client_secret == secret);
        }
    }
}

BOOST_AUTO_TEST_CASE(hybrid_encapsulation_key_must_pass_the_modulus_check) {
    for (const hybrid_case& h : hybrid_cases) {
        const key_exchange& kx = entry(h.code);
        kx_state state;
        bytes share;
        BOOST_TEST_REQUIRE((kx.generate(system_random, state, share) == kx_status::ok));
        const std::size_t ek_at = h.kem_first ? 0 : kx_public_key_size(h.dh);
        // The first coefficient of t-hat set to 3329 = q (12 bits, little-endian).
        share[ek_at] = 0x01;
        share[ek_at + 1] = static_cast<std::uint8_t>((share[ek_at + 1] & 0xf0) | 0x0d);
        BOOST_TEST_CONTEXT(kx.name) {
            bytes reply;
            bytes secret;
            BOOST_TEST(
                (kx.respond(system_random, share, reply, secret) == kx_status::invalid_share));
            BOOST_TEST(secret.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(hybrid_bad_dh_half_is_refused) {
    // The x25519 half at u = 0; a NIST point off the curve.
    for (const hybrid_case& h : hybrid_cases) {
        const key_exchange& kx = entry(h.code);
        const std::size_t point = kx_public_key_size(h.dh);
        kx_state state;
        bytes share;
        BOOST_TEST_REQUIRE((kx.generate(system_random, state, share) == kx_status::ok));
        bytes bad_share = share;
        bytes bad_reply = responder_share(kx);
        for (bytes* b : {&bad_share, &bad_reply}) {
            const std::size_t at = h.kem_first ? b->size() - point : 0;
            if (h.kem_first) {
                std::fill(b->begin() + static_cast<std::ptrdiff_t>(at), b->end(), 0);
            } else {
                (*b)[at + point - 1] ^= 0x01;  // y changed: off the curve
            }
        }
        BOOST_TEST_CONTEXT(kx.name) {
            bytes reply;
            bytes secret;
            BOOST_TEST(
                (kx.respond(system_random, bad_share, reply, secret) == kx_status::invalid_share));
            BOOST_TEST((kx.finish(state, bad_reply, secret) == kx_status::invalid_share));
            BOOST_TEST(secret.empty());
        }
    }
}
