#include "crypto/aead.hpp"

#include "crypto/hash.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace tlsio::crypto {
namespace {

// Fetched once per process (provider look-ups are slow); released at exit so
// leak checkers stay quiet.
struct fetched_ciphers {
    EVP_CIPHER* cipher[4];
    fetched_ciphers()
        : cipher{EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr),
                 EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr),
                 EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr),
                 EVP_CIPHER_fetch(nullptr, "AES-128-CCM", nullptr)} {}
    ~fetched_ciphers() {
        for (EVP_CIPHER* c : cipher) {
            EVP_CIPHER_free(c);
        }
    }
    fetched_ciphers(const fetched_ciphers&) = delete;
    fetched_ciphers& operator=(const fetched_ciphers&) = delete;
};

const EVP_CIPHER* cipher_of(aead_algorithm a) {
    static const fetched_ciphers ciphers;
    return ciphers.cipher[static_cast<std::size_t>(a)];
}

bool fits_int(std::size_t n) noexcept {
    return n <= static_cast<std::size_t>(INT_MAX);
}

bool add_aad(EVP_CIPHER_CTX* c, byte_view aad) {
    int outl = 0;
    return aad.empty() ||
           (fits_int(aad.size()) &&
            EVP_CipherUpdate(c, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) == 1);
}

// AES-GCM and ChaCha20-Poly1305 are stream modes: every update writes exactly
// as many bytes as it reads, so parts can be fed one after the other.
bool transform(EVP_CIPHER_CTX* c, byte_view in, std::uint8_t* out) {
    if (in.empty()) {
        return true;
    }
    int outl = 0;
    const int len = static_cast<int>(in.size());
    return fits_int(in.size()) && EVP_CipherUpdate(c, out, &outl, in.data(), len) == 1 &&
           outl == len;
}

// CCM authenticates the message length before the data, so it must be told
// the length first and given the data in one call (RFC 3610).
bool ccm_set_length(EVP_CIPHER_CTX* c, std::size_t length) {
    int outl = 0;
    return fits_int(length) &&
           EVP_CipherUpdate(c, nullptr, &outl, nullptr, static_cast<int>(length)) == 1;
}

bool ccm_transform(EVP_CIPHER_CTX* c, byte_view in, std::uint8_t* out) {
    // A null pointer would mean "length" to libcrypto, even for no data.
    std::uint8_t none = 0;
    int outl = 0;
    const int len = static_cast<int>(in.size());
    return fits_int(in.size()) &&
           EVP_CipherUpdate(c, in.empty() ? &none : out, &outl, in.empty() ? &none : in.data(),
                            len) == 1 &&
           outl == len;
}

bool finish(EVP_CIPHER_CTX* c) {
    // AEAD modes emit no bytes at the end; the buffer only satisfies the API.
    unsigned char unused[EVP_MAX_BLOCK_LENGTH];
    int outl = 0;
    return EVP_CipherFinal_ex(c, unused, &outl) == 1 && outl == 0;
}

}  // namespace

std::size_t aead_key_size(aead_algorithm a) noexcept {
    return a == aead_algorithm::aes_128_gcm || a == aead_algorithm::aes_128_ccm ? 16 : 32;
}

void aead_context::deleter::operator()(evp_cipher_ctx_st* p) const noexcept {
    EVP_CIPHER_CTX_free(p);  // cleanses the key schedule
}

aead_context::aead_context() = default;
aead_context::aead_context(aead_context&& other) noexcept
    : ctx_(std::move(other.ctx_)),
      algorithm_(other.algorithm_),
      keyed_(other.keyed_),
      ccm_key_(other.ccm_key_),
      ccm_direction_(other.ccm_direction_) {
    other.keyed_ = false;
    cleanse(other.ccm_key_);
}
aead_context& aead_context::operator=(aead_context&& other) noexcept {
    ctx_ = std::move(other.ctx_);
    algorithm_ = other.algorithm_;
    keyed_ = other.keyed_;
    ccm_key_ = other.ccm_key_;
    ccm_direction_ = other.ccm_direction_;
    other.keyed_ = false;
    cleanse(other.ccm_key_);
    return *this;
}
aead_context::~aead_context() {
    cleanse(ccm_key_);
}

// Restarts the keyed context for one record: only the nonce and direction change,
// which libcrypto does without allocating.
bool aead_context::start(byte_view nonce, int enc) {
    const bool rekey = algorithm_ == aead_algorithm::aes_128_ccm && enc != ccm_direction_;
    if (nonce.size() != aead_nonce_size ||
        EVP_CipherInit_ex2(ctx_.get(), nullptr, rekey ? ccm_key_.data() : nullptr, nonce.data(),
                           enc, nullptr) != 1) {
        return false;
    }
    ccm_direction_ = enc;
    return true;
}

bool aead_context::init(aead_algorithm a, byte_view key) {
    keyed_ = false;
    cleanse(ccm_key_);
    const EVP_CIPHER* cipher = cipher_of(a);
    if (cipher == nullptr || key.size() != aead_key_size(a)) {
        return false;
    }
    if (ctx_ == nullptr) {
        ctx_.reset(EVP_CIPHER_CTX_new());
        if (ctx_ == nullptr) {
            return false;
        }
    } else {
        EVP_CIPHER_CTX_reset(ctx_.get());  // drop the previous epoch's key
    }
    if (a == aead_algorithm::aes_128_ccm) {
        // CCM's defaults are a 7-byte nonce and a 12-byte tag; TLS uses 12 and 16,
        // which must be set before the key.
        if (EVP_CipherInit_ex2(ctx_.get(), cipher, nullptr, nullptr, 1, nullptr) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_IVLEN,
                                static_cast<int>(aead_nonce_size), nullptr) != 1 ||
            EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(aead_tag_size),
                                nullptr) != 1) {
            return false;
        }
        cipher = nullptr;
        std::copy(key.begin(), key.end(), ccm_key_.begin());
        ccm_direction_ = 1;
    }
    if (EVP_CipherInit_ex2(ctx_.get(), cipher, key.data(), nullptr, 1, nullptr) != 1) {
        return false;
    }
    algorithm_ = a;
    keyed_ = true;
    return true;
}

bool aead_context::seal(byte_view nonce, byte_view aad, mutable_bytes data, mutable_bytes tag) {
    const byte_view part(data.data(), data.size());
    return seal(nonce, aad, std::span<const byte_view>(&part, 1), data.data(), tag);
}

bool aead_context::seal(byte_view nonce, byte_view aad, std::span<const byte_view> plaintext,
                        std::uint8_t* out, mutable_bytes tag) {
    EVP_CIPHER_CTX* c = ctx_.get();
    if (!keyed_ || tag.size() < aead_tag_size || !start(nonce, 1)) {
        return false;
    }
    if (algorithm_ == aead_algorithm::aes_128_ccm) {
        // Gather the parts in `out` (in order, so a part already in place
        // stays put) and encrypt them in one call.
        std::size_t total = 0;
        for (byte_view part : plaintext) {
            if (!part.empty()) {
                std::memmove(out + total, part.data(), part.size());
            }
            total += part.size();
        }
        return ccm_set_length(c, total) && add_aad(c, aad) &&
               ccm_transform(c, byte_view(out, total), out) && finish(c) &&
               EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(aead_tag_size),
                                   tag.data()) == 1;
    }
    if (!add_aad(c, aad)) {
        return false;
    }
    for (byte_view part : plaintext) {
        if (!transform(c, part, out)) {
            return false;
        }
        out += part.size();
    }
    return finish(c) && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG,
                                            static_cast<int>(aead_tag_size), tag.data()) == 1;
}

bool aead_context::open(byte_view nonce, byte_view aad, mutable_bytes data, byte_view tag) {
    return open(nonce, aad, byte_view(data.data(), data.size()), data.data(), tag);
}

bool aead_context::open(byte_view nonce, byte_view aad, byte_view ciphertext, std::uint8_t* out,
                        byte_view tag) {
    EVP_CIPHER_CTX* c = ctx_.get();
    // The tag goes in before the data so that finish() checks it (CCM: the
    // one data call checks it).
    if (!keyed_ || tag.size() != aead_tag_size || !start(nonce, 0) ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(aead_tag_size),
                            const_cast<std::uint8_t*>(tag.data())) != 1) {
        return false;
    }
    if (algorithm_ == aead_algorithm::aes_128_ccm) {
        return ccm_set_length(c, ciphertext.size()) && add_aad(c, aad) &&
               ccm_transform(c, ciphertext, out);
    }
    return add_aad(c, aad) && transform(c, ciphertext, out) && finish(c);
}

}  // namespace tlsio::crypto
