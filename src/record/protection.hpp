// Record protection for one direction of one epoch: TLS 1.3's (RFC 8446
// sections 5.2-5.3) and TLS 1.2's AEAD protection (RFC 5246 section 6.2.3.3,
// with the nonces of RFC 5288 for AES-GCM and RFC 7905 for ChaCha20-Poly1305).
#ifndef TLSIO_SRC_RECORD_PROTECTION_HPP
#define TLSIO_SRC_RECORD_PROTECTION_HPP

#include "crypto/aead.hpp"
#include "crypto/types.hpp"
#include "wire/messages.hpp"

#include <array>

namespace tlsio::record {

inline constexpr std::size_t header_size = 5;
inline constexpr std::size_t max_plaintext = 16384;
/// Largest TLSCiphertext.length a peer may send (2^14 + 256).
inline constexpr std::size_t max_ciphertext = max_plaintext + 256;
inline constexpr std::size_t max_record = header_size + max_ciphertext;
/// What TLS 1.3 sealing adds to the content: the inner content type and the tag.
inline constexpr std::size_t seal_overhead = 1 + crypto::aead_tag_size;
/// TLS 1.2 AES-GCM's explicit nonce, sent before the ciphertext (RFC 5288).
inline constexpr std::size_t explicit_nonce_size = 8;
/// The most any protection adds (TLS 1.2 AES-GCM: explicit nonce and tag).
inline constexpr std::size_t max_seal_overhead = explicit_nonce_size + crypto::aead_tag_size;

/// Whose record protection an epoch uses.
enum class protocol { tls12, tls13 };
/// Buffers one record can be sealed from (a gathering write takes no more).
inline constexpr std::size_t max_seal_parts = 16;

/// Writes a record header. `version` is the legacy_record_version: 0x0303,
/// except 0x0301 for an initial ClientHello (RFC 8446 section 5.1).
void write_header(std::uint8_t* out, wire::content_type type, std::size_t length,
                  std::uint16_t version = wire::tls12_version) noexcept;

/// The AEAD, static IV and sequence number of one direction.
///
/// TLS 1.3 hides the content type inside the encryption and sends every
/// record as application_data. TLS 1.2 sends the real type in the clear and
/// authenticates it, with the sequence number, in the additional data; AES-GCM
/// then takes 4 bytes of its nonce from the key block and 8 from the record
/// (tlsio sends the sequence number there, so nonces never repeat), and
/// ChaCha20-Poly1305 forms its nonce as TLS 1.3 does.
class protection {
public:
    /// Installs the traffic keys of a new epoch and resets the sequence number.
    /// `iv` is 12 bytes, except 4 (the implicit salt) for TLS 1.2 AES-GCM.
    /// False for a wrong key or IV size, or an AEAD TLS 1.2 has no suite for.
    bool install(protocol version, crypto::aead_algorithm aead, byte_view key, byte_view iv);
    bool install(crypto::aead_algorithm aead, byte_view key, byte_view iv) {
        return install(protocol::tls13, aead, key, iv);
    }
    bool active() const noexcept { return aead_.keyed(); }
    protocol version() const noexcept { return version_; }
    std::uint64_t sequence() const noexcept { return sequence_; }
    /// What sealing adds to the content: 17 bytes for TLS 1.3, 24 for TLS 1.2
    /// AES-GCM, 16 for TLS 1.2 ChaCha20-Poly1305.
    std::size_t overhead() const noexcept;

    /// Seals a record in place. `record` points at space for the header, then
    /// `content_size` bytes of content already in place at record + 5, then room
    /// for overhead() more bytes. Returns the whole record's size, or 0 on
    /// failure (libcrypto failed, or the sequence number is exhausted).
    std::size_t seal(std::uint8_t* record, std::size_t content_size, wire::content_type type);

    /// Seals the concatenation of `content` (at most max_seal_parts of the
    /// caller's buffers, max_plaintext bytes in all) into a record at `record`,
    /// which has room for the header, the content and overhead(). The content
    /// must not overlap the record. Returns the record's size, or 0.
    std::size_t seal(std::uint8_t* record, std::span<const byte_view> content,
                     wire::content_type type);

    /// Opens the payload of a protected record in place. On success `type` is the
    /// content type (TLS 1.3: the inner one) and the content is the first
    /// `content_size` bytes of `payload` (padding removed).
    /// Errors: bad_record_mac, record_overflow, unexpected_message (all padding).
    error open(const std::uint8_t* header, mutable_bytes payload, wire::content_type& type,
               std::size_t& content_size);

    /// Opens `payload` into `out`, which holds plaintext_size(payload.size())
    /// bytes (or is payload.data(): in place): the content is then at `out`.
    /// Same errors as the in-place open.
    error open(const std::uint8_t* header, byte_view payload, std::uint8_t* out,
               wire::content_type& type, std::size_t& content_size);

    /// Bytes an open of `payload_size` bytes writes (content, and for TLS 1.3
    /// the type and padding).
    std::size_t plaintext_size(std::size_t payload_size) const noexcept {
        const std::size_t cut = version_ == protocol::tls13 ? crypto::aead_tag_size : overhead();
        return payload_size > cut ? payload_size - cut : 0;
    }

private:
    void nonce(std::uint8_t* out) const noexcept;
    /// TLS 1.2's additional data: sequence number, type, version, content length.
    void additional_data(std::uint8_t* out, wire::content_type type,
                         std::size_t length) const noexcept;
    bool explicit_nonce() const noexcept {
        return version_ == protocol::tls12 &&
               aead_.algorithm() != crypto::aead_algorithm::chacha20_poly1305;
    }
    std::size_t seal12(std::uint8_t* record, std::span<const byte_view> content,
                       std::size_t content_size, wire::content_type type);
    error open12(const std::uint8_t* header, byte_view payload, std::uint8_t* out,
                 wire::content_type& type, std::size_t& content_size);

    crypto::aead_context aead_;
    std::array<std::uint8_t, crypto::aead_nonce_size> iv_{};
    std::uint64_t sequence_ = 0;
    protocol version_ = protocol::tls13;
};

}  // namespace tlsio::record

#endif
