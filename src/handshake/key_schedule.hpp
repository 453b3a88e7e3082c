// The TLS 1.3 key schedule (RFC 8446 section 7.1) and cipher suite table.
#ifndef TLSIO_SRC_HANDSHAKE_KEY_SCHEDULE_HPP
#define TLSIO_SRC_HANDSHAKE_KEY_SCHEDULE_HPP

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/types.hpp"

#include <array>
#include <string_view>

namespace tlsio::handshake {

/// What a cipher suite code point means.
struct suite_info {
    std::uint16_t id;
    crypto::aead_algorithm aead;
    crypto::hash_algorithm hash;
};

/// The suite's description, or nullptr for a suite tlsio does not implement.
const suite_info* find_suite(std::uint16_t id) noexcept;

/// Bytes a secret holds at most: a hash output, or a TLS 1.2 premaster
/// secret (an ECDHE shared secret, 66 bytes for secp521r1).
inline constexpr std::size_t max_secret_size = 66;

/// A secret of up to max_secret_size bytes that wipes itself when it goes away.
class secret {
public:
    secret() = default;
    explicit secret(byte_view b) noexcept;
    secret(const secret& other) noexcept = default;
    secret& operator=(const secret& other) noexcept = default;
    ~secret();

    std::uint8_t* data() noexcept { return bytes_.data(); }
    const std::uint8_t* data() const noexcept { return bytes_.data(); }
    std::size_t size() const noexcept { return size_; }
    void resize(std::size_t n) noexcept { size_ = n; }
    byte_view view() const noexcept { return {bytes_.data(), size_}; }
    mutable_bytes span() noexcept { return {bytes_.data(), size_}; }

private:
    std::array<std::uint8_t, max_secret_size> bytes_{};
    std::size_t size_ = 0;
};

/// HKDF-Expand-Label(secret, label, context, out.size()) with the "tls13 " prefix.
void expand_label(crypto::hash_algorithm h, byte_view secret, std::string_view label,
                  byte_view context, mutable_bytes out);

/// Traffic keys derived from a traffic secret (section 7.3).
struct traffic_keys {
    std::array<std::uint8_t, crypto::aead_max_key_size> key{};
    std::size_t key_size = 0;
    std::array<std::uint8_t, crypto::aead_nonce_size> iv{};
    ~traffic_keys();
    byte_view key_view() const noexcept { return {key.data(), key_size}; }
    byte_view iv_view() const noexcept { return {iv.data(), iv.size()}; }
};

traffic_keys derive_traffic_keys(const suite_info& suite, const secret& traffic_secret);

/// application_traffic_secret_N+1 from _N (section 7.2).
secret next_traffic_secret(crypto::hash_algorithm h, const secret& current);

/// finished_key and the Finished verify_data over a transcript hash (section 4.4.4).
secret finished_verify_data(crypto::hash_algorithm h, const secret& base_key,
                            byte_view transcript_hash);

// The stages of the key schedule (RFC 8446 section 7.1) are types: each one
// derives only the secrets of its stage and is consumed (an rvalue call) to
// make the next, wiping its own secret, so no secret can be derived in the
// wrong stage or from a stage that is over.
//
//   early_secret --(EC)DHE--> handshake_secret --> master_secret

/// Secrets of one stage: the hash, and the stage's secret, wiped with it.
class key_stage {
public:
    crypto::hash_algorithm hash() const noexcept { return hash_; }

protected:
    key_stage(crypto::hash_algorithm h, const secret& s) noexcept : hash_(h), current_(s) {}
    key_stage(key_stage&& other) noexcept;
    key_stage& operator=(key_stage&& other) noexcept;
    ~key_stage() = default;
    /// Derive-Secret(current, label, transcript_hash).
    secret derive(std::string_view label, byte_view transcript_hash) const;
    /// HKDF-Extract(Derive-Secret(current, "derived", ""), ikm); wipes current.
    secret next(byte_view ikm);

    crypto::hash_algorithm hash_;
    secret current_;
};

class master_secret;

/// Handshake Secret: the handshake traffic secrets.
class handshake_secret : public key_stage {
public:
    /// [sender]_handshake_traffic_secret for the transcript through ServerHello.
    secret client_handshake_traffic(byte_view transcript_hash) const;
    secret server_handshake_traffic(byte_view transcript_hash) const;
    /// Master Secret; this stage is over.
    master_secret into_master() &&;

private:
    friend class early_secret;
    handshake_secret(crypto::hash_algorithm h, const secret& s) noexcept : key_stage(h, s) {}
};

/// Early Secret: HKDF-Extract(0, PSK), with a string of zeros when there is no PSK.
class early_secret : public key_stage {
public:
    static early_secret without_psk(crypto::hash_algorithm h);
    static early_secret with_psk(crypto::hash_algorithm h, byte_view psk);
    /// binder_key: "res binder" for a resumption PSK, "ext binder" for an external one.
    secret binder_key(bool resumption) const;
    secret client_early_traffic(byte_view transcript_hash) const;
    secret early_exporter_master(byte_view transcript_hash) const;
    /// Handshake Secret from the (EC)DHE shared secret; this stage is over.
    handshake_secret into_handshake(byte_view shared_secret) &&;

private:
    early_secret(crypto::hash_algorithm h, const secret& s) noexcept : key_stage(h, s) {}
};

/// Master Secret: the application traffic, exporter and resumption secrets.
class master_secret : public key_stage {
public:
    /// [sender]_application_traffic_secret_0 for the transcript through server Finished.
    secret client_application_traffic(byte_view transcript_hash) const;
    secret server_application_traffic(byte_view transcript_hash) const;
    secret exporter_master(byte_view transcript_hash) const;
    /// For the transcript through client Finished.
    secret resumption_master(byte_view transcript_hash) const;

private:
    friend class handshake_secret;
    master_secret(crypto::hash_algorithm h, const secret& s) noexcept : key_stage(h, s) {}
};

}  // namespace tlsio::handshake

#endif
