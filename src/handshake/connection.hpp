// The TLS 1.3 connection behind tlsio::engine: record I/O, the client and
// server handshake state machines, alerts and post-handshake messages.
#ifndef TLSIO_SRC_HANDSHAKE_CONNECTION_HPP
#define TLSIO_SRC_HANDSHAKE_CONNECTION_HPP

#include "crypto/hash.hpp"
#include "crypto/kx.hpp"
#include "crypto/x509.hpp"
#include "engine/context_impl.hpp"
#include "handshake/key_schedule.hpp"
#include "record/buffer_pool.hpp"
#include "record/protection.hpp"
#include "wire/messages.hpp"

#include <tlsio/engine.hpp>

#include <array>
#include <optional>

namespace tlsio::handshake {

/// Client: a key share offered in the ClientHello and what finishes it.
struct offered_share {
    const crypto::key_exchange* kx = nullptr;
    crypto::kx_state state;
    bytes share;  ///< our key_exchange value, as sent
};

/// The message each state accepts next; anything else is unexpected_message.
enum class state {
    // Client.
    client_start,
    expect_server_hello,
    expect_encrypted_extensions,
    expect_certificate_or_request,
    expect_server_certificate,
    expect_server_certificate_verify,
    expect_server_finished,
    // Server.
    expect_client_hello,
    expect_second_client_hello,
    expect_client_certificate,
    expect_client_certificate_verify,
    expect_client_finished,
    // Both.
    connected,
    failed,
};

class connection {
public:
    connection(std::shared_ptr<const context::impl> ctx, role r, engine_options options);
    ~connection();

    status handshake();
    status read(std::span<std::uint8_t> buffer, std::size_t& bytes_read);
    status write(std::span<const byte_view> buffers, std::size_t& bytes_written);
    status shutdown();
    status key_update(bool request_peer);

    std::span<std::uint8_t> input_space();
    void commit_input(std::size_t n);
    void commit_eof() noexcept { eof_ = true; }
    /// Called by the engine after every call, so gathered messages leave.
    void end_of_call() { flush_handshake(); }
    std::span<const std::uint8_t> output() const noexcept {
        if (out_start_ < out_.size()) {
            output_handed_out_ = true;
        }
        return {out_.data() + out_start_, out_.size() - out_start_};
    }
    void consume_output(std::size_t n);
    void feed(std::span<const std::uint8_t> data);

    // State and negotiated parameters, read by tlsio::engine.
    role role_;
    state state_;
    boost::system::error_code error_;
    std::string error_message_;
    bool received_close_notify_ = false;
    bool sent_close_notify_ = false;
    bool hello_retry_ = false;
    std::uint16_t suite_id_ = 0;
    std::uint16_t group_ = 0;
    std::uint16_t peer_scheme_ = 0;
    std::optional<std::uint16_t> own_scheme_;
    std::string alpn_;
    std::string server_name_;
    std::vector<bytes> peer_certificates_;
    long verify_result_ = 0;

    std::size_t pending() const noexcept { return app_end_ - app_start_; }
    std::size_t buffered_input() const noexcept { return in_end_ - in_start_; }

private:
    // ---- Records -------------------------------------------------------------
    struct record_view {
        wire::content_type type;
        mutable_bytes content;
    };
    enum class next { record, need_input, failed };
    /// The next record; protected application data is opened into
    /// `destination` when it fits there.
    next next_record(record_view& r, mutable_bytes destination = {});
    /// True when a whole record is waiting in the input.
    bool record_buffered() const noexcept;
    void release_input_if_idle() noexcept;
    /// Handles one record. Application data opened into `destination` is not
    /// pending: `*direct` says how much of it there is.
    status process_one(mutable_bytes destination = {}, std::size_t* direct = nullptr);
    status handle_alert(byte_view content);
    status handle_change_cipher_spec(byte_view content, bool protected_record);
    status handle_handshake_bytes(byte_view content);
    void write_record(wire::content_type type, byte_view content);
    /// Writes the bytes of `parts`, in order, as records of `type`.
    void write_records(wire::content_type type, std::span<const byte_view> parts);
    /// Handshake messages are gathered and leave as few records as possible:
    /// this writes what was gathered, before a key change or another record type.
    void flush_handshake();
    void write_change_cipher_spec();
    void send_alert(alert a);
    status fail(error e, std::string message = {});
    status fail_from_peer(alert a);
    status need_input();

    // ---- Handshake messages --------------------------------------------------
    error dispatch(wire::handshake_type type, byte_view body, byte_view message);
    void send_handshake(wire::handshake_type type, const bytes& body);
    bytes edit_extensions(std::uint8_t message_type, std::vector<raw_extension>& extensions);
    std::size_t transcript_hash(std::uint8_t* out) const { return transcript_.peek({out, 64}); }
    void start_transcript(const suite_info& suite);
    error key_change_boundary() const;

    // Client.
    error client_send_hello();
    error client_on_server_hello(byte_view body, byte_view message);
    error client_on_hello_retry(const wire::server_hello& hrr, byte_view message);
    error client_on_encrypted_extensions(byte_view body, byte_view message);
    error client_on_certificate_request(byte_view body, byte_view message);
    error client_on_certificate(byte_view body, byte_view message);
    error client_on_certificate_verify(byte_view body, byte_view message);
    error client_on_finished(byte_view body, byte_view message);

    // Server.
    error server_on_client_hello(byte_view body, byte_view message);
    error server_send_hello_retry(const wire::client_hello& ch, byte_view message,
                                  const suite_info& suite, std::uint16_t group);
    error server_send_flight(const wire::client_hello& ch, const wire::key_share_entry& share,
                             const credential& cred, std::uint16_t scheme);
    error server_on_certificate(byte_view body, byte_view message);
    error server_on_certificate_verify(byte_view body, byte_view message);
    error server_on_finished(byte_view body, byte_view message);

    // Shared.
    error verify_peer_chain(const wire::certificate_msg& msg, crypto::peer_role peer);
    error check_certificate_verify(byte_view body, byte_view message, const char* context_string,
                                   const std::vector<std::uint16_t>& allowed);
    error send_certificate(const credential* cred, byte_view request_context);
    error send_certificate_verify(const credential& cred, std::uint16_t scheme,
                                  const char* context_string);
    void send_finished(const secret& base_key);
    error check_finished(byte_view body, const secret& base_key);
    error on_post_handshake(wire::handshake_type type, byte_view body);
    void install_read(const secret& s);
    void install_write(const secret& s);
    void log_secret(const char* label, const secret& s) const;
    void update_write_keys(bool request_peer);
    void finish_handshake();
    /// Handshake Secret from the (EC)DHE secret (which it wipes), and both
    /// handshake traffic secrets for the transcript so far.
    void enter_handshake_secrets(bytes& shared);
    /// Master Secret and both application traffic secrets for the transcript
    /// through the server's Finished; keeps the client's, returns the server's.
    secret enter_application_secrets();
    verify_mode peer_verify_mode() const noexcept {
        return options_.peer_verify_mode ? *options_.peer_verify_mode
                                         : ctx_->effective_verify_mode(role_);
    }

    std::shared_ptr<const context::impl> ctx_;
    engine_options options_;

    // Input: raw transport bytes [in_start_, in_end_) and decrypted application
    // data [app_start_, app_end_), both inside in_.
    record::io_buffer in_;
    std::size_t in_start_ = 0;
    std::size_t in_end_ = 0;
    std::size_t app_start_ = 0;
    std::size_t app_end_ = 0;
    bool eof_ = false;

    // Output: records to send. Once output() has handed out the unsent bytes of
    // out_, they must not move until consumed (a transport write may be in
    // flight), so records made meanwhile (a KeyUpdate reply, an alert) go to
    // out_next_ and follow when out_ is fully consumed.
    record::io_buffer out_;
    std::size_t out_start_ = 0;
    record::io_buffer out_next_;
    mutable bool output_handed_out_ = false;
    record::io_buffer& output_target() noexcept { return output_handed_out_ ? out_next_ : out_; }

    // Handshake bytes received but not yet processed (messages may span records).
    bytes hs_;
    // Handshake messages made but not yet framed into records.
    bytes hs_out_;
    // Extension types our last hello carried (after the test hook), which the
    // peer may answer.
    std::vector<std::uint16_t> offered_extensions_;

    record::protection read_;
    record::protection write_;
    secret read_secret_;
    secret write_secret_;
    bool ccs_pending_ = false;  ///< compatibility CCS to send before the first protected record
    bool ccs_sent_ = false;
    bool more_handshake_bytes_ = false;  ///< bytes follow the message being handled

    // Handshake state.
    const suite_info* suite_ = nullptr;
    std::optional<key_schedule> schedule_;
    crypto::hash_context transcript_;
    std::array<std::uint8_t, 32> client_random_{};
    bytes session_id_;
    std::vector<offered_share> key_shares_;  ///< client, in ClientHello order
    bytes first_client_hello_;               ///< client: until the transcript hash is known
    secret client_hs_secret_;
    secret server_hs_secret_;
    secret client_ap_secret_;
    std::vector<crypto::certificate> peer_chain_;
    std::vector<std::uint16_t> peer_allowed_schemes_;  ///< CertificateRequest's list
    bool certificate_requested_ = false;
    bool sent_sni_ = false;
    bytes hrr_cookie_;
    std::uint16_t hrr_group_ = 0;
};

}  // namespace tlsio::handshake

#endif
