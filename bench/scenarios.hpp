// bench/scenarios.hpp: the measured work, the same template for both stacks.
// Client and server live in this process on one io_context run by one thread,
// so the process CPU time counts both ends.
#ifndef TLSIO_BENCH_SCENARIOS_HPP
#define TLSIO_BENCH_SCENARIOS_HPP

#include "alloc_counter.hpp"
#include "stacks.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// ---- Clocks and memory ----------------------------------------------------

inline double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// CPU and wall time of one measured stretch.
struct stopwatch {
    double cpu0 = process_cpu_seconds();
    double wall0 = wall_seconds();
    std::uint64_t allocs0 = allocations();
    double cpu() const { return process_cpu_seconds() - cpu0; }
    double wall() const { return wall_seconds() - wall0; }
    /// malloc calls since construction; NaN (printed as null) when not counted.
    double allocs() const {
        return allocations_counted() ? static_cast<double>(allocations() - allocs0)
                                     : std::numeric_limits<double>::quiet_NaN();
    }
};

/// Resident set size of this process, from /proc/self/statm.
std::size_t resident_bytes();
/// Bytes malloc has handed out and not had back (mallinfo2).
std::size_t heap_in_use();
/// Gives free heap pages back to the system (malloc_trim), so that RSS counts
/// what is held rather than what was once used.
void trim_heap();

// ---- Loopback ---------------------------------------------------------------

/// A listening socket on 127.0.0.1 and the io_context everything runs on.
struct loopback {
    boost::asio::io_context io{1};
    boost::asio::ip::tcp::acceptor acceptor;

    loopback();
    /// A connected (client, server) pair of TCP sockets, TCP_NODELAY on both.
    std::pair<socket_type, socket_type> connect();
    /// Runs the io_context until it has no more work.
    void run() {
        io.restart();
        io.run();
    }
};

/// Closes with an RST (SO_LINGER 0), so thousands of sequential connections
/// leave no TIME_WAIT behind.
void close_hard(socket_type::lowest_layer_type& s);

[[noreturn]] inline void fail(const char* what, const boost::system::error_code& ec) {
    throw boost::system::system_error(ec, what);
}

// ---- A connection pair ------------------------------------------------------

/// Both ends of one TLS connection, in this process.
template <class Stack>
struct tls_pair {
    std::unique_ptr<typename Stack::stream_type> client;
    std::unique_ptr<typename Stack::stream_type> server;
    io_counters client_handshake;  ///< client next-layer calls during its handshake
    io_counters server_handshake;
    std::uint8_t ping = 'p';
    std::uint8_t client_in = 0;
    std::uint8_t server_in = 0;
    int finished = 0;

    tls_pair(loopback& lb, typename Stack::contexts& ctx) {
        auto [c, s] = lb.connect();
        client = Stack::make_client(std::move(c), ctx);
        server = Stack::make_server(std::move(s), ctx);
    }
    tls_pair(const tls_pair&) = delete;
    tls_pair& operator=(const tls_pair&) = delete;

    /// Starts both handshakes, then a 1-byte exchange: the client writes a
    /// byte, the server echoes it. `finished` reaches 2 when both ends are done.
    void start() {
        Stack::async_handshake(*client, true, [this](const boost::system::error_code& ec) {
            if (ec) {
                fail("client handshake", ec);
            }
            client_handshake = client->next_layer().counters();
            boost::asio::async_write(
                *client, boost::asio::buffer(&ping, 1),
                [this](const boost::system::error_code& ec2, std::size_t) {
                    if (ec2) {
                        fail("client write", ec2);
                    }
                    boost::asio::async_read(
                        *client, boost::asio::buffer(&client_in, 1),
                        [this](const boost::system::error_code& ec3, std::size_t) {
                            if (ec3) {
                                fail("client read", ec3);
                            }
                            ++finished;
                        });
                });
        });
        Stack::async_handshake(*server, false, [this](const boost::system::error_code& ec) {
            if (ec) {
                fail("server handshake", ec);
            }
            server_handshake = server->next_layer().counters();
            boost::asio::async_read(
                *server, boost::asio::buffer(&server_in, 1),
                [this](const boost::system::error_code& ec2, std::size_t) {
                    if (ec2) {
                        fail("server read", ec2);
                    }
                    boost::asio::async_write(
                        *server, boost::asio::buffer(&server_in, 1),
                        [this](const boost::system::error_code& ec3, std::size_t) {
                            if (ec3) {
                                fail("server write", ec3);
                            }
                            ++finished;
                        });
                });
        });
    }

    /// Runs start() to completion.
    void establish(loopback& lb) {
        start();
        lb.run();
        if (finished != 2 || client_in != ping) {
            throw std::runtime_error(std::string(Stack::name) + ": handshake did not complete");
        }
    }

    void close() {
        close_hard(client->lowest_layer());
        close_hard(server->lowest_layer());
    }
};

// ---- Handshakes ---------------------------------------------------------------

struct handshake_sample {
    double cpu = 0;     ///< seconds
    double wall = 0;    ///< seconds
    double allocs = 0;  ///< malloc calls
    int count = 0;
    io_counters client;  ///< next-layer calls during the handshakes, summed
    io_counters server;
};

/// `n` sequential connections: TCP connect, full handshake, 1-byte exchange, close.
template <class Stack>
handshake_sample run_handshakes(loopback& lb, typename Stack::contexts& ctx, int n) {
    handshake_sample r;
    stopwatch sw;
    for (int i = 0; i < n; ++i) {
        tls_pair<Stack> p(lb, ctx);
        p.establish(lb);
        r.client.reads += p.client_handshake.reads;
        r.client.writes += p.client_handshake.writes;
        r.server.reads += p.server_handshake.reads;
        r.server.writes += p.server_handshake.writes;
        p.close();
    }
    r.cpu = sw.cpu();
    r.wall = sw.wall();
    r.allocs = sw.allocs();
    r.count = n;
    return r;
}

/// What handshake_full costs without TLS: `n` sequential TCP connects with the
/// same 1-byte exchange and close.
inline handshake_sample run_tcp_connections(loopback& lb, int n) {
    handshake_sample r;
    stopwatch sw;
    for (int i = 0; i < n; ++i) {
        auto [c, s] = lb.connect();
        std::uint8_t ping = 'p';
        std::uint8_t client_in = 0;
        std::uint8_t server_in = 0;
        boost::asio::async_write(c, boost::asio::buffer(&ping, 1),
                                 [&](const boost::system::error_code& ec, std::size_t) {
                                     if (ec) {
                                         fail("tcp write", ec);
                                     }
                                     boost::asio::async_read(
                                         c, boost::asio::buffer(&client_in, 1),
                                         [](const boost::system::error_code& ec2, std::size_t) {
                                             if (ec2) {
                                                 fail("tcp read", ec2);
                                             }
                                         });
                                 });
        boost::asio::async_read(s, boost::asio::buffer(&server_in, 1),
                                [&](const boost::system::error_code& ec, std::size_t) {
                                    if (ec) {
                                        fail("tcp read", ec);
                                    }
                                    boost::asio::async_write(
                                        s, boost::asio::buffer(&server_in, 1),
                                        [](const boost::system::error_code& ec2, std::size_t) {
                                            if (ec2) {
                                                fail("tcp write", ec2);
                                            }
                                        });
                                });
        lb.run();
        if (client_in != ping) {
            throw std::runtime_error("tcp exchange did not complete");
        }
        close_hard(c);
        close_hard(s);
    }
    r.cpu = sw.cpu();
    r.wall = sw.wall();
    r.allocs = sw.allocs();
    r.count = n;
    return r;
}

/// One handshake, returning what the client negotiated.
template <class Stack>
std::string probe_negotiation(loopback& lb, typename Stack::contexts& ctx) {
    tls_pair<Stack> p(lb, ctx);
    p.establish(lb);
    std::string s = Stack::negotiated(*p.client);
    p.close();
    return s;
}

// ---- Throughput -----------------------------------------------------------------

template <class Stream>
struct bulk_writer {
    Stream& stream;
    const std::uint8_t* data;
    std::size_t chunk;
    std::size_t left;

    void next() {
        if (left == 0) {
            return;
        }
        std::size_t n = std::min(chunk, left);
        boost::asio::async_write(stream, boost::asio::buffer(data, n),
                                 [this](const boost::system::error_code& ec, std::size_t w) {
                                     if (ec) {
                                         fail("bulk write", ec);
                                     }
                                     left -= w;
                                     next();
                                 });
    }
};

template <class Stream>
struct bulk_reader {
    Stream& stream;
    std::uint8_t* buffer;
    std::size_t capacity;
    std::size_t left;
    std::size_t reads = 0;

    void next() {
        if (left == 0) {
            return;
        }
        ++reads;
        stream.async_read_some(boost::asio::buffer(buffer, capacity),
                               [this](const boost::system::error_code& ec, std::size_t n) {
                                   if (ec) {
                                       fail("bulk read", ec);
                                   }
                                   left -= std::min(n, left);
                                   next();
                               });
    }
};

struct throughput_sample {
    double cpu = 0;
    double wall = 0;
    double allocs = 0;  ///< malloc calls during the transfer
    std::size_t bytes = 0;
    double reads = 0;          ///< the reader's async_read_some completions
    double socket_reads = 0;   ///< next-layer read_some calls of the reading end
    double socket_writes = 0;  ///< next-layer write_some calls of the writing end
    double socket_waits = 0;   ///< next-layer waits for readability of the reading end
};

/// The client writes `total` bytes in `chunk`-sized async_writes; the server
/// reads them with a 64 KiB buffer. Times the transfer only.
template <class Writer, class Reader>
throughput_sample transfer(loopback& lb, Writer& w, Reader& r, std::size_t total,
                           std::size_t chunk) {
    std::vector<std::uint8_t> source(chunk, 0x5a);
    std::vector<std::uint8_t> sink(64 * 1024);
    bulk_writer<Writer> writer{w, source.data(), chunk, total};
    bulk_reader<Reader> reader{r, sink.data(), sink.size(), total};
    stopwatch sw;
    reader.next();
    writer.next();
    lb.run();
    throughput_sample s{sw.cpu(), sw.wall(), sw.allocs(), total};
    s.reads = static_cast<double>(reader.reads);
    if (writer.left != 0 || reader.left != 0) {
        throw std::runtime_error("bulk transfer did not complete");
    }
    return s;
}

template <class Stack>
throughput_sample run_throughput(loopback& lb, typename Stack::contexts& ctx, std::size_t total,
                                 std::size_t chunk) {
    tls_pair<Stack> p(lb, ctx);
    p.establish(lb);
    io_counters w0 = p.client->next_layer().counters();
    io_counters r0 = p.server->next_layer().counters();
    throughput_sample s = transfer(lb, *p.client, *p.server, total, chunk);
    s.socket_writes = static_cast<double>(p.client->next_layer().counters().writes - w0.writes);
    s.socket_reads = static_cast<double>(p.server->next_layer().counters().reads - r0.reads);
    s.socket_waits = static_cast<double>(p.server->next_layer().counters().waits - r0.waits);
    p.close();
    return s;
}

inline throughput_sample run_throughput_plain(loopback& lb, std::size_t total, std::size_t chunk) {
    auto [c, s] = lb.connect();
    throughput_sample r = transfer(lb, c, s, total, chunk);
    close_hard(c);
    close_hard(s);
    return r;
}

// ---- Idle memory ----------------------------------------------------------------

struct memory_sample {
    double rss_idle = 0;      ///< RSS growth per established idle pair, bytes
    double rss_reading = 0;   ///< the same with a read pending on both ends
    double heap_idle = 0;     ///< malloc'd bytes per idle pair
    double heap_reading = 0;  ///< malloc'd bytes per pair with reads pending
};

/// Establishes `pairs` connections (handshake + 1-byte exchange), measures,
/// then starts a 1-byte async_read_some on both ends of each (what a server
/// waiting for a request does) and measures again; then releases everything.
template <class Stack>
memory_sample run_memory(loopback& lb, typename Stack::contexts& ctx, int pairs) {
    std::vector<std::unique_ptr<tls_pair<Stack>>> held;
    held.reserve(static_cast<std::size_t>(pairs));
    trim_heap();
    double rss0 = static_cast<double>(resident_bytes());
    double heap0 = static_cast<double>(heap_in_use());
    for (int i = 0; i < pairs; ++i) {
        held.push_back(std::make_unique<tls_pair<Stack>>(lb, ctx));
        held.back()->establish(lb);
    }
    trim_heap();
    memory_sample m;
    m.rss_idle = (static_cast<double>(resident_bytes()) - rss0) / pairs;
    m.heap_idle = (static_cast<double>(heap_in_use()) - heap0) / pairs;
    for (auto& p : held) {
        auto ignore = [](const boost::system::error_code&, std::size_t) {};
        p->client->async_read_some(boost::asio::buffer(&p->client_in, 1), ignore);
        p->server->async_read_some(boost::asio::buffer(&p->server_in, 1), ignore);
    }
    lb.io.restart();
    lb.io.poll();
    trim_heap();
    m.rss_reading = (static_cast<double>(resident_bytes()) - rss0) / pairs;
    m.heap_reading = (static_cast<double>(heap_in_use()) - heap0) / pairs;
    for (auto& p : held) {
        p->close();
    }
    lb.run();
    held.clear();
    trim_heap();
    return m;
}

}  // namespace bench

#endif
