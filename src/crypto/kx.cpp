#include "crypto/kx.hpp"

#include "crypto/hash.hpp"
#include "crypto/mlkem.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <array>

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

// What libcrypto needs to know about each group, by kx_group.
struct group_params {
    const char* key_type;    ///< "X25519", "X448", "EC" or "DH"
    const char* group_name;  ///< EC curve or ffdhe group name; nullptr for X25519/X448
    int curve_nid;           ///< EC only
    std::size_t public_size;
    std::size_t private_size;  ///< bytes from_private_bytes takes; 0: not supported
    std::size_t shared_size;
    /// Mask for the first private byte drawn from a random source, so that a
    /// P-521 scalar (521 bits in 66 bytes) is below the order almost always.
    std::uint8_t top_mask;
};

constexpr group_params params_table[] = {
    {"X25519", nullptr, NID_undef, 32, 32, 32, 0xff},
    {"EC", "prime256v1", NID_X9_62_prime256v1, 65, 32, 32, 0xff},
    {"EC", "secp384r1", NID_secp384r1, 97, 48, 48, 0xff},
    {"X448", nullptr, NID_undef, 56, 56, 56, 0xff},
    {"EC", "secp521r1", NID_secp521r1, 133, 66, 66, 0x01},
    {"DH", "ffdhe2048", NID_undef, 256, 0, 256, 0xff},
    {"DH", "ffdhe3072", NID_undef, 384, 0, 384, 0xff},
    {"DH", "ffdhe4096", NID_undef, 512, 0, 512, 0xff},
    {"DH", "ffdhe6144", NID_undef, 768, 0, 768, 0xff},
    {"DH", "ffdhe8192", NID_undef, 1024, 0, 1024, 0xff},
};

const group_params& params(kx_group g) noexcept {
    return params_table[static_cast<std::size_t>(g)];
}

bool is_ec(kx_group g) noexcept {
    return params(g).curve_nid != NID_undef;
}

bool is_ffdhe(kx_group g) noexcept {
    return params(g).key_type[0] == 'D';
}

// X25519 and X448: raw keys with no parameters.
bool is_xdh(kx_group g) noexcept {
    return params(g).group_name == nullptr;
}

// A BIGNUM parameter of a key (EVP_PKEY_get_bn_param allocates it).
std::unique_ptr<BIGNUM, bn_clear_free> bn_param(const EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
        return nullptr;
    }
    return std::unique_ptr<BIGNUM, bn_clear_free>(bn);
}

bool read_public(EVP_PKEY* key, kx_group g, bytes& out) {
    const std::size_t size = kx_public_key_size(g);
    out.resize(size);
    std::size_t len = 0;
    bool ok = false;
    if (is_xdh(g)) {
        len = size;
        ok = EVP_PKEY_get_raw_public_key(key, out.data(), &len) == 1;
    } else if (is_ec(g)) {
        ok = EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(),
                                             size, &len) == 1 &&
             len == size && out[0] == 0x04;
    } else {
        // Left-padded to the size of p (RFC 8446 section 4.2.8.1).
        auto y = bn_param(key, OSSL_PKEY_PARAM_PUB_KEY);
        ok = y != nullptr && BN_bn2binpad(y.get(), out.data(), static_cast<int>(size)) > 0;
        len = size;
    }
    if (!ok || len != size) {
        out.clear();
        return false;
    }
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
        const char* type = params(g).key_type;
        pkey_ctx_ptr& slot = g == kx_group::x25519 ? x25519_ : g == kx_group::x448 ? x448_ : ec_;
        if (slot == nullptr) {
            slot.reset(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
        }
        if (slot == nullptr || EVP_PKEY_fromdata_init(slot.get()) != 1) {
            return nullptr;
        }
        return slot.get();
    }

private:
    pkey_ctx_ptr x25519_;
    pkey_ctx_ptr x448_;
    pkey_ctx_ptr ec_;
};

EVP_PKEY_CTX* import_context(kx_group g) {
    thread_local import_contexts contexts;
    return contexts.get(g);
}

pkey_ptr xdh_key_from_private(kx_group g, byte_view priv) {
    // The provider computes the public half when only the private key is given.
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY,
                                          const_cast<std::uint8_t*>(priv.data()), priv.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX* ctx = import_context(g);
    EVP_PKEY* key = nullptr;
    if (ctx == nullptr || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) != 1) {
        return nullptr;
    }
    return pkey_ptr(key);
}

// The public point d*G, uncompressed. EVP_PKEY_fromdata in OpenSSL 3.0 does not
// derive it from the private scalar, so it is computed here.
bool ec_public_from_private(kx_group g, const BIGNUM* d, bytes& out) {
    std::unique_ptr<EC_GROUP, group_free> group(EC_GROUP_new_by_curve_name(params(g).curve_nid));
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
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, params(g).group_name,
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                         pub.size()) != 1) {
        return nullptr;
    }
    std::unique_ptr<OSSL_PARAM, param_free> ps(OSSL_PARAM_BLD_to_param(bld.get()));
    EVP_PKEY_CTX* ctx = ps == nullptr ? nullptr : import_context(g);
    EVP_PKEY* key = nullptr;
    if (ctx == nullptr || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, ps.get()) != 1) {
        return nullptr;
    }
    return pkey_ptr(key);
}

EVP_PKEY* ffdhe_keygen(kx_group g) {
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    OSSL_PARAM ps[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                        const_cast<char*>(params(g).group_name), 0),
                       OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_params(ctx.get(), ps) != 1 || EVP_PKEY_generate(ctx.get(), &key) != 1) {
        return nullptr;
    }
    return key;
}

// RFC 7919 section 5.1 (and RFC 8446 section 4.2.8.1): 1 < y < p-1, which
// keeps the peer from forcing the secret into the subgroup of order 2.
// libcrypto checks this too when the key is set; this does not depend on that.
bool ffdhe_public_in_range(const EVP_PKEY* own, byte_view peer) {
    auto p = bn_param(own, OSSL_PKEY_PARAM_FFC_P);
    std::unique_ptr<BIGNUM, bn_clear_free> y(
        BN_bin2bn(peer.data(), static_cast<int>(peer.size()), nullptr));
    return p != nullptr && y != nullptr && BN_sub_word(p.get(), 1) == 1 && !BN_is_zero(y.get()) &&
           !BN_is_one(y.get()) && BN_cmp(y.get(), p.get()) < 0;
}

// The peer's key_share as a key of our own type and group. Copying these from
// our key avoids a key-management look-up by name on every handshake.
// Importing an EC point checks that it lies on the curve with reduced coordinates.
pkey_ptr peer_key(kx_group g, EVP_PKEY* own, byte_view peer) {
    if (is_ec(g) && peer[0] != 0x04) {
        return nullptr;  // compressed and hybrid forms are not allowed in TLS 1.3
    }
    if (is_ffdhe(g) && !ffdhe_public_in_range(own, peer)) {
        return nullptr;
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
    return params(g).public_size;
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
    const group_params& p = params(g);
    EVP_PKEY* key = is_ffdhe(g) ? ffdhe_keygen(g)
                    : is_xdh(g) ? EVP_PKEY_Q_keygen(nullptr, nullptr, p.key_type)
                                : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", p.group_name);
    kx_private_key k;
    k.group_ = g;
    k.key_.reset(key);
    if (key == nullptr || !read_public(key, g, k.public_)) {
        return std::nullopt;
    }
    return k;
}

std::optional<kx_private_key> kx_private_key::from_private_bytes(kx_group g, byte_view priv) {
    const group_params& p = params(g);
    if (p.private_size == 0 || priv.size() != p.private_size) {
        return std::nullopt;
    }
    error_mark mark;
    kx_private_key k;
    k.group_ = g;
    if (is_xdh(g)) {
        k.key_.reset(xdh_key_from_private(g, priv).release());
        if (k.key_ == nullptr || !read_public(k.key_.get(), g, k.public_)) {
            return std::nullopt;
        }
        return k;
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
    // off-curve points, and the NIST curves have cofactor 1, so every point on
    // the curve is in the prime-order group. (A full check would cost another
    // scalar multiplication per handshake.) For ffdhe the range check is what
    // RFC 7919 asks; the subgroup check would cost a full exponentiation.
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    const std::size_t expected = params(group_).shared_size;
    std::size_t len = expected;
    shared.resize(len);
    // TLS keeps the leading zeros of a DH secret (RFC 8446 section 7.4.1).
    const bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx.get()) == 1 &&
                    (!is_ffdhe(group_) || EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) == 1) &&
                    EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) == 1 &&
                    EVP_PKEY_derive(ctx.get(), shared.data(), &len) == 1 && len == expected;
    // RFC 8446 section 7.4.2: an all-zero x25519 / x448 result (a low-order
    // peer point) must be refused. libcrypto refuses it too; this does not
    // depend on that.
    static const std::uint8_t zeros[56] = {};
    if (!ok || (is_xdh(group_) && CRYPTO_memcmp(shared.data(), zeros, expected) == 0)) {
        OPENSSL_cleanse(shared.data(), shared.size());
        shared.clear();
        return false;
    }
    return true;
}

kx_state::kx_state(kx_state&& other) noexcept = default;

kx_state& kx_state::operator=(kx_state&& other) noexcept {
    if (this != &other) {
        cleanse(kem_key_);
        keys_[0] = std::move(other.keys_[0]);
        keys_[1] = std::move(other.keys_[1]);
        kem_key_ = std::move(other.kem_key_);
    }
    return *this;
}

kx_state::~kx_state() {
    cleanse(kem_key_);
}

// ---- The named-group table ------------------------------------------------------

// The operations, with access to kx_state's keys.
struct kx_functions {
    // A key for `g`, its private bytes drawn from `random` (so a test can
    // replay a trace). A NIST scalar outside [1, n-1] is refused by
    // from_private_bytes and drawn again: needed with a chance of about 2^-32
    // per try for P-256, about 2^-9 for P-521 once masked. ffdhe keys come from
    // libcrypto's generator, which picks an exponent of the size RFC 7919 asks.
    static kx_status make_key(kx_group g, random_ref random, kx_private_key& out) {
        if (is_ffdhe(g)) {
            auto key = kx_private_key::generate(g);
            if (!key) {
                return kx_status::failed;
            }
            out = std::move(*key);
            return kx_status::ok;
        }
        const group_params& p = params(g);
        std::array<std::uint8_t, 66> priv;
        const mutable_bytes drawn(priv.data(), p.private_size);
        for (int attempt = 0; attempt < 8; ++attempt) {
            random(drawn);
            drawn[0] &= p.top_mask;
            auto key = kx_private_key::from_private_bytes(g, drawn);
            if (key) {
                cleanse(priv);
                out = std::move(*key);
                return kx_status::ok;
            }
        }
        cleanse(priv);
        return kx_status::failed;
    }

    static kx_status dh_generate(const key_exchange& kx, random_ref random, kx_state& state,
                                 bytes& share) {
        kx_private_key& key = state.keys_[0];
        kx_status s = make_key(kx.dh, random, key);
        if (s == kx_status::ok) {
            share = key.public_key();
        }
        return s;
    }

    static kx_status dh_respond(const key_exchange& kx, random_ref random, byte_view peer_share,
                                bytes& share, bytes& secret) {
        if (peer_share.size() != kx.initiator_share_size) {
            return kx_status::invalid_share;
        }
        kx_private_key key;
        if (kx_status s = make_key(kx.dh, random, key); s != kx_status::ok) {
            return s;
        }
        if (!key.derive(peer_share, secret)) {
            return kx_status::invalid_share;
        }
        share = key.public_key();
        return kx_status::ok;
    }

    static kx_status dh_finish(const key_exchange& kx, const kx_state& state, byte_view peer_share,
                               bytes& secret) {
        if (peer_share.size() != kx.responder_share_size) {
            return kx_status::invalid_share;
        }
        return state.keys_[0].derive(peer_share, secret) ? kx_status::ok : kx_status::invalid_share;
    }

    // ---- Hybrids: ML-KEM with (EC)DH (draft-ietf-tls-ecdhe-mlkem) ----
    //
    // Each share is the concatenation of the two components' values, and so is
    // the shared secret, in the same order: ML-KEM first for X25519MLKEM768,
    // the ECDH value first for SecP256r1MLKEM768 and SecP384r1MLKEM1024. The
    // client's ML-KEM value is the encapsulation key, the server's the
    // ciphertext. No KDF combines the two secrets: TLS's key schedule does.

    // Writes `kem` and `dh` into `out` in the group's order.
    static void join(bool kem_first, byte_view kem, byte_view dh, bytes& out) {
        out.clear();
        out.reserve(kem.size() + dh.size());
        const byte_view first = kem_first ? kem : dh;
        const byte_view second = kem_first ? dh : kem;
        out.insert(out.end(), first.begin(), first.end());
        out.insert(out.end(), second.begin(), second.end());
    }

    // Splits a share of the right size into its ML-KEM and (EC)DH parts.
    static void split(bool kem_first, byte_view share, std::size_t kem_size, byte_view& kem,
                      byte_view& dh) {
        const std::size_t dh_size = share.size() - kem_size;
        kem = kem_first ? share.first(kem_size) : share.last(kem_size);
        dh = kem_first ? share.last(dh_size) : share.first(dh_size);
    }

    template <mlkem::parameter_set P, bool KemFirst>
    static kx_status hybrid_generate(const key_exchange& kx, random_ref random, kx_state& state,
                                     bytes& share) {
        const mlkem::sizes sizes = mlkem::sizes_of(P);
        kx_private_key& key = state.keys_[0];
        if (kx_status s = make_key(kx.dh, random, key); s != kx_status::ok) {
            return s;
        }
        std::array<std::uint8_t, mlkem::seed_size> seed;
        random(seed);
        bytes ek(sizes.encapsulation_key);
        // The expanded form keeps the matrix for decapsulation (hybrid_finish).
        cleanse(state.kem_key_);
        state.kem_key_.assign(mlkem::expanded_key_size(P), 0);
        const bool ok = mlkem::generate_expanded(P, seed, ek, state.kem_key_);
        cleanse(seed);
        if (!ok) {
            return kx_status::failed;
        }
        join(KemFirst, ek, key.public_key(), share);
        return kx_status::ok;
    }

    template <mlkem::parameter_set P, bool KemFirst>
    static kx_status hybrid_respond(const key_exchange& kx, random_ref random, byte_view peer_share,
                                    bytes& share, bytes& secret) {
        const mlkem::sizes sizes = mlkem::sizes_of(P);
        secret.clear();
        if (peer_share.size() != kx.initiator_share_size) {
            return kx_status::invalid_share;
        }
        byte_view ek, peer_dh;
        split(KemFirst, peer_share, sizes.encapsulation_key, ek, peer_dh);
        // FIPS 203 section 7.2: an encapsulation key must pass the modulus check.
        if (!mlkem::check_encapsulation_key(P, ek)) {
            return kx_status::invalid_share;
        }
        kx_private_key key;
        if (kx_status s = make_key(kx.dh, random, key); s != kx_status::ok) {
            return s;
        }
        bytes dh_secret;
        if (!key.derive(peer_dh, dh_secret)) {
            return kx_status::invalid_share;
        }
        std::array<std::uint8_t, mlkem::message_size> m;
        random(m);
        bytes ct(sizes.ciphertext);
        std::array<std::uint8_t, mlkem::shared_secret_size> kem_secret;
        const bool ok = mlkem::encapsulate(P, ek, m, ct, kem_secret);
        cleanse(m);
        if (ok) {
            join(KemFirst, kem_secret, dh_secret, secret);
            join(KemFirst, ct, key.public_key(), share);
        }
        cleanse(kem_secret);
        cleanse(dh_secret);
        return ok ? kx_status::ok : kx_status::failed;
    }

    template <mlkem::parameter_set P, bool KemFirst>
    static kx_status hybrid_finish(const key_exchange& kx, const kx_state& state,
                                   byte_view peer_share, bytes& secret) {
        const mlkem::sizes sizes = mlkem::sizes_of(P);
        secret.clear();
        if (peer_share.size() != kx.responder_share_size) {
            return kx_status::invalid_share;
        }
        byte_view ct, peer_dh;
        split(KemFirst, peer_share, sizes.ciphertext, ct, peer_dh);
        bytes dh_secret;
        if (!state.keys_[0].derive(peer_dh, dh_secret)) {
            return kx_status::invalid_share;
        }
        // Any ciphertext of the right size decapsulates (a modified one to the
        // implicit-rejection secret, which fails the handshake at Finished).
        std::array<std::uint8_t, mlkem::shared_secret_size> kem_secret;
        const bool ok = mlkem::decapsulate_expanded(P, state.kem_key_, ct, kem_secret);
        if (ok) {
            join(KemFirst, kem_secret, dh_secret, secret);
        }
        cleanse(kem_secret);
        cleanse(dh_secret);
        return ok ? kx_status::ok : kx_status::failed;
    }
};

namespace {

constexpr kx_operations dh{&kx_functions::dh_generate, &kx_functions::dh_respond,
                           &kx_functions::dh_finish};

template <mlkem::parameter_set P, bool KemFirst>
constexpr kx_operations hybrid{&kx_functions::hybrid_generate<P, KemFirst>,
                               &kx_functions::hybrid_respond<P, KemFirst>,
                               &kx_functions::hybrid_finish<P, KemFirst>};

constexpr auto ml_kem_768 = mlkem::parameter_set::ml_kem_768;
constexpr auto ml_kem_1024 = mlkem::parameter_set::ml_kem_1024;

// The default order of preference: the post-quantum hybrids first (so a server
// picks one whenever the client sends a share for it), X25519MLKEM768, the one
// browsers send, leading; then the classical groups, fast first.
// Share sizes: ML-KEM-768 ek 1184 / ct 1088, ML-KEM-1024 ek and ct 1568.
constexpr key_exchange table[] = {
    {0x11ec, "X25519MLKEM768", "", 1184 + 32, 1088 + 32, kx_group::x25519,
     &hybrid<ml_kem_768, true>},
    {0x11eb, "SecP256r1MLKEM768", "", 65 + 1184, 65 + 1088, kx_group::secp256r1,
     &hybrid<ml_kem_768, false>},
    {0x11ed, "SecP384r1MLKEM1024", "", 97 + 1568, 97 + 1568, kx_group::secp384r1,
     &hybrid<ml_kem_1024, false>},
    {0x001d, "x25519", "", 32, 32, kx_group::x25519, &dh},
    {0x0017, "secp256r1", "P-256 prime256v1", 65, 65, kx_group::secp256r1, &dh},
    {0x0018, "secp384r1", "P-384", 97, 97, kx_group::secp384r1, &dh},
    {0x001e, "x448", "", 56, 56, kx_group::x448, &dh},
    {0x0019, "secp521r1", "P-521", 133, 133, kx_group::secp521r1, &dh},
    {0x0100, "ffdhe2048", "", 256, 256, kx_group::ffdhe2048, &dh},
    {0x0101, "ffdhe3072", "", 384, 384, kx_group::ffdhe3072, &dh},
    {0x0102, "ffdhe4096", "", 512, 512, kx_group::ffdhe4096, &dh},
    {0x0103, "ffdhe6144", "", 768, 768, kx_group::ffdhe6144, &dh},
    {0x0104, "ffdhe8192", "", 1024, 1024, kx_group::ffdhe8192, &dh},
};

bool iequals(std::string_view a, std::string_view b) noexcept {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

bool names(const key_exchange& kx, std::string_view name) noexcept {
    if (iequals(kx.name, name)) {
        return true;
    }
    std::string_view rest = kx.aliases;
    while (!rest.empty()) {
        const std::size_t space = rest.find(' ');
        if (iequals(rest.substr(0, space), name)) {
            return true;
        }
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    }
    return false;
}

}  // namespace

std::span<const key_exchange> key_exchanges() noexcept {
    return table;
}

const key_exchange* find_key_exchange(std::uint16_t code) noexcept {
    for (const key_exchange& kx : table) {
        if (kx.code == code) {
            return &kx;
        }
    }
    return nullptr;
}

const key_exchange* find_key_exchange(std::string_view name) noexcept {
    for (const key_exchange& kx : table) {
        if (names(kx, name)) {
            return &kx;
        }
    }
    return nullptr;
}

std::vector<std::uint16_t> default_group_codes() {
    std::vector<std::uint16_t> codes;
    for (const key_exchange& kx : table) {
        codes.push_back(kx.code);
    }
    return codes;
}

}  // namespace tlsio::crypto
