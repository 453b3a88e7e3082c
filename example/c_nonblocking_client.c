/*
 * An HTTPS/1.0 GET over a non-blocking socket, written against OpenSSL's API
 * and built with tlsio's compat header: <openssl/ssl.h> is tlsio's, the
 * program links tlsio_c instead of -lssl, and not a line of it is tlsio
 * specific. The event loop is the one SSL_get_error(3) describes: when a call
 * returns -1 with SSL_ERROR_WANT_READ or SSL_ERROR_WANT_WRITE, wait with
 * select() until the socket is ready, then repeat the same call.
 *
 *   c_nonblocking_client HOST PORT [CAFILE]
 *
 * Without CAFILE the system's default trust is used.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_tcp(const char* host, const char* port) {
    struct addrinfo hints;
    struct addrinfo* list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &list) != 0) {
        return -1;
    }
    int fd = -1;
    for (struct addrinfo* a = list; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    return fd;
}

/* Waits until `fd` is ready for what SSL_get_error asked; 0 if it never is. */
static int wait_for(int fd, int ssl_error) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(fd, &fds);
    struct timeval timeout = {10, 0};
    int n = select(fd + 1, ssl_error == SSL_ERROR_WANT_READ ? &fds : NULL,
                   ssl_error == SSL_ERROR_WANT_WRITE ? &fds : NULL, NULL, &timeout);
    return n > 0;
}

/* The loop of SSL_get_error(3) around one kind of call. */
#define RETRY(ssl, fd, result, call)                                                             \
    for (;;) {                                                                                   \
        (result) = (call);                                                                       \
        int error_ = SSL_get_error((ssl), (result));                                             \
        if ((result) > 0 || (error_ != SSL_ERROR_WANT_READ && error_ != SSL_ERROR_WANT_WRITE)) { \
            break;                                                                               \
        }                                                                                        \
        if (!wait_for((fd), error_)) {                                                           \
            fprintf(stderr, "timed out waiting for the socket\n");                               \
            break;                                                                               \
        }                                                                                        \
    }

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [CAFILE]\n", argv[0]);
        return 2;
    }
    const char* host = argv[1];
    signal(SIGPIPE, SIG_IGN);

    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int trusted = argc > 3 ? SSL_CTX_load_verify_locations(ctx, argv[3], NULL)
                           : SSL_CTX_set_default_verify_paths(ctx);
    static const unsigned char alpn[] = "\x08http/1.1";
    if (trusted != 1 || SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1) != 0) {
        ERR_print_errors_fp(stderr);
        return 1;
    }

    int fd = connect_tcp(host, argv[2]);
    if (fd < 0) {
        fprintf(stderr, "cannot connect to %s:%s\n", host, argv[2]);
        return 1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);

    int r = 0;
    RETRY(ssl, fd, r, SSL_connect(ssl));
    if (r != 1) {
        fprintf(stderr, "handshake failed (verify result %ld):\n", SSL_get_verify_result(ssl));
        ERR_print_errors_fp(stderr);
        return 1;
    }
    const unsigned char* proto = NULL;
    unsigned int proto_len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &proto_len);
    printf("connected: %s, %s, ALPN '%.*s'\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl),
           (int)proto_len, proto != NULL ? (const char*)proto : "");

    char request[512];
    int len = snprintf(request, sizeof request,
                       "GET / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
    RETRY(ssl, fd, r, SSL_write(ssl, request, len));
    if (r != len) {
        ERR_print_errors_fp(stderr);
        return 1;
    }

    long total = 0;
    char buffer[4096];
    for (;;) {
        RETRY(ssl, fd, r, SSL_read(ssl, buffer, (int)sizeof buffer));
        if (r <= 0) {
            break;
        }
        if (total == 0) {
            const char* eol = memchr(buffer, '\n', (size_t)r);
            printf("first line: %.*s\n", (int)(eol != NULL ? eol - buffer : r), buffer);
        }
        total += r;
    }
    int error = SSL_get_error(ssl, r);
    printf("read %ld bytes, then %s\n", total,
           error == SSL_ERROR_ZERO_RETURN ? "close_notify" : "the connection ended");
    if (error != SSL_ERROR_ZERO_RETURN) {
        ERR_print_errors_fp(stdout); /* e.g. "unexpected eof while reading" */
    }
    ERR_clear_error();
    if (error == SSL_ERROR_ZERO_RETURN) {
        RETRY(ssl, fd, r, SSL_shutdown(ssl));
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return total > 0 ? 0 : 1;
}
