//
// tlsio_bogo_shim: the program BoringSSL's TLS test runner (BoGo) drives.
//
// The runner starts it once per test with `-port P -shim-id N [-ipv6]` and
// the test's flags (their meaning: test/bogo/runner/README.md). The shim
// connects to the runner over loopback TCP, sends N as a 64-bit
// little-endian integer, then runs one TLS connection with tlsio::engine on
// that blocking socket: handshake, the -expect-* checks, then it echoes what
// the runner sends, each byte XORed with 0xff, until the runner closes.
// With -resume-count N it then connects N more times, each connection
// resuming the session of the one before (flags prefixed -on-initial- apply
// to the first connection only, -on-resume- to the others). The connection
// offers or accepts TLS 1.2 and 1.3 unless the version flags narrow that.
//
// Exit status: 0 the connection behaved as the flags asked; 1 it did not (a
// line on stderr names the error, ":<tlsio error>:" or ":received_<alert>:",
// which test/bogo/config.json's ErrorMap maps BoringSSL's names to); 89 a
// flag or feature tlsio does not implement (the runner counts it as skipped).
//
// Only tlsio's public API is used.
//
#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>
#include <tlsio/error.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_unimplemented = 89;

constexpr int tls12 = 0x0303;
constexpr int tls13 = 0x0304;

[[noreturn]] void unimplemented(const std::string& what) {
    std::fprintf(stderr, "tlsio_bogo_shim: unimplemented: %s\n", what.c_str());
    std::exit(exit_unimplemented);
}

// " (connection N)" in a test with resumptions, to say which one failed.
std::string connection_label;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "%s%s\n", what.c_str(), connection_label.c_str());
    std::exit(exit_failed);
}

// ---- Flags -----------------------------------------------------------------

// Every flag of the runner's protocol (reference/test_config.cc), so that a
// flag we ignore (for another connection, see parse()) can be skipped with
// its value. Those in `supported` are implemented; any other one present
// makes the test unimplemented.
const std::set<std::string_view> flags_without_value = {
    "-ipv6",
    "-server",
    "-dtls",
    "-quic",
    "-fallback-scsv",
    "-enable-ech-grease",
    "-expect-ech-accept",
    "-expect-no-ech-name-override",
    "-expect-no-ech-retry-configs",
    "-require-any-client-certificate",
    "-false-start",
    "-async",
    "-write-different-record-sizes",
    "-cbc-record-splitting",
    "-partial-write",
    "-no-tls13",
    "-no-tls12",
    "-no-tls11",
    "-no-tls1",
    "-no-ticket",
    "-enable-channel-id",
    "-shim-writes-first",
    "-decline-alpn",
    "-reject-alpn",
    "-select-empty-alpn",
    "-defer-alps",
    "-alps-use-new-codepoint",
    "-expect-session-miss",
    "-expect-extended-master-secret",
    "-enable-ocsp-stapling",
    "-enable-signed-cert-timestamps",
    "-implicit-handshake",
    "-use-early-callback",
    "-fail-early-callback",
    "-install-ddos-callback",
    "-fail-ddos-callback",
    "-fail-cert-callback",
    "-handshake-never-done",
    "-use-export-context",
    "-tls-unique",
    "-expect-ticket-renewal",
    "-expect-no-session",
    "-expect-ticket-supports-early-data",
    "-expect-accept-early-data",
    "-expect-reject-early-data",
    "-expect-no-offer-early-data",
    "-use-ticket-callback",
    "-renew-ticket",
    "-enable-early-data",
    "-check-close-notify",
    "-shim-shuts-down",
    "-verify-fail",
    "-verify-peer",
    "-verify-peer-if-no-obc",
    "-expect-verify-result",
    "-renegotiate-once",
    "-renegotiate-freely",
    "-renegotiate-ignore",
    "-renegotiate-explicit",
    "-forbid-renegotiation-after-handshake",
    "-use-old-client-cert-callback",
    "-send-alert",
    "-peek-then-read",
    "-enable-grease",
    "-permute-extensions",
    "-use-exporter-between-reads",
    "-retain-only-sha256-client-cert",
    "-expect-sha256-client-cert",
    "-read-with-unfinished-write",
    "-expect-secure-renegotiation",
    "-expect-no-secure-renegotiation",
    "-expect-session-id",
    "-expect-no-session-id",
    "-no-op-extra-handshake",
    "-handshake-twice",
    "-allow-unknown-alpn-protos",
    "-use-custom-verify-callback",
    "-allow-false-start-without-alpn",
    "-handoff",
    "-handshake-hints",
    "-allow-hint-mismatch",
    "-use-ocsp-callback",
    "-set-ocsp-in-callback",
    "-decline-ocsp-callback",
    "-fail-ocsp-callback",
    "-install-cert-compression-algs",
    "-reverify-on-resume",
    "-ignore-rsa-key-usage",
    "-expect-key-usage-invalid",
    "-is-handshaker-supported",
    "-handshaker-resume",
    "-jdk11-workaround",
    "-server-preference",
    "-export-traffic-secrets",
    "-key-update",
    "-expect-delegated-credential-used",
    "-expect-hrr",
    "-expect-no-hrr",
    "-wait-for-debugger",
    "-fips-202205",
    "-wpa-202304",
};

const std::set<std::string_view> flags_with_value = {
    "-port",
    "-shim-id",
    "-resume-count",
    "-write-settings",
    "-signing-prefs",
    "-verify-prefs",
    "-expect-peer-verify-pref",
    "-curves",
    "-key-file",
    "-cert-file",
    "-trust-cert",
    "-expect-server-name",
    "-ech-server-config",
    "-ech-server-key",
    "-ech-is-retry-config",
    "-expect-ech-name-override",
    "-expect-ech-retry-configs",
    "-ech-config-list",
    "-expect-certificate-types",
    "-advertise-npn",
    "-expect-next-proto",
    "-select-next-proto",
    "-expect-channel-id",
    "-send-channel-id",
    "-host-name",
    "-advertise-alpn",
    "-expect-alpn",
    "-expect-late-alpn",
    "-expect-advertised-alpn",
    "-select-alpn",
    "-application-settings",
    "-expect-peer-application-settings",
    "-quic-transport-params",
    "-expect-quic-transport-params",
    "-quic-use-legacy-codepoint",
    "-psk",
    "-psk-identity",
    "-srtp-profiles",
    "-expect-signed-cert-timestamps",
    "-min-version",
    "-max-version",
    "-expect-version",
    "-mtu",
    "-cipher",
    "-export-keying-material",
    "-export-label",
    "-export-context",
    "-ocsp-response",
    "-expect-ocsp-response",
    "-signed-cert-timestamps",
    "-expect-total-renegotiations",
    "-expect-peer-signature-algorithm",
    "-expect-curve-id",
    "-initial-timeout-duration-ms",
    "-use-client-ca-list",
    "-expect-client-ca-list",
    "-max-cert-list",
    "-ticket-key",
    "-expect-cipher-aes",
    "-expect-cipher-no-aes",
    "-expect-cipher",
    "-expect-peer-cert-file",
    "-resumption-delay",
    "-max-send-fragment",
    "-read-size",
    "-expect-ticket-age-skew",
    "-expect-msg-callback",
    "-install-one-cert-compression-alg",
    "-handshaker-path",
    "-delegated-credential",
    "-expect-early-data-reason",
    "-quic-early-data-context",
    "-early-write-after-message",
};

// The flags this shim implements. Some change nothing for tlsio, each for
// the reason given.
const std::set<std::string_view> supported = {
    "-port",
    "-shim-id",
    "-ipv6",
    "-server",
    "-resume-count",
    "-expect-session-miss",
    "-ticket-key",
    "-is-handshaker-supported",
    "-min-version",  // TLS 1.2 and 1.3; see version_range()
    "-max-version",
    "-expect-version",
    "-no-tls13",
    "-no-tls12",
    "-no-tls11",  // tlsio never speaks TLS 1.1 or 1.0: nothing to turn off
    "-no-tls1",
    "-cipher",  // the TLS 1.2 suites, see tls12_suites()
    // A TLS 1.2 handshake of tlsio always has the extended master secret
    // (RFC 7627), and TLS 1.3 has it built in, as BoringSSL reports it.
    "-expect-extended-master-secret",
    "-key-file",
    "-cert-file",
    "-trust-cert",
    "-verify-peer",
    "-verify-fail",
    "-require-any-client-certificate",
    "-use-custom-verify-callback",    // another way to install the same check
    "-use-old-client-cert-callback",  // another way to install the same certificate
    "-use-early-callback",            // likewise
    "-install-ddos-callback",         // a callback that accepts every ClientHello
    "-expect-verify-result",
    "-expect-peer-cert-file",
    "-signing-prefs",
    "-verify-prefs",
    "-curves",
    "-expect-curve-id",
    "-expect-cipher",
    "-expect-cipher-aes",
    "-expect-cipher-no-aes",
    "-expect-peer-signature-algorithm",
    "-host-name",
    "-expect-server-name",
    "-advertise-alpn",
    "-select-alpn",
    "-decline-alpn",
    "-expect-alpn",
    "-expect-hrr",
    "-expect-no-hrr",
    "-expect-advertised-alpn",   // a server's, from its ClientHello callback
    "-expect-peer-verify-pref",  // likewise
    "-no-ticket",
    "-expect-no-session",
    "-partial-write",       // the shim writes everything whatever the API allows
    "-async",               // the shim then reads and writes one byte at a time
    "-implicit-handshake",  // the first read or write runs the handshake
    "-handshake-twice",
    "-no-op-extra-handshake",
    "-shim-writes-first",
    "-shim-shuts-down",
    "-check-close-notify",
    "-key-update",
    "-read-size",
};

struct config {
    int port = 0;
    bool ipv6 = false;
    std::uint64_t shim_id = 0;
    bool server = false;
    int resume_count = 0;
    bool expect_session_miss = false;
    bool no_ticket = false;
    bool expect_no_session = false;
    std::string ticket_key;  // base64 of 48 bytes, BoringSSL's ticket-key layout
    // The first flag of this connection that the shim does not implement.
    std::string unsupported;
    int min_version = 0;
    int max_version = 0;
    bool no_tls13 = false;
    bool no_tls12 = false;
    std::string cipher;
    int expect_version = 0;
    std::string key_file;
    std::string cert_file;
    std::string trust_cert;
    bool verify_peer = false;
    bool verify_fail = false;
    bool require_any_client_certificate = false;
    bool expect_verify_result = false;
    std::string expect_peer_cert_file;
    std::vector<int> signing_prefs;
    std::vector<int> verify_prefs;
    std::vector<int> curves;
    int expect_curve_id = 0;
    int expect_cipher = 0;
    int expect_cipher_aes = 0;
    int expect_peer_signature_algorithm = 0;
    std::string host_name;
    std::string expect_server_name;
    std::string advertise_alpn;
    std::string select_alpn;
    bool decline_alpn = false;
    std::string expect_alpn;
    std::string expect_advertised_alpn;         // wire format, as -advertise-alpn
    std::vector<int> expect_peer_verify_prefs;  // the ClientHello's signature_algorithms
    bool expect_hrr = false;
    bool expect_no_hrr = false;
    bool async = false;
    bool implicit_handshake = false;
    bool handshake_twice = false;
    bool no_op_extra_handshake = false;
    bool shim_writes_first = false;
    bool shim_shuts_down = false;
    bool check_close_notify = false;
    bool key_update = false;
    int read_size = 0;
};

int to_int(std::string_view flag, const std::string& value) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno != 0 || v < INT32_MIN || v > INT32_MAX) {
        fail("invalid value for " + std::string(flag) + ": " + value);
    }
    return static_cast<int>(v);
}

void set_flag(config& c, std::string_view name, const std::string& v) {
    auto i = [&] { return to_int(name, v); };
    // clang-format off
    if (name == "-port") c.port = i();
    else if (name == "-shim-id") c.shim_id = std::strtoull(v.c_str(), nullptr, 10);
    else if (name == "-ipv6") c.ipv6 = true;
    else if (name == "-server") c.server = true;
    else if (name == "-resume-count") c.resume_count = i();
    else if (name == "-expect-session-miss") c.expect_session_miss = true;
    else if (name == "-no-ticket") c.no_ticket = true;
    else if (name == "-expect-no-session") c.expect_no_session = true;
    else if (name == "-ticket-key") c.ticket_key = v;
    else if (name == "-min-version") c.min_version = i();
    else if (name == "-max-version") c.max_version = i();
    else if (name == "-expect-version") c.expect_version = i();
    else if (name == "-no-tls13") c.no_tls13 = true;
    else if (name == "-no-tls12") c.no_tls12 = true;
    else if (name == "-cipher") c.cipher = v;
    else if (name == "-key-file") c.key_file = v;
    else if (name == "-cert-file") c.cert_file = v;
    else if (name == "-trust-cert") c.trust_cert = v;
    else if (name == "-verify-peer") c.verify_peer = true;
    else if (name == "-verify-fail") c.verify_fail = true;
    else if (name == "-require-any-client-certificate") c.require_any_client_certificate = true;
    else if (name == "-expect-verify-result") c.expect_verify_result = true;
    else if (name == "-expect-peer-cert-file") c.expect_peer_cert_file = v;
    else if (name == "-signing-prefs") c.signing_prefs.push_back(i());
    else if (name == "-verify-prefs") c.verify_prefs.push_back(i());
    else if (name == "-curves") c.curves.push_back(i());
    else if (name == "-expect-curve-id") c.expect_curve_id = i();
    else if (name == "-expect-cipher") c.expect_cipher = i();
    else if (name == "-expect-cipher-aes") c.expect_cipher_aes = i();
    else if (name == "-expect-peer-signature-algorithm") c.expect_peer_signature_algorithm = i();
    else if (name == "-host-name") c.host_name = v;
    else if (name == "-expect-server-name") c.expect_server_name = v;
    else if (name == "-advertise-alpn") c.advertise_alpn = v;
    else if (name == "-select-alpn") c.select_alpn = v;
    else if (name == "-decline-alpn") c.decline_alpn = true;
    else if (name == "-expect-alpn") c.expect_alpn = v;
    else if (name == "-expect-advertised-alpn") c.expect_advertised_alpn = v;
    else if (name == "-expect-peer-verify-pref") c.expect_peer_verify_prefs.push_back(i());
    else if (name == "-expect-hrr") c.expect_hrr = true;
    else if (name == "-expect-no-hrr") c.expect_no_hrr = true;
    else if (name == "-async") c.async = true;
    else if (name == "-implicit-handshake") c.implicit_handshake = true;
    else if (name == "-handshake-twice") c.handshake_twice = true;
    else if (name == "-no-op-extra-handshake") c.no_op_extra_handshake = true;
    else if (name == "-shim-writes-first") c.shim_writes_first = true;
    else if (name == "-shim-shuts-down") c.shim_shuts_down = true;
    else if (name == "-check-close-notify") c.check_close_notify = true;
    else if (name == "-key-update") c.key_update = true;
    else if (name == "-read-size") c.read_size = i();
    // The rest of `supported` changes nothing (see there).
    // clang-format on
}

// Strips `prefix` + "-" from the front of `name` (keeping the "-").
bool remove_prefix(std::string_view& name, std::string_view prefix) {
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
        name[prefix.size()] == '-') {
        name.remove_prefix(prefix.size());
        return true;
    }
    return false;
}

// The first connection's flags and the resuming connections' flags.
struct configs {
    config initial;
    config resume;
};

configs parse(int argc, char** argv) {
    configs out;
    for (int k = 1; k < argc; ++k) {
        std::string_view name = argv[k];
        // -on-shim-X applies here; -on-handshaker-X to a split-handshake
        // helper, which tlsio has none of. -on-initial-X applies to the first
        // connection, -on-resume-X to the resuming ones, -on-retry-X to a
        // connection retried after rejected 0-RTT, which tlsio never sends.
        bool to_initial = true;
        bool to_resume = true;
        if (remove_prefix(name, "-on-shim")) {
        } else if (remove_prefix(name, "-on-handshaker")) {
            to_initial = to_resume = false;
        }
        if (remove_prefix(name, "-on-initial")) {
            to_resume = false;
        } else if (remove_prefix(name, "-on-resume")) {
            to_initial = false;
        } else if (remove_prefix(name, "-on-retry")) {
            to_initial = to_resume = false;
        }
        bool has_value = flags_with_value.count(name) != 0;
        if (!has_value && flags_without_value.count(name) == 0) {
            unimplemented("unknown flag " + std::string(argv[k]));
        }
        const std::string flag = argv[k];
        std::string value;
        if (has_value) {
            if (k + 1 >= argc) {
                fail("missing value for " + flag);
            }
            value = argv[++k];
        }
        for (config* c : {to_initial ? &out.initial : nullptr, to_resume ? &out.resume : nullptr}) {
            if (c == nullptr) {
                continue;
            }
            if (supported.count(name) == 0) {
                if (c->unsupported.empty()) {
                    c->unsupported = "flag " + flag;
                }
                continue;
            }
            set_flag(*c, name, value);
        }
    }
    return out;
}

// ---- Checks of what the flags ask for, before connecting ---------------------

bool known_group(int g);

// The versions the flags leave, as BoringSSL's min/max version and
// SSL_OP_NO_TLSv1_x would, narrowed to TLS 1.2 and 1.3: a minimum below
// TLS 1.2 is TLS 1.2 (tests that need the older versions to succeed are
// disabled by name in config.json). Nothing if no TLS 1.2 or 1.3 is left.
std::optional<std::pair<int, int>> version_range(const config& c) {
    int lo = std::max(c.min_version, tls12);
    int hi = c.max_version == 0 ? tls13 : c.max_version;
    if (c.no_tls13) {
        hi = std::min(hi, tls12);
    }
    if (c.no_tls12) {
        lo = std::max(lo, tls13);
    }
    if (lo > hi || hi > tls13) {  // DTLS versions are above 0x0304 too
        return std::nullopt;
    }
    return std::pair{lo, hi};
}

// BoringSSL's cipher string (SSL_CTX_set_strict_cipher_list), which sets the
// TLS 1.2 suites only, as far as the runner uses it: suite names (IANA or
// OpenSSL), ALL / DEFAULT, keywords that name a part of the OpenSSL name
// (AES128, CHACHA20, ECDSA; AES for both AES sizes), and "!" or "-" before
// one to remove what it names. Nothing, with `why` set, for what tlsio cannot
// express: equal-preference groups "[a|b]", or a list of suites tlsio lacks.
std::optional<std::vector<tlsio::cipher_suite>> tls12_suites(const std::string& text,
                                                             std::string& why) {
    using tlsio::cipher_suite;
    static constexpr cipher_suite all[] = {
        cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256,
        cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384,
        cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256,
        cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256,
        cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384,
        cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256,
    };
    auto matches = [](cipher_suite s, std::string_view word) {
        if (word == "ALL" || word == "DEFAULT" || word == tlsio::name(s) ||
            word == tlsio::openssl_name(s)) {
            return true;
        }
        std::string_view n = tlsio::openssl_name(s);
        for (std::size_t at = 0; at <= n.size();) {
            std::size_t dash = std::min(n.find('-', at), n.size());
            std::string_view part = n.substr(at, dash - at);
            if (part == word || (word == "AES" && part.substr(0, 3) == "AES")) {
                return true;
            }
            at = dash + 1;
        }
        return false;
    };
    if (text.find('[') != std::string::npos) {
        why = "equal-preference cipher groups (tlsio's server uses one order)";
        return std::nullopt;
    }
    std::vector<cipher_suite> out;
    std::set<cipher_suite> removed;
    std::stringstream items(text);
    for (std::string item; std::getline(items, item, ':');) {
        const bool remove = !item.empty() && (item[0] == '!' || item[0] == '-');
        std::string_view word = std::string_view(item).substr(remove ? 1 : 0);
        for (cipher_suite s : all) {
            if (!matches(s, word)) {
                continue;
            }
            if (remove) {
                std::erase(out, s);
                if (item[0] == '!') {
                    removed.insert(s);
                }
            } else if (removed.count(s) == 0 && std::find(out.begin(), out.end(), s) == out.end()) {
                out.push_back(s);
            }
        }
    }
    if (out.empty()) {
        why = "cipher string '" + text +
              "' names no TLS 1.2 suite tlsio has (no CBC, 3DES, "
              "static RSA or PSK)";
        return std::nullopt;
    }
    return out;
}

// Feature checks the runner can only learn from the exit status 89: why a
// connection with these flags cannot run, or nothing.
std::string unsupported_reason(const config& c) {
    if (!c.unsupported.empty()) {
        return c.unsupported;
    }
    if (!version_range(c)) {
        return "a version range without TLS 1.2 or 1.3 (tlsio speaks no other)";
    }
    if (c.expect_version != 0 && c.expect_version != tls12 && c.expect_version != tls13) {
        return "protocol versions other than TLS 1.2 and 1.3";
    }
    if (c.expect_curve_id != 0 && !known_group(c.expect_curve_id)) {
        return "group " + std::to_string(c.expect_curve_id);
    }
    if (std::string why; !c.cipher.empty() && !tls12_suites(c.cipher, why)) {
        return why;
    }
    if (!c.server && c.verify_fail && !c.verify_peer) {
        // BoringSSL's client verifies by default and only records a failure;
        // a tlsio client either verifies (and fails) or does not verify.
        return "soft-fail certificate verification";
    }
    if (!c.signing_prefs.empty() && !c.verify_prefs.empty() && c.signing_prefs != c.verify_prefs) {
        return "separate signing and verifying signature schemes";
    }
    if (!c.server && (!c.expect_advertised_alpn.empty() || !c.expect_peer_verify_prefs.empty())) {
        // tlsio reports what a ClientHello offers, not a CertificateRequest.
        return "-expect-advertised-alpn or -expect-peer-verify-pref on a client";
    }
    return {};
}

bool known_group(int g) {
    return g == static_cast<int>(tlsio::named_group::x25519) ||
           g == static_cast<int>(tlsio::named_group::secp256r1) ||
           g == static_cast<int>(tlsio::named_group::secp384r1) ||
           g == static_cast<int>(tlsio::named_group::secp521r1);
}

bool known_scheme(int s) {
    switch (static_cast<tlsio::signature_scheme>(s)) {
        case tlsio::signature_scheme::rsa_pkcs1_sha256:
        case tlsio::signature_scheme::rsa_pkcs1_sha384:
        case tlsio::signature_scheme::rsa_pkcs1_sha512:
        case tlsio::signature_scheme::ecdsa_secp256r1_sha256:
        case tlsio::signature_scheme::ecdsa_secp384r1_sha384:
        case tlsio::signature_scheme::ecdsa_secp521r1_sha512:
        case tlsio::signature_scheme::rsa_pss_rsae_sha256:
        case tlsio::signature_scheme::rsa_pss_rsae_sha384:
        case tlsio::signature_scheme::rsa_pss_rsae_sha512:
        case tlsio::signature_scheme::ed25519:
        case tlsio::signature_scheme::rsa_pss_pss_sha256:
        case tlsio::signature_scheme::rsa_pss_pss_sha384:
        case tlsio::signature_scheme::rsa_pss_pss_sha512:
            return true;
    }
    return false;
}

// "\x02h2\x08http/1.1" (the ALPN wire format the runner passes) to a list.
std::vector<std::string> parse_alpn_list(const std::string& wire) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < wire.size();) {
        std::size_t n = static_cast<unsigned char>(wire[i]);
        if (n == 0 || i + 1 + n > wire.size()) {
            fail("invalid -advertise-alpn value");
        }
        out.push_back(wire.substr(i + 1, n));
        i += 1 + n;
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail("cannot read " + path);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Base64 to bytes; characters outside the alphabet (line breaks, '='
// padding) are skipped.
std::vector<std::uint8_t> base64_decode(std::string_view text) {
    std::vector<std::uint8_t> out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char ch : text) {
        int v;
        if (ch >= 'A' && ch <= 'Z') {
            v = ch - 'A';
        } else if (ch >= 'a' && ch <= 'z') {
            v = ch - 'a' + 26;
        } else if (ch >= '0' && ch <= '9') {
            v = ch - '0' + 52;
        } else if (ch == '+') {
            v = 62;
        } else if (ch == '/') {
            v = 63;
        } else {
            continue;
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits));
        }
    }
    return out;
}

// The DER certificates of a PEM file, in order.
std::vector<std::vector<std::uint8_t>> pem_certificates(const std::string& pem) {
    static constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
    static constexpr std::string_view end = "-----END CERTIFICATE-----";
    std::vector<std::vector<std::uint8_t>> out;
    for (std::size_t at = pem.find(begin); at != std::string::npos; at = pem.find(begin, at)) {
        std::size_t stop = pem.find(end, at);
        if (stop == std::string::npos) {
            fail("truncated PEM certificate");
        }
        std::string_view body(pem);
        out.push_back(base64_decode(body.substr(at + begin.size(), stop - at - begin.size())));
        at = stop + end.size();
    }
    return out;
}

// ---- Errors as the runner sees them -------------------------------------------

// The enum's own name: stable, unlike the messages, for config.json's ErrorMap.
const char* error_name(tlsio::error e) {
    using tlsio::error;
    switch (e) {
        // clang-format off
        case error::unexpected_message: return "unexpected_message";
        case error::decode_error: return "decode_error";
        case error::illegal_parameter: return "illegal_parameter";
        case error::record_overflow: return "record_overflow";
        case error::bad_record_mac: return "bad_record_mac";
        case error::handshake_failure: return "handshake_failure";
        case error::protocol_version: return "protocol_version";
        case error::missing_extension: return "missing_extension";
        case error::unsupported_extension: return "unsupported_extension";
        case error::no_application_protocol: return "no_application_protocol";
        case error::unrecognized_name: return "unrecognized_name";
        case error::decrypt_error: return "decrypt_error";
        case error::downgrade_detected: return "downgrade_detected";
        case error::insufficient_security: return "insufficient_security";
        case error::certificate_required: return "certificate_required";
        case error::bad_certificate: return "bad_certificate";
        case error::unsupported_certificate: return "unsupported_certificate";
        case error::certificate_verify_failed: return "certificate_verify_failed";
        case error::certificate_expired: return "certificate_expired";
        case error::certificate_not_yet_valid: return "certificate_not_yet_valid";
        case error::certificate_unknown_ca: return "certificate_unknown_ca";
        case error::certificate_host_mismatch: return "certificate_host_mismatch";
        case error::certificate_bad_key_usage: return "certificate_bad_key_usage";
        case error::certificate_rejected_by_callback: return "certificate_rejected_by_callback";
        case error::stream_truncated: return "stream_truncated";
        case error::closed: return "closed";
        case error::not_handshaked: return "not_handshaked";
        case error::handshake_in_progress: return "handshake_in_progress";
        case error::internal_error: return "internal_error";
        case error::no_certificate: return "no_certificate";
        case error::invalid_argument: return "invalid_argument";
        case error::key_load_failed: return "key_load_failed";
        case error::too_many_empty_records: return "too_many_empty_records";
        case error::too_many_warning_alerts: return "too_many_warning_alerts";
        case error::too_many_key_updates: return "too_many_key_updates";
        case error::key_password_required: return "key_password_required";
        case error::key_password_wrong: return "key_password_wrong";
        case error::unsupported_version: return "unsupported_version";
        case error::unsupported_option: return "unsupported_option";
        case error::host_name_required: return "host_name_required";
        case error::certificate_too_weak: return "certificate_too_weak";
        case error::client_hello_refused: return "client_hello_refused";
        case error::client_hello_pending: return "client_hello_pending";
        case error::inappropriate_fallback: return "inappropriate_fallback";
        case error::no_renegotiation: return "no_renegotiation";
        case error::early_data_rejected: return "early_data_rejected";
            // clang-format on
    }
    return "unknown_error";
}

// One line: ":decode_error: <message>" for errors tlsio detected,
// ":received_handshake_failure:" for an alert from the peer.
std::string describe(const boost::system::error_code& ec, const std::string& message) {
    std::string token;
    if (ec == tlsio::error::stream_truncated) {
        // tlsio reports it in asio's ssl category, so Beast programs compare
        // it with boost::asio::ssl::error::stream_truncated.
        token = ":stream_truncated:";
    } else if (ec.category() == tlsio::error_category()) {
        token = std::string(":") + error_name(static_cast<tlsio::error>(ec.value())) + ":";
    } else if (ec.category() == tlsio::alert_category()) {
        // Alerts without a name in tlsio (TLS 1.2's decompression_failure...)
        // by number.
        std::string name = tlsio::alert_name(static_cast<tlsio::alert>(ec.value()));
        if (name.empty() || name.find("unknown") != std::string::npos) {
            name = "alert_" + std::to_string(ec.value());
        }
        token = ":received_" + name + ":";
    } else {
        token = ":transport_error:";
    }
    std::string line = token + " " + ec.message();
    if (!message.empty()) {
        line += " (" + message + ")";
    }
    return line;
}

// ---- The connection ------------------------------------------------------------

class connection {
public:
    connection(int fd, tlsio::engine& e, bool one_byte_io) : fd_(fd), e_(e), tiny_(one_byte_io) {}

    // Sends all pending output. False if the transport failed.
    bool flush() {
        while (!e_.output().empty()) {
            auto out = e_.output();
            std::size_t n = tiny_ ? 1 : out.size();
            ssize_t sent = ::send(fd_, out.data(), n, MSG_NOSIGNAL);
            if (sent < 0 && errno == EINTR) {
                continue;
            }
            if (sent <= 0) {
                return false;
            }
            e_.consume_output(static_cast<std::size_t>(sent));
        }
        return true;
    }

    // Runs `op` until it no longer waits for the transport. Output is sent
    // after every call, also on error (it may hold an alert).
    template <class Op>
    tlsio::status drive(Op op) {
        for (;;) {
            tlsio::status s = op();
            if (!flush() && s != tlsio::status::error) {
                fail(":transport_error: write failed: " + std::string(std::strerror(errno)));
            }
            if (s == tlsio::status::want_write) {
                continue;
            }
            if (s != tlsio::status::want_read) {
                return s;
            }
            auto space = e_.input_space();
            std::size_t want = tiny_ ? 1 : space.size();
            ssize_t got = ::recv(fd_, space.data(), want, 0);
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got < 0) {
                fail(":transport_error: read failed: " + std::string(std::strerror(errno)));
            }
            if (got == 0) {
                e_.commit_eof();
            } else {
                e_.commit_input(static_cast<std::size_t>(got));
            }
        }
    }

    [[noreturn]] void fail_engine(const char* during) {
        fail(describe(e_.error(), e_.error_message()) + " [during " + during + "]");
    }

    void handshake() {
        if (drive([&] { return e_.handshake(); }) != tlsio::status::done) {
            fail_engine("handshake");
        }
    }

    void write_all(std::span<const std::uint8_t> data) {
        while (!data.empty()) {
            std::size_t n = 0;
            if (drive([&] { return e_.write(data, n); }) != tlsio::status::done) {
                fail_engine("write");
            }
            data = data.subspan(n);
        }
    }

    // Bytes read; 0 once the peer sent close_notify, or with `eof_ends`
    // when the transport ended without it.
    std::size_t read(std::span<std::uint8_t> buffer, bool eof_ends = false) {
        std::size_t n = 0;
        tlsio::status s = drive([&] { return e_.read(buffer, n); });
        if (s == tlsio::status::closed) {
            return 0;
        }
        if (s == tlsio::status::error && eof_ends && e_.error() == tlsio::error::stream_truncated) {
            return 0;
        }
        if (s != tlsio::status::done) {
            fail_engine("read");
        }
        return n;
    }

    void shutdown() {
        if (drive([&] { return e_.shutdown(); }) != tlsio::status::done) {
            fail_engine("shutdown");
        }
    }

    void key_update() {
        if (drive([&] { return e_.key_update(false); }) != tlsio::status::done) {
            fail_engine("key update");
        }
    }

private:
    int fd_;
    tlsio::engine& e_;
    bool tiny_;
};

int connect_to_runner(const config& c) {
    int fd = ::socket(c.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        fail(std::string("socket: ") + std::strerror(errno));
    }
    int rc;
    if (c.ipv6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        a.sin6_port = htons(static_cast<std::uint16_t>(c.port));
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(c.port));
        rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc != 0) {
        fail(std::string("connect: ") + std::strerror(errno));
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::uint8_t id[8];
    for (int i = 0; i < 8; ++i) {
        id[i] = static_cast<std::uint8_t>(c.shim_id >> (8 * i));
    }
    if (::send(fd, id, sizeof id, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof id)) {
        fail(std::string("sending the shim id: ") + std::strerror(errno));
    }
    return fd;
}

// The TLS 1.3 CertificateVerify schemes a private key can sign with.
std::set<int> signable_schemes(const std::string& key_file) {
    using tlsio::signature_scheme;
    std::set<int> out;
    auto add = [&](std::initializer_list<signature_scheme> l) {
        for (signature_scheme s : l) {
            out.insert(static_cast<int>(s));
        }
    };
    BIO* bio = BIO_new_file(key_file.c_str(), "r");
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    if (key == nullptr) {
        unimplemented("private key " + key_file + " that libcrypto does not read");
    }
    char group[64] = "";
    std::size_t group_len = 0;
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA:
            add({signature_scheme::rsa_pss_rsae_sha256, signature_scheme::rsa_pss_rsae_sha384,
                 signature_scheme::rsa_pss_rsae_sha512});
            break;
        case EVP_PKEY_RSA_PSS:
            add({signature_scheme::rsa_pss_pss_sha256, signature_scheme::rsa_pss_pss_sha384,
                 signature_scheme::rsa_pss_pss_sha512});
            break;
        case EVP_PKEY_ED25519:
            add({signature_scheme::ed25519});
            break;
        case EVP_PKEY_EC:
            EVP_PKEY_get_group_name(key, group, sizeof group, &group_len);
            if (std::string_view(group) == "prime256v1") {
                add({signature_scheme::ecdsa_secp256r1_sha256});
            } else if (std::string_view(group) == "secp384r1") {
                add({signature_scheme::ecdsa_secp384r1_sha384});
            } else if (std::string_view(group) == "secp521r1") {
                add({signature_scheme::ecdsa_secp521r1_sha512});
            }
            break;
        default:
            break;
    }
    EVP_PKEY_free(key);
    return out;
}

std::vector<tlsio::signature_scheme> to_schemes(const std::vector<int>& ids) {
    std::vector<tlsio::signature_scheme> out;
    for (int s : ids) {
        if (!known_scheme(s)) {
            unimplemented("signature scheme " + std::to_string(s));
        }
        out.push_back(static_cast<tlsio::signature_scheme>(s));
    }
    return out;
}

// BoringSSL has one list of schemes to sign with (-signing-prefs) and one to
// offer and accept (-verify-prefs); tlsio has one list for both, and signs
// with the first scheme of it that fits its key and the peer. So: a given
// list first, then the defaults that can only serve the other purpose.
std::vector<tlsio::signature_scheme> signature_schemes(const config& c) {
    static const std::vector<int> defaults = {
        0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806,
        0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601,
    };
    if (!c.signing_prefs.empty() && !c.verify_prefs.empty()) {
        return to_schemes(c.signing_prefs);  // equal, see unsupported_reason()
    }
    std::set<int> mine;
    if (!c.key_file.empty()) {
        mine = signable_schemes(c.key_file);
    }
    std::vector<int> list = c.signing_prefs.empty() ? c.verify_prefs : c.signing_prefs;
    for (int s : c.signing_prefs.empty() ? std::vector<int>(mine.begin(), mine.end()) : defaults) {
        // With -signing-prefs: the schemes our key cannot sign with, to verify
        // the peer. With -verify-prefs: the schemes our key signs with.
        bool wanted = c.signing_prefs.empty() || mine.count(s) == 0;
        if (wanted && std::find(list.begin(), list.end(), s) == list.end()) {
            list.push_back(s);
        }
    }
    return to_schemes(list);
}

// `ticket_key`: the server's, the same for every connection of the test so
// that each one opens the tickets of the one before (BoringSSL's shim copies
// its keys from one SSL_CTX to the next).
tlsio::context make_context(const config& c, const tlsio::context::ticket_key& ticket_key) {
    tlsio::context ctx;
    auto [lo, hi] = *version_range(c);  // unsupported_reason() checked it
    ctx.set_protocol_versions(static_cast<tlsio::protocol_version>(lo),
                              static_cast<tlsio::protocol_version>(hi));
    if (std::string why; !c.cipher.empty()) {
        ctx.set_cipher_suites(*tls12_suites(c.cipher, why));
    }
    boost::system::error_code ec;
    if (!c.cert_file.empty() || !c.key_file.empty()) {
        if (c.cert_file.empty() || c.key_file.empty()) {
            unimplemented("a certificate without its key, or a key without its certificate");
        }
        ctx.use_certificate_chain_file(c.cert_file, ec);
        if (!ec) {
            ctx.use_private_key_file(c.key_file, ec);
        }
        if (ec) {
            // Key types tlsio does not load (the runner's P-224 key, ...).
            unimplemented("credential " + c.cert_file + ": " + ec.message());
        }
    }
    if (!c.trust_cert.empty()) {
        ctx.load_verify_file(c.trust_cert, ec);
        if (ec) {
            fail(":key_load_failed: " + c.trust_cert + ": " + ec.message());
        }
    }

    int mode = tlsio::verify_none;
    if (c.require_any_client_certificate) {
        mode = tlsio::verify_peer | tlsio::verify_fail_if_no_peer_cert;
    }
    if (c.verify_peer) {
        mode = tlsio::verify_peer;
    }
    ctx.set_verify_mode(mode);
    // As BoringSSL's shim: the runner's certificates are not a chain to
    // validate (they are self-signed test certificates for many names); the
    // check under test is whether a verify callback's refusal fails the
    // handshake.
    bool refuse = c.verify_fail;
    ctx.set_verify_callback([refuse](bool, tlsio::verify_context&) { return !refuse; });

    if (!c.curves.empty()) {
        std::vector<tlsio::named_group> groups;
        for (int g : c.curves) {
            if (!known_group(g)) {
                unimplemented("group " + std::to_string(g));
            }
            groups.push_back(static_cast<tlsio::named_group>(g));
        }
        ctx.set_groups(groups);
    }

    if (!c.signing_prefs.empty() || !c.verify_prefs.empty()) {
        ctx.set_signature_schemes(signature_schemes(c));
    }
    if (c.server) {
        // -no-ticket (SSL_OP_NO_TICKET): no tickets sent and none accepted;
        // a context without ticket keys does both.
        ctx.set_ticket_keys(c.no_ticket ? std::vector<tlsio::context::ticket_key>{}
                                        : std::vector<tlsio::context::ticket_key>{ticket_key});
    }
    return ctx;
}

// -ticket-key: BoringSSL's 48 bytes (a 16-byte name, then 32 bytes of key
// material, which tlsio uses as its AES-256-GCM key); a random key without it.
tlsio::context::ticket_key make_ticket_key(const config& c) {
    tlsio::context::ticket_key key;
    if (c.ticket_key.empty()) {
        if (RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) != 1 ||
            RAND_bytes(key.key.data(), static_cast<int>(key.key.size())) != 1) {
            fail("RAND_bytes failed");
        }
        return key;
    }
    std::vector<std::uint8_t> raw = base64_decode(c.ticket_key);
    if (raw.size() != key.name.size() + key.key.size()) {
        fail("invalid -ticket-key: " + std::to_string(raw.size()) + " bytes, wanted 48");
    }
    std::copy_n(raw.begin(), key.name.size(), key.name.begin());
    std::copy_n(raw.begin() + static_cast<std::ptrdiff_t>(key.name.size()), key.key.size(),
                key.key.begin());
    return key;
}

// The -expect-* checks on a finished handshake; a failure ends the program.
void check_handshake(const config& c, const tlsio::engine& e) {
    auto hex = [](unsigned v) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%04x", v);
        return std::string(buf);
    };
    if (c.expect_version != 0 && static_cast<int>(e.version()) != c.expect_version) {
        fail("version mismatch: got " + hex(static_cast<unsigned>(e.version())));
    }
    if (c.expect_cipher != 0 && static_cast<int>(e.cipher_suite()) != c.expect_cipher) {
        fail("cipher mismatch: got " + hex(static_cast<unsigned>(e.cipher_suite())) + ", wanted " +
             hex(static_cast<unsigned>(c.expect_cipher)));
    }
    // tlsio prefers AES-GCM whatever the hardware, as BoringSSL does with AES
    // instructions: the -expect-cipher-aes expectation is the one that holds.
    if (c.expect_cipher_aes != 0 && static_cast<int>(e.cipher_suite()) != c.expect_cipher_aes) {
        fail("cipher mismatch: got " + hex(static_cast<unsigned>(e.cipher_suite())) + ", wanted " +
             hex(static_cast<unsigned>(c.expect_cipher_aes)));
    }
    if (c.expect_curve_id != 0 && static_cast<int>(e.group()) != c.expect_curve_id) {
        fail("curve mismatch: got " + hex(static_cast<unsigned>(e.group())));
    }
    // A resumption has no CertificateVerify: tlsio reports no scheme where
    // BoringSSL repeats the original connection's, so only a full handshake
    // is checked.
    if (c.expect_peer_signature_algorithm != 0 && !e.session_reused() &&
        static_cast<int>(e.peer_signature_scheme()) != c.expect_peer_signature_algorithm) {
        fail("peer signature algorithm mismatch: got " +
             hex(static_cast<unsigned>(e.peer_signature_scheme())));
    }
    if (!c.expect_alpn.empty() && e.alpn_protocol() != c.expect_alpn) {
        fail("ALPN mismatch: got '" + std::string(e.alpn_protocol()) + "', wanted '" +
             c.expect_alpn + "'");
    }
    if (!c.expect_server_name.empty() && e.server_name() != c.expect_server_name) {
        fail("server name mismatch: got '" + std::string(e.server_name()) + "', wanted '" +
             c.expect_server_name + "'");
    }
    if (c.expect_hrr && !e.used_hello_retry_request()) {
        fail("expected a HelloRetryRequest");
    }
    if (c.expect_no_hrr && e.used_hello_retry_request()) {
        fail("unexpected HelloRetryRequest");
    }
    if (c.expect_verify_result && e.verify_result() != 0) {
        fail("verify result " + std::to_string(e.verify_result()) + ", expected 0");
    }
    if (!c.expect_peer_cert_file.empty() &&
        e.peer_certificates() != pem_certificates(read_file(c.expect_peer_cert_file))) {
        fail("peer certificate chain mismatch");
    }
}

// A server's checks of what the client offered (nullopt: no callback ran).
void check_offered(const config& c, const std::optional<tlsio::client_hello_info>& offered) {
    if (c.expect_advertised_alpn.empty() && c.expect_peer_verify_prefs.empty()) {
        return;
    }
    if (!offered) {
        fail("the ClientHello callback did not run");
    }
    if (!c.expect_advertised_alpn.empty() &&
        offered->alpn_protocols != parse_alpn_list(c.expect_advertised_alpn)) {
        fail("advertised ALPN protocols differ from -expect-advertised-alpn");
    }
    if (!c.expect_peer_verify_prefs.empty()) {
        std::vector<int> got;
        for (tlsio::signature_scheme s : offered->signature_schemes) {
            got.push_back(static_cast<int>(s));
        }
        if (got != c.expect_peer_verify_prefs) {
            fail("peer signature algorithms differ from -expect-peer-verify-pref");
        }
    }
}

// One connection to the runner with the flags of `c`: handshake, checks,
// echo, close. A client offers `offer` (the session of the connection
// before, on a resumption) and returns the session the server's tickets gave.
struct connection_result {
    tlsio::session session;  // the client's, from the server's tickets
    tlsio::protocol_version version = tlsio::protocol_version::tls13;
};

connection_result run_connection(const config& c, tlsio::context& ctx, bool is_resume,
                                 const tlsio::session& offer) {
    tlsio::engine_options options;
    if (!c.server) {
        options.server_name = c.host_name;
        // BoringSSL checks no host name unless asked to; the runner's
        // certificates name none of the hosts its tests use.
        options.verify_host = false;
        options.alpn_protocols = parse_alpn_list(c.advertise_alpn);
        options.session = offer;
    } else if (!c.select_alpn.empty() && !c.decline_alpn) {
        options.alpn_protocols = {c.select_alpn};
    }
    // What the ClientHello offered, for the server's -expect-advertised-alpn
    // and -expect-peer-verify-pref.
    std::optional<tlsio::client_hello_info> offered;
    if (c.server && (!c.expect_advertised_alpn.empty() || !c.expect_peer_verify_prefs.empty())) {
        options.client_hello = [&offered](const tlsio::client_hello_info& hello) {
            offered = hello;
            return std::optional<tlsio::client_hello_answer>(tlsio::client_hello_answer{});
        };
    }
    tlsio::engine e(ctx, c.server ? tlsio::role::server : tlsio::role::client, options);

    int fd = connect_to_runner(c);
    connection conn(fd, e, c.async);
    // As BoringSSL's shim: a resumption is expected on every connection but
    // the first, unless -expect-session-miss says the server declines it.
    auto check = [&] {
        check_handshake(c, e);
        check_offered(c, offered);
        const bool expect_resume = is_resume && !c.expect_session_miss;
        if (e.session_reused() != expect_resume) {
            fail(std::string("session unexpectedly was") + (e.session_reused() ? "" : " not") +
                 " reused");
        }
    };

    if (!c.implicit_handshake) {
        conn.handshake();
        check();
        if (c.handshake_twice || c.no_op_extra_handshake) {
            conn.handshake();
        }
    }
    if (c.key_update) {
        if (c.implicit_handshake) {
            unimplemented("-key-update with -implicit-handshake");
        }
        conn.key_update();
    }
    if (c.shim_writes_first) {
        static constexpr std::string_view hello = "hello";
        conn.write_all({reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()});
    }

    // The session the tickets gave, taken (as BoringSSL's shim does) before
    // shutting down: TLS 1.3 tickets come after the handshake, with the
    // reads, so a client that read until the end has one unless the test
    // says the server sends none, and one that shuts down first has none.
    auto take_session = [&] {
        if (c.server) {
            return tlsio::session();
        }
        tlsio::session s = e.session();
        // TLS 1.3 tickets come after the handshake, which a shim that shuts
        // down first never reads; a TLS 1.2 session is there at once.
        const bool expect_new_session =
            !c.expect_no_session &&
            !(c.shim_shuts_down && e.version() == tlsio::protocol_version::tls13);
        if (expect_new_session != !s.empty()) {
            fail(std::string("new session was") + (s.empty() ? " not" : "") +
                 " cached, but we expected the opposite");
        }
        return s;
    };
    tlsio::session got;
    bool checked = !c.implicit_handshake;
    if (c.shim_shuts_down) {
        if (!checked) {
            conn.handshake();
            check();
        }
        got = take_session();
        conn.shutdown();
        if (c.check_close_notify) {
            // Wait for the peer's close_notify; data before it is an error.
            std::uint8_t byte[1];
            if (conn.read(byte) != 0) {
                fail(":application_data_on_shutdown: data after our close_notify");
            }
        }
    } else {
        // Echo until the peer closes. 512 bytes at a time by default, so one
        // record may take several reads.
        std::vector<std::uint8_t> buffer(c.read_size > 0 ? static_cast<std::size_t>(c.read_size)
                                                         : 512);
        for (;;) {
            // As BoringSSL's shim, stop at a clean or an unclean end.
            std::size_t n = conn.read(buffer, true);
            if (!checked) {
                check();
                checked = true;
            }
            if (n == 0) {
                break;
            }
            for (std::size_t i = 0; i < n; ++i) {
                buffer[i] ^= 0xff;
            }
            conn.write_all({buffer.data(), n});
        }
        got = take_session();
        if (c.check_close_notify) {
            conn.shutdown();
        }
    }
    ::close(fd);
    return {got, e.version()};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string_view(argv[1]) == "-is-handshaker-supported") {
        std::printf("No\n");  // no split handshake in tlsio
        return exit_ok;
    }
    configs all = parse(argc, argv);
    if (std::string why = unsupported_reason(all.initial); !why.empty()) {
        unimplemented(why);
    }
    const tlsio::context::ticket_key ticket_key = make_ticket_key(all.initial);

    connection_result last;
    for (int i = 0; i <= all.initial.resume_count; ++i) {
        const bool is_resume = i > 0;
        const config& c = is_resume ? all.resume : all.initial;
        if (all.initial.resume_count > 0) {
            connection_label = " (connection " + std::to_string(i + 1) + ")";
        }
        // A resuming connection that asks for what tlsio lacks ends the test
        // here, after the first connection ran: a failure there still shows.
        if (std::string why = unsupported_reason(c); is_resume && !why.empty()) {
            unimplemented(why);
        }
        if (is_resume && !c.server && last.session.empty()) {
            fail("no session to offer");
        }
        // A context per connection, as BoringSSL's shim: -on-resume- flags
        // may change its settings.
        tlsio::context ctx = make_context(c, ticket_key);
        last = run_connection(c, ctx, is_resume, last.session);
    }
    return exit_ok;
}
