//
// tools/tlsio/common.hpp: what the client, server and demo modes of the
// tlsio tool share: argument parsing, key logging, printing a session.
//
#ifndef TLSIO_TOOLS_COMMON_HPP
#define TLSIO_TOOLS_COMMON_HPP

#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tlsio_cli {

/// A bad command line; main() prints it with the usage hint and exits 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Walks argv: `next()` gives the next argument, `value(opt)` the value an
/// option needs (or throws usage_error).
class arguments {
public:
    arguments(int argc, char** argv, int first) : argc_(argc), argv_(argv), at_(first) {}
    bool done() const { return at_ >= argc_; }
    std::string next() { return argv_[at_++]; }
    std::string value(std::string_view option);

private:
    int argc_;
    char** argv_;
    int at_;
};

/// "a,b,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(std::string_view list);

/// Cipher suites by IANA name ("TLS_AES_128_GCM_SHA256"), case-insensitive.
std::vector<tlsio::cipher_suite> parse_cipher_suites(std::string_view list);
/// Groups by name: x25519, secp256r1 (P-256, prime256v1), secp384r1 (P-384).
std::vector<tlsio::named_group> parse_groups(std::string_view list);
/// TLS 1.2 cipher suites by OpenSSL name ("ECDHE-ECDSA-AES128-GCM-SHA256") or
/// IANA name, separated by ':' or ',' (openssl's -cipher, names only).
std::vector<tlsio::cipher_suite> parse_tls12_cipher_suites(std::string_view list);

/// The version options both modes share, as openssl's s_client / s_server:
/// --tls1_2, --tls1_3 (that version only), --min-version / --max-version V
/// (V: TLSv1.2, TLSv1.3, 1.2 or 1.3) and --ciphers LIST (TLS 1.2 suites).
struct version_options {
    std::optional<tlsio::protocol_version> min;
    std::optional<tlsio::protocol_version> max;
    std::string ciphers;

    /// Consumes `option` (and its value) when it is one of these; false
    /// otherwise. Throws usage_error on a bad value.
    bool parse(const std::string& option, arguments& args);
    /// Applies them to `ctx` (default: TLS 1.2 and 1.3). Throws usage_error
    /// when the range is empty.
    void apply(tlsio::context& ctx) const;
};

/// The help text lines of version_options.
extern const char* const version_usage;

/// "host:port", "[v6]:port" -> host and port. Throws usage_error.
void split_host_port(std::string_view text, std::string& host, std::string& port);

/// Appends NSS key-log lines to `path` (when non-empty) and to the file named
/// by SSLKEYLOGFILE (when set and different).
void install_keylog(tlsio::context& ctx, const std::string& path);

/// The peer's chain, one "N s:subject" and "  i:issuer" pair per certificate,
/// parsed from the engine's DER with libcrypto.
void print_chain(std::ostream& out, const std::vector<std::vector<std::uint8_t>>& chain);

/// What was negotiated, one "Name: value" line each (Protocol, Cipher suite,
/// Group, Peer signature scheme, ALPN, SNI, HelloRetryRequest).
void print_parameters(std::ostream& out, const tlsio::engine& e);

/// "OK" or libcrypto's text for an X509_V_* code, with the code.
std::string verify_result_text(long result);

/// When a failure means the peer wants something tlsio does not do (TLS 1.2,
/// parameters it lacks), what tlsio supports, e.g. "the server supports only
/// TLS 1.2 or older; tlsio speaks TLS 1.3". Empty otherwise.
std::string what_tlsio_supports(const boost::system::error_code& ec, const tlsio::engine* e);

/// The one-line reason for a failure: the engine's own message when the error
/// came from it, else the error_code's message; then what_tlsio_supports.
std::string describe_error(const boost::system::error_code& ec, const tlsio::engine* e);

/// A PEM certificate and private key.
struct credential {
    std::string certificate_pem;
    std::string private_key_pem;
};

/// A fresh self-signed ECDSA P-256 certificate for `host` (CN and DNS SAN),
/// valid from an hour ago for a day, made with libcrypto.
credential make_self_signed(const std::string& host);

/// Throws std::runtime_error "WHAT 'PATH': reason" when `ec` is set.
void check_file(const boost::system::error_code& ec, const char* what, const std::string& path);

/// HTML-escapes `text` (&, <, >, ").
std::string html_escape(std::string_view text);

// ---- The modes (client.cpp, server.cpp, demo.cpp); each returns the exit status.

int run_client(arguments& args);
int run_server(arguments& args);
int run_demo(arguments& args);

}  // namespace tlsio_cli

#endif
