// A per-thread cache of I/O buffers, so a connection can give its buffers back
// whenever it is idle without paying an allocation for every record.
#ifndef TLSIO_SRC_RECORD_BUFFER_POOL_HPP
#define TLSIO_SRC_RECORD_BUFFER_POOL_HPP

#include "crypto/types.hpp"

namespace tlsio::record {

/// A buffer of at least `capacity` bytes of capacity, size 0.
bytes acquire_buffer(std::size_t capacity);

/// Takes `buffer`'s storage back into the pool (or frees it); leaves it empty.
void release_buffer(bytes& buffer) noexcept;

}  // namespace tlsio::record

#endif
