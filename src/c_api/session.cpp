// Sessions through the C facade, with libssl's contracts: SSL_get1_session,
// SSL_set_session, SSL_session_reused, i2d/d2i_SSL_SESSION, the ticket count
// and the new-session callback.
#include "c_api/errors.hpp"
#include "c_api/objects.hpp"

#include <algorithm>

#include <cstring>

using tlsio::c_api::push;
using tlsio::c_api::reason;

namespace tlsio::c_api {

void note_new_session(ssl_st* s) {
    if (s->role != 1) {
        return;
    }
    tlsio::session latest = s->engine->session();
    if (latest.empty() ||
        (s->current_session && s->current_session->session.state() == latest.state())) {
        return;
    }
    auto* fresh = new (std::nothrow) tlsio_session_st;
    if (fresh == nullptr) {
        return;
    }
    fresh->session = std::move(latest);
    tlsio_SESSION_free(s->current_session);
    s->current_session = fresh;
    if (s->ctx != nullptr && s->ctx->new_session != nullptr) {
        tlsio_SESSION_up_ref(fresh);
        if (s->ctx->new_session(s, fresh) == 0) {
            tlsio_SESSION_free(fresh);
        }
    }
}

}  // namespace tlsio::c_api

TLSIO_SESSION* tlsio_get1_session(TLSIO* s) {
    TLSIO_SESSION* current = tlsio_get_session(s);
    if (current != nullptr) {
        tlsio_SESSION_up_ref(current);
    }
    return current;
}

TLSIO_SESSION* tlsio_get_session(const TLSIO* s) {
    return s == nullptr ? nullptr : s->current_session;
}

int tlsio_set_session(TLSIO* s, TLSIO_SESSION* session) {
    if (s == nullptr) {
        push(reason::null_argument, "tlsio_set_session", "the connection is NULL");
        return 0;
    }
    if (s->engine) {
        push(reason::wrong_state, "tlsio_set_session", "the handshake has started");
        return 0;
    }
    s->offered_session = session == nullptr ? tlsio::session() : session->session;
    return 1;
}

int tlsio_session_reused(const TLSIO* s) {
    return s != nullptr && s->engine && s->engine->session_reused() ? 1 : 0;
}

int tlsio_SESSION_up_ref(TLSIO_SESSION* session) {
    if (session == nullptr) {
        return 0;
    }
    session->references.fetch_add(1, std::memory_order_relaxed);
    return 1;
}

void tlsio_SESSION_free(TLSIO_SESSION* session) {
    if (session != nullptr && session->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        delete session;
    }
}

int tlsio_i2d_SSL_SESSION(const TLSIO_SESSION* in, unsigned char** pp) {
    if (in == nullptr) {
        return 0;
    }
    std::vector<std::uint8_t> bytes = in->session.to_bytes();
    const int length = static_cast<int>(bytes.size());
    if (pp != nullptr) {
        if (*pp == nullptr) {
            *pp = static_cast<unsigned char*>(OPENSSL_malloc(bytes.size()));
            if (*pp == nullptr) {
                OPENSSL_cleanse(bytes.data(), bytes.size());
                return 0;
            }
            std::memcpy(*pp, bytes.data(), bytes.size());
        } else {
            std::memcpy(*pp, bytes.data(), bytes.size());
            *pp += bytes.size();
        }
    }
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return length;
}

TLSIO_SESSION* tlsio_d2i_SSL_SESSION(TLSIO_SESSION** a, const unsigned char** pp, long length) {
    if (pp == nullptr || *pp == nullptr || length <= 0) {
        push(reason::null_argument, "tlsio_d2i_SSL_SESSION", "no bytes to read");
        return nullptr;
    }
    boost::system::error_code ec;
    tlsio::session parsed = tlsio::session::from_bytes({*pp, static_cast<std::size_t>(length)}, ec);
    if (ec) {
        push(ec, "tlsio_d2i_SSL_SESSION", "not a session made by tlsio_i2d_SSL_SESSION");
        return nullptr;
    }
    auto* out = new (std::nothrow) tlsio_session_st;
    if (out == nullptr) {
        return nullptr;
    }
    out->session = std::move(parsed);
    *pp += length;
    if (a != nullptr) {
        tlsio_SESSION_free(*a);
        *a = out;
    }
    return out;
}

int tlsio_CTX_set_num_tickets(TLSIO_CTX* ctx, size_t num_tickets) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->context.set_num_tickets(num_tickets);
    ctx->num_tickets = num_tickets;
    return 1;
}

size_t tlsio_CTX_get_num_tickets(const TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->num_tickets;
}

long tlsio_CTX_set_session_cache_mode(TLSIO_CTX* ctx, long mode) {
    if (ctx == nullptr) {
        return 0;
    }
    long previous = ctx->session_cache_mode;
    ctx->session_cache_mode = mode;
    return previous;
}

long tlsio_CTX_get_session_cache_mode(TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->session_cache_mode;
}

void tlsio_CTX_sess_set_new_cb(TLSIO_CTX* ctx, tlsio_new_session_cb callback) {
    if (ctx != nullptr) {
        ctx->new_session = callback;
    }
}

// ---- 0-RTT limits ---------------------------------------------------------------

namespace {
// The context announces (and enforces) the smaller of the two limits.
void apply_early_limits(TLSIO_CTX* ctx) {
    ctx->context.set_max_early_data(std::min(ctx->max_early_data, ctx->recv_max_early_data));
}
}  // namespace

int tlsio_CTX_set_max_early_data(TLSIO_CTX* ctx, uint32_t max_early_data) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->max_early_data = max_early_data;
    apply_early_limits(ctx);
    return 1;
}

uint32_t tlsio_CTX_get_max_early_data(const TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->max_early_data;
}

int tlsio_CTX_set_recv_max_early_data(TLSIO_CTX* ctx, uint32_t recv_max_early_data) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->recv_max_early_data = recv_max_early_data;
    apply_early_limits(ctx);
    return 1;
}

uint32_t tlsio_CTX_get_recv_max_early_data(const TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->recv_max_early_data;
}

uint32_t tlsio_SESSION_get_max_early_data(const TLSIO_SESSION* session) {
    return session == nullptr ? 0 : session->session.max_early_data();
}
