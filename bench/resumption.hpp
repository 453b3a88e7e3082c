// bench/resumption.hpp: resumed handshakes and round trips to the first byte.
//
// The resuming stacks are the stacks of stacks.hpp with a client that
// resumes: tlsio from its context's session cache (by itself, a host name is
// set), asio::ssl by SSL_set_session with the newest session of the
// connection before, as an asio::ssl application has to.
//
// first_byte_round_trips puts a proxy between client and server that holds
// every chunk for a fixed delay in each direction, and counts the round trips
// from the TCP connect to the first byte of the server's answer.
#ifndef TLSIO_BENCH_RESUMPTION_HPP
#define TLSIO_BENCH_RESUMPTION_HPP

#include "scenarios.hpp"
#include "stacks.hpp"

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace bench {

struct tlsio_resume_stack : tlsio_stack {
    static std::unique_ptr<contexts> make_contexts(const credential& cred,
                                                   protocol p = protocol::tls13) {
        auto c = tlsio_stack::make_contexts(cred, p);
        c->client.set_session_cache_size(256);  // resumes by itself
        return c;
    }
    static void remember(stream_type&, contexts&) {}
    static bool reused(const stream_type& client) { return client.session_reused(); }
};

struct asio_ssl_resume_stack : asio_ssl_stack {
    /// The asio::ssl contexts and the session the next client offers.
    struct contexts : asio_ssl_stack::contexts {
        SSL_SESSION* session = nullptr;
        contexts() = default;
        contexts(const contexts&) = delete;
        contexts& operator=(const contexts&) = delete;
        ~contexts() { SSL_SESSION_free(session); }
    };
    static std::unique_ptr<contexts> make_contexts(const credential& cred,
                                                   protocol p = protocol::tls13);
    static std::unique_ptr<stream_type> make_client(socket_type&& s, contexts& c) {
        auto p = asio_ssl_stack::make_client(std::move(s), c);
        if (c.session != nullptr && SSL_set_session(p->native_handle(), c.session) != 1) {
            throw std::runtime_error("SSL_set_session failed");
        }
        return p;
    }
    /// Keeps the newest session the server's tickets gave `client`. The
    /// connection counts as shut down, as after async_shutdown: libssl marks
    /// the session of a connection freed without one not resumable.
    static void remember(stream_type& client, contexts& c) {
        SSL_set_shutdown(client.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        if (SSL_SESSION* s = SSL_get1_session(client.native_handle())) {
            SSL_SESSION_free(c.session);
            c.session = s;
        }
    }
    static bool reused(stream_type& client) {
        return SSL_session_reused(client.native_handle()) == 1;
    }
};

/// `n` sequential resumed connections (after one full handshake that gets
/// the first ticket): connect, handshake, 1-byte exchange, close. Throws if
/// one of them did not resume.
template <class Stack>
handshake_sample run_resumed_handshakes(loopback& lb, typename Stack::contexts& ctx, int n) {
    auto one = [&](bool must_resume) {
        tls_pair<Stack> p(lb, ctx);
        p.establish(lb);
        if (must_resume && !Stack::reused(*p.client)) {
            throw std::runtime_error(std::string(Stack::name) + ": a connection did not resume");
        }
        Stack::remember(*p.client, ctx);
        p.close();
        return p.client_handshake.reads + p.client_handshake.writes;
    };
    one(false);
    handshake_sample r;
    stopwatch sw;
    for (int i = 0; i < n; ++i) {
        one(true);
    }
    r.cpu = sw.cpu();
    r.wall = sw.wall();
    r.allocs = sw.allocs();
    r.count = n;
    return r;
}

/// How a connection of first_byte_round_trips starts.
enum class start_kind { full, resumed, early_data };

/// Round trips (of the proxy's delay each way) from the TCP connect to the
/// first byte of the server's answer to a 1-byte request, the median of
/// `samples` connections. TCP's own handshake is not delayed by the proxy.
double tlsio_first_byte_round_trips(const credential& cred, start_kind kind,
                                    std::chrono::milliseconds delay, int samples);
double asio_ssl_first_byte_round_trips(const credential& cred, start_kind kind,
                                       std::chrono::milliseconds delay, int samples);

}  // namespace bench

#endif
