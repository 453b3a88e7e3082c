// Keys that seal session tickets (RFC 8446 section 4.6.1 leaves the format to
// the server; RFC 5077 section 4 suggests this one): a 16-byte key name, a
// random 12-byte nonce, then the session sealed with AES-256-GCM, the name
// authenticated with it. Keys rotate: the newest issues, older ones still
// open tickets until those tickets' lifetime is over, then go.
#ifndef TLSIO_SRC_CONTEXT_TICKET_KEYS_HPP
#define TLSIO_SRC_CONTEXT_TICKET_KEYS_HPP

#include "crypto/types.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace tlsio::resumption {

/// One ticket key: its public name and its secret AES-256-GCM key.
struct ticket_key_bytes {
    std::array<std::uint8_t, 16> name{};
    std::array<std::uint8_t, 32> key{};
};

/// Thread-safe: the engines of one context share it.
class ticket_keyring {
public:
    using clock = std::chrono::system_clock;
    using random_fill = std::function<bool(mutable_bytes)>;
    /// The application's key service: the sealing key for nullptr, the key
    /// of a ticket's name otherwise; nothing when it has none.
    using supplier =
        std::function<std::optional<ticket_key_bytes>(const std::array<std::uint8_t, 16>* name)>;

    ticket_keyring() = default;
    ticket_keyring(const ticket_keyring&) = delete;
    ticket_keyring& operator=(const ticket_keyring&) = delete;
    ~ticket_keyring();

    /// Automatic keys: a new one every `rotation`; each opens tickets for
    /// `rotation + ticket_lifetime` after it started issuing.
    void set_schedule(std::chrono::seconds rotation, std::chrono::seconds ticket_lifetime);
    /// The application's keys instead (a fleet shares them): the first
    /// issues, all open, none expires until the next call.
    void set_keys(const std::vector<ticket_key_bytes>& keys);

    /// The ticket for `plaintext`; empty when libcrypto or `random` failed.
    bytes seal(byte_view plaintext, clock::time_point now, const random_fill& random);
    /// The plaintext of a ticket this keyring made, or nothing: unknown or
    /// expired key name, tampering, or not a ticket at all.
    std::optional<bytes> open(byte_view ticket, clock::time_point now);

    /// Keys from `s` on each seal and open instead of held ones.
    void set_supplier(supplier s);

    /// True once set_keys installed the application's keys (or a supplier).
    bool manual();
    /// False when no ticket can be sealed: the application installed none.
    bool can_seal();
    /// Keys held now (for tests: rotation drops expired ones).
    std::size_t key_count();

private:
    static bytes seal_with(const ticket_key_bytes& k, byte_view plaintext,
                           const random_fill& random);
    static std::optional<bytes> open_with(const ticket_key_bytes& k, byte_view ticket);

    struct entry {
        ticket_key_bytes key;
        clock::time_point issue_until;    ///< max(): until replaced
        clock::time_point decrypt_until;  ///< max(): until replaced
    };
    void drop_expired(clock::time_point now);

    std::mutex mutex_;
    std::vector<entry> keys_;  ///< newest first
    bool manual_ = false;
    supplier supplier_;
    std::chrono::seconds rotation_{std::chrono::hours(12)};
    std::chrono::seconds lifetime_{std::chrono::hours(2)};
};

}  // namespace tlsio::resumption

#endif
