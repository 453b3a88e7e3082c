// bench/alloc_counter.hpp: counts every malloc-family call of the process
// (libstdc++'s operator new and libcrypto/libssl included), so the bench can
// report allocations per handshake and per record for both stacks.
#ifndef TLSIO_BENCH_ALLOC_COUNTER_HPP
#define TLSIO_BENCH_ALLOC_COUNTER_HPP

#include <cstdint>

namespace bench {

/// malloc + calloc + realloc calls so far; always 0 when built with
/// TLSIO_BENCH_NO_ALLOC_COUNTER (for heaptrack, whose own malloc the
/// counter would hide).
std::uint64_t allocations() noexcept;
/// False when built with TLSIO_BENCH_NO_ALLOC_COUNTER.
bool allocations_counted() noexcept;

}  // namespace bench

#endif
