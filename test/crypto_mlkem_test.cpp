// ML-KEM (FIPS 203) against the Wycheproof vectors in
// $TLSIO_TESTDATA_DIR/wycheproof/mlkem_*: key generation from a seed,
// encapsulation with fixed randomness (with the modulus check), decapsulation
// (with implicit rejection of modified ciphertexts) and the decapsulation-key
// hash check. Every valid case must give the expected output, every invalid
// one must be refused.
#define BOOST_TEST_MODULE crypto_mlkem
#include <boost/test/unit_test.hpp>

#include <boost/json/src.hpp>

#include "crypto/mlkem.hpp"
#include "support/wycheproof.hpp"

#include <openssl/evp.h>

#include <string>

namespace json = boost::json;
using namespace tlsio;
using namespace tlsio::crypto;
using mlkem::parameter_set;
using tlsio::test::wycheproof::hex_field;
using tlsio::test::wycheproof::load;

namespace {

parameter_set set_of(const json::object& group) {
    const std::string name(group.at("parameterSet").as_string());
    if (name == "ML-KEM-512") {
        return parameter_set::ml_kem_512;
    }
    if (name == "ML-KEM-768") {
        return parameter_set::ml_kem_768;
    }
    BOOST_REQUIRE_EQUAL(name, "ML-KEM-1024");
    return parameter_set::ml_kem_1024;
}

// Calls f(parameter set, test case) for every case of `file`; returns the
// number of valid and invalid cases seen, so a test can check it read them all.
template <class F>
std::pair<int, int> for_each_case(const std::string& file, F f) {
    const json::value doc = load(file);
    int valid = 0;
    int invalid = 0;
    for (const json::value& g : doc.at("testGroups").as_array()) {
        const parameter_set p = set_of(g.as_object());
        for (const json::value& t : g.at("tests").as_array()) {
            const json::object& tc = t.as_object();
            const std::string result(tc.at("result").as_string());
            BOOST_TEST_CONTEXT(file << " tcId " << tc.at("tcId").as_int64()) {
                BOOST_REQUIRE(result == "valid" || result == "invalid");
                f(p, tc, result == "valid");
            }
            ++(result == "valid" ? valid : invalid);
        }
    }
    BOOST_TEST_MESSAGE(file << ": " << valid << " valid, " << invalid << " invalid");
    BOOST_TEST(valid + invalid == doc.at("numberOfTests").as_int64());
    return {valid, invalid};
}

struct key_pair {
    bytes ek;
    bytes dk;
};

std::optional<key_pair> keygen(parameter_set p, byte_view seed) {
    const mlkem::sizes s = mlkem::sizes_of(p);
    key_pair k{bytes(s.encapsulation_key), bytes(s.decapsulation_key)};
    if (!mlkem::generate_from_seed(p, seed, k.ek, k.dk)) {
        return std::nullopt;
    }
    return k;
}

// J(z || c) of FIPS 203, computed here with libcrypto directly.
bytes implicit_rejection_secret(byte_view z, byte_view c) {
    bytes out(32);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    BOOST_REQUIRE(ctx != nullptr);
    BOOST_REQUIRE(EVP_DigestInit_ex2(ctx, EVP_shake256(), nullptr) == 1);
    BOOST_REQUIRE(EVP_DigestUpdate(ctx, z.data(), z.size()) == 1);
    BOOST_REQUIRE(EVP_DigestUpdate(ctx, c.data(), c.size()) == 1);
    BOOST_REQUIRE(EVP_DigestFinalXOF(ctx, out.data(), out.size()) == 1);
    EVP_MD_CTX_free(ctx);
    return out;
}

const char* const sets[] = {"512", "768", "1024"};

}  // namespace

BOOST_AUTO_TEST_CASE(keygen_from_seed) {
    for (const char* set : sets) {
        auto [n_valid, n_invalid] = for_each_case(
            std::string("mlkem_") + set + "_keygen_seed_test.json",
            [](parameter_set p, const json::object& tc, bool valid) {
                auto k = keygen(p, hex_field(tc, "seed"));
                BOOST_TEST_REQUIRE(k.has_value() == valid);
                if (valid) {
                    BOOST_TEST(k->ek == hex_field(tc, "ek"), boost::test_tools::per_element());
                    BOOST_TEST(k->dk == hex_field(tc, "dk"), boost::test_tools::per_element());
                    BOOST_TEST(mlkem::check_encapsulation_key(p, k->ek));
                    BOOST_TEST(mlkem::check_decapsulation_key(p, k->dk));
                }
            });
        BOOST_TEST(n_valid == 100);
        BOOST_TEST(n_invalid == 0);
    }
}

BOOST_AUTO_TEST_CASE(encapsulation_with_fixed_randomness) {
    int modulus_refused = 0;
    for (const char* set : sets) {
        auto [n_valid, n_invalid] = for_each_case(
            std::string("mlkem_") + set + "_encaps_test.json",
            [&](parameter_set p, const json::object& tc, bool valid) {
                const mlkem::sizes s = mlkem::sizes_of(p);
                const bytes ek = hex_field(tc, "ek");
                bytes ct(s.ciphertext);
                bytes shared(mlkem::shared_secret_size);
                const bool ok = mlkem::encapsulate(p, ek, hex_field(tc, "m"), ct, shared);
                BOOST_TEST_REQUIRE(ok == valid);
                BOOST_TEST(mlkem::check_encapsulation_key(p, ek) == valid);
                if (valid) {
                    BOOST_TEST(ct == hex_field(tc, "c"), boost::test_tools::per_element());
                    BOOST_TEST(shared == hex_field(tc, "K"), boost::test_tools::per_element());
                } else if (ek.size() == s.encapsulation_key) {
                    ++modulus_refused;  // right length: refused by the modulus check
                }
            });
        BOOST_TEST(n_valid == 133);
        BOOST_TEST(n_invalid >= 128);
    }
    // 100 "not reduced" keys per set plus the CCTV ModulusOverflow ones.
    BOOST_TEST(modulus_refused == 3 * 100 + 8 + 12 + 16);
}

BOOST_AUTO_TEST_CASE(decapsulation) {
    for (const char* set : sets) {
        auto [n_valid, n_invalid] = for_each_case(
            std::string("mlkem_") + set + "_test.json",
            [](parameter_set p, const json::object& tc, bool valid) {
                auto k = keygen(p, hex_field(tc, "seed"));
                if (!k) {
                    BOOST_TEST(!valid);  // a seed that is not 64 bytes
                    return;
                }
                if (tc.contains("ek")) {
                    BOOST_TEST(k->ek == hex_field(tc, "ek"), boost::test_tools::per_element());
                }
                bytes shared(mlkem::shared_secret_size);
                const bool ok = mlkem::decapsulate(p, k->dk, hex_field(tc, "c"), shared);
                BOOST_TEST_REQUIRE(ok == valid);
                if (valid) {
                    BOOST_TEST(shared == hex_field(tc, "K"), boost::test_tools::per_element());
                }
            });
        BOOST_TEST(n_valid == 153);
        BOOST_TEST(n_invalid == 40);
    }
}

BOOST_AUTO_TEST_CASE(decapsulation_key_checks) {
    auto [n_valid, n_invalid] = for_each_case(
        "mlkem_768_semi_expanded_decaps_test.json",
        [](parameter_set p, const json::object& tc, bool valid) {
            const bytes dk = hex_field(tc, "dk");
            bytes shared(mlkem::shared_secret_size);
            const bool ok = mlkem::decapsulate(p, dk, hex_field(tc, "c"), shared);
            BOOST_TEST_REQUIRE(ok == valid);
            if (valid) {
                BOOST_TEST(shared == hex_field(tc, "K"), boost::test_tools::per_element());
            }
            const bool hash_case =
                tc.at("flags").as_array().size() == 1 &&
                tc.at("flags").as_array()[0].as_string() == "InvalidDecapsulationKey";
            if (hash_case) {
                BOOST_TEST(!mlkem::check_decapsulation_key(p, dk));
            }
        });
    BOOST_TEST(n_valid == 3);
    BOOST_TEST(n_invalid == 6);
}

// A modified ciphertext yields J(z || c), not an error and not K.
BOOST_AUTO_TEST_CASE(implicit_rejection) {
    for (parameter_set p :
         {parameter_set::ml_kem_512, parameter_set::ml_kem_768, parameter_set::ml_kem_1024}) {
        const mlkem::sizes s = mlkem::sizes_of(p);
        bytes seed(64);
        for (std::size_t i = 0; i < seed.size(); ++i) {
            seed[i] = static_cast<std::uint8_t>(i * 7 + 1);
        }
        auto k = keygen(p, seed);
        BOOST_TEST_REQUIRE(k.has_value());
        const bytes m(32, 0x5a);
        bytes ct(s.ciphertext);
        bytes shared(32);
        BOOST_TEST_REQUIRE(mlkem::encapsulate(p, k->ek, m, ct, shared));
        bytes decapsulated(32);
        BOOST_TEST_REQUIRE(mlkem::decapsulate(p, k->dk, ct, decapsulated));
        BOOST_TEST(decapsulated == shared, boost::test_tools::per_element());

        for (std::size_t at : {std::size_t{0}, s.ciphertext / 2, s.ciphertext - 1}) {
            bytes modified = ct;
            modified[at] ^= 0x01;
            BOOST_TEST_REQUIRE(mlkem::decapsulate(p, k->dk, modified, decapsulated));
            const byte_view z(seed.data() + 32, 32);
            BOOST_TEST(decapsulated == implicit_rejection_secret(z, modified),
                       boost::test_tools::per_element());
            BOOST_TEST(decapsulated != shared);
        }
    }
}

// The expanded key (dk and the matrix, for keys this process made) gives the
// same ek and dk as generate_from_seed, and decapsulates every ciphertext,
// accepted or implicitly rejected, to what decapsulate gives.
BOOST_AUTO_TEST_CASE(expanded_key_decapsulates_like_dk) {
    for (parameter_set p :
         {parameter_set::ml_kem_512, parameter_set::ml_kem_768, parameter_set::ml_kem_1024}) {
        const mlkem::sizes s = mlkem::sizes_of(p);
        const std::size_t k = s.encapsulation_key / 384;
        BOOST_TEST(mlkem::expanded_key_size(p) == s.decapsulation_key + 512 * k * k);
        bytes seed(64);
        for (std::size_t i = 0; i < seed.size(); ++i) {
            seed[i] = static_cast<std::uint8_t>(i * 13 + 5);
        }
        bytes ek(s.encapsulation_key), dk(s.decapsulation_key);
        BOOST_TEST_REQUIRE(mlkem::generate_from_seed(p, seed, ek, dk));
        bytes ek2(s.encapsulation_key), expanded(mlkem::expanded_key_size(p));
        BOOST_TEST_REQUIRE(mlkem::generate_expanded(p, seed, ek2, expanded));
        BOOST_TEST(ek2 == ek, boost::test_tools::per_element());
        BOOST_TEST(byte_view(expanded).first(dk.size()) == dk, boost::test_tools::per_element());

        bytes ct(s.ciphertext), shared(32);
        BOOST_TEST_REQUIRE(mlkem::encapsulate(p, ek, bytes(32, 0x3c), ct, shared));
        for (std::size_t at : {s.ciphertext, std::size_t{0}, s.ciphertext / 3, s.ciphertext - 1}) {
            bytes c = ct;
            if (at < c.size()) {
                c[at] ^= 0x80;
            }
            bytes want(32), got(32);
            BOOST_TEST_REQUIRE(mlkem::decapsulate(p, dk, c, want));
            BOOST_TEST_REQUIRE(mlkem::decapsulate_expanded(p, expanded, c, got));
            BOOST_TEST(got == want, boost::test_tools::per_element());
            BOOST_TEST((got == shared) == (at == s.ciphertext));
        }

        bytes out(32);
        BOOST_TEST(!mlkem::decapsulate_expanded(p, dk, ct, out));
        BOOST_TEST(
            !mlkem::decapsulate_expanded(p, expanded, byte_view(ct).first(ct.size() - 1), out));
        BOOST_TEST(!mlkem::generate_expanded(p, seed, ek2, dk));
    }
}

// Sizes from FIPS 203 table 3.
BOOST_AUTO_TEST_CASE(sizes) {
    auto check = [](parameter_set p, std::size_t ek, std::size_t dk, std::size_t ct) {
        const mlkem::sizes s = mlkem::sizes_of(p);
        BOOST_TEST(s.encapsulation_key == ek);
        BOOST_TEST(s.decapsulation_key == dk);
        BOOST_TEST(s.ciphertext == ct);
    };
    check(parameter_set::ml_kem_512, 800, 1632, 768);
    check(parameter_set::ml_kem_768, 1184, 2400, 1088);
    check(parameter_set::ml_kem_1024, 1568, 3168, 1568);
}

// Wrong sizes are refused without writing past anything.
BOOST_AUTO_TEST_CASE(wrong_sizes_refused) {
    const parameter_set p = parameter_set::ml_kem_768;
    const mlkem::sizes s = mlkem::sizes_of(p);
    bytes ek(s.encapsulation_key), dk(s.decapsulation_key);
    BOOST_TEST(!mlkem::generate_from_seed(p, bytes(63), ek, dk));
    BOOST_TEST(!mlkem::generate_from_seed(p, bytes(65), ek, dk));
    BOOST_TEST_REQUIRE(mlkem::generate_from_seed(p, bytes(64, 1), ek, dk));
    bytes ct(s.ciphertext), shared(32);
    BOOST_TEST(!mlkem::encapsulate(p, ek, bytes(31), ct, shared));
    BOOST_TEST(!mlkem::encapsulate(p, byte_view(ek).first(ek.size() - 1), bytes(32), ct, shared));
    BOOST_TEST_REQUIRE(mlkem::encapsulate(p, ek, bytes(32), ct, shared));
    BOOST_TEST(!mlkem::decapsulate(p, byte_view(dk).first(dk.size() - 1), ct, shared));
    BOOST_TEST(!mlkem::decapsulate(p, dk, byte_view(ct).first(ct.size() - 1), shared));
    bytes tampered = dk;
    tampered[384 * 3] ^= 1;  // the embedded ek no longer matches its hash
    BOOST_TEST(!mlkem::check_decapsulation_key(p, tampered));
    BOOST_TEST(!mlkem::decapsulate(p, tampered, ct, shared));
}
