/*
 * <openssl/ssl.h> for programs that move from libssl to tlsio.
 *
 * With include/tlsio/compat first on the include path (pkg-config tlsio-openssl
 * does that), `#include <openssl/ssl.h>` finds this file: the supported subset
 * of libssl's API maps onto the tlsio_* functions of <tlsio/ssl.h>, and the
 * program links against tlsio_c instead of -lssl. Only this one header is
 * shadowed: <openssl/err.h>, <openssl/x509.h>, <openssl/bio.h> and the other
 * libcrypto headers are the real ones, and this file includes those libssl's
 * own ssl.h includes, so programs that rely on that compile too.
 *
 * What tlsio does not support fails to compile where it is used, with
 * "tlsio does not support SSL_xxx": never a silent no-op, never an implicit
 * declaration that would link against libssl. The list below names the
 * reason for some; tlsio_unsupported.h (next to this file), generated from libssl's
 * headers by scripts/compat_unsupported.sh, refuses every other libssl
 * function and function-like macro (the c_api_compat_coverage test checks
 * that none is left out).
 */
#ifndef TLSIO_COMPAT_OPENSSL_SSL_H
#define TLSIO_COMPAT_OPENSSL_SSL_H

/* libssl's own include guards, so a second copy is never pulled in. */
#ifndef OPENSSL_SSL_H
#define OPENSSL_SSL_H
#endif
#ifndef HEADER_SSL_H
#define HEADER_SSL_H
#endif

#include <openssl/async.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/comp.h>
#include <openssl/crypto.h>
#include <openssl/e_os2.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/lhash.h>
#include <openssl/macros.h>
#include <openssl/opensslconf.h>
#include <openssl/pem.h>
#include <openssl/prov_ssl.h> /* SSL3_VERSION .. TLS1_3_VERSION */
#include <openssl/safestack.h>
#include <openssl/sslerr.h> /* SSL_R_*: tlsio queues them too (see <tlsio/ssl.h>) */
#include <openssl/symhacks.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <tlsio/ssl.h>

/* ---- Types (SSL and SSL_CTX come from <openssl/types.h>) ---------------- */

typedef TLSIO_METHOD SSL_METHOD;
typedef struct tlsio_cipher_st SSL_CIPHER;
typedef struct tlsio_session_st SSL_SESSION;

/* ---- Constants ---------------------------------------------------------- */

#define SSL_ERROR_NONE TLSIO_ERROR_NONE
#define SSL_ERROR_SSL TLSIO_ERROR_SSL
#define SSL_ERROR_WANT_READ TLSIO_ERROR_WANT_READ
#define SSL_ERROR_WANT_WRITE TLSIO_ERROR_WANT_WRITE
#define SSL_ERROR_WANT_X509_LOOKUP 4
#define SSL_ERROR_SYSCALL TLSIO_ERROR_SYSCALL
#define SSL_ERROR_ZERO_RETURN TLSIO_ERROR_ZERO_RETURN
#define SSL_ERROR_WANT_CONNECT 7
#define SSL_ERROR_WANT_ACCEPT 8
#define SSL_ERROR_WANT_ASYNC 9
#define SSL_ERROR_WANT_ASYNC_JOB 10
#define SSL_ERROR_WANT_CLIENT_HELLO_CB 11
#define SSL_ERROR_WANT_RETRY_VERIFY 12

#define SSL_VERIFY_NONE TLSIO_VERIFY_NONE
#define SSL_VERIFY_PEER TLSIO_VERIFY_PEER
#define SSL_VERIFY_FAIL_IF_NO_PEER_CERT TLSIO_VERIFY_FAIL_IF_NO_PEER_CERT
#define SSL_VERIFY_CLIENT_ONCE TLSIO_VERIFY_CLIENT_ONCE

#define SSL_FILETYPE_PEM X509_FILETYPE_PEM
#define SSL_FILETYPE_ASN1 X509_FILETYPE_ASN1

#define SSL_TLSEXT_ERR_OK TLSIO_TLSEXT_ERR_OK
#define SSL_TLSEXT_ERR_ALERT_WARNING TLSIO_TLSEXT_ERR_ALERT_WARNING
#define SSL_TLSEXT_ERR_ALERT_FATAL TLSIO_TLSEXT_ERR_ALERT_FATAL
#define SSL_TLSEXT_ERR_NOACK TLSIO_TLSEXT_ERR_NOACK
#define SSL_AD_HANDSHAKE_FAILURE TLSIO_AD_HANDSHAKE_FAILURE
#define SSL_AD_ACCESS_DENIED TLSIO_AD_ACCESS_DENIED
#define SSL_AD_INTERNAL_ERROR TLSIO_AD_INTERNAL_ERROR
#define SSL_AD_UNRECOGNIZED_NAME TLSIO_AD_UNRECOGNIZED_NAME
#define SSL_AD_NO_APPLICATION_PROTOCOL TLSIO_AD_NO_APPLICATION_PROTOCOL
#define OPENSSL_NPN_UNSUPPORTED 0
#define OPENSSL_NPN_NEGOTIATED 1
#define OPENSSL_NPN_NO_OVERLAP 2
#define TLSEXT_NAMETYPE_host_name 0

#define SSL_AD_REASON_OFFSET 1000 /* SSL_R_* of a received alert: this + its code */

#define SSL_SENT_SHUTDOWN TLSIO_SENT_SHUTDOWN
#define SSL_RECEIVED_SHUTDOWN TLSIO_RECEIVED_SHUTDOWN
#define SSL_KEY_UPDATE_NONE -1
#define SSL_KEY_UPDATE_NOT_REQUESTED TLSIO_KEY_UPDATE_NOT_REQUESTED
#define SSL_KEY_UPDATE_REQUESTED TLSIO_KEY_UPDATE_REQUESTED

#define SSL_MODE_ENABLE_PARTIAL_WRITE TLSIO_MODE_ENABLE_PARTIAL_WRITE
#define SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER TLSIO_MODE_ACCEPT_MOVING_WRITE_BUFFER
#define SSL_MODE_AUTO_RETRY TLSIO_MODE_AUTO_RETRY
#define SSL_MODE_RELEASE_BUFFERS TLSIO_MODE_RELEASE_BUFFERS

/* SSL_OP_* with OpenSSL 3's values; see <tlsio/ssl.h> for which act. */
#define SSL_OP_BIT(n) TLSIO_OP_BIT(n)
#define SSL_OP_NO_EXTENDED_MASTER_SECRET SSL_OP_BIT(0)
#define SSL_OP_CLEANSE_PLAINTEXT SSL_OP_BIT(1)
#define SSL_OP_LEGACY_SERVER_CONNECT SSL_OP_BIT(2)
#define SSL_OP_ENABLE_KTLS SSL_OP_BIT(3)
#define SSL_OP_TLSEXT_PADDING SSL_OP_BIT(4)
#define SSL_OP_SAFARI_ECDHE_ECDSA_BUG SSL_OP_BIT(6)
#define SSL_OP_IGNORE_UNEXPECTED_EOF TLSIO_OP_IGNORE_UNEXPECTED_EOF
#define SSL_OP_ALLOW_CLIENT_RENEGOTIATION SSL_OP_BIT(8)
#define SSL_OP_DISABLE_TLSEXT_CA_NAMES SSL_OP_BIT(9)
#define SSL_OP_ALLOW_NO_DHE_KEX SSL_OP_BIT(10)
#define SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS SSL_OP_BIT(11)
#define SSL_OP_NO_QUERY_MTU SSL_OP_BIT(12)
#define SSL_OP_COOKIE_EXCHANGE SSL_OP_BIT(13)
#define SSL_OP_NO_TICKET SSL_OP_BIT(14)
#define SSL_OP_CISCO_ANYCONNECT SSL_OP_BIT(15)
#define SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION SSL_OP_BIT(16)
#define SSL_OP_NO_COMPRESSION TLSIO_OP_NO_COMPRESSION
#define SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION SSL_OP_BIT(18)
#define SSL_OP_NO_ENCRYPT_THEN_MAC SSL_OP_BIT(19)
#define SSL_OP_ENABLE_MIDDLEBOX_COMPAT TLSIO_OP_ENABLE_MIDDLEBOX_COMPAT
#define SSL_OP_PRIORITIZE_CHACHA SSL_OP_BIT(21)
#define SSL_OP_CIPHER_SERVER_PREFERENCE SSL_OP_BIT(22)
#define SSL_OP_TLS_ROLLBACK_BUG SSL_OP_BIT(23)
#define SSL_OP_NO_ANTI_REPLAY SSL_OP_BIT(24)
#define SSL_OP_NO_SSLv3 SSL_OP_BIT(25)
#define SSL_OP_NO_TLSv1 SSL_OP_BIT(26)
#define SSL_OP_NO_TLSv1_2 TLSIO_OP_NO_TLSv1_2
#define SSL_OP_NO_TLSv1_1 SSL_OP_BIT(28)
#define SSL_OP_NO_TLSv1_3 TLSIO_OP_NO_TLSv1_3
#define SSL_OP_NO_RENEGOTIATION SSL_OP_BIT(30)
#define SSL_OP_CRYPTOPRO_TLSEXT_BUG SSL_OP_BIT(31)
#define SSL_OP_NO_SSL_MASK \
    (SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3)
#define SSL_OP_ALL                                                      \
    (SSL_OP_CRYPTOPRO_TLSEXT_BUG | SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS | \
     SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_TLSEXT_PADDING | SSL_OP_SAFARI_ECDHE_ECDSA_BUG)
#define SSL_OP_NO_SSLv2 0x0
#define SSL_OP_SINGLE_ECDH_USE 0x0
#define SSL_OP_SINGLE_DH_USE 0x0
#define SSL_OP_MICROSOFT_SESS_ID_BUG 0x0
#define SSL_OP_NETSCAPE_CHALLENGE_BUG 0x0
#define SSL_OP_TLS_D5_BUG 0x0
#define SSL_OP_TLS_BLOCK_PADDING_BUG 0x0

/* ---- Functions ---------------------------------------------------------- */

#define TLS_client_method tlsio_client_method
#define TLS_server_method tlsio_server_method
#define TLS_method tlsio_method
#define TLSv1_3_client_method tlsio_client_method
#define TLSv1_3_server_method tlsio_server_method
#define TLSv1_3_method tlsio_method
/* Deprecated in OpenSSL 3 (TLS_method with a version bound is the way), and
 * still common: TLS 1.2 only. */
#define TLSv1_2_client_method tlsio_TLSv1_2_client_method
#define TLSv1_2_server_method tlsio_TLSv1_2_server_method
#define TLSv1_2_method tlsio_TLSv1_2_method
#define SSLv23_client_method tlsio_client_method
#define SSLv23_server_method tlsio_server_method
#define SSLv23_method tlsio_method

/* Both are no-ops in OpenSSL 1.1+: the library initialises itself. */
#define SSL_library_init() 1
#define SSL_load_error_strings() ((void)0)
#define OPENSSL_init_ssl(opts, settings) 1

#define SSL_CTX_new tlsio_CTX_new
#define SSL_CTX_up_ref tlsio_CTX_up_ref
#define SSL_CTX_free tlsio_CTX_free
#define SSL_CTX_use_certificate_chain_file tlsio_CTX_use_certificate_chain_file
#define SSL_CTX_use_certificate_file tlsio_CTX_use_certificate_file
#define SSL_CTX_use_certificate tlsio_CTX_use_certificate
#define SSL_CTX_use_PrivateKey_file tlsio_CTX_use_PrivateKey_file
#define SSL_CTX_use_PrivateKey tlsio_CTX_use_PrivateKey
#define SSL_CTX_check_private_key tlsio_CTX_check_private_key
#define SSL_CTX_set_default_passwd_cb tlsio_CTX_set_default_passwd_cb
#define SSL_CTX_set_default_passwd_cb_userdata tlsio_CTX_set_default_passwd_cb_userdata
#define SSL_CTX_load_verify_locations tlsio_CTX_load_verify_locations
#define SSL_CTX_load_verify_file(ctx, file) tlsio_CTX_load_verify_locations((ctx), (file), NULL)
#define SSL_CTX_load_verify_dir(ctx, dir) tlsio_CTX_load_verify_locations((ctx), NULL, (dir))
#define SSL_CTX_set_default_verify_paths tlsio_CTX_set_default_verify_paths
#define SSL_CTX_set_verify tlsio_CTX_set_verify
#define SSL_CTX_get_verify_mode tlsio_CTX_get_verify_mode
#define SSL_CTX_set_min_proto_version tlsio_CTX_set_min_proto_version
#define SSL_CTX_set_max_proto_version tlsio_CTX_set_max_proto_version
#define SSL_CTX_get_min_proto_version tlsio_CTX_get_min_proto_version
#define SSL_CTX_get_max_proto_version tlsio_CTX_get_max_proto_version
#define SSL_CTX_set_options tlsio_CTX_set_options
#define SSL_CTX_clear_options tlsio_CTX_clear_options
#define SSL_CTX_get_options tlsio_CTX_get_options
#define SSL_CTX_set_mode tlsio_CTX_set_mode
#define SSL_CTX_clear_mode tlsio_CTX_clear_mode
#define SSL_CTX_get_mode tlsio_CTX_get_mode
#define SSL_CTX_set_ciphersuites tlsio_CTX_set_ciphersuites
#define SSL_CTX_set_cipher_list tlsio_CTX_set_cipher_list
#define SSL_CTX_set1_groups_list tlsio_CTX_set1_groups_list
#define SSL_CTX_set1_curves_list tlsio_CTX_set1_groups_list
#define SSL_CTX_set_alpn_protos tlsio_CTX_set_alpn_protos
#define SSL_CTX_set_alpn_select_cb tlsio_CTX_set_alpn_select_cb
#define SSL_CTX_set_tlsext_servername_callback tlsio_CTX_set_tlsext_servername_callback
#define SSL_CTX_set_tlsext_servername_arg tlsio_CTX_set_tlsext_servername_arg
#define SSL_select_next_proto tlsio_select_next_proto
#define SSL_CTX_set_keylog_callback tlsio_CTX_set_keylog_callback

#define SSL_new tlsio_new
#define SSL_up_ref tlsio_up_ref
#define SSL_free tlsio_free
#define SSL_get_SSL_CTX tlsio_get_SSL_CTX
#define SSL_set_SSL_CTX tlsio_set_SSL_CTX
#define SSL_set_fd tlsio_set_fd
#define SSL_set_rfd tlsio_set_rfd
#define SSL_set_wfd tlsio_set_wfd
#define SSL_get_fd tlsio_get_fd
#define SSL_get_rfd tlsio_get_rfd
#define SSL_get_wfd tlsio_get_wfd
#define SSL_set_bio tlsio_set_bio
#define SSL_set0_rbio tlsio_set0_rbio
#define SSL_set0_wbio tlsio_set0_wbio
#define SSL_get_rbio tlsio_get_rbio
#define SSL_get_wbio tlsio_get_wbio
#define SSL_set_connect_state tlsio_set_connect_state
#define SSL_set_accept_state tlsio_set_accept_state
#define SSL_is_server tlsio_is_server
#define SSL_set_tlsext_host_name tlsio_set_tlsext_host_name
#define SSL_set1_host tlsio_set1_host
#define SSL_get_servername tlsio_get_servername
#define SSL_set_verify tlsio_set_verify
#define SSL_set_alpn_protos tlsio_set_alpn_protos
#define SSL_set_mode tlsio_set_mode
#define SSL_clear_mode tlsio_clear_mode
#define SSL_get_mode tlsio_get_mode
#define SSL_set_options tlsio_set_options
#define SSL_clear_options tlsio_clear_options
#define SSL_get_options tlsio_get_options
#define SSL_set_min_proto_version tlsio_set_min_proto_version
#define SSL_set_max_proto_version tlsio_set_max_proto_version
#define SSL_get_min_proto_version tlsio_get_min_proto_version
#define SSL_get_max_proto_version tlsio_get_max_proto_version

#define SSL_do_handshake tlsio_do_handshake
#define SSL_connect tlsio_connect
#define SSL_accept tlsio_accept
#define SSL_read tlsio_read
#define SSL_write tlsio_write
#define SSL_read_ex tlsio_read_ex
#define SSL_write_ex tlsio_write_ex
#define SSL_pending tlsio_pending
#define SSL_has_pending tlsio_has_pending
#define SSL_shutdown tlsio_shutdown
#define SSL_get_shutdown tlsio_get_shutdown
#define SSL_set_shutdown tlsio_set_shutdown
#define SSL_get_error tlsio_get_error
#define SSL_want_read tlsio_want_read
#define SSL_want_write tlsio_want_write
#define SSL_key_update tlsio_key_update

#define SSL_get_session tlsio_get_session
#define SSL_get1_session tlsio_get1_session
#define SSL_set_session tlsio_set_session
#define SSL_session_reused tlsio_session_reused
#define SSL_SESSION_up_ref tlsio_SESSION_up_ref
#define SSL_SESSION_free tlsio_SESSION_free
#define i2d_SSL_SESSION tlsio_i2d_SSL_SESSION
#define d2i_SSL_SESSION tlsio_d2i_SSL_SESSION
#define SSL_CTX_set_num_tickets tlsio_CTX_set_num_tickets
#define SSL_CTX_get_num_tickets tlsio_CTX_get_num_tickets
#define SSL_SESS_CACHE_OFF TLSIO_SESS_CACHE_OFF
#define SSL_SESS_CACHE_CLIENT TLSIO_SESS_CACHE_CLIENT
#define SSL_SESS_CACHE_SERVER TLSIO_SESS_CACHE_SERVER
#define SSL_SESS_CACHE_BOTH TLSIO_SESS_CACHE_BOTH
#define SSL_CTX_set_session_cache_mode tlsio_CTX_set_session_cache_mode
#define SSL_CTX_get_session_cache_mode tlsio_CTX_get_session_cache_mode
#define SSL_CTX_sess_set_new_cb tlsio_CTX_sess_set_new_cb

#define SSL_CTX_set_max_early_data tlsio_CTX_set_max_early_data
#define SSL_CTX_get_max_early_data tlsio_CTX_get_max_early_data
#define SSL_set_max_early_data tlsio_set_max_early_data
#define SSL_get_max_early_data tlsio_get_max_early_data
#define SSL_CTX_set_recv_max_early_data tlsio_CTX_set_recv_max_early_data
#define SSL_CTX_get_recv_max_early_data tlsio_CTX_get_recv_max_early_data
#define SSL_set_recv_max_early_data tlsio_set_recv_max_early_data
#define SSL_get_recv_max_early_data tlsio_get_recv_max_early_data
#define SSL_SESSION_get_max_early_data tlsio_SESSION_get_max_early_data
#define SSL_write_early_data tlsio_write_early_data
#define SSL_read_early_data tlsio_read_early_data
#define SSL_READ_EARLY_DATA_ERROR TLSIO_READ_EARLY_DATA_ERROR
#define SSL_READ_EARLY_DATA_SUCCESS TLSIO_READ_EARLY_DATA_SUCCESS
#define SSL_READ_EARLY_DATA_FINISH TLSIO_READ_EARLY_DATA_FINISH
#define SSL_get_early_data_status tlsio_get_early_data_status
#define SSL_EARLY_DATA_NOT_SENT TLSIO_EARLY_DATA_NOT_SENT
#define SSL_EARLY_DATA_REJECTED TLSIO_EARLY_DATA_REJECTED
#define SSL_EARLY_DATA_ACCEPTED TLSIO_EARLY_DATA_ACCEPTED

#define SSL_is_init_finished tlsio_is_init_finished
#define SSL_in_init tlsio_in_init
#define SSL_get_version tlsio_libssl_get_version
#define SSL_version tlsio_libssl_version
#define SSL_get_cipher_name tlsio_get_cipher_name
#define SSL_get_cipher tlsio_get_cipher_name
#define SSL_get_cipher_bits tlsio_get_cipher_bits
#define SSL_get0_alpn_selected tlsio_get0_alpn_selected
#define SSL_get_verify_result tlsio_get_verify_result
#define SSL_get1_peer_certificate tlsio_get1_peer_certificate
#define SSL_get_peer_certificate tlsio_get1_peer_certificate

/* ---- Not supported: a compile error where used -------------------------- */

#define TLSIO_COMPAT_STR_(x) #x
#define TLSIO_COMPAT_PRAGMA_(x) _Pragma(#x)
#define TLSIO_COMPAT_PRAGMA_EXPANDED_(x) TLSIO_COMPAT_PRAGMA_(x)
#define TLSIO_COMPAT_UNSUPPORTED_(name) \
    TLSIO_COMPAT_PRAGMA_EXPANDED_(GCC error TLSIO_COMPAT_STR_(tlsio does not support name)) 0

#define SSL_renegotiate(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_renegotiate)
#define SSL_renegotiate_abbreviated(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_renegotiate_abbreviated)
#define SSL_peek(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_peek)
#define SSL_peek_ex(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_peek_ex)
#define SSL_CTX_set_session_id_context(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_session_id_context)
#define SSL_CTX_set_psk_client_callback(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_psk_client_callback(PSK))
#define SSL_CTX_set_psk_server_callback(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_psk_server_callback(PSK))
#define SSL_CTX_set_psk_use_session_callback(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_psk_use_session_callback(PSK))
#define SSL_CTX_set_psk_find_session_callback(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_psk_find_session_callback(PSK))
#define SSL_CTX_set_client_hello_cb(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_client_hello_cb)
#define SSL_CTX_set_info_callback(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_info_callback)
#define SSL_set_info_callback(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_set_info_callback)
#define SSL_CTX_set_cert_verify_callback(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_cert_verify_callback)
#define SSL_CTX_set_cert_cb(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_cert_cb)
#define SSL_get_ex_data_X509_STORE_CTX_idx(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_get_ex_data_X509_STORE_CTX_idx)
#define SSL_get_ex_new_index(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_get_ex_new_index)
#define SSL_set_ex_data(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_set_ex_data)
#define SSL_get_ex_data(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_get_ex_data)
#define SSL_CTX_set_ex_data(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_ex_data)
#define SSL_CTX_get_ex_data(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_get_ex_data)
#define SSL_export_keying_material(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_export_keying_material)
#define SSL_get_finished(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_get_finished)
#define SSL_get_peer_finished(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_get_peer_finished)
#define SSL_CTX_set_tmp_dh(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_tmp_dh(TLS 1.2 DHE))
#define SSL_CTX_set_dh_auto(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_dh_auto(TLS 1.2 DHE))
#define SSL_CTX_set_srp_username(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_srp_username(SRP))
#define SSL_CTX_set_tlsext_status_cb(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_tlsext_status_cb(OCSP stapling))
#define SSL_set_tlsext_status_type(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_set_tlsext_status_type(OCSP stapling))
#define SSL_CTX_set_verify_depth(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_verify_depth)
#define SSL_verify_client_post_handshake(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_verify_client_post_handshake)
#define SSL_get_peer_cert_chain(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_get_peer_cert_chain(use tlsio_get1_peer_cert_chain))
#define SSL_get_current_cipher(...) \
    TLSIO_COMPAT_UNSUPPORTED_(SSL_get_current_cipher(use SSL_get_cipher_name))
#define SSL_CTX_set_quiet_shutdown(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_quiet_shutdown)
#define SSL_set_quiet_shutdown(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_set_quiet_shutdown)
#define SSL_CTX_use_psk_identity_hint(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_use_psk_identity_hint)
#define SSL_dup(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_dup)
#define SSL_clear(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_clear)
#define SSL_CTX_set_client_CA_list(...) TLSIO_COMPAT_UNSUPPORTED_(SSL_CTX_set_client_CA_list)
#define DTLS_method(...) TLSIO_COMPAT_UNSUPPORTED_(DTLS_method)
#define DTLS_client_method(...) TLSIO_COMPAT_UNSUPPORTED_(DTLS_client_method)
#define DTLS_server_method(...) TLSIO_COMPAT_UNSUPPORTED_(DTLS_server_method)
#define SSL_VERIFY_POST_HANDSHAKE TLSIO_COMPAT_UNSUPPORTED_(SSL_VERIFY_POST_HANDSHAKE)

#include "tlsio_unsupported.h" /* next to this file */

#endif
