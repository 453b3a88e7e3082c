#include "record/buffer_pool.hpp"

#include "crypto/hash.hpp"

#include <algorithm>

namespace tlsio::record {
namespace {

// Enough to serve the connections one thread typically has busy at once; a
// buffer grown very large by a big write is freed instead of cached.
constexpr std::size_t max_cached = 16;
constexpr std::size_t max_cached_capacity = 256 * 1024;

// Records are opened in place, so a buffer may hold decrypted application
// data. Wiping every buffer as it goes back to the pool cost about 6% of
// throughput_16k (bench, tlsio/asio_ssl ratio 1.14 -> 1.07), above the 1%
// budget; a cached buffer is overwritten by the next connection before it
// reads from it. What leaves the pool for the heap, where anything may reuse
// it, is wiped.
void wipe(io_buffer& buffer) noexcept {
    buffer.resize(buffer.capacity());  // no allocation, no zero-fill
    crypto::cleanse({buffer.data(), buffer.size()});
    buffer.clear();
}

struct pool {
    std::vector<io_buffer> buffers;

    pool() = default;
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;
    ~pool() {
        for (io_buffer& b : buffers) {
            wipe(b);
        }
    }
};

pool& local_pool() {
    thread_local pool p;
    return p;
}

}  // namespace

io_buffer acquire_buffer(std::size_t capacity) {
    pool& p = local_pool();
    auto it = std::find_if(p.buffers.begin(), p.buffers.end(),
                           [&](const io_buffer& b) { return b.capacity() >= capacity; });
    if (it != p.buffers.end()) {
        io_buffer b = std::move(*it);
        *it = std::move(p.buffers.back());
        p.buffers.pop_back();
        return b;
    }
    io_buffer b;
    b.reserve(capacity);
    return b;
}

void release_buffer(io_buffer& buffer) noexcept {
    if (buffer.capacity() == 0) {
        return;
    }
    buffer.clear();
    pool& p = local_pool();
    if (p.buffers.size() < max_cached && buffer.capacity() <= max_cached_capacity) {
        try {
            p.buffers.push_back(std::move(buffer));
        } catch (...) {
            // No room to cache it: free it below.
        }
    }
    if (buffer.capacity() != 0) {  // not taken by the pool
        wipe(buffer);
    }
    io_buffer().swap(buffer);
}

}  // namespace tlsio::record
