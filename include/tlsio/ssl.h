/*
 * tlsio/ssl.h: the C facade over tlsio::engine.
 *
 * Every function keeps the contract OpenSSL documents for its SSL_* twin
 * (SSL_do_handshake(3), SSL_read(3), SSL_write(3), SSL_shutdown(3),
 * SSL_get_error(3), ...): the same arguments, return values, error codes and
 * ownership rules, under the prefix tlsio_ so that a libssl in the same process
 * never clashes. <tlsio/compat/openssl/ssl.h> maps the SSL_* names onto these.
 *
 * The objects are opaque. Their struct tags are libssl's (ssl_st, ssl_ctx_st),
 * which libcrypto's <openssl/types.h> already names as SSL and SSL_CTX, so code
 * that forward-declares `struct ssl_st` keeps compiling; the structures have
 * nothing else in common with libssl's.
 *
 * Transport: tlsio_set_fd/set_rfd/set_wfd (blocking descriptors: calls return
 * when done or failed; non-blocking ones: -1 and TLSIO_ERROR_WANT_READ /
 * _WANT_WRITE, then repeat the same call once the descriptor is ready) or
 * tlsio_set_bio with libcrypto BIOs (memory BIOs, BIO_new_bio_pair ends, any
 * BIO whose retry flags say when to come back).
 *
 * Errors go onto libcrypto's error queue under the library "tlsio", with
 * specific reasons ("certificate verify failed: host name mismatch", "peer sent
 * alert handshake_failure") and the engine's message as data, so
 * ERR_get_error(), ERR_error_string_n() and ERR_print_errors_fp() show them.
 * Where libssl has a reason for the same failure, a second entry follows
 * under ERR_LIB_SSL with libssl's SSL_R_* code (SSL_R_CERTIFICATE_VERIFY_FAILED,
 * SSL_R_UNEXPECTED_EOF_WHILE_READING, SSL_AD_REASON_OFFSET + alert, ...), so
 * checks written for libssl find it with ERR_peek_last_error() or by walking
 * the queue. (The first entry stays tlsio's: it says more.)
 *
 * Threads: one TLSIO is used by one thread at a time; a TLSIO_CTX may be shared
 * once configured.
 */
#ifndef TLSIO_SSL_H
#define TLSIO_SSL_H

#include <tlsio/export.h>

#include <openssl/types.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is the facade's exported API (see tlsio/export.h);
 * the push covers the whole list, so a function added to it cannot be left
 * out by mistake. */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

typedef struct ssl_ctx_st TLSIO_CTX;
typedef struct ssl_st TLSIO;
typedef struct tlsio_method_st TLSIO_METHOD;
typedef struct tlsio_session_st TLSIO_SESSION;

/* ---- Constants: OpenSSL's numeric values ------------------------------- */

#define TLSIO_ERROR_NONE 0
#define TLSIO_ERROR_SSL 1
#define TLSIO_ERROR_WANT_READ 2
#define TLSIO_ERROR_WANT_WRITE 3
#define TLSIO_ERROR_SYSCALL 5
#define TLSIO_ERROR_ZERO_RETURN 6

#define TLSIO_VERIFY_NONE 0x00
#define TLSIO_VERIFY_PEER 0x01
#define TLSIO_VERIFY_FAIL_IF_NO_PEER_CERT 0x02
#define TLSIO_VERIFY_CLIENT_ONCE 0x04

#define TLSIO_FILETYPE_PEM 1  /* X509_FILETYPE_PEM */
#define TLSIO_FILETYPE_ASN1 2 /* X509_FILETYPE_ASN1 */

#define TLSIO_TLSEXT_ERR_OK 0
#define TLSIO_TLSEXT_ERR_ALERT_WARNING 1
#define TLSIO_TLSEXT_ERR_ALERT_FATAL 2
#define TLSIO_TLSEXT_ERR_NOACK 3
/* Alerts a servername callback may set in *al (RFC 8446 codes). */
#define TLSIO_AD_HANDSHAKE_FAILURE 40
#define TLSIO_AD_ACCESS_DENIED 49
#define TLSIO_AD_INTERNAL_ERROR 80
#define TLSIO_AD_UNRECOGNIZED_NAME 112
#define TLSIO_AD_NO_APPLICATION_PROTOCOL 120

/* SSL_OP_* bits with OpenSSL 3's values. Those that concern versions older
 * than TLS 1.2, renegotiation, compression or workarounds are accepted and
 * have no effect (tlsio has none of those). Acted on: IGNORE_UNEXPECTED_EOF,
 * ENABLE_MIDDLEBOX_COMPAT (on by default, as in OpenSSL), NO_TLSv1_2 and
 * NO_TLSv1_3 (take that version out; none left fails the handshake with "no
 * protocols available"). */
#define TLSIO_OP_BIT(n) ((uint64_t)1 << (n))
#define TLSIO_OP_IGNORE_UNEXPECTED_EOF TLSIO_OP_BIT(7)
#define TLSIO_OP_NO_COMPRESSION TLSIO_OP_BIT(17)
#define TLSIO_OP_ENABLE_MIDDLEBOX_COMPAT TLSIO_OP_BIT(20)
#define TLSIO_OP_NO_TLSv1_2 TLSIO_OP_BIT(27)
#define TLSIO_OP_NO_TLSv1_3 TLSIO_OP_BIT(29)

/* SSL_MODE_* bits. */
#define TLSIO_MODE_ENABLE_PARTIAL_WRITE 0x00000001U
#define TLSIO_MODE_ACCEPT_MOVING_WRITE_BUFFER 0x00000002U
#define TLSIO_MODE_AUTO_RETRY 0x00000004U
#define TLSIO_MODE_RELEASE_BUFFERS 0x00000010U

/* ---- Methods and contexts ----------------------------------------------- */

/* TLS_client_method(), TLS_server_method(), TLS_method(). */
const TLSIO_METHOD* tlsio_client_method(void);
const TLSIO_METHOD* tlsio_server_method(void);
const TLSIO_METHOD* tlsio_method(void);
/* TLSv1_2_client_method() ...: TLS 1.2 only, whatever the version bounds
 * allow beyond it (bounds that exclude 1.2 fail the handshake). */
const TLSIO_METHOD* tlsio_TLSv1_2_client_method(void);
const TLSIO_METHOD* tlsio_TLSv1_2_server_method(void);
const TLSIO_METHOD* tlsio_TLSv1_2_method(void);

/* A context with OpenSSL's defaults: no peer verification (SSL_VERIFY_NONE),
 * no trust anchors, options NO_COMPRESSION | ENABLE_MIDDLEBOX_COMPAT. NULL on
 * failure (error queued). Reference counted: tlsio_CTX_free drops one. */
TLSIO_CTX* tlsio_CTX_new(const TLSIO_METHOD* method);
int tlsio_CTX_up_ref(TLSIO_CTX* ctx);
void tlsio_CTX_free(TLSIO_CTX* ctx);

/* Credentials. A chain and a key form one credential, in either order; each
 * new chain+key pair adds a credential (e.g. RSA and ECDSA). 1 on success,
 * 0 on failure (error queued). */
int tlsio_CTX_use_certificate_chain_file(TLSIO_CTX* ctx, const char* file);
int tlsio_CTX_use_certificate_file(TLSIO_CTX* ctx, const char* file, int type);
int tlsio_CTX_use_certificate(TLSIO_CTX* ctx, X509* cert);
int tlsio_CTX_use_PrivateKey_file(TLSIO_CTX* ctx, const char* file, int type);
int tlsio_CTX_use_PrivateKey(TLSIO_CTX* ctx, EVP_PKEY* key);
/* From memory: PEM text of `len` bytes (a chain, leaf first; a private key). */
int tlsio_CTX_use_certificate_chain_mem(TLSIO_CTX* ctx, const char* pem, size_t len);
int tlsio_CTX_use_PrivateKey_mem(TLSIO_CTX* ctx, const char* pem, size_t len);
/* The pass phrase of encrypted PEM private keys loaded afterwards, as
 * SSL_CTX_set_default_passwd_cb (the same signature as libcrypto's
 * pem_password_cb: write at most `size` bytes into `buf`, return the length).
 * Without one an encrypted key fails to load (libssl would prompt on the
 * terminal). */
typedef int (*tlsio_passwd_cb)(char* buf, int size, int rwflag, void* userdata);
void tlsio_CTX_set_default_passwd_cb(TLSIO_CTX* ctx, tlsio_passwd_cb callback);
void tlsio_CTX_set_default_passwd_cb_userdata(TLSIO_CTX* ctx, void* userdata);
/* 1 when the last chain given has its private key. */
int tlsio_CTX_check_private_key(const TLSIO_CTX* ctx);

/* Trust. */
int tlsio_CTX_load_verify_locations(TLSIO_CTX* ctx, const char* file, const char* dir);
int tlsio_CTX_load_verify_mem(TLSIO_CTX* ctx, const char* pem, size_t len);
int tlsio_CTX_set_default_verify_paths(TLSIO_CTX* ctx);

/* As SSL_CTX_set_verify: `callback` sees libcrypto's verdict for each
 * certificate and returns nonzero to accept it. With TLSIO_VERIFY_NONE a
 * client still verifies and records the result (tlsio_get_verify_result) but
 * goes on whatever it is, as libssl does. */
typedef int (*tlsio_verify_cb)(int preverified, X509_STORE_CTX* store_ctx);
void tlsio_CTX_set_verify(TLSIO_CTX* ctx, int mode, tlsio_verify_cb callback);
int tlsio_CTX_get_verify_mode(const TLSIO_CTX* ctx);

/* Version bounds, as libssl's: SSL3_VERSION .. TLS1_3_VERSION, or 0 for "no
 * bound"; 1 on success, 0 (error queued, the bound unchanged) for any other
 * value. tlsio speaks TLS 1.2 and 1.3: a minimum below 1.2 is accepted and
 * means 1.2; bounds that leave neither (a maximum of TLS1_1_VERSION, a
 * minimum above the maximum) are accepted too and fail the handshake with
 * "no protocols available". A connection takes its context's bounds when it
 * is made (tlsio_new) and keeps them. */
int tlsio_CTX_set_min_proto_version(TLSIO_CTX* ctx, int version);
int tlsio_CTX_set_max_proto_version(TLSIO_CTX* ctx, int version);
int tlsio_CTX_get_min_proto_version(TLSIO_CTX* ctx);
int tlsio_CTX_get_max_proto_version(TLSIO_CTX* ctx);

/* Options (SSL_OP_*): set returns the new options, clear too. */
uint64_t tlsio_CTX_set_options(TLSIO_CTX* ctx, uint64_t options);
uint64_t tlsio_CTX_clear_options(TLSIO_CTX* ctx, uint64_t options);
uint64_t tlsio_CTX_get_options(const TLSIO_CTX* ctx);
long tlsio_CTX_set_mode(TLSIO_CTX* ctx, long mode);
long tlsio_CTX_clear_mode(TLSIO_CTX* ctx, long mode);
long tlsio_CTX_get_mode(TLSIO_CTX* ctx);

/* "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256" (also
 * TLS_AES_128_CCM_SHA256, off by default); unknown names are skipped as
 * libssl does, 0 if none is known. */
int tlsio_CTX_set_ciphersuites(TLSIO_CTX* ctx, const char* list);
/* The TLS 1.2 cipher suites, in OpenSSL's cipher-string language:
 * "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305", or rules such
 * as "HIGH:!aNULL", "ECDHE+AESGCM", "DEFAULT:-aRSA", "ALL:@STRENGTH" over the
 * six suites tlsio has (ECDHE with ECDSA or RSA; AES-GCM or ChaCha20-Poly1305).
 * Names and aliases of other suites match nothing. 1 when the list selects at
 * least one suite, else 0 ("no cipher match" queued, the list unchanged), as
 * libssl. The TLS 1.3 suites are tlsio_CTX_set_ciphersuites'. */
int tlsio_CTX_set_cipher_list(TLSIO_CTX* ctx, const char* list);
/* "X25519:P-256:P-384:X448:P-521:ffdhe2048" (also the IANA names x25519,
 * secp256r1, secp384r1, x448, secp521r1, prime256v1, ffdhe3072 ... ffdhe8192). */
int tlsio_CTX_set1_groups_list(TLSIO_CTX* ctx, const char* list);

/* ALPN, wire format (length-prefixed names). Returns 0 on success, 1 on
 * failure: SSL_CTX_set_alpn_protos's inverted convention. Used by clients. */
int tlsio_CTX_set_alpn_protos(TLSIO_CTX* ctx, const unsigned char* protos, unsigned int len);
/* Server: choose from the client's list (wire format in `in`). Return
 * TLSIO_TLSEXT_ERR_OK with *out and *outlen set, _NOACK for no ALPN, or
 * _ALERT_FATAL to fail with no_application_protocol. */
typedef int (*tlsio_alpn_select_cb)(TLSIO* ssl, const unsigned char** out, unsigned char* outlen,
                                    const unsigned char* in, unsigned int inlen, void* arg);
void tlsio_CTX_set_alpn_select_cb(TLSIO_CTX* ctx, tlsio_alpn_select_cb callback, void* arg);
/* Server: called with the ClientHello's SNI name (tlsio_get_servername)
 * before the ALPN select callback and before anything is sent. It may switch
 * the connection's context with tlsio_set_SSL_CTX (its certificates, ALPN
 * select callback and algorithms then serve the connection). Return
 * TLSIO_TLSEXT_ERR_OK or _NOACK to go on, _ALERT_FATAL to fail with the
 * alert in *al (unrecognized_name unless changed). 1 on success. */
typedef int (*tlsio_servername_cb)(TLSIO* ssl, int* al, void* arg);
long tlsio_CTX_set_tlsext_servername_callback(TLSIO_CTX* ctx, tlsio_servername_cb callback);
long tlsio_CTX_set_tlsext_servername_arg(TLSIO_CTX* ctx, void* arg);
/* SSL_select_next_proto: the helper select callbacks use. */
int tlsio_select_next_proto(unsigned char** out, unsigned char* outlen, const unsigned char* server,
                            unsigned int server_len, const unsigned char* client,
                            unsigned int client_len);

/* NSS key-log lines, as SSL_CTX_set_keylog_callback. */
typedef void (*tlsio_keylog_cb)(const TLSIO* ssl, const char* line);
void tlsio_CTX_set_keylog_callback(TLSIO_CTX* ctx, tlsio_keylog_cb callback);

/* ---- Connections ------------------------------------------------------- */

TLSIO* tlsio_new(TLSIO_CTX* ctx);
/* One more reference: tlsio_free then drops one, and frees the connection
 * with the last (SSL_up_ref). 1 / 0. */
int tlsio_up_ref(TLSIO* ssl);
/* Frees the connection, its BIOs (as SSL_free) and its reference to the
 * context. Nothing is sent: call tlsio_shutdown first for a clean close. */
void tlsio_free(TLSIO* ssl);
TLSIO_CTX* tlsio_get_SSL_CTX(const TLSIO* ssl);
/* Switches the connection to `ctx` (taking a reference, dropping the old
 * one); from a servername callback, the handshake goes on with its
 * certificates. NULL keeps the current context. Returns the context in force. */
TLSIO_CTX* tlsio_set_SSL_CTX(TLSIO* ssl, TLSIO_CTX* ctx);

/* Transport. set_fd uses one descriptor for both directions. 1 / 0. */
int tlsio_set_fd(TLSIO* ssl, int fd);
int tlsio_set_rfd(TLSIO* ssl, int fd);
int tlsio_set_wfd(TLSIO* ssl, int fd);
int tlsio_get_fd(const TLSIO* ssl);
int tlsio_get_rfd(const TLSIO* ssl);
int tlsio_get_wfd(const TLSIO* ssl);
/* Takes ownership of rbio and wbio (one reference each; the same BIO for both
 * counts as one), as SSL_set_bio(3) describes, freeing the BIOs set before. */
void tlsio_set_bio(TLSIO* ssl, BIO* rbio, BIO* wbio);
void tlsio_set0_rbio(TLSIO* ssl, BIO* rbio);
void tlsio_set0_wbio(TLSIO* ssl, BIO* wbio);
BIO* tlsio_get_rbio(const TLSIO* ssl);
BIO* tlsio_get_wbio(const TLSIO* ssl);

void tlsio_set_connect_state(TLSIO* ssl);
void tlsio_set_accept_state(TLSIO* ssl);
int tlsio_is_server(const TLSIO* ssl);

/* Client: the SNI name (SSL_set_tlsext_host_name). 1 / 0. */
int tlsio_set_tlsext_host_name(TLSIO* ssl, const char* name);
/* Client: the name the server's certificate must match (SSL_set1_host);
 * NULL clears it. An IP literal is matched against IP addresses only. 1 / 0.
 *
 * Differences from libssl, so that TLSIO_VERIFY_PEER always means a name is
 * checked: without tlsio_set1_host, a client with TLSIO_VERIFY_PEER checks
 * the certificate against the name of tlsio_set_tlsext_host_name; with
 * neither name, its handshake fails at once with the reason "no host name to
 * check the server certificate against" (libssl would accept a certificate
 * of any trusted CA for any name). With TLSIO_VERIFY_NONE nothing changes. */
int tlsio_set1_host(TLSIO* ssl, const char* name);
/* Server: the SNI name the client sent, or NULL. */
const char* tlsio_get_servername(const TLSIO* ssl, int type);
void tlsio_set_verify(TLSIO* ssl, int mode, tlsio_verify_cb callback);
int tlsio_set_alpn_protos(TLSIO* ssl, const unsigned char* protos, unsigned int len);
long tlsio_set_mode(TLSIO* ssl, long mode);
long tlsio_clear_mode(TLSIO* ssl, long mode);
long tlsio_get_mode(TLSIO* ssl);
uint64_t tlsio_set_options(TLSIO* ssl, uint64_t options);
uint64_t tlsio_clear_options(TLSIO* ssl, uint64_t options);
uint64_t tlsio_get_options(const TLSIO* ssl);
/* The connection's version bounds (SSL_set_min_proto_version ...), with the
 * values and results of tlsio_CTX_set_min_proto_version; they apply to the
 * next handshake, not to one that started. */
int tlsio_set_min_proto_version(TLSIO* ssl, int version);
int tlsio_set_max_proto_version(TLSIO* ssl, int version);
int tlsio_get_min_proto_version(TLSIO* ssl);
int tlsio_get_max_proto_version(TLSIO* ssl);

/* ---- The OpenSSL I/O contract ------------------------------------------ */

/* 1 when the handshake completed; < 0 on a fatal error or when the transport
 * cannot go on yet (see tlsio_get_error). The role must be set first
 * (set_connect_state / set_accept_state) for do_handshake. */
int tlsio_do_handshake(TLSIO* ssl);
int tlsio_connect(TLSIO* ssl);
int tlsio_accept(TLSIO* ssl);

/* > 0 bytes read or written; <= 0 see tlsio_get_error. The first call runs
 * the handshake if needed. A write returns only when all of `num` is taken,
 * unless TLSIO_MODE_ENABLE_PARTIAL_WRITE. After WANT_WRITE, repeat a write with
 * the same arguments. */
int tlsio_read(TLSIO* ssl, void* buf, int num);
int tlsio_write(TLSIO* ssl, const void* buf, int num);
/* 1 with *readbytes / *written set, 0 otherwise. */
int tlsio_read_ex(TLSIO* ssl, void* buf, size_t num, size_t* readbytes);
int tlsio_write_ex(TLSIO* ssl, const void* buf, size_t num, size_t* written);
/* Decrypted bytes ready to read without touching the transport. */
int tlsio_pending(const TLSIO* ssl);
/* 1 when a read can return data without the transport being readable:
   decrypted bytes, or records received and not opened yet (SSL_has_pending). */
int tlsio_has_pending(const TLSIO* ssl);

/* First call: sends close_notify and returns 0, or 1 if the peer's
 * close_notify already arrived. Later calls: wait for the peer's close_notify
 * (application data met on the way is discarded) and return 1; < 0 when the
 * transport cannot go on yet or failed. -1 while the handshake is running. */
int tlsio_shutdown(TLSIO* ssl);
/* SSL_get_shutdown: TLSIO_SENT_SHUTDOWN | TLSIO_RECEIVED_SHUTDOWN. */
#define TLSIO_SENT_SHUTDOWN 1
#define TLSIO_RECEIVED_SHUTDOWN 2
int tlsio_get_shutdown(const TLSIO* ssl);
/* SSL_set_shutdown: marks close_notify as sent (TLSIO_SENT_SHUTDOWN: nothing
 * is sent, writes fail, tlsio_shutdown only waits for the peer's) and/or as
 * received (TLSIO_RECEIVED_SHUTDOWN: reads return 0, tlsio_shutdown needs
 * nothing from the peer). Flags are only ever added, never cleared. */
void tlsio_set_shutdown(TLSIO* ssl, int mode);

/* Which TLSIO_ERROR_* explains `ret`, the value the last call returned:
 * NONE for ret > 0; SSL or SYSCALL if the thread's error queue holds an
 * error (clear it with ERR_clear_error before each call, as OpenSSL says);
 * WANT_READ / WANT_WRITE when the transport must become ready; ZERO_RETURN
 * after the peer's close_notify; SYSCALL otherwise (transport failure). */
int tlsio_get_error(const TLSIO* ssl, int ret);
/* SSL_want_read / SSL_want_write. */
int tlsio_want_read(const TLSIO* ssl);
int tlsio_want_write(const TLSIO* ssl);

/* Requests a KeyUpdate (TLSIO_KEY_UPDATE_REQUESTED asks the peer too); it
 * leaves with the next read, write or do_handshake. 1 / 0. */
#define TLSIO_KEY_UPDATE_NOT_REQUESTED 0
#define TLSIO_KEY_UPDATE_REQUESTED 1
int tlsio_key_update(TLSIO* ssl, int updatetype);

/* ---- State and negotiated parameters ----------------------------------- */

int tlsio_is_init_finished(const TLSIO* ssl);
int tlsio_in_init(const TLSIO* ssl);
/* "TLSv1.3" or "TLSv1.2" once connected, "unknown" before. */
const char* tlsio_get_version(const TLSIO* ssl);
int tlsio_version(const TLSIO* ssl);
/* libssl's answers (SSL_get_version, SSL_version, which the compat header
 * maps here): the version the connection uses or, before its handshake, its
 * method's: "TLSv1.3" (0x0304) for TLS_method whatever the bounds, "TLSv1.2"
 * (0x0303) for TLSv1_2_method. */
const char* tlsio_libssl_get_version(const TLSIO* ssl);
int tlsio_libssl_version(const TLSIO* ssl);
/* OpenSSL's name of the suite: "TLS_AES_128_GCM_SHA256",
 * "ECDHE-ECDSA-AES128-GCM-SHA256"; "(NONE)" before the handshake. */
const char* tlsio_get_cipher_name(const TLSIO* ssl);
/* Bits of the negotiated cipher's key (128 / 256), 0 before. */
int tlsio_get_cipher_bits(const TLSIO* ssl, int* alg_bits);
void tlsio_get0_alpn_selected(const TLSIO* ssl, const unsigned char** data, unsigned int* len);
/* X509_V_OK or the X509_V_ERR_* code of the peer's verification. */
long tlsio_get_verify_result(const TLSIO* ssl);
/* The peer's leaf certificate: a new reference the caller frees with
 * X509_free, or NULL. */
X509* tlsio_get1_peer_certificate(const TLSIO* ssl);
/* The peer's chain as a new stack (leaf first); free with
 * sk_X509_pop_free(chain, X509_free). */
STACK_OF(X509) * tlsio_get1_peer_cert_chain(const TLSIO* ssl);

/* The string of a TLSIO_ERROR_* value ("SSL_ERROR_WANT_READ"), for logs. */
const char* tlsio_error_name(int error);
/* The libcrypto error library number tlsio's errors are queued under. */
int tlsio_err_library(void);

/* ---- Sessions (resumption with TLS 1.3 tickets) -------------------------- */

/* Client: the newest session the server's tickets gave this connection, with
   a reference for the caller to free (SSL_get1_session); NULL when none came
   yet. Tickets arrive after the handshake, with the first reads. As with
   libssl, a client resumes only a session given back with tlsio_set_session:
   nothing is looked up by itself. */
TLSIO_SESSION* tlsio_get1_session(TLSIO* ssl);
/* The same without a reference (SSL_get_session): valid until the connection
   is freed or gets a newer ticket. */
TLSIO_SESSION* tlsio_get_session(const TLSIO* ssl);
/* Client, before the handshake: offer `session` (SSL_set_session; the
   connection takes its own reference; NULL offers none). A session that does
   not fit this connection (another server name, expired) is not offered and
   the handshake is a full one. 1 / 0. */
int tlsio_set_session(TLSIO* ssl, TLSIO_SESSION* session);
/* 1 when the handshake resumed a session (SSL_session_reused). */
int tlsio_session_reused(const TLSIO* ssl);
int tlsio_SESSION_up_ref(TLSIO_SESSION* session);
void tlsio_SESSION_free(TLSIO_SESSION* session);
/* i2d_SSL_SESSION / d2i_SSL_SESSION: the session as bytes, which hold the
   resumption secret (keep them as secret as a private key). i2d returns the
   length and, when pp is not NULL, writes there (allocating with
   OPENSSL_malloc when *pp is NULL) and moves *pp on. d2i reads `length`
   bytes, moves *pp on and returns a new session (also stored in *a when a is
   not NULL, freeing the one there), or NULL. */
int tlsio_i2d_SSL_SESSION(const TLSIO_SESSION* in, unsigned char** pp);
TLSIO_SESSION* tlsio_d2i_SSL_SESSION(TLSIO_SESSION** a, const unsigned char** pp, long length);
/* Server: NewSessionTicket messages after each full handshake (default 2). 1. */
int tlsio_CTX_set_num_tickets(TLSIO_CTX* ctx, size_t num_tickets);
size_t tlsio_CTX_get_num_tickets(const TLSIO_CTX* ctx);
/* SSL_CTX_set_session_cache_mode: records the mode, returns the previous one.
   tlsio's tickets are stateless, so a server keeps no cache in any mode, and
   a client looks nothing up by itself (libssl's client does not either). */
#define TLSIO_SESS_CACHE_OFF 0x0000
#define TLSIO_SESS_CACHE_CLIENT 0x0001
#define TLSIO_SESS_CACHE_SERVER 0x0002
#define TLSIO_SESS_CACHE_BOTH (TLSIO_SESS_CACHE_CLIENT | TLSIO_SESS_CACHE_SERVER)
long tlsio_CTX_set_session_cache_mode(TLSIO_CTX* ctx, long mode);
long tlsio_CTX_get_session_cache_mode(TLSIO_CTX* ctx);
/* Client: called with the newest session when a read brought tickets
   (SSL_CTX_sess_set_new_cb). Unlike libssl, which calls once per ticket, two
   tickets that arrive in one read make one call, with the newer. Return 1 to
   keep the reference passed (free it with tlsio_SESSION_free), 0 to let the
   library drop it. */
typedef int (*tlsio_new_session_cb)(TLSIO* ssl, TLSIO_SESSION* session);
void tlsio_CTX_sess_set_new_cb(TLSIO_CTX* ctx, tlsio_new_session_cb callback);

/* ---- 0-RTT early data (TLS 1.3, RFC 8446 sections 2.3 and 8) ------------- */

/* Server: accept up to `max_early_data` bytes of early data per connection,
   announced in the tickets sent from now on (SSL_CTX_set_max_early_data; 0,
   the default, turns 0-RTT off). Early data is taken only by a connection
   whose application calls tlsio_read_early_data before the handshake;
   others skip it, as libssl's do. The built-in anti-replay check is
   per-process (see tlsio::context::set_early_data_replay_check). 1. */
int tlsio_CTX_set_max_early_data(TLSIO_CTX* ctx, uint32_t max_early_data);
uint32_t tlsio_CTX_get_max_early_data(const TLSIO_CTX* ctx);
/* The same for one connection, before its handshake (1, or 0 after it). */
int tlsio_set_max_early_data(TLSIO* ssl, uint32_t max_early_data);
uint32_t tlsio_get_max_early_data(const TLSIO* ssl);
/* Server: the most early data read (default 16384). Unlike libssl, which
   announces max_early_data and enforces this one, tlsio announces and
   enforces the smaller of the two. 1 (0 for a connection after its handshake
   started). */
int tlsio_CTX_set_recv_max_early_data(TLSIO_CTX* ctx, uint32_t recv_max_early_data);
uint32_t tlsio_CTX_get_recv_max_early_data(const TLSIO_CTX* ctx);
int tlsio_set_recv_max_early_data(TLSIO* ssl, uint32_t recv_max_early_data);
uint32_t tlsio_get_recv_max_early_data(const TLSIO* ssl);
/* How much early data the session's server takes; 0: none. */
uint32_t tlsio_SESSION_get_max_early_data(const TLSIO_SESSION* session);

/* Client, before tlsio_connect, with a session set (tlsio_set_session) whose
   tlsio_SESSION_get_max_early_data is above 0: sends the ClientHello and
   `buf` as early data (SSL_write_early_data). May be called again; then
   tlsio_connect (or tlsio_read / tlsio_write) completes the handshake, and
   tlsio_get_early_data_status says whether the server took the data. Data
   the server rejected is gone: send it again with tlsio_write. Early data
   can be replayed by an attacker: send only requests that are safe to
   repeat. Server, while reading early data: writes to the client before it
   is authenticated (0.5-RTT). 1 with *written set; 0 on failure (WANT_READ,
   WANT_WRITE: call again with the same arguments). */
int tlsio_write_early_data(TLSIO* ssl, const void* buf, size_t num, size_t* written);

#define TLSIO_READ_EARLY_DATA_ERROR 0
#define TLSIO_READ_EARLY_DATA_SUCCESS 1
#define TLSIO_READ_EARLY_DATA_FINISH 2
/* Server, instead of tlsio_accept (SSL_read_early_data): runs the handshake
   up to the client's early data and reads it. SUCCESS: *readbytes bytes of
   early data (which an attacker may have replayed: act only on requests that
   are safe to repeat). FINISH: no more early data (*readbytes 0); finish the
   handshake with tlsio_accept (or tlsio_read / tlsio_write); calling this
   again is an error. ERROR: failure, or WANT_READ / WANT_WRITE from
   tlsio_get_error (call again). */
int tlsio_read_early_data(TLSIO* ssl, void* buf, size_t num, size_t* readbytes);

#define TLSIO_EARLY_DATA_NOT_SENT 0
#define TLSIO_EARLY_DATA_REJECTED 1
#define TLSIO_EARLY_DATA_ACCEPTED 2
/* Whether early data was sent and taken (SSL_get_early_data_status); final
   once the handshake is done. */
int tlsio_get_early_data_status(const TLSIO* ssl);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif
