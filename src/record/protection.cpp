#include "record/protection.hpp"

#include "crypto/hash.hpp"

#include <cstring>
#include <limits>

namespace tlsio::record {

void write_header(std::uint8_t* out, wire::content_type type, std::size_t length,
                  std::uint16_t version) noexcept {
    out[0] = static_cast<std::uint8_t>(type);
    wire::store_u16(out + 1, version);
    wire::store_u16(out + 3, static_cast<std::uint16_t>(length));
}

namespace {

constexpr std::size_t tls12_salt_size = 4;
constexpr std::size_t tls12_additional_data_size = 13;
/// A sequence number may not wrap (RFC 8446 section 5.3, RFC 5246 section
/// 6.1): the last one is never used.
constexpr std::uint64_t last_sequence = std::numeric_limits<std::uint64_t>::max();

}  // namespace

bool protection::install(protocol version, crypto::aead_algorithm aead, byte_view key,
                         byte_view iv) {
    const bool salt_only =
        version == protocol::tls12 && (aead == crypto::aead_algorithm::aes_128_gcm ||
                                       aead == crypto::aead_algorithm::aes_256_gcm);
    // TLS 1.2 has no AEAD suite with AES-CCM's 16-byte tag in tlsio's list.
    if (version == protocol::tls12 && aead == crypto::aead_algorithm::aes_128_ccm) {
        return false;
    }
    if (iv.size() != (salt_only ? tls12_salt_size : iv_.size())) {
        return false;
    }
    iv_.fill(0);
    std::copy(iv.begin(), iv.end(), iv_.begin());
    sequence_ = 0;
    version_ = version;
    return aead_.init(aead, key);
}

std::size_t protection::overhead() const noexcept {
    if (version_ == protocol::tls13) {
        return seal_overhead;
    }
    return (explicit_nonce() ? explicit_nonce_size : 0) + crypto::aead_tag_size;
}

void protection::nonce(std::uint8_t* out) const noexcept {
    std::copy(iv_.begin(), iv_.end(), out);
    if (explicit_nonce()) {
        // RFC 5288: the salt, then the explicit part, which is ours to choose.
        wire::store_u64(out + tls12_salt_size, sequence_);
        return;
    }
    // The 64-bit sequence number, left-padded to the IV size, XORed with the IV.
    for (std::size_t i = 0; i < 8; ++i) {
        out[iv_.size() - 1 - i] ^= static_cast<std::uint8_t>(sequence_ >> (8 * i));
    }
}

void protection::additional_data(std::uint8_t* out, wire::content_type type,
                                 std::size_t length) const noexcept {
    wire::store_u64(out, sequence_);
    out[8] = static_cast<std::uint8_t>(type);
    wire::store_u16(out + 9, wire::tls12_version);
    wire::store_u16(out + 11, static_cast<std::uint16_t>(length));
}

std::size_t protection::seal(std::uint8_t* record, std::size_t content_size,
                             wire::content_type type) {
    std::uint8_t* content = record + header_size;
    if (explicit_nonce()) {
        // The ciphertext follows the explicit nonce, and sealing may not
        // write ahead of its input into bytes it has yet to read.
        std::memmove(content + explicit_nonce_size, content, content_size);
        content += explicit_nonce_size;
    }
    const byte_view view(content, content_size);
    return seal(record, std::span<const byte_view>(&view, 1), type);
}

std::size_t protection::seal(std::uint8_t* record, std::span<const byte_view> content,
                             wire::content_type type) {
    if (content.size() > max_seal_parts || sequence_ == last_sequence) {
        return 0;
    }
    std::size_t content_size = 0;
    for (byte_view part : content) {
        content_size += part.size();
    }
    if (version_ == protocol::tls12) {
        return seal12(record, content, content_size, type);
    }
    // TLSInnerPlaintext: the content, then the real type (no padding).
    std::array<byte_view, max_seal_parts + 1> parts;
    std::copy(content.begin(), content.end(), parts.begin());
    const auto type_byte = static_cast<std::uint8_t>(type);
    parts[content.size()] = byte_view(&type_byte, 1);
    const std::size_t inner_size = content_size + 1;
    const std::size_t length = inner_size + crypto::aead_tag_size;
    write_header(record, wire::content_type::application_data, length);

    std::uint8_t n[crypto::aead_nonce_size];
    nonce(n);
    std::uint8_t* out = record + header_size;
    if (!aead_.seal(byte_view(n, sizeof n), byte_view(record, header_size),
                    std::span<const byte_view>(parts.data(), content.size() + 1), out,
                    mutable_bytes(out + inner_size, crypto::aead_tag_size))) {
        return 0;
    }
    ++sequence_;
    return header_size + length;
}

std::size_t protection::seal12(std::uint8_t* record, std::span<const byte_view> content,
                               std::size_t content_size, wire::content_type type) {
    const std::size_t length = content_size + overhead();
    write_header(record, type, length);
    std::uint8_t ad[tls12_additional_data_size];
    additional_data(ad, type, content_size);
    std::uint8_t n[crypto::aead_nonce_size];
    nonce(n);
    std::uint8_t* out = record + header_size;
    if (explicit_nonce()) {
        std::memcpy(out, n + tls12_salt_size, explicit_nonce_size);
        out += explicit_nonce_size;
    }
    if (!aead_.seal(byte_view(n, sizeof n), byte_view(ad, sizeof ad), content, out,
                    mutable_bytes(out + content_size, crypto::aead_tag_size))) {
        return 0;
    }
    ++sequence_;
    return header_size + length;
}

error protection::open(const std::uint8_t* header, mutable_bytes payload, wire::content_type& type,
                       std::size_t& content_size) {
    return open(header, byte_view(payload.data(), payload.size()), payload.data(), type,
                content_size);
}

error protection::open(const std::uint8_t* header, byte_view payload, std::uint8_t* out,
                       wire::content_type& type, std::size_t& content_size) {
    if (sequence_ == last_sequence) {
        return error::bad_record_mac;
    }
    if (version_ == protocol::tls12) {
        return open12(header, payload, out, type, content_size);
    }
    if (payload.size() < crypto::aead_tag_size + 1) {
        return error::bad_record_mac;
    }
    std::size_t inner_size = plaintext_size(payload.size());
    std::uint8_t n[crypto::aead_nonce_size];
    nonce(n);
    if (!aead_.open(byte_view(n, sizeof n), byte_view(header, header_size),
                    payload.first(inner_size), out, payload.subspan(inner_size))) {
        return error::bad_record_mac;
    }
    ++sequence_;
    // TLSInnerPlaintext: content, the type, then zero padding (section 5.4).
    if (inner_size > max_plaintext + 1) {
        return error::record_overflow;
    }
    std::size_t i = inner_size;
    while (i > 0 && out[i - 1] == 0) {
        --i;
    }
    if (i == 0) {
        return error::unexpected_message;
    }
    type = static_cast<wire::content_type>(out[i - 1]);
    content_size = i - 1;
    if (content_size > max_plaintext) {
        return error::record_overflow;
    }
    return error{};
}

error protection::open12(const std::uint8_t* header, byte_view payload, std::uint8_t* out,
                         wire::content_type& type, std::size_t& content_size) {
    if (payload.size() < overhead()) {
        return error::bad_record_mac;
    }
    type = static_cast<wire::content_type>(header[0]);
    const std::size_t size = payload.size() - overhead();
    std::uint8_t n[crypto::aead_nonce_size];
    nonce(n);
    std::uint8_t* decrypt_to = out;
    if (explicit_nonce()) {
        // The peer chose the explicit part; it is authenticated through the nonce.
        std::memcpy(n + tls12_salt_size, payload.data(), explicit_nonce_size);
        payload = payload.subspan(explicit_nonce_size);
        if (out == payload.data() - explicit_nonce_size) {
            // In place: decrypt where the ciphertext is (opening may not write
            // behind its input), then move the content to the front.
            decrypt_to = out + explicit_nonce_size;
        }
    }
    std::uint8_t ad[tls12_additional_data_size];
    additional_data(ad, type, size);
    if (!aead_.open(byte_view(n, sizeof n), byte_view(ad, sizeof ad), payload.first(size),
                    decrypt_to, payload.subspan(size))) {
        return error::bad_record_mac;
    }
    ++sequence_;
    if (decrypt_to != out) {
        std::memmove(out, decrypt_to, size);
    }
    content_size = size;
    if (content_size > max_plaintext) {
        return error::record_overflow;
    }
    return error{};
}

}  // namespace tlsio::record
