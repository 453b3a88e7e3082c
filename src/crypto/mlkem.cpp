// ML-KEM from FIPS 203. Coefficients are int16_t; products are reduced the
// Montgomery way and sums with a Barrett step, branch-free, so no value that
// depends on a secret reaches a branch, a table index or a division.
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
#include <type_traits>

// The NTT's last two layers (distances 4 and 2) mix coefficients within
// eight-lane vectors, which the compiler does not vectorize on its own: they
// are written with SSE2 (x86-64's baseline) where it exists, and as plain
// loops elsewhere.
#if defined(__SSE2__)
#include <emmintrin.h>
#define TLSIO_MLKEM_SSE2 1
#endif

#ifdef TLSIO_MLKEM_VALGRIND
#include <valgrind/memcheck.h>
#define TLSIO_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define TLSIO_DECLASSIFY(p, n) static_cast<void>(0)
#endif

namespace tlsio::crypto::mlkem {
namespace {

constexpr std::int16_t q = 3329;
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
//
// Coefficients are int16_t, in ranges each function states. Products are
// reduced the Montgomery way using only 16 x 16-bit multiplications (their low
// and high halves), and sums with a Barrett step, so that the compiler runs
// the loops over eight coefficients at a time (SSE2). Neither branches nor
// divides.

using poly = std::array<std::int16_t, n>;

inline std::int16_t low16(std::int32_t x) noexcept {
    return static_cast<std::int16_t>(x);
}

// The high half of a 16 x 16-bit product.
inline std::int16_t mul_high(std::int16_t a, std::int16_t b) noexcept {
    return low16((std::int32_t{a} * b) >> 16);
}

constexpr std::int16_t q_inverse = -3327;    // q^-1 mod 2^16
constexpr std::int16_t mont_squared = 1353;  // 2^32 mod q

// a b 2^-16 mod q, in (-q, q) when |a b| < q 2^15. t makes a b - t q
// divisible by 2^16: the low halves of a b and t q are then equal, so the
// difference of the high halves is that quotient exactly.
inline std::int16_t mont_mul(std::int16_t a, std::int16_t b) noexcept {
    const std::int16_t t = low16(low16(std::int32_t{a} * b) * q_inverse);
    return low16(mul_high(a, b) - mul_high(t, q));
}

// a mod q in [-(q-1)/2, (q-1)/2] for any int16_t a: the quotient is
// a 20159 / 2^26 rounded, 20159 being 2^26 / q rounded.
inline std::int16_t barrett_reduce(std::int16_t a) noexcept {
    const std::int32_t quotient = (std::int32_t{a} * 20159 + (1 << 25)) >> 26;
    return low16(a - quotient * q);
}

// a in [0, q) for a in [-q, q): adds q when the sign bit is set.
inline std::int16_t to_positive(std::int16_t a) noexcept {
    return low16(a + (q & (a >> 15)));
}

// a mod q in [0, q) for any int16_t a.
inline std::int16_t freeze(std::int16_t a) noexcept {
    return to_positive(barrett_reduce(a));
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

// x 2^16 mod q in (-q/2, q/2]: a constant for mont_mul that multiplies by x.
constexpr std::int16_t montgomery_form(std::uint32_t x) {
    auto r = static_cast<std::int32_t>((x << 16) % q);
    return static_cast<std::int16_t>(r > q / 2 ? r - q : r);
}

// zeta = 17, the primitive 256th root of unity mod q (FIPS 203 section 4.3).
struct ntt_tables {
    std::int16_t zeta[128];   ///< 17^BitRev7(i): the NTT's twiddle factors
    std::int16_t gamma[128];  ///< 17^(2 BitRev7(i) + 1): the base-case moduli
};

constexpr ntt_tables make_tables() {
    ntt_tables t{};
    for (std::uint32_t i = 0; i < 128; ++i) {
        t.zeta[i] = montgomery_form(pow_mod(17, bit_reverse7(i)));
        t.gamma[i] = montgomery_form(pow_mod(17, 2 * bit_reverse7(i) + 1));
    }
    return t;
}

constexpr ntt_tables tables = make_tables();

// One layer of FIPS 203 algorithm 9: butterflies over distance `len`, with
// the twiddle factors from zeta[i] on. A constant `len` lets the compiler
// vectorize even the short inner loops of the last layers.
template <int len>
void ntt_layer(poly& f, int i) noexcept {
    for (int start = 0; start < n; start += 2 * len) {
        const std::int16_t z = tables.zeta[i++];
        for (int j = start; j < start + len; ++j) {
            const std::int16_t t = mont_mul(z, f[j + len]);
            f[j + len] = low16(f[j] - t);
            f[j] = low16(f[j] + t);
        }
    }
}

// One layer of FIPS 203 algorithm 10, with the twiddle factors from zeta[i]
// down.
template <int len>
void inverse_ntt_layer(poly& f, int i) noexcept {
    for (int start = 0; start < n; start += 2 * len) {
        const std::int16_t z = tables.zeta[i--];
        for (int j = start; j < start + len; ++j) {
            const std::int16_t t = f[j];
            f[j] = barrett_reduce(low16(t + f[j + len]));
            f[j + len] = mont_mul(z, low16(f[j + len] - t));
        }
    }
}

#ifdef TLSIO_MLKEM_SSE2

// The twiddle factors of the distance-4 and distance-2 layers, one per lane,
// for the 16 coefficients that one step of those layers handles: four lanes
// per block of 8 (distance 4), two per block of 4 (distance 2).
struct alignas(16) lane_tables {
    std::int16_t forward4[16][8];
    std::int16_t forward2[16][8];
    std::int16_t inverse2[16][8];
    std::int16_t inverse4[16][8];
};

constexpr lane_tables make_lane_tables() {
    lane_tables t{};
    for (int step = 0; step < 16; ++step) {
        for (int lane = 0; lane < 8; ++lane) {
            // Forward: block b of distance len takes zeta[128 / len + b];
            // inverse: zeta[256 / len - 1 - b].
            t.forward4[step][lane] = tables.zeta[32 + 2 * step + lane / 4];
            t.forward2[step][lane] = tables.zeta[64 + 4 * step + lane / 2];
            t.inverse2[step][lane] = tables.zeta[127 - (4 * step + lane / 2)];
            t.inverse4[step][lane] = tables.zeta[63 - (2 * step + lane / 4)];
        }
    }
    return t;
}

constexpr lane_tables lanes = make_lane_tables();

inline __m128i load(const std::int16_t* p) noexcept {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

inline void store(std::int16_t* p, __m128i v) noexcept {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}

// mont_mul and barrett_reduce on eight lanes. In the Barrett step the high
// half of a 20159 is floor(a 20159 / 2^16), and flooring that plus 2^9 over
// 2^10 gives the same quotient as the scalar rounding over 2^26.
inline __m128i mont_mul(__m128i a, __m128i b) noexcept {
    const __m128i t = _mm_mullo_epi16(_mm_mullo_epi16(a, b), _mm_set1_epi16(q_inverse));
    return _mm_sub_epi16(_mm_mulhi_epi16(a, b), _mm_mulhi_epi16(t, _mm_set1_epi16(q)));
}

inline __m128i barrett_reduce(__m128i a) noexcept {
    __m128i quotient = _mm_mulhi_epi16(a, _mm_set1_epi16(20159));
    quotient = _mm_srai_epi16(_mm_add_epi16(quotient, _mm_set1_epi16(512)), 10);
    return _mm_sub_epi16(a, _mm_mullo_epi16(quotient, _mm_set1_epi16(q)));
}

// Of 16 coefficients x0 || x1 (blocks A B C D of four), the first and second
// halves of each block, in the lanes A A B B C C D D; and back.
inline void split2(__m128i x0, __m128i x1, __m128i& first, __m128i& second) noexcept {
    const __m128i a = _mm_shuffle_epi32(x0, _MM_SHUFFLE(3, 1, 2, 0));
    const __m128i b = _mm_shuffle_epi32(x1, _MM_SHUFFLE(3, 1, 2, 0));
    first = _mm_unpacklo_epi64(a, b);
    second = _mm_unpackhi_epi64(a, b);
}

inline void join2(__m128i first, __m128i second, __m128i& x0, __m128i& x1) noexcept {
    x0 = _mm_unpacklo_epi32(first, second);
    x1 = _mm_unpackhi_epi32(first, second);
}

// The same for blocks A B of eight: halves in the lanes A A A A B B B B.
inline void split4(__m128i x0, __m128i x1, __m128i& first, __m128i& second) noexcept {
    first = _mm_unpacklo_epi64(x0, x1);
    second = _mm_unpackhi_epi64(x0, x1);
}

inline void join4(__m128i first, __m128i second, __m128i& x0, __m128i& x1) noexcept {
    x0 = _mm_unpacklo_epi64(first, second);
    x1 = _mm_unpackhi_epi64(first, second);
}

// A layer of distance len >= 8 (FIPS 203 algorithm 9), eight butterflies at a time.
template <int len>
void ntt_layer_wide(poly& f, int i) noexcept {
    for (int start = 0; start < n; start += 2 * len) {
        const __m128i z = _mm_set1_epi16(tables.zeta[i++]);
        for (int j = start; j < start + len; j += 8) {
            const __m128i a = load(&f[j]);
            const __m128i t = mont_mul(z, load(&f[j + len]));
            store(&f[j], _mm_add_epi16(a, t));
            store(&f[j + len], _mm_sub_epi16(a, t));
        }
    }
}

// A layer of distance len >= 8 of FIPS 203 algorithm 10.
template <int len>
void inverse_ntt_layer_wide(poly& f, int i) noexcept {
    for (int start = 0; start < n; start += 2 * len) {
        const __m128i z = _mm_set1_epi16(tables.zeta[i--]);
        for (int j = start; j < start + len; j += 8) {
            const __m128i a = load(&f[j]);
            const __m128i b = load(&f[j + len]);
            store(&f[j], barrett_reduce(_mm_add_epi16(a, b)));
            store(&f[j + len], mont_mul(z, _mm_sub_epi16(b, a)));
        }
    }
}

// FIPS 203 algorithm 9 (bounds as for the portable version below). The
// layers of distance 4 and 2 and the final reduction run in one pass over
// each 16 coefficients.
void ntt(poly& f) noexcept {
    ntt_layer_wide<128>(f, 1);
    ntt_layer_wide<64>(f, 2);
    ntt_layer_wide<32>(f, 4);
    ntt_layer_wide<16>(f, 8);
    ntt_layer_wide<8>(f, 16);
    for (int step = 0; step < 16; ++step) {
        std::int16_t* at = f.data() + 16 * step;
        __m128i x0 = load(at), x1 = load(at + 8), a, b;
        split4(x0, x1, a, b);
        __m128i t = mont_mul(load(lanes.forward4[step]), b);
        join4(_mm_add_epi16(a, t), _mm_sub_epi16(a, t), x0, x1);
        split2(x0, x1, a, b);
        t = mont_mul(load(lanes.forward2[step]), b);
        join2(_mm_add_epi16(a, t), _mm_sub_epi16(a, t), x0, x1);
        store(at, barrett_reduce(x0));
        store(at + 8, barrett_reduce(x1));
    }
}

// FIPS 203 algorithm 10 and its factor (as for the portable version below).
void inverse_ntt(poly& f) noexcept {
    for (int step = 0; step < 16; ++step) {
        std::int16_t* at = f.data() + 16 * step;
        __m128i x0 = load(at), x1 = load(at + 8), a, b;
        split2(x0, x1, a, b);
        join2(barrett_reduce(_mm_add_epi16(a, b)),
              mont_mul(load(lanes.inverse2[step]), _mm_sub_epi16(b, a)), x0, x1);
        split4(x0, x1, a, b);
        join4(barrett_reduce(_mm_add_epi16(a, b)),
              mont_mul(load(lanes.inverse4[step]), _mm_sub_epi16(b, a)), x0, x1);
        store(at, x0);
        store(at + 8, x1);
    }
    inverse_ntt_layer_wide<8>(f, 31);
    inverse_ntt_layer_wide<16>(f, 15);
    inverse_ntt_layer_wide<32>(f, 7);
    inverse_ntt_layer_wide<64>(f, 3);
    inverse_ntt_layer_wide<128>(f, 1);
    const __m128i factor = _mm_set1_epi16(1441);
    for (int j = 0; j < n; j += 8) {
        store(&f[j], mont_mul(load(&f[j]), factor));
    }
}

// Of 16 coefficients x0 || x1, those at even and at odd places, each eight
// in order (values are int16_t, so the packing does not saturate).
inline void deinterleave(__m128i x0, __m128i x1, __m128i& even, __m128i& odd) noexcept {
    even = _mm_packs_epi32(_mm_srai_epi32(_mm_slli_epi32(x0, 16), 16),
                           _mm_srai_epi32(_mm_slli_epi32(x1, 16), 16));
    odd = _mm_packs_epi32(_mm_srai_epi32(x0, 16), _mm_srai_epi32(x1, 16));
}

// multiply_add (bounds as for the portable version below), eight pairs of
// coefficients at a time.
void multiply_add(poly& acc, const poly& f, const poly& g) noexcept {
    for (int at = 0; at < n; at += 16) {
        __m128i a0, a1, b0, b1;
        deinterleave(load(&f[at]), load(&f[at + 8]), a0, a1);
        deinterleave(load(&g[at]), load(&g[at + 8]), b0, b1);
        const __m128i gamma = load(&tables.gamma[at / 2]);
        const __m128i c0 = _mm_add_epi16(mont_mul(mont_mul(a1, b1), gamma), mont_mul(a0, b0));
        const __m128i c1 = _mm_add_epi16(mont_mul(a0, b1), mont_mul(a1, b0));
        store(&acc[at], _mm_add_epi16(load(&acc[at]), _mm_unpacklo_epi16(c0, c1)));
        store(&acc[at + 8], _mm_add_epi16(load(&acc[at + 8]), _mm_unpackhi_epi16(c0, c1)));
    }
}

#else

// FIPS 203 algorithm 9, for |f| < q on entry. Each of the seven layers grows
// |f| by less than q (a reduced product), so |f| < 8q < 2^15 throughout and
// every product stays below q 2^15; the result is reduced to |f| <= q/2.
void ntt(poly& f) noexcept {
    ntt_layer<128>(f, 1);
    ntt_layer<64>(f, 2);
    ntt_layer<32>(f, 4);
    ntt_layer<16>(f, 8);
    ntt_layer<8>(f, 16);
    ntt_layer<4>(f, 32);
    ntt_layer<2>(f, 64);
    for (std::int16_t& c : f) {
        c = barrett_reduce(c);
    }
}

// FIPS 203 algorithm 10 and its factor 128^-1, for |f| <= q/2 on entry (values
// stay below 2q). The input carries the factor 2^-16 that multiply_add leaves;
// the last factor, 1441 = 2^32 / 128 mod q, removes it. The result is in (-q, q).
void inverse_ntt(poly& f) noexcept {
    inverse_ntt_layer<2>(f, 127);
    inverse_ntt_layer<4>(f, 63);
    inverse_ntt_layer<8>(f, 31);
    inverse_ntt_layer<16>(f, 15);
    inverse_ntt_layer<32>(f, 7);
    inverse_ntt_layer<64>(f, 3);
    inverse_ntt_layer<128>(f, 1);
    for (std::int16_t& c : f) {
        c = mont_mul(c, 1441);
    }
}

// acc += f g 2^-16 in the NTT domain (FIPS 203 algorithms 11 and 12), for
// |f|, |g| < q. Each call adds less than 2q in magnitude, so a sum of k <= 4
// products starting from zero stays below 8q.
void multiply_add(poly& acc, const poly& f, const poly& g) noexcept {
    for (int i = 0; i < n / 2; ++i) {
        const std::int16_t a0 = f[2 * i], a1 = f[2 * i + 1];
        const std::int16_t b0 = g[2 * i], b1 = g[2 * i + 1];
        acc[2 * i] =
            low16(acc[2 * i] + mont_mul(mont_mul(a1, b1), tables.gamma[i]) + mont_mul(a0, b0));
        acc[2 * i + 1] = low16(acc[2 * i + 1] + mont_mul(a0, b1) + mont_mul(a1, b0));
    }
}

#endif

// Polynomial vectors and matrices hold secrets: wiped when they go.
template <class T>
struct wiped : T {
    wiped() : T{} {}
    ~wiped() { OPENSSL_cleanse(this->data(), sizeof(T)); }
    wiped(const wiped&) = delete;
    wiped& operator=(const wiped&) = delete;
};

// Compress_d (FIPS 203 section 4.2.1) of x in [0, q): round(2^d x / q) mod 2^d.
// The rounded quotient is floor((2^d x + (q-1)/2) / q) (q is odd, so there is
// no tie), found by a Barrett estimate with m = floor(2^32 / q), which is the
// quotient or one less, and one branch-free correction: never a division,
// whose time depends on its operands on many CPUs (KyberSlash).
constexpr std::uint64_t barrett_m = (std::uint64_t{1} << 32) / q;

inline std::int16_t compress(std::int16_t x, int d) noexcept {
    const std::uint32_t num = (static_cast<std::uint32_t>(x) << d) + (q - 1) / 2;
    auto quotient = static_cast<std::uint32_t>((num * barrett_m) >> 32);
    const std::uint32_t rest = num - quotient * q;  // in [0, 2q)
    quotient += (q - 1 - rest) >> 31;               // + 1 when rest >= q
    return static_cast<std::int16_t>(quotient & ((1u << d) - 1));
}

// Decompress_d: round(q y / 2^d), in [0, q); the divisor is a public power of two.
inline std::int16_t decompress(std::int32_t y, int d) noexcept {
    return low16((y * q + (1 << (d - 1))) >> d);
}

// ByteEncode_d (FIPS 203 algorithm 5): 256 values in [0, 2^d), least
// significant bit first, into 32 d bytes. For a d known at compile time,
// groups of g values fill whole bytes (g d bits) and are assembled in one
// 64-bit word; ML-KEM-1024's d = 11 (88-bit groups) takes the bit-by-bit loop.
template <int d>
constexpr int group_of = d % 2 != 0   ? 8
                         : d % 4 != 0 ? 4
                         : d % 8 != 0 ? 2
                                      : 1;

template <int d>
void encode_fixed(const std::int16_t* f, std::uint8_t* out) noexcept {
    constexpr int g = group_of<d>;
    static_assert(g * d <= 64);
    for (int i = 0; i < n; i += g, out += g * d / 8) {
        std::uint64_t acc = 0;
        for (int c = 0; c < g; ++c) {
            acc |= std::uint64_t{static_cast<std::uint16_t>(f[i + c])} << (c * d);
        }
        for (int b = 0; b < g * d / 8; ++b) {
            out[b] = static_cast<std::uint8_t>(acc >> (8 * b));
        }
    }
}

void encode_any(const std::int16_t* f, int d, std::uint8_t* out) noexcept {
    std::uint64_t acc = 0;
    int bits = 0;
    for (int i = 0; i < n; ++i) {
        acc |= std::uint64_t{static_cast<std::uint16_t>(f[i])} << bits;
        bits += d;
        while (bits >= 8) {
            *out++ = static_cast<std::uint8_t>(acc);
            acc >>= 8;
            bits -= 8;
        }
    }
}

// ByteDecode_d (FIPS 203 algorithm 6), without the final reduction mod q; in
// groups as encode_fixed.
template <int d>
void decode_fixed(const std::uint8_t* in, std::int16_t* f) noexcept {
    constexpr int g = group_of<d>;
    static_assert(g * d <= 64);
    constexpr std::uint64_t mask = (std::uint64_t{1} << d) - 1;
    for (int i = 0; i < n; i += g, in += g * d / 8) {
        std::uint64_t acc = 0;
        for (int b = 0; b < g * d / 8; ++b) {
            acc |= std::uint64_t{in[b]} << (8 * b);
        }
        for (int c = 0; c < g; ++c) {
            f[i + c] = static_cast<std::int16_t>(acc >> (c * d) & mask);
        }
    }
}

void decode_any(const std::uint8_t* in, int d, std::int16_t* f) noexcept {
    std::uint64_t acc = 0;
    int bits = 0;
    const std::uint64_t mask = (std::uint64_t{1} << d) - 1;
    for (int i = 0; i < n; ++i) {
        while (bits < d) {
            acc |= std::uint64_t{*in++} << bits;
            bits += 8;
        }
        f[i] = static_cast<std::int16_t>(acc & mask);
        acc >>= d;
        bits -= d;
    }
}

// Calls fixed(std::integral_constant<int, d>{}) for the widths that have a
// grouped form, and other() for the rest.
template <class Fixed, class Other>
void by_width(int d, Fixed fixed, Other other) {
    switch (d) {
        case 1:
            return fixed(std::integral_constant<int, 1>{});
        case 4:
            return fixed(std::integral_constant<int, 4>{});
        case 5:
            return fixed(std::integral_constant<int, 5>{});
        case 10:
            return fixed(std::integral_constant<int, 10>{});
        case 12:
            return fixed(std::integral_constant<int, 12>{});
        default:
            return other();
    }
}

void encode(const std::int16_t* f, int d, std::uint8_t* out) noexcept {
    by_width(
        d, [&](auto w) { encode_fixed<w()>(f, out); }, [&] { encode_any(f, d, out); });
}

void decode(const std::uint8_t* in, int d, std::int16_t* f) noexcept {
    by_width(
        d, [&](auto w) { decode_fixed<w()>(in, f); }, [&] { decode_any(in, d, f); });
}

// ByteDecode_12 with its reduction mod q: a 12-bit value is below 2q.
void decode12(const std::uint8_t* in, poly& f) noexcept {
    decode(in, 12, f.data());
    for (std::int16_t& c : f) {
        c = to_positive(low16(c - q));
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
// stream are fine: it is derived from the public rho. While two free places
// are left, both candidates are written and the count advances past the
// accepted ones, which avoids a hard-to-predict branch per candidate.
bool sample_ntt_from(const std::uint8_t* stream, std::size_t size, poly& out) noexcept {
    int j = 0;
    std::size_t pos = 0;
    for (; pos + 3 <= size && j < n; pos += 3) {
        const auto d1 = static_cast<std::int16_t>(stream[pos] | (stream[pos + 1] & 15) << 8);
        const auto d2 = static_cast<std::int16_t>(stream[pos + 1] >> 4 | stream[pos + 2] << 4);
        if (j + 2 <= n) {
            out[j] = d1;
            j += d1 < q;
            out[j] = d2;  // j < n: at most one was accepted so far
            j += d2 < q;
            continue;
        }
        if (d1 < q) {
            out[j++] = d1;
        } else if (d2 < q) {
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

// Â[i][j] = SampleNTT(rho || j || i) (FIPS 203 algorithm 13, line 4), in [0, q).
using matrix = std::array<std::array<poly, max_k>, max_k>;

void expand_matrix(keccak& h, const std::uint8_t* rho, int k, matrix& a) {
    for (int i = 0; i < k; ++i) {
        for (int j = 0; j < k; ++j) {
            sample_ntt(h, rho, static_cast<std::uint8_t>(j), static_cast<std::uint8_t>(i), a[i][j]);
        }
    }
}

// SamplePolyCBD_eta(PRF_eta(seed, nonce)) (FIPS 203 algorithms 8 and 4.3), in
// [-eta, eta]: each coefficient is x - y, x and y the sums of eta consecutive
// bits. Adding a word's bits at each eta-th position to the next eta - 1 bits
// (masks and shifts) gives every such sum at once, each in its own eta-bit
// field; the fields' places are public, only their values are secret.
void sample_cbd(keccak& h, const std::uint8_t* seed, std::uint8_t nonce, int eta, poly& out) {
    wiped<std::array<std::uint8_t, 64 * 3>> prf;
    const std::size_t size = 64 * static_cast<std::size_t>(eta);
    h.shake256({byte_view(seed, 32), byte_view(&nonce, 1)}, prf.data(), size);
    if (eta == 2) {
        // 8 coefficients from each 32-bit word, in fields of 2 bits: x y x y ...
        for (int w = 0; w < n / 8; ++w) {
            const std::uint8_t* b = prf.data() + 4 * w;
            const std::uint32_t v = std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 |
                                    std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
            const std::uint32_t sums = (v & 0x55555555u) + (v >> 1 & 0x55555555u);
            for (int c = 0; c < 8; ++c) {
                const auto x = static_cast<std::int32_t>(sums >> 4 * c & 3);
                const auto y = static_cast<std::int32_t>(sums >> (4 * c + 2) & 3);
                out[8 * w + c] = low16(x - y);
            }
        }
        return;
    }
    // eta = 3: 4 coefficients from each 24 bits, in fields of 3 bits.
    for (int w = 0; w < n / 4; ++w) {
        const std::uint8_t* b = prf.data() + 3 * w;
        const std::uint32_t v =
            std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16;
        const std::uint32_t sums = (v & 0x249249u) + (v >> 1 & 0x249249u) + (v >> 2 & 0x249249u);
        for (int c = 0; c < 4; ++c) {
            const auto x = static_cast<std::int32_t>(sums >> 6 * c & 7);
            const auto y = static_cast<std::int32_t>(sums >> (6 * c + 3) & 7);
            out[4 * w + c] = low16(x - y);
        }
    }
}

// ---- K-PKE (FIPS 203 section 5) -------------------------------------------------

using vector = wiped<std::array<poly, max_k>>;

// K-PKE.KeyGen (algorithm 13): ek_pke into ek, dk_pke into dk.
void pke_keygen(keccak& h, const params& p, const std::uint8_t* d, std::uint8_t* ek,
                std::uint8_t* dk, matrix& a) {
    wiped<std::array<std::uint8_t, 64>> g;  // rho || sigma
    const std::uint8_t k = static_cast<std::uint8_t>(p.k);
    h.sha3_512({byte_view(d, 32), byte_view(&k, 1)}, g.data());
    const std::uint8_t* rho = g.data();
    const std::uint8_t* sigma = g.data() + 32;
    TLSIO_DECLASSIFY(rho, 32);  // published as the end of ek

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
        wiped<poly> t;
        for (int j = 0; j < p.k; ++j) {
            multiply_add(t, a[i][j], s[j]);
        }
        // t-hat = Â s-hat + e-hat: mont_squared takes the sum's 2^-16 away.
        for (int c = 0; c < n; ++c) {
            t[c] = freeze(low16(mont_mul(t[c], mont_squared) + e[i][c]));
            s[i][c] = to_positive(s[i][c]);
        }
        encode(t.data(), 12, ek + 384 * i);
        encode(s[i].data(), 12, dk + 384 * i);
    }
    std::memcpy(ek + 384 * p.k, rho, 32);
}

// K-PKE.Encrypt (algorithm 14) of the 32-byte message m with randomness r,
// with `a` the matrix expanded from ek's rho.
void pke_encrypt(keccak& h, const params& p, const std::uint8_t* ek, const matrix& a,
                 const std::uint8_t* m, const std::uint8_t* r, std::uint8_t* ct) {
    std::array<poly, max_k> t;
    for (int i = 0; i < p.k; ++i) {
        decode12(ek + 384 * i, t[i]);
    }

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
        for (int j = 0; j < p.k; ++j) {
            multiply_add(u[i], a[j][i], y[j]);
        }
        for (std::int16_t& c : u[i]) {
            c = barrett_reduce(c);
        }
        inverse_ntt(u[i]);
        for (int c = 0; c < n; ++c) {
            u[i][c] = freeze(low16(u[i][c] + e1[i][c]));
        }
    }
    // v = NTT^-1(t^T y) + e2 + Decompress_1(m)
    for (int j = 0; j < p.k; ++j) {
        multiply_add(v, t[j], y[j]);
    }
    for (std::int16_t& c : v) {
        c = barrett_reduce(c);
    }
    inverse_ntt(v);
    for (int i = 0; i < n; ++i) {
        const std::int32_t bit = m[i / 8] >> (i % 8) & 1;
        v[i] = freeze(low16(v[i] + e2[i] + ((0 - bit) & (q + 1) / 2)));
    }

    wiped<poly> c;
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
        for (std::int16_t& c : u[i]) {
            c = decompress(c, p.du);
        }
        ntt(u[i]);
        decode12(dk_pke + 384 * i, s[i]);
    }
    decode(ct + 32 * p.du * p.k, p.dv, v.data());
    for (std::int16_t& c : v) {
        c = decompress(c, p.dv);
    }
    for (int i = 0; i < p.k; ++i) {
        multiply_add(w, s[i], u[i]);
    }
    for (std::int16_t& c : w) {
        c = barrett_reduce(c);
    }
    inverse_ntt(w);
    for (int i = 0; i < n; ++i) {
        w[i] = compress(freeze(low16(v[i] - w[i])), 1);
    }
    encode(w.data(), 1, m);
}

bool modulus_ok(const params& p, const std::uint8_t* ek) noexcept {
    std::uint32_t bad = 0;
    poly t;
    for (int i = 0; i < p.k; ++i) {
        decode(ek + 384 * i, 12, t.data());
        for (std::int16_t c : t) {
            bad |= static_cast<std::uint32_t>(q - 1 - c) >> 31;  // c >= q
        }
    }
    return bad == 0;
}

// An expanded key is dk followed by Â's k^2 entries, each 256 int16_t in the
// machine's byte order: it never leaves the process that made it.
std::size_t matrix_bytes(const params& p) noexcept {
    return sizeof(poly) * static_cast<std::size_t>(p.k * p.k);
}

void store_matrix(const params& p, const matrix& a, std::uint8_t* out) noexcept {
    for (int i = 0; i < p.k; ++i) {
        for (int j = 0; j < p.k; ++j, out += sizeof(poly)) {
            std::memcpy(out, a[i][j].data(), sizeof(poly));
        }
    }
}

void load_matrix(const params& p, const std::uint8_t* in, matrix& a) noexcept {
    for (int i = 0; i < p.k; ++i) {
        for (int j = 0; j < p.k; ++j, in += sizeof(poly)) {
            std::memcpy(a[i][j].data(), in, sizeof(poly));
        }
    }
}

// ML-KEM.Decaps_internal (FIPS 203 algorithm 18) with the matrix of dk's ek,
// after the checks. A ciphertext that does not re-encrypt to itself yields
// J(z || c), chosen without a branch.
bool decapsulate_with(const params& p, byte_view dk, const matrix& a, byte_view ct,
                      mutable_bytes shared) {
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
    pke_encrypt(h, p, ek, a, m.data(), kr.data() + 32, again.data());

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

// ML-KEM.KeyGen_internal (FIPS 203 algorithm 16): dk = dk_pke || ek || H(ek) || z,
// and the matrix into `a`.
bool generate(const params& p, byte_view seed, mutable_bytes ek, std::uint8_t* dk, matrix& a) {
    keccak h;
    pke_keygen(h, p, seed.data(), ek.data(), dk, a);
    const std::size_t ek_at = 384 * static_cast<std::size_t>(p.k);
    std::memcpy(dk + ek_at, ek.data(), ek.size());
    h.sha3_256({ek}, dk + ek_at + ek.size());
    std::memcpy(dk + ek_at + ek.size() + 32, seed.data() + 32, 32);
    if (!h.ok()) {
        OPENSSL_cleanse(dk, dk_size(p));
        return false;
    }
    return true;
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
    matrix a;
    return generate(p, seed, ek, dk.data(), a);
}

std::size_t expanded_key_size(parameter_set ps) noexcept {
    const params& p = params_of(ps);
    return dk_size(p) + matrix_bytes(p);
}

bool generate_expanded(parameter_set ps, byte_view seed, mutable_bytes ek, mutable_bytes expanded) {
    const params& p = params_of(ps);
    if (seed.size() != seed_size || ek.size() != ek_size(p) ||
        expanded.size() != expanded_key_size(ps)) {
        return false;
    }
    matrix a;
    if (!generate(p, seed, ek, expanded.data(), a)) {
        return false;
    }
    store_matrix(p, a, expanded.data() + dk_size(p));
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
    matrix a;
    expand_matrix(h, ek.data() + 384 * p.k, p.k, a);
    pke_encrypt(h, p, ek.data(), a, m.data(), kr.data() + 32, ct.data());
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
    keccak h;
    matrix a;
    expand_matrix(h, dk.data() + 768 * p.k, p.k, a);  // rho: the end of the embedded ek
    return h.ok() && decapsulate_with(p, dk, a, ct, shared);
}

bool decapsulate_expanded(parameter_set ps, byte_view expanded, byte_view ct,
                          mutable_bytes shared) {
    const params& p = params_of(ps);
    if (ct.size() != ct_size(p) || shared.size() != shared_secret_size ||
        expanded.size() != expanded_key_size(ps)) {
        return false;
    }
    matrix a;
    load_matrix(p, expanded.data() + dk_size(p), a);
    return decapsulate_with(p, expanded.first(dk_size(p)), a, ct, shared);
}

}  // namespace tlsio::crypto::mlkem
