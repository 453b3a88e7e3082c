// Runs ML-KEM key generation, encapsulation and decapsulation with every
// secret input marked undefined for valgrind's memcheck (client requests), so
// that memcheck reports any branch or memory index that depends on a secret.
// Run under `valgrind --error-exitcode=...` (test/ct/CMakeLists.txt).
//
// mlkem.cpp is compiled into this program with TLSIO_MLKEM_VALGRIND, which
// declassifies rho (published in the encapsulation key) where it is derived.
// The secrets pass through libcrypto's SHA3 / SHAKE (Keccak, whose time does
// not depend on the data) with no declassification: memcheck checks those
// calls too.
//
// With --self-check the program also branches on a secret on purpose, to show
// that the harness reports such a branch (a ctest case expects it to fail).
#include "crypto/mlkem.hpp"

#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>
#include <vector>

using namespace tlsio;
namespace mlkem = tlsio::crypto::mlkem;

namespace {

void secret(void* p, std::size_t n) {
    VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}
void public_(void* p, std::size_t n) {
    VALGRIND_MAKE_MEM_DEFINED(p, n);
}

bool run(mlkem::parameter_set p, const char* name) {
    const mlkem::sizes s = mlkem::sizes_of(p);
    const std::size_t ek_at = s.decapsulation_key - 96 - (s.encapsulation_key - 32);
    bytes seed(mlkem::seed_size);
    for (std::size_t i = 0; i < seed.size(); ++i) {
        seed[i] = static_cast<std::uint8_t>(0x31 * i + 7);
    }
    bytes ek(s.encapsulation_key), dk(s.decapsulation_key);

    // Key generation: d and z are secret; ek is published.
    secret(seed.data(), seed.size());
    if (!mlkem::generate_from_seed(p, seed, ek, dk)) {
        std::printf("%s: keygen failed\n", name);
        return false;
    }
    public_(ek.data(), ek.size());

    // Encapsulation: m is secret; the ciphertext is published.
    bytes m(mlkem::message_size, 0xa5);
    secret(m.data(), m.size());
    bytes ct(s.ciphertext), shared(32);
    if (!mlkem::encapsulate(p, ek, m, ct, shared)) {
        std::printf("%s: encaps failed\n", name);
        return false;
    }
    public_(ct.data(), ct.size());

    // Decapsulation: dk_pke (s-hat) and z are secret; the embedded ek and its
    // hash are public. Both the accepting and the implicit-rejection path.
    public_(dk.data(), dk.size());
    secret(dk.data(), ek_at);
    secret(dk.data() + dk.size() - 32, 32);
    bytes decapsulated(32), rejected(32);
    bytes modified = ct;
    modified[3] ^= 0x10;
    if (!mlkem::decapsulate(p, dk, ct, decapsulated) ||
        !mlkem::decapsulate(p, dk, modified, rejected)) {
        std::printf("%s: decaps failed\n", name);
        return false;
    }

    // The expanded key of a handshake's client: the same seed, so the same
    // results. Its dk part and z are secret, the matrix public (from rho).
    bytes ek2(s.encapsulation_key), expanded(mlkem::expanded_key_size(p));
    secret(seed.data(), seed.size());
    bytes decapsulated2(32), rejected2(32);
    if (!mlkem::generate_expanded(p, seed, ek2, expanded) ||
        !mlkem::decapsulate_expanded(p, expanded, ct, decapsulated2) ||
        !mlkem::decapsulate_expanded(p, expanded, modified, rejected2)) {
        std::printf("%s: expanded key failed\n", name);
        return false;
    }

    // Only now are the results looked at.
    public_(shared.data(), 32);
    public_(decapsulated.data(), 32);
    public_(rejected.data(), 32);
    public_(decapsulated2.data(), 32);
    public_(rejected2.data(), 32);
    const bool ok = shared == decapsulated && shared != rejected && decapsulated2 == decapsulated &&
                    rejected2 == rejected;
    std::printf("%s: %s\n", name, ok ? "ok" : "shared secrets differ");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    bool ok = run(mlkem::parameter_set::ml_kem_512, "ML-KEM-512") &&
              run(mlkem::parameter_set::ml_kem_768, "ML-KEM-768") &&
              run(mlkem::parameter_set::ml_kem_1024, "ML-KEM-1024");
    if (argc > 1 && std::strcmp(argv[1], "--self-check") == 0) {
        volatile unsigned char leak[1] = {1};
        secret(const_cast<unsigned char*>(leak), 1);
        if (leak[0] == 1) {  // a secret-dependent branch: memcheck must report it
            std::printf("self-check branch taken\n");
        }
    }
    return ok ? 0 : 2;
}
