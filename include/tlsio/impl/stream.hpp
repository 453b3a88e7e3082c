//
// tlsio/impl/stream.hpp: the template bodies of tlsio::stream.
//
#ifndef TLSIO_IMPL_STREAM_HPP
#define TLSIO_IMPL_STREAM_HPP

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include <array>
#include <span>

namespace tlsio {
namespace detail {

/// A next layer that can wait until it is readable: a socket. Reads over it
/// take the engine's input buffer only once bytes are there, so a connection
/// that only waits holds no record-sized buffer. (beast::tcp_stream has no
/// async_wait, and its timeouts run only during its own reads, so it is read
/// at once, as any other stream.)
template <class Stream>
concept waits_for_readability = requires(Stream& s) {
    s.async_wait(boost::asio::socket_base::wait_read, [](boost::system::error_code) {});
};

template <class Buffers>
std::span<std::uint8_t> first_buffer(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::mutable_buffer b(*it);
        if (b.size() != 0) {
            return {static_cast<std::uint8_t*>(b.data()), b.size()};
        }
    }
    return {};
}

// Each operation is one engine call that the drivers repeat until it is done;
// the drivers move the bytes. `read_side` operations never wait for another
// operation's transport write: what they produce leaves with that write.

struct handshake_operation {
    static constexpr bool read_side = false;
    static constexpr bool with_size = false;
    static constexpr bool starts_engine = true;
    role side;
    status operator()(engine& e, std::size_t&) { return e.handshake(); }
    boost::system::error_code closed_error() const { return boost::asio::error::eof; }
};

template <class MutableBufferSequence>
struct read_operation {
    static constexpr bool read_side = true;
    static constexpr bool with_size = true;
    static constexpr bool starts_engine = false;
    MutableBufferSequence buffers;
    status operator()(engine& e, std::size_t& n) { return e.read(first_buffer(buffers), n); }
    boost::system::error_code closed_error() const { return boost::asio::error::eof; }
};

template <class ConstBufferSequence>
struct write_operation {
    static constexpr bool read_side = false;
    static constexpr bool with_size = true;
    static constexpr bool starts_engine = false;
    ConstBufferSequence buffers;
    status operator()(engine& e, std::size_t& n) {
        // Up to 16 buffers are gathered into the same records, so a header and a
        // body written together (Beast) leave as one record in one write.
        std::array<std::span<const std::uint8_t>, 16> parts;
        std::size_t count = 0;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers) && count < parts.size(); ++it) {
            boost::asio::const_buffer b(*it);
            if (b.size() != 0) {
                parts[count++] = {static_cast<const std::uint8_t*>(b.data()), b.size()};
            }
        }
        return e.gather_write(std::span<const std::span<const std::uint8_t>>(parts.data(), count),
                              n);
    }
    boost::system::error_code closed_error() const { return boost::asio::error::eof; }
};

/// The handshake of a stream whose first bytes from the peer were read
/// already (asio's buffered handshake): they go into the engine first.
template <class ConstBufferSequence>
struct buffered_handshake_operation {
    static constexpr bool read_side = false;
    static constexpr bool with_size = true;
    static constexpr bool starts_engine = true;
    role side;
    ConstBufferSequence buffers;
    bool fed = false;
    status operator()(engine& e, std::size_t& n) {
        if (!fed) {
            fed = true;
            for (auto it = boost::asio::buffer_sequence_begin(buffers);
                 it != boost::asio::buffer_sequence_end(buffers); ++it) {
                boost::asio::const_buffer b(*it);
                e.feed({static_cast<const std::uint8_t*>(b.data()), b.size()});
                n += b.size();
            }
        }
        return e.handshake();
    }
    boost::system::error_code closed_error() const { return boost::asio::error::eof; }
};

struct shutdown_operation {
    static constexpr bool read_side = false;
    static constexpr bool with_size = false;
    static constexpr bool starts_engine = false;
    bool sent = false;
    status operator()(engine& e, std::size_t&) {
        if (!sent) {
            sent = true;
            if (status s = e.shutdown(); s != status::done) {
                return s;
            }
        }
        // Wait for the peer's close_notify, discarding data that comes first.
        std::uint8_t discard[512];
        for (;;) {
            std::size_t n = 0;
            status s = e.read(discard, n);
            if (s != status::done || n == 0) {
                return s;
            }
        }
    }
    // The peer's close_notify is what a shutdown waits for: success.
    boost::system::error_code closed_error() const { return {}; }
};

/// The asynchronous driver shared by every operation.
///
/// Like Asio's ssl::detail::io_op, it keeps one transport read and one
/// transport write in flight per stream, across all operations: an operation
/// that needs the transport while another operation uses it waits for that
/// one to finish (core_.io_done), then calls the engine again, so a shutdown
/// started while a read is pending shares the read's bytes instead of reading
/// the next layer a second time.
template <class NextLayer, class Operation>
class io_op {
public:
    io_op(stream<NextLayer>& s, Operation op) : stream_(s), core_(*s.core_), op_(std::move(op)) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
        switch (step_) {
            case step::start:
                if (core_.broken) {
                    return finish(self, boost::asio::error::operation_aborted);
                }
                if constexpr (Operation::starts_engine) {
                    // Made when the operation starts, so settings made before a
                    // deferred handshake is launched still apply.
                    stream_.start_engine(op_.side);
                }
                if (!core_.engine) {
                    return finish(self, error::not_handshaked);
                }
                perform_ = true;
                break;
            case step::wrote:
                core_.writing = false;
                core_.io_done.cancel();  // wake operations waiting for the transport
                if (ec) {
                    core_.broken = true;  // records may be cut: nothing can follow
                    return finish(self, ec);
                }
                core_.engine->consume_output(n);
                // A read that has already copied data into the caller's buffer
                // completes with it: reporting operation_aborted would lose
                // bytes the engine no longer holds.
                if (cancelled(self) &&
                    !(Operation::read_side && status_ == status::done && bytes_ > 0)) {
                    return finish(self, boost::asio::error::operation_aborted);
                }
                break;
            case step::readable:
                if (ec || cancelled(self)) {
                    end_read();
                    if (!Operation::read_side) {
                        core_.broken = true;
                    }
                    return finish(self, ec ? ec : boost::asio::error::operation_aborted);
                }
                return read_transport(self);
            case step::read:
            case step::read_first:
                end_read();
                if (ec == boost::asio::error::eof) {
                    core_.engine->commit_eof();
                } else if (ec) {
                    if (!Operation::read_side) {
                        core_.broken = true;
                    }
                    return finish(self, ec);
                } else if (step_ == step::read_first) {
                    core_.engine->feed({core_.first_bytes.data(), n});
                } else {
                    core_.engine->commit_input(n);
                }
                if (cancelled(self)) {
                    // What was read is kept: the engine has it, a later read goes on.
                    if (!Operation::read_side) {
                        core_.broken = true;
                    }
                    return finish(self, boost::asio::error::operation_aborted);
                }
                perform_ = true;
                break;
            case step::waited_answer:
                if (cancelled(self)) {
                    core_.broken = true;
                    return finish(self, boost::asio::error::operation_aborted);
                }
                perform_ = true;  // answered (or another operation woke us): look again
                break;
            case step::waited_write:
            case step::waited_read:
                if (cancelled(self)) {
                    if (!Operation::read_side) {
                        core_.broken = true;
                    }
                    return finish(self, boost::asio::error::operation_aborted);
                }
                // Whatever the finished read brought in may be this operation's.
                perform_ = step_ == step::waited_read;
                break;
            case step::posted:
                return complete(self);
        }
        run(self);
    }

private:
    enum class step {
        start,
        wrote,
        readable,
        read,
        read_first,
        waited_write,
        waited_read,
        waited_answer,
        posted
    };

    template <class Self>
    void run(Self& self) {
        engine& e = *core_.engine;
        if (perform_) {
            perform_ = false;
            status_ = op_(e, bytes_);
        }
        std::span<const std::uint8_t> out = e.output();
        if (!out.empty()) {
            if (!core_.writing) {
                core_.writing = true;
                step_ = step::wrote;
                async_ = true;
                auto buffer = boost::asio::buffer(out.data(), out.size());
                if constexpr (Operation::read_side) {
                    // A read that sends a KeyUpdate reply or alert does not let its
                    // cancellation cut that record: it checks once the write is done.
                    boost::asio::async_write(
                        stream_.next_layer(), buffer,
                        boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(),
                                                            std::move(self)));
                } else {
                    boost::asio::async_write(stream_.next_layer(), buffer, std::move(self));
                }
                return;
            }
            if (!Operation::read_side || status_ == status::want_write) {
                return wait_for_transport(self, step::waited_write);
            }
        }
        switch (status_) {
            case status::want_read:
                if (core_.reading) {
                    return wait_for_transport(self, step::waited_read);
                }
                core_.reading = true;
                if constexpr (waits_for_readability<typename stream<NextLayer>::next_layer_type>) {
                    // With part of a record in, the rest is on its way: read.
                    // Otherwise wait, even when bytes are there already: the
                    // reactor then gathers what arrives meanwhile, and a burst
                    // of small records is read in one go (the 1 KiB bench
                    // reads half as often as when it reads whatever it finds).
                    if (e.buffered_input() == 0) {
                        step_ = step::readable;
                        async_ = true;
                        stream_.next_layer().async_wait(boost::asio::socket_base::wait_read,
                                                        std::move(self));
                        return;
                    }
                } else if (e.buffered_input() == 0) {
                    // No way to wait for readability (beast::tcp_stream, whose
                    // timeouts run only during its own reads): read the first
                    // few bytes into the stream's small buffer, and take the
                    // record-sized one only once they are in.
                    step_ = step::read_first;
                    async_ = true;
                    stream_.next_layer().async_read_some(
                        boost::asio::buffer(core_.first_bytes.data(), core_.first_bytes.size()),
                        std::move(self));
                    return;
                }
                return read_transport(self);
            case status::want_write:
                perform_ = true;
                return run(self);
            case status::done:
                return finish(self, {});
            case status::closed:
                return finish(self, op_.closed_error());
            case status::error:
                return finish(self, e.error());
            case status::want_application:
                // The ClientHello callback answers later: answer_client_hello
                // wakes this operation (through io_done, as a finished
                // transport read or write does).
                return wait_for_transport(self, step::waited_answer);
        }
    }

    template <class Self>
    static bool cancelled(Self& self) {
        return self.cancelled() != boost::asio::cancellation_type::none;
    }

    template <class Self>
    void read_transport(Self& self) {
        std::span<std::uint8_t> space = core_.engine->input_space();
        step_ = step::read;
        async_ = true;
        stream_.next_layer().async_read_some(boost::asio::buffer(space.data(), space.size()),
                                             std::move(self));
    }

    // The transport read is over: operations waiting for it look again.
    void end_read() {
        core_.reading = false;
        core_.io_done.cancel();
    }

    template <class Self>
    void wait_for_transport(Self& self, step waited) {
        step_ = waited;
        async_ = true;
        core_.io_done.async_wait(std::move(self));
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec) {
        ec_ = ec;
        if (!async_) {
            // Never complete inside the initiating call.
            step_ = step::posted;
            async_ = true;
            boost::asio::post(std::move(self));
            return;
        }
        complete(self);
    }

    template <class Self>
    void complete(Self& self) {
        if constexpr (Operation::with_size) {
            self.complete(ec_, ec_ ? std::size_t{0} : bytes_);
        } else {
            self.complete(ec_);
        }
    }

    stream<NextLayer>& stream_;
    stream_core& core_;
    Operation op_;
    step step_ = step::start;
    status status_ = status::done;
    bool perform_ = false;
    bool async_ = false;
    std::size_t bytes_ = 0;
    boost::system::error_code ec_;
};

inline void throw_on_error(const boost::system::error_code& ec, const char* what) {
    if (ec) {
        throw boost::system::system_error(ec, what);
    }
}

}  // namespace detail

template <class NextLayer>
template <class Arg>
stream<NextLayer>::stream(Arg&& arg, const context& ctx)
    : next_layer_(std::forward<Arg>(arg)),
      ctx_(ctx),
      core_(std::make_unique<detail::stream_core>(next_layer_.get_executor())) {}

template <class NextLayer>
auto stream<NextLayer>::lowest_layer() noexcept -> lowest_layer_type& {
    if constexpr (std::is_same_v<lowest_layer_type, next_layer_type>) {
        return next_layer_;
    } else {
        return next_layer_.lowest_layer();
    }
}

template <class NextLayer>
void stream<NextLayer>::set_host(std::string host) {
    options_.server_name = std::move(host);
    options_.verify_host = true;
}

template <class NextLayer>
void stream<NextLayer>::set_server_name(std::string name) {
    options_.server_name = std::move(name);
    options_.verify_host = false;
}

template <class NextLayer>
void stream<NextLayer>::set_verify_mode(verify_mode mode) {
    options_.peer_verify_mode = mode;
}

template <class NextLayer>
void stream<NextLayer>::set_verify_callback(verify_callback callback) {
    options_.peer_verify_callback = std::move(callback);
}

template <class NextLayer>
void stream<NextLayer>::set_verify_mode(verify_mode mode, boost::system::error_code& ec) {
    ec.clear();
    set_verify_mode(mode);
}

template <class NextLayer>
void stream<NextLayer>::set_verify_depth(int depth, boost::system::error_code& ec) {
    ec.clear();
    if (depth < 0) {
        ec = error::invalid_argument;
        return;
    }
    options_.peer_verify_depth = depth;
}

template <class NextLayer>
void stream<NextLayer>::set_verify_depth(int depth) {
    boost::system::error_code ec;
    set_verify_depth(depth, ec);
    detail::throw_on_error(ec, "set_verify_depth");
}

template <class NextLayer>
auto stream<NextLayer>::native_handle() -> native_handle_type {
    if (core_->handle == nullptr) {
        core_->handle = detail::make_stream_handle(core_->engine, core_->handle_ops);
    }
    return core_->handle;
}

template <class NextLayer>
template <class ConstBufferSequence>
requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value void
stream<NextLayer>::handshake(handshake_type type, const ConstBufferSequence& buffers,
                             boost::system::error_code& ec) {
    role side = type == client ? role::client : role::server;
    start_engine(side);
    run_sync(detail::buffered_handshake_operation<ConstBufferSequence>{side, buffers}, ec);
}

template <class NextLayer>
template <class ConstBufferSequence>
requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value void
stream<NextLayer>::handshake(handshake_type type, const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    handshake(type, buffers, ec);
    detail::throw_on_error(ec, "handshake");
}

template <class NextLayer>
template <class ConstBufferSequence, class BufferedHandshakeToken>
requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value auto
stream<NextLayer>::async_handshake(handshake_type type, const ConstBufferSequence& buffers,
                                   BufferedHandshakeToken&& token) {
    using operation = detail::buffered_handshake_operation<ConstBufferSequence>;
    return run_async<operation, BufferedHandshakeToken,
                     void(boost::system::error_code, std::size_t)>(
        operation{type == client ? role::client : role::server, buffers},
        std::forward<BufferedHandshakeToken>(token));
}

template <class NextLayer>
void stream<NextLayer>::set_alpn_protocols(std::vector<std::string> protocols) {
    options_.alpn_protocols = std::move(protocols);
}

template <class NextLayer>
void stream<NextLayer>::set_session(tlsio::session s) {
    options_.session = std::move(s);
}

template <class NextLayer>
void stream<NextLayer>::set_early_data(bool enable) {
    options_.early_data = enable;
}

template <class NextLayer>
bool stream<NextLayer>::in_early_data() const noexcept {
    return core_->engine && core_->engine->in_early_data();
}

template <class NextLayer>
bool stream<NextLayer>::data_is_early() const noexcept {
    return core_->engine && core_->engine->data_is_early();
}

template <class NextLayer>
early_data_status stream<NextLayer>::get_early_data_status() const noexcept {
    return core_->engine ? core_->engine->get_early_data_status() : early_data_status::not_sent;
}

template <class NextLayer>
bool stream<NextLayer>::session_reused() const noexcept {
    return core_->engine && core_->engine->session_reused();
}

template <class NextLayer>
tlsio::session stream<NextLayer>::session() const {
    return core_->engine ? core_->engine->session() : tlsio::session();
}

template <class NextLayer>
void stream<NextLayer>::set_client_hello_callback(client_hello_callback callback) {
    options_.client_hello = std::move(callback);
}

template <class NextLayer>
const client_hello_info* stream<NextLayer>::client_hello() const noexcept {
    return core_->engine ? core_->engine->client_hello() : nullptr;
}

template <class NextLayer>
bool stream<NextLayer>::answer_client_hello(client_hello_answer answer) {
    if (!core_->engine || !core_->engine->answer_client_hello(std::move(answer))) {
        return false;
    }
    core_->io_done.cancel();  // wake the handshake waiting for the answer
    return true;
}

template <class NextLayer>
const tlsio::engine& stream<NextLayer>::native_engine() const {
    if (!core_->engine) {
        throw boost::system::system_error(error::not_handshaked, "native_engine");
    }
    return *core_->engine;
}

template <class NextLayer>
tlsio::engine& stream<NextLayer>::native_engine() {
    if (!core_->engine) {
        throw boost::system::system_error(error::not_handshaked, "native_engine");
    }
    return *core_->engine;
}

template <class NextLayer>
void stream<NextLayer>::key_update(bool request_peer) {
    if (core_->engine) {
        core_->engine->key_update(request_peer);
    }
}

template <class NextLayer>
template <class Operation>
auto stream<NextLayer>::run_sync(Operation op, boost::system::error_code& ec) -> std::size_t {
    ec.clear();
    if (core_->broken) {
        ec = boost::asio::error::operation_aborted;
        return 0;
    }
    if (!core_->engine) {
        ec = error::not_handshaked;
        return 0;
    }
    engine& e = *core_->engine;
    std::size_t n = 0;
    for (;;) {
        status s = op(e, n);
        while (!e.output().empty()) {
            std::span<const std::uint8_t> out = e.output();
            std::size_t written =
                boost::asio::write(next_layer_, boost::asio::buffer(out.data(), out.size()), ec);
            e.consume_output(written);
            if (ec) {
                core_->broken = true;
                return 0;
            }
        }
        switch (s) {
            case status::want_read: {
                std::span<std::uint8_t> space = e.input_space();
                std::size_t got =
                    next_layer_.read_some(boost::asio::buffer(space.data(), space.size()), ec);
                if (ec == boost::asio::error::eof) {
                    ec.clear();
                    e.commit_eof();
                } else if (ec) {
                    return 0;
                } else {
                    e.commit_input(got);
                }
                break;
            }
            case status::want_write:
                break;
            case status::done:
                return n;
            case status::closed:
                ec = op.closed_error();
                return 0;
            case status::error:
                ec = e.error();
                return 0;
            case status::want_application:
                ec = error::client_hello_pending;
                return 0;
        }
    }
}

template <class NextLayer>
template <class Operation, class Token, class Signature>
auto stream<NextLayer>::run_async(Operation op, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        detail::io_op<NextLayer, Operation>(*this, std::move(op)), token, next_layer_);
}

template <class NextLayer>
void stream<NextLayer>::start_engine(role side) {
    if (!core_->engine) {
        if (core_->handle != nullptr) {
            // What SSL_* calls set on native_handle().
            core_->handle_ops->apply(core_->handle, side, options_);
        }
        core_->engine.emplace(ctx_, side, options_);
    }
}

template <class NextLayer>
void stream<NextLayer>::handshake(handshake_type type, boost::system::error_code& ec) {
    role side = type == client ? role::client : role::server;
    start_engine(side);
    run_sync(detail::handshake_operation{side}, ec);
}

template <class NextLayer>
void stream<NextLayer>::handshake(handshake_type type) {
    boost::system::error_code ec;
    handshake(type, ec);
    detail::throw_on_error(ec, "handshake");
}

template <class NextLayer>
template <class HandshakeToken>
auto stream<NextLayer>::async_handshake(handshake_type type, HandshakeToken&& token) {
    return run_async<detail::handshake_operation, HandshakeToken, void(boost::system::error_code)>(
        detail::handshake_operation{type == client ? role::client : role::server},
        std::forward<HandshakeToken>(token));
}

template <class NextLayer>
template <class MutableBufferSequence>
std::size_t stream<NextLayer>::read_some(const MutableBufferSequence& buffers,
                                         boost::system::error_code& ec) {
    return run_sync(detail::read_operation<MutableBufferSequence>{buffers}, ec);
}

template <class NextLayer>
template <class MutableBufferSequence>
std::size_t stream<NextLayer>::read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    std::size_t n = read_some(buffers, ec);
    detail::throw_on_error(ec, "read_some");
    return n;
}

template <class NextLayer>
template <class MutableBufferSequence, class ReadToken>
auto stream<NextLayer>::async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    using operation = detail::read_operation<MutableBufferSequence>;
    return run_async<operation, ReadToken, void(boost::system::error_code, std::size_t)>(
        operation{buffers}, std::forward<ReadToken>(token));
}

template <class NextLayer>
template <class ConstBufferSequence>
std::size_t stream<NextLayer>::write_some(const ConstBufferSequence& buffers,
                                          boost::system::error_code& ec) {
    return run_sync(detail::write_operation<ConstBufferSequence>{buffers}, ec);
}

template <class NextLayer>
template <class ConstBufferSequence>
std::size_t stream<NextLayer>::write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    std::size_t n = write_some(buffers, ec);
    detail::throw_on_error(ec, "write_some");
    return n;
}

template <class NextLayer>
template <class ConstBufferSequence, class WriteToken>
auto stream<NextLayer>::async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    using operation = detail::write_operation<ConstBufferSequence>;
    return run_async<operation, WriteToken, void(boost::system::error_code, std::size_t)>(
        operation{buffers}, std::forward<WriteToken>(token));
}

template <class NextLayer>
void stream<NextLayer>::shutdown(boost::system::error_code& ec) {
    run_sync(detail::shutdown_operation{}, ec);
}

template <class NextLayer>
void stream<NextLayer>::shutdown() {
    boost::system::error_code ec;
    shutdown(ec);
    detail::throw_on_error(ec, "shutdown");
}

template <class NextLayer>
template <class ShutdownToken>
auto stream<NextLayer>::async_shutdown(ShutdownToken&& token) {
    return run_async<detail::shutdown_operation, ShutdownToken, void(boost::system::error_code)>(
        detail::shutdown_operation{}, std::forward<ShutdownToken>(token));
}

}  // namespace tlsio

#endif
