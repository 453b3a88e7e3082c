// The TLS 1.3 handshake of one connection: the client and server state
// machines and post-handshake messages. Records go through record::layer.
#ifndef TLSIO_SRC_HANDSHAKE_CONNECTION_HPP
#define TLSIO_SRC_HANDSHAKE_CONNECTION_HPP

#include "context/context_impl.hpp"
#include "crypto/hash.hpp"
#include "crypto/kx.hpp"
#include "crypto/x509.hpp"
#include "handshake/key_schedule.hpp"
#include "record/layer.hpp"
#include "wire/messages.hpp"

#include <tlsio/engine_options.hpp>

#include <array>
#include <optional>
#include <variant>

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
    /// `records` is the connection's record layer, owned by the engine beside
    /// this object; handshake messages go out and keys go in through it.
    connection(std::shared_ptr<const context::impl> ctx, role r, engine_options options,
               record::layer& records);
    ~connection();

    /// Client: sends the first ClientHello.
    error start();
    /// Handles one complete handshake message, in the handshake or after it.
    error on_message(const record::handshake_message& m);
    /// Records the failure `e` and sends its alert (unless close_notify was
    /// sent). `message` says which check failed; the code's text otherwise.
    void fail(error e, std::string message = {});
    /// Records an alert the peer sent.
    void fail_from_peer(alert a);
    /// Application data arrived: KeyUpdates in a row start counting again.
    void note_application_data() noexcept { key_updates_in_a_row_ = 0; }
    /// Sends a KeyUpdate and installs the next write keys.
    void update_write_keys(bool request_peer);
    bool in_handshake() const noexcept {
        return state_ != state::client_start && state_ != state::expect_client_hello &&
               state_ != state::connected && state_ != state::failed;
    }

    // State and negotiated parameters, read by tlsio::engine.
    role role_;
    state state_;
    boost::system::error_code error_;
    std::string error_message_;
    bool received_close_notify_ = false;
    bool sent_close_notify_ = false;
    /// A KeyUpdate(update_requested) arrived and our reply is not made yet.
    /// The engine makes it before our next application data, our own KeyUpdate
    /// or close_notify (RFC 8446 section 4.6.3 asks for it before our next
    /// application data), so requests read in any number of reads before
    /// then get one reply, as with BoringSSL and rustls; a flood of requests
    /// queues nothing.
    bool key_update_reply_pending_ = false;
    /// ... and application data was handed to the application since: an
    /// endpoint that only reads makes the reply at its next read.
    bool key_update_reply_due_ = false;
    bool hello_retry_ = false;
    std::uint16_t suite_id_ = 0;
    std::uint16_t group_ = 0;
    std::uint16_t peer_scheme_ = 0;
    std::optional<std::uint16_t> own_scheme_;
    std::string alpn_;
    std::string server_name_;
    std::vector<bytes> peer_certificates_;
    long verify_result_ = 0;
    std::shared_ptr<const context::impl> ctx_;

private:
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
    /// Installs the peer's next keys; unexpected_message when handshake bytes
    /// would straddle the key change.
    [[nodiscard]] error install_read(const secret& s);
    void install_write(const secret& s);
    /// The compatibility ChangeCipherSpec, when we are in middlebox
    /// compatibility mode (a non-empty legacy_session_id).
    void queue_compat_ccs() noexcept;
    void log_secret(const char* label, const secret& s) const;
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

    engine_options options_;
    record::layer& records_;

    // Extension types our last hello carried (after the test hook), which the
    // peer may answer.
    std::vector<std::uint16_t> offered_extensions_;

    secret read_secret_;
    secret write_secret_;
    int key_updates_in_a_row_ = 0;

    // Handshake state.
    const suite_info* suite_ = nullptr;
    /// The key schedule's current stage (nothing before the suite is known
    /// and after the handshake).
    std::variant<std::monostate, early_secret, handshake_secret, master_secret> schedule_;
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
