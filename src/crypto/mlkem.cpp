// ML-KEM from FIPS 203. Coefficients are kept fully reduced in [0, q) as
// uint16_t; products are reduced with a Barrett step (multiply by 2^32/q and
// shift) and a branch-free conditional subtraction, so no value that depends
// on a secret reaches a branch, a table index or a division.
//
// This file uses only libcrypto (for SHA3 / SHAKE), so that the constant-time
// test can compile it on its own with TLSIO_MLKEM_VALGRIND defined; then the
// values FIPS 203 makes public (rho, which is published in the encapsulation
// key) are declassified for memcheck where they are derived.
#include "crypto/mlkem.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <initializer_list>
#include <memory>

#ifdef TLSIO_MLKEM_VALGRIND
#include <valgrind/memcheck.h>
#define TLSIO_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define TLSIO_DECLASSIFY(p, n) static_cast<void>(0)
#endif

namespace tlsio::crypto::mlkem {
namespace {

constexpr std::uint32_t q = 3329;
constexpr int n = 256;
constexpr int max_k = 4;

struct params {
    int k;
    int eta1;
    int eta2;
    int du;
    int dv;
};

// FIPS 203 section 8, table 2.
constexpr params param_table[] = {{2, 3, 2, 10, 4}, {3, 2, 2, 10, 4}, {4, 2, 2, 11, 5}};

const params& params_of(parameter_set p) noexcept {
    return param_table[static_cast<int>(p)];
}

std::size_t ek_size(const params& p) noexcept {
    return 384 * static_cast<std::size_t>(p.k) + 32;
}
std::size_t dk_size(const params& p) noexcept {
    return 768 * static_cast<std::size_t>(p.k) + 96;
}
std::size_t ct_size(const params& p) noexcept {
    return 32 * static_cast<std::size_t>(p.du * p.k + p.dv);
}

// ---- Arithmetic modulo q ------------------------------------------------------

// x mod q for x < 2q: subtract q, and add it back when that wrapped below zero
// (the top bit of the difference, turned into a mask).
inline std::uint16_t reduce_once(std::uint32_t x) noexcept {
    std::uint32_t y = x - q;
    y += q & (0u - (y >> 31));
    return static_cast<std::uint16_t>(y);
}

// floor(2^32 / q): the Barrett multiplier. For any 32-bit x the estimated
// quotient (x * m) >> 32 is floor(x / q) or one less, since the error is below
// x / 2^32 < 1.
constexpr std::uint64_t barrett_m = (std::uint64_t{1} << 32) / q;

// x mod q for any 32-bit x.
inline std::uint16_t reduce(std::uint32_t x) noexcept {
    const auto quotient = static_cast<std::uint32_t>((x * barrett_m) >> 32);
    return reduce_once(x - quotient * q);
}

inline std::uint16_t mul(std::uint32_t a, std::uint32_t b) noexcept {
    return reduce(a * b);
}

constexpr std::uint32_t pow_mod(std::uint32_t base, std::uint32_t e) {
    std::uint32_t r = 1;
    for (; e != 0; --e) {
        r = r * base % q;
    }
    return r;
}

constexpr std::uint32_t bit_reverse7(std::uint32_t i) {
    std::uint32_t r = 0;
    for (int b = 0; b < 7; ++b) {
        r |= ((i >> b) & 1) << (6 - b);
    }
    return r;
}

// zeta = 17, the primitive 256th root of unity mod q (FIPS 203 section 4.3).
struct ntt_tables {
    std::uint16_t zeta[128];   ///< 17^BitRev7(i): the NTT's twiddle factors
    std::uint16_t gamma[128];  ///< 17^(2 BitRev7(i) + 1): the base-case moduli
};

constexpr ntt_tables make_tables() {
    ntt_tables t{};
    for (std::uint32_t i = 0; i < 128; ++i) {
        t.zeta[i] = static_cast<std::uint16_t>(pow_mod(17, bit_reverse7(i)));
        t.gamma[i] = static_cast<std::uint16_t>(pow_mod(17, 2 * bit_reverse7(i) + 1));
    }
    return t;
}

constexpr ntt_tables tables = make_tables();
constexpr std::uint32_t inverse_128 = 3303;  // 128^-1 mod q

using poly = std::array<std::uint16_t, n>;

// FIPS 203 algorithm 9.
void ntt(poly& f) noexcept {
    int i = 1;
    for (int len = 128; len >= 2; len /= 2) {
        for (int start = 0; start < n; start += 2 * len) {
            const std::uint32_t z = tables.zeta[i++];
            for (int j = start; j < start + len; ++j) {
                const std::uint16_t t = mul(z, f[j + len]);
                f[j + len] = reduce_once(f[j] + q - t);
                f[j] = reduce_once(f[j] + t);
            }
        }
    }
}

// FIPS 203 algorithm 10.
void inverse_ntt(poly& f) noexcept {
    int i = 127;
    for (int len = 2; len <= 128; len *= 2) {
        for (int start = 0; start < n; start += 2 * len) {
            const std::uint32_t z = tables.zeta[i--];
            for (int j = start; j < start + len; ++j) {
                const std::uint16_t t = f[j];
                f[j] = reduce_once(t + f[j + len]);
                f[j + len] = mul(z, f[j + len] + q - t);
            }
        }
    }
    for (std::uint16_t& c : f) {
        c = mul(c, inverse_128);
    }
}

// A sum of products in the NTT domain (FIPS 203 algorithms 11 and 12), kept
// unreduced: each product term is below 2q^2 < 2^25, and at most four
// (k <= 4) are added, so a uint32_t cannot overflow.
struct accumulator {
    std::array<std::uint32_t, n> c{};

    accumulator() = default;
    ~accumulator() { OPENSSL_cleanse(c.data(), sizeof(c)); }
    accumulator(const accumulator&) = delete;
    accumulator& operator=(const accumulator&) = delete;

    void add_product(const poly& f, const poly& g) noexcept {
        for (int i = 0; i < n / 2; ++i) {
            const std::uint32_t a0 = f[2 * i], a1 = f[2 * i + 1];
            const std::uint32_t b0 = g[2 * i], b1 = g[2 * i + 1];
            c[2 * i] += a0 * b0 + mul(a1, b1) * std::uint32_t{tables.gamma[i]};
            c[2 * i + 1] += a0 * b1 + a1 * b0;
        }
    }

    void store(poly& out) const noexcept {
        for (int i = 0; i < n; ++i) {
            out[i] = reduce(c[i]);
        }
    }
};

void add(poly& f, const poly& g) noexcept {
    for (int i = 0; i < n; ++i) {
        f[i] = reduce_once(f[i] + g[i]);
    }
}

// Compress_d (FIPS 203 section 4.2.1): round(2^d x / q) mod 2^d. The rounded
// quotient is floor((2^d x + (q-1)/2) / q) (q is odd, so there is no tie),
// found by the Barrett estimate and one branch-free correction: never a
// division, whose time depends on its operands on many CPUs (KyberSlash).
inline std::uint16_t compress(std::uint16_t x, int d) noexcept {
    const std::uint32_t num = (std::uint32_t{x} << d) + (q - 1) / 2;
    auto quotient = static_cast<std::uint32_t>((num * barrett_m) >> 32);
    const std::uint32_t rest = num - quotient * q;  // in [0, 2q)
    quotient += (q - 1 - rest) >> 31;               // + 1 when rest >= q
    return static_cast<std::uint16_t>(quotient & ((1u << d) - 1));
}

// Decompress_d: round(q y / 2^d); the divisor is a public power of two.
inline std::uint16_t decompress(std::uint32_t y, int d) noexcept {
    return static_cast<std::uint16_t>((y * q + (1u << (d - 1))) >> d);
}

// ByteEncode_d (FIPS 203 algorithm 5): 256 values of d bits, least significant
// bit first, into 32 d bytes.
void encode(const std::uint16_t* f, int d, std::uint8_t* out) noexcept {
    std::uint64_t acc = 0;
    int bits = 0;
    for (int i = 0; i < n; ++i) {
        acc |= std::uint64_t{f[i]} << bits;
        bits += d;
        while (bits >= 8) {
            *out++ = static_cast<std::uint8_t>(acc);
            acc >>= 8;
            bits -= 8;
        }
    }
}

// ByteDecode_d (FIPS 203 algorithm 6), without the final reduction mod q.
void decode(const std::uint8_t* in, int d, std::uint16_t* f) noexcept {
    std::uint64_t acc = 0;
    int bits = 0;
    const std::uint64_t mask = (std::uint64_t{1} << d) - 1;
    for (int i = 0; i < n; ++i) {
        while (bits < d) {
            acc |= std::uint64_t{*in++} << bits;
            bits += 8;
        }
        f[i] = static_cast<std::uint16_t>(acc & mask);
        acc >>= d;
        bits -= d;
    }
}

// ByteDecode_12 with its reduction mod q: a 12-bit value is below 2q.
void decode12(const std::uint8_t* in, poly& f) noexcept {
    decode(in, 12, f.data());
    for (std::uint16_t& c : f) {
        c = reduce_once(c);
    }
}

// ---- SHA3 and SHAKE through libcrypto -------------------------------------------

struct fetched {
    EVP_MD* sha3_256 = EVP_MD_fetch(nullptr, "SHA3-256", nullptr);
    EVP_MD* sha3_512 = EVP_MD_fetch(nullptr, "SHA3-512", nullptr);
    EVP_MD* shake128 = EVP_MD_fetch(nullptr, "SHAKE128", nullptr);
    EVP_MD* shake256 = EVP_MD_fetch(nullptr, "SHAKE256", nullptr);
    fetched() = default;
    ~fetched() {
        EVP_MD_free(sha3_256);
        EVP_MD_free(sha3_512);
        EVP_MD_free(shake128);
        EVP_MD_free(shake256);
    }
    fetched(const fetched&) = delete;
    fetched& operator=(const fetched&) = delete;
};

const fetched& digests() {
    static const fetched f;
    return f;
}

struct md_ctx_free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

// Runs the hashes of one operation on a context reused per thread, and
// remembers whether any of them failed (libcrypto out of memory), so the
// algorithms read as FIPS 203 writes them and the result is checked once.
class keccak {
public:
    keccak() {
        thread_local std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
        ctx_ = ctx.get();
        ok_ = ctx_ != nullptr;
    }
    bool ok() const noexcept { return ok_; }

    // H, G, J, PRF and XOF of FIPS 203 section 4.1. OpenSSL 3.0 can finish a
    // SHAKE only once, so every caller asks for all the output it needs.
    void sha3_256(std::initializer_list<byte_view> in, std::uint8_t* out) {
        run(digests().sha3_256, in, out, 32, false);
    }
    void sha3_512(std::initializer_list<byte_view> in, std::uint8_t* out) {
        run(digests().sha3_512, in, out, 64, false);
    }
    void shake128(std::initializer_list<byte_view> in, std::uint8_t* out, std::size_t size) {
        run(digests().shake128, in, out, size, true);
    }
    void shake256(std::initializer_list<byte_view> in, std::uint8_t* out, std::size_t size) {
        run(digests().shake256, in, out, size, true);
    }

private:
    void run(const EVP_MD* md, std::initializer_list<byte_view> in, std::uint8_t* out,
             std::size_t size, bool xof) {
        bool ok = ok_ && md != nullptr && EVP_DigestInit_ex2(ctx_, md, nullptr) == 1;
        for (byte_view part : in) {
            ok = ok && EVP_DigestUpdate(ctx_, part.data(), part.size()) == 1;
        }
        unsigned int len = 0;
        ok = ok && (xof ? EVP_DigestFinalXOF(ctx_, out, size) == 1
                        : EVP_DigestFinal_ex(ctx_, out, &len) == 1 && len == size);
        if (!ok) {
            std::memset(out, 0, size);
            ok_ = false;
        }
    }

    EVP_MD_CTX* ctx_ = nullptr;
    bool ok_ = true;
};

// ---- Sampling -----------------------------------------------------------------

// SampleNTT (FIPS 203 algorithm 7) on a prefix of the XOF stream: false when
// the prefix ran out before 256 coefficients were accepted. Branches on the
// stream are fine: it is derived from the public rho.
bool sample_ntt_from(const std::uint8_t* stream, std::size_t size, poly& out) noexcept {
    int j = 0;
    for (std::size_t pos = 0; pos + 3 <= size && j < n; pos += 3) {
        const std::uint16_t d1 =
            static_cast<std::uint16_t>(stream[pos] | (stream[pos + 1] & 15) << 8);
        const std::uint16_t d2 =
            static_cast<std::uint16_t>(stream[pos + 1] >> 4 | stream[pos + 2] << 4);
        if (d1 < q) {
            out[j++] = d1;
        }
        if (d2 < q && j < n) {
            out[j++] = d2;
        }
    }
    return j == n;
}

// Three SHAKE128 blocks (168 bytes each) give 336 candidates for 256 places,
// at an acceptance rate of q / 4096: enough for all but about 0.8% of the
// entries, for which the stream is drawn again, twice as long, from its start
// (OpenSSL 3.0 cannot squeeze more from a finished SHAKE). One block more would
// almost never need the second draw but costs more than those redraws do.
constexpr std::size_t sample_ntt_bytes = 3 * 168;

void sample_ntt(keccak& h, const std::uint8_t* rho, std::uint8_t j, std::uint8_t i, poly& out) {
    const std::uint8_t index[2] = {j, i};
    std::array<std::uint8_t, sample_ntt_bytes> stream;
    h.shake128({byte_view(rho, 32), byte_view(index, 2)}, stream.data(), stream.size());
    if (sample_ntt_from(stream.data(), stream.size(), out)) {
        return;
    }
    for (std::size_t size = 2 * sample_ntt_bytes; h.ok(); size *= 2) {
        bytes longer(size);
        h.shake128({byte_view(rho, 32), byte_view(index, 2)}, longer.data(), longer.size());
        if (sample_ntt_from(longer.data(), longer.size(), out)) {
            return;
        }
    }
}

// Â[i][j] = SampleNTT(rho || j || i) (FIPS 203 algorithm 13, line 4).
using matrix = std::array<std::array<poly, max_k>, max_k>;

void expand_matrix(keccak& h, const std::uint8_t* rho, int k, matrix& a) {
    for (int i = 0; i < k; ++i) {
        for (int j = 0; j < k; ++j) {
            sample_ntt(h, rho, static_cast<std::uint8_t>(j), static_cast<std::uint8_t>(i), a[i][j]);
        }
    }
}

// SamplePolyCBD_eta(PRF_eta(seed, nonce)) (FIPS 203 algorithms 8 and 4.3):
// each coefficient is the difference of two sums of eta bits. The bit
// positions are public; only the bit values are secret.
void sample_cbd(keccak& h, const std::uint8_t* seed, std::uint8_t nonce, int eta, poly& out) {
    std::array<std::uint8_t, 64 * 3> prf;
    const std::size_t size = 64 * static_cast<std::size_t>(eta);
    h.shake256({byte_view(seed, 32), byte_view(&nonce, 1)}, prf.data(), size);
    auto bit = [&](int pos) { return std::uint32_t{prf[pos / 8]} >> (pos % 8) & 1; };
    for (int i = 0; i < n; ++i) {
        std::uint32_t x = 0;
        std::uint32_t y = 0;
        for (int b = 0; b < eta; ++b) {
            x += bit(2 * i * eta + b);
            y += bit(2 * i * eta + eta + b);
        }
        out[i] = reduce_once(x + q - y);
    }
    OPENSSL_cleanse(prf.data(), prf.size());
}

// ---- K-PKE (FIPS 203 section 5) -------------------------------------------------

// Polynomial vectors and matrices hold secrets: wiped when they go.
template <class T>
struct wiped : T {
    wiped() : T{} {}
    ~wiped() { OPENSSL_cleanse(this->data(), sizeof(T)); }
    wiped(const wiped&) = delete;
    wiped& operator=(const wiped&) = delete;
};
using vector = wiped<std::array<poly, max_k>>;

// K-PKE.KeyGen (algorithm 13): ek_pke into ek, dk_pke into dk.
void pke_keygen(keccak& h, const params& p, const std::uint8_t* d, std::uint8_t* ek,
                std::uint8_t* dk) {
    wiped<std::array<std::uint8_t, 64>> g;  // rho || sigma
    const std::uint8_t k = static_cast<std::uint8_t>(p.k);
    h.sha3_512({byte_view(d, 32), byte_view(&k, 1)}, g.data());
    const std::uint8_t* rho = g.data();
    const std::uint8_t* sigma = g.data() + 32;
    TLSIO_DECLASSIFY(rho, 32);  // published as the end of ek

    matrix a;
    expand_matrix(h, rho, p.k, a);
    vector s, e;
    std::uint8_t nonce = 0;
    for (int i = 0; i < p.k; ++i) {
        sample_cbd(h, sigma, nonce++, p.eta1, s[i]);
    }
    for (int i = 0; i < p.k; ++i) {
        sample_cbd(h, sigma, nonce++, p.eta1, e[i]);
    }
    for (int i = 0; i < p.k; ++i) {
        ntt(s[i]);
        ntt(e[i]);
    }
    for (int i = 0; i < p.k; ++i) {
        accumulator acc;
        for (int j = 0; j < p.k; ++j) {
            acc.add_product(a[i][j], s[j]);
        }
        poly t;
        acc.store(t);
        add(t, e[i]);
        encode(t.data(), 12, ek + 384 * i);
        encode(s[i].data(), 12, dk + 384 * i);
    }
    std::memcpy(ek + 384 * p.k, rho, 32);
}

// K-PKE.Encrypt (algorithm 14) of the 32-byte message m with randomness r.
void pke_encrypt(keccak& h, const params& p, const std::uint8_t* ek, const std::uint8_t* m,
                 const std::uint8_t* r, std::uint8_t* ct) {
    std::array<poly, max_k> t;
    for (int i = 0; i < p.k; ++i) {
        decode12(ek + 384 * i, t[i]);
    }
    matrix a;
    expand_matrix(h, ek + 384 * p.k, p.k, a);

    vector y, e1, u;
    wiped<poly> e2, v;
    std::uint8_t nonce = 0;
    for (int i = 0; i < p.k; ++i) {
        sample_cbd(h, r, nonce++, p.eta1, y[i]);
    }
    for (int i = 0; i < p.k; ++i) {
        sample_cbd(h, r, nonce++, p.eta2, e1[i]);
    }
    sample_cbd(h, r, nonce, p.eta2, e2);
    for (int i = 0; i < p.k; ++i) {
        ntt(y[i]);
    }
    // u = NTT^-1(Â^T y) + e1
    for (int i = 0; i < p.k; ++i) {
        accumulator acc;
        for (int j = 0; j < p.k; ++j) {
            acc.add_product(a[j][i], y[j]);
        }
        acc.store(u[i]);
        inverse_ntt(u[i]);
        add(u[i], e1[i]);
    }
    // v = NTT^-1(t^T y) + e2 + Decompress_1(m)
    accumulator acc;
    for (int j = 0; j < p.k; ++j) {
        acc.add_product(t[j], y[j]);
    }
    acc.store(v);
    inverse_ntt(v);
    add(v, e2);
    for (int i = 0; i < n; ++i) {
        const std::uint32_t bit = m[i / 8] >> (i % 8) & 1;
        v[i] = reduce_once(v[i] + ((0u - bit) & (q + 1) / 2));
    }

    wiped<std::array<std::uint16_t, n>> c;
    for (int i = 0; i < p.k; ++i) {
        for (int j = 0; j < n; ++j) {
            c[j] = compress(u[i][j], p.du);
        }
        encode(c.data(), p.du, ct + 32 * p.du * i);
    }
    for (int j = 0; j < n; ++j) {
        c[j] = compress(v[j], p.dv);
    }
    encode(c.data(), p.dv, ct + 32 * p.du * p.k);
}

// K-PKE.Decrypt (algorithm 15) into the 32-byte m.
void pke_decrypt(const params& p, const std::uint8_t* dk_pke, const std::uint8_t* ct,
                 std::uint8_t* m) {
    vector u, s;
    wiped<poly> v, w;
    for (int i = 0; i < p.k; ++i) {
        decode(ct + 32 * p.du * i, p.du, u[i].data());
        for (std::uint16_t& c : u[i]) {
            c = decompress(c, p.du);
        }
        ntt(u[i]);
        decode12(dk_pke + 384 * i, s[i]);
    }
    decode(ct + 32 * p.du * p.k, p.dv, v.data());
    for (std::uint16_t& c : v) {
        c = decompress(c, p.dv);
    }
    accumulator acc;
    for (int i = 0; i < p.k; ++i) {
        acc.add_product(s[i], u[i]);
    }
    acc.store(w);
    inverse_ntt(w);
    for (int i = 0; i < n; ++i) {
        w[i] = compress(reduce_once(v[i] + q - w[i]), 1);
    }
    encode(w.data(), 1, m);
}

bool modulus_ok(const params& p, const std::uint8_t* ek) noexcept {
    std::uint32_t bad = 0;
    std::array<std::uint16_t, n> t;
    for (int i = 0; i < p.k; ++i) {
        decode(ek + 384 * i, 12, t.data());
        for (std::uint16_t c : t) {
            bad |= (q - 1 - c) >> 31;  // c >= q
        }
    }
    return bad == 0;
}

}  // namespace

sizes sizes_of(parameter_set p) noexcept {
    const params& ps = params_of(p);
    return {ek_size(ps), dk_size(ps), ct_size(ps)};
}

bool generate_from_seed(parameter_set ps, byte_view seed, mutable_bytes ek, mutable_bytes dk) {
    const params& p = params_of(ps);
    if (seed.size() != seed_size || ek.size() != ek_size(p) || dk.size() != dk_size(p)) {
        return false;
    }
    keccak h;
    // dk = dk_pke || ek || H(ek) || z (FIPS 203 algorithm 16)
    pke_keygen(h, p, seed.data(), ek.data(), dk.data());
    const std::size_t ek_at = 384 * static_cast<std::size_t>(p.k);
    std::memcpy(dk.data() + ek_at, ek.data(), ek.size());
    h.sha3_256({ek}, dk.data() + ek_at + ek.size());
    std::memcpy(dk.data() + ek_at + ek.size() + 32, seed.data() + 32, 32);
    if (!h.ok()) {
        OPENSSL_cleanse(dk.data(), dk.size());
        return false;
    }
    return true;
}

bool check_encapsulation_key(parameter_set ps, byte_view ek) noexcept {
    const params& p = params_of(ps);
    return ek.size() == ek_size(p) && modulus_ok(p, ek.data());
}

bool check_decapsulation_key(parameter_set ps, byte_view dk) noexcept {
    const params& p = params_of(ps);
    if (dk.size() != dk_size(p)) {
        return false;
    }
    const std::size_t ek_at = 384 * static_cast<std::size_t>(p.k);
    std::uint8_t hash[32];
    keccak h;
    h.sha3_256({dk.subspan(ek_at, ek_size(p))}, hash);
    return h.ok() && CRYPTO_memcmp(hash, dk.data() + ek_at + ek_size(p), 32) == 0;
}

bool encapsulate(parameter_set ps, byte_view ek, byte_view m, mutable_bytes ct,
                 mutable_bytes shared) {
    const params& p = params_of(ps);
    if (m.size() != message_size || ct.size() != ct_size(p) ||
        shared.size() != shared_secret_size || !check_encapsulation_key(ps, ek)) {
        return false;
    }
    // (K, r) = G(m || H(ek)) (FIPS 203 algorithm 17)
    keccak h;
    std::uint8_t ek_hash[32];
    h.sha3_256({ek}, ek_hash);
    wiped<std::array<std::uint8_t, 64>> kr;
    h.sha3_512({m, byte_view(ek_hash, 32)}, kr.data());
    pke_encrypt(h, p, ek.data(), m.data(), kr.data() + 32, ct.data());
    std::memcpy(shared.data(), kr.data(), 32);
    if (!h.ok()) {
        OPENSSL_cleanse(shared.data(), shared.size());
        return false;
    }
    return true;
}

bool decapsulate(parameter_set ps, byte_view dk, byte_view ct, mutable_bytes shared) {
    const params& p = params_of(ps);
    if (ct.size() != ct_size(p) || shared.size() != shared_secret_size ||
        !check_decapsulation_key(ps, dk)) {
        return false;
    }
    const std::size_t ek_at = 384 * static_cast<std::size_t>(p.k);
    const std::uint8_t* ek = dk.data() + ek_at;
    const std::uint8_t* ek_hash = ek + ek_size(p);
    const std::uint8_t* z = ek_hash + 32;

    keccak h;
    wiped<std::array<std::uint8_t, 32>> m;
    pke_decrypt(p, dk.data(), ct.data(), m.data());
    wiped<std::array<std::uint8_t, 64>> kr;  // K' || r'
    h.sha3_512({byte_view(m.data(), 32), byte_view(ek_hash, 32)}, kr.data());
    wiped<std::array<std::uint8_t, 32>> rejected;  // K-bar = J(z || c)
    h.shake256({byte_view(z, 32), ct}, rejected.data(), 32);
    bytes again(ct.size());
    pke_encrypt(h, p, ek, m.data(), kr.data() + 32, again.data());

    // Equal ciphertexts keep K', others take K-bar; the mask is all ones when
    // they differ, found without a branch or an early exit.
    std::uint32_t diff = 0;
    for (std::size_t i = 0; i < ct.size(); ++i) {
        diff |= std::uint32_t{ct[i]} ^ again[i];
    }
    const auto mask = static_cast<std::uint8_t>(0u - ((diff + 0xff) >> 8));
    for (std::size_t i = 0; i < 32; ++i) {
        shared[i] = static_cast<std::uint8_t>(kr[i] ^ (mask & (kr[i] ^ rejected[i])));
    }
    OPENSSL_cleanse(again.data(), again.size());
    if (!h.ok()) {
        OPENSSL_cleanse(shared.data(), shared.size());
        return false;
    }
    return true;
}

}  // namespace tlsio::crypto::mlkem
