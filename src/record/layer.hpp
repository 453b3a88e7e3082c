// The record layer of one connection (RFC 8446 section 5): framing and size
// limits, handshake-message reassembly across records, the compatibility
// ChangeCipherSpec, alerts in and out, per-epoch protection and the transport
// buffers. It knows nothing of handshake states: the handshake tells it what
// is allowed (set_* calls) and takes complete messages from it.
#ifndef TLSIO_SRC_RECORD_LAYER_HPP
#define TLSIO_SRC_RECORD_LAYER_HPP

#include "record/buffer_pool.hpp"
#include "record/protection.hpp"
#include "wire/messages.hpp"

#include <tlsio/error.hpp>

#include <algorithm>
#include <optional>
#include <string>

namespace tlsio::record {

/// Records that carry nothing (zero-length application data, the compatibility
/// ChangeCipherSpec) accepted in a row before the peer is cut off, as
/// BoringSSL does; without a cap a peer could keep us busy for free.
inline constexpr int max_empty_records = 32;
/// Warning alerts (user_canceled; in TLS 1.2 any but close_notify) accepted in a row.
inline constexpr int max_warning_alerts = 4;
/// Early data a server that did not accept 0-RTT skips before it gives up, in
/// record bytes (headers included), as BoringSSL counts it, when the server
/// never announced a larger max_early_data_size (skip_early_data's limit).
inline constexpr std::size_t max_skipped_early_data = 16384;
/// Largest handshake message accepted (a long certificate chain fits).
inline constexpr std::size_t max_handshake_message = 128 * 1024;

/// A complete handshake message, valid until the next call to layer::read().
struct handshake_message {
    wire::handshake_type type{};
    byte_view body;     ///< The message without its 4-byte header.
    byte_view message;  ///< The whole message, as the transcript hashes it.
};

/// Proof that no handshake bytes straddle a key change (RFC 8446 section 5.1):
/// only layer::at_key_boundary() makes one, and only when the handshake bytes
/// received so far end exactly where the last message taken ends. Installing
/// read keys needs one, so the check cannot be forgotten.
class key_boundary {
    friend class layer;
    key_boundary() = default;
};

/// Traffic keys for one direction of one epoch.
struct traffic_key_material {
    crypto::aead_algorithm aead;
    byte_view key;
    /// TLS 1.3: 12 bytes. TLS 1.2: the 4-byte implicit salt of AES-GCM
    /// (RFC 5288) or the 12-byte IV of ChaCha20-Poly1305 (RFC 7905).
    byte_view iv;
    /// Under a TLS 1.2 epoch every record is protected and keeps its type.
    protocol version = protocol::tls13;
};

class layer {
public:
    /// `client`: the first ClientHello leaves with record version 0x0301.
    explicit layer(bool client) noexcept;
    layer(const layer&) = delete;
    layer& operator=(const layer&) = delete;
    ~layer();

    // ---- Transport side ------------------------------------------------------

    std::span<std::uint8_t> input_space();
    void commit_input(std::size_t n);
    void commit_eof() noexcept { eof_ = true; }
    bool eof() const noexcept { return eof_; }
    void feed(std::span<const std::uint8_t> data);
    /// Transport bytes received and not yet processed.
    std::size_t buffered_input() const noexcept { return in_end_ - in_start_; }
    /// True when a whole record is waiting in the input.
    bool record_buffered() const noexcept;

    /// Bytes to send. Once handed out they stay put until consumed: records
    /// made meanwhile queue behind them.
    std::span<const std::uint8_t> output() const noexcept;
    void consume_output(std::size_t n);
    /// Bytes of records made so far, and of those consumed by the transport:
    /// a record made when output_made() was N has left once output_sent() >= N.
    std::uint64_t output_made() const noexcept { return made_; }
    std::uint64_t output_sent() const noexcept { return sent_; }

    // ---- Reading -------------------------------------------------------------

    enum class event {
        handshake,           ///< `message` holds a complete handshake message.
        alert,               ///< `alert` holds a well-formed alert.
        application_data,    ///< `direct` bytes were opened into the destination,
                             ///< or the data is pending() in our buffer.
        change_cipher_spec,  ///< The TLS 1.2 ChangeCipherSpec the handshake expected.
        need_input,          ///< No whole record (eof() says if more can come).
        failed,              ///< `error` and `message` say why; send an alert.
    };
    struct incoming {
        event what = event::need_input;
        handshake_message handshake;
        std::uint8_t alert_level = 0;
        tlsio::alert alert{};
        std::size_t direct = 0;
        tlsio::error error{};
        std::string message;
    };

    /// Takes the next complete handshake message, or reads records until one
    /// gives an event. Protected application data is opened straight into
    /// `destination` when it fits there. Compatibility ChangeCipherSpec
    /// records are dropped here when allowed; empty records and warning alerts
    /// count towards their caps.
    incoming read(mutable_bytes destination = {});

    /// Decrypted application data waiting in our buffer.
    std::size_t pending() const noexcept { return app_end_ - app_start_; }
    /// Copies up to out.size() pending bytes into `out`; returns how many.
    std::size_t take_pending(mutable_bytes out) noexcept;
    /// Gives the input buffer back while nothing is buffered.
    void release_input_if_idle() noexcept;
    /// True while part of a handshake message has been received.
    bool partial_handshake_message() const noexcept { return hs_pos_ < hs_.size(); }

    // ---- What the handshake allows --------------------------------------------

    /// Compatibility ChangeCipherSpec records are dropped (not an error): after
    /// the first ClientHello and before the peer's Finished (RFC 8446 section 5).
    void set_compat_ccs_allowed(bool allowed) noexcept { ccs_allowed_ = allowed; }
    /// Unprotected alerts are accepted while the handshake runs (a peer may
    /// fail before it has our keys), not after.
    void set_handshake_done() noexcept { handshake_done_ = true; }
    /// The client offered 0-RTT and the server did not accept it: the early
    /// data the client may have sent is dropped, up to `limit` record bytes
    /// (the max_early_data_size this server announces, at least
    /// max_skipped_early_data), then is a bad_record_mac (RFC 8446 4.2.10).
    /// Before new read keys (after a HelloRetryRequest) that is the
    /// application_data records, until the next handshake record; with keys,
    /// the records that fail to open, until one opens. New read keys end it.
    void skip_early_data(std::size_t limit = max_skipped_early_data) noexcept {
        skipping_early_data_ = true;
        early_data_skip_limit_ = std::max(limit, max_skipped_early_data);
    }
    /// TLS 1.2: the next ChangeCipherSpec is the real one (RFC 5246 section
    /// 7.1): read() returns it as event::change_cipher_spec, after which the
    /// handshake installs the read keys. Any other is unexpected_message.
    void expect_change_cipher_spec() noexcept { ccs_expected_ = true; }
    /// After a HelloRetryRequest the client's second ClientHello uses 0x0303.
    void use_tls12_record_version() noexcept { initial_version_ = wire::tls12_version; }
    /// In TLS 1.2 (and on a client that offered it, until the ServerHello
    /// says which version) warning alerts other than close_notify are
    /// dropped here, up to max_warning_alerts in a row: RFC 5246 section 7.2
    /// leaves them to the receiver, TLS 1.3 has none but user_canceled.
    void drop_warning_alerts(bool drop) noexcept { drop_warnings_ = drop; }

    // ---- Keys ----------------------------------------------------------------

    /// A key_boundary when no handshake bytes follow the last message
    /// taken; nothing when they do (the caller fails with unexpected_message).
    std::optional<key_boundary> at_key_boundary() const noexcept;
    /// Installs the peer's traffic keys for the next record on.
    bool install_read(const record::key_boundary& proof, const traffic_key_material& keys);
    /// Frames the handshake messages gathered so far under the old keys, then
    /// installs ours. TLS 1.2 sends its ChangeCipherSpec first (write_compat_ccs).
    bool install_write(const traffic_key_material& keys);
    /// Back to unprotected writes: a client whose 0-RTT was cut short by a
    /// HelloRetryRequest sends its second ClientHello in plaintext.
    void drop_write_keys() {
        flush_handshake();
        write_ = protection{};
    }
    bool reading_protected() const noexcept { return read_.active(); }
    bool writing_protected() const noexcept { return write_.active(); }
    std::uint64_t write_sequence() const noexcept { return write_.sequence(); }

    // ---- Writing ---------------------------------------------------------------

    /// Gathers a handshake message; gathered messages leave in as few records
    /// as possible, at the next flush, key change or record of another type.
    void queue_handshake(byte_view message);
    void flush_handshake();
    /// The compatibility ChangeCipherSpec goes out once, just before the first
    /// protected record.
    void queue_compat_ccs() noexcept { ccs_pending_ = !ccs_sent_; }
    /// The compatibility ChangeCipherSpec now, after the gathered handshake
    /// messages (a server sends it right after its HelloRetryRequest).
    void write_compat_ccs();
    /// Writes the bytes of `parts`, in order, as records of `type` (at most
    /// max_seal_parts buffers per record). False when sealing failed.
    bool write(wire::content_type type, std::span<const byte_view> parts);
    bool write(wire::content_type type, byte_view content) {
        return write(type, std::span<const byte_view>(&content, 1));
    }
    /// An alert record: close_notify and user_canceled as warnings, the rest fatal.
    bool send_alert(tlsio::alert a);

private:
    incoming fail(tlsio::error e, std::string message = {});
    /// A complete message from hs_, if one is there.
    bool next_message(incoming& in);
    io_buffer& output_target() noexcept { return output_handed_out_ ? out_next_ : out_; }
    void write_change_cipher_spec();
    void note_empty_record(incoming& in);
    /// Counts a skipped early-data record; false once there is too much.
    bool skip_record(std::size_t record_size) noexcept;

    // Input: raw transport bytes [in_start_, in_end_) and decrypted application
    // data [app_start_, app_end_), both inside in_.
    io_buffer in_;
    std::size_t in_start_ = 0;
    std::size_t in_end_ = 0;
    std::size_t app_start_ = 0;
    std::size_t app_end_ = 0;
    bool eof_ = false;

    // Output: records to send. Once output() has handed out the unsent bytes of
    // out_, they must not move until consumed (a transport write may be in
    // flight), so records made meanwhile (a KeyUpdate reply, an alert) go to
    // out_next_ and follow when out_ is fully consumed.
    io_buffer out_;
    std::size_t out_start_ = 0;
    io_buffer out_next_;
    mutable bool output_handed_out_ = false;
    std::uint64_t made_ = 0;
    std::uint64_t sent_ = 0;

    // Handshake bytes received: [hs_pos_, end) not yet taken as messages.
    bytes hs_;
    std::size_t hs_pos_ = 0;
    // Handshake messages made but not yet framed into records.
    bytes hs_out_;

    protection read_;
    protection write_;
    std::uint16_t initial_version_;
    bool ccs_allowed_ = false;
    bool ccs_expected_ = false;
    bool ccs_pending_ = false;
    bool ccs_sent_ = false;
    bool handshake_done_ = false;
    bool failed_ = false;
    int empty_records_ = 0;
    int warning_alerts_ = 0;
    bool drop_warnings_ = false;
    bool skipping_early_data_ = false;
    std::size_t early_data_skipped_ = 0;
    std::size_t early_data_skip_limit_ = max_skipped_early_data;
};

}  // namespace tlsio::record

#endif
