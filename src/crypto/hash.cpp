#include "crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace tlsio::crypto {
namespace {

constexpr const char* digest_name(hash_algorithm h) noexcept {
    switch (h) {
        case hash_algorithm::sha256:
            return "SHA256";
        case hash_algorithm::sha384:
            return "SHA384";
        case hash_algorithm::sha512:
            return "SHA512";
    }
    return "SHA256";
}

constexpr std::size_t index_of(hash_algorithm h) noexcept {
    return static_cast<std::size_t>(h);
}

// Provider look-ups are slow in OpenSSL 3, so each digest is fetched once per
// process. The references are dropped at exit (before OPENSSL_cleanup, which
// was registered earlier) so leak checkers stay quiet.
struct fetched_digests {
    EVP_MD* md[3];
    fetched_digests()
        : md{EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_fetch(nullptr, "SHA384", nullptr),
             EVP_MD_fetch(nullptr, "SHA512", nullptr)} {}
    ~fetched_digests() {
        for (EVP_MD* m : md) {
            EVP_MD_free(m);
        }
    }
    fetched_digests(const fetched_digests&) = delete;
    fetched_digests& operator=(const fetched_digests&) = delete;
};

const EVP_MD* md_of(hash_algorithm h) {
    static const fetched_digests digests;
    return digests.md[index_of(h)];
}

struct fetched_hmac {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    fetched_hmac() = default;
    ~fetched_hmac() { EVP_MAC_free(mac); }
    fetched_hmac(const fetched_hmac&) = delete;
    fetched_hmac& operator=(const fetched_hmac&) = delete;
};

// HMAC and HKDF run some thirty times per handshake. Keeping one HMAC context
// per thread and digest, already bound to its digest, means a call only
// re-keys it instead of allocating and fetching.
class thread_scratch {
public:
    thread_scratch() = default;
    ~thread_scratch() {
        for (EVP_MAC_CTX* c : mac_) {
            EVP_MAC_CTX_free(c);
        }
        EVP_MD_CTX_free(md_);
    }
    thread_scratch(const thread_scratch&) = delete;
    thread_scratch& operator=(const thread_scratch&) = delete;

    EVP_MAC_CTX* mac(hash_algorithm h) {
        EVP_MAC_CTX*& c = mac_[index_of(h)];
        if (c == nullptr) {
            static const fetched_hmac hmac;
            if (hmac.mac == nullptr) {
                return nullptr;
            }
            c = EVP_MAC_CTX_new(hmac.mac);
            OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                                       OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(h)), 0),
                                   OSSL_PARAM_construct_end()};
            if (c != nullptr && EVP_MAC_CTX_set_params(c, params) != 1) {
                EVP_MAC_CTX_free(c);
                c = nullptr;
            }
        }
        return c;
    }

    EVP_MD_CTX* md() {
        if (md_ == nullptr) {
            md_ = EVP_MD_CTX_new();
        }
        return md_;
    }

private:
    EVP_MAC_CTX* mac_[3] = {};
    EVP_MD_CTX* md_ = nullptr;
};

thread_scratch& scratch() {
    thread_local thread_scratch s;
    return s;
}

// EVP_MAC_init treats a null key as "keep the current key", so an empty key
// must still be passed as a non-null pointer.
const unsigned char* key_pointer(byte_view key) noexcept {
    static const unsigned char empty = 0;
    return key.empty() ? &empty : key.data();
}

bool mac_update(EVP_MAC_CTX* c, byte_view data) {
    return data.empty() || EVP_MAC_update(c, data.data(), data.size()) == 1;
}

}  // namespace

std::size_t digest_size(hash_algorithm h) noexcept {
    switch (h) {
        case hash_algorithm::sha256:
            return 32;
        case hash_algorithm::sha384:
            return 48;
        case hash_algorithm::sha512:
            return 64;
    }
    return 0;
}

void hash_context::deleter::operator()(evp_md_ctx_st* p) const noexcept {
    EVP_MD_CTX_free(p);
}

hash_context::hash_context(hash_algorithm h) : algorithm_(h), ctx_(EVP_MD_CTX_new()) {
    const EVP_MD* md = md_of(h);
    if (ctx_ == nullptr || md == nullptr || EVP_DigestInit_ex2(ctx_.get(), md, nullptr) != 1) {
        ctx_.reset();
    }
}

hash_context::hash_context(const hash_context& other) : algorithm_(other.algorithm_) {
    if (other.ctx_ != nullptr) {
        ctx_.reset(EVP_MD_CTX_new());
        if (ctx_ != nullptr && EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()) != 1) {
            ctx_.reset();
        }
    }
}

hash_context& hash_context::operator=(const hash_context& other) {
    if (this != &other) {
        hash_context copy(other);
        *this = std::move(copy);
    }
    return *this;
}

hash_context::~hash_context() = default;

void hash_context::update(byte_view data) {
    if (ctx_ != nullptr && !data.empty()) {
        EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
    }
}

std::size_t hash_context::peek(mutable_bytes out) const {
    // Finalizing a copy leaves this context free to continue. The copy lives in
    // a per-thread scratch context so only the provider state is duplicated.
    EVP_MD_CTX* tmp = scratch().md();
    unsigned int n = 0;
    if (ctx_ == nullptr || tmp == nullptr || out.size() < size() ||
        EVP_MD_CTX_copy_ex(tmp, ctx_.get()) != 1 || EVP_DigestFinal_ex(tmp, out.data(), &n) != 1) {
        return 0;
    }
    return n;
}

std::size_t digest(hash_algorithm h, byte_view data, mutable_bytes out) {
    EVP_MD_CTX* c = scratch().md();
    const EVP_MD* md = md_of(h);
    unsigned int n = 0;
    if (c == nullptr || md == nullptr || out.size() < digest_size(h) ||
        EVP_DigestInit_ex2(c, md, nullptr) != 1 ||
        (!data.empty() && EVP_DigestUpdate(c, data.data(), data.size()) != 1) ||
        EVP_DigestFinal_ex(c, out.data(), &n) != 1) {
        return 0;
    }
    return n;
}

std::size_t hmac(hash_algorithm h, byte_view key, byte_view data, mutable_bytes out) {
    EVP_MAC_CTX* c = scratch().mac(h);
    std::size_t n = 0;
    if (c == nullptr || out.size() < digest_size(h) ||
        EVP_MAC_init(c, key_pointer(key), key.size(), nullptr) != 1 || !mac_update(c, data) ||
        EVP_MAC_final(c, out.data(), &n, out.size()) != 1) {
        return 0;
    }
    return n;
}

void hkdf_extract(hash_algorithm h, byte_view salt, byte_view ikm, mutable_bytes prk) {
    const std::uint8_t zeros[max_digest_size] = {};
    if (salt.empty()) {
        salt = byte_view(zeros, digest_size(h));
    }
    if (hmac(h, salt, ikm, prk) == 0) {
        // Only a libcrypto failure gets here; never leave stale bytes that look like a key.
        cleanse(prk);
    }
}

bool hkdf_expand(hash_algorithm h, byte_view prk, byte_view info, mutable_bytes out) {
    const std::size_t hash_len = digest_size(h);
    if (out.size() > 255 * hash_len || prk.size() < hash_len) {
        return false;
    }
    EVP_MAC_CTX* c = scratch().mac(h);
    if (c == nullptr || EVP_MAC_init(c, prk.data(), prk.size(), nullptr) != 1) {
        return false;
    }
    // T(i) = HMAC(PRK, T(i-1) | info | i); re-initialising with a null key
    // restarts HMAC with the PRK already loaded.
    std::uint8_t block[max_digest_size];
    std::size_t block_len = 0;
    bool ok = true;
    for (std::size_t done = 0, i = 1; ok && done < out.size(); ++i) {
        const std::uint8_t counter = static_cast<std::uint8_t>(i);
        std::size_t n = 0;
        ok = (i == 1 || EVP_MAC_init(c, nullptr, 0, nullptr) == 1) &&
             mac_update(c, byte_view(block, block_len)) && mac_update(c, info) &&
             mac_update(c, byte_view(&counter, 1)) &&
             EVP_MAC_final(c, block, &n, sizeof block) == 1 && n == hash_len;
        if (ok) {
            block_len = n;
            const std::size_t take = std::min(n, out.size() - done);
            std::memcpy(out.data() + done, block, take);
            done += take;
        }
    }
    OPENSSL_cleanse(block, sizeof block);
    if (!ok) {
        cleanse(out);
    }
    return ok;
}

bool constant_time_equal(byte_view a, byte_view b) noexcept {
    return a.size() == b.size() && (a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

void cleanse(mutable_bytes secret) noexcept {
    if (!secret.empty()) {
        OPENSSL_cleanse(secret.data(), secret.size());
    }
}

bool random_bytes(mutable_bytes out) noexcept {
    while (!out.empty()) {
        const std::size_t n = std::min<std::size_t>(out.size(), INT_MAX);
        if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
            return false;
        }
        out = out.subspan(n);
    }
    return true;
}

}  // namespace tlsio::crypto
