//
// tlsio/stream.hpp: a TLS stream over any Asio stream, the drop-in
// replacement for boost::asio::ssl::stream.
//
#ifndef TLSIO_STREAM_HPP
#define TLSIO_STREAM_HPP

#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>
#include <tlsio/error.hpp>
#include <tlsio/impl/stream_handle.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

namespace tlsio {

/// Names shared by every stream, as in asio::ssl::stream_base.
class stream_base {
public:
    /// Which end of the connection a handshake plays.
    enum handshake_type {
        client,  ///< Perform the handshake as a client.
        server,  ///< Perform the handshake as a server.
    };

protected:
    ~stream_base() = default;
};

namespace detail {

template <class T, class = void>
struct lowest_layer_of {
    using type = T;
};
template <class T>
struct lowest_layer_of<T, std::void_t<typename T::lowest_layer_type>> {
    using type = typename T::lowest_layer_type;
};

/// What the composed operations of one stream share: the engine and the
/// bookkeeping that keeps at most one transport read and one transport write
/// in flight, across all operations (as asio::ssl's pending read and write).
struct stream_core {
    template <class Executor>
    explicit stream_core(const Executor& ex)
        : io_done(ex, boost::asio::steady_timer::time_point::max()) {}

    std::optional<tlsio::engine> engine;
    bool writing = false;  ///< a transport write is in flight
    bool reading = false;  ///< a transport read (or wait for readability) is in flight
    bool broken = false;   ///< a write or handshake was cancelled midway
    /// Over a next layer that cannot wait for readability (beast::tcp_stream):
    /// where a read with nothing buffered lands, so that no record-sized
    /// buffer is held while it waits. A record header's worth.
    std::array<std::uint8_t, 5> first_bytes{};
    /// Operations that need the transport while another uses it wait on this
    /// timer; whoever ends a transport read or write cancels it, and the
    /// waiters look again. (One timer for both: it costs memory per stream.)
    boost::asio::steady_timer io_done;

    // ---- The C facade's view of this stream (stream::native_handle) ---------
    // Made on first use by tlsio::c (which the program then links), so a
    // stream whose native_handle() is never called does not depend on it.
    ::SSL* handle = nullptr;
    const stream_handle_ops* handle_ops = nullptr;
    ~stream_core();
};

inline stream_core::~stream_core() {
    if (handle != nullptr) {
        handle_ops->destroy(handle);
    }
}

template <class NextLayer, class Operation>
class io_op;

}  // namespace detail

/// Provides TLS 1.3 on top of a stream, like boost::asio::ssl::stream.
///
/// The stream turns the engine's want_write into a write of the whole pending
/// output to the next layer and its want_read into one `read_some` of the next
/// layer. A handshake flight leaves in one write.
///
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe; use one stream from one
/// strand.
///
/// @par Operations at the same time
/// As with asio::ssl::stream: one read and one write may be outstanding at
/// the same time (full duplex), and a shutdown may start while a read is
/// outstanding. Transport reads and writes are each serialized across all
/// operations: an operation that needs the next layer while another one uses
/// it waits for it, so the next layer never sees two reads or two writes at
/// once (a KeyUpdate reply from the read side waits for the write in flight).
///
/// @par Memory while waiting
/// Over a next layer that has `async_wait(wait_read)` (a socket), a read that
/// finds no transport bytes in the engine waits for readability before it
/// takes the engine's input buffer, so an idle connection with a read pending
/// holds no record-sized buffer. Other next layers (beast::tcp_stream, whose
/// timeouts run only during its own reads, or a user stream) are read at once.
///
/// @par Example
/// @code
/// tlsio::context ctx;
/// ctx.set_default_verify_paths();
/// tlsio::stream<asio::ip::tcp::socket> s(io, ctx);
/// co_await asio::async_connect(s.next_layer(), endpoints, asio::use_awaitable);
/// s.set_host("example.com");                    // SNI and host name check
/// co_await s.async_handshake(tlsio::stream_base::client, asio::use_awaitable);
/// @endcode
///
/// @tparam NextLayer The type of the next layer: an AsyncStream and/or SyncStream
/// such as asio::ip::tcp::socket or beast::tcp_stream, or a reference to one.
template <class NextLayer>
class stream : public stream_base {
public:
    using next_layer_type = std::remove_reference_t<NextLayer>;
    using lowest_layer_type = typename detail::lowest_layer_of<next_layer_type>::type;
    using executor_type = typename next_layer_type::executor_type;

    /// Constructs the next layer from `arg` and takes a snapshot of `ctx`.
    template <class Arg>
    stream(Arg&& arg, const context& ctx);

    stream(stream&&) = default;
    stream& operator=(stream&&) = default;

    executor_type get_executor() noexcept { return next_layer_.get_executor(); }
    next_layer_type& next_layer() noexcept { return next_layer_; }
    const next_layer_type& next_layer() const noexcept { return next_layer_; }
    lowest_layer_type& lowest_layer() noexcept;

    // ---- Per-connection settings (before the handshake) -------------------

    /// Sets the name sent in SNI and checked against the server's certificate
    /// (DNS name or IP literal), in one call. Client only. A verifying client
    /// stream needs this (or set_server_name): without a name its handshake
    /// fails with error::host_name_required.
    void set_host(std::string host);
    /// Sends `name` in SNI without checking the certificate against it: host
    /// checking off, explicitly.
    void set_server_name(std::string name);
    /// Overrides the context's verify mode for this stream.
    void set_verify_mode(verify_mode mode);
    /// Overrides the context's verify callback for this stream.
    void set_verify_callback(verify_callback callback);
    /// Overrides the context's ALPN list for this stream.
    void set_alpn_protocols(std::vector<std::string> protocols);
    /// Client: offers `s` (from session() of an earlier stream, or
    /// session::from_bytes) instead of a ticket from the context's session
    /// cache, which a stream with a host name uses by itself
    /// (SSL_set_session). A session that does not fit (another host name,
    /// expired) is not offered: the handshake is then a full one.
    void set_session(tlsio::session s);
    /// Client: sends 0-RTT early data when the session offered allows it
    /// (off by default). The handshake then completes right after the
    /// ClientHello, in_early_data() is true, and the first writes (up to the
    /// server's max_early_data_size) leave at once, before the server has
    /// answered; the next read completes the handshake. Write only what is
    /// safe to replay (RFC 8446 section 8): a GET, not a payment.
    ///
    /// A write is never lost: when the server rejects the early data, the
    /// stream sends the same bytes again as ordinary data right after the
    /// handshake, before anything written later, so the server reads the
    /// same stream of bytes either way (get_early_data_status() says which
    /// happened). Only if the server also picked another ALPN protocol than
    /// the session's does the next operation fail with
    /// error::early_data_rejected, since the bytes were meant for the other
    /// protocol.
    ///
    /// @code
    /// s.set_host("example.com");
    /// s.set_early_data(true);
    /// co_await s.async_handshake(tlsio::stream_base::client, asio::use_awaitable);
    /// co_await asio::async_write(s, asio::buffer(get_request), asio::use_awaitable);
    /// co_await http::async_read(s, buffer, response, asio::use_awaitable);
    /// @endcode
    void set_early_data(bool enable);

    // ---- Server: the ClientHello callback ---------------------------------------

    /// Sets the ClientHello callback for this stream, replacing the context's
    /// (context::set_client_hello_callback). Server only; before the handshake.
    ///
    /// The callback runs inside the handshake, once the ClientHello is in and
    /// before anything is sent. It may answer at once (return the answer), or
    /// later (return `std::nullopt`, then call answer_client_hello): an
    /// asynchronous handshake then waits, with nothing in flight on the next
    /// layer, until the answer comes, and completes as usual. This is how a
    /// server looks a certificate up asynchronously (BoringSSL's
    /// select_certificate_cb returning retry, rustls' Acceptor).
    ///
    /// @code
    /// s.set_client_hello_callback([&](const tlsio::client_hello_info& hello) {
    ///     asio::co_spawn(s.get_executor(), [&s, name = hello.server_name]()
    ///             -> asio::awaitable<void> {
    ///         tlsio::client_hello_answer answer;
    ///         answer.use_context = co_await lookup_context(name);
    ///         s.answer_client_hello(std::move(answer));
    ///     }, asio::detached);
    ///     return std::optional<tlsio::client_hello_answer>();  // answered later
    /// });
    /// co_await s.async_handshake(tlsio::stream_base::server, asio::use_awaitable);
    /// @endcode
    ///
    /// A blocking handshake() cannot wait for a later answer: it fails with
    /// error::client_hello_pending; call answer_client_hello, then handshake()
    /// again, and it goes on where it stopped.
    void set_client_hello_callback(client_hello_callback callback);

    /// What the client offered, while the handshake waits for the answer to
    /// the ClientHello callback; nullptr otherwise.
    const client_hello_info* client_hello() const noexcept;

    /// Answers the ClientHello the handshake waits for, and wakes a waiting
    /// async_handshake. Call it from the stream's executor (strand), not from
    /// inside the callback. Returns false, changing nothing, when no answer is
    /// awaited. Cancelling the waiting async_handshake (terminal) fails it
    /// with `asio::error::operation_aborted` and leaves the stream unusable.
    bool answer_client_hello(client_hello_answer answer);

    // ---- Handshake -----------------------------------------------------------

    /// Performs the handshake; blocks until done.
    /// @throws boost::system::system_error on failure.
    void handshake(handshake_type type);
    /// Performs the handshake; blocks until done. @param ec Set on failure.
    void handshake(handshake_type type, boost::system::error_code& ec);

    /// Starts an asynchronous handshake.
    ///
    /// @param type client or server.
    /// @param token The completion token; the completion signature is
    /// `void(boost::system::error_code)`.
    ///
    /// @par Per-operation cancellation
    /// Terminal cancellation. A cancelled handshake leaves the stream unusable:
    /// later operations fail with `asio::error::operation_aborted`.
    template <class HandshakeToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_handshake(
        handshake_type type,
        HandshakeToken&& token = boost::asio::default_completion_token_t<executor_type>{});

    // ---- Data ------------------------------------------------------------------

    /// Reads some application data; blocks until at least one byte (or EOF).
    /// Ends with `asio::error::eof` after the peer's close_notify and with
    /// `tlsio::error::stream_truncated` when the transport ends without one.
    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers);
    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec);

    /// Starts reading some application data.
    ///
    /// The completion signature is `void(boost::system::error_code, std::size_t)`.
    ///
    /// @par Per-operation cancellation
    /// Terminal cancellation; a cancelled read leaves the stream usable (a
    /// KeyUpdate reply the read is sending is finished first, so no record is
    /// cut).
    template <class MutableBufferSequence,
              class ReadToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_read_some(
        const MutableBufferSequence& buffers,
        ReadToken&& token = boost::asio::default_completion_token_t<executor_type>{});

    /// Writes some application data: up to 64 KiB from up to 16 buffers per
    /// call, gathered into whole records that leave in one write to the next
    /// layer; blocks until it is written. An empty write sends what is pending
    /// (a queued KeyUpdate, or the close_notify of native_engine().shutdown(),
    /// which gives a half-close while a read is outstanding).
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers);
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec);

    /// Starts writing some application data.
    ///
    /// The completion signature is `void(boost::system::error_code, std::size_t)`.
    ///
    /// @par Per-operation cancellation
    /// Terminal cancellation. A write cancelled while its records are partly
    /// sent leaves the stream unusable.
    template <class ConstBufferSequence,
              class WriteToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_write_some(
        const ConstBufferSequence& buffers,
        WriteToken&& token = boost::asio::default_completion_token_t<executor_type>{});

    // ---- Shutdown --------------------------------------------------------------

    /// Sends close_notify and waits for the peer's, as asio::ssl::stream does.
    /// Application data that arrives meanwhile is discarded.
    void shutdown();
    void shutdown(boost::system::error_code& ec);

    /// Starts a shutdown; the completion signature is `void(boost::system::error_code)`.
    ///
    /// It may start while an async_read_some is outstanding, as Beast's
    /// pipelining servers do: the two share the transport read. Data that
    /// arrives goes to that read first; the shutdown completes once the peer's
    /// close_notify is in (the read then ends with `asio::error::eof`).
    ///
    /// @par Per-operation cancellation
    /// Terminal cancellation; a cancelled shutdown leaves the stream unusable.
    template <class ShutdownToken = boost::asio::default_completion_token_t<executor_type>>
    auto async_shutdown(
        ShutdownToken&& token = boost::asio::default_completion_token_t<executor_type>{});

    // ---- Post-handshake --------------------------------------------------------

    /// Queues a KeyUpdate (asking the peer to update too when `request_peer`);
    /// it leaves with the next read or write operation.
    void key_update(bool request_peer = false);

    /// True when the handshake resumed a session (SSL_session_reused); false
    /// before the handshake.
    bool session_reused() const noexcept;
    /// In the 0-RTT part of the handshake: a client's writes go as early
    /// data; a server's reads return early data.
    bool in_early_data() const noexcept;
    /// Server: the data the last read returned came as 0-RTT early data, so
    /// an attacker may have replayed it: answer only requests that are safe
    /// to repeat (an HTTP server sends 425 Too Early otherwise, RFC 8470).
    /// A server accepts early data when its context sets
    /// context::set_max_early_data; its handshake then completes once its
    /// own flight is out, and the first reads return the early data.
    bool data_is_early() const noexcept;
    /// Whether early data was sent and accepted (final once a read or write
    /// has completed the handshake).
    early_data_status get_early_data_status() const noexcept;
    /// Client: the newest session the server's tickets gave this connection
    /// (SSL_get1_session), or an empty one. Tickets come after the handshake,
    /// with the first reads; the context's session cache has them already.
    tlsio::session session() const;

    /// The engine, for negotiated parameters (cipher_suite(), alpn_protocol(),
    /// peer_certificates(), ...). Exists once a handshake has started.
    const tlsio::engine& native_engine() const;
    tlsio::engine& native_engine();
    bool has_engine() const noexcept { return core_->engine.has_value(); }

    // ---- asio::ssl::stream compatibility -----------------------------------------

    /// The C facade's `SSL*` for this stream (asio: native_handle), for code
    /// that calls libssl functions on it through <tlsio/compat/openssl/ssl.h>
    /// or <tlsio/ssl.h>. Using it needs the tlsio::c library.
    ///
    /// Settings, before the handshake (applied when it starts, after the
    /// stream's own): SSL_set_tlsext_host_name (the SNI name; a verifying
    /// client also checks the certificate against it, unless set_server_name
    /// turned host checking off), SSL_set1_host (the name to check, sent in
    /// SNI too), SSL_set_alpn_protos, SSL_set_verify. Queries, any time:
    /// SSL_get_version, SSL_get_cipher_name, SSL_get0_alpn_selected,
    /// SSL_get_verify_result, SSL_get1_peer_certificate, SSL_get_servername,
    /// SSL_is_init_finished, SSL_pending, SSL_is_server, SSL_get_shutdown.
    /// The stream does the I/O: SSL_read, SSL_write, SSL_do_handshake,
    /// SSL_shutdown, SSL_set_fd, SSL_set_bio, SSL_free and the other calls
    /// that would move bytes or end the connection fail on this handle with
    /// a queued error. The handle lives as long as the stream.
    using native_handle_type = ::SSL*;
    native_handle_type native_handle();

    /// Overrides the context's verify mode / verify callback for this stream,
    /// with asio's error_code forms (they never fail).
    void set_verify_mode(verify_mode mode, boost::system::error_code& ec);
    template <class VerifyCallback>
    void set_verify_callback(VerifyCallback callback, boost::system::error_code& ec) {
        ec.clear();
        set_verify_callback(verify_callback(std::move(callback)));
    }
    /// The most intermediate CA certificates allowed in the peer's chain for
    /// this stream (asio: set_verify_depth), overriding the context's.
    /// @throws boost::system::system_error (error::invalid_argument) if negative.
    void set_verify_depth(int depth);
    void set_verify_depth(int depth, boost::system::error_code& ec);

    /// Performs the handshake with `buffers` as the first bytes from the
    /// peer, already read from the next layer (e.g. by beast::detect_ssl).
    template <class ConstBufferSequence>
    requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value void handshake(
        handshake_type type, const ConstBufferSequence& buffers);
    template <class ConstBufferSequence>
    requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value void handshake(
        handshake_type type, const ConstBufferSequence& buffers, boost::system::error_code& ec);

    /// Starts a handshake with `buffers` as the first bytes from the peer (as
    /// a server behind beast::async_detect_ssl does). The bytes are copied
    /// into the stream when the operation starts. The completion signature is
    /// `void(boost::system::error_code, std::size_t bytes_used)`; all of
    /// `buffers` is used, as with asio::ssl::stream.
    template <class ConstBufferSequence,
              class BufferedHandshakeToken = boost::asio::default_completion_token_t<executor_type>>
    requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value auto async_handshake(
        handshake_type type, const ConstBufferSequence& buffers,
        BufferedHandshakeToken&& token = boost::asio::default_completion_token_t<executor_type>{});

private:
    void start_engine(role side);
    template <class Operation>
    auto run_sync(Operation op, boost::system::error_code& ec) -> std::size_t;
    template <class Operation, class Token, class Signature>
    auto run_async(Operation op, Token&& token);

    template <class, class>
    friend class detail::io_op;

    NextLayer next_layer_;
    context ctx_;
    engine_options options_;
    std::unique_ptr<detail::stream_core> core_;
};

}  // namespace tlsio

#include <tlsio/impl/stream.hpp>

#endif
