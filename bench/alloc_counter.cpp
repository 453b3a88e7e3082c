// malloc, calloc and realloc are defined here and forward to glibc's own
// implementation, so every caller in the process, shared libraries included,
// goes through the counter. The heap itself is glibc's, unchanged
// (mallinfo2 and malloc_trim still describe it).
#include "alloc_counter.hpp"

#include <cstddef>

#ifdef TLSIO_BENCH_NO_ALLOC_COUNTER

namespace bench {
std::uint64_t allocations() noexcept {
    return 0;
}
bool allocations_counted() noexcept {
    return false;
}
}  // namespace bench

#else

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void __libc_free(void* p);
}

namespace {
std::uint64_t counter = 0;
}

namespace bench {
std::uint64_t allocations() noexcept {
    return __atomic_load_n(&counter, __ATOMIC_RELAXED);
}
bool allocations_counted() noexcept {
    return true;
}
}  // namespace bench

extern "C" {
void* malloc(std::size_t size) noexcept {
    __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) noexcept {
    __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) noexcept {
    __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    return __libc_realloc(p, size);
}
void free(void* p) noexcept {
    __libc_free(p);
}
}

#endif
