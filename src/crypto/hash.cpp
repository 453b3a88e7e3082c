#include "crypto/hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <initializer_list>

namespace tlsio::crypto {
namespace {

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

// A digest context per thread, reused by one-shot digests, HMAC and peek so
// those calls do not allocate a context each time.
class thread_scratch {
public:
    thread_scratch() = default;
    ~thread_scratch() { EVP_MD_CTX_free(md_); }
    thread_scratch(const thread_scratch&) = delete;
    thread_scratch& operator=(const thread_scratch&) = delete;

    EVP_MD_CTX* md() {
        if (md_ == nullptr) {
            md_ = EVP_MD_CTX_new();
        }
        return md_;
    }

private:
    EVP_MD_CTX* md_ = nullptr;
};

EVP_MD_CTX* scratch_md() {
    thread_local thread_scratch s;
    return s.md();
}

constexpr std::size_t block_size(hash_algorithm h) noexcept {
    return h == hash_algorithm::sha256 ? 64 : 128;
}

bool update(EVP_MD_CTX* c, byte_view data) {
    return data.empty() || EVP_DigestUpdate(c, data.data(), data.size()) == 1;
}

// HMAC (RFC 2104) of the concatenation of `parts`, written to `out`
// (digest_size(h) bytes; it may be one of the parts). Built directly on the
// digest rather than EVP_MAC: HKDF calls it some thirty times per handshake,
// and this way costs two digest initialisations and nothing else, where
// EVP_MAC also copies the key and three digest contexts on every call.
bool hmac_into(hash_algorithm h, byte_view key, std::initializer_list<byte_view> parts,
               std::uint8_t* out) {
    EVP_MD_CTX* c = scratch_md();
    const EVP_MD* md = md_of(h);
    const std::size_t bs = block_size(h);
    std::uint8_t pad[128] = {};
    unsigned int n = 0;
    if (c == nullptr || md == nullptr) {
        return false;
    }
    bool ok = true;
    if (key.size() > bs) {
        ok = EVP_DigestInit_ex2(c, md, nullptr) == 1 && update(c, key) &&
             EVP_DigestFinal_ex(c, pad, &n) == 1;
    } else if (!key.empty()) {
        std::memcpy(pad, key.data(), key.size());
    }
    for (std::size_t i = 0; i < bs; ++i) {
        pad[i] ^= 0x36;
    }
    ok = ok && EVP_DigestInit_ex2(c, md, nullptr) == 1 && update(c, byte_view(pad, bs));
    for (byte_view part : parts) {
        ok = ok && update(c, part);
    }
    ok = ok && EVP_DigestFinal_ex(c, out, &n) == 1;
    for (std::size_t i = 0; i < bs; ++i) {
        pad[i] ^= 0x36 ^ 0x5c;
    }
    ok = ok && EVP_DigestInit_ex2(c, md, nullptr) == 1 && update(c, byte_view(pad, bs)) &&
         update(c, byte_view(out, n)) && EVP_DigestFinal_ex(c, out, &n) == 1;
    OPENSSL_cleanse(pad, sizeof pad);
    return ok && n == digest_size(h);
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
    EVP_MD_CTX* tmp = scratch_md();
    unsigned int n = 0;
    if (ctx_ == nullptr || tmp == nullptr || out.size() < size() ||
        EVP_MD_CTX_copy_ex(tmp, ctx_.get()) != 1 || EVP_DigestFinal_ex(tmp, out.data(), &n) != 1) {
        return 0;
    }
    return n;
}

std::size_t digest(hash_algorithm h, byte_view data, mutable_bytes out) {
    EVP_MD_CTX* c = scratch_md();
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
    if (out.size() < digest_size(h) || !hmac_into(h, key, {data}, out.data())) {
        return 0;
    }
    return digest_size(h);
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
    // T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty.
    std::uint8_t block[max_digest_size];
    bool ok = true;
    for (std::size_t done = 0, i = 1; ok && done < out.size(); ++i) {
        const std::uint8_t counter = static_cast<std::uint8_t>(i);
        const byte_view previous(block, i == 1 ? 0 : hash_len);
        ok = hmac_into(h, prk, {previous, info, byte_view(&counter, 1)}, block);
        if (ok) {
            const std::size_t take = std::min(hash_len, out.size() - done);
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
