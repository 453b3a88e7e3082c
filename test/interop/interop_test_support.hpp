//
// test/interop/interop_test_support.hpp: Boost.Test glue shared by the interop
// test executables (include it once per executable, after the Boost.Test header).
//
#ifndef TLSIO_TEST_INTEROP_INTEROP_TEST_SUPPORT_HPP
#define TLSIO_TEST_INTEROP_INTEROP_TEST_SUPPORT_HPP

#include "openssl_peers.hpp"
#include "peer_process.hpp"
#include "socket_driver.hpp"
#include "test_pki.hpp"

#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>

#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#ifndef TLSIO_OPENSSL_EXECUTABLE
#define TLSIO_OPENSSL_EXECUTABLE ""
#endif

namespace tlsio {
// Boost.Test prints data-test samples and compared values with these.
inline std::ostream& operator<<(std::ostream& os, cipher_suite s) {
    return os << name(s);
}
inline std::ostream& operator<<(std::ostream& os, named_group g) {
    return os << name(g);
}
inline std::ostream& operator<<(std::ostream& os, signature_scheme s) {
    return os << name(s);
}
inline std::ostream& operator<<(std::ostream& os, protocol_version v) {
    return os << name(v);
}
inline std::ostream& operator<<(std::ostream& os, status s) {
    return os << interop::to_string(s);
}
}  // namespace tlsio

namespace tlsio::interop {

/// What every interop test needs: the openssl binary and the test PKI.
struct environment {
    std::string openssl;
    test_pki pki;
};

inline environment& env() {
    static environment e;
    return e;
}

/// The global fixture: finds openssl (a configure-time path, or $TLSIO_OPENSSL),
/// makes the PKI, and removes it at the end. A missing openssl fails the run.
struct global_setup {
    global_setup() {
        ::signal(SIGPIPE, SIG_IGN);
        std::string openssl = TLSIO_OPENSSL_EXECUTABLE;
        if (const char* override_path = std::getenv("TLSIO_OPENSSL"))
            openssl = override_path;
        if (openssl.empty())
            throw std::runtime_error(
                "the openssl command-line tool was not found when CMake configured the "
                "build (TLSIO_OPENSSL_EXECUTABLE is empty); interop tests cannot run");
        if (::access(openssl.c_str(), X_OK) != 0)
            throw std::runtime_error("openssl is not executable: " + openssl);
        std::string version;
        if (run_command({openssl, "version"}, version) != 0)
            throw std::runtime_error("`" + openssl + " version` failed: " + version);
        std::cerr << "interop peer: " << openssl << ": " << version;
        env().openssl = openssl;
        env().pki = make_test_pki(openssl);
    }
    ~global_setup() { remove_test_pki(env().pki); }
    global_setup(const global_setup&) = delete;
    global_setup& operator=(const global_setup&) = delete;
};

/// True once the running test case has a failed assertion.
inline bool current_test_failed() {
    auto id = boost::unit_test::framework::current_test_case().p_id;
    return boost::unit_test::results_collector.results(id).p_assertions_failed > 0;
}

/// Prints a peer's output and trace when the test case fails or throws, so a
/// failing cell shows what openssl saw.
class dump_on_failure {
public:
    dump_on_failure(std::string name, std::function<std::string()> output,
                    std::function<std::string()> trace = {})
        : name_(std::move(name)),
          output_(std::move(output)),
          trace_(std::move(trace)),
          exceptions_(std::uncaught_exceptions()) {}
    ~dump_on_failure() {
        bool throwing = std::uncaught_exceptions() > exceptions_;
        if (!throwing && !current_test_failed())
            return;
        try {
            std::cerr << "----- " << name_ << " output -----\n" << output_() << "\n";
            if (trace_)
                std::cerr << "----- " << name_ << " trace -----\n" << trace_() << "\n";
            std::cerr << "----- end of " << name_ << " -----\n";
        } catch (...) {
        }
    }
    dump_on_failure(const dump_on_failure&) = delete;
    dump_on_failure& operator=(const dump_on_failure&) = delete;

private:
    std::string name_;
    std::function<std::string()> output_;
    std::function<std::string()> trace_;
    int exceptions_;
};

/// Printable data that never starts an s_server/s_client command
/// (they act on lines starting with Q, q, R, r, K, k, C, c, P, S, B).
inline std::string make_payload(std::size_t size, std::uint32_t seed) {
    static constexpr char alphabet[] = "abdefghijlmnopstuvwxyz0123456789-_.";
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string s;
    s.reserve(size);
    for (std::size_t i = 0; i < size; ++i)
        s.push_back((i % 64 == 63) ? '\n' : alphabet[pick(rng)]);
    if (!s.empty())
        s.back() = '\n';
    return s;
}

/// A client context that trusts the test CA.
inline tlsio::context client_context() {
    tlsio::context ctx(tlsio::context::tlsv13_client);
    ctx.load_verify_file(env().pki.ca.cert);
    return ctx;
}

/// A server context with one credential.
inline tlsio::context server_context(const credential_files& cred) {
    tlsio::context ctx(tlsio::context::tlsv13_server);
    ctx.use_certificate_chain_file(cred.cert);
    ctx.use_private_key_file(cred.key);
    return ctx;
}

inline std::vector<std::uint8_t> read_der(const std::string& path) {
    std::string s = read_file(path);
    return {s.begin(), s.end()};
}

/// `openssl` output names of groups and suites.
inline const char* openssl_group_name(tlsio::named_group g) {
    switch (g) {
        case tlsio::named_group::x25519:
            return "X25519";
        case tlsio::named_group::secp256r1:
            return "P-256";
        case tlsio::named_group::secp384r1:
            return "P-384";
        case tlsio::named_group::secp521r1:
            return "P-521";
        case tlsio::named_group::x448:
            return "X448";
        default:
            return tlsio::name(g);  // ffdhe2048 ...
    }
    return "?";
}

/// How `-trace` prints a group in a key_share ("NamedGroup: ecdh_x25519 (29)").
inline const char* trace_group_name(tlsio::named_group g) {
    switch (g) {
        case tlsio::named_group::x25519:
            return "NamedGroup: ecdh_x25519 (29)";
        case tlsio::named_group::secp256r1:
            return "NamedGroup: secp256r1 (P-256) (23)";
        case tlsio::named_group::secp384r1:
            return "NamedGroup: secp384r1 (P-384) (24)";
        case tlsio::named_group::secp521r1:
            return "NamedGroup: secp521r1 (P-521) (25)";
        case tlsio::named_group::x448:
            return "NamedGroup: ecdh_x448 (30)";
        case tlsio::named_group::ffdhe2048:
            return "NamedGroup: ffdhe2048 (256)";
        case tlsio::named_group::ffdhe3072:
            return "NamedGroup: ffdhe3072 (257)";
        case tlsio::named_group::ffdhe4096:
            return "NamedGroup: ffdhe4096 (258)";
        case tlsio::named_group::ffdhe6144:
            return "NamedGroup: ffdhe6144 (259)";
        case tlsio::named_group::ffdhe8192:
            return "NamedGroup: ffdhe8192 (260)";
        case tlsio::named_group::x25519_mlkem768:
        case tlsio::named_group::secp256r1_mlkem768:
        case tlsio::named_group::secp384r1_mlkem1024:
            return "?";  // OpenSSL 3.0 has no ML-KEM hybrids to trace
    }
    return "?";
}

/// How -trace prints a CertificateVerify scheme ("ecdsa_secp256r1_sha256 (0x0403)").
inline std::string trace_scheme_name(tlsio::signature_scheme s) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%04x", static_cast<unsigned>(s));
    return std::string("Signature Algorithm: ") + tlsio::name(s) + " (" + hex + ")";
}

/// NSS key-log lines by label ("CLIENT_TRAFFIC_SECRET_0" -> "<random> <secret>"),
/// hex in lower case, from a file or from our keylog callback's lines.
inline std::map<std::string, std::string> parse_keylog(std::string_view text) {
    std::map<std::string, std::string> out;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string line(text.substr(0, eol));
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty() || line[0] == '#')
            continue;
        std::size_t sp = line.find(' ');
        if (sp == std::string::npos)
            continue;
        std::string rest = line.substr(sp + 1);
        for (auto& c : rest)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' '))
            rest.pop_back();
        out[line.substr(0, sp)] = rest;
    }
    return out;
}

/// The TLS 1.3 traffic secrets both ends must log identically.
inline const std::vector<std::string>& traffic_secret_labels() {
    static const std::vector<std::string> labels = {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    return labels;
}

/// Counts the records of a -trace log in one direction.
inline std::size_t count_records(std::string_view trace, bool sent) {
    return count_occurrences(trace, sent ? "Sent Record\n" : "Received Record\n");
}

/// Every TLS 1.3 cipher suite and key-exchange group tlsio supports.
inline const std::vector<cipher_suite> all_suites = {cipher_suite::aes_128_gcm_sha256,
                                                     cipher_suite::aes_256_gcm_sha384,
                                                     cipher_suite::chacha20_poly1305_sha256};
inline const std::vector<named_group> all_groups = {
    named_group::x25519,    named_group::secp256r1, named_group::secp384r1, named_group::x448,
    named_group::secp521r1, named_group::ffdhe2048, named_group::ffdhe3072, named_group::ffdhe4096,
    named_group::ffdhe6144, named_group::ffdhe8192};

/// How openssl's -trace names a cipher suite.
inline std::string trace_suite(cipher_suite s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "cipher_suite {0x%02X, 0x%02X} %s",
                  static_cast<unsigned>(s) >> 8, static_cast<unsigned>(s) & 0xff, tlsio::name(s));
    return buf;
}

/// The `index`-th message of `type` sent (or received) in a parsed -trace log.
inline const trace_message* first_of(const std::vector<trace_message>& t, bool sent,
                                     std::string_view type, std::size_t index = 0) {
    for (const auto& m : t)
        if (m.sent == sent && m.type == type && index-- == 0)
            return &m;
    return nullptr;
}

inline bool body_has(const trace_message* m, std::string_view text) {
    return m != nullptr && m->body.find(text) != std::string::npos;
}

/// Checks the KeyUpdates in the OpenSSL peer's -trace log after `rounds`
/// updates started by the peer (`peer_initiated`) or by tlsio: the initiator
/// sent `rounds`, each marked update_requested when `requested`, and the other
/// side answered each requested one.
inline void check_key_updates(const std::vector<trace_message>& t, bool peer_initiated, int rounds,
                              bool requested) {
    BOOST_TEST(count_messages(t, peer_initiated, "KeyUpdate") == static_cast<std::size_t>(rounds));
    BOOST_TEST(count_messages(t, !peer_initiated, "KeyUpdate") ==
               static_cast<std::size_t>(requested ? rounds : 0));
    for (const auto& m : t) {
        if (m.type != "KeyUpdate")
            continue;
        bool want_requested = m.sent == peer_initiated && requested;
        BOOST_TEST(m.body.find(want_requested ? "update_requested (1)"
                                              : "update_not_requested (0)") != std::string::npos,
                   (m.sent ? "sent: " : "received: ") << m.body);
    }
}

}  // namespace tlsio::interop

#endif
