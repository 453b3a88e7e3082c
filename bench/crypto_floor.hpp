// bench/crypto_floor.hpp: what the libcrypto primitives of one full TLS 1.3
// handshake (x25519, ECDSA P-256, SHA-256 transcript, HKDF, AES-128-GCM) cost
// when nothing avoidable is done: algorithms fetched once, keys already
// decoded, contexts reused. A handshake can approach this, not beat it.
#ifndef TLSIO_BENCH_CRYPTO_FLOOR_HPP
#define TLSIO_BENCH_CRYPTO_FLOOR_HPP

#include "pki.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bench {

/// CPU microseconds per operation, and how many of each one handshake needs
/// (both ends together).
struct floor_part {
    std::string name;
    double us = 0;  ///< per operation
    int per_handshake = 0;
};

struct floor_breakdown {
    std::vector<floor_part> parts;
    double total_us() const {
        double t = 0;
        for (const auto& p : parts) {
            t += p.us * p.per_handshake;
        }
        return t;
    }
};

class crypto_floor {
public:
    /// `cred` is the ECDSA P-256 credential the handshake metric uses.
    explicit crypto_floor(const credential& cred);
    ~crypto_floor();
    crypto_floor(const crypto_floor&) = delete;
    crypto_floor& operator=(const crypto_floor&) = delete;

    /// Times each primitive over `iterations` repetitions.
    floor_breakdown measure(int iterations);

    /// CPU microseconds to seal one TLS 1.3 AES-128-GCM record of `plaintext`
    /// bytes and open it again (keys set up once): what a TLS byte stream
    /// must add to plain TCP, record by record. `tls12`: a TLS 1.2 record
    /// instead (13-byte additional data, no inner content type).
    double aead_record_us(std::size_t plaintext, int iterations, bool tls12 = false);

private:
    struct state;
    std::unique_ptr<state> s_;
};

}  // namespace bench

#endif
