#include "context/replay_filter.hpp"

#include <algorithm>

namespace tlsio::resumption {

bool replay_filter::first_use(byte_view id, clock::time_point now) {
    key k{};
    std::copy_n(id.begin(), std::min(id.size(), k.size()), k.begin());
    std::lock_guard lock(mutex_);
    while (!by_age_.empty() && by_age_.front().expires <= now) {
        seen_.erase(by_age_.front().id);
        by_age_.pop_front();
    }
    if (seen_.size() >= capacity_ || !seen_.insert(k).second) {
        return false;
    }
    by_age_.push_back({now + 2 * early_data_window, k});
    return true;
}

std::size_t replay_filter::size() {
    std::lock_guard lock(mutex_);
    return seen_.size();
}

}  // namespace tlsio::resumption
