#include "crypto/sig.hpp"

#include "crypto/hash.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <climits>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace tlsio::crypto {
namespace {

struct md_ctx_free {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct bio_free {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

// Failures on peer input are expected; they must not leave entries on the
// thread's error queue for unrelated code (the C facade's SSL_get_error) to find.
class error_mark {
public:
    error_mark() { ERR_set_mark(); }
    ~error_mark() { ERR_pop_to_mark(); }
    error_mark(const error_mark&) = delete;
    error_mark& operator=(const error_mark&) = delete;
};

key_type classify(EVP_PKEY* key) {
    if (key == nullptr) {
        return key_type::unsupported;
    }
    if (EVP_PKEY_is_a(key, "RSA")) {
        return key_type::rsa;
    }
    if (EVP_PKEY_is_a(key, "RSA-PSS")) {
        return key_type::rsa_pss;
    }
    if (EVP_PKEY_is_a(key, "ED25519")) {
        return key_type::ed25519;
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        char name[64];
        std::size_t len = 0;
        if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) {
            return key_type::unsupported;  // explicit curve parameters
        }
        const std::string_view group(name, len);
        if (group == "prime256v1") {
            return key_type::ec_p256;
        }
        if (group == "secp384r1") {
            return key_type::ec_p384;
        }
        if (group == "secp521r1") {
            return key_type::ec_p521;
        }
    }
    return key_type::unsupported;
}

// Digest name for a scheme; nullptr for Ed25519 (which hashes internally).
const char* digest_of(std::uint16_t s) noexcept {
    switch (s) {
        case scheme::rsa_pkcs1_sha256:
        case scheme::ecdsa_secp256r1_sha256:
        case scheme::rsa_pss_rsae_sha256:
        case scheme::rsa_pss_pss_sha256:
            return "SHA256";
        case scheme::rsa_pkcs1_sha384:
        case scheme::ecdsa_secp384r1_sha384:
        case scheme::rsa_pss_rsae_sha384:
        case scheme::rsa_pss_pss_sha384:
            return "SHA384";
        case scheme::rsa_pkcs1_sha512:
        case scheme::ecdsa_secp521r1_sha512:
        case scheme::rsa_pss_rsae_sha512:
        case scheme::rsa_pss_pss_sha512:
            return "SHA512";
        default:
            return nullptr;
    }
}

bool is_pss(std::uint16_t s) noexcept {
    return (s >= scheme::rsa_pss_rsae_sha256 && s <= scheme::rsa_pss_rsae_sha512) ||
           (s >= scheme::rsa_pss_pss_sha256 && s <= scheme::rsa_pss_pss_sha512);
}

bool is_ecdsa(std::uint16_t s) noexcept {
    return s == scheme::ecdsa_secp256r1_sha256 || s == scheme::ecdsa_secp384r1_sha384 ||
           s == scheme::ecdsa_secp521r1_sha512;
}

// TLS 1.3 fixes the PSS salt to the hash length (RFC 8446 section 4.2.3); the
// MGF1 hash defaults to the signing hash.
bool configure(EVP_PKEY_CTX* pctx, std::uint16_t s) {
    if (!is_pss(s)) {
        return true;
    }
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
}

// libcrypto's DER parser tolerates some BER; only the one canonical encoding,
// with nothing after it, is accepted (so signatures are not malleable).
bool strict_der_ecdsa(byte_view sig) {
    if (sig.empty() || sig.size() > 256) {
        return false;
    }
    const unsigned char* p = sig.data();
    ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    if (parsed == nullptr) {
        return false;
    }
    bool ok = p == sig.data() + sig.size() &&
              i2d_ECDSA_SIG(parsed, nullptr) == static_cast<int>(sig.size());
    if (ok) {
        unsigned char buf[256];
        unsigned char* q = buf;
        ok = i2d_ECDSA_SIG(parsed, &q) == static_cast<int>(sig.size()) &&
             std::memcmp(buf, sig.data(), sig.size()) == 0;
    }
    ECDSA_SIG_free(parsed);
    return ok;
}

// PEM input comes from files, never from a terminal: an encrypted key fails
// instead of prompting for a pass phrase.
int no_password(char*, int, int, void*) {
    return -1;
}

// Asks a password_source (passed as `user`) for the pass phrase.
int ask_password(char* buf, int size, int, void* user) {
    const auto& source = *static_cast<const password_source*>(user);
    if (!source || size <= 0) {
        return -1;
    }
    std::string pass;
    try {
        pass = source(static_cast<std::size_t>(size));
    } catch (...) {
        return -1;  // an exception must not cross libcrypto's C frames
    }
    std::size_t n = std::min(pass.size(), static_cast<std::size_t>(size));
    std::memcpy(buf, pass.data(), n);
    OPENSSL_cleanse(pass.data(), pass.size());
    return static_cast<int>(n);
}

pem_password_cb* password_callback(const password_source& password) {
    return password ? ask_password : no_password;
}

}  // namespace

bool scheme_matches_key(std::uint16_t s, key_type k) noexcept {
    switch (s) {
        case scheme::rsa_pkcs1_sha256:
        case scheme::rsa_pkcs1_sha384:
        case scheme::rsa_pkcs1_sha512:
        case scheme::rsa_pss_rsae_sha256:
        case scheme::rsa_pss_rsae_sha384:
        case scheme::rsa_pss_rsae_sha512:
            return k == key_type::rsa;
        case scheme::rsa_pss_pss_sha256:
        case scheme::rsa_pss_pss_sha384:
        case scheme::rsa_pss_pss_sha512:
            return k == key_type::rsa_pss;
        case scheme::ecdsa_secp256r1_sha256:
            return k == key_type::ec_p256;
        case scheme::ecdsa_secp384r1_sha384:
            return k == key_type::ec_p384;
        case scheme::ecdsa_secp521r1_sha512:
            return k == key_type::ec_p521;
        case scheme::ed25519:
            return k == key_type::ed25519;
        default:
            return false;
    }
}

bool scheme_matches_key12(std::uint16_t s, key_type k) noexcept {
    const bool ec = k == key_type::ec_p256 || k == key_type::ec_p384 || k == key_type::ec_p521;
    return is_ecdsa(s) ? ec : scheme_matches_key(s, k);
}

// public_key

void public_key::deleter::operator()(evp_pkey_st* p) const noexcept {
    EVP_PKEY_free(p);
}

public_key::public_key() = default;
public_key::public_key(const public_key& other) : type_(other.type_) {
    if (other.key_ != nullptr && EVP_PKEY_up_ref(other.key_.get()) == 1) {
        key_.reset(other.key_.get());
    } else {
        type_ = key_type::unsupported;
    }
}
public_key& public_key::operator=(const public_key& other) {
    if (this != &other) {
        public_key copy(other);
        *this = std::move(copy);
    }
    return *this;
}
public_key::public_key(public_key&&) noexcept = default;
public_key& public_key::operator=(public_key&&) noexcept = default;
public_key::~public_key() = default;

public_key public_key::from_native(evp_pkey_st* key) {
    public_key k;
    if (key != nullptr && EVP_PKEY_up_ref(key) == 1) {
        k.key_.reset(key);
        k.type_ = classify(key);
    }
    return k;
}

std::optional<public_key> public_key::from_spki(byte_view der) {
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
        return std::nullopt;
    }
    error_mark mark;
    const unsigned char* p = der.data();
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    public_key k;
    k.key_.reset(key);
    if (key == nullptr || p != der.data() + der.size()) {
        return std::nullopt;
    }
    k.type_ = classify(key);
    return k;
}

int public_key::bits() const noexcept {
    return key_ == nullptr ? 0 : EVP_PKEY_get_bits(key_.get());
}

bool public_key::verify(std::uint16_t s, byte_view message, byte_view signature) const {
    return scheme_matches_key(s, type_) && verify12(s, message, signature);
}

bool public_key::verify12(std::uint16_t s, byte_view message, byte_view signature) const {
    if (key_ == nullptr || !scheme_matches_key12(s, type_) ||
        (is_ecdsa(s) && !strict_der_ecdsa(signature))) {
        return false;
    }
    error_mark mark;
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
    if (ctx == nullptr ||
        EVP_DigestVerifyInit_ex(ctx.get(), &pctx, digest_of(s), nullptr, nullptr, key_.get(),
                                nullptr) != 1 ||
        !configure(pctx, s)) {
        return false;
    }
    // The context is used once: EVP_DigestVerify need not verify on a copy of it.
    EVP_MD_CTX_set_flags(ctx.get(), EVP_MD_CTX_FLAG_FINALISE);
    return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                            message.size()) == 1;
}

// private_key

// Each context is set up once (EVP_PKEY_sign_init with the scheme's digest and
// padding) and then signs a digest per handshake: EVP_DigestSignInit_ex fetches
// the algorithm and builds a context on every call, and EVP_DigestSign copies
// it again, which together cost almost as much as an ECDSA signature. A context
// is used by one thread at a time: a signer takes one out and puts it back.
struct private_key::signer_pool {
    struct entry {
        std::uint16_t scheme;
        EVP_PKEY_CTX* ctx;
    };
    std::mutex mutex;
    std::vector<entry> idle;

    ~signer_pool() {
        for (entry& e : idle) {
            EVP_PKEY_CTX_free(e.ctx);
        }
    }

    EVP_PKEY_CTX* take(EVP_PKEY* key, std::uint16_t s) {
        {
            std::lock_guard lock(mutex);
            for (auto it = idle.begin(); it != idle.end(); ++it) {
                if (it->scheme == s) {
                    EVP_PKEY_CTX* ctx = it->ctx;
                    idle.erase(it);
                    return ctx;
                }
            }
        }
        const EVP_MD* md = digest_of(s) == nullptr ? nullptr : EVP_get_digestbyname(digest_of(s));
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
        if (ctx == nullptr || md == nullptr || EVP_PKEY_sign_init(ctx) != 1 ||
            EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 || !configure(ctx, s)) {
            EVP_PKEY_CTX_free(ctx);
            return nullptr;
        }
        return ctx;
    }

    void give_back(std::uint16_t s, EVP_PKEY_CTX* ctx) noexcept {
        try {
            std::lock_guard lock(mutex);
            idle.push_back({s, ctx});
        } catch (...) {
            EVP_PKEY_CTX_free(ctx);  // no room to keep it: the next signer makes one
        }
    }
};

void private_key::pool_deleter::operator()(signer_pool* p) const noexcept {
    delete p;
}

void private_key::deleter::operator()(evp_pkey_st* p) const noexcept {
    EVP_PKEY_free(p);
}

private_key::private_key() = default;
private_key::private_key(private_key&&) noexcept = default;
private_key& private_key::operator=(private_key&&) noexcept = default;
private_key::~private_key() = default;

std::optional<private_key> private_key::from_pem(std::string_view pem) {
    return from_pem(pem, password_source{});
}

std::optional<private_key> private_key::from_pem(std::string_view pem,
                                                 const password_source& password) {
    if (pem.empty() || pem.size() > static_cast<std::size_t>(INT_MAX)) {
        return std::nullopt;
    }
    error_mark mark;
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (bio == nullptr) {
        return std::nullopt;
    }
    // Reads PKCS#8 ("PRIVATE KEY") and traditional ("RSA/EC PRIVATE KEY")
    // blocks, skipping other blocks such as certificates in the same file.
    return adopt(PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, password_callback(password),
                                            const_cast<password_source*>(&password), nullptr,
                                            nullptr));
}

std::optional<private_key> private_key::adopt(evp_pkey_st* key) {
    if (key == nullptr) {
        return std::nullopt;
    }
    private_key k;
    k.key_.reset(key);
    k.signers_.reset(new signer_pool);
    k.type_ = classify(key);
    return k;
}

std::optional<private_key> private_key::from_der(byte_view der) {
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
        return std::nullopt;
    }
    error_mark mark;
    const unsigned char* p = der.data();
    EVP_PKEY* key =
        d2i_AutoPrivateKey_ex(nullptr, &p, static_cast<long>(der.size()), nullptr, nullptr);
    private_key k;
    k.key_.reset(key);
    if (key == nullptr || p != der.data() + der.size()) {
        return std::nullopt;
    }
    k.signers_.reset(new signer_pool);
    k.type_ = classify(key);
    return k;
}

std::optional<private_key> private_key::from_der(byte_view der, const password_source& password) {
    if (auto plain = from_der(der); plain || !password) {
        return plain;
    }
    if (der.size() > static_cast<std::size_t>(INT_MAX)) {
        return std::nullopt;
    }
    error_mark mark;
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(der.data(), static_cast<int>(der.size())));
    if (bio == nullptr) {
        return std::nullopt;
    }
    return adopt(d2i_PKCS8PrivateKey_bio(bio.get(), nullptr, ask_password,
                                         const_cast<password_source*>(&password)));
}

bool private_key::matches(const public_key& pub) const {
    if (key_ == nullptr || pub.native() == nullptr) {
        return false;
    }
    error_mark mark;
    return EVP_PKEY_eq(key_.get(), pub.native()) == 1;
}

namespace {

std::optional<hash_algorithm> prehash_of(std::uint16_t s) noexcept {
    const char* name = digest_of(s);
    if (name == nullptr) {
        return std::nullopt;
    }
    if (std::strcmp(name, "SHA256") == 0) {
        return hash_algorithm::sha256;
    }
    return std::strcmp(name, "SHA384") == 0 ? hash_algorithm::sha384 : hash_algorithm::sha512;
}

}  // namespace

bool private_key::sign(std::uint16_t s, byte_view message, bytes& signature) const {
    signature.clear();
    if (key_ == nullptr || !scheme_matches_key(s, type_)) {
        return false;
    }
    error_mark mark;
    const int max_size = EVP_PKEY_get_size(key_.get());
    if (max_size <= 0) {
        return false;
    }
    signature.resize(static_cast<std::size_t>(max_size));
    std::size_t len = signature.size();
    std::optional<hash_algorithm> prehash = prehash_of(s);
    if (!prehash) {
        // Ed25519 signs the message itself, in one call that copies nothing.
        md_ctx_ptr ctx(EVP_MD_CTX_new());
        if (ctx == nullptr ||
            EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_.get(),
                                  nullptr) != 1 ||
            EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(), message.size()) !=
                1) {
            signature.clear();
            return false;
        }
        signature.resize(len);
        return true;
    }
    std::uint8_t digest_bytes[max_digest_size];
    const std::size_t digest_size = digest(*prehash, message, digest_bytes);
    EVP_PKEY_CTX* ctx = signers_->take(key_.get(), s);
    const bool ok = ctx != nullptr &&
                    EVP_PKEY_sign(ctx, signature.data(), &len, digest_bytes, digest_size) == 1;
    if (ctx != nullptr) {
        signers_->give_back(s, ctx);
    }
    signature.resize(ok ? len : 0);
    return ok;
}

}  // namespace tlsio::crypto
