// Byte containers shared by every layer of tlsio.
#ifndef TLSIO_SRC_CRYPTO_TYPES_HPP
#define TLSIO_SRC_CRYPTO_TYPES_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tlsio {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;
using mutable_bytes = std::span<std::uint8_t>;

}  // namespace tlsio

#endif
