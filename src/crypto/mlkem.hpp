// ML-KEM (FIPS 203): the module-lattice KEM behind the post-quantum hybrid
// key-exchange groups. SHA3 and SHAKE come from libcrypto; the polynomial
// arithmetic is here, written to run in time independent of secret data (no
// secret-dependent branch, memory index or division).
#ifndef TLSIO_SRC_CRYPTO_MLKEM_HPP
#define TLSIO_SRC_CRYPTO_MLKEM_HPP

#include "crypto/types.hpp"

namespace tlsio::crypto::mlkem {

/// The three parameter sets of FIPS 203 section 8.
enum class parameter_set { ml_kem_512, ml_kem_768, ml_kem_1024 };

/// Encoded sizes for one parameter set, in bytes.
struct sizes {
    std::size_t encapsulation_key;  ///< 384k + 32
    std::size_t decapsulation_key;  ///< 768k + 96
    std::size_t ciphertext;         ///< 32 (du k + dv)
};

/// The sizes of `p`'s keys and ciphertext.
sizes sizes_of(parameter_set p) noexcept;

inline constexpr std::size_t seed_size = 64;           ///< d || z
inline constexpr std::size_t message_size = 32;        ///< the encapsulation randomness m
inline constexpr std::size_t shared_secret_size = 32;  ///< K

/// ML-KEM.KeyGen_internal(d, z) with `seed` = d || z (FIPS 203 algorithm 16).
/// `ek` and `dk` must have the sizes of `p`. Returns false when a size is wrong.
bool generate_from_seed(parameter_set p, byte_view seed, mutable_bytes ek, mutable_bytes dk);

/// The size of an expanded decapsulation key of `p`: dk followed by the matrix
/// Â that encapsulation and decapsulation derive from ek's rho (27 SHAKE128
/// blocks for ML-KEM-768), kept so that decapsulation need not derive it
/// again. It is an in-memory form for keys this process generated, never to
/// be sent or stored.
std::size_t expanded_key_size(parameter_set p) noexcept;

/// generate_from_seed, writing the expanded decapsulation key (of
/// expanded_key_size(p) bytes) instead of dk. Returns false when a size is wrong.
bool generate_expanded(parameter_set p, byte_view seed, mutable_bytes ek, mutable_bytes expanded);

/// The encapsulation-key check of FIPS 203 section 7.2: the right length, and
/// every coefficient of t-hat below q (the modulus check).
bool check_encapsulation_key(parameter_set p, byte_view ek) noexcept;

/// The decapsulation-key check of FIPS 203 section 7.3: the right length, and
/// the hash of the embedded encapsulation key equal to the one stored with it.
bool check_decapsulation_key(parameter_set p, byte_view dk) noexcept;

/// ML-KEM.Encaps_internal(ek, m) (FIPS 203 algorithm 17) after the checks of
/// check_encapsulation_key. `m` is the 32 random bytes (fixed in tests);
/// `ct` and `shared` must have the sizes of `p` and 32. Returns false when `ek`
/// fails its checks or a size is wrong; then nothing is written.
bool encapsulate(parameter_set p, byte_view ek, byte_view m, mutable_bytes ct,
                 mutable_bytes shared);

/// ML-KEM.Decaps (FIPS 203 algorithm 18) after the checks of
/// check_decapsulation_key and of the ciphertext's length. A ciphertext that
/// does not re-encrypt to itself yields the implicit-rejection secret J(z || c),
/// chosen without a branch. Returns false only for a failed check.
bool decapsulate(parameter_set p, byte_view dk, byte_view ct, mutable_bytes shared);

/// decapsulate with a key from generate_expanded: the same result, without
/// deriving Â again and without check_decapsulation_key's hash check, which
/// guards against a dk altered or made elsewhere: this one was made by
/// generate_expanded in this process and has not left it. Returns false only
/// for a wrong size (or libcrypto failing).
bool decapsulate_expanded(parameter_set p, byte_view expanded, byte_view ct, mutable_bytes shared);

}  // namespace tlsio::crypto::mlkem

#endif
