// The TLS 1.3 and TLS 1.2 handshakes of one connection: the client and
// server state machines and post-handshake messages. Records go through
// record::layer.
//
// Each handshake state is a type that carries only what is valid in it (as
// rustls' Expect* states); the connection holds one of them in a variant,
// and a transition consumes the state it leaves. Secrets live in the states
// that need them, so they are wiped (secret's destructor) when the state ends:
// there is no list of members to clear by hand.
#ifndef TLSIO_SRC_HANDSHAKE_CONNECTION_HPP
#define TLSIO_SRC_HANDSHAKE_CONNECTION_HPP

#include "context/context_impl.hpp"
#include "context/session_state.hpp"
#include "crypto/hash.hpp"
#include "crypto/kx.hpp"
#include "crypto/x509.hpp"
#include "handshake/key_schedule.hpp"
#include "handshake/tls12_keys.hpp"
#include "record/layer.hpp"
#include "wire/messages.hpp"

#include <tlsio/engine_options.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <variant>

namespace tlsio::handshake {

/// RFC 8446 section 4.6.1: no ticket lives longer than 7 days (tlsio's TLS
/// 1.2 tickets and session IDs keep to it too).
inline constexpr std::uint32_t max_ticket_lifetime = 7 * 24 * 3600;

/// Clock readings as sessions keep them.
inline std::uint64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}
inline std::uint64_t unix_milliseconds(std::chrono::system_clock::time_point t) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

/// Client: a key share offered in the ClientHello and what finishes it.
struct offered_share {
    const crypto::key_exchange* kx = nullptr;
    crypto::kx_state state;
    bytes share;  ///< our key_exchange value, as sent
};

/// The transcript from the moment the suite (and so its hash) is known, and
/// the client random the key log names. Nothing secret.
struct transcript_state {
    crypto::hash_context hash;
    std::array<std::uint8_t, wire::random_size> client_random{};

    /// The transcript hash so far into `out`; returns its size.
    std::size_t current(std::uint8_t* out) const { return hash.peek({out, 64}); }
};

/// The Handshake Secret stage and both handshake traffic secrets.
struct handshake_keys {
    handshake_secret stage;
    secret client;  ///< client_handshake_traffic_secret
    secret server;  ///< server_handshake_traffic_secret
};

// ---- Client states ----------------------------------------------------------------

/// What the client keeps of the ClientHello it sent.
struct sent_client_hello {
    std::array<std::uint8_t, wire::random_size> random{};
    bytes session_id;
    std::vector<offered_share> shares;  ///< in ClientHello order
    /// Extension types the hello carried (after the test hook): the peer may
    /// answer these.
    std::vector<std::uint16_t> offered_extensions;
    bool sent_sni = false;
    bool offered13 = false;  ///< TLS 1.3 was offered (supported_versions)
    bool offered12 = false;  ///< TLS 1.2 was offered (its suites and extensions)
    /// The session offered in pre_shared_key, if any.
    std::optional<resumption::session_state> offered_session;
    /// The first ClientHello offered 0-RTT (early_data) for that session.
    bool early_data = false;
    /// The TLS 1.2 session offered (session_ticket or session ID), if any.
    std::optional<resumption::session_state> offered_session12;
};

/// Before start().
struct client_start {};

/// The first ClientHello is out; its bytes wait for the suite's hash.
struct expect_server_hello {
    sent_client_hello hello;
    bytes client_hello;  ///< the whole message, hashed once the suite is known
};

/// The second ClientHello (after a HelloRetryRequest) is out.
struct expect_server_hello_after_hrr {
    sent_client_hello hello;
    transcript_state transcript;
};

/// What every client state after the ServerHello carries.
struct client_keys {
    transcript_state transcript;
    handshake_keys keys;
    std::vector<std::uint16_t> offered_extensions;
    bool resumed = false;  ///< the server took our PSK: no certificate follows
};

struct expect_encrypted_extensions {
    client_keys k;
    bool sent_sni = false;
};

struct expect_certificate_or_request {
    client_keys k;
};

/// After a CertificateRequest.
struct expect_certificate {
    client_keys k;
    std::vector<std::uint16_t> requested_schemes;  ///< the request's signature_algorithms
};

struct expect_certificate_verify {
    client_keys k;
    std::vector<crypto::certificate> chain;
    std::optional<std::vector<std::uint16_t>> requested_schemes;
};

struct expect_finished {
    client_keys k;
    std::optional<std::vector<std::uint16_t>> requested_schemes;
};

// ---- Server states ----------------------------------------------------------------

/// Before the first ClientHello.
struct expect_client_hello {};

/// What the server applies from the application's answer, kept for a second
/// ClientHello after a HelloRetryRequest.
struct server_choice {
    std::optional<std::size_t> credential;
    std::optional<std::string> alpn;
};

/// The ClientHello callback answers later: the hello waits here, whole.
struct expect_application_answer {
    bytes client_hello;  ///< the whole message
    client_hello_info info;
    std::optional<client_hello_answer> answer;
};

/// A HelloRetryRequest is out.
struct expect_second_client_hello {
    transcript_state transcript;
    std::uint16_t group = 0;  ///< the group the HelloRetryRequest asked for
    bytes cookie;             ///< the cookie it carried (test hook), if any
    server_choice choice;
    /// The first ClientHello offered a PSK this server would resume, which
    /// the second must offer again (RFC 8446 section 4.1.2).
    bool psk_acceptable = false;
};

/// What every server state after its flight carries.
struct server_keys {
    transcript_state transcript;
    secret client_handshake;    ///< checks the client's Finished
    secret client_application;  ///< read keys once that Finished is in
    /// Makes the resumption secret once the client's Finished is in.
    std::optional<master_secret> master;
};

/// Server: the ticket the server resumes, found in the ClientHello.
struct accepted_psk {
    std::uint16_t index = 0;  ///< selected_identity
    resumption::session_state session;
};

/// 0-RTT accepted: early data, then EndOfEarlyData, under the client's
/// early traffic keys (RFC 8446 section 4.5).
struct expect_end_of_early_data {
    server_keys k;
};

struct expect_client_certificate {
    server_keys k;
};

struct expect_client_certificate_verify {
    server_keys k;
    std::vector<crypto::certificate> chain;
};

struct expect_client_finished {
    server_keys k;
};

// ---- TLS 1.2 states (client12.cpp, server12.cpp) ----------------------------------

/// The TLS 1.2 transcript: its hash, both randoms, and the messages
/// themselves, which a CertificateVerify signs whole with its scheme's hash
/// (RFC 5246 section 7.4.8). Nothing secret.
struct transcript12 {
    crypto::hash_context hash;
    bytes messages;
    std::array<std::uint8_t, wire::random_size> client_random{};
    std::array<std::uint8_t, wire::random_size> server_random{};

    void add(byte_view message) {
        hash.update(message);
        messages.insert(messages.end(), message.begin(), message.end());
    }
    std::size_t current(std::uint8_t* out) const { return hash.peek({out, 64}); }
};

// Client.
struct expect_certificate12 {
    transcript12 t;
};

struct expect_server_key_exchange12 {
    transcript12 t;
    std::vector<crypto::certificate> chain;
};

/// After ServerKeyExchange: our ECDHE share is made and the premaster secret
/// known; a CertificateRequest may come before ServerHelloDone.
struct expect_server_hello_done12 {
    transcript12 t;
    bytes client_point;
    secret pre_master;
    std::optional<std::vector<std::uint16_t>> requested_schemes;
};

/// Our flight is out; the server's ChangeCipherSpec, then its Finished.
struct expect_server_ccs12 {
    transcript12 t;
    secret master;
};

struct expect_server_finished12 {
    transcript12 t;
    secret master;
};

// Server.
/// ServerHelloDone is out: the client's Certificate (when asked for) or
/// ClientKeyExchange comes next.
struct expect_client_key_exchange12 {
    transcript12 t;
    const crypto::key_exchange* kx = nullptr;
    crypto::kx_state state;
    bool certificate_expected = false;       ///< a CertificateRequest was sent
    std::vector<crypto::certificate> chain;  ///< the client's, once received
};

struct expect_client_certificate_verify12 {
    transcript12 t;
    secret master;
    std::vector<crypto::certificate> chain;
};

struct expect_client_ccs12 {
    transcript12 t;
    secret master;
};

struct expect_client_finished12 {
    transcript12 t;
    secret master;
};

// ---- Both ---------------------------------------------------------------------------

struct connected {};
struct failed {};

using state =
    std::variant<client_start, expect_server_hello, expect_server_hello_after_hrr,
                 expect_encrypted_extensions, expect_certificate_or_request, expect_certificate,
                 expect_certificate_verify, expect_finished, expect_client_hello,
                 expect_application_answer, expect_second_client_hello, expect_end_of_early_data,
                 expect_client_certificate, expect_client_certificate_verify,
                 expect_client_finished, expect_certificate12, expect_server_key_exchange12,
                 expect_server_hello_done12, expect_server_ccs12, expect_server_finished12,
                 expect_client_key_exchange12, expect_client_certificate_verify12,
                 expect_client_ccs12, expect_client_finished12, connected, failed>;

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
    /// The ChangeCipherSpec the record layer was told to expect (TLS 1.2).
    error on_change_cipher_spec();
    /// Server: goes on with the ClientHello once the application answered.
    error resume();
    /// Records the failure `e` and sends its alert (unless close_notify was
    /// sent). `message` says which check failed; the code's text otherwise.
    void fail(error e, std::string message = {});
    /// fail() with an alert other than to_alert(e).
    void fail(error e, std::string message, alert sent);
    /// Fails without an alert (the transport is gone, or nothing may be sent).
    void fail_silently(boost::system::error_code e, std::string message);
    /// Records an alert the peer sent.
    void fail_from_peer(alert a);
    /// Application data arrived: KeyUpdates in a row start counting again.
    void note_application_data() noexcept { key_updates_in_a_row_ = 0; }
    /// Sends a KeyUpdate and installs the next write keys.
    void update_write_keys(bool request_peer);

    bool is_connected() const noexcept { return std::holds_alternative<connected>(state_); }
    bool is_failed() const noexcept { return std::holds_alternative<failed>(state_); }
    bool is_client_start() const noexcept { return std::holds_alternative<client_start>(state_); }
    bool in_handshake() const noexcept {
        return !is_client_start() && !std::holds_alternative<expect_client_hello>(state_) &&
               !is_connected() && !is_failed();
    }
    /// The compatibility ChangeCipherSpec of TLS 1.3 may be dropped now: in
    /// the handshake, when TLS 1.3 may still be negotiated. TLS 1.2's
    /// ChangeCipherSpec is real: the handshake says when it may come.
    bool compat_ccs_allowed() const noexcept {
        return in_handshake() && !tls12_ && ctx_->allows(wire::tls13_version);
    }
    /// Server: 0-RTT was accepted and its data is being read.
    bool reading_early_data() const noexcept {
        return std::holds_alternative<expect_end_of_early_data>(state_);
    }
    /// Client: early data goes out under the early traffic keys now.
    bool writing_early_data() const noexcept { return early_write_open_; }
    /// Client: write() may send early data now.
    bool can_write_early() const noexcept { return early_write_open_ && early_data_left_ > 0; }
    /// Client: early bytes write() may still send; server: may still receive.
    std::size_t early_data_left() const noexcept { return early_data_left_; }
    /// Client: `data` went out as early data; kept to resend if rejected.
    void note_early_data_written(std::span<const byte_view> data, std::size_t size);
    /// Server: `size` bytes of early data arrived; unexpected_message past
    /// the announced max_early_data_size (RFC 8446 4.2.10).
    error note_early_data_read(std::size_t size);
    /// Client: the rejected early data to send again after the handshake
    /// (empty when there is none); taken once.
    bytes take_early_data_to_resend();
    /// Server: the hello waiting for the application's answer, or nullptr.
    expect_application_answer* waiting() noexcept {
        return std::get_if<expect_application_answer>(&state_);
    }

    // Negotiated parameters and the connection's fate, read by tlsio::engine.
    role role_;
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
    bool hello_retry_ = false;  ///< a HelloRetryRequest was sent or received
    bool tls12_ = false;        ///< TLS 1.2 was negotiated
    std::uint16_t suite_id_ = 0;
    std::uint16_t group_ = 0;
    std::uint16_t peer_scheme_ = 0;
    std::optional<std::uint16_t> own_scheme_;
    std::string alpn_;
    std::string server_name_;
    std::vector<bytes> peer_certificates_;
    long verify_result_ = 0;
    /// The handshake resumed a session (RFC 8446 section 2.2).
    bool session_reused_ = false;
    early_data_status early_data_status_ = early_data_status::not_sent;
    /// Client: the newest session a server's ticket gave.
    std::shared_ptr<const resumption::session_state> last_session_;
    std::shared_ptr<const context::impl> ctx_;

private:
    // ---- Handshake messages --------------------------------------------------
    error dispatch(wire::handshake_type type, byte_view body, byte_view message);
    void send_handshake(wire::handshake_type type, const bytes& body,
                        crypto::hash_context* transcript);
    bytes edit_extensions(std::uint8_t message_type, std::vector<raw_extension>& extensions);
    error key_change_boundary();

    // Client.
    error client_send_hello(sent_client_hello& hello, byte_view cookie,
                            crypto::hash_context* transcript, bytes* message_out);
    error client_on_server_hello(sent_client_hello& hello, bytes* first_hello,
                                 transcript_state* after_hrr, byte_view body, byte_view message);
    error client_on_hello_retry(sent_client_hello& hello, const bytes& first_hello,
                                const wire::server_hello& hrr, byte_view message);
    error client_on_encrypted_extensions(expect_encrypted_extensions& s, byte_view body,
                                         byte_view message);
    error client_on_certificate_request(expect_certificate_or_request& s, byte_view body,
                                        byte_view message);
    error client_on_certificate(client_keys& k, std::optional<std::vector<std::uint16_t>> requested,
                                byte_view body, byte_view message);
    error client_on_certificate_verify(expect_certificate_verify& s, byte_view body,
                                       byte_view message);
    error client_on_finished(expect_finished& s, byte_view body, byte_view message);

    // Server.
    error server_on_first_client_hello(byte_view body, byte_view message);
    error server_on_client_hello(const wire::client_hello& ch, byte_view message,
                                 const server_choice& choice,
                                 expect_second_client_hello* after_hrr);
    error server_apply_answer(const wire::client_hello& ch, const client_hello_answer& answer,
                              server_choice& choice);
    error server_send_hello_retry(const wire::client_hello& ch, byte_view message,
                                  const suite_info& suite, std::uint16_t group,
                                  const server_choice& choice);
    error server_send_flight(transcript_state transcript, const wire::client_hello& ch,
                             const wire::key_share_entry& share, const credential& cred,
                             std::uint16_t scheme, std::optional<accepted_psk> psk);
    error server_on_certificate(expect_client_certificate& s, byte_view body, byte_view message);
    error server_on_certificate_verify(expect_client_certificate_verify& s, byte_view body,
                                       byte_view message);
    error server_on_finished(expect_client_finished& s, byte_view body, byte_view message);

    // TLS 1.2 client (client12.cpp).
    error client12_on_server_hello(sent_client_hello& hello, const bytes& first_hello,
                                   wire::server_hello& sh, byte_view message);
    error client12_on_certificate(expect_certificate12& s, byte_view body, byte_view message);
    error client12_on_server_key_exchange(expect_server_key_exchange12& s, byte_view body,
                                          byte_view message);
    error client12_on_certificate_request(expect_server_hello_done12& s, byte_view body,
                                          byte_view message);
    error client12_on_server_hello_done(expect_server_hello_done12& s, byte_view body,
                                        byte_view message);
    error client12_on_finished(expect_server_finished12& s, byte_view body, byte_view message);

    // TLS 1.2 server (server12.cpp).
    error server12_on_client_hello(const wire::client_hello& ch, byte_view message,
                                   const server_choice& choice);
    error server12_on_certificate(expect_client_key_exchange12& s, byte_view body,
                                  byte_view message);
    error server12_on_client_key_exchange(expect_client_key_exchange12& s, byte_view body,
                                          byte_view message);
    error server12_on_certificate_verify(expect_client_certificate_verify12& s, byte_view body,
                                         byte_view message);
    error server12_on_finished(expect_client_finished12& s, byte_view body, byte_view message);
    /// The session a TLS 1.2 ClientHello's ticket or session ID names, if
    /// this server can resume it.
    std::optional<resumption::session_state> server12_find_session(const wire::client_hello& ch,
                                                                   bool& by_ticket);
    /// The abbreviated handshake (RFC 5246 7.3): ServerHello, [NewSessionTicket],
    /// ChangeCipherSpec, Finished.
    error server12_resume(const wire::client_hello& ch, byte_view message,
                          const server_choice& choice, resumption::session_state session,
                          bool by_ticket);
    /// The TLS 1.2 ServerHello with `session_id`, answering what `ch` offered.
    void send_server_hello12(transcript12& t, const wire::client_hello& ch, byte_view session_id,
                             bool resumed);
    /// Full handshake: a ticket for the client, or its session under the ID
    /// the ServerHello gave, before our ChangeCipherSpec.
    void server12_keep_session(transcript12& t, const secret& master);
    /// Server: tickets are sent (set_num_tickets) and there is a key to seal them.
    bool can_issue_tickets() const {
        return ctx_->num_tickets > 0 && ctx_->ticket_keys->can_seal();
    }
    /// What this TLS 1.2 connection resumes from, once its master secret is known.
    resumption::session_state session12(const secret& master) const;
    error client12_on_new_session_ticket(expect_server_ccs12& s, byte_view body, byte_view message);
    /// Client: keeps the session (with its ticket or session ID) for later.
    void client12_keep_session(const secret& master);

    // TLS 1.2, both roles.
    /// The ChangeCipherSpec arrived: the peer's keys from the master secret.
    error install_read12(const transcript12& t, const secret& master);
    /// Our ChangeCipherSpec, then our keys.
    void install_write12(const transcript12& t, const secret& master);
    void send_finished12(transcript12& t, const secret& master);
    /// Queues a handshake message and adds it to the TLS 1.2 transcript.
    void send12(transcript12& t, wire::handshake_type type, byte_view body);
    /// The TLS 1.2 Certificate: `cred`'s chain, or empty without one.
    void send_certificate12(transcript12& t, const credential* cred);
    /// CertificateVerify (RFC 5246 7.4.8), signing every message so far.
    error send_certificate_verify12(transcript12& t, const credential& cred, std::uint16_t scheme);
    error check_finished12(const transcript12& t, byte_view body, const secret& master);
    /// The master secret from the premaster secret (wiped) and the session
    /// hash, the transcript through ClientKeyExchange (RFC 7627).
    secret enter_master_secret12(const transcript12& t, secret& pre_master);
    /// The version a server negotiates for `ch` (protocol_version when none,
    /// inappropriate_fallback for an unneeded TLS_FALLBACK_SCSV).
    error choose_version(const wire::client_hello& ch, std::uint16_t& chosen);
    /// Post-handshake messages of a TLS 1.2 connection.
    error on_post_handshake12(wire::handshake_type type);

    // Resumption (resumption.cpp).
    /// Client: the session to offer (engine_options::session, else the
    /// context's cache), if one fits this connection.
    void client_choose_session(sent_client_hello& hello);
    /// Client: psk_key_exchange_modes, and pre_shared_key (last) when a
    /// session is offered, with its binder still zero.
    void client_add_psk_extensions(const sent_client_hello& hello,
                                   std::vector<raw_extension>& exts) const;
    /// Client: writes the binder at the end of `body` (the whole ClientHello
    /// body), over the transcript so far (after a HelloRetryRequest) and the
    /// hello up to its binders.
    void client_write_binder(const sent_client_hello& hello, bytes& body,
                             const crypto::hash_context* transcript) const;
    error client_on_new_session_ticket(byte_view body);
    /// Server: the offered ticket this server can resume, if any; an error
    /// when its binder does not verify. `before` is the transcript before
    /// this ClientHello (after a HelloRetryRequest), or nullptr.
    error server_find_psk(const wire::client_hello& ch, byte_view message, const suite_info& suite,
                          const crypto::hash_context* before, std::optional<accepted_psk>& out);
    void server_send_tickets(const secret& resumption_master);
    /// Server: what every resumed session must meet, whatever its version:
    /// this SNI name, its lifetime not over by this server's clock (`now_s`),
    /// and a verified client where this context requires one.
    bool server_may_resume(const resumption::session_state& s, std::uint64_t now_s) const;
    /// Server: the lifetime new tickets (and TLS 1.2 sessions) announce.
    std::uint32_t issued_ticket_lifetime() const noexcept {
        return static_cast<std::uint32_t>(std::min<std::int64_t>(
            ctx_->ticket_lifetime.count(), std::int64_t{max_ticket_lifetime}));
    }
    /// What both ends keep of this connection for the ticket `nonce` names,
    /// its PSK included; each end adds its own fields.
    resumption::session_state session_of_ticket(const secret& resumption_master, byte_view nonce,
                                                std::uint32_t lifetime,
                                                std::uint32_t age_add) const;

    // 0-RTT early data (early_data.cpp).
    /// Client: whether to offer early data for the session `hello` offers.
    bool client_wants_early_data(const sent_client_hello& hello) const;
    /// Client: after the first ClientHello, the early traffic keys for writing.
    void client_begin_early_data(const sent_client_hello& hello, byte_view client_hello);
    /// Client: a HelloRetryRequest ends 0-RTT; the second ClientHello goes
    /// in plaintext.
    void client_end_early_data_on_retry();
    /// Client: the early_data extension of EncryptedExtensions, if any.
    error client_on_early_data_answer(const client_keys& k, bool accepted);
    /// Client: after the server's Finished, EndOfEarlyData if the data was
    /// taken, then the handshake write keys.
    void client_end_early_data(transcript_state& t, const secret& client_handshake);
    /// Server: whether to take the early data offered with `psk`.
    bool server_accepts_early_data(const wire::client_hello& ch, const accepted_psk& psk);
    /// Server: the client's early traffic secret for the transcript `t`
    /// (the ClientHello) and `psk`.
    secret early_traffic_secret(const transcript_state& t, byte_view psk) const;
    error server_on_end_of_early_data(expect_end_of_early_data& s, byte_view body,
                                      byte_view message);

    // Shared.
    /// The error for how a key exchange went: ok, illegal_parameter for the
    /// peer's invalid share (`invalid` says whose), internal_error for ours.
    error kx_result(crypto::kx_status status, const char* invalid);
    /// Checks `signature` over `content` by the leaf's key with `scheme`, which
    /// must be in `allowed` and (TLS 1.3) allowed in a CertificateVerify.
    error verify_signature(const crypto::certificate& leaf, std::uint16_t scheme, byte_view content,
                           byte_view signature, const std::vector<std::uint16_t>& allowed,
                           bool tls12, const char* what);
    /// Signs `content` with `cred` and `scheme`.
    error sign(const credential& cred, std::uint16_t scheme, byte_view content, bytes& signature,
               const char* what);
    /// The credential and signature scheme a server signs with: the one the
    /// callback chose, or the best fit for the client (TLS 1.2: for `suite12`).
    error server_choose_credential(const wire::client_hello& ch, const server_choice& choice,
                                   const tls12::suite* suite12, const credential*& cred,
                                   std::uint16_t& scheme);
    /// The ALPN protocol a server selects (or the callback chose) into alpn_.
    error server_choose_alpn(const wire::client_hello& ch, const server_choice& choice);
    error verify_peer_chain(const wire::certificate_msg& msg, crypto::peer_role peer,
                            const std::vector<std::uint16_t>& offered_extensions,
                            std::vector<crypto::certificate>& chain);
    error check_certificate_verify(transcript_state& t, const crypto::certificate& leaf,
                                   byte_view body, byte_view message, const char* context_string,
                                   const std::vector<std::uint16_t>& allowed);
    void send_certificate(transcript_state& t, const credential* cred, byte_view request_context);
    error send_certificate_verify(transcript_state& t, const credential& cred, std::uint16_t scheme,
                                  const char* context_string);
    void send_finished(transcript_state& t, const secret& base_key);
    error check_finished(const transcript_state& t, byte_view body, const secret& base_key);
    error on_post_handshake(wire::handshake_type type, byte_view body);
    /// Installs the peer's next keys; unexpected_message when handshake bytes
    /// would straddle the key change.
    [[nodiscard]] error install_read(const secret& s);
    void install_write(const secret& s);
    /// The compatibility ChangeCipherSpec, when we are in middlebox
    /// compatibility mode (a non-empty legacy_session_id).
    void queue_compat_ccs(byte_view session_id) noexcept;
    void log_secret(const std::array<std::uint8_t, wire::random_size>& client_random,
                    const char* label, const secret& s) const;
    /// Enters the connected state: the handshake state (and every secret in
    /// it) goes away.
    void finish_handshake();
    /// The Handshake Secret stage from the (EC)DHE secret (which it wipes)
    /// and the PSK's early secret (none: a string of zeros), and both
    /// handshake traffic secrets for the transcript so far.
    handshake_keys enter_handshake_secrets(const transcript_state& t, bytes& shared,
                                           byte_view psk = {});
    struct application_secrets {
        secret client;
        secret server;
        master_secret master;  ///< for the resumption secret, after the client's Finished
    };
    /// The Master Secret's application traffic secrets for the transcript
    /// through the server's Finished.
    application_secrets enter_application_secrets(const transcript_state& t,
                                                  handshake_secret stage);
    verify_mode peer_verify_mode() const noexcept {
        return options_.peer_verify_mode ? *options_.peer_verify_mode
                                         : ctx_->effective_verify_mode(role_);
    }

    engine_options options_;
    record::layer& records_;
    state state_;
    /// The negotiated suite, from ServerHello on (KeyUpdate needs its hash).
    const suite_info* suite_ = nullptr;
    /// The negotiated TLS 1.2 suite.
    const tls12::suite* suite12_ = nullptr;

    // Traffic secrets of the current epochs (the next KeyUpdate derives from them).
    secret read_secret_;
    secret write_secret_;
    /// Client: resumption_master_secret, for the tickets that come after the
    /// handshake (RFC 8446 section 4.6.1).
    secret resumption_master_;
    /// Server: the client offered psk_dhe_ke, so tickets are worth sending.
    bool offers_psk_dhe_ke_ = false;
    int key_updates_in_a_row_ = 0;
    /// Client: write() sends early data (from the first ClientHello to the
    /// server's Finished, or a HelloRetryRequest).
    bool early_write_open_ = false;
    /// Client: early bytes write() may still send; server: may still receive.
    std::size_t early_data_left_ = 0;
    /// Client: what went out as early data, to resend if it is rejected.
    bytes early_data_sent_;
    /// TLS 1.2 resumption. Client: the server's session ID and ticket for this
    /// session, and whether the ServerHello promised a NewSessionTicket.
    /// Server: the ID the ServerHello gave, and whether a ticket is issued.
    struct {
        bytes session_id;
        bytes ticket;
        std::uint32_t lifetime_hint = 0;
        bool ticket_expected = false;
    } tls12_session_;
    /// Client: the ALPN protocol and cipher suite of the session the early
    /// data was written for.
    std::string early_data_alpn_;
    std::uint16_t early_data_suite_ = 0;
};

}  // namespace tlsio::handshake

#endif
