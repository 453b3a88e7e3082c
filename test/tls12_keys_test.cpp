// The TLS 1.2 key derivations (handshake/tls12_keys.hpp): the PRF of RFC 5246
// section 5, the extended master secret (RFC 7627), the key block and the
// Finished verify_data.
//
// Known answers: the P_SHA256 and P_SHA384 vectors posted to the IETF TLS
// working group list (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html),
// which `openssl kdf TLS1-PRF` reproduces. The derivations built on the PRF
// are checked against values made with that same command (OpenSSL 3.0's
// TLS1-PRF KDF, an implementation independent of ours), e.g.
//   openssl kdf -keylen 48 -kdfopt digest:SHA2-256 -kdfopt hexsecret:<pms>
//       -kdfopt seed:"extended master secret" -kdfopt hexseed:<session hash> TLS1-PRF
#include "handshake/tls12_keys.hpp"

#define BOOST_TEST_MODULE tls12_keys_test
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace tlsio;
using crypto::hash_algorithm;
namespace tls12 = handshake::tls12;

namespace {

bytes unhex(std::string_view text) {
    bytes out;
    int high = -1;
    for (char c : text) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) {
            continue;
        }
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    return out;
}

bytes digest(hash_algorithm h, std::string_view text) {
    bytes out(crypto::digest_size(h));
    crypto::digest(h, byte_view(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                   out);
    return out;
}

bytes view_bytes(byte_view b) {
    return bytes(b.begin(), b.end());
}

const bytes client_random =
    unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const bytes server_random =
    unhex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
const bytes pre_master = bytes(32, 0x11);

}  // namespace

BOOST_AUTO_TEST_CASE(prf_sha256_ietf_vector) {
    bytes out(100);
    tls12::prf(hash_algorithm::sha256, unhex("9bbe436ba940f017b17652849a71db35"), "test label",
               unhex("a0ba9f936cda311827a6f796ffd5198c"), {}, out);
    BOOST_TEST(out == unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                            "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                            "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                            "87347b66"),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(prf_sha384_ietf_vector) {
    bytes out(148);
    // The seed split in two parts gives the same output as one seed.
    tls12::prf(hash_algorithm::sha384, unhex("b80b733d6ceefcdc71566ea48e5567df"), "test label",
               unhex("cd665cf6a8447dd6"), unhex("ff8b27555edb7465"), out);
    BOOST_TEST(out == unhex("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
                            "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
                            "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
                            "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
                            "91c8f3a26854308d5eaa3be85e0990703d73e56f"),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(prf_output_is_a_prefix_of_a_longer_output) {
    bytes long_out(100), short_out(33);
    const bytes secret = unhex("9bbe436ba940f017b17652849a71db35");
    tls12::prf(hash_algorithm::sha256, secret, "x", secret, {}, long_out);
    tls12::prf(hash_algorithm::sha256, secret, "x", secret, {}, short_out);
    BOOST_TEST(bytes(long_out.begin(), long_out.begin() + 33) == short_out,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(extended_master_secret_sha256) {
    handshake::secret ms = tls12::extended_master_secret(
        hash_algorithm::sha256, pre_master, digest(hash_algorithm::sha256, "session hash"));
    BOOST_TEST(ms.size() == 48u);
    BOOST_TEST(view_bytes(ms.view()) ==
                   unhex("928b7dcecd12ad6160181431c0621853c95604a2eb51bcc094edc40f5ddd2485"
                         "36133893155ddfbf7526a6b675c811fd"),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(key_block_aes_128_gcm) {
    handshake::secret ms = tls12::extended_master_secret(
        hash_algorithm::sha256, pre_master, digest(hash_algorithm::sha256, "session hash"));
    tls12::key_block kb;
    tls12::derive_key_block(*tls12::find_suite(0xc02b), ms, client_random, server_random, kb);
    // client key (16), server key (16), client salt (4), server salt (4).
    const bytes expected =
        unhex("ec51b2047ccbe77172dcc63607c5d7eff9b0fdbb5719ae8c3ead9bd593cbc77698769bde7898668e");
    BOOST_TEST(kb.key_size == 16u);
    BOOST_TEST(kb.iv_size == 4u);
    BOOST_TEST(view_bytes(kb.key(true)) == bytes(expected.begin(), expected.begin() + 16),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.key(false)) == bytes(expected.begin() + 16, expected.begin() + 32),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.iv(true)) == bytes(expected.begin() + 32, expected.begin() + 36),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.iv(false)) == bytes(expected.begin() + 36, expected.end()),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(key_block_chacha20_poly1305) {
    handshake::secret ms = tls12::extended_master_secret(
        hash_algorithm::sha256, pre_master, digest(hash_algorithm::sha256, "session hash"));
    tls12::key_block kb;
    tls12::derive_key_block(*tls12::find_suite(0xcca8), ms, client_random, server_random, kb);
    const bytes expected = unhex(
        "ec51b2047ccbe77172dcc63607c5d7eff9b0fdbb5719ae8c3ead9bd593cbc77698769bde7898668e"
        "c54f02f0376aa1fdcc2278d61367adf6f5c580f4c1846cab5ab4933c098beed14296ca6d03e62022"
        "a1223de50e843df6");
    BOOST_TEST(kb.key_size == 32u);
    BOOST_TEST(kb.iv_size == 12u);
    BOOST_TEST(view_bytes(kb.key(true)) == bytes(expected.begin(), expected.begin() + 32),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.key(false)) == bytes(expected.begin() + 32, expected.begin() + 64),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.iv(true)) == bytes(expected.begin() + 64, expected.begin() + 76),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.iv(false)) == bytes(expected.begin() + 76, expected.end()),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(key_block_aes_256_gcm_sha384) {
    handshake::secret ms = tls12::extended_master_secret(
        hash_algorithm::sha384, pre_master, digest(hash_algorithm::sha384, "session hash"));
    BOOST_TEST(view_bytes(ms.view()) ==
                   unhex("f39097187f7128b09bb19dcb3eb0c3dd9d83be4c865c430a3e7078a975b38051"
                         "ecbb20eac4d40d09626de99367ea9fef"),
               boost::test_tools::per_element());
    tls12::key_block kb;
    tls12::derive_key_block(*tls12::find_suite(0xc030), ms, client_random, server_random, kb);
    const bytes expected = unhex(
        "4e95373c836b079767f09036d9cad73b640c49caa374e735bea1f982a57271fe1b57c3d545f9c200"
        "b9a24fda2c32c208ab5b3c05c6869ee0fe8714ffaa80a40b6fe104e407de295c");
    BOOST_TEST(view_bytes(kb.key(true)) == bytes(expected.begin(), expected.begin() + 32),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.key(false)) == bytes(expected.begin() + 32, expected.begin() + 64),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.iv(true)) == bytes(expected.begin() + 64, expected.begin() + 68),
               boost::test_tools::per_element());
    BOOST_TEST(view_bytes(kb.iv(false)) == bytes(expected.begin() + 68, expected.end()),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(finished_verify_data) {
    const bytes sh256 = digest(hash_algorithm::sha256, "session hash");
    handshake::secret ms = tls12::extended_master_secret(hash_algorithm::sha256, pre_master, sh256);
    auto client = tls12::finished_verify_data(hash_algorithm::sha256, ms, true, sh256);
    BOOST_TEST(bytes(client.begin(), client.end()) == unhex("e5a05e2b06eeb75f15166115"),
               boost::test_tools::per_element());

    const bytes sh384 = digest(hash_algorithm::sha384, "session hash");
    handshake::secret ms384 =
        tls12::extended_master_secret(hash_algorithm::sha384, pre_master, sh384);
    auto server = tls12::finished_verify_data(hash_algorithm::sha384, ms384, false, sh384);
    BOOST_TEST(bytes(server.begin(), server.end()) == unhex("ba39adb36ac5cddf6a6991dd"),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(suite_table) {
    for (std::uint16_t id : {std::uint16_t{0xc02b}, std::uint16_t{0xc02c}, std::uint16_t{0xcca9}}) {
        const tls12::suite* s = tls12::find_suite(id);
        BOOST_REQUIRE(s);
        BOOST_TEST(tls12::suite_allows_key(*s, crypto::key_type::ec_p256));
        BOOST_TEST(!tls12::suite_allows_key(*s, crypto::key_type::rsa));
    }
    for (std::uint16_t id : {std::uint16_t{0xc02f}, std::uint16_t{0xc030}, std::uint16_t{0xcca8}}) {
        const tls12::suite* s = tls12::find_suite(id);
        BOOST_REQUIRE(s);
        BOOST_TEST(tls12::suite_allows_key(*s, crypto::key_type::rsa));
        BOOST_TEST(!tls12::suite_allows_key(*s, crypto::key_type::ed25519));
    }
    BOOST_TEST(std::string(tls12::find_suite(0xc02b)->openssl_name) ==
               "ECDHE-ECDSA-AES128-GCM-SHA256");
    BOOST_TEST(std::string(tls12::find_suite(0xcca8)->openssl_name) ==
               "ECDHE-RSA-CHACHA20-POLY1305");
    // No CBC, no static RSA, no TLS 1.3 suite.
    BOOST_TEST(!tls12::find_suite(0xc027));
    BOOST_TEST(!tls12::find_suite(0x009c));
    BOOST_TEST(!tls12::find_suite(0x1301));
}
