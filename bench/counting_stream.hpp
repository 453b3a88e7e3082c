// bench/counting_stream.hpp: a next layer that counts the read_some and
// write_some calls a TLS stream makes on it (synchronous and asynchronous).
// Over a socket it also forwards async_wait, so a stream that waits for
// readability before reading (tlsio) does so here too; over beast::tcp_stream,
// which has no async_wait, it has none either.
#ifndef TLSIO_BENCH_COUNTING_STREAM_HPP
#define TLSIO_BENCH_COUNTING_STREAM_HPP

#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace bench {

namespace detail {

// The socket under a next layer: its lowest_layer(), or the socket() of a
// beast::tcp_stream, which has no lowest_layer().
template <class Next>
auto& lowest_of(Next& next) noexcept {
    if constexpr (requires { next.lowest_layer(); }) {
        return next.lowest_layer();
    } else {
        return next.socket();
    }
}

}  // namespace detail

struct io_counters {
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t waits = 0;  ///< async_wait calls
};

template <class Next>
class counting_stream {
public:
    using executor_type = typename Next::executor_type;
    using lowest_layer_type =
        std::remove_reference_t<decltype(detail::lowest_of(std::declval<Next&>()))>;

    template <class Arg>
    explicit counting_stream(Arg&& arg) : next_(std::forward<Arg>(arg)) {}

    executor_type get_executor() noexcept { return next_.get_executor(); }
    lowest_layer_type& lowest_layer() noexcept { return detail::lowest_of(next_); }
    const lowest_layer_type& lowest_layer() const noexcept { return detail::lowest_of(next_); }
    Next& next() noexcept { return next_; }
    const io_counters& counters() const noexcept { return counters_; }

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& buffers, Token&& token) {
        ++counters_.reads;
        return next_.async_read_some(buffers, std::forward<Token>(token));
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& buffers, Token&& token) {
        ++counters_.writes;
        return next_.async_write_some(buffers, std::forward<Token>(token));
    }
    template <class Token>
    requires requires(Next& n) { n.available(); }
    auto async_wait(boost::asio::socket_base::wait_type w, Token&& token) {
        ++counters_.waits;
        return next_.async_wait(w, std::forward<Token>(token));
    }
    template <class Buffers>
    std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
        ++counters_.reads;
        return next_.read_some(buffers, ec);
    }
    template <class Buffers>
    std::size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
        ++counters_.writes;
        return next_.write_some(buffers, ec);
    }
    template <class Buffers>
    std::size_t read_some(const Buffers& buffers) {
        ++counters_.reads;
        return next_.read_some(buffers);
    }
    template <class Buffers>
    std::size_t write_some(const Buffers& buffers) {
        ++counters_.writes;
        return next_.write_some(buffers);
    }

private:
    Next next_;
    io_counters counters_;
};

}  // namespace bench

#endif
