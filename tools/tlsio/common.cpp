//
// tools/tlsio/common.cpp
//
#include "common.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <ostream>

namespace tlsio_cli {
namespace {

template <typename T, void (*Free)(T*)>
struct deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string name_text(const X509_NAME* name) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        return "?";
    }
    return bio_contents(bio.get());
}

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("libcrypto: ") + what + " failed");
    }
}

void add_extension(X509* cert, int nid, const char* value) {
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    int added = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(added == 1, "X509_add_ext");
}

// One file that many connections (and threads) append lines to.
class keylog_file {
public:
    explicit keylog_file(const std::string& path) : out_(path, std::ios::app) {
        if (!out_) {
            throw std::runtime_error("cannot open key log file '" + path + "'");
        }
    }
    void write(std::string_view line) {
        std::lock_guard<std::mutex> lock(mutex_);
        out_ << line << '\n';
        out_.flush();
    }

private:
    std::mutex mutex_;
    std::ofstream out_;
};

}  // namespace

std::string arguments::value(std::string_view option) {
    if (done()) {
        throw usage_error(std::string(option) + " needs a value");
    }
    return next();
}

std::vector<std::string> split_list(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return out;
}

std::vector<tlsio::cipher_suite> parse_cipher_suites(std::string_view list) {
    constexpr std::array all{
        tlsio::cipher_suite::aes_128_gcm_sha256, tlsio::cipher_suite::aes_256_gcm_sha384,
        tlsio::cipher_suite::chacha20_poly1305_sha256, tlsio::cipher_suite::aes_128_ccm_sha256};
    std::vector<tlsio::cipher_suite> out;
    for (const std::string& item : split_list(list)) {
        auto it = std::find_if(all.begin(), all.end(), [&](tlsio::cipher_suite s) {
            return iequals(item, tlsio::name(s));
        });
        if (it == all.end()) {
            throw usage_error("unknown cipher suite '" + item +
                              "' (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, "
                              "TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256)");
        }
        out.push_back(*it);
    }
    if (out.empty()) {
        throw usage_error("empty cipher suite list");
    }
    return out;
}

std::vector<tlsio::cipher_suite> parse_tls12_cipher_suites(std::string_view list) {
    constexpr std::array all{tlsio::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256,
                             tlsio::cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384,
                             tlsio::cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256,
                             tlsio::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256,
                             tlsio::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384,
                             tlsio::cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256};
    std::string items(list);
    std::replace(items.begin(), items.end(), ':', ',');
    std::vector<tlsio::cipher_suite> out;
    for (const std::string& item : split_list(items)) {
        auto it = std::find_if(all.begin(), all.end(), [&](tlsio::cipher_suite s) {
            return iequals(item, tlsio::openssl_name(s)) || iequals(item, tlsio::name(s));
        });
        if (it == all.end()) {
            std::string hint =
                item.rfind("TLS_AES", 0) == 0 || item.rfind("TLS_CHACHA", 0) == 0
                    ? " (a TLS 1.3 suite: use --ciphersuites)"
                    : " (ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES256-GCM-SHA384, "
                      "ECDHE-ECDSA-CHACHA20-POLY1305 and their ECDHE-RSA forms; "
                      "tlsio has no CBC, RSA key exchange or DHE suites)";
            throw usage_error("unknown TLS 1.2 cipher suite '" + item + "'" + hint);
        }
        out.push_back(*it);
    }
    if (out.empty()) {
        throw usage_error("empty cipher list");
    }
    return out;
}

namespace {

tlsio::protocol_version parse_version(const std::string& text) {
    if (iequals(text, "TLSv1.2") || text == "1.2" || iequals(text, "tls1_2")) {
        return tlsio::protocol_version::tls12;
    }
    if (iequals(text, "TLSv1.3") || text == "1.3" || iequals(text, "tls1_3")) {
        return tlsio::protocol_version::tls13;
    }
    throw usage_error("unknown protocol version '" + text +
                      "' (TLSv1.2 or TLSv1.3; tlsio speaks no older version)");
}

}  // namespace

const char* const version_usage =
    "  --tls1_2, --tls1_3       that version only (default: TLS 1.2 and 1.3)\n"
    "  --min-version V, --max-version V\n"
    "                           V: TLSv1.2 or TLSv1.3\n"
    "  --ciphers LIST           TLS 1.2 suites by OpenSSL name, ':'-separated, e.g.\n"
    "                           ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305\n"
    "  --ciphersuites LIST      TLS 1.3 suites, e.g. TLS_AES_128_GCM_SHA256\n";

bool version_options::parse(const std::string& option, arguments& args) {
    if (option == "--tls1_2" || option == "-tls1_2" || option == "--tls1_3" ||
        option == "-tls1_3") {
        auto v = option.ends_with("1_2") ? tlsio::protocol_version::tls12
                                         : tlsio::protocol_version::tls13;
        if ((min && *min != v) || (max && *max != v)) {
            throw usage_error("give one of --tls1_2, --tls1_3, or --min-version/--max-version");
        }
        min = max = v;
    } else if (option == "--min-version" || option == "-min_protocol") {
        min = parse_version(args.value(option));
    } else if (option == "--max-version" || option == "-max_protocol") {
        max = parse_version(args.value(option));
    } else if (option == "--ciphers" || option == "-cipher") {
        ciphers = args.value(option);
        parse_tls12_cipher_suites(ciphers);  // a bad name fails now
    } else {
        return false;
    }
    return true;
}

void version_options::apply(tlsio::context& ctx) const {
    const auto lo = min.value_or(tlsio::protocol_version::tls12);
    const auto hi = max.value_or(tlsio::protocol_version::tls13);
    if (lo > hi) {
        throw usage_error("--min-version is above --max-version");
    }
    ctx.set_protocol_versions(lo, hi);
    if (!ciphers.empty()) {
        if (lo == tlsio::protocol_version::tls13) {
            throw usage_error("--ciphers names TLS 1.2 suites, and TLS 1.2 is off");
        }
        ctx.set_cipher_suites(parse_tls12_cipher_suites(ciphers));
    }
}

std::vector<tlsio::named_group> parse_groups(std::string_view list) {
    struct alias {
        const char* name;
        tlsio::named_group group;
    };
    constexpr std::array aliases{
        alias{"X25519MLKEM768", tlsio::named_group::x25519_mlkem768},
        alias{"SecP256r1MLKEM768", tlsio::named_group::secp256r1_mlkem768},
        alias{"SecP384r1MLKEM1024", tlsio::named_group::secp384r1_mlkem1024},
        alias{"x25519", tlsio::named_group::x25519},
        alias{"secp256r1", tlsio::named_group::secp256r1},
        alias{"P-256", tlsio::named_group::secp256r1},
        alias{"prime256v1", tlsio::named_group::secp256r1},
        alias{"secp384r1", tlsio::named_group::secp384r1},
        alias{"P-384", tlsio::named_group::secp384r1},
        alias{"x448", tlsio::named_group::x448},
        alias{"secp521r1", tlsio::named_group::secp521r1},
        alias{"P-521", tlsio::named_group::secp521r1},
        alias{"ffdhe2048", tlsio::named_group::ffdhe2048},
        alias{"ffdhe3072", tlsio::named_group::ffdhe3072},
        alias{"ffdhe4096", tlsio::named_group::ffdhe4096},
        alias{"ffdhe6144", tlsio::named_group::ffdhe6144},
        alias{"ffdhe8192", tlsio::named_group::ffdhe8192},
    };
    std::vector<tlsio::named_group> out;
    for (const std::string& item : split_list(list)) {
        auto it = std::find_if(aliases.begin(), aliases.end(),
                               [&](const alias& a) { return iequals(item, a.name); });
        if (it == aliases.end()) {
            throw usage_error("unknown group '" + item +
                              "' (X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, "
                              "x25519, secp256r1, secp384r1, x448, secp521r1, "
                              "ffdhe2048 ... ffdhe8192)");
        }
        out.push_back(it->group);
    }
    if (out.empty()) {
        throw usage_error("empty group list");
    }
    return out;
}

void split_host_port(std::string_view text, std::string& host, std::string& port) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        throw usage_error("expected HOST:PORT, got '" + std::string(text) + "'");
    }
    host = std::string(text.substr(0, colon));
    port = std::string(text.substr(colon + 1));
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
}

void install_keylog(tlsio::context& ctx, const std::string& path) {
    std::vector<std::shared_ptr<keylog_file>> files;
    if (!path.empty()) {
        files.push_back(std::make_shared<keylog_file>(path));
    }
    const char* env = std::getenv("SSLKEYLOGFILE");
    if (env != nullptr && *env != '\0' && path != env) {
        files.push_back(std::make_shared<keylog_file>(env));
    }
    if (files.empty()) {
        return;
    }
    ctx.set_keylog_callback([files = std::move(files)](std::string_view line) {
        for (const auto& f : files) {
            f->write(line);
        }
    });
}

void print_chain(std::ostream& out, const std::vector<std::vector<std::uint8_t>>& chain) {
    out << "Certificate chain\n";
    if (chain.empty()) {
        out << " (none)\n";
    }
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const unsigned char* p = chain[i].data();
        x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(chain[i].size())));
        if (!cert) {
            out << ' ' << i << " (does not parse)\n";
            continue;
        }
        out << ' ' << i << " s:" << name_text(X509_get_subject_name(cert.get())) << '\n'
            << "   i:" << name_text(X509_get_issuer_name(cert.get())) << '\n';
    }
}

void print_parameters(std::ostream& out, const tlsio::engine& e) {
    out << "Protocol: " << tlsio::name(e.version()) << '\n'
        << "Cipher suite: " << tlsio::name(e.cipher_suite());
    // TLS 1.2 suites are known by OpenSSL's names too (openssl -cipher, curl).
    if (std::string_view(tlsio::name(e.cipher_suite())) != tlsio::openssl_name(e.cipher_suite())) {
        out << " (" << tlsio::openssl_name(e.cipher_suite()) << ')';
    }
    out << '\n' << "Group: " << tlsio::name(e.group()) << '\n';
    if (e.get_role() == tlsio::role::client || !e.peer_certificates().empty()) {
        // A resumed handshake has no CertificateVerify (nor ServerKeyExchange).
        out << "Peer signature scheme: "
            << (e.session_reused() ? "none (resumed)" : tlsio::name(e.peer_signature_scheme()))
            << '\n';
    }
    if (auto own = e.signature_scheme()) {
        out << "Signature scheme: " << tlsio::name(*own) << '\n';
    }
    out << "ALPN: " << (e.alpn_protocol().empty() ? "none" : e.alpn_protocol()) << '\n'
        << "SNI: " << (e.server_name().empty() ? "none" : e.server_name()) << '\n'
        << "HelloRetryRequest: " << (e.used_hello_retry_request() ? "yes" : "no") << '\n'
        << "Resumed: " << (e.session_reused() ? "yes" : "no") << '\n';
}

std::string verify_result_text(long result) {
    if (result == X509_V_OK) {
        return "OK";
    }
    return std::string(X509_verify_cert_error_string(result)) + " (" + std::to_string(result) + ")";
}

std::string what_tlsio_supports(const boost::system::error_code& ec, const tlsio::engine* e) {
    const char* peer = "the peer";
    if (e != nullptr) {
        peer = e->get_role() == tlsio::role::client ? "the server" : "the client";
    }
    const std::string who = peer;
    if (ec == tlsio::alert::protocol_version || ec == tlsio::error::protocol_version) {
        return "no protocol version in common: tlsio speaks TLS 1.2 and 1.3 (narrowed by "
               "--tls1_2, --tls1_3, --min-version, --max-version); " +
               who + " may want an older one, which tlsio does not speak";
    }
    if (ec == tlsio::alert::handshake_failure || ec == tlsio::error::handshake_failure ||
        ec == tlsio::alert::insufficient_security) {
        return who +
               " found no parameters in common; tlsio offers TLS 1.3 with the cipher suites "
               "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, "
               "TLS 1.2 with ECDHE-ECDSA / ECDHE-RSA and AES-GCM or ChaCha20-Poly1305, "
               "the groups X25519MLKEM768, x25519, secp256r1, secp384r1 and ECDSA, RSA-PSS, "
               "RSA PKCS#1 (TLS 1.2), Ed25519 signatures (no CBC, no DHE, no RSA key exchange); "
               "in TLS 1.2 an ECDSA certificate's curve must also be among --groups";
    }
    if (ec == tlsio::alert::no_application_protocol ||
        ec == tlsio::error::no_application_protocol) {
        return "no ALPN protocol in common; check --alpn on both sides";
    }
    if (ec == tlsio::alert::certificate_required || ec == tlsio::error::certificate_required) {
        return who == "the server" ? "the server wants a client certificate: give --cert and --key"
                                   : "";
    }
    return {};
}

std::string describe_error(const boost::system::error_code& ec, const tlsio::engine* e) {
    std::string text = ec.message();
    if (e != nullptr && e->error() && e->error() == ec && !e->error_message().empty()) {
        text = e->error_message();
    }
    if (std::string hint = what_tlsio_supports(ec, e); !hint.empty()) {
        text += ": " + hint;
    }
    return text;
}

void check_file(const boost::system::error_code& ec, const char* what, const std::string& path) {
    if (ec) {
        throw std::runtime_error(std::string(what) + " '" + path + "': " + ec.message());
    }
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

credential make_self_signed(const std::string& host) {
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");

    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    BIGNUM* serial = BN_new();  // random, positive, 120 bits
    bool serial_ok = serial != nullptr &&
                     BN_rand(serial, 120, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
                     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(serial);
    check(serial_ok, "serial number");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
    check(X509_set_issuer_name(cert.get(), name) == 1, "X509_set_issuer_name");
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    add_extension(cert.get(), NID_subject_alt_name, ("DNS:" + host).c_str());
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    credential out;
    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    check(cert_bio && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
    out.certificate_pem = bio_contents(cert_bio.get());
    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    check(key_bio && PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0,
                                              nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    out.private_key_pem = bio_contents(key_bio.get());
    return out;
}

}  // namespace tlsio_cli
