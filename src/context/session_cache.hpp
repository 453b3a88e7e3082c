// A client's sessions, per server (name and port), as rustls keeps them: a
// bounded number of servers, least recently used first out, a few tickets
// each, every ticket used once (RFC 8446 appendix C.4: a reused ticket links
// connections).
#ifndef TLSIO_SRC_CONTEXT_SESSION_CACHE_HPP
#define TLSIO_SRC_CONTEXT_SESSION_CACHE_HPP

#include "context/session_state.hpp"

#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace tlsio::resumption {

/// Thread-safe: the engines of one context share it.
class session_cache {
public:
    /// Tickets kept per server (a server sends 2 by default).
    static constexpr std::size_t tickets_per_server = 4;

    explicit session_cache(std::size_t servers = 256) : capacity_(servers) {}

    /// Keeps `s` for `key`; the oldest ticket of that server goes when it has
    /// tickets_per_server, the least recently used server when there are
    /// too many. A capacity of 0 keeps nothing.
    void put(const std::string& key, const session_state& s);
    /// Takes the newest ticket for `key` out (it is not offered twice).
    std::optional<session_state> take(const std::string& key);
    void set_capacity(std::size_t servers);
    std::size_t capacity();
    std::size_t size();
    void clear();

private:
    struct server {
        std::deque<session_state> tickets;  ///< oldest first
        std::list<std::string>::iterator lru;
    };
    void evict_to(std::size_t servers);

    std::mutex mutex_;
    std::size_t capacity_;
    std::unordered_map<std::string, server> servers_;
    std::list<std::string> lru_;  ///< most recently used first
};

}  // namespace tlsio::resumption

#endif
