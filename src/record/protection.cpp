#include "record/protection.hpp"

#include "crypto/hash.hpp"

namespace tlsio::record {

void write_header(std::uint8_t* out, wire::content_type type, std::size_t length,
                  std::uint16_t version) noexcept {
    out[0] = static_cast<std::uint8_t>(type);
    wire::store_u16(out + 1, version);
    wire::store_u16(out + 3, static_cast<std::uint16_t>(length));
}

bool protection::install(crypto::aead_algorithm aead, byte_view key, byte_view iv) {
    if (iv.size() != iv_.size()) {
        return false;
    }
    std::copy(iv.begin(), iv.end(), iv_.begin());
    sequence_ = 0;
    return aead_.init(aead, key);
}

void protection::nonce(std::uint8_t* out) const noexcept {
    // The 64-bit sequence number, left-padded to the IV size, XORed with the IV.
    std::copy(iv_.begin(), iv_.end(), out);
    for (std::size_t i = 0; i < 8; ++i) {
        out[iv_.size() - 1 - i] ^= static_cast<std::uint8_t>(sequence_ >> (8 * i));
    }
}

std::size_t protection::seal(std::uint8_t* record, std::size_t content_size,
                             wire::content_type type) {
    const byte_view content(record + header_size, content_size);
    return seal(record, std::span<const byte_view>(&content, 1), type);
}

std::size_t protection::seal(std::uint8_t* record, std::span<const byte_view> content,
                             wire::content_type type) {
    // TLSInnerPlaintext: the content, then the real type (no padding).
    if (content.size() > max_seal_parts) {
        return 0;
    }
    std::array<byte_view, max_seal_parts + 1> parts;
    std::size_t content_size = 0;
    for (std::size_t i = 0; i < content.size(); ++i) {
        parts[i] = content[i];
        content_size += content[i].size();
    }
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

error protection::open(const std::uint8_t* header, mutable_bytes payload, wire::content_type& type,
                       std::size_t& content_size) {
    return open(header, byte_view(payload.data(), payload.size()), payload.data(), type,
                content_size);
}

error protection::open(const std::uint8_t* header, byte_view payload, std::uint8_t* out,
                       wire::content_type& type, std::size_t& content_size) {
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

}  // namespace tlsio::record
