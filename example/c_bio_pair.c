/*
 * A client and a server in one thread, joined by a BIO pair, driven with the
 * tlsio C facade (<tlsio/ssl.h>): the loop of SSL_get_error(3) where, instead
 * of waiting on a socket, the caller lets the other side run so it can move
 * bytes through the pair.
 *
 *   c_bio_pair CHAIN.pem KEY.pem CA.pem
 */
#include <tlsio/ssl.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include <stdio.h>
#include <string.h>

static int retry(int error) {
    return error == TLSIO_ERROR_WANT_READ || error == TLSIO_ERROR_WANT_WRITE;
}

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CHAIN.pem KEY.pem CA.pem\n", argv[0]);
        return 2;
    }
    TLSIO_CTX* server_ctx = tlsio_CTX_new(tlsio_server_method());
    TLSIO_CTX* client_ctx = tlsio_CTX_new(tlsio_client_method());
    if (tlsio_CTX_use_certificate_chain_file(server_ctx, argv[1]) != 1 ||
        tlsio_CTX_use_PrivateKey_file(server_ctx, argv[2], TLSIO_FILETYPE_PEM) != 1 ||
        tlsio_CTX_load_verify_locations(client_ctx, argv[3], NULL) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    tlsio_CTX_set_verify(client_ctx, TLSIO_VERIFY_PEER, NULL);

    BIO* client_end = NULL;
    BIO* server_end = NULL;
    BIO_new_bio_pair(&client_end, 0, &server_end, 0);
    TLSIO* client = tlsio_new(client_ctx);
    TLSIO* server = tlsio_new(server_ctx);
    tlsio_set_bio(client, client_end, client_end); /* each takes its end */
    tlsio_set_bio(server, server_end, server_end);
    tlsio_set_connect_state(client);
    tlsio_set_accept_state(server);
    tlsio_set_tlsext_host_name(client, "localhost");
    tlsio_set1_host(client, "localhost");

    /* Handshake: run each side until it would block, then the other. */
    int client_done = 0;
    int server_done = 0;
    for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
        int r = tlsio_do_handshake(client);
        client_done = r == 1;
        if (!client_done && !retry(tlsio_get_error(client, r))) {
            break;
        }
        r = tlsio_do_handshake(server);
        server_done = r == 1;
        if (!server_done && !retry(tlsio_get_error(server, r))) {
            break;
        }
    }
    if (!client_done || !server_done) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    printf("handshake: %s %s, verify result %ld\n", tlsio_get_version(client),
           tlsio_get_cipher_name(client), tlsio_get_verify_result(client));

    /* Data both ways. */
    const char* question = "ping";
    char buffer[64];
    if (tlsio_write(client, question, (int)strlen(question)) != (int)strlen(question)) {
        return 1;
    }
    int n = tlsio_read(server, buffer, sizeof buffer);
    printf("server read %d bytes: %.*s\n", n, n > 0 ? n : 0, buffer);
    tlsio_write(server, "pong", 4);
    n = tlsio_read(client, buffer, sizeof buffer);
    printf("client read %d bytes: %.*s\n", n, n > 0 ? n : 0, buffer);

    /* Nothing more to read: -1 with WANT_READ, as with libssl. */
    n = tlsio_read(client, buffer, sizeof buffer);
    printf("client read again: %d, %s\n", n, tlsio_error_name(tlsio_get_error(client, n)));

    /* Two-step shutdown: 0 after sending close_notify, 1 once the peer's came. */
    int first = tlsio_shutdown(client);
    n = tlsio_read(server, buffer, sizeof buffer);
    printf("server read: %d, %s\n", n, tlsio_error_name(tlsio_get_error(server, n)));
    int server_close = tlsio_shutdown(server);
    int second = tlsio_shutdown(client);
    printf("shutdown: client %d then %d, server %d\n", first, second, server_close);

    tlsio_free(client);
    tlsio_free(server);
    tlsio_CTX_free(client_ctx);
    tlsio_CTX_free(server_ctx);
    return first == 0 && second == 1 && server_close == 1 ? 0 : 1;
}
