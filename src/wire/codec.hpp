// Bounds-checked reading and length-prefixed writing of TLS presentation-language data.
#ifndef TLSIO_SRC_WIRE_CODEC_HPP
#define TLSIO_SRC_WIRE_CODEC_HPP

#include "crypto/types.hpp"

#include <cstring>
#include <string_view>

namespace tlsio::wire {

/// Reads big-endian integers and length-prefixed vectors from a byte view.
/// A read past the end sets a sticky failure flag and returns zeros / empty
/// views, so a parser checks ok() once at the end instead of after every read.
class reader {
public:
    reader() = default;
    explicit reader(byte_view data) noexcept : data_(data) {}

    bool ok() const noexcept { return ok_; }
    bool empty() const noexcept { return pos_ >= data_.size(); }
    std::size_t remaining() const noexcept { return ok_ ? data_.size() - pos_ : 0; }
    /// True when everything was read and nothing failed.
    bool done() const noexcept { return ok_ && pos_ == data_.size(); }
    void fail() noexcept { ok_ = false; }

    std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(uint(1)); }
    std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(uint(2)); }
    std::uint32_t u24() noexcept { return static_cast<std::uint32_t>(uint(3)); }
    std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(uint(4)); }
    std::uint64_t u64() noexcept { return uint(8); }

    byte_view take(std::size_t n) noexcept {
        if (!ok_ || data_.size() - pos_ < n) {
            ok_ = false;
            return {};
        }
        byte_view out = data_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    byte_view rest() noexcept { return take(remaining()); }

    /// A vector with a 1-, 2- or 3-byte length prefix.
    byte_view vec8() noexcept { return take(u8()); }
    byte_view vec16() noexcept { return take(u16()); }
    byte_view vec24() noexcept { return take(u24()); }

private:
    std::uint64_t uint(std::size_t n) noexcept {
        byte_view b = take(n);
        std::uint64_t v = 0;
        for (std::uint8_t c : b) {
            v = (v << 8) | c;
        }
        return v;
    }

    byte_view data_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

/// Appends big-endian integers and length-prefixed vectors to a byte vector.
class writer {
public:
    explicit writer(bytes& out) noexcept : out_(out) {}

    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) { put(v, 2); }
    void u24(std::uint32_t v) { put(v, 3); }
    void u32(std::uint32_t v) { put(v, 4); }
    void u64(std::uint64_t v) { put(v, 8); }
    void raw(byte_view b) { append(b.data(), b.size()); }
    void raw(std::string_view s) { append(s.data(), s.size()); }

    /// Starts a vector whose `prefix`-byte length is filled in by end().
    std::size_t begin(std::size_t prefix) {
        std::size_t at = out_.size();
        out_.resize(at + prefix);
        return at;
    }
    /// Ends the vector begun at `at` with a `prefix`-byte length.
    void end(std::size_t at, std::size_t prefix) {
        std::size_t len = out_.size() - at - prefix;
        for (std::size_t i = 0; i < prefix; ++i) {
            out_[at + i] = static_cast<std::uint8_t>(len >> (8 * (prefix - 1 - i)));
        }
    }

    void vec8(byte_view b) { u8(static_cast<std::uint8_t>(b.size())), raw(b); }
    void vec16(byte_view b) { u16(static_cast<std::uint16_t>(b.size())), raw(b); }
    void vec24(byte_view b) { u24(static_cast<std::uint32_t>(b.size())), raw(b); }

    bytes& buffer() noexcept { return out_; }

private:
    // resize + memcpy rather than insert: g++ 12 at -O2 reports false
    // -Warray-bounds errors on vector::insert of short spans.
    void append(const void* p, std::size_t n) {
        if (n == 0) {
            return;
        }
        std::size_t at = out_.size();
        out_.resize(at + n);
        std::memcpy(out_.data() + at, p, n);
    }

    void put(std::uint64_t v, std::size_t n) {
        for (std::size_t i = n; i-- > 0;) {
            out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
    }

    bytes& out_;
};

inline void store_u16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

inline void store_u64(std::uint8_t* p, std::uint64_t v) noexcept {
    for (std::size_t i = 0; i < 8; ++i) {
        p[7 - i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
}

inline std::uint16_t load_u16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace tlsio::wire

#endif
