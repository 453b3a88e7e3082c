#include "crypto/kx.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

namespace tlsio::crypto {
namespace {

struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct bn_clear_free {
    void operator()(BIGNUM* p) const noexcept { BN_clear_free(p); }
};
struct group_free {
    void operator()(EC_GROUP* p) const noexcept { EC_GROUP_free(p); }
};
struct point_free {
    void operator()(EC_POINT* p) const noexcept { EC_POINT_free(p); }
};
struct param_bld_free {
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct param_free {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;

// Failures on peer input are expected; they must not leave entries on the
// thread's error queue for unrelated code (the C facade's SSL_get_error) to find.
class error_mark {
public:
    error_mark() { ERR_set_mark(); }
    ~error_mark() { ERR_pop_to_mark(); }
    error_mark(const error_mark&) = delete;
    error_mark& operator=(const error_mark&) = delete;
};

const char* group_name(kx_group g) noexcept {
    return g == kx_group::secp256r1 ? "prime256v1" : "secp384r1";
}

int curve_nid(kx_group g) noexcept {
    return g == kx_group::secp256r1 ? NID_X9_62_prime256v1 : NID_secp384r1;
}

std::size_t shared_size(kx_group g) noexcept {
    return g == kx_group::secp384r1 ? 48 : 32;
}

std::size_t scalar_size(kx_group g) noexcept {
    return g == kx_group::secp384r1 ? 48 : 32;
}

bool read_public(EVP_PKEY* key, kx_group g, bytes& out) {
    std::uint8_t buf[97];
    std::size_t len = 0;
    const bool ok = g == kx_group::x25519
                        ? (len = sizeof buf, EVP_PKEY_get_raw_public_key(key, buf, &len) == 1)
                        : EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                          buf, sizeof buf, &len) == 1;
    if (!ok || len != kx_public_key_size(g) || (g != kx_group::x25519 && buf[0] != 0x04)) {
        return false;
    }
    out.assign(buf, buf + len);
    return true;
}

// Key-import contexts made once per thread and key type: creating one by name
// (as EVP_PKEY_new_raw_private_key_ex does on every call) looks the key
// management up in the provider store each time, a tenth of a key share's cost.
class import_contexts {
public:
    import_contexts() = default;
    import_contexts(const import_contexts&) = delete;
    import_contexts& operator=(const import_contexts&) = delete;

    // Ready for EVP_PKEY_fromdata, or nullptr.
    EVP_PKEY_CTX* get(kx_group g) {
        pkey_ctx_ptr& slot = g == kx_group::x25519 ? x25519_ : ec_;
        if (slot == nullptr) {
            slot.reset(EVP_PKEY_CTX_new_from_name(nullptr, g == kx_group::x25519 ? "X25519" : "EC",
                                                  nullptr));
        }
        if (slot == nullptr || EVP_PKEY_fromdata_init(slot.get()) != 1) {
            return nullptr;
        }
        return slot.get();
    }

private:
    pkey_ctx_ptr x25519_;
    pkey_ctx_ptr ec_;
};

EVP_PKEY_CTX* import_context(kx_group g) {
    thread_local import_contexts contexts;
    return contexts.get(g);
}

pkey_ptr x25519_key_from_private(byte_view priv) {
    // The provider computes the public half when only the private key is given.
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY,
                                          const_cast<std::uint8_t*>(priv.data()), priv.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX* ctx = import_context(kx_group::x25519);
    EVP_PKEY* key = nullptr;
    if (ctx == nullptr || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) != 1) {
        return nullptr;
    }
    return pkey_ptr(key);
}

// The public point d*G, uncompressed. EVP_PKEY_fromdata in OpenSSL 3.0 does not
// derive it from the private scalar, so it is computed here.
bool ec_public_from_private(kx_group g, const BIGNUM* d, bytes& out) {
    std::unique_ptr<EC_GROUP, group_free> group(EC_GROUP_new_by_curve_name(curve_nid(g)));
    if (group == nullptr) {
        return false;
    }
    const BIGNUM* order = EC_GROUP_get0_order(group.get());
    if (BN_is_zero(d) || BN_cmp(d, order) >= 0) {
        return false;
    }
    std::unique_ptr<EC_POINT, point_free> point(EC_POINT_new(group.get()));
    if (point == nullptr ||
        EC_POINT_mul(group.get(), point.get(), d, nullptr, nullptr, nullptr) != 1) {
        return false;
    }
    out.resize(kx_public_key_size(g));
    return EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                              out.size(), nullptr) == out.size();
}

pkey_ptr ec_key_from_private(kx_group g, byte_view priv, bytes& pub) {
    // A secure BIGNUM makes OSSL_PARAM_BLD put the scalar in the secure heap,
    // which OSSL_PARAM_free wipes.
    std::unique_ptr<BIGNUM, bn_clear_free> d(BN_secure_new());
    if (d == nullptr || BN_bin2bn(priv.data(), static_cast<int>(priv.size()), d.get()) == nullptr ||
        !ec_public_from_private(g, d.get(), pub)) {
        return nullptr;
    }
    std::unique_ptr<OSSL_PARAM_BLD, param_bld_free> bld(OSSL_PARAM_BLD_new());
    if (bld == nullptr ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group_name(g), 0) !=
            1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                         pub.size()) != 1) {
        return nullptr;
    }
    std::unique_ptr<OSSL_PARAM, param_free> params(OSSL_PARAM_BLD_to_param(bld.get()));
    EVP_PKEY_CTX* ctx = params == nullptr ? nullptr : import_context(g);
    EVP_PKEY* key = nullptr;
    if (ctx == nullptr || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params.get()) != 1) {
        return nullptr;
    }
    return pkey_ptr(key);
}

// The peer's key_share as a key of our own type and group. Copying these from
// our key avoids a key-management look-up by name on every handshake.
// Importing an EC point checks that it lies on the curve with reduced coordinates.
pkey_ptr peer_key(kx_group g, EVP_PKEY* own, byte_view peer) {
    if (g != kx_group::x25519 && peer[0] != 0x04) {
        return nullptr;  // compressed and hybrid forms are not allowed in TLS 1.3
    }
    pkey_ptr key(EVP_PKEY_new());
    if (key == nullptr || EVP_PKEY_copy_parameters(key.get(), own) != 1 ||
        EVP_PKEY_set1_encoded_public_key(key.get(), peer.data(), peer.size()) != 1) {
        return nullptr;
    }
    return key;
}

}  // namespace

std::size_t kx_public_key_size(kx_group g) noexcept {
    switch (g) {
        case kx_group::x25519:
            return 32;
        case kx_group::secp256r1:
            return 65;
        case kx_group::secp384r1:
            return 97;
    }
    return 0;
}

void kx_private_key::deleter::operator()(evp_pkey_st* p) const noexcept {
    EVP_PKEY_free(p);
}

kx_private_key::kx_private_key() = default;
kx_private_key::kx_private_key(kx_private_key&&) noexcept = default;
kx_private_key& kx_private_key::operator=(kx_private_key&&) noexcept = default;
kx_private_key::~kx_private_key() = default;

std::optional<kx_private_key> kx_private_key::generate(kx_group g) {
    error_mark mark;
    EVP_PKEY* key = g == kx_group::x25519
                        ? EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group_name(g));
    kx_private_key k;
    k.group_ = g;
    k.key_.reset(key);
    if (key == nullptr || !read_public(key, g, k.public_)) {
        return std::nullopt;
    }
    return k;
}

std::optional<kx_private_key> kx_private_key::from_private_bytes(kx_group g, byte_view priv) {
    error_mark mark;
    kx_private_key k;
    k.group_ = g;
    if (g == kx_group::x25519) {
        if (priv.size() != 32) {
            return std::nullopt;
        }
        k.key_.reset(x25519_key_from_private(priv).release());
        if (k.key_ == nullptr || !read_public(k.key_.get(), g, k.public_)) {
            return std::nullopt;
        }
        return k;
    }
    if (priv.size() != scalar_size(g)) {
        return std::nullopt;
    }
    k.key_.reset(ec_key_from_private(g, priv, k.public_).release());
    if (k.key_ == nullptr) {
        return std::nullopt;
    }
    return k;
}

bool kx_private_key::derive(byte_view peer_public, bytes& shared) const {
    shared.clear();
    if (key_ == nullptr || peer_public.size() != kx_public_key_size(group_)) {
        return false;
    }
    error_mark mark;
    pkey_ptr peer = peer_key(group_, key_.get(), peer_public);
    if (peer == nullptr) {
        return false;
    }
    // No extra peer validation in derive: the import above already refused
    // off-curve points, and P-256 and P-384 have cofactor 1, so every point on
    // the curve is in the prime-order group. (A full check would cost another
    // scalar multiplication per handshake.)
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    std::size_t len = shared_size(group_);
    shared.resize(len);
    const bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx.get()) == 1 &&
                    EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) == 1 &&
                    EVP_PKEY_derive(ctx.get(), shared.data(), &len) == 1 &&
                    len == shared_size(group_);
    // RFC 8446 section 7.4.2: an all-zero x25519 result (a low-order peer point)
    // must be refused. libcrypto refuses it too; this does not depend on that.
    static const std::uint8_t zeros[32] = {};
    if (!ok || (group_ == kx_group::x25519 && CRYPTO_memcmp(shared.data(), zeros, 32) == 0)) {
        OPENSSL_cleanse(shared.data(), shared.size());
        shared.clear();
        return false;
    }
    return true;
}

}  // namespace tlsio::crypto
