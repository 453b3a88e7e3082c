// TLS 1.3 and TLS 1.2 handshake messages and extensions: parsing and encoding.
//
// Parsed messages hold views into the bytes they were parsed from, which must
// outlive them. A parser accepts a message only when every byte of it was
// consumed; otherwise it returns the error the peer must be told about.
#ifndef TLSIO_SRC_WIRE_MESSAGES_HPP
#define TLSIO_SRC_WIRE_MESSAGES_HPP

#include "crypto/types.hpp"
#include "wire/codec.hpp"

#include <tlsio/context.hpp>
#include <tlsio/error.hpp>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlsio {

/// One TLS extension as an encoder (and the tests' extension hook) sees it.
struct raw_extension {
    std::uint16_t type;
    std::vector<std::uint8_t> data;
};

/// Tests only (src/context/test_hooks.hpp): may edit the extensions of an
/// outgoing handshake message of type `message_type` (1 = ClientHello,
/// 8 = EncryptedExtensions, ...) before it is encoded.
using extension_hook =
    std::function<void(std::uint8_t message_type, std::vector<raw_extension>& extensions)>;

}  // namespace tlsio

namespace tlsio::wire {

/// No error: the value-initialized tlsio::error.
inline constexpr error ok{};

enum class handshake_type : std::uint8_t {
    hello_request = 0,  ///< TLS 1.2 only
    client_hello = 1,
    server_hello = 2,
    new_session_ticket = 4,
    end_of_early_data = 5,
    encrypted_extensions = 8,
    certificate = 11,
    server_key_exchange = 12,  ///< TLS 1.2 only
    certificate_request = 13,
    server_hello_done = 14,  ///< TLS 1.2 only
    certificate_verify = 15,
    client_key_exchange = 16,  ///< TLS 1.2 only
    finished = 20,
    key_update = 24,
    message_hash = 254,
};

enum class content_type : std::uint8_t {
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
};

/// Extension code points (RFC 8446 section 4.2 and friends).
namespace ext {
inline constexpr std::uint16_t server_name = 0;
inline constexpr std::uint16_t status_request = 5;
inline constexpr std::uint16_t supported_groups = 10;
inline constexpr std::uint16_t ec_point_formats = 11;  ///< RFC 8422, TLS 1.2
inline constexpr std::uint16_t signature_algorithms = 13;
inline constexpr std::uint16_t alpn = 16;
inline constexpr std::uint16_t extended_master_secret = 23;  ///< RFC 7627, TLS 1.2
inline constexpr std::uint16_t record_size_limit = 28;
inline constexpr std::uint16_t session_ticket = 35;  ///< RFC 5077, TLS 1.2
inline constexpr std::uint16_t pre_shared_key = 41;
inline constexpr std::uint16_t early_data = 42;
inline constexpr std::uint16_t supported_versions = 43;
inline constexpr std::uint16_t cookie = 44;
inline constexpr std::uint16_t psk_key_exchange_modes = 45;
inline constexpr std::uint16_t certificate_authorities = 47;
inline constexpr std::uint16_t post_handshake_auth = 49;
inline constexpr std::uint16_t signature_algorithms_cert = 50;
inline constexpr std::uint16_t key_share = 51;
inline constexpr std::uint16_t renegotiation_info = 0xff01;  ///< RFC 5746, TLS 1.2
}  // namespace ext

/// Signalling cipher suite values: RFC 5746 section 3.3 and RFC 7507.
inline constexpr std::uint16_t empty_renegotiation_info_scsv = 0x00ff;
inline constexpr std::uint16_t fallback_scsv = 0x5600;

/// ECPointFormat uncompressed and ECCurveType named_curve (RFC 8422 section 5.1.2, 5.4).
inline constexpr std::uint8_t point_format_uncompressed = 0;
inline constexpr std::uint8_t curve_type_named_curve = 3;

inline constexpr std::uint16_t ssl30_version = 0x0300;
inline constexpr std::uint16_t tls10_version = 0x0301;
inline constexpr std::uint16_t tls11_version = 0x0302;
inline constexpr std::uint16_t tls12_version = 0x0303;
inline constexpr std::uint16_t tls13_version = 0x0304;
inline constexpr std::size_t random_size = 32;

/// SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest.
extern const std::array<std::uint8_t, 32> hello_retry_request_random;
/// The last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.2 / 1.1 or below.
extern const std::array<std::uint8_t, 8> downgrade_tls12_sentinel;
extern const std::array<std::uint8_t, 8> downgrade_tls11_sentinel;

struct extension {
    std::uint16_t type = 0;
    byte_view data;
};

struct key_share_entry {
    std::uint16_t group = 0;
    byte_view key_exchange;
};

/// Splits an extensions block into entries; refuses duplicates (illegal_parameter)
/// and bad framing (decode_error).
error parse_extensions(byte_view block, std::vector<extension>& out);

/// One offered PSK of a ClientHello's pre_shared_key (RFC 8446 section 4.2.11).
struct psk_identity {
    byte_view identity;
    std::uint32_t obfuscated_ticket_age = 0;
};

struct client_hello {
    std::uint16_t legacy_version = 0;
    byte_view random;
    byte_view legacy_session_id;
    std::vector<std::uint16_t> cipher_suites;
    byte_view legacy_compression_methods;
    std::vector<extension> extensions;

    // Decoded extensions (absent ones stay empty / false).
    std::vector<std::uint16_t> supported_versions;
    bool has_supported_versions = false;
    std::vector<std::uint16_t> supported_groups;
    bool has_supported_groups = false;
    std::vector<std::uint16_t> signature_algorithms;
    bool has_signature_algorithms = false;
    std::vector<std::uint16_t> signature_algorithms_cert;
    bool has_signature_algorithms_cert = false;
    std::vector<key_share_entry> key_shares;
    bool has_key_share = false;
    std::string server_name;
    bool has_server_name = false;
    std::vector<std::string> alpn;
    bool has_alpn = false;
    byte_view cookie;
    bool has_cookie = false;
    bool has_early_data = false;
    bool has_pre_shared_key = false;
    std::vector<psk_identity> psk_identities;
    std::vector<byte_view> psk_binders;
    /// Bytes of the body before the binders list: the partial ClientHello the
    /// binders are computed over is the header and this much of the body.
    std::size_t binders_offset = 0;
    std::vector<std::uint8_t> psk_modes;
    // TLS 1.2 extensions.
    bool has_extended_master_secret = false;
    bool has_renegotiation_info = false;
    byte_view renegotiated_connection;  ///< renegotiation_info's content
    bool has_ec_point_formats = false;
    byte_view ec_point_formats;
    bool has_psk_modes = false;
    bool has_session_ticket = false;
    byte_view session_ticket;  ///< RFC 5077: a ticket, or empty to ask for one
};

error parse_client_hello(byte_view body, client_hello& out);

/// True when the group of every key share is in supported_groups (RFC 8446
/// section 4.2.8); linear in the sizes of both lists.
bool key_share_groups_offered(const client_hello& ch);

/// A ServerHello or a HelloRetryRequest (which is a ServerHello with a special random).
struct server_hello {
    std::uint16_t legacy_version = 0;
    byte_view random;
    byte_view legacy_session_id_echo;
    std::uint16_t cipher_suite = 0;
    std::uint8_t legacy_compression_method = 0;
    std::vector<extension> extensions;

    bool is_hello_retry_request = false;
    std::uint16_t selected_version = 0;           ///< 0 when supported_versions is absent
    std::optional<key_share_entry> key_share;     ///< ServerHello
    std::optional<std::uint16_t> selected_group;  ///< HelloRetryRequest
    byte_view cookie;
    bool has_cookie = false;
    // TLS 1.2 extensions: set by decode_tls12_server_extensions.
    bool has_extended_master_secret = false;
    bool has_renegotiation_info = false;
    byte_view renegotiated_connection;
    bool has_ec_point_formats = false;
    byte_view ec_point_formats;
    std::string alpn;  ///< the one protocol a TLS 1.2 ServerHello selects
    bool has_alpn = false;
    bool has_server_name = false;               ///< must be empty
    bool has_session_ticket = false;            ///< must be empty (RFC 5077 3.2)
    std::optional<std::uint16_t> selected_psk;  ///< ServerHello's pre_shared_key
};

error parse_server_hello(byte_view body, server_hello& out);
/// Decodes the extensions of a TLS 1.2 ServerHello that parse_server_hello
/// leaves alone (a TLS 1.3 ServerHello may not carry them at all).
error decode_tls12_server_extensions(server_hello& sh);

struct encrypted_extensions {
    std::vector<extension> extensions;
    std::string alpn;  ///< empty when absent
    bool has_alpn = false;
};

error parse_encrypted_extensions(byte_view body, encrypted_extensions& out);

struct certificate_entry {
    byte_view cert_data;
    byte_view extensions;
};

struct certificate_msg {
    byte_view request_context;
    std::vector<certificate_entry> entries;
};

error parse_certificate(byte_view body, certificate_msg& out);

struct certificate_request {
    byte_view request_context;
    std::vector<extension> extensions;
    std::vector<std::uint16_t> signature_algorithms;
    std::vector<std::uint16_t> signature_algorithms_cert;
    bool has_signature_algorithms_cert = false;
};

error parse_certificate_request(byte_view body, certificate_request& out);

struct certificate_verify {
    std::uint16_t scheme = 0;
    byte_view signature;
};

error parse_certificate_verify(byte_view body, certificate_verify& out);

struct new_session_ticket {
    std::uint32_t lifetime = 0;
    std::uint32_t age_add = 0;
    byte_view nonce;
    byte_view ticket;
    std::vector<extension> extensions;
    /// The early_data extension's max_early_data_size; 0 when absent.
    std::uint32_t max_early_data = 0;
};

error parse_new_session_ticket(byte_view body, new_session_ticket& out);

/// TLS 1.2's NewSessionTicket (RFC 5077 section 3.3).
struct new_session_ticket12 {
    std::uint32_t lifetime_hint = 0;
    byte_view ticket;
};
error parse_new_session_ticket12(byte_view body, new_session_ticket12& out);
bytes encode_new_session_ticket12(std::uint32_t lifetime_hint, byte_view ticket);

/// KeyUpdate: returns the request_update value (0 or 1) in `update_requested`.
error parse_key_update(byte_view body, bool& update_requested);

// ---- TLS 1.2 messages ----------------------------------------------------------

/// ServerKeyExchange for ECDHE (RFC 8422 section 5.4, with the TLS 1.2
/// signature of RFC 5246 7.4.3): ServerECDHParams then a DigitallySigned.
struct server_key_exchange {
    std::uint16_t group = 0;
    byte_view point;   ///< the server's ephemeral public value
    byte_view params;  ///< the ServerECDHParams bytes, as the signature covers them
    std::uint16_t scheme = 0;
    byte_view signature;
};

/// decode_error for bad framing; illegal_parameter for a curve_type other than
/// named_curve (explicit curves are deprecated by RFC 8422 section 5.4).
error parse_server_key_exchange(byte_view body, server_key_exchange& out);
/// The ServerECDHParams bytes for `group` and `point`.
bytes encode_ecdh_params(std::uint16_t group, byte_view point);

/// ClientKeyExchange for ECDHE: the client's public value (RFC 8422 5.7).
error parse_client_key_exchange(byte_view body, byte_view& point);

/// ServerHelloDone and HelloRequest: an empty body.
error parse_empty_message(byte_view body);

/// The TLS 1.2 CertificateRequest (RFC 5246 section 7.4.4).
struct certificate_request12 {
    byte_view certificate_types;
    std::vector<std::uint16_t> signature_algorithms;
    std::vector<byte_view> authorities;  ///< DER DistinguishedNames
};

error parse_certificate_request12(byte_view body, certificate_request12& out);

/// The TLS 1.2 Certificate (RFC 5246 section 7.4.2): no request context and
/// no per-entry extensions. `out` gets the DER certificates, leaf first.
error parse_certificate12(byte_view body, std::vector<byte_view>& out);

// ---- Encoding ---------------------------------------------------------------

/// Writes a handshake message header (type, 24-bit length) around `body`.
void append_handshake(bytes& out, handshake_type type, byte_view body);

/// Writes an extensions block (2-byte total length, then each extension).
void append_extensions(writer& w, const std::vector<raw_extension>& extensions);

/// Encoders for the extension bodies a client or server sends.
bytes encode_u16_list(std::size_t prefix, const std::vector<std::uint16_t>& values);
bytes encode_server_name(std::string_view host);
bytes encode_alpn(const std::vector<std::string>& protocols);
/// ec_point_formats offering only uncompressed points (RFC 8422 5.1.2).
bytes encode_ec_point_formats();
/// renegotiation_info with `renegotiated_connection` (empty in an initial handshake).
bytes encode_renegotiation_info(byte_view renegotiated_connection);
/// A ClientHello's pre_shared_key with zeroed binders of the given sizes, to
/// be filled in once the partial ClientHello is hashed (they end the message).
bytes encode_offered_psks(const std::vector<psk_identity>& identities,
                          const std::vector<std::size_t>& binder_sizes);
/// Bytes the binders list takes at the end of a ClientHello.
std::size_t binders_list_size(const std::vector<std::size_t>& binder_sizes);
/// A NewSessionTicket body; `max_early_data` > 0 adds the early_data extension.
bytes encode_new_session_ticket(std::uint32_t lifetime, std::uint32_t age_add, byte_view nonce,
                                byte_view ticket, std::uint32_t max_early_data);

}  // namespace tlsio::wire

#endif
