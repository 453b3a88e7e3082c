// The server's 0-RTT anti-replay check (RFC 8446 section 8.2): ClientHellos
// that carried early data are remembered for as long as the freshness check
// would let a copy of them through, so a copy within that time is caught.
#ifndef TLSIO_SRC_CONTEXT_REPLAY_FILTER_HPP
#define TLSIO_SRC_CONTEXT_REPLAY_FILTER_HPP

#include "crypto/types.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>

namespace tlsio::resumption {

/// How far the ticket age a client claims may be from the server's own
/// count before its early data is refused; ids are kept twice as long.
inline constexpr std::chrono::milliseconds early_data_window{10'000};

/// Thread-safe: the engines of one context (and its copies) share it.
class replay_filter {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::size_t default_capacity = 65536;

    explicit replay_filter(std::size_t capacity = default_capacity) : capacity_(capacity) {}

    /// True the first time `id` is seen (it is then remembered); false for
    /// a repeat, and when the filter is full of ids still within their time
    /// (refusing 0-RTT is always safe).
    bool first_use(byte_view id, clock::time_point now = clock::now());
    std::size_t size();

private:
    /// Ids are cut to 16 bytes: PSK binders are HMAC outputs, so 128 bits
    /// keep collisions out of reach.
    using key = std::array<std::uint8_t, 16>;
    struct entry {
        clock::time_point expires;
        key id;
    };

    std::mutex mutex_;
    std::size_t capacity_;
    std::set<key> seen_;
    std::deque<entry> by_age_;  ///< oldest first
};

}  // namespace tlsio::resumption

#endif
