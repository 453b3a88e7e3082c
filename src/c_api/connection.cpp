// TLSIO: the OpenSSL I/O contract (SSL_do_handshake, SSL_read, SSL_write,
// SSL_shutdown, SSL_get_error) as one loop over tlsio::engine and libcrypto BIOs.
//
// Every call runs the same loop: send what the engine has for the transport;
// call the engine; on want_read, read from the rbio into input_space(). A BIO
// that cannot go on (a non-blocking socket, an empty BIO pair or memory BIO)
// says so with its retry flags, and the call returns -1 with WANT_READ or
// WANT_WRITE; the caller repeats the same call later. A blocking socket BIO
// simply blocks, so the call returns only when done or failed. Fds are used
// through socket BIOs, exactly as SSL_set_fd does.
#include "errors.hpp"
#include "objects.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

using tlsio::status;
using tlsio::c_api::push;
using tlsio::c_api::reason;
using want = ssl_st::want;

namespace tlsio::c_api {
bool parse_alpn(const unsigned char* protos, unsigned int len, std::vector<std::string>& out);
int set_version_bound(int* bound, int version, const char* func);
}  // namespace tlsio::c_api

namespace {

constexpr int role_client = 1;
constexpr int role_server = 2;

enum class io { ok, blocked, failed, closed };

int clamp_int(std::size_t n) {
    return static_cast<int>(std::min<std::size_t>(n, INT_MAX));
}

// A stream's native_handle() has no SSL_CTX.
long ctx_mode(const ssl_st* s) {
    return s->ctx != nullptr ? s->ctx->mode : 0;
}
std::uint64_t ctx_options(const ssl_st* s) {
    return s->ctx != nullptr ? s->ctx->options : 0;
}

// The calls that move bytes, pick the transport or end the connection belong
// to the stream whose native_handle() this is.
bool refused_on_stream(ssl_st* s, const char* func) {
    if (!s->engine.is_view()) {
        return false;
    }
    push(reason::wrong_state, func,
         "this SSL* is a tlsio::stream's native_handle(): the stream does the I/O and owns "
         "the connection; use its members");
    return true;
}

void transport_error(ssl_st* s, int err, const char* func, const char* what) {
    s->failed = true;
    s->wants = want::nothing;
    if (err != 0) {
        tlsio::c_api::push_system(err, func, what);
    }
}

// Sends output() to the wbio. `quiet`: a best-effort send of an alert after a
// failure, which reports nothing more.
io flush(ssl_st* s, const char* func, bool quiet = false) {
    bool wrote = false;
    for (;;) {
        std::span<const std::uint8_t> out = s->engine->output();
        if (out.empty()) {
            break;
        }
        errno = 0;
        int n = BIO_write(s->wbio, out.data(), clamp_int(out.size()));
        int err = errno;
        if (n > 0) {
            s->engine->consume_output(static_cast<std::size_t>(n));
            wrote = true;
            s->wrote_any = true;
            continue;
        }
        if (BIO_should_retry(s->wbio)) {
            if (!quiet) {
                s->wants = want::write;
            }
            return io::blocked;
        }
        if (!quiet) {
            transport_error(s, err, func, "writing to the transport");
        }
        return io::failed;
    }
    if (wrote) {
        (void)BIO_flush(s->wbio);
    }
    return io::ok;
}

// Reads transport bytes into the engine.
io fill(ssl_st* s, const char* func) {
    std::span<std::uint8_t> space = s->engine->input_space();
    errno = 0;
    int n = BIO_read(s->rbio, space.data(), clamp_int(space.size()));
    int err = errno;
    if (n > 0) {
        s->engine->commit_input(static_cast<std::size_t>(n));
        return io::ok;
    }
    if (BIO_should_retry(s->rbio)) {
        s->wants = want::read;
        return io::blocked;
    }
    if (n == 0 || BIO_eof(s->rbio)) {
        std::uint64_t options = s->options | ctx_options(s);
        if ((options & TLSIO_OP_IGNORE_UNEXPECTED_EOF) != 0 && s->engine->handshake_done()) {
            s->received_close = true;  // As OpenSSL: an EOF counts as close_notify.
            return io::closed;
        }
        s->engine->commit_eof();
        return io::ok;
    }
    transport_error(s, err, func, "reading from the transport");
    return io::failed;
}

// After the engine failed: send its alert if the transport takes it now, and
// queue the error. Returns the value the call returns.
int fail_engine(ssl_st* s, const char* func) {
    s->failed = true;
    s->wants = want::nothing;
    // As libssl: a fatal alert from the peer counts as its shutdown.
    s->received_alert = s->engine->error().category() == tlsio::alert_category();
    push(s->engine->error(), func, s->engine->error_message());
    flush(s, func, true);
    return -1;
}

// ---- The engine, made on first use ------------------------------------------------

// What SSL_set1_host takes for an IP address (X509_VERIFY_PARAM_set1_ip_asc).
bool is_ip_literal(const std::string& host) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
    ASN1_OCTET_STRING_free(ip);
    return ip != nullptr;
}

struct verify_settings {
    int mode = 0;
    tlsio_verify_cb callback = nullptr;
    ssl_st* record_in = nullptr;  // client with VERIFY_NONE: record, never fail
    std::string extra_host;       // set1_host name that differs from SNI
};

tlsio::verify_callback make_verify_callback(verify_settings v) {
    return [v](bool preverified, tlsio::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (v.record_in != nullptr && v.record_in->first_verify_error != X509_V_OK) {
            return true;  // libssl stopped verifying at the first error.
        }
        int ok = preverified ? 1 : 0;
        if (ok && !v.extra_host.empty() && X509_STORE_CTX_get_error_depth(store) == 0) {
            X509* leaf = X509_STORE_CTX_get_current_cert(store);
            // As SSL_set1_host: an IP literal matches IP addresses only, never a
            // DNS name that happens to spell it.
            const bool ip = is_ip_literal(v.extra_host);
            const bool matches = ip ? X509_check_ip_asc(leaf, v.extra_host.c_str(), 0) == 1
                                    : X509_check_host(leaf, v.extra_host.c_str(),
                                                      v.extra_host.size(), 0, nullptr) == 1;
            if (!matches) {
                X509_STORE_CTX_set_error(
                    store, ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
                ok = 0;
            }
        }
        if (v.callback != nullptr) {
            ok = v.callback(ok, store);
        }
        if (v.record_in != nullptr) {
            if (ok == 0) {
                int err = X509_STORE_CTX_get_error(store);
                v.record_in->first_verify_error = err != X509_V_OK ? err : X509_V_ERR_UNSPECIFIED;
            }
            return true;
        }
        return ok != 0;
    };
}

// The versions the connection may negotiate: its bounds (0: none) narrowed
// to the two tlsio speaks, to its method's version (TLSv1_2_method) and by
// SSL_OP_NO_TLSv1_2 / NO_TLSv1_3. False when
// none is left, libssl's "no protocols available".
bool version_range(const ssl_st* s, std::uint64_t options, tlsio::protocol_version& lo,
                   tlsio::protocol_version& hi) {
    constexpr int tls12 = static_cast<int>(tlsio::protocol_version::tls12);
    constexpr int tls13 = static_cast<int>(tlsio::protocol_version::tls13);
    int min = std::max(s->min_version, tls12);
    int max = s->max_version == 0 ? tls13 : std::min(s->max_version, tls13);
    if (s->method_version != 0) {
        min = std::max(min, s->method_version);
        max = std::min(max, s->method_version);
    }
    if ((options & TLSIO_OP_NO_TLSv1_2) != 0 && min == tls12) {
        min = tls13;
    }
    if ((options & TLSIO_OP_NO_TLSv1_3) != 0 && max == tls13) {
        max = tls12;
    }
    if (min > max) {
        return false;
    }
    lo = static_cast<tlsio::protocol_version>(min);
    hi = static_cast<tlsio::protocol_version>(max);
    return true;
}

// The engine's context for `ctx`: its settings, with the connection's
// versions and the C facade's key-log callback and middlebox option.
tlsio::context engine_context(ssl_st* s, TLSIO_CTX* ctx) {
    tlsio::context context = ctx->context;
    tlsio::protocol_version lo{};
    tlsio::protocol_version hi{};
    if (version_range(s, s->options | ctx->options, lo, hi)) {
        context.set_protocol_versions(lo, hi);
    }
    if (ctx->keylog != nullptr) {
        tlsio_keylog_cb cb = ctx->keylog;
        context.set_keylog_callback([s, cb](std::string_view line) {
            std::string text(line);
            cb(s, text.c_str());
        });
    }
    if (((s->options | ctx->options) & TLSIO_OP_ENABLE_MIDDLEBOX_COMPAT) == 0) {
        context.set_middlebox_compatibility(false);
    }
    return context;
}

// Server: libssl's servername and ALPN select callbacks, in libssl's order,
// as the engine's ClientHello callback. The servername callback may switch
// the connection's TLSIO_CTX (tlsio_set_SSL_CTX); the ALPN callback of the
// context in force then runs.
std::optional<tlsio::client_hello_answer> answer_client_hello(
    ssl_st* s, const tlsio::client_hello_info& hello) {
    tlsio::client_hello_answer answer;
    TLSIO_CTX* original = s->ctx;
    if (original->servername != nullptr) {
        int alert = static_cast<int>(tlsio::alert::unrecognized_name);
        int r = original->servername(s, &alert, original->servername_arg);
        if (r == TLSIO_TLSEXT_ERR_ALERT_FATAL) {
            answer.refuse = static_cast<tlsio::alert>(alert);
            return answer;
        }
        // OK, NOACK and ALERT_WARNING go on (TLS 1.3 has no warning alerts
        // to send here).
    }
    if (s->ctx != original) {
        answer.use_context = engine_context(s, s->ctx);
    }
    TLSIO_CTX* ctx = s->ctx;
    if (ctx->alpn_select != nullptr && !hello.alpn_protocols.empty()) {
        std::vector<unsigned char> list;  // the client's list in wire format
        for (const std::string& p : hello.alpn_protocols) {
            list.push_back(static_cast<unsigned char>(p.size()));
            list.insert(list.end(), p.begin(), p.end());
        }
        const unsigned char* out = nullptr;
        unsigned char outlen = 0;
        int r = ctx->alpn_select(s, &out, &outlen, list.data(), static_cast<unsigned>(list.size()),
                                 ctx->alpn_select_arg);
        if (r == TLSIO_TLSEXT_ERR_OK && out != nullptr && outlen > 0) {
            answer.alpn_protocol = std::string(reinterpret_cast<const char*>(out), outlen);
        } else if (r == TLSIO_TLSEXT_ERR_ALERT_FATAL) {
            answer.refuse = tlsio::alert::no_application_protocol;
        } else {
            answer.alpn_protocol = std::string();  // NOACK: no ALPN
        }
    }
    return answer;
}

int make_engine(ssl_st* s, const char* func) {
    if (s->engine) {
        return 1;
    }
    if (s->role == 0) {
        push(reason::uninitialized, func);
        return -1;
    }
    if (s->rbio == nullptr || s->wbio == nullptr) {
        push(reason::no_transport, func);
        return -1;
    }
    TLSIO_CTX* ctx = s->ctx;
    tlsio::protocol_version lo{};
    tlsio::protocol_version hi{};
    if (!version_range(s, s->options | ctx->options, lo, hi)) {
        push(reason::no_protocols_available, func,
             "the version bounds and SSL_OP_NO_TLSv1_2 / NO_TLSv1_3 leave neither TLS 1.2 "
             "nor TLS 1.3");
        return -1;
    }
    if ((s->role == role_client && ctx->method_role == role_server) ||
        (s->role == role_server && ctx->method_role == role_client)) {
        push(reason::wrong_state, func, "the context's method is for the other role");
        return -1;
    }
    tlsio::context context = engine_context(s, ctx);

    tlsio::engine_options o;
    verify_settings v;
    v.mode = s->verify_mode ? *s->verify_mode : ctx->verify_mode;
    v.callback = s->verify_mode ? s->verify_callback : ctx->verify_callback;
    if (s->role == role_client) {
        s->verify_none = (v.mode & TLSIO_VERIFY_PEER) == 0;
        if (!s->verify_none && s->sni.empty() && !s->host) {
            // libssl would accept any certificate of a trusted CA here; see
            // tlsio_set1_host in <tlsio/ssl.h>.
            push(make_error_code(tlsio::error::host_name_required), func,
                 "SSL_VERIFY_PEER without a host name to check the certificate against: call "
                 "SSL_set1_host (or SSL_set_tlsext_host_name), or use SSL_VERIFY_NONE and "
                 "check the result yourself");
            return -1;
        }
        if (!s->sni.empty()) {
            o.server_name = s->sni;
            // Unlike libssl, a verifying client without SSL_set1_host checks the
            // certificate against its SNI name.
            o.verify_host = s->host ? *s->host == s->sni : !s->verify_none;
            if (s->host && *s->host != s->sni) {
                v.extra_host = *s->host;
            }
        } else if (s->host) {
            // The engine verifies the name it sends in SNI: a host without an
            // SNI name is sent as SNI too (libssl would send none).
            o.server_name = *s->host;
            o.verify_host = true;
        } else {
            o.verify_host = false;  // VERIFY_NONE and no name: nothing to check
        }
        o.alpn_protocols = s->alpn ? *s->alpn : ctx->alpn;
        o.session = s->offered_session;
        o.early_data = s->early_state == ssl_st::early::writing;
        // libssl's applications send rejected early data again themselves.
        o.resend_rejected_early_data = false;
        // A client always verifies, as libssl does; with VERIFY_NONE the result
        // is only recorded (tlsio_get_verify_result).
        v.record_in = s->verify_none ? s : nullptr;
        o.peer_verify_mode = tlsio::verify_peer;
        o.peer_verify_callback = make_verify_callback(v);
    } else {
        o.peer_verify_mode = v.mode & (TLSIO_VERIFY_PEER | TLSIO_VERIFY_FAIL_IF_NO_PEER_CERT);
        if (v.callback != nullptr) {
            o.peer_verify_callback = make_verify_callback(v);
        }
        // libssl skips early data unless the application reads it before the
        // handshake (SSL_read_early_data).
        o.refuse_early_data = s->early_state != ssl_st::early::reading;
        const std::uint32_t max_early =
            std::min(s->max_early_data.value_or(ctx->max_early_data),
                     s->recv_max_early_data.value_or(ctx->recv_max_early_data));
        if (max_early != context.max_early_data()) {
            context.set_max_early_data(max_early);
        }
        if (ctx->servername != nullptr || ctx->alpn_select != nullptr) {
            o.client_hello = [s](const tlsio::client_hello_info& hello) {
                return answer_client_hello(s, hello);
            };
        }
    }
    try {
        s->engine.emplace(context,
                          s->role == role_client ? tlsio::role::client : tlsio::role::server,
                          std::move(o));
    } catch (const std::exception& e) {
        push(make_error_code(tlsio::error::internal_error), func, e.what());
        return -1;
    }
    return 1;
}

// Common entry: argument and state checks, the engine. 1 to go on.
int enter(ssl_st* s, const char* func, bool handshake = false) {
    if (s == nullptr) {
        push(reason::null_argument, func, "the connection is NULL");
        return -1;
    }
    if (refused_on_stream(s, func)) {
        return -1;
    }
    s->wants = want::nothing;
    if (!s->state_set && !s->engine) {
        // As libssl: the method alone does not start a connection.
        push(handshake ? reason::connection_type_not_set : reason::uninitialized, func);
        return -1;
    }
    // libssl's handshake starts by clearing the error queue, so an error left
    // there earlier does not turn its WANT_READ into SSL_ERROR_SSL. tlsio keeps
    // the queue (it may hold what the program has not looked at yet) and lets
    // tlsio_get_error look past it instead.
    s->handshake_call = !s->failed && (!s->engine || !s->engine->handshake_done());
    if (make_engine(s, func) <= 0) {
        return -1;
    }
    if (s->failed) {
        push(reason::failed_earlier, func, s->engine->error_message());
        return -1;
    }
    return 1;
}

int handshake_loop(ssl_st* s, const char* func) {
    for (;;) {
        if (flush(s, func) != io::ok) {
            return -1;
        }
        status st = s->engine->handshake();
        if (st == status::error) {
            return fail_engine(s, func);
        }
        if (!s->engine->output().empty()) {
            continue;
        }
        switch (st) {
            case status::done:
                return 1;
            case status::want_read:
                switch (fill(s, func)) {
                    case io::ok:
                        continue;
                    case io::closed:
                    case io::blocked:
                    case io::failed:
                        return -1;
                }
                continue;
            case status::want_write:
                continue;
            case status::closed:
            case status::error:
            case status::want_application:  // never: the C callbacks answer at once
                break;
        }
        return fail_engine(s, func);
    }
}

int do_handshake(ssl_st* s, const char* func) {
    if (enter(s, func, true) <= 0) {
        return -1;
    }
    return handshake_loop(s, func);
}

// 1 with *got set, or the value to return (0 after close_notify, -1 otherwise).
int read_records(ssl_st* s, void* buf, std::size_t num, std::size_t* got, const char* func);

int do_read(ssl_st* s, void* buf, std::size_t num, std::size_t* got, const char* func) {
    int r = read_records(s, buf, num, got, func);
    if (s != nullptr && s->engine) {
        // Tickets come in with the reads: hand their sessions over now.
        tlsio::c_api::note_new_session(s);
    }
    return r;
}

int read_records(ssl_st* s, void* buf, std::size_t num, std::size_t* got, const char* func) {
    *got = 0;
    if (enter(s, func) <= 0) {
        return -1;
    }
    if (buf == nullptr && num > 0) {
        push(reason::null_argument, func, "buf is NULL");
        return -1;
    }
    auto* out = static_cast<std::uint8_t*>(buf);
    if (!s->after_early_data.empty() && num > 0) {
        std::vector<std::uint8_t>& kept = s->after_early_data;
        const std::size_t n = std::min(num, kept.size());
        std::memcpy(out, kept.data(), n);
        kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(n));
        *got = n;
        return 1;
    }
    for (;;) {
        if (s->received_close || s->engine->received_close_notify()) {
            if (s->engine->pending() == 0) {
                s->received_close = true;
                return 0;
            }
        }
        if (flush(s, func) != io::ok) {
            return -1;
        }
        std::size_t n = 0;
        status st = s->engine->read(std::span<std::uint8_t>(out, num), n);
        if (n > 0) {
            if (flush(s, func) == io::blocked) {
                s->wants = want::nothing;  // The rest leaves with the next call.
            }
            *got = n;
            return 1;
        }
        if (st == status::error) {
            // SSL_read(3): 0 also when "the peer simply shut down the underlying
            // transport"; libssl 3 returns 0 with SSL_ERROR_SSL there.
            // A fatal alert from the peer also reads as 0 in libssl (with
            // SSL_ERROR_SSL, the alert's reason queued, SSL_get_shutdown RECEIVED).
            int r = fail_engine(s, func);
            return s->engine->error() == tlsio::error::stream_truncated || s->received_alert ? 0
                                                                                             : r;
        }
        if (!s->engine->output().empty()) {
            continue;
        }
        switch (st) {
            case status::done:
                if (num == 0) {
                    return 0;
                }
                continue;
            case status::want_read:
                switch (fill(s, func)) {
                    case io::ok:
                        continue;
                    case io::closed:
                        return 0;
                    case io::blocked:
                    case io::failed:
                        return -1;
                }
                continue;
            case status::want_write:
                continue;
            case status::closed:
                s->received_close = true;
                return 0;
            case status::error:
            case status::want_application:  // never: the C callbacks answer at once
                break;
        }
        return fail_engine(s, func);
    }
}

int write_records(ssl_st* s, const void* buf, std::size_t num, std::size_t* written,
                  const char* func);

int do_write(ssl_st* s, const void* buf, std::size_t num, std::size_t* written, const char* func) {
    *written = 0;
    if (enter(s, func) <= 0) {
        return -1;
    }
    if (buf == nullptr && num > 0) {
        push(reason::null_argument, func, "buf is NULL");
        return -1;
    }
    if (s->shutdown_called) {
        push(reason::protocol_is_shutdown, func, "write after shutdown");
        return -1;
    }
    if (!s->engine->handshake_done()) {
        int r = handshake_loop(s, func);
        if (r <= 0) {
            return r;
        }
    }
    return write_records(s, buf, num, written, func);
}

// Hands `buf` to the engine and the transport (the write half of do_write,
// also for early data, which goes before the handshake is done).
int write_records(ssl_st* s, const void* buf, std::size_t num, std::size_t* written,
                  const char* func) {
    if (s->write_in_progress && num < s->write_taken) {
        push(reason::bad_write_retry, func, "a write was retried with fewer bytes");
        return -1;
    }
    if (num == 0) {
        return 0;
    }
    const auto* in = static_cast<const std::uint8_t*>(buf);
    long mode = s->mode | ctx_mode(s);
    for (;;) {
        s->write_in_progress = true;
        io f = flush(s, func);
        if (f != io::ok) {
            if (f == io::failed) {
                s->write_in_progress = false;
            }
            return -1;
        }
        if (s->write_taken == num ||
            ((mode & TLSIO_MODE_ENABLE_PARTIAL_WRITE) != 0 && s->write_taken > 0)) {
            *written = s->write_taken;
            s->write_taken = 0;
            s->write_in_progress = false;
            return 1;
        }
        std::size_t n = 0;
        status st = s->engine->write(
            std::span<const std::uint8_t>(in + s->write_taken, num - s->write_taken), n);
        if (st == status::error) {
            s->write_in_progress = false;
            s->write_taken = 0;
            return fail_engine(s, func);
        }
        s->write_taken += n;
    }
}

void set0_rbio(ssl_st* s, BIO* b) {
    BIO_free_all(s->rbio);
    s->rbio = b;
}
void set0_wbio(ssl_st* s, BIO* b) {
    BIO_free_all(s->wbio);
    s->wbio = b;
}

int bio_fd(BIO* b) {
    BIO* d = b == nullptr ? nullptr : BIO_find_type(b, BIO_TYPE_DESCRIPTOR);
    int fd = -1;
    if (d != nullptr) {
        BIO_get_fd(d, &fd);
    }
    return fd;
}

BIO* socket_bio(int fd) {
    BIO* b = BIO_new(BIO_s_socket());
    if (b != nullptr) {
        BIO_set_fd(b, fd, BIO_NOCLOSE);
    }
    return b;
}

// A socket BIO for `fd` for one direction: `other`, the other direction's BIO,
// again (one more reference) when it is a socket BIO on the same fd, as
// SSL_set_rfd/SSL_set_wfd share it; otherwise a new one.
BIO* socket_bio_beside(BIO* other, int fd) {
    if (other != nullptr && BIO_method_type(other) == BIO_TYPE_SOCKET && bio_fd(other) == fd) {
        BIO_up_ref(other);
        return other;
    }
    return socket_bio(fd);
}

// A stream checks the certificate against the name it sends in SNI.
constexpr const char* stream_one_name =
    "on a tlsio::stream's native_handle(), SSL_set1_host and SSL_set_tlsext_host_name must "
    "name the same host (the stream checks the certificate against its SNI name)";

bool settable(ssl_st* s, const char* func) {
    if (s == nullptr) {
        push(reason::null_argument, func);
        return false;
    }
    if (s->engine) {
        push(reason::wrong_state, func, "the handshake has started");
        return false;
    }
    return true;
}

}  // namespace

extern "C" {

TLSIO* tlsio_new(TLSIO_CTX* ctx) {
    if (ctx == nullptr) {
        push(reason::null_argument, "tlsio_new", "the context is NULL");
        return nullptr;
    }
    try {
        auto* s = new ssl_st;
        tlsio_CTX_up_ref(ctx);
        s->ctx = ctx;
        // As SSL_new: a method made for one role sets it, and the context's
        // version bounds are copied (later changes to it do not apply here).
        s->role = ctx->method_role;
        s->min_version = ctx->min_version;
        s->max_version = ctx->max_version;
        s->method_version = ctx->method_version;
        return s;
    } catch (const std::exception& e) {
        push(make_error_code(tlsio::error::internal_error), "tlsio_new", e.what());
        return nullptr;
    }
}

int tlsio_up_ref(TLSIO* s) {
    if (s == nullptr || refused_on_stream(s, "tlsio_up_ref")) {
        return 0;
    }
    s->references.fetch_add(1, std::memory_order_relaxed);
    return 1;
}

void tlsio_free(TLSIO* s) {
    if (s == nullptr || refused_on_stream(s, "tlsio_free")) {
        return;
    }
    if (s->references.fetch_sub(1, std::memory_order_acq_rel) != 1) {
        return;
    }
    set0_rbio(s, nullptr);
    set0_wbio(s, nullptr);
    tlsio_SESSION_free(s->current_session);
    TLSIO_CTX* ctx = s->ctx;
    delete s;
    tlsio_CTX_free(ctx);
}

TLSIO_CTX* tlsio_get_SSL_CTX(const TLSIO* s) {
    return s == nullptr ? nullptr : s->ctx;
}

TLSIO_CTX* tlsio_set_SSL_CTX(TLSIO* s, TLSIO_CTX* ctx) {
    if (s == nullptr) {
        push(reason::null_argument, "tlsio_set_SSL_CTX", "the connection is NULL");
        return nullptr;
    }
    if (ctx == nullptr || ctx == s->ctx) {
        return s->ctx;  // as SSL_set_SSL_CTX: NULL keeps the context
    }
    tlsio_CTX_up_ref(ctx);
    TLSIO_CTX* old = s->ctx;
    s->ctx = ctx;
    tlsio_CTX_free(old);
    return ctx;
}

int tlsio_set_fd(TLSIO* s, int fd) {
    if (s == nullptr || fd < 0) {
        push(reason::null_argument, "tlsio_set_fd", "no connection or a negative fd");
        return 0;
    }
    if (refused_on_stream(s, "tlsio_set_fd")) {
        return 0;
    }
    BIO* b = socket_bio(fd);
    if (b == nullptr) {
        return 0;
    }
    tlsio_set_bio(s, b, b);
    return 1;
}

int tlsio_set_rfd(TLSIO* s, int fd) {
    if (s == nullptr || fd < 0) {
        push(reason::null_argument, "tlsio_set_rfd", "no connection or a negative fd");
        return 0;
    }
    if (refused_on_stream(s, "tlsio_set_rfd")) {
        return 0;
    }
    BIO* b = socket_bio_beside(s->wbio, fd);
    if (b == nullptr) {
        return 0;
    }
    set0_rbio(s, b);
    return 1;
}

int tlsio_set_wfd(TLSIO* s, int fd) {
    if (s == nullptr || fd < 0) {
        push(reason::null_argument, "tlsio_set_wfd", "no connection or a negative fd");
        return 0;
    }
    if (refused_on_stream(s, "tlsio_set_wfd")) {
        return 0;
    }
    BIO* b = socket_bio_beside(s->rbio, fd);
    if (b == nullptr) {
        return 0;
    }
    set0_wbio(s, b);
    return 1;
}

int tlsio_get_fd(const TLSIO* s) {
    return tlsio_get_rfd(s);
}
int tlsio_get_rfd(const TLSIO* s) {
    return s == nullptr ? -1 : bio_fd(s->rbio);
}
int tlsio_get_wfd(const TLSIO* s) {
    return s == nullptr ? -1 : bio_fd(s->wbio);
}

void tlsio_set_bio(TLSIO* s, BIO* rbio, BIO* wbio) {
    if (s == nullptr || refused_on_stream(s, "tlsio_set_bio")) {
        return;
    }
    // SSL_set_bio(3)'s rules, including its historical asymmetry.
    if (rbio != nullptr && rbio == wbio) {
        BIO_up_ref(rbio);
    }
    if (rbio == s->rbio) {
        set0_wbio(s, wbio);
        return;
    }
    if (wbio == s->wbio && s->rbio != s->wbio) {
        set0_rbio(s, rbio);
        return;
    }
    set0_rbio(s, rbio);
    set0_wbio(s, wbio);
}

void tlsio_set0_rbio(TLSIO* s, BIO* rbio) {
    if (s != nullptr && !refused_on_stream(s, "tlsio_set0_rbio")) {
        set0_rbio(s, rbio);
    }
}
void tlsio_set0_wbio(TLSIO* s, BIO* wbio) {
    if (s != nullptr && !refused_on_stream(s, "tlsio_set0_wbio")) {
        set0_wbio(s, wbio);
    }
}
BIO* tlsio_get_rbio(const TLSIO* s) {
    return s == nullptr ? nullptr : s->rbio;
}
BIO* tlsio_get_wbio(const TLSIO* s) {
    return s == nullptr ? nullptr : s->wbio;
}

void tlsio_set_connect_state(TLSIO* s) {
    if (settable(s, "tlsio_set_connect_state") &&
        !refused_on_stream(s, "tlsio_set_connect_state")) {
        s->role = role_client;
        s->state_set = true;
    }
}
void tlsio_set_accept_state(TLSIO* s) {
    if (settable(s, "tlsio_set_accept_state") && !refused_on_stream(s, "tlsio_set_accept_state")) {
        s->role = role_server;
        s->state_set = true;
    }
}
int tlsio_is_server(const TLSIO* s) {
    return s != nullptr && s->role == role_server ? 1 : 0;
}

int tlsio_set_tlsext_host_name(TLSIO* s, const char* name) {
    if (!settable(s, "tlsio_set_tlsext_host_name")) {
        return 0;
    }
    if (name == nullptr) {
        s->sni.clear();
        return 1;
    }
    std::size_t n = std::strlen(name);
    if (n == 0 || n > 255) {
        push(reason::bad_value, "tlsio_set_tlsext_host_name", "the name must be 1 to 255 bytes");
        return 0;
    }
    if (s->engine.is_view() && s->host && *s->host != name) {
        push(reason::bad_value, "tlsio_set_tlsext_host_name", stream_one_name);
        return 0;
    }
    s->sni = name;
    return 1;
}

int tlsio_set1_host(TLSIO* s, const char* name) {
    if (!settable(s, "tlsio_set1_host")) {
        return 0;
    }
    if (name == nullptr || *name == '\0') {
        s->host.reset();
    } else if (s->engine.is_view() && !s->sni.empty() && s->sni != name) {
        push(reason::bad_value, "tlsio_set1_host", stream_one_name);
        return 0;
    } else {
        s->host = name;
    }
    return 1;
}

const char* tlsio_get_servername(const TLSIO* s, int type) {
    if (s == nullptr || type != 0) {
        return nullptr;
    }
    if (s->role == role_client) {
        return s->sni.empty() ? nullptr : s->sni.c_str();
    }
    if (!s->engine || s->engine->server_name().empty()) {
        return nullptr;
    }
    auto* self = const_cast<ssl_st*>(s);
    self->peer_server_name = std::string(s->engine->server_name());
    return self->peer_server_name.c_str();
}

void tlsio_set_verify(TLSIO* s, int mode, tlsio_verify_cb callback) {
    if (settable(s, "tlsio_set_verify")) {
        s->verify_mode = mode;
        s->verify_callback = callback;
    }
}

int tlsio_set_alpn_protos(TLSIO* s, const unsigned char* protos, unsigned int len) {
    if (!settable(s, "tlsio_set_alpn_protos")) {
        return 1;
    }
    std::vector<std::string> names;
    if (protos != nullptr && len > 0 && !tlsio::c_api::parse_alpn(protos, len, names)) {
        push(reason::bad_value, "tlsio_set_alpn_protos", "malformed ALPN wire format");
        return 1;
    }
    s->alpn = std::move(names);
    return 0;
}

long tlsio_set_mode(TLSIO* s, long mode) {
    return s == nullptr ? 0 : (s->mode |= mode) | ctx_mode(s);
}
long tlsio_clear_mode(TLSIO* s, long mode) {
    return s == nullptr ? 0 : (s->mode &= ~mode) | ctx_mode(s);
}
long tlsio_get_mode(TLSIO* s) {
    return s == nullptr ? 0 : s->mode | ctx_mode(s);
}
uint64_t tlsio_set_options(TLSIO* s, uint64_t options) {
    return s == nullptr ? 0 : (s->options |= options) | ctx_options(s);
}
uint64_t tlsio_clear_options(TLSIO* s, uint64_t options) {
    return s == nullptr ? 0 : (s->options &= ~options) | ctx_options(s);
}
uint64_t tlsio_get_options(const TLSIO* s) {
    return s == nullptr ? 0 : s->options | ctx_options(s);
}

int tlsio_set_min_proto_version(TLSIO* s, int version) {
    return tlsio::c_api::set_version_bound(s == nullptr ? nullptr : &s->min_version, version,
                                           "tlsio_set_min_proto_version");
}
int tlsio_set_max_proto_version(TLSIO* s, int version) {
    return tlsio::c_api::set_version_bound(s == nullptr ? nullptr : &s->max_version, version,
                                           "tlsio_set_max_proto_version");
}
int tlsio_get_min_proto_version(TLSIO* s) {
    return s == nullptr ? 0 : s->min_version;
}
int tlsio_get_max_proto_version(TLSIO* s) {
    return s == nullptr ? 0 : s->max_version;
}

int tlsio_do_handshake(TLSIO* s) {
    return do_handshake(s, "tlsio_do_handshake");
}

int tlsio_connect(TLSIO* s) {
    if (s != nullptr && !s->engine.is_view()) {
        if (s->role == 0) {
            s->role = role_client;
        }
        s->state_set = true;
    }
    return do_handshake(s, "tlsio_connect");
}

int tlsio_accept(TLSIO* s) {
    if (s != nullptr && !s->engine.is_view()) {
        if (s->role == 0) {
            s->role = role_server;
        }
        s->state_set = true;
    }
    return do_handshake(s, "tlsio_accept");
}

int tlsio_read(TLSIO* s, void* buf, int num) {
    if (num < 0) {
        push(reason::bad_length, "tlsio_read", "num is negative");
        return -1;
    }
    std::size_t got = 0;
    int r = do_read(s, buf, static_cast<std::size_t>(num), &got, "tlsio_read");
    return r > 0 ? static_cast<int>(got) : r;
}

int tlsio_read_ex(TLSIO* s, void* buf, size_t num, size_t* readbytes) {
    std::size_t got = 0;
    int r = do_read(s, buf, num, &got, "tlsio_read_ex");
    if (r > 0 && readbytes != nullptr) {
        *readbytes = got;  // Left alone on failure, as libssl does.
    }
    return r > 0 ? 1 : 0;
}

int tlsio_write(TLSIO* s, const void* buf, int num) {
    if (num < 0) {
        push(reason::bad_length, "tlsio_write", "num is negative");
        return -1;
    }
    std::size_t written = 0;
    int r = do_write(s, buf, static_cast<std::size_t>(num), &written, "tlsio_write");
    return r > 0 ? static_cast<int>(written) : r;
}

int tlsio_write_ex(TLSIO* s, const void* buf, size_t num, size_t* written) {
    std::size_t n = 0;
    int r = do_write(s, buf, num, &n, "tlsio_write_ex");
    if (r > 0 && written != nullptr) {
        *written = n;  // Left alone on failure, as libssl does.
    }
    return r > 0 ? 1 : 0;
}

int tlsio_pending(const TLSIO* s) {
    if (s == nullptr || !s->engine) {
        return 0;
    }
    return clamp_int(s->engine->pending() + s->after_early_data.size());
}

int tlsio_has_pending(const TLSIO* s) {
    // As SSL_has_pending: decrypted data, or records received and not yet
    // opened (a read would return them without the transport being readable).
    if (s == nullptr || !s->engine) {
        return 0;
    }
    return s->engine->pending() > 0 || s->engine->buffered_input() > 0 ||
                   !s->after_early_data.empty()
               ? 1
               : 0;
}

int tlsio_shutdown(TLSIO* s) {
    const char* func = "tlsio_shutdown";
    if (s == nullptr) {
        push(reason::null_argument, func, "the connection is NULL");
        return -1;
    }
    if (refused_on_stream(s, func)) {
        return -1;
    }
    s->wants = want::nothing;
    if (s->role == 0) {
        push(reason::uninitialized, func);
        return -1;
    }
    if (!s->engine || !s->engine->handshake_done()) {
        push(reason::shutdown_while_in_init, func);
        return -1;
    }
    if (s->failed) {
        push(reason::failed_earlier, func, s->engine->error_message());
        return -1;
    }
    auto received = [s] { return s->received_close || s->engine->received_close_notify(); };
    if (!s->shutdown_called) {
        s->shutdown_called = true;
        s->write_in_progress = false;
        if (s->engine->shutdown() == status::error) {
            return fail_engine(s, func);
        }
        if (flush(s, func) != io::ok) {
            return -1;
        }
        s->shutdown_reported = true;
        return received() ? 1 : 0;
    }
    if (!s->shutdown_reported) {
        // close_notify was still on its way: now that it left, answer the first step.
        if (flush(s, func) != io::ok) {
            return -1;
        }
        s->shutdown_reported = true;
        return received() ? 1 : 0;
    }
    // Second step: wait for the peer's close_notify, dropping data met on the way.
    std::uint8_t discard[4096];
    for (;;) {
        if (received()) {
            return 1;
        }
        if (flush(s, func) != io::ok) {
            return -1;
        }
        std::size_t n = 0;
        status st = s->engine->read(discard, n);
        if (st == status::error) {
            return fail_engine(s, func);
        }
        if (st == status::closed) {
            s->received_close = true;
            return 1;
        }
        if (st == status::want_read && s->engine->output().empty()) {
            switch (fill(s, func)) {
                case io::ok:
                    break;
                case io::closed:
                    return 1;
                case io::blocked:
                case io::failed:
                    return -1;
            }
        }
    }
}

int tlsio_get_shutdown(const TLSIO* s) {
    if (s == nullptr) {
        return 0;
    }
    int r = s->shutdown_called ? TLSIO_SENT_SHUTDOWN : 0;
    if (s->received_close || s->received_alert ||
        (s->engine && s->engine->received_close_notify())) {
        r |= TLSIO_RECEIVED_SHUTDOWN;
    }
    return r;
}

void tlsio_set_shutdown(TLSIO* s, int mode) {
    if (s == nullptr || refused_on_stream(s, "tlsio_set_shutdown")) {
        return;
    }
    if ((mode & TLSIO_SENT_SHUTDOWN) != 0 && !s->shutdown_called) {
        // As if close_notify had left: nothing is sent, writes are refused.
        s->shutdown_called = true;
        s->shutdown_reported = true;
        s->write_in_progress = false;
    }
    if ((mode & TLSIO_RECEIVED_SHUTDOWN) != 0) {
        s->received_close = true;
    }
}

int tlsio_get_error(const TLSIO* s, int ret) {
    if (ret > 0) {
        return TLSIO_ERROR_NONE;
    }
    if (s != nullptr && s->handshake_call && s->wants != want::nothing) {
        // The call was blocked, not failed (a failure leaves wants empty): what
        // is on the queue is older than the handshake step (see enter()).
        return s->wants == want::read ? TLSIO_ERROR_WANT_READ : TLSIO_ERROR_WANT_WRITE;
    }
    unsigned long e = ERR_peek_error();
    if (e != 0) {
        return ERR_GET_LIB(e) == ERR_LIB_SYS ? TLSIO_ERROR_SYSCALL : TLSIO_ERROR_SSL;
    }
    if (s == nullptr) {
        return TLSIO_ERROR_SSL;
    }
    if (s->wants == want::read) {
        return TLSIO_ERROR_WANT_READ;
    }
    if (s->wants == want::write) {
        return TLSIO_ERROR_WANT_WRITE;
    }
    if (s->received_close || (s->engine && s->engine->received_close_notify())) {
        return TLSIO_ERROR_ZERO_RETURN;
    }
    return TLSIO_ERROR_SYSCALL;
}

int tlsio_want_read(const TLSIO* s) {
    return s != nullptr && s->wants == want::read ? 1 : 0;
}
int tlsio_want_write(const TLSIO* s) {
    return s != nullptr && s->wants == want::write ? 1 : 0;
}

int tlsio_key_update(TLSIO* s, int updatetype) {
    const char* func = "tlsio_key_update";
    if (s == nullptr) {
        push(reason::null_argument, func);
        return 0;
    }
    if (refused_on_stream(s, func)) {
        return 0;
    }
    if (updatetype != TLSIO_KEY_UPDATE_NOT_REQUESTED && updatetype != TLSIO_KEY_UPDATE_REQUESTED) {
        push(reason::bad_value, func, "updatetype must be SSL_KEY_UPDATE_(NOT_)REQUESTED");
        return 0;
    }
    if (!s->engine || !s->engine->handshake_done() || s->failed) {
        push(reason::wrong_state, func, "the connection is not established");
        return 0;
    }
    if (s->engine->key_update(updatetype == TLSIO_KEY_UPDATE_REQUESTED) == status::error) {
        push(s->engine->error(), func, s->engine->error_message());
        return 0;
    }
    return 1;
}

int tlsio_is_init_finished(const TLSIO* s) {
    return s != nullptr && s->engine && s->engine->handshake_done() && !s->failed ? 1 : 0;
}
int tlsio_in_init(const TLSIO* s) {
    return tlsio_is_init_finished(s) ? 0 : 1;
}

const char* tlsio_get_version(const TLSIO* s) {
    if (s == nullptr || !s->engine || !s->engine->handshake_done()) {
        return "unknown";
    }
    return s->engine->version() == tlsio::protocol_version::tls12 ? "TLSv1.2" : "TLSv1.3";
}
int tlsio_version(const TLSIO* s) {
    if (s == nullptr || !s->engine || !s->engine->handshake_done()) {
        return 0x10000;
    }
    return static_cast<int>(s->engine->version());
}

const char* tlsio_libssl_get_version(const TLSIO* s) {
    int v = tlsio_libssl_version(s);
    return v == 0x0303 ? "TLSv1.2" : v == 0x0304 ? "TLSv1.3" : "unknown";
}
int tlsio_libssl_version(const TLSIO* s) {
    if (s == nullptr) {
        return 0;
    }
    if (tlsio_is_init_finished(s) == 1) {
        return tlsio_version(s);
    }
    // Before the handshake libssl gives its method's version: TLS 1.3 for
    // TLS_method whatever the bounds, TLS 1.2 for TLSv1_2_method.
    return s->method_version != 0 ? s->method_version : 0x0304;
}

const char* tlsio_get_cipher_name(const TLSIO* s) {
    if (s == nullptr || !s->engine || !s->engine->handshake_done()) {
        return "(NONE)";
    }
    // OpenSSL's names: "ECDHE-ECDSA-AES128-GCM-SHA256" for TLS 1.2 suites.
    return tlsio::openssl_name(s->engine->cipher_suite());
}

int tlsio_get_cipher_bits(const TLSIO* s, int* alg_bits) {
    int bits = 0;
    if (s != nullptr && s->engine && s->engine->handshake_done()) {
        const tlsio::cipher_suite suite = s->engine->cipher_suite();
        bits = suite == tlsio::cipher_suite::aes_128_gcm_sha256 ||
                       suite == tlsio::cipher_suite::aes_128_ccm_sha256 ||
                       suite == tlsio::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256 ||
                       suite == tlsio::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256
                   ? 128
                   : 256;
    }
    if (alg_bits != nullptr) {
        *alg_bits = bits;
    }
    return bits;
}

void tlsio_get0_alpn_selected(const TLSIO* s, const unsigned char** data, unsigned int* len) {
    std::string_view p;
    if (s != nullptr && s->engine) {
        p = s->engine->alpn_protocol();
    }
    if (data != nullptr) {
        *data = p.empty() ? nullptr : reinterpret_cast<const unsigned char*>(p.data());
    }
    if (len != nullptr) {
        *len = static_cast<unsigned int>(p.size());
    }
}

long tlsio_get_verify_result(const TLSIO* s) {
    if (s == nullptr || !s->engine) {
        return X509_V_OK;
    }
    return s->verify_none ? s->first_verify_error : s->engine->verify_result();
}

X509* tlsio_get1_peer_certificate(const TLSIO* s) {
    if (s == nullptr || !s->engine || s->engine->peer_certificates().empty()) {
        return nullptr;
    }
    const std::vector<std::uint8_t>& der = s->engine->peer_certificates().front();
    const unsigned char* p = der.data();
    return d2i_X509(nullptr, &p, static_cast<long>(der.size()));
}

STACK_OF(X509) * tlsio_get1_peer_cert_chain(const TLSIO* s) {
    if (s == nullptr || !s->engine || s->engine->peer_certificates().empty()) {
        return nullptr;
    }
    STACK_OF(X509)* chain = sk_X509_new_null();
    for (const std::vector<std::uint8_t>& der : s->engine->peer_certificates()) {
        const unsigned char* p = der.data();
        X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
        if (x == nullptr || sk_X509_push(chain, x) <= 0) {
            X509_free(x);
            sk_X509_pop_free(chain, X509_free);
            return nullptr;
        }
    }
    return chain;
}

// ---- 0-RTT early data (SSL_write_early_data, SSL_read_early_data) -----------------

int tlsio_write_early_data(TLSIO* s, const void* buf, size_t num, size_t* written) {
    const char* func = "tlsio_write_early_data";
    if (s == nullptr) {
        push(reason::null_argument, func, "the connection is NULL");
        return 0;
    }
    if (refused_on_stream(s, func)) {
        return 0;
    }
    // As SSL_new: a connection of TLS_method is a server until told otherwise.
    const bool server =
        s->role == role_server || (s->role == 0 && s->ctx->method_role != role_client);
    std::size_t n = 0;
    if (server) {
        // 0.5-RTT: a server reading early data may answer before the client
        // is authenticated.
        if (s->early_state != ssl_st::early::reading || !s->engine || !s->engine->in_early_data()) {
            push(reason::wrong_state, func,
                 "a server writes early data only while it reads early data "
                 "(after SSL_read_early_data returned SSL_READ_EARLY_DATA_SUCCESS)");
            return 0;
        }
        if (enter(s, func) <= 0) {
            return 0;
        }
    } else {
        if (s->early_state != ssl_st::early::writing) {
            if (s->engine) {
                push(reason::wrong_state, func, "the handshake has started without early data");
                return 0;
            }
            if (s->offered_session.max_early_data() == 0) {
                push(reason::wrong_state, func,
                     "no session that allows early data was set (SSL_set_session with one whose "
                     "SSL_SESSION_get_max_early_data is above 0)");
                return 0;
            }
            s->role = role_client;
            s->state_set = true;
            s->early_state = ssl_st::early::writing;
            if (enter(s, func, true) <= 0) {
                return 0;
            }
            // The ClientHello: the engine is then in its 0-RTT part, unless
            // the session did not fit this connection after all.
            if (s->engine->handshake() == status::error) {
                fail_engine(s, func);
                return 0;
            }
        } else if (enter(s, func, true) <= 0) {
            return 0;
        }
        if (!s->engine->in_early_data()) {
            push(reason::wrong_state, func,
                 "the session cannot be resumed on this connection: no early data (call "
                 "SSL_connect to go on with a full handshake)");
            return 0;
        }
        if (!s->write_in_progress && num > s->engine->max_early_data()) {
            push(reason::bad_value, func,
                 "more early data than the session's max_early_data allows");
            return 0;
        }
    }
    int r = write_records(s, buf, num, &n, func);
    if (r <= 0) {
        return 0;
    }
    if (written != nullptr) {
        *written = n;
    }
    return 1;
}

int tlsio_read_early_data(TLSIO* s, void* buf, size_t num, size_t* readbytes) {
    const char* func = "tlsio_read_early_data";
    if (s == nullptr) {
        push(reason::null_argument, func, "the connection is NULL");
        return TLSIO_READ_EARLY_DATA_ERROR;
    }
    if (refused_on_stream(s, func)) {
        return TLSIO_READ_EARLY_DATA_ERROR;
    }
    if (s->role == role_client || (s->role == 0 && s->ctx->method_role == role_client)) {
        push(reason::wrong_state, func, "a client does not read early data");
        return TLSIO_READ_EARLY_DATA_ERROR;
    }
    if (s->early_state == ssl_st::early::finished) {
        push(reason::wrong_state, func,
             "SSL_read_early_data returned SSL_READ_EARLY_DATA_FINISH already");
        return TLSIO_READ_EARLY_DATA_ERROR;
    }
    if (s->early_state == ssl_st::early::none) {
        if (s->engine) {
            push(reason::wrong_state, func, "the handshake has started without reading early data");
            return TLSIO_READ_EARLY_DATA_ERROR;
        }
        s->role = role_server;
        s->state_set = true;
        s->early_state = ssl_st::early::reading;
    }
    if (buf == nullptr || num == 0) {
        push(reason::null_argument, func, "no buffer to read into");
        return TLSIO_READ_EARLY_DATA_ERROR;
    }
    if (enter(s, func, true) <= 0) {
        return TLSIO_READ_EARLY_DATA_ERROR;
    }
    auto finish = [&] {
        s->early_state = ssl_st::early::finished;
        s->wants = want::nothing;
        if (readbytes != nullptr) {
            *readbytes = 0;
        }
        return TLSIO_READ_EARLY_DATA_FINISH;
    };
    if (!s->engine->in_early_data() && !s->engine->handshake_done()) {
        if (handshake_loop(s, func) <= 0) {
            // The server's flight has gone out and nothing early was taken:
            // the rest of the handshake is SSL_accept's.
            if (!s->failed && s->wants == want::read && s->wrote_any &&
                !s->engine->in_early_data()) {
                return finish();
            }
            return TLSIO_READ_EARLY_DATA_ERROR;
        }
    }
    auto* out = static_cast<std::uint8_t*>(buf);
    for (;;) {
        if (!s->engine->in_early_data()) {
            return finish();
        }
        if (flush(s, func) != io::ok) {
            return TLSIO_READ_EARLY_DATA_ERROR;
        }
        std::size_t n = 0;
        status st = s->engine->read(std::span<std::uint8_t>(out, num), n);
        if (n > 0) {
            if (!s->engine->data_is_early()) {
                // Past EndOfEarlyData: for tlsio_read.
                s->after_early_data.assign(out, out + n);
                return finish();
            }
            if (readbytes != nullptr) {
                *readbytes = n;
            }
            return TLSIO_READ_EARLY_DATA_SUCCESS;
        }
        if (st == status::error) {
            fail_engine(s, func);
            return TLSIO_READ_EARLY_DATA_ERROR;
        }
        if (!s->engine->output().empty()) {
            continue;
        }
        switch (st) {
            case status::done:
            case status::want_write:
                continue;
            case status::want_read:
                if (fill(s, func) == io::ok) {
                    continue;
                }
                return TLSIO_READ_EARLY_DATA_ERROR;
            case status::closed:
            case status::error:
            case status::want_application:
                break;
        }
        push(reason::wrong_state, func, "the connection closed during early data");
        return TLSIO_READ_EARLY_DATA_ERROR;
    }
}

int tlsio_get_early_data_status(const TLSIO* s) {
    if (s == nullptr || !s->engine) {
        return TLSIO_EARLY_DATA_NOT_SENT;
    }
    switch (s->engine->get_early_data_status()) {
        case tlsio::early_data_status::accepted:
            return TLSIO_EARLY_DATA_ACCEPTED;
        case tlsio::early_data_status::rejected:
            return TLSIO_EARLY_DATA_REJECTED;
        case tlsio::early_data_status::not_sent:
            break;
    }
    return TLSIO_EARLY_DATA_NOT_SENT;
}

int tlsio_set_max_early_data(TLSIO* s, uint32_t max_early_data) {
    if (!settable(s, "tlsio_set_max_early_data")) {
        return 0;
    }
    s->max_early_data = max_early_data;
    return 1;
}

uint32_t tlsio_get_max_early_data(const TLSIO* s) {
    if (s == nullptr) {
        return 0;
    }
    return s->max_early_data.value_or(s->ctx != nullptr ? s->ctx->max_early_data : 0);
}

int tlsio_set_recv_max_early_data(TLSIO* s, uint32_t recv_max_early_data) {
    if (!settable(s, "tlsio_set_recv_max_early_data")) {
        return 0;
    }
    s->recv_max_early_data = recv_max_early_data;
    return 1;
}

uint32_t tlsio_get_recv_max_early_data(const TLSIO* s) {
    if (s == nullptr) {
        return 0;
    }
    return s->recv_max_early_data.value_or(s->ctx != nullptr ? s->ctx->recv_max_early_data : 16384);
}

const char* tlsio_error_name(int e) {
    switch (e) {
        case TLSIO_ERROR_NONE:
            return "SSL_ERROR_NONE";
        case TLSIO_ERROR_SSL:
            return "SSL_ERROR_SSL";
        case TLSIO_ERROR_WANT_READ:
            return "SSL_ERROR_WANT_READ";
        case TLSIO_ERROR_WANT_WRITE:
            return "SSL_ERROR_WANT_WRITE";
        case TLSIO_ERROR_SYSCALL:
            return "SSL_ERROR_SYSCALL";
        case TLSIO_ERROR_ZERO_RETURN:
            return "SSL_ERROR_ZERO_RETURN";
        default:
            return "SSL_ERROR_(unknown)";
    }
}

int tlsio_err_library(void) {
    return tlsio::c_api::library();
}

}  // extern "C"
