#include "context/session_cache.hpp"

namespace tlsio::resumption {

void session_cache::evict_to(std::size_t servers) {
    while (servers_.size() > servers) {
        servers_.erase(lru_.back());
        lru_.pop_back();
    }
}

void session_cache::put(const std::string& key, const session_state& s) {
    std::lock_guard lock(mutex_);
    if (capacity_ == 0) {
        return;
    }
    auto it = servers_.find(key);
    if (it == servers_.end()) {
        lru_.push_front(key);
        it = servers_.emplace(key, server{{}, lru_.begin()}).first;
    } else {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
    }
    auto& tickets = it->second.tickets;
    tickets.push_back(s);  // copied only when kept
    if (tickets.size() > tickets_per_server) {
        tickets.pop_front();
    }
    evict_to(capacity_);
}

std::optional<session_state> session_cache::take(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = servers_.find(key);
    if (it == servers_.end()) {
        return std::nullopt;
    }
    session_state s = std::move(it->second.tickets.back());
    it->second.tickets.pop_back();
    if (it->second.tickets.empty()) {
        lru_.erase(it->second.lru);
        servers_.erase(it);
    } else {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
    }
    return s;
}

void session_cache::set_capacity(std::size_t servers) {
    std::lock_guard lock(mutex_);
    capacity_ = servers;
    evict_to(capacity_);
}

std::size_t session_cache::capacity() {
    std::lock_guard lock(mutex_);
    return capacity_;
}

std::size_t session_cache::size() {
    std::lock_guard lock(mutex_);
    return servers_.size();
}

void session_cache::clear() {
    std::lock_guard lock(mutex_);
    servers_.clear();
    lru_.clear();
}

}  // namespace tlsio::resumption
