// The objects behind the opaque TLSIO_CTX (struct ssl_ctx_st) and TLSIO
// (struct ssl_st) of <tlsio/ssl.h>.
#ifndef TLSIO_SRC_C_API_OBJECTS_HPP
#define TLSIO_SRC_C_API_OBJECTS_HPP

#include <tlsio/ssl.h>
#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>

#include <openssl/crypto.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tlsio::c_api {

/// Overwrites memory before giving it back (OPENSSL_cleanse), including the
/// old buffers a growing string leaves behind: for private-key text, as the
/// C++ front end wipes what it reads.
template <class T>
struct wiping_allocator {
    using value_type = T;
    wiping_allocator() noexcept = default;
    template <class U>
    wiping_allocator(const wiping_allocator<U>&) noexcept {}

    T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        OPENSSL_cleanse(p, n * sizeof(T));
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const wiping_allocator<U>&) const noexcept {
        return true;
    }
};

/// PEM text that may hold a private key (a certificate file may carry one too).
/// A PEM key never fits the string's small inline buffer, so all of it is on
/// the heap and wiped when freed.
using secret_string = std::basic_string<char, std::char_traits<char>, wiping_allocator<char>>;

/// Where a connection's engine lives: in the connection itself, or, for the
/// native_handle() of a tlsio::stream, in the stream (which does the I/O).
class engine_slot {
public:
    engine_slot() = default;
    engine_slot(const engine_slot&) = delete;
    engine_slot& operator=(const engine_slot&) = delete;

    explicit operator bool() const noexcept { return slot_->has_value(); }
    tlsio::engine* operator->() const noexcept { return &**slot_; }
    tlsio::engine& operator*() const noexcept { return **slot_; }
    template <class... Args>
    tlsio::engine& emplace(Args&&... args) {
        return slot_->emplace(std::forward<Args>(args)...);
    }
    /// Makes this a view onto a stream's engine.
    void view(std::optional<tlsio::engine>& stream_engine) noexcept { slot_ = &stream_engine; }
    bool is_view() const noexcept { return slot_ != &own_; }

private:
    std::optional<tlsio::engine> own_;
    std::optional<tlsio::engine>* slot_ = &own_;
};

}  // namespace tlsio::c_api

struct tlsio_session_st {
    std::atomic<int> references{1};
    tlsio::session session;
};

struct ssl_st;

namespace tlsio::c_api {
/// Client: makes the session of a ticket that arrived since the last call the
/// connection's current one, and hands it to the new-session callback.
void note_new_session(ssl_st* s);
}  // namespace tlsio::c_api

struct tlsio_method_st {
    int role;     // 0: either (TLS_method), 1: client, 2: server
    int version;  // 0: any; else the only one (TLSv1_2_method)
};

struct ssl_ctx_st {
    std::atomic<int> references{1};
    int method_role = 0;
    int method_version = 0;
    tlsio::context context;
    int verify_mode = TLSIO_VERIFY_NONE;
    tlsio_verify_cb verify_callback = nullptr;
    std::vector<std::string> alpn;  // offered by clients
    tlsio_alpn_select_cb alpn_select = nullptr;
    void* alpn_select_arg = nullptr;
    tlsio_servername_cb servername = nullptr;
    void* servername_arg = nullptr;
    tlsio_keylog_cb keylog = nullptr;
    tlsio_passwd_cb passwd_cb = nullptr;  // SSL_CTX_set_default_passwd_cb
    void* passwd_userdata = nullptr;
    std::uint64_t options = TLSIO_OP_NO_COMPRESSION | TLSIO_OP_ENABLE_MIDDLEBOX_COMPAT;
    long mode = TLSIO_MODE_AUTO_RETRY;
    int min_version = 0;
    int max_version = 0;
    // Half a credential, waiting for its other half (OpenSSL takes the chain
    // and the key in either order).
    std::optional<tlsio::c_api::secret_string> pending_chain;
    std::optional<tlsio::c_api::secret_string> pending_key;
    bool has_credential = false;
    long session_cache_mode = TLSIO_SESS_CACHE_SERVER;  // libssl's default
    std::size_t num_tickets = 2;
    tlsio_new_session_cb new_session = nullptr;
    // 0-RTT, as libssl: the announced limit (0: off) and the one enforced on
    // receipt; the engine's context announces and enforces the smaller.
    std::uint32_t max_early_data = 0;
    std::uint32_t recv_max_early_data = 16384;
};

struct ssl_st {
    std::atomic<int> references{1};  // SSL_up_ref
    ssl_ctx_st* ctx = nullptr;       // null for a stream's native_handle()
    int role = 0;                    // 0: not set, 1: client, 2: server
    // set_connect_state / set_accept_state (or connect / accept) was called:
    // as libssl, the method alone does not let do_handshake, read or write start.
    bool state_set = false;
    tlsio::c_api::engine_slot engine;

    // Per-connection settings, read when the engine is made.
    std::string sni;
    std::optional<std::string> host;
    std::optional<int> verify_mode;
    tlsio_verify_cb verify_callback = nullptr;
    std::optional<std::vector<std::string>> alpn;
    long mode = 0;
    std::uint64_t options = 0;
    // Version bounds (libssl's values, 0: none), the context's at tlsio_new,
    // and its method's fixed version (0: none).
    int min_version = 0;
    int max_version = 0;
    int method_version = 0;
    tlsio::session offered_session;  // SSL_set_session

    // The session of the newest ticket (one reference), SSL_get_session's.
    tlsio_session_st* current_session = nullptr;

    // Transport: each slot owns one reference.
    BIO* rbio = nullptr;
    BIO* wbio = nullptr;

    // State of the OpenSSL contract.
    enum class want { nothing, read, write } wants = want::nothing;
    bool failed = false;             // a fatal error was reported
    bool shutdown_called = false;    // tlsio_shutdown sent (or queued) close_notify
    bool shutdown_reported = false;  // ... and the first call returned 0 or 1
    bool received_close = false;     // the peer's close_notify arrived
    bool received_alert = false;     // a fatal alert arrived (SSL_get_shutdown says RECEIVED)
    bool handshake_call = false;     // the last call ran the handshake (tlsio_get_error)
    bool write_in_progress = false;  // a write returned WANT_WRITE with bytes taken
    std::size_t write_taken = 0;
    // Client with VERIFY_NONE: the first verification error, which libssl
    // reports (its verification stops there; ours goes on to the end).
    long first_verify_error = 0;
    bool verify_none = false;
    std::string peer_server_name;
    bool wrote_any = false;  // the transport took bytes from this connection

    // 0-RTT (tlsio_write_early_data / tlsio_read_early_data). As libssl, a
    // client sends early data only when asked before the handshake, and a
    // server takes it only when its application reads it before the handshake.
    enum class early { none, writing, reading, finished } early_state = early::none;
    std::optional<std::uint32_t> max_early_data;       // SSL_set_max_early_data
    std::optional<std::uint32_t> recv_max_early_data;  // SSL_set_recv_max_early_data
    // Server: application data that came in the read that ended the early
    // data, which tlsio_read_early_data never returns; tlsio_read does.
    std::vector<std::uint8_t> after_early_data;
};

#endif
