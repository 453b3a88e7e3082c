//
// tlsio/engine.hpp: the sans-IO TLS 1.3 connection.
//
#ifndef TLSIO_ENGINE_HPP
#define TLSIO_ENGINE_HPP

#include <tlsio/export.h>
#include <tlsio/context.hpp>
#include <tlsio/engine_options.hpp>
#include <tlsio/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tlsio {

/// The result of an engine call.
///
/// Whatever the status, if `output()` is non-empty afterwards the caller must
/// send it to the transport (it may carry an alert, even with `error`).
enum class status {
    done,        ///< The call finished (possibly leaving output() to send).
    want_read,   ///< Read from the transport into input_space(), commit_input(), call again.
    want_write,  ///< Send output(), consume_output(), then call again.
    closed,      ///< The peer sent close_notify: no more data will arrive.
    error,       ///< Failed; error() says why. Output may hold an alert to send.
    /// Server: the ClientHello callback answers later (it returned
    /// std::nullopt). client_hello() says what the client offered; call
    /// answer_client_hello(), then the same call again. Nothing was sent yet.
    want_application,
};

/// A TLS 1.3 connection without I/O: bytes in, bytes out.
///
/// The engine never touches a socket. Its front end (the Asio stream, the C
/// facade, a test) moves bytes between the transport and the engine:
///
/// @code
/// for (;;) {
///     status s = e.handshake();
///     if (!e.output().empty()) { send(e.output()); e.consume_output(e.output().size()); }
///     if (s == status::want_read) { auto n = recv(e.input_space()); n ? e.commit_input(n) :
///     e.commit_eof(); } else if (s != status::want_write) break;
/// }
/// @endcode
///
/// A server whose ClientHello callback answers later also sees
/// `want_application`: the engine waits for answer_client_hello() and reads
/// nothing meanwhile.
///
/// A whole handshake flight is produced as one output() so it leaves in one write.
/// The engine is not thread-safe: use one engine from one thread (or strand).
class TLSIO_API engine {
public:
    engine(const context& ctx, role r, engine_options options = {});
    engine(engine&&) noexcept;
    engine& operator=(engine&&) noexcept;
    ~engine();

    /// Advances the handshake. `done` once it is complete (send output() first).
    status handshake();

    /// Reads application data into `buffer`; `bytes_read` says how much.
    /// Runs the handshake first if needed. Returns `closed` after close_notify.
    status read(std::span<std::uint8_t> buffer, std::size_t& bytes_read);

    /// Protects application data; `bytes_written` says how much was taken:
    /// all of it up to 64 KiB (four full records) per call, so the output
    /// buffer stays bounded. The records are in output(), to leave in one write.
    status write(std::span<const std::uint8_t> data, std::size_t& bytes_written);

    /// Gathering write: the buffers' bytes, in order, as one stream (records
    /// are filled across buffer edges), up to 64 KiB and 16 buffers per call.
    /// An empty write returns `done` and only leaves pending output (such as
    /// close_notify) in output().
    status gather_write(std::span<const std::span<const std::uint8_t>> buffers,
                        std::size_t& bytes_written);

    /// Sends close_notify (once) and returns `done`; the write side is then closed.
    /// Reading may continue until the peer's close_notify (half-close).
    status shutdown();

    /// Server: what the client offered, while the engine waits for the
    /// application's answer (status::want_application); nullptr otherwise.
    const client_hello_info* client_hello() const noexcept;

    /// Server: the answer to the ClientHello the engine waits for. The next
    /// handshake(), read() or write() goes on with it. Returns false (and
    /// changes nothing) when the engine is not waiting for one.
    bool answer_client_hello(client_hello_answer answer);

    /// Queues a KeyUpdate; with `request_peer`, asks the peer to update too.
    /// Only after the handshake; the message is in output() afterwards.
    ///
    /// The peer's own requests are answered once, however many arrive, by a
    /// KeyUpdate made before our next application data, our next key_update()
    /// or close_notify (RFC 8446 section 4.6.3), or, when this side only
    /// reads, by the read() after the one that returned data following them.
    status key_update(bool request_peer);

    // ---- Transport side ----------------------------------------------------

    /// Space to read transport bytes into (never empty while reading makes sense).
    std::span<std::uint8_t> input_space();
    /// Says that `n` bytes were written into input_space().
    void commit_input(std::size_t n);
    /// Says that the transport reached end of file.
    void commit_eof();
    /// Bytes to send to the transport.
    ///
    /// The bytes returned stay valid and unchanged until consume_output() has
    /// consumed them, even when later calls produce more output (a KeyUpdate
    /// reply made by read() while a transport write is still in flight): that
    /// output follows in a later output(). So a front end may keep one transport
    /// write in flight while it goes on reading.
    std::span<const std::uint8_t> output() const noexcept;
    /// Says that the first `n` bytes of output() were sent.
    void consume_output(std::size_t n);

    /// Convenience for tests and simple front ends: appends `data` to the input.
    void feed(std::span<const std::uint8_t> data);

    // ---- State -------------------------------------------------------------

    /// The error that ended the connection (empty while healthy).
    boost::system::error_code error() const noexcept;
    /// A human-readable reason for error(): which check failed, for which name.
    const std::string& error_message() const noexcept;
    bool handshake_done() const noexcept;
    /// Application data already decrypted and waiting to be read.
    std::size_t pending() const noexcept;
    /// Transport bytes received but not processed yet (whole or partial
    /// records): a read may return data without the transport having any, as
    /// SSL_has_pending says for OpenSSL.
    std::size_t buffered_input() const noexcept;
    bool received_close_notify() const noexcept;
    bool sent_close_notify() const noexcept;
    role get_role() const noexcept;

    // ---- Negotiated parameters (valid once the handshake is done) ----------

    protocol_version version() const noexcept;
    tlsio::cipher_suite cipher_suite() const noexcept;
    named_group group() const noexcept;
    /// The scheme of the peer's CertificateVerify (client: the server's).
    tlsio::signature_scheme peer_signature_scheme() const noexcept;
    /// The scheme of our own CertificateVerify, if we sent one.
    std::optional<tlsio::signature_scheme> signature_scheme() const noexcept;
    std::string_view alpn_protocol() const noexcept;
    /// Client: the name sent; server: the name received (empty if none).
    std::string_view server_name() const noexcept;
    /// The peer's certificate chain as DER, leaf first (empty if none).
    const std::vector<std::vector<std::uint8_t>>& peer_certificates() const noexcept;
    bool used_hello_retry_request() const noexcept;
    /// X509_V_* result of verifying the peer (0 = ok), as SSL_get_verify_result.
    /// A resumed session reports the original connection's result.
    long verify_result() const noexcept;
    /// True when the handshake resumed a session (SSL_session_reused): no
    /// certificate was sent, and peer_certificates() are the original's.
    bool session_reused() const noexcept;
    // ---- 0-RTT early data (RFC 8446 sections 2.3, 4.2.10 and 8) -----------

    /// In the 0-RTT part of the handshake: a client writes early data (after
    /// handshake() returned done with engine_options::early_data), a server
    /// reads it (after handshake() returned done with early data accepted).
    bool in_early_data() const noexcept;
    /// Client: how many more bytes write() sends as early data (0 outside
    /// it). Past them, write() completes the handshake first.
    std::size_t max_early_data() const noexcept;
    /// Server: the data the last read() returned arrived as 0-RTT early data,
    /// which an attacker may have replayed despite the server's anti-replay
    /// check (RFC 8446 section 8): act only on requests that are safe to
    /// repeat (an HTTP server answers 425 Too Early to others, RFC 8470).
    /// A read() never returns early and later data together.
    bool data_is_early() const noexcept;
    /// Whether early data was sent and taken; final once the handshake is done.
    early_data_status get_early_data_status() const noexcept;

    /// Client: the newest session the server's tickets gave on this
    /// connection (they come after the handshake, with the first reads), or
    /// an empty one. The context's session cache has it already; this is for
    /// keeping it elsewhere (session::to_bytes) or offering it explicitly.
    tlsio::session session() const;

    struct TLSIO_LOCAL impl;

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace tlsio

#endif
