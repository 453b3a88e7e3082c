// The RFC 7919 primes, from libcrypto's named groups, for tests that build
// ffdhe values at the edges of the allowed range.
#ifndef TLSIO_TEST_SUPPORT_FFDHE_HPP
#define TLSIO_TEST_SUPPORT_FFDHE_HPP

#include <boost/test/unit_test.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace tlsio::test {

/// The prime p of ffdhe group `group_name` ("ffdhe2048"), big-endian in `size` bytes.
inline std::vector<std::uint8_t> ffdhe_prime(const char* group_name, std::size_t size) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr), EVP_PKEY_CTX_free);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                            const_cast<char*>(group_name), 0),
                           OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    BOOST_TEST_REQUIRE(ctx != nullptr);
    BOOST_TEST_REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
    BOOST_TEST_REQUIRE(EVP_PKEY_CTX_set_params(ctx.get(), params) == 1);
    BOOST_TEST_REQUIRE(EVP_PKEY_generate(ctx.get(), &key) == 1);
    BIGNUM* p = nullptr;
    const bool got = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_FFC_P, &p) == 1;
    EVP_PKEY_free(key);
    BOOST_TEST_REQUIRE(got);
    std::vector<std::uint8_t> out(size);
    const int written = BN_bn2binpad(p, out.data(), static_cast<int>(size));
    BN_free(p);
    BOOST_TEST_REQUIRE(written == static_cast<int>(size));
    return out;
}

}  // namespace tlsio::test

#endif
