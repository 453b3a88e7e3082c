// Record protection for one direction of one epoch (RFC 8446 section 5.2-5.3).
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
/// What sealing adds to the content: the inner content type and the tag.
inline constexpr std::size_t seal_overhead = 1 + crypto::aead_tag_size;
/// Buffers one record can be sealed from (a gathering write takes no more).
inline constexpr std::size_t max_seal_parts = 16;

/// Writes a record header. `version` is the legacy_record_version: 0x0303,
/// except 0x0301 for an initial ClientHello (RFC 8446 section 5.1).
void write_header(std::uint8_t* out, wire::content_type type, std::size_t length,
                  std::uint16_t version = wire::tls12_version) noexcept;

/// The AEAD, static IV and sequence number of one direction.
class protection {
public:
    /// Installs the traffic keys of a new epoch and resets the sequence number.
    bool install(crypto::aead_algorithm aead, byte_view key, byte_view iv);
    bool active() const noexcept { return aead_.keyed(); }
    std::uint64_t sequence() const noexcept { return sequence_; }

    /// Seals a record in place. `record` points at space for the header, then
    /// `content_size` bytes of content already in place at record + 5, then room
    /// for seal_overhead more bytes. Returns the whole record's size, or 0 on failure.
    std::size_t seal(std::uint8_t* record, std::size_t content_size, wire::content_type type);

    /// Seals the concatenation of `content` (at most max_seal_parts of the
    /// caller's buffers, max_plaintext bytes in all) into a record at `record`, which has room for
    /// the header, the content and seal_overhead. Returns the record's size, or 0.
    std::size_t seal(std::uint8_t* record, std::span<const byte_view> content,
                     wire::content_type type);

    /// Opens the payload of a protected record in place. On success `type` is the
    /// inner content type and `content_size` the content length (padding removed).
    /// Errors: bad_record_mac, record_overflow, unexpected_message (all padding).
    error open(const std::uint8_t* header, mutable_bytes payload, wire::content_type& type,
               std::size_t& content_size);

    /// Opens `payload` into `out`, which holds plaintext_size(payload) bytes:
    /// the content is then at `out`. Same errors as the in-place open.
    error open(const std::uint8_t* header, byte_view payload, std::uint8_t* out,
               wire::content_type& type, std::size_t& content_size);

    /// Bytes an open of `payload_size` bytes writes (content, type and padding).
    static std::size_t plaintext_size(std::size_t payload_size) noexcept {
        return payload_size > crypto::aead_tag_size ? payload_size - crypto::aead_tag_size : 0;
    }

private:
    void nonce(std::uint8_t* out) const noexcept;

    crypto::aead_context aead_;
    std::array<std::uint8_t, crypto::aead_nonce_size> iv_{};
    std::uint64_t sequence_ = 0;
};

}  // namespace tlsio::record

#endif
