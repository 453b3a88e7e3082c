/*
 * The peer of the differential scenarios: real libssl, compiled in its own
 * translation unit so that the scenarios (compiled against either libssl or
 * tlsio's compat header) never see its SSL_* names. Its API uses no libssl
 * type. Used only by tests.
 */
#ifndef TLSIO_TEST_C_API_DIFF_PEER_H
#define TLSIO_TEST_C_API_DIFF_PEER_H

#include <openssl/bio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct diff_peer diff_peer;

/* A libssl peer on `fd` (its blocking mode is the caller's) or on `bio` (owned
 * by the peer). `chain`/`key` may be NULL for a client; `suites` may be NULL. */
diff_peer* peer_new_fd(int is_server, int fd, const char* chain, const char* key,
                       const char* suites);
diff_peer* peer_new_bio(int is_server, BIO* bio, const char* chain, const char* key,
                        const char* suites);
/* Server: require a client certificate (SSL_VERIFY_PEER |
 * SSL_VERIFY_FAIL_IF_NO_PEER_CERT) issued by `ca`. */
void peer_require_client_cert(diff_peer* p, const char* ca);
/* Accept TLS 1.2 too (the peer speaks TLS 1.3 only unless told). */
void peer_allow_tls12(diff_peer* p);
/* One SSL_do_handshake / SSL_read / SSL_write / SSL_shutdown call: its value. */
int peer_handshake(diff_peer* p);
int peer_read(diff_peer* p, char* buf, int n);
int peer_write(diff_peer* p, const char* buf, int n);
int peer_shutdown(diff_peer* p);
/* SSL_get_error for the last value, clearing the error queue. */
int peer_error(diff_peer* p, int ret);
void peer_free(diff_peer* p);

#ifdef __cplusplus
}
#endif

#endif
