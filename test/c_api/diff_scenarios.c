/*
 * Differential scenarios for the C facade.
 *
 * This one source is compiled twice: against real libssl (c_api_diff_libssl)
 * and against tlsio's compat header + tlsio::c (c_api_diff_tlsio). The subject
 * of every scenario uses only the OpenSSL API subset tlsio supports; its peer
 * is real libssl (diff_peer.c, its own translation unit) or a raw socket. Each
 * program prints the sequence of (return value, SSL_get_error) pairs the
 * subject sees, and c_api_diff compares the two outputs line by line.
 *
 * Where a call is repeated on a non-blocking transport, consecutive identical
 * lines are printed once: how many times WANT_READ / WANT_WRITE comes back
 * depends on socket buffer sizes and record sizes, which the contract does not
 * fix; which results come back, and in which order, it does.
 *
 *   c_api_diff_{libssl,tlsio} PKI_DIR
 */
#include <openssl/ssl.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "diff_peer.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char* pki_dir;
static char last_line[256];
static int failures;

static const char* pki(const char* name) {
    static char buffers[8][512];
    static int next;
    char* b = buffers[next++ % 8];
    snprintf(b, 512, "%s/%s", pki_dir, name);
    return b;
}

static const char* error_name(int e) {
    switch (e) {
        case SSL_ERROR_NONE:
            return "NONE";
        case SSL_ERROR_SSL:
            return "SSL";
        case SSL_ERROR_WANT_READ:
            return "WANT_READ";
        case SSL_ERROR_WANT_WRITE:
            return "WANT_WRITE";
        case SSL_ERROR_SYSCALL:
            return "SYSCALL";
        case SSL_ERROR_ZERO_RETURN:
            return "ZERO_RETURN";
        default:
            return "OTHER";
    }
}

static void heading(const char* name) {
    printf("== %s\n", name);
    last_line[0] = '\0';
}

/* Prints "what: ret err" unless it repeats the previous line; returns the
 * SSL_get_error value and clears the error queue for the next call. */
static int check(const char* what, SSL* ssl, int ret) {
    int e = SSL_get_error(ssl, ret);
    char line[256];
    snprintf(line, sizeof line, "%s: %d %s", what, ret, error_name(e));
    if (strcmp(line, last_line) != 0) {
        puts(line);
        snprintf(last_line, sizeof last_line, "%s", line);
    }
    ERR_clear_error();
    return e;
}

static void say(const char* text) {
    puts(text);
    last_line[0] = '\0';
}

static SSL_CTX* client_ctx(int verify, const char* ca, const char* suites) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (ca != NULL && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        say("load_verify_locations failed");
        failures++;
    }
    SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (suites != NULL && SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
        say("set_ciphersuites failed");
        failures++;
    }
    return ctx;
}

static SSL_CTX* server_ctx(const char* chain, const char* key) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stdout);
        say("loading the server credential failed");
        failures++;
    }
    return ctx;
}

static SSL* client(SSL_CTX* ctx, const char* host) {
    SSL* ssl = SSL_new(ctx);
    if (host != NULL) {
        SSL_set_tlsext_host_name(ssl, host);
        SSL_set1_host(ssl, host);
    }
    return ssl;
}

static void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* ---- Peers in a thread (blocking scenarios) -------------------------------- */

enum peer_script {
    echo_server,      /* handshake, "ping" -> "pong", answer close_notify */
    close_mid,        /* read the ClientHello, close the socket */
    garbage,          /* read the ClientHello, answer with HTTP, wait for EOF */
    close_notify_bye, /* handshake, send "bye" and close_notify, wait for ours */
    two_step,         /* handshake, wait for close_notify, answer it */
    truncate_after,   /* handshake, send "data", close without close_notify */
};

struct peer_job {
    int fd;
    enum peer_script script;
    pthread_t thread;
};

static void drain_until_eof(int fd) {
    char buf[4096];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
}

static void* peer_main(void* arg) {
    struct peer_job* job = arg;
    char buf[4096];
    diff_peer* p = NULL;
    switch (job->script) {
        case close_mid:
            (void)recv(job->fd, buf, sizeof buf, 0);
            break;
        case garbage: {
            static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
            (void)recv(job->fd, buf, sizeof buf, 0);
            (void)send(job->fd, http, sizeof http - 1, MSG_NOSIGNAL);
            drain_until_eof(job->fd);
            break;
        }
        default:
            p = peer_new_fd(1, job->fd, pki("server.pem"), pki("server.key"), NULL);
            if (peer_error(p, peer_handshake(p)) != SSL_ERROR_NONE) {
                break;
            }
            if (job->script == echo_server) {
                int n = peer_read(p, buf, sizeof buf);
                if (n == 4 && memcmp(buf, "ping", 4) == 0) {
                    peer_write(p, "pong", 4);
                }
                (void)peer_read(p, buf, sizeof buf); /* close_notify */
                peer_shutdown(p);
            } else if (job->script == close_notify_bye) {
                peer_write(p, "bye", 3);
                peer_shutdown(p);
                (void)peer_read(p, buf, sizeof buf);
                peer_shutdown(p);
            } else if (job->script == two_step) {
                (void)peer_read(p, buf, sizeof buf);
                peer_shutdown(p);
            } else if (job->script == truncate_after) {
                peer_write(p, "data", 4); /* then vanish without close_notify */
            }
            break;
    }
    peer_free(p);
    close(job->fd);
    return NULL;
}

/* A socketpair: returns the subject's end, the peer runs on the other. */
static int start_peer(struct peer_job* job, enum peer_script script) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        perror("socketpair");
        exit(1);
    }
    job->fd = sv[1];
    job->script = script;
    pthread_create(&job->thread, NULL, peer_main, job);
    return sv[0];
}

static void finish(struct peer_job* job, SSL* ssl, SSL_CTX* ctx, int fd) {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    pthread_join(job->thread, NULL);
}

/* A client on one end of a socketpair, verifying the test CA and "localhost",
   with a peer thread running `script` on the other: how every blocking
   scenario starts. */
struct session {
    struct peer_job job;
    int fd;
    SSL_CTX* ctx;
    SSL* ssl;
};

static void open_session(struct session* se, enum peer_script script) {
    se->fd = start_peer(&se->job, script);
    se->ctx = client_ctx(1, pki("ca.pem"), NULL);
    se->ssl = client(se->ctx, "localhost");
    SSL_set_fd(se->ssl, se->fd);
}

static void close_session(struct session* se) {
    finish(&se->job, se->ssl, se->ctx, se->fd);
}

/* ---- Scenarios ----------------------------------------------------------- */

static void blocking_handshake(void) {
    heading("blocking handshake, data, two-step shutdown (socketpair)");
    struct session se;
    open_session(&se, echo_server);
    SSL* ssl = se.ssl;
    ERR_clear_error();
    check("connect", ssl, SSL_connect(ssl));
    printf("version %s, verify result %ld\n", SSL_get_version(ssl), SSL_get_verify_result(ssl));
    X509* cert = SSL_get_peer_certificate(ssl);
    printf("peer certificate %s\n", cert != NULL ? "present" : "absent");
    X509_free(cert);
    check("write", ssl, SSL_write(ssl, "ping", 4));
    char buf[64];
    int n = SSL_read(ssl, buf, sizeof buf);
    check("read", ssl, n);
    printf("read '%.*s'\n", n > 0 ? n : 0, buf);
    check("shutdown", ssl, SSL_shutdown(ssl));
    check("shutdown", ssl, SSL_shutdown(ssl));
    check("read after shutdown", ssl, SSL_read(ssl, buf, sizeof buf));
    close_session(&se);
}

static void nonblocking_handshake(void) {
    heading("non-blocking handshake, server role, tiny send buffer (socketpair)");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    set_nonblocking(sv[0]);
    set_nonblocking(sv[1]);
    int tiny = 1;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &tiny, sizeof tiny);
    SSL_CTX* ctx = server_ctx(pki("big.pem"), pki("big.key"));
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, sv[0]);
    diff_peer* peer = peer_new_fd(0, sv[1], NULL, NULL, NULL);
    int saw_read = 0;
    int saw_write = 0;
    int peer_done = 0;
    for (int i = 0; i < 100000; ++i) {
        ERR_clear_error();
        int r = SSL_accept(ssl);
        int e = check("accept", ssl, r);
        saw_read |= e == SSL_ERROR_WANT_READ;
        saw_write |= e == SSL_ERROR_WANT_WRITE;
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            break;
        }
        if (!peer_done) {
            int pr = peer_handshake(peer);
            int pe = peer_error(peer, pr);
            peer_done = pr == 1;
            if (pr != 1 && pe != SSL_ERROR_WANT_READ && pe != SSL_ERROR_WANT_WRITE) {
                say("peer failed");
                break;
            }
        }
    }
    printf("observed WANT_READ %s, WANT_WRITE %s\n", saw_read ? "yes" : "no",
           saw_write ? "yes" : "no");

    /* A write larger than the socket takes: WANT_WRITE until the peer reads. */
    static char big[200000];
    memset(big, 'x', sizeof big);
    long received = 0;
    char buf[16384];
    for (int i = 0; i < 100000; ++i) {
        ERR_clear_error();
        int e = check("write 200000", ssl, SSL_write(ssl, big, (int)sizeof big));
        if (e != SSL_ERROR_WANT_WRITE) {
            break;
        }
        int n;
        while ((n = peer_read(peer, buf, sizeof buf)) > 0) {
            received += n;
        }
        peer_error(peer, n);
    }
    int n;
    while (received < (long)sizeof big && (n = peer_read(peer, buf, sizeof buf)) > 0) {
        received += n;
    }
    peer_error(peer, 0);
    printf("peer received %ld\n", received);
    ERR_clear_error();
    check("read (nothing yet)", ssl, SSL_read(ssl, buf, sizeof buf));
    peer_write(peer, "hi", 2);
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, sizeof buf));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    (void)peer_error(peer, peer_read(peer, buf, sizeof buf));
    (void)peer_error(peer, peer_shutdown(peer));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(sv[0]);
    close(sv[1]);
}

/* Drives the subject's handshake against a libssl peer on a BIO pair, one
 * step each, until the subject finishes or fails. Returns the last error. */
static int pair_handshake(SSL* ssl, diff_peer* peer, const char* what) {
    int e = SSL_ERROR_NONE;
    int peer_active = 1;
    for (int i = 0; i < 1000; ++i) {
        ERR_clear_error();
        e = check(what, ssl, SSL_do_handshake(ssl));
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            break;
        }
        if (peer_active) {
            int pr = peer_handshake(peer);
            int pe = peer_error(peer, pr);
            if (pr != 1 && pe != SSL_ERROR_WANT_READ && pe != SSL_ERROR_WANT_WRITE) {
                peer_active = 0; /* it failed; what it sent is in the pair */
            }
        }
    }
    return e;
}

static void bio_pair_handshake(void) {
    heading("BIO pair: handshake, data, two-step shutdown");
    BIO* ours = NULL;
    BIO* theirs = NULL;
    BIO_new_bio_pair(&ours, 0, &theirs, 0);
    SSL_CTX* ctx = client_ctx(1, pki("ca.pem"), NULL);
    SSL* ssl = client(ctx, "localhost");
    SSL_set_connect_state(ssl);
    SSL_set_bio(ssl, ours, ours);
    diff_peer* peer = peer_new_bio(1, theirs, pki("server.pem"), pki("server.key"), NULL);
    pair_handshake(ssl, peer, "do_handshake");
    printf("init finished %d, cipher %s\n", SSL_is_init_finished(ssl), SSL_get_cipher_name(ssl));
    char buf[64];
    ERR_clear_error();
    check("write", ssl, SSL_write(ssl, "ping", 4));
    ERR_clear_error();
    check("read (nothing yet)", ssl, SSL_read(ssl, buf, sizeof buf));
    int n = peer_read(peer, buf, sizeof buf);
    peer_error(peer, n);
    peer_write(peer, "pong", 4);
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, 2)); /* a short read leaves the rest pending */
    printf("pending %d\n", SSL_pending(ssl));
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, sizeof buf));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    peer_error(peer, peer_read(peer, buf, sizeof buf));
    peer_error(peer, peer_shutdown(peer));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void peer_closes_mid_handshake(void) {
    heading("peer closes the transport mid-handshake (blocking)");
    struct session se;
    open_session(&se, close_mid);
    SSL* ssl = se.ssl;
    ERR_clear_error();
    check("connect", ssl, SSL_connect(ssl));
    ERR_clear_error();
    check("connect again", ssl, SSL_connect(ssl));
    close_session(&se);
}

static void peer_sends_garbage(void) {
    heading("peer answers with garbage (blocking)");
    struct session se;
    open_session(&se, garbage);
    SSL* ssl = se.ssl;
    ERR_clear_error();
    check("connect", ssl, SSL_connect(ssl));
    close_session(&se);
}

static void fatal_alert_from_peer(void) {
    heading("peer sends a fatal alert: no shared cipher (BIO pair)");
    BIO* ours = NULL;
    BIO* theirs = NULL;
    BIO_new_bio_pair(&ours, 0, &theirs, 0);
    SSL_CTX* ctx = client_ctx(1, pki("ca.pem"), "TLS_AES_128_GCM_SHA256");
    SSL* ssl = client(ctx, "localhost");
    SSL_set_connect_state(ssl);
    SSL_set_bio(ssl, ours, ours);
    diff_peer* peer =
        peer_new_bio(1, theirs, pki("server.pem"), pki("server.key"), "TLS_AES_256_GCM_SHA384");
    pair_handshake(ssl, peer, "do_handshake");
    char buf[16];
    ERR_clear_error();
    check("read after failure", ssl, SSL_read(ssl, buf, sizeof buf));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void verification_failure(const char* what, const char* ca, const char* host) {
    heading(what);
    BIO* ours = NULL;
    BIO* theirs = NULL;
    BIO_new_bio_pair(&ours, 0, &theirs, 0);
    SSL_CTX* ctx = client_ctx(1, ca, NULL);
    SSL* ssl = client(ctx, host);
    SSL_set_connect_state(ssl);
    SSL_set_bio(ssl, ours, ours);
    diff_peer* peer = peer_new_bio(1, theirs, pki("server.pem"), pki("server.key"), NULL);
    pair_handshake(ssl, peer, "do_handshake");
    printf("verify result %ld, init finished %d\n", SSL_get_verify_result(ssl),
           SSL_is_init_finished(ssl));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void verify_none_records_result(void) {
    heading("SSL_VERIFY_NONE: the handshake succeeds, the result is kept (BIO pair)");
    BIO* ours = NULL;
    BIO* theirs = NULL;
    BIO_new_bio_pair(&ours, 0, &theirs, 0);
    SSL_CTX* ctx = client_ctx(0, pki("other-ca.pem"), NULL);
    SSL* ssl = client(ctx, "localhost");
    SSL_set_connect_state(ssl);
    SSL_set_bio(ssl, ours, ours);
    diff_peer* peer = peer_new_bio(1, theirs, pki("server.pem"), pki("server.key"), NULL);
    pair_handshake(ssl, peer, "do_handshake");
    printf("verify result %ld\n", SSL_get_verify_result(ssl));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void read_after_close_notify(void) {
    heading("read after the peer's close_notify (blocking)");
    struct session se;
    open_session(&se, close_notify_bye);
    SSL* ssl = se.ssl;
    char buf[64];
    ERR_clear_error();
    check("connect", ssl, SSL_connect(ssl));
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, sizeof buf));
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, sizeof buf));
    ERR_clear_error();
    check("read again", ssl, SSL_read(ssl, buf, sizeof buf));
    size_t got = 99;
    ERR_clear_error();
    check("read_ex", ssl, SSL_read_ex(ssl, buf, sizeof buf, &got));
    printf("read_ex got %zu\n", got);
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    ERR_clear_error();
    check("write after shutdown", ssl, SSL_write(ssl, "x", 1));
    close_session(&se);
}

static void two_step_shutdown(void) {
    heading("two-step shutdown (blocking)");
    struct session se;
    open_session(&se, two_step);
    SSL* ssl = se.ssl;
    ERR_clear_error();
    check("connect", ssl, SSL_connect(ssl));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    ERR_clear_error();
    check("shutdown again", ssl, SSL_shutdown(ssl));
    close_session(&se);
}

static void truncation(void) {
    heading("peer closes the transport without close_notify (blocking)");
    struct session se;
    open_session(&se, truncate_after);
    SSL* ssl = se.ssl;
    char buf[64];
    ERR_clear_error();
    check("connect", ssl, SSL_connect(ssl));
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, sizeof buf));
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, sizeof buf));
    close_session(&se);
}

/* ---- What a libssl program can tell apart (issue 14) ----------------------- */

/* check(), also saying whether (ERR_LIB_SSL, reason) was on the queue:
 * checks written for libssl look for these. */
static int check_reason(const char* what, SSL* ssl, int ret, int reason, const char* name) {
    int e = SSL_get_error(ssl, ret);
    const char* found = "absent";
    unsigned long code;
    while ((code = ERR_get_error()) != 0) {
        if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == reason) {
            found = "queued";
        }
    }
    printf("%s: %d %s, %s %s\n", what, ret, error_name(e), name, found);
    last_line[0] = '\0';
    return e;
}

/* A pair: the subject client on `ours`, a libssl server on the other end. */
static SSL* pair_client(SSL_CTX* ctx, diff_peer** peer, const char* ca) {
    BIO* ours = NULL;
    BIO* theirs = NULL;
    BIO_new_bio_pair(&ours, 0, &theirs, 0);
    SSL* ssl = client(ctx, "localhost");
    SSL_set_connect_state(ssl);
    SSL_set_bio(ssl, ours, ours);
    *peer = peer_new_bio(1, theirs, pki("server.pem"), pki("server.key"), NULL);
    if (ca != NULL) {
        peer_require_client_cert(*peer, ca);
    }
    return ssl;
}

static void client_certificate_refused(void) {
    heading("server refuses a client without a certificate: read (BIO pair)");
    SSL_CTX* ctx = client_ctx(1, pki("ca.pem"), NULL);
    diff_peer* peer = NULL;
    SSL* ssl = pair_client(ctx, &peer, pki("ca.pem"));
    pair_handshake(ssl, peer, "do_handshake");
    /* TLS 1.3: the client is done first; the server judges its flight now. */
    printf("server: %d\n", peer_error(peer, peer_handshake(peer)));
    char buf[16];
    ERR_clear_error();
    check_reason("read", ssl, SSL_read(ssl, buf, sizeof buf),
                 SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED,
                 "SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED");
    printf("shutdown state %d\n", SSL_get_shutdown(ssl));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void no_connect_or_accept_state(void) {
    heading("do_handshake and read without a connect or accept state (BIO pair)");
    SSL_CTX* ctx = client_ctx(1, pki("ca.pem"), NULL);
    SSL* ssl = client(ctx, "localhost");
    BIO* ours = NULL;
    BIO* theirs = NULL;
    BIO_new_bio_pair(&ours, 0, &theirs, 0);
    SSL_set_bio(ssl, ours, ours);
    printf("version before anything %s %x\n", SSL_get_version(ssl), SSL_version(ssl));
    ERR_clear_error();
    check_reason("do_handshake", ssl, SSL_do_handshake(ssl), SSL_R_CONNECTION_TYPE_NOT_SET,
                 "SSL_R_CONNECTION_TYPE_NOT_SET");
    char buf[16];
    check_reason("read", ssl, SSL_read(ssl, buf, sizeof buf), SSL_R_UNINITIALIZED,
                 "SSL_R_UNINITIALIZED");
    SSL_set_connect_state(ssl);
    diff_peer* peer = peer_new_bio(1, theirs, pki("server.pem"), pki("server.key"), NULL);
    pair_handshake(ssl, peer, "do_handshake after set_connect_state");
    printf("version %s\n", SSL_get_version(ssl));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void stale_error_mid_handshake(void) {
    heading("an old error left on the queue during the handshake (BIO pair)");
    SSL_CTX* ctx = client_ctx(1, pki("ca.pem"), NULL);
    diff_peer* peer = NULL;
    SSL* ssl = pair_client(ctx, &peer, NULL);
    printf("version before the handshake %s\n", SSL_get_version(ssl));
    ERR_clear_error();
    ERR_raise(ERR_LIB_BIO, ERR_R_PASSED_NULL_PARAMETER); /* someone else's, not cleared */
    check("do_handshake with an old error queued", ssl, SSL_do_handshake(ssl));
    printf("version mid-handshake %s\n", SSL_get_version(ssl));
    (void)peer_error(peer, peer_handshake(peer));
    ERR_raise(ERR_LIB_BIO, ERR_R_PASSED_NULL_PARAMETER);
    check("do_handshake with an old error queued", ssl, SSL_do_handshake(ssl));
    ERR_clear_error();
    pair_handshake(ssl, peer, "do_handshake");
    printf("version after %s\n", SSL_get_version(ssl));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void libssl_reason_codes(void) {
    heading("libssl's reason codes on the queue (BIO pair, socketpair)");
    SSL_CTX* ctx = client_ctx(1, pki("other-ca.pem"), NULL);
    diff_peer* peer = NULL;
    SSL* ssl = pair_client(ctx, &peer, NULL);
    int r = 0;
    for (int i = 0; i < 100; ++i) {
        ERR_clear_error();
        r = SSL_do_handshake(ssl);
        int e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            break;
        }
        (void)peer_error(peer, peer_handshake(peer));
    }
    check_reason("unknown CA: do_handshake", ssl, r, SSL_R_CERTIFICATE_VERIFY_FAILED,
                 "SSL_R_CERTIFICATE_VERIFY_FAILED");
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);

    struct session se;
    open_session(&se, truncate_after);
    char buf[64];
    ERR_clear_error();
    check("connect", se.ssl, SSL_connect(se.ssl));
    check("read", se.ssl, SSL_read(se.ssl, buf, sizeof buf));
    check_reason("truncation: read", se.ssl, SSL_read(se.ssl, buf, sizeof buf),
                 SSL_R_UNEXPECTED_EOF_WHILE_READING, "SSL_R_UNEXPECTED_EOF_WHILE_READING");
    close_session(&se);
}

static void reference_and_shutdown_flags(void) {
    heading("SSL_up_ref, SSL_set_shutdown (BIO pair)");
    SSL_CTX* ctx = client_ctx(1, pki("ca.pem"), NULL);
    diff_peer* peer = NULL;
    SSL* ssl = pair_client(ctx, &peer, NULL);
    printf("up_ref %d\n", SSL_up_ref(ssl));
    SSL_free(ssl); /* drops the extra reference only */
    pair_handshake(ssl, peer, "do_handshake");
    SSL_set_shutdown(ssl, SSL_RECEIVED_SHUTDOWN);
    printf("shutdown state %d\n", SSL_get_shutdown(ssl));
    char buf[16];
    ERR_clear_error();
    check("read", ssl, SSL_read(ssl, buf, sizeof buf));
    ERR_clear_error();
    check("shutdown", ssl, SSL_shutdown(ssl));
    printf("shutdown state %d\n", SSL_get_shutdown(ssl));
    ERR_clear_error();
    check("write", ssl, SSL_write(ssl, "x", 1));
    peer_free(peer);
    SSL_free(ssl);

    /* Quiet shutdown: both flags, nothing sent. */
    ssl = pair_client(ctx, &peer, NULL);
    pair_handshake(ssl, peer, "do_handshake");
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    ERR_clear_error();
    check("shutdown (quiet)", ssl, SSL_shutdown(ssl));
    printf("shutdown state %d\n", SSL_get_shutdown(ssl));
    int pr = peer_read(peer, buf, sizeof buf); /* nothing was sent: it waits */
    printf("peer read %d, error %d\n", pr, peer_error(peer, pr));
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static int password_cb(char* buf, int size, int rwflag, void* userdata) {
    const char* password = userdata;
    int n = (int)strlen(password);
    (void)rwflag;
    if (n > size) {
        return -1;
    }
    memcpy(buf, password, (size_t)n);
    return n;
}

/* Version bounds and TLS 1.2 cipher lists: the values the calls return, and a
 * TLS 1.2 handshake they select against a libssl server. */
static void tls12_versions_and_cipher_list(void) {
    heading("TLS 1.2: version bounds, cipher list, BIO pair handshake");
    SSL_CTX* ctx = client_ctx(1, pki("ca.pem"), NULL);
    /* One call per statement: printf's arguments have no order. */
    int r = (int)SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
    printf("set_min TLS1_1: %d, get_min %x\n", r, (unsigned)SSL_CTX_get_min_proto_version(ctx));
    r = (int)SSL_CTX_set_max_proto_version(ctx, 0x0305);
    int r2 = (int)SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
    printf("set_max 0x305: %d, set_max DTLS1_2: %d, get_max %x\n", r, r2,
           (unsigned)SSL_CTX_get_max_proto_version(ctx));
    r = (int)SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    printf("set_max TLS1_2: %d, get_max %x\n", r, (unsigned)SSL_CTX_get_max_proto_version(ctx));
    ERR_clear_error();
    const char* lists[] = {"FOO:BAR",      "",
                           "!ALL",         "HIGH:!aNULL:!MD5",
                           "ECDHE+AESGCM", "FOO:ECDHE-ECDSA-CHACHA20-POLY1305"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; ++i) {
        r = SSL_CTX_set_cipher_list(ctx, lists[i]);
        int no_match = ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_NO_CIPHER_MATCH;
        printf("set_cipher_list '%s': %d%s\n", lists[i], r, no_match ? ", no cipher match" : "");
        ERR_clear_error();
    }

    diff_peer* peer = NULL;
    SSL* ssl = pair_client(ctx, &peer, NULL);
    peer_allow_tls12(peer);
    printf("SSL_new copies: min %x, max %x; version before: %s\n",
           (unsigned)SSL_get_min_proto_version(ssl), (unsigned)SSL_get_max_proto_version(ssl),
           SSL_get_version(ssl));
    pair_handshake(ssl, peer, "do_handshake");
    printf("version %s (%x), cipher %s\n", SSL_get_version(ssl), (unsigned)SSL_version(ssl),
           SSL_get_cipher_name(ssl));
    char buf[8];
    ERR_clear_error();
    check("write", ssl, SSL_write(ssl, "ping", 4));
    int n = peer_read(peer, buf, sizeof buf);
    printf("peer read %d\n", n);
    peer_free(peer);
    SSL_free(ssl);

    /* Bounds that leave no version: the handshake fails, not the call. */
    ssl = pair_client(ctx, &peer, NULL);
    r = (int)SSL_set_max_proto_version(ssl, TLS1_1_VERSION);
    printf("SSL_set_max TLS1_1: %d\n", r);
    ERR_clear_error();
    check_reason("max TLS1_1: do_handshake", ssl, SSL_do_handshake(ssl),
                 SSL_R_NO_PROTOCOLS_AVAILABLE, "SSL_R_NO_PROTOCOLS_AVAILABLE");
    peer_free(peer);
    SSL_free(ssl);
    ssl = pair_client(ctx, &peer, NULL);
    SSL_set_min_proto_version(ssl, TLS1_3_VERSION);
    ERR_clear_error();
    check_reason("min TLS1_3, max TLS1_2: do_handshake", ssl, SSL_do_handshake(ssl),
                 SSL_R_NO_PROTOCOLS_AVAILABLE, "SSL_R_NO_PROTOCOLS_AVAILABLE");
    peer_free(peer);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void encrypted_private_key(void) {
    heading("an encrypted private key with SSL_CTX_set_default_passwd_cb");
    const char* passwords[] = {"test", "wrong"};
    for (int i = 0; i < 2; ++i) {
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_default_passwd_cb(ctx, password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, (void*)passwords[i]);
        int chain = SSL_CTX_use_certificate_chain_file(ctx, pki("server.pem"));
        int key = SSL_CTX_use_PrivateKey_file(ctx, pki("server-enc.key"), SSL_FILETYPE_PEM);
        printf("password '%s': chain %d, key %d, check %d\n", passwords[i], chain, key,
               SSL_CTX_check_private_key(ctx));
        ERR_clear_error();
        SSL_CTX_free(ctx);
    }
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PKI_DIR\n", argv[0]);
        return 2;
    }
    pki_dir = argv[1];
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    blocking_handshake();
    nonblocking_handshake();
    bio_pair_handshake();
    peer_closes_mid_handshake();
    peer_sends_garbage();
    fatal_alert_from_peer();
    verification_failure("verification failure: unknown CA (BIO pair)", pki("other-ca.pem"),
                         "localhost");
    verification_failure("verification failure: host name mismatch (BIO pair)", pki("ca.pem"),
                         "wrong.example");
    verify_none_records_result();
    read_after_close_notify();
    two_step_shutdown();
    truncation();
    client_certificate_refused();
    no_connect_or_accept_state();
    stale_error_mid_handshake();
    libssl_reason_codes();
    reference_and_shutdown_flags();
    tls12_versions_and_cipher_list();
    encrypted_private_key();
    return failures == 0 ? 0 : 1;
}
