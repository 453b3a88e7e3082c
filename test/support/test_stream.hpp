// Asio streams for testing the front end:
//
//   - memory_stream: one end of an in-memory, full-duplex byte pipe with the
//     Asio AsyncStream interface. It never completes inside the initiating
//     call, honours per-operation cancellation of a pending read, can fail the
//     Nth read or write with a chosen error, can cut reads into small pieces and
//     delay write completions, and counts writes in flight (a stream that ever
//     has two is breaking the one-writer rule);
//   - write_checked_stream<Next>: wraps any AsyncStream (a TCP socket) and
//     counts its writes in flight the same way, and its reads in flight (a
//     wait for readability counts as a read: it is one, without the bytes).
//
// Header only: the templates need to be here anyway.
#ifndef TLSIO_TEST_SUPPORT_TEST_STREAM_HPP
#define TLSIO_TEST_SUPPORT_TEST_STREAM_HPP

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace tlsio::test {

/// Writes in flight on one stream: the rule under test is "never two".
struct write_counter {
    std::size_t in_flight = 0;
    std::size_t max_in_flight = 0;
    std::size_t started = 0;
    std::size_t bytes = 0;

    void begin() {
        ++started;
        ++in_flight;
        max_in_flight = std::max(max_in_flight, in_flight);
    }
    void end() { --in_flight; }
};

/// What one end of a memory pipe holds and how it misbehaves.
struct memory_end {
    using read_handler =
        boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;

    std::string inbox;         ///< bytes written by the peer, not read yet
    bool peer_closed = false;  ///< the peer closed: reads end with eof once inbox is empty
    bool closed = false;       ///< this end was closed

    // The read in progress, if any. (An optional because Boost 1.81's
    // any_completion_handler move assignment recurses forever; emplace is fine.)
    std::optional<read_handler> pending_read;
    boost::asio::mutable_buffer pending_buffer;
    boost::asio::cancellation_slot pending_slot;

    // Statistics.
    std::size_t reads_started = 0;
    write_counter writes;

    // Behaviour.
    std::size_t max_read = std::numeric_limits<std::size_t>::max();  ///< bytes per read_some
    int write_delay = 0;            ///< extra trips through the executor before a write completes
    std::size_t fail_read_at = 0;   ///< 1-based read number that fails (0 = none)
    std::size_t fail_write_at = 0;  ///< 1-based write number that fails (0 = none)
    boost::system::error_code fail_with = boost::asio::error::connection_reset;
};

/// The shared state of a pipe: two ends, each with its own inbox.
struct memory_pipe {
    explicit memory_pipe(boost::asio::any_io_executor executor) : ex(std::move(executor)) {}
    boost::asio::any_io_executor ex;
    memory_end ends[2];
};

namespace detail {

/// A type-erased read or write handler with its arguments, ready to be posted.
/// (asio::append is not usable here: in Boost 1.81 it copies an
/// any_completion_handler from a non-const lvalue, which recurses forever.)
struct bound_completion {
    memory_end::read_handler handler;
    boost::system::error_code ec;
    std::size_t n;

    void operator()() { std::move(handler)(ec, n); }
};

}  // namespace detail

/// One end of an in-memory pipe. Make both with `make_memory_pair`.
class memory_stream {
public:
    using executor_type = boost::asio::any_io_executor;
    using error_code = boost::system::error_code;

    memory_stream(std::shared_ptr<memory_pipe> pipe, int side)
        : pipe_(std::move(pipe)), side_(side) {}

    memory_stream(memory_stream&&) noexcept = default;
    memory_stream& operator=(memory_stream&&) noexcept = default;
    ~memory_stream() {
        if (pipe_) {
            close();
        }
    }

    executor_type get_executor() const noexcept { return pipe_->ex; }

    /// This end's state and settings (statistics, fault injection).
    memory_end& state() { return pipe_->ends[side_]; }
    /// The other end's state.
    memory_end& peer_state() { return pipe_->ends[1 - side_]; }

    /// Closes this end: the peer reads eof once it has read what was sent,
    /// a read pending here ends with operation_aborted.
    void close() {
        memory_end& me = state();
        if (me.closed) {
            return;
        }
        me.closed = true;
        complete_pending(side_, boost::asio::error::operation_aborted);
        memory_end& peer = peer_state();
        peer.peer_closed = true;
        if (peer.pending_read && peer.inbox.empty()) {
            complete_pending(1 - side_, boost::asio::error::eof);
        }
    }

    template <class MutableBufferSequence, class ReadToken>
    auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
        return boost::asio::async_initiate<ReadToken, void(error_code, std::size_t)>(
            [this](auto handler, const MutableBufferSequence& b) {
                start_read(std::move(handler), b);
            },
            token, buffers);
    }

    template <class ConstBufferSequence, class WriteToken>
    auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
        return boost::asio::async_initiate<WriteToken, void(error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                start_write(std::move(handler), b);
            },
            token, buffers);
    }

private:
    using handler_type = memory_end::read_handler;

    static handler_type take(std::optional<handler_type>& slot) {
        handler_type h(std::move(*slot));
        slot.reset();
        return h;
    }

    // Completes `h` later, through its associated executor.
    static void post_completion(const executor_type& ex, handler_type h, error_code ec,
                                std::size_t n) {
        boost::asio::post(ex, detail::bound_completion{std::move(h), ec, n});
    }

    // Hands the pending read of end `side` what it can have now, or `ec`.
    void complete_pending(int side, error_code ec) {
        memory_end& e = pipe_->ends[side];
        if (!e.pending_read) {
            return;
        }
        std::size_t n = 0;
        if (!ec) {
            n = std::min({e.inbox.size(), e.pending_buffer.size(), e.max_read});
            std::copy_n(e.inbox.data(), n, static_cast<char*>(e.pending_buffer.data()));
            e.inbox.erase(0, n);
        }
        if (e.pending_slot.is_connected()) {
            e.pending_slot.clear();
        }
        e.pending_slot = {};
        post_completion(pipe_->ex, take(e.pending_read), ec, n);
    }

    template <class Handler, class MutableBufferSequence>
    void start_read(Handler&& handler, const MutableBufferSequence& buffers) {
        memory_end& me = state();
        ++me.reads_started;
        handler_type h(std::forward<Handler>(handler));
        if (me.pending_read) {
            // Two reads at once: a bug in the caller. Fail loudly.
            post_completion(pipe_->ex, std::move(h), boost::asio::error::in_progress, 0);
            return;
        }
        if (me.fail_read_at != 0 && me.reads_started == me.fail_read_at) {
            post_completion(pipe_->ex, std::move(h), me.fail_with, 0);
            return;
        }
        if (me.closed) {
            post_completion(pipe_->ex, std::move(h), boost::asio::error::bad_descriptor, 0);
            return;
        }
        boost::asio::mutable_buffer first;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers); ++it) {
            boost::asio::mutable_buffer b(*it);
            if (b.size() != 0) {
                first = b;
                break;
            }
        }
        if (first.size() == 0) {
            post_completion(pipe_->ex, std::move(h), {}, 0);
            return;
        }
        me.pending_buffer = first;
        me.pending_slot = h.get_cancellation_slot();
        me.pending_read.emplace(std::move(h));
        if (!me.inbox.empty()) {
            return complete_pending(side_, {});
        }
        if (me.peer_closed) {
            return complete_pending(side_, boost::asio::error::eof);
        }
        if (me.pending_slot.is_connected()) {
            std::weak_ptr<memory_pipe> weak = pipe_;
            int side = side_;
            me.pending_slot.assign([weak, side](boost::asio::cancellation_type type) {
                auto pipe = weak.lock();
                if (!pipe || type == boost::asio::cancellation_type::none) {
                    return;
                }
                memory_end& e = pipe->ends[side];
                if (!e.pending_read) {
                    return;
                }
                // Clearing the slot from inside its own handler is not allowed;
                // forget it instead, the emitter is done with it after this call.
                e.pending_slot = {};
                post_completion(pipe->ex, take(e.pending_read),
                                boost::asio::error::operation_aborted, 0);
            });
        }
    }

    template <class Handler, class ConstBufferSequence>
    void start_write(Handler&& handler, const ConstBufferSequence& buffers) {
        memory_end& me = state();
        me.writes.begin();
        handler_type h(std::forward<Handler>(handler));
        error_code ec;
        std::size_t n = 0;
        if (me.fail_write_at != 0 && me.writes.started == me.fail_write_at) {
            ec = me.fail_with;
        } else if (me.closed || peer_state().closed) {
            ec = boost::asio::error::broken_pipe;
        } else {
            memory_end& peer = peer_state();
            for (auto it = boost::asio::buffer_sequence_begin(buffers);
                 it != boost::asio::buffer_sequence_end(buffers); ++it) {
                boost::asio::const_buffer b(*it);
                peer.inbox.append(static_cast<const char*>(b.data()), b.size());
                n += b.size();
            }
            me.writes.bytes += n;
            if (peer.pending_read && n != 0) {
                complete_pending(1 - side_, {});
            }
        }
        finish_write(pipe_, side_, std::move(h), ec, n, me.write_delay);
    }

    // The write stays "in flight" until its handler runs, after `delay` extra
    // trips through the executor.
    static void finish_write(std::shared_ptr<memory_pipe> pipe, int side, handler_type h,
                             error_code ec, std::size_t n, int delay) {
        executor_type ex = pipe->ex;
        boost::asio::post(
            ex, [pipe = std::move(pipe), side, h = std::move(h), ec, n, delay]() mutable {
                if (delay > 0) {
                    return finish_write(std::move(pipe), side, std::move(h), ec, n, delay - 1);
                }
                pipe->ends[side].writes.end();
                boost::asio::dispatch(detail::bound_completion{std::move(h), ec, n});
            });
    }

    std::shared_ptr<memory_pipe> pipe_;
    int side_ = 0;
};

/// Two connected ends of a fresh pipe.
inline std::pair<memory_stream, memory_stream> make_memory_pair(boost::asio::any_io_executor ex) {
    auto pipe = std::make_shared<memory_pipe>(std::move(ex));
    return {memory_stream(pipe, 0), memory_stream(pipe, 1)};
}

namespace detail {

/// Ends a counted write (or read, or wait), then calls the user's handler.
/// Forwards the handler's associated executor, allocator and cancellation slot.
template <class Handler>
struct counted_write_handler {
    Handler handler;
    std::shared_ptr<write_counter> counter;

    void operator()(boost::system::error_code ec, std::size_t n) {
        counter->end();
        counter->bytes += n;
        std::move(handler)(ec, n);
    }
    void operator()(boost::system::error_code ec) {
        counter->end();
        std::move(handler)(ec);
    }
};

}  // namespace detail

/// Wraps an AsyncStream (and SyncStream) and counts its writes and reads in
/// flight. It forwards async_wait and available() when `Next` has them.
template <class Next>
class write_checked_stream {
public:
    using next_layer_type = Next;
    using executor_type = typename Next::executor_type;

    template <class... Args>
    explicit write_checked_stream(Args&&... args)
        : next_(std::forward<Args>(args)...),
          counter_(std::make_shared<write_counter>()),
          read_counter_(std::make_shared<write_counter>()) {}

    executor_type get_executor() noexcept { return next_.get_executor(); }
    Next& next_layer() noexcept { return next_; }
    const write_counter& writes() const noexcept { return *counter_; }
    /// Reads and waits for readability in flight.
    const write_counter& reads() const noexcept { return *read_counter_; }
    /// Waits for readability started (each also counts in reads()).
    std::size_t waits() const noexcept { return waits_; }

    template <class MutableBufferSequence, class ReadToken>
    auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
        return boost::asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBufferSequence& b) {
                read_counter_->begin();
                using handler_t = std::decay_t<decltype(handler)>;
                next_.async_read_some(
                    b, detail::counted_write_handler<handler_t>{std::move(handler), read_counter_});
            },
            token, buffers);
    }

    template <class WaitToken>
    requires requires(Next& n) { n.available(); }
    auto async_wait(typename Next::wait_type w, WaitToken&& token) {
        return boost::asio::async_initiate<WaitToken, void(boost::system::error_code)>(
            [this](auto handler, typename Next::wait_type type) {
                ++waits_;
                read_counter_->begin();
                using handler_t = std::decay_t<decltype(handler)>;
                next_.async_wait(type, detail::counted_write_handler<handler_t>{std::move(handler),
                                                                                read_counter_});
            },
            token, w);
    }

    std::size_t available(boost::system::error_code& ec) requires requires(Next& n) {
        n.available();
    }
    { return next_.available(ec); }

    template <class ConstBufferSequence, class WriteToken>
    auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
        return boost::asio::async_initiate<WriteToken,
                                           void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                counter_->begin();
                using handler_t = std::decay_t<decltype(handler)>;
                next_.async_write_some(
                    b, detail::counted_write_handler<handler_t>{std::move(handler), counter_});
            },
            token, buffers);
    }

    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& b, boost::system::error_code& ec) {
        return next_.read_some(b, ec);
    }
    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& b) {
        return next_.read_some(b);
    }
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& b, boost::system::error_code& ec) {
        counter_->begin();
        std::size_t n = next_.write_some(b, ec);
        counter_->end();
        return n;
    }
    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& b) {
        boost::system::error_code ec;
        std::size_t n = write_some(b, ec);
        if (ec) {
            throw boost::system::system_error(ec, "write_some");
        }
        return n;
    }

private:
    Next next_;
    std::shared_ptr<write_counter> counter_;
    std::shared_ptr<write_counter> read_counter_;
    std::size_t waits_ = 0;
};

}  // namespace tlsio::test

namespace boost::asio {

template <template <class, class> class Associator, class DefaultCandidate>
struct associator<Associator, tlsio::test::detail::bound_completion, DefaultCandidate>
    : Associator<tlsio::test::memory_end::read_handler, DefaultCandidate> {
    using inner = Associator<tlsio::test::memory_end::read_handler, DefaultCandidate>;
    static typename inner::type get(const tlsio::test::detail::bound_completion& b) noexcept {
        return inner::get(b.handler);
    }
    static auto get(const tlsio::test::detail::bound_completion& b,
                    const DefaultCandidate& c) noexcept -> decltype(inner::get(b.handler, c)) {
        return inner::get(b.handler, c);
    }
};

template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct associator<Associator, tlsio::test::detail::counted_write_handler<Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type get(
        const tlsio::test::detail::counted_write_handler<Handler>& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.handler);
    }
    static auto get(const tlsio::test::detail::counted_write_handler<Handler>& h,
                    const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c)) {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};

}  // namespace boost::asio

#endif
