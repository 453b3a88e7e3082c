// The crypto layer against the Wycheproof vectors in $TLSIO_TESTDATA_DIR/wycheproof.
//
// Every `valid` case must be accepted (with the expected output where the file
// gives one) and every `invalid` case refused. `acceptable` cases are counted,
// not judged, except where TLS itself decides (see the notes at each file).
#define BOOST_TEST_MODULE crypto_wycheproof
#include <boost/test/unit_test.hpp>

#include <boost/json/src.hpp>

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/kx.hpp"
#include "crypto/sig.hpp"
#include "support/wycheproof.hpp"

#include <algorithm>
#include <sstream>
#include <string>

namespace json = boost::json;
using namespace tlsio;
using namespace tlsio::crypto;
using tlsio::test::wycheproof::hex_field;
using tlsio::test::wycheproof::load;

namespace {

std::string str_field(const json::object& o, const char* key) {
    return std::string(o.at(key).as_string());
}

bool has_flag(const json::object& tc, std::string_view flag) {
    for (const json::value& f : tc.at("flags").as_array()) {
        if (f.as_string() == flag) {
            return true;
        }
    }
    return false;
}

// Per-file bookkeeping, printed at the end of each test case.
struct tally {
    explicit tally(std::string f) : file(std::move(f)) {}

    std::string file;
    int valid = 0;
    int invalid = 0;
    int acceptable_accepted = 0;
    int acceptable_refused = 0;
    int skipped = 0;
    int failed = 0;
    std::vector<std::int64_t> accepted_acceptable_ids;

    int run() const { return valid + invalid + acceptable_accepted + acceptable_refused; }

    // `output_ok` says whether what we produced matches the file (true when the
    // case has no expected output or we refused it).
    void judge(const json::object& tc, bool accepted, bool output_ok = true) {
        const std::int64_t id = tc.at("tcId").as_int64();
        const std::string result = str_field(tc, "result");
        const std::string comment = tc.contains("comment") ? str_field(tc, "comment") : "";
        bool good = true;
        if (result == "valid") {
            ++valid;
            good = accepted && output_ok;
            BOOST_TEST(accepted,
                       file << " tcId " << id << ": valid case refused (" << comment << ")");
            BOOST_TEST(output_ok, file << " tcId " << id << ": wrong output (" << comment << ")");
        } else if (result == "invalid") {
            ++invalid;
            good = !accepted;
            BOOST_TEST(!accepted,
                       file << " tcId " << id << ": invalid case accepted (" << comment << ")");
        } else {
            BOOST_TEST_REQUIRE(result == "acceptable",
                               file << " tcId " << id << ": result " << result);
            if (accepted) {
                ++acceptable_accepted;
                accepted_acceptable_ids.push_back(id);
                // Accepting is fine; accepting with a wrong answer is not.
                good = output_ok;
                BOOST_TEST(output_ok, file << " tcId " << id << ": acceptable case accepted "
                                           << "with wrong output (" << comment << ")");
            } else {
                ++acceptable_refused;
            }
        }
        if (!good) {
            ++failed;
        }
    }

    void skip(const json::object& group) {
        skipped += static_cast<int>(group.at("tests").as_array().size());
    }

    void finish() const {
        std::ostringstream ids;
        for (std::size_t i = 0; i < accepted_acceptable_ids.size() && i < 20; ++i) {
            ids << (i == 0 ? "" : ",") << accepted_acceptable_ids[i];
        }
        if (accepted_acceptable_ids.size() > 20) {
            ids << ",...";
        }
        BOOST_TEST_MESSAGE(file << ": ran " << run() << " (valid " << valid << ", invalid "
                                << invalid << ", acceptable accepted " << acceptable_accepted
                                << " [" << ids.str() << "], acceptable refused "
                                << acceptable_refused << "), failed " << failed << ", skipped "
                                << skipped);
        BOOST_TEST(run() > 0, file << ": no test case ran");
    }
};

template <class Fn>
void for_each_test(const json::value& doc, Fn fn) {
    for (const json::value& g : doc.at("testGroups").as_array()) {
        const json::object& group = g.as_object();
        for (const json::value& t : group.at("tests").as_array()) {
            fn(group, t.as_object());
        }
    }
}

template <class GroupFilter, class Fn>
void for_each_test(const json::value& doc, tally& t, GroupFilter keep, Fn fn) {
    for (const json::value& g : doc.at("testGroups").as_array()) {
        const json::object& group = g.as_object();
        if (!keep(group)) {
            t.skip(group);
            continue;
        }
        for (const json::value& tc : group.at("tests").as_array()) {
            fn(group, tc.as_object());
        }
    }
}

// ---- AEAD -------------------------------------------------------------------

// Seals msg and opens ct with a fresh context per case; the case is accepted
// when open succeeds and returns msg. For valid cases sealing must reproduce
// ct and tag exactly.
void run_aead(tally& t, aead_algorithm alg, const json::object& tc) {
    const bytes key = hex_field(tc, "key");
    const bytes iv = hex_field(tc, "iv");
    const bytes aad = hex_field(tc, "aad");
    const bytes msg = hex_field(tc, "msg");
    const bytes ct = hex_field(tc, "ct");
    const bytes tag = hex_field(tc, "tag");

    aead_context ctx;
    BOOST_TEST_REQUIRE(ctx.init(alg, key), t.file << " tcId " << tc.at("tcId").as_int64());

    bytes sealed = msg;
    std::uint8_t sealed_tag[aead_tag_size] = {};
    const bool seal_ok = ctx.seal(iv, aad, sealed, sealed_tag);
    const bool seal_matches = seal_ok && sealed == ct && tag.size() == aead_tag_size &&
                              std::equal(tag.begin(), tag.end(), std::begin(sealed_tag));

    bytes opened = ct;
    const bool open_ok = ctx.open(iv, aad, opened, tag);
    const bool accepted = open_ok && opened == msg;
    t.judge(tc, accepted, !accepted || seal_matches);
}

BOOST_AUTO_TEST_CASE(aes_gcm) {
    tally t{"aes_gcm_test.json"};
    // TLS uses 12-byte nonces, 16-byte tags and AES-128/256 only; other groups are skipped.
    for_each_test(
        load(t.file), t,
        [](const json::object& g) {
            const auto key = g.at("keySize").as_int64();
            return g.at("ivSize").as_int64() == 96 && g.at("tagSize").as_int64() == 128 &&
                   (key == 128 || key == 256);
        },
        [&](const json::object& g, const json::object& tc) {
            run_aead(t,
                     g.at("keySize").as_int64() == 128 ? aead_algorithm::aes_128_gcm
                                                       : aead_algorithm::aes_256_gcm,
                     tc);
        });
    t.finish();
}

BOOST_AUTO_TEST_CASE(chacha20_poly1305) {
    tally t{"chacha20_poly1305_test.json"};
    for_each_test(
        load(t.file), t,
        [](const json::object& g) {
            return g.at("ivSize").as_int64() == 96 && g.at("tagSize").as_int64() == 128 &&
                   g.at("keySize").as_int64() == 256;
        },
        [&](const json::object&, const json::object& tc) {
            run_aead(t, aead_algorithm::chacha20_poly1305, tc);
        });
    t.finish();
}

// TLS_AES_128_CCM_SHA256 is the only CCM in TLS 1.3: AES-128, 12-byte nonce,
// 16-byte tag (RFC 8446 appendix B.4); other groups are skipped.
BOOST_AUTO_TEST_CASE(aes_128_ccm) {
    tally t{"aes_ccm_test.json"};
    for_each_test(
        load(t.file), t,
        [](const json::object& g) {
            return g.at("ivSize").as_int64() == 96 && g.at("tagSize").as_int64() == 128 &&
                   g.at("keySize").as_int64() == 128;
        },
        [&](const json::object&, const json::object& tc) {
            run_aead(t, aead_algorithm::aes_128_ccm, tc);
        });
    t.finish();
}

// The record layer seals CCM from several buffers, which CCM needs as one.
BOOST_AUTO_TEST_CASE(aes_128_ccm_sealed_from_parts_matches_one_buffer) {
    const bytes key(16, 0x4b);
    const bytes nonce(aead_nonce_size, 0x07);
    const bytes aad = {0x17, 0x03, 0x03, 0x00, 0x20};
    bytes whole(40);
    for (std::size_t i = 0; i < whole.size(); ++i) {
        whole[i] = static_cast<std::uint8_t>(i * 7);
    }
    aead_context a;
    BOOST_TEST_REQUIRE(a.init(aead_algorithm::aes_128_ccm, key));
    bytes one = whole;
    std::uint8_t tag_one[aead_tag_size];
    BOOST_TEST_REQUIRE(a.seal(nonce, aad, one, tag_one));

    const byte_view parts[] = {byte_view(whole).first(10), byte_view(whole).subspan(10, 29),
                               byte_view(whole).subspan(39)};
    bytes out(whole.size());
    std::uint8_t tag_parts[aead_tag_size];
    BOOST_TEST_REQUIRE(a.seal(nonce, aad, parts, out.data(), tag_parts));
    BOOST_TEST(out == one);
    BOOST_TEST(std::equal(std::begin(tag_one), std::end(tag_one), std::begin(tag_parts)));

    // Opened in place, and refused with one bit of the tag flipped.
    BOOST_TEST(a.open(nonce, aad, one, byte_view(tag_one, aead_tag_size)));
    BOOST_TEST(one == whole);
    tag_parts[3] ^= 0x10;
    BOOST_TEST(!a.open(nonce, aad, out, byte_view(tag_parts, aead_tag_size)));
}

// ---- HKDF -------------------------------------------------------------------

// Extract then expand. The invalid cases ask for more than 255 * HashLen bytes,
// which hkdf_expand must refuse.
void run_hkdf(const std::string& file, hash_algorithm h) {
    tally t{file};
    for_each_test(load(file), [&](const json::object&, const json::object& tc) {
        const bytes ikm = hex_field(tc, "ikm");
        const bytes salt = hex_field(tc, "salt");
        const bytes info = hex_field(tc, "info");
        const bytes okm = hex_field(tc, "okm");
        std::uint8_t prk[max_digest_size];
        hkdf_extract(h, salt, ikm, mutable_bytes(prk, digest_size(h)));
        bytes out(static_cast<std::size_t>(tc.at("size").as_int64()));
        const bool accepted = hkdf_expand(h, byte_view(prk, digest_size(h)), info, out);
        t.judge(tc, accepted, !accepted || out == okm);
    });
    t.finish();
}

BOOST_AUTO_TEST_CASE(hkdf_sha256) {
    run_hkdf("hkdf_sha256_test.json", hash_algorithm::sha256);
}

BOOST_AUTO_TEST_CASE(hkdf_sha384) {
    run_hkdf("hkdf_sha384_test.json", hash_algorithm::sha384);
}

// ---- key exchange -------------------------------------------------------------

// Wycheproof writes EC scalars as ASN.1-style integers (a leading zero byte,
// or fewer bytes); from_private_bytes wants exactly the field size.
bytes fixed_scalar(bytes d, std::size_t size) {
    const auto first = std::find_if(d.begin(), d.end(), [](std::uint8_t b) { return b != 0; });
    d.erase(d.begin(), first);
    BOOST_REQUIRE(d.size() <= size);
    d.insert(d.begin(), size - d.size(), 0);
    return d;
}

// RFC 7748 functions. The acceptable cases are public keys on the twist,
// non-canonical encodings (the top bit is ignored, as RFC 7748 says) and
// low-order points. We accept the first two (with the right result) and must
// refuse every case whose shared secret is all zero (RFC 8446 section 7.4.2).
// A public key of the wrong length is invalid.
void run_xdh(const std::string& file, kx_group g) {
    tally t{file};
    int zero_refused = 0;
    for_each_test(load(t.file), [&](const json::object&, const json::object& tc) {
        const auto key = kx_private_key::from_private_bytes(g, hex_field(tc, "private"));
        BOOST_TEST_REQUIRE(key.has_value(), t.file << " tcId " << tc.at("tcId").as_int64());
        bytes shared;
        const bool accepted = key->derive(hex_field(tc, "public"), shared);
        if (has_flag(tc, "ZeroSharedSecret")) {
            BOOST_TEST(!accepted, t.file << " tcId " << tc.at("tcId").as_int64()
                                         << ": all-zero shared secret accepted");
            zero_refused += accepted ? 0 : 1;
        }
        t.judge(tc, accepted, !accepted || shared == hex_field(tc, "shared"));
    });
    BOOST_TEST_MESSAGE(t.file << ": all-zero shared secrets refused: " << zero_refused);
    BOOST_TEST(zero_refused > 0);
    t.finish();
}

BOOST_AUTO_TEST_CASE(x25519) {
    run_xdh("x25519_test.json", kx_group::x25519);
}

BOOST_AUTO_TEST_CASE(x448) {
    run_xdh("x448_test.json", kx_group::x448);
}

// Public keys are raw points, the key_share form. The one acceptable case is
// a valid compressed point, which we refuse: TLS 1.3 allows only uncompressed.
void run_ecdh(const std::string& file, kx_group g, std::size_t scalar_size) {
    tally t{file};
    for_each_test(load(file), [&](const json::object&, const json::object& tc) {
        const auto key = kx_private_key::from_private_bytes(
            g, fixed_scalar(hex_field(tc, "private"), scalar_size));
        BOOST_TEST_REQUIRE(key.has_value(), file << " tcId " << tc.at("tcId").as_int64());
        bytes shared;
        const bool accepted = key->derive(hex_field(tc, "public"), shared);
        if (has_flag(tc, "CompressedPoint")) {
            BOOST_TEST(!accepted, file << " tcId " << tc.at("tcId").as_int64()
                                       << ": compressed point accepted");
        }
        t.judge(tc, accepted, !accepted || shared == hex_field(tc, "shared"));
    });
    t.finish();
}

BOOST_AUTO_TEST_CASE(ecdh_secp256r1) {
    run_ecdh("ecdh_secp256r1_ecpoint_test.json", kx_group::secp256r1, 32);
}

BOOST_AUTO_TEST_CASE(ecdh_secp384r1) {
    run_ecdh("ecdh_secp384r1_ecpoint_test.json", kx_group::secp384r1, 48);
}

BOOST_AUTO_TEST_CASE(ecdh_secp521r1) {
    run_ecdh("ecdh_secp521r1_ecpoint_test.json", kx_group::secp521r1, 66);
}

// ---- signatures ---------------------------------------------------------------

// Verifies each case with the group's DER SubjectPublicKeyInfo key. Groups
// whose key does not load or does not have `expected` type fail loudly.
template <class GroupFilter>
void run_verify(const std::string& file, std::uint16_t scheme, key_type expected,
                GroupFilter keep) {
    tally t{file};
    for_each_test(load(file), t, keep, [&](const json::object& g, const json::object& tc) {
        const auto key = public_key::from_spki(hex_field(g, "publicKeyDer"));
        BOOST_TEST_REQUIRE(key.has_value(), file << " tcId " << tc.at("tcId").as_int64()
                                                 << ": group key does not load");
        BOOST_TEST_REQUIRE((key->type() == expected),
                           file << " tcId " << tc.at("tcId").as_int64() << ": key type");
        t.judge(tc, key->verify(scheme, hex_field(tc, "msg"), hex_field(tc, "sig")));
    });
    t.finish();
}

auto all_groups = [](const json::object&) { return true; };

BOOST_AUTO_TEST_CASE(ecdsa_secp256r1_sha256) {
    run_verify("ecdsa_secp256r1_sha256_test.json", scheme::ecdsa_secp256r1_sha256,
               key_type::ec_p256, all_groups);
}

BOOST_AUTO_TEST_CASE(ecdsa_secp384r1_sha384) {
    run_verify("ecdsa_secp384r1_sha384_test.json", scheme::ecdsa_secp384r1_sha384,
               key_type::ec_p384, all_groups);
}

BOOST_AUTO_TEST_CASE(ecdsa_secp521r1_sha512) {
    run_verify("ecdsa_secp521r1_sha512_test.json", scheme::ecdsa_secp521r1_sha512,
               key_type::ec_p521, all_groups);
}

BOOST_AUTO_TEST_CASE(ed25519) {
    run_verify("ed25519_test.json", scheme::ed25519, key_type::ed25519, all_groups);
}

// rsa_pss_rsae_* fixes MGF1 with the signing hash and a salt as long as the
// hash; groups with other parameters cannot occur in TLS and are skipped.
auto pss_groups(const char* sha, std::int64_t salt) {
    return [sha, salt](const json::object& g) {
        return g.at("sha").as_string() == sha && g.at("mgf").as_string() == "MGF1" &&
               g.at("mgfSha").as_string() == sha && g.at("sLen").as_int64() == salt;
    };
}

BOOST_AUTO_TEST_CASE(rsa_pss_2048_sha256) {
    run_verify("rsa_pss_2048_sha256_mgf1_32_test.json", scheme::rsa_pss_rsae_sha256, key_type::rsa,
               pss_groups("SHA-256", 32));
}

BOOST_AUTO_TEST_CASE(rsa_pss_2048_sha384) {
    run_verify("rsa_pss_2048_sha384_mgf1_48_test.json", scheme::rsa_pss_rsae_sha384, key_type::rsa,
               pss_groups("SHA-384", 48));
}

// PKCS#1 v1.5 (certificate signatures, TLS 1.2). The one acceptable case
// omits the NULL parameters of the hash AlgorithmIdentifier; whatever
// libcrypto decides is recorded.
BOOST_AUTO_TEST_CASE(rsa_pkcs1_2048_sha256) {
    run_verify("rsa_signature_2048_sha256_test.json", scheme::rsa_pkcs1_sha256, key_type::rsa,
               [](const json::object& g) { return g.at("sha").as_string() == "SHA-256"; });
}

}  // namespace
