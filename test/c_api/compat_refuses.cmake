# Compiles small programs against the compat <openssl/ssl.h>, in C and C++ with
# -Wall -Werror: each use of a libssl name tlsio does not support must fail
# with "tlsio does not support NAME" (never an implicit declaration, which C
# only warns about); the names tlsio implements must compile cleanly.
#
#   cmake -DCC=... -DCXX=... -DINCLUDE=<repo>/include -DWORK=<dir> -P compat_refuses.cmake
file(MAKE_DIRECTORY ${WORK})
set(flags -fsyntax-only -Wall -Wextra -Werror -I${INCLUDE}/tlsio/compat -I${INCLUDE})

# One from each source: the reasoned list, the generated list (common ones
# that used to be implicit declarations in C), and a macro of libssl's tls1.h.
set(refused SSL_CTX_set_session_id_context SSL_CTX_set_verify_depth SSL_CTX_get_cert_store
            SSL_CIPHER_get_name SSL_set_cipher_list SSL_get_verify_mode SSL_CTX_add_extra_chain_cert
            SSL_state_string_long SSL_alert_desc_string_long SSL_CTX_set_timeout SSL_set_app_data
            SSL_get_app_data SSL_CTX_get_tlsext_status_cb SSL_CTX_set_ecdh_auto)
set(failures 0)
foreach(lang c cpp)
    if(lang STREQUAL c)
        set(compiler ${CC})
        set(std -std=c11)
    else()
        set(compiler ${CXX})
        set(std -std=c++20)
    endif()
    foreach(name ${refused})
        set(src ${WORK}/${name}.${lang})
        # In dead code too: the refusal is made by the preprocessor.
        file(WRITE ${src} "#include <openssl/ssl.h>\nint use(SSL* s);\n"
                          "int use(SSL* s) {\n    if (s == 0) {\n        return 0;\n    }\n"
                          "    return (int)(long)${name}(s, 0);\n}\n")
        execute_process(COMMAND ${compiler} ${std} ${flags} ${src} RESULT_VARIABLE rc
                        OUTPUT_VARIABLE out ERROR_VARIABLE out)
        if(rc EQUAL 0)
            message(SEND_ERROR "${lang}: ${name} compiled; it must not")
            math(EXPR failures "${failures} + 1")
        elseif(NOT out MATCHES "tlsio does not support ${name}")
            message(SEND_ERROR "${lang}: ${name} failed without naming itself:\n${out}")
            math(EXPR failures "${failures} + 1")
        endif()
    endforeach()

    set(src ${WORK}/supported.${lang})
    file(WRITE ${src} [=[
#include <openssl/ssl.h>
static int password(char* buf, int size, int rwflag, void* userdata) {
    (void)buf; (void)size; (void)rwflag; (void)userdata;
    return 0;
}
int use(SSL_CTX* ctx, SSL* s);
int use(SSL_CTX* ctx, SSL* s) {
    SSL_CTX_set_default_passwd_cb(ctx, password);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, 0);
    SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_tlsext_host_name(s, "example.com");
    SSL_SESSION* session = SSL_get1_session(s);
    SSL_set_session(s, session);
    SSL_SESSION_free(session);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_set_num_tickets(ctx, 1);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    SSL_set_min_proto_version(s, TLS1_2_VERSION);
    SSL_set_max_proto_version(s, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305");
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
    SSL_CTX_free(SSL_CTX_new(TLSv1_2_client_method()));
    SSL_CTX_free(SSL_CTX_new(TLSv1_2_server_method()));
    SSL_CTX_free(SSL_CTX_new(TLSv1_2_method()));
    char early[16] = {0};
    size_t early_n = 0;
    SSL_CTX_set_max_early_data(ctx, 16384);
    SSL_CTX_set_recv_max_early_data(ctx, SSL_CTX_get_max_early_data(ctx));
    SSL_set_max_early_data(s, SSL_get_max_early_data(s));
    if (SSL_write_early_data(s, "GET", 3, &early_n) != 1 &&
        SSL_read_early_data(s, early, sizeof early, &early_n) == SSL_READ_EARLY_DATA_FINISH &&
        SSL_get_early_data_status(s) == SSL_EARLY_DATA_REJECTED) {
        return (int)SSL_SESSION_get_max_early_data(SSL_get_session(s));
    }
    return SSL_up_ref(s) + SSL_get_shutdown(s) + (int)SSL_get_version(s)[0] + SSL_session_reused(s) +
           SSL_get_min_proto_version(s) + SSL_get_max_proto_version(s) +
           SSL_CTX_get_min_proto_version(ctx) + SSL_CTX_get_max_proto_version(ctx) +
           (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_CERTIFICATE_VERIFY_FAILED);
}
]=])
    execute_process(COMMAND ${compiler} ${std} ${flags} ${src} RESULT_VARIABLE rc
                    OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(SEND_ERROR "${lang}: the supported calls did not compile:\n${out}")
        math(EXPR failures "${failures} + 1")
    endif()
endforeach()
if(failures GREATER 0)
    message(FATAL_ERROR "${failures} compile checks failed")
endif()
list(LENGTH refused n)
message(STATUS "${n} unsupported names refused in C and C++; supported calls compile")
