#include "context/server_session_cache.hpp"

namespace tlsio::resumption {
void server_session_cache::put(const bytes& id, const session_state& s) {
    std::lock_guard lock(mutex_);
    if (capacity_ == 0 || id.empty()) {
        return;
    }
    auto [it, inserted] = sessions_.insert_or_assign(id, s);
    if (inserted) {
        order_.push_back(id);
    }
    evict_to(capacity_);
}

std::optional<session_state> server_session_cache::find(byte_view id) {
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(bytes(id.begin(), id.end()));
    if (found == sessions_.end()) {
        return std::nullopt;
    }
    return found->second;
}

bool server_session_cache::erase(byte_view id) {
    std::lock_guard lock(mutex_);
    // Its entry in order_ stays until it comes to the front; erasing there
    // then finds nothing.
    return sessions_.erase(bytes(id.begin(), id.end())) == 1;
}

void server_session_cache::set_capacity(std::size_t sessions) {
    std::lock_guard lock(mutex_);
    capacity_ = sessions;
    evict_to(capacity_);
}

std::size_t server_session_cache::capacity() {
    std::lock_guard lock(mutex_);
    return capacity_;
}

std::size_t server_session_cache::size() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

void server_session_cache::evict_to(std::size_t sessions) {
    // order_ also holds ids erased since (used tickets): it is kept within
    // twice the capacity, so those cost bounded memory too.
    while ((sessions_.size() > sessions || order_.size() > 2 * sessions) && !order_.empty()) {
        sessions_.erase(order_.front());
        order_.pop_front();
    }
}

}  // namespace tlsio::resumption
