/* The libssl peer of the differential scenarios (see diff_peer.h). */
#include "diff_peer.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdio.h>
#include <stdlib.h>

struct diff_peer {
    SSL_CTX* ctx;
    SSL* ssl;
};

static diff_peer* make(int is_server, const char* chain, const char* key, const char* suites) {
    diff_peer* p = calloc(1, sizeof *p);
    if (p == NULL) {
        abort();
    }
    p->ctx = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
    SSL_CTX_set_min_proto_version(p->ctx, TLS1_3_VERSION);
    if (chain != NULL && (SSL_CTX_use_certificate_chain_file(p->ctx, chain) != 1 ||
                          SSL_CTX_use_PrivateKey_file(p->ctx, key, SSL_FILETYPE_PEM) != 1)) {
        ERR_print_errors_fp(stderr);
        abort();
    }
    if (suites != NULL && SSL_CTX_set_ciphersuites(p->ctx, suites) != 1) {
        abort();
    }
    p->ssl = SSL_new(p->ctx);
    if (is_server) {
        SSL_set_accept_state(p->ssl);
    } else {
        SSL_set_connect_state(p->ssl);
    }
    return p;
}

diff_peer* peer_new_fd(int is_server, int fd, const char* chain, const char* key,
                       const char* suites) {
    diff_peer* p = make(is_server, chain, key, suites);
    SSL_set_fd(p->ssl, fd);
    return p;
}

diff_peer* peer_new_bio(int is_server, BIO* bio, const char* chain, const char* key,
                        const char* suites) {
    diff_peer* p = make(is_server, chain, key, suites);
    SSL_set_bio(p->ssl, bio, bio);
    return p;
}

void peer_require_client_cert(diff_peer* p, const char* ca) {
    if (SSL_CTX_load_verify_locations(p->ctx, ca, NULL) != 1) {
        abort();
    }
    SSL_set_verify(p->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
}

void peer_allow_tls12(diff_peer* p) {
    SSL_set_min_proto_version(p->ssl, TLS1_2_VERSION);
}

int peer_handshake(diff_peer* p) {
    return SSL_do_handshake(p->ssl);
}
int peer_read(diff_peer* p, char* buf, int n) {
    return SSL_read(p->ssl, buf, n);
}
int peer_write(diff_peer* p, const char* buf, int n) {
    return SSL_write(p->ssl, buf, n);
}
int peer_shutdown(diff_peer* p) {
    return SSL_shutdown(p->ssl);
}
int peer_error(diff_peer* p, int ret) {
    int e = SSL_get_error(p->ssl, ret);
    ERR_clear_error();
    return e;
}
void peer_free(diff_peer* p) {
    if (p != NULL) {
        SSL_free(p->ssl);
        SSL_CTX_free(p->ctx);
        free(p);
    }
}
