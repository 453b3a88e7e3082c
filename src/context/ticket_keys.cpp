#include "context/ticket_keys.hpp"

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"

#include <algorithm>
#include <cstring>

namespace tlsio::resumption {
namespace {

constexpr std::size_t name_size = 16;
constexpr std::size_t nonce_size = crypto::aead_nonce_size;
constexpr std::size_t overhead = name_size + nonce_size + crypto::aead_tag_size;

}  // namespace

ticket_keyring::~ticket_keyring() {
    for (entry& e : keys_) {
        crypto::cleanse(e.key.key);
    }
}

void ticket_keyring::set_schedule(std::chrono::seconds rotation,
                                  std::chrono::seconds ticket_lifetime) {
    std::lock_guard lock(mutex_);
    rotation_ = rotation;
    lifetime_ = ticket_lifetime;
    if (manual_) {
        for (entry& e : keys_) {
            crypto::cleanse(e.key.key);
        }
        keys_.clear();
        manual_ = false;
    }
}

void ticket_keyring::set_keys(const std::vector<ticket_key_bytes>& keys) {
    std::lock_guard lock(mutex_);
    for (entry& e : keys_) {
        crypto::cleanse(e.key.key);
    }
    keys_.clear();
    for (const ticket_key_bytes& k : keys) {
        keys_.push_back({k, clock::time_point::max(), clock::time_point::max()});
    }
    manual_ = true;
}

void ticket_keyring::drop_expired(clock::time_point now) {
    auto gone = std::remove_if(keys_.begin(), keys_.end(), [now](entry& e) {
        if (now < e.decrypt_until) {
            return false;
        }
        crypto::cleanse(e.key.key);
        return true;
    });
    keys_.erase(gone, keys_.end());
}

bytes ticket_keyring::seal(byte_view plaintext, clock::time_point now, const random_fill& random) {
    std::lock_guard lock(mutex_);
    if (supplier_) {
        std::optional<ticket_key_bytes> k = supplier_(nullptr);
        if (!k) {
            return {};
        }
        bytes ticket = seal_with(*k, plaintext, random);
        crypto::cleanse(k->key);
        return ticket;
    }
    if (!manual_) {
        drop_expired(now);
        if (keys_.empty() || now >= keys_.front().issue_until) {
            entry fresh;
            if (!random(fresh.key.name) || !random(fresh.key.key)) {
                return {};
            }
            fresh.issue_until = now + rotation_;
            fresh.decrypt_until = now + rotation_ + lifetime_;
            keys_.insert(keys_.begin(), fresh);
            crypto::cleanse(fresh.key.key);
        }
    }
    if (keys_.empty()) {
        return {};  // the application installed no key: no tickets
    }
    return seal_with(keys_.front().key, plaintext, random);
}

std::optional<bytes> ticket_keyring::open(byte_view ticket, clock::time_point now) {
    if (ticket.size() < overhead) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    if (supplier_) {
        std::array<std::uint8_t, name_size> name;
        std::copy_n(ticket.begin(), name_size, name.begin());
        std::optional<ticket_key_bytes> k = supplier_(&name);
        if (!k || k->name != name) {
            return std::nullopt;
        }
        std::optional<bytes> plaintext = open_with(*k, ticket);
        crypto::cleanse(k->key);
        return plaintext;
    }
    if (!manual_) {
        drop_expired(now);
    }
    auto key = std::find_if(keys_.begin(), keys_.end(), [&](const entry& e) {
        return std::equal(e.key.name.begin(), e.key.name.end(), ticket.begin());
    });
    if (key == keys_.end()) {
        return std::nullopt;
    }
    return open_with(key->key, ticket);
}

bytes ticket_keyring::seal_with(const ticket_key_bytes& k, byte_view plaintext,
                                const random_fill& random) {
    bytes ticket(overhead + plaintext.size());
    std::memcpy(ticket.data(), k.name.data(), name_size);
    mutable_bytes nonce(ticket.data() + name_size, nonce_size);
    if (!random(nonce)) {
        return {};
    }
    std::copy(plaintext.begin(), plaintext.end(), ticket.begin() + name_size + nonce_size);
    crypto::aead_context aead;
    mutable_bytes body(ticket.data() + name_size + nonce_size, plaintext.size());
    if (!aead.init(crypto::aead_algorithm::aes_256_gcm, k.key) ||
        !aead.seal(nonce, byte_view(k.name), body,
                   mutable_bytes(ticket.data() + ticket.size() - crypto::aead_tag_size,
                                 crypto::aead_tag_size))) {
        crypto::cleanse(ticket);
        return {};
    }
    return ticket;
}

std::optional<bytes> ticket_keyring::open_with(const ticket_key_bytes& k, byte_view ticket) {
    const byte_view nonce = ticket.subspan(name_size, nonce_size);
    const byte_view sealed = ticket.subspan(name_size + nonce_size, ticket.size() - overhead);
    bytes plaintext(sealed.size());
    crypto::aead_context aead;
    if (!aead.init(crypto::aead_algorithm::aes_256_gcm, k.key) ||
        !aead.open(nonce, ticket.first(name_size), sealed, plaintext.data(),
                   ticket.last(crypto::aead_tag_size))) {
        crypto::cleanse(plaintext);
        return std::nullopt;
    }
    return plaintext;
}

void ticket_keyring::set_supplier(supplier s) {
    std::lock_guard lock(mutex_);
    supplier_ = std::move(s);
    manual_ = true;
    for (entry& e : keys_) {
        crypto::cleanse(e.key.key);
    }
    keys_.clear();
}

bool ticket_keyring::can_seal() {
    std::lock_guard lock(mutex_);
    return !manual_ || !keys_.empty() || supplier_ != nullptr;
}

bool ticket_keyring::manual() {
    std::lock_guard lock(mutex_);
    return manual_;
}

std::size_t ticket_keyring::key_count() {
    std::lock_guard lock(mutex_);
    return keys_.size();
}

}  // namespace tlsio::resumption
