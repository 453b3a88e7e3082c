// A server's sessions by ID: TLS 1.2 session IDs (RFC 5246 section 7.4.1.2),
// for clients that resume by ID rather than by ticket (RFC 5077), and TLS 1.3
// stateful tickets. Bounded, the oldest out first, as OpenSSL's server cache.
#ifndef TLSIO_SRC_CONTEXT_SERVER_SESSION_CACHE_HPP
#define TLSIO_SRC_CONTEXT_SERVER_SESSION_CACHE_HPP

#include "context/session_state.hpp"

#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace tlsio::resumption {

/// Thread-safe: the engines of one context share it.
class server_session_cache {
public:
    static constexpr std::size_t default_capacity = 20480;  ///< as OpenSSL's

    explicit server_session_cache(std::size_t capacity = default_capacity) : capacity_(capacity) {}

    /// Keeps `s` under `id`; the oldest session goes when the cache is full.
    void put(const bytes& id, const session_state& s);
    /// A copy of the session under `id`, if any.
    std::optional<session_state> find(byte_view id);
    /// Removes the session under `id`; false when it was not there.
    bool erase(byte_view id);
    void set_capacity(std::size_t sessions);
    std::size_t capacity();
    std::size_t size();

private:
    void evict_to(std::size_t sessions);

    std::mutex mutex_;
    std::size_t capacity_;
    std::map<bytes, session_state> sessions_;
    std::deque<bytes> order_;  ///< oldest first
};

}  // namespace tlsio::resumption

#endif
