// A per-thread cache of I/O buffers, so a connection can give its buffers back
// whenever it is idle without paying an allocation for every record.
#ifndef TLSIO_SRC_RECORD_BUFFER_POOL_HPP
#define TLSIO_SRC_RECORD_BUFFER_POOL_HPP

#include "crypto/types.hpp"

#include <memory>
#include <new>
#include <utility>

namespace tlsio::record {

/// Leaves the bytes a vector grows by uninitialised: record buffers are always
/// written (received or sealed) before they are read, and zero-filling 17 KiB
/// each time one is taken costs as much as sealing a small record.
template <class T>
struct uninitialized_allocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = uninitialized_allocator<U>;
    };
    uninitialized_allocator() noexcept = default;
    template <class U>
    uninitialized_allocator(const uninitialized_allocator<U>&) noexcept {}

    template <class U>
    void construct(U* p) noexcept {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

/// The buffer type of record input and output.
using io_buffer = std::vector<std::uint8_t, uninitialized_allocator<std::uint8_t>>;

/// A buffer of at least `capacity` bytes of capacity, size 0.
io_buffer acquire_buffer(std::size_t capacity);

/// Takes `buffer`'s storage back into the pool, or wipes and frees it (the
/// pool wipes what it holds when its thread ends); leaves it empty.
void release_buffer(io_buffer& buffer) noexcept;

}  // namespace tlsio::record

#endif
