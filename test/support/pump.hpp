// Drives two tlsio::engine objects against each other in memory, and gives
// tests the tools to look at and tamper with the bytes between them:
//
//   - handshake(): moves output() of one engine into the other until both
//     handshakes finish, one fails, or nothing moves; an interceptor sees
//     every flight and may change, drop, truncate, duplicate or reorder it;
//   - TLS record splitting and joining (type(1) version(2) length(2));
//   - ClientHello / ServerHello decoding and encoding, for editing fields;
//   - TLS 1.3 record protection from keylog secrets (RFC 8446 7.1-7.3 and
//     5.2), so tests can read encrypted alerts and forge encrypted records.
#ifndef TLSIO_TEST_SUPPORT_PUMP_HPP
#define TLSIO_TEST_SUPPORT_PUMP_HPP

#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>
#include <tlsio/error.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tlsio {

// Printers so BOOST_TEST can show these values when a comparison fails.
std::ostream& operator<<(std::ostream& os, status s);
std::ostream& operator<<(std::ostream& os, cipher_suite s);
std::ostream& operator<<(std::ostream& os, named_group g);
std::ostream& operator<<(std::ostream& os, signature_scheme s);
std::ostream& operator<<(std::ostream& os, protocol_version v);
std::ostream& operator<<(std::ostream& os, role r);

}  // namespace tlsio

namespace tlsio::test {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

bytes to_bytes(std::string_view s);
std::string to_hex(byte_view b);
bytes from_hex(std::string_view hex);

// ---- Records ----------------------------------------------------------------

namespace content_type {
inline constexpr std::uint8_t change_cipher_spec = 20;
inline constexpr std::uint8_t alert = 21;
inline constexpr std::uint8_t handshake = 22;
inline constexpr std::uint8_t application_data = 23;
}  // namespace content_type

inline constexpr std::size_t record_header_size = 5;

struct record {
    std::uint8_t type = 0;
    std::uint16_t version = 0x0303;
    bytes payload;

    bool operator==(const record&) const = default;
};

struct split_result {
    std::vector<record> records;
    bytes rest;  ///< an incomplete record at the end (header or body cut short)
};

/// Splits a byte stream into records by their headers.
split_result split_records(byte_view stream);
/// Encodes one record (header + payload). The length field is payload.size().
bytes encode_record(const record& r);
bytes join_records(const std::vector<record>& records);

/// Splits concatenated handshake messages (type(1) length(3) body). Returns
/// nullopt if the bytes do not end on a message boundary.
std::optional<std::vector<bytes>> split_handshake_messages(byte_view data);

// ---- Pumping two engines ------------------------------------------------------

/// The bytes one engine produced in one output() (one call of the engine).
struct flight {
    role from = role::client;
    std::size_t index = 0;  ///< 0 for the first flight of that side
    bytes data;
};

/// Sees each flight before delivery; may edit `data` freely (empty: dropped).
using interceptor = std::function<void(flight&)>;

struct pump_options {
    interceptor intercept;
    /// Deliver at most this many bytes per engine call (0: a whole flight).
    std::size_t chunk_size = 0;
    /// Deliver through input_space()/commit_input() instead of feed().
    bool use_input_space = false;
    /// Safety bound on the loop; reaching it counts as a stall.
    std::size_t max_steps = 10000;
};

struct side_result {
    status last = status::want_read;
    boost::system::error_code error;  ///< engine::error() at the end
    bool handshake_done = false;
    bytes received;  ///< application data read after the handshake
    std::size_t calls = 0;
};

struct pump_result {
    side_result client;
    side_result server;
    std::vector<flight> flights;  ///< as delivered, after interception
    std::size_t steps = 0;
    bool stalled = false;  ///< stopped with work left undone (not done, no error)

    bool ok() const noexcept {
        return client.handshake_done && server.handshake_done && !client.error && !server.error &&
               !stalled;
    }
    /// The flights one side sent, in order.
    std::vector<const flight*> flights_from(role r) const;
};

/// Runs both handshakes to completion or failure. A side that finished its
/// handshake keeps processing what arrives (with read()), so a late alert
/// (e.g. the server rejecting the client certificate) shows up in its error.
pump_result handshake(engine& client, engine& server, const pump_options& options = {});

/// Takes all of output() (consuming it).
bytes take_output(engine& e);

/// Gives bytes to an engine (feed() or input_space()/commit_input()).
void deliver(engine& e, byte_view data, bool use_input_space = false);

/// Calls read() until it stops producing data; appends what it read to `out`.
/// Returns the last status (done means "nothing more for now" here only when
/// the last read returned data; want_read is the usual end).
status read_available(engine& e, bytes& out);

/// Writes all of `data` (calling write() as often as needed) and returns the
/// output produced. Fails the calling test when write() fails.
struct write_outcome {
    status last = status::done;
    std::size_t written = 0;
    bytes output;
    std::size_t output_chunks = 0;  ///< how many output() runs it took
    std::size_t first_call = 0;     ///< bytes the first write() call took
};
write_outcome write_all(engine& e, byte_view data);

/// Moves `from`'s pending output to `to` and reads what `to` can read.
status transfer(engine& from, engine& to, bytes& received);

// ---- ClientHello / ServerHello codec -----------------------------------------

struct extension {
    std::uint16_t type = 0;
    bytes data;
};

namespace ext {
inline constexpr std::uint16_t server_name = 0;
inline constexpr std::uint16_t supported_groups = 10;
inline constexpr std::uint16_t signature_algorithms = 13;
inline constexpr std::uint16_t alpn = 16;
inline constexpr std::uint16_t supported_versions = 43;
inline constexpr std::uint16_t cookie = 44;
inline constexpr std::uint16_t psk_key_exchange_modes = 45;
inline constexpr std::uint16_t key_share = 51;
}  // namespace ext

/// A ClientHello (msg_type 1) or ServerHello (msg_type 2), fields as on the wire.
/// For a ServerHello, cipher_suites has one entry and compression one byte.
struct hello {
    std::uint8_t msg_type = 1;
    std::uint16_t legacy_version = 0x0303;
    bytes random;  ///< 32 bytes
    bytes session_id;
    std::vector<std::uint16_t> cipher_suites;
    bytes compression;
    std::vector<extension> extensions;

    extension* find(std::uint16_t type);
    void remove(std::uint16_t type);
};

/// Parses a whole handshake message (4-byte header included).
std::optional<hello> parse_hello(byte_view message);
/// Encodes with the 4-byte handshake header.
bytes encode_hello(const hello& h);

/// The HelloRetryRequest random (RFC 8446 4.1.3).
bytes hello_retry_request_random();

// ---- TLS 1.3 record protection from keylog secrets ----------------------------

/// Collects NSS key-log lines.
class keylog_recorder {
public:
    keylog_recorder();
    keylog_callback callback() const;
    const std::vector<std::string>& lines() const noexcept { return *lines_; }
    /// The secret logged under `label` ("SERVER_TRAFFIC_SECRET_0"), if any.
    std::optional<bytes> secret(std::string_view label) const;
    /// How many lines carry `label`.
    std::size_t count(std::string_view label) const;

private:
    std::shared_ptr<std::vector<std::string>> lines_;
};

/// HKDF-Expand-Label (RFC 8446 7.1) with the hash of `suite`.
bytes hkdf_expand_label(cipher_suite suite, byte_view secret, std::string_view label,
                        byte_view context, std::size_t length);

/// One direction's record keys (RFC 8446 7.3) and sequence number.
struct traffic_keys {
    cipher_suite suite = cipher_suite::aes_128_gcm_sha256;
    bytes secret;
    bytes key;
    bytes iv;
    std::uint64_t seq = 0;

    static traffic_keys from_secret(cipher_suite suite, byte_view secret);
    /// The next generation after a KeyUpdate (RFC 8446 7.2).
    void update();
};

/// Decrypts a TLSCiphertext; on success returns the inner record (type = inner
/// content type, padding removed) and advances seq. nullopt when it does not
/// authenticate or has no content type.
std::optional<record> open_record(traffic_keys& keys, const record& ciphertext);

/// Encrypts a TLSInnerPlaintext into a TLSCiphertext and advances seq.
record seal_record(traffic_keys& keys, std::uint8_t inner_type, byte_view plaintext,
                   std::size_t padding = 0);

/// Follows one direction of a TLS 1.3 connection with the secrets from a
/// keylog: plaintext records pass through; protected records are opened with
/// the handshake keys, then (once those stop authenticating) with the
/// application keys, following KeyUpdates.
class direction_decoder {
public:
    direction_decoder(cipher_suite suite, bytes handshake_secret, bytes application_secret);
    /// Convenience: the secrets of `sender` from a keylog.
    static direction_decoder from_keylog(cipher_suite suite, const keylog_recorder& log,
                                         role sender);

    /// Decodes whole records in order. nullopt if one does not authenticate
    /// under any key it could be under.
    std::optional<std::vector<record>> decode(byte_view stream);

    /// The keys for the next protected record (after the handshake: the
    /// application keys), to forge a record the receiver will accept.
    traffic_keys& current() noexcept { return application_phase_ ? application_ : handshake_; }
    /// The application keys, whether or not a record has used them yet.
    traffic_keys& application() noexcept { return application_; }
    bool application_phase() const noexcept { return application_phase_; }
    std::size_t key_updates() const noexcept { return key_updates_; }

private:
    traffic_keys handshake_;
    traffic_keys application_;
    bool application_phase_ = false;
    std::size_t key_updates_ = 0;
};

/// The description of the first alert record among `records` (plaintext or
/// already decrypted), if any.
std::optional<std::uint8_t> first_alert(const std::vector<record>& records);

}  // namespace tlsio::test

#endif
