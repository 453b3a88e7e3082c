// TLSIO_CTX: methods, credentials, trust, verification, algorithms, ALPN.
#include "errors.hpp"
#include "objects.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>

using tlsio::c_api::push;
using tlsio::c_api::reason;
using tlsio::c_api::secret_string;

namespace {

const tlsio_method_st any_method{0, 0};
const tlsio_method_st client_method{1, 0};
const tlsio_method_st server_method{2, 0};
const tlsio_method_st tls12_method{0, 0x0303};
const tlsio_method_st tls12_client_method{1, 0x0303};
const tlsio_method_st tls12_server_method{2, 0x0303};

struct bio_free {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct x509_free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct pkey_free {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;

secret_string bio_text(BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return n > 0 ? secret_string(data, static_cast<std::size_t>(n)) : secret_string();
}

// Reads a whole file straight into `out`: no stream buffers or intermediate
// strings keep copies of a private key.
bool read_file(const char* path, secret_string& out, const char* func) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        push(tlsio::make_error_code(tlsio::error::key_load_failed), func,
             std::string("cannot open ") + path);
        return false;
    }
    struct stat st {};
    // One byte more than the size, so the end is seen without growing.
    out.assign(::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1
                                                       : std::size_t{4096},
               '\0');
    std::size_t used = 0;
    ssize_t n = 0;
    for (;;) {
        if (used == out.size()) {
            out.resize(out.size() * 2);
        }
        n = ::read(fd, out.data() + used, out.size() - used);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(used);
    if (n < 0) {
        push(tlsio::make_error_code(tlsio::error::key_load_failed), func,
             std::string("cannot read ") + path);
        return false;
    }
    return true;
}

// The first certificate (PEM or DER) of `data`, as PEM.
bool first_cert_pem(const secret_string& data, int type, secret_string& pem) {
    bio_ptr in(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    std::unique_ptr<X509, x509_free> cert(
        type == TLSIO_FILETYPE_ASN1 ? d2i_X509_bio(in.get(), nullptr)
                                    : PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
    bio_ptr out(BIO_new(BIO_s_mem()));
    if (!cert || !out || PEM_write_bio_X509(out.get(), cert.get()) != 1) {
        return false;
    }
    pem = bio_text(out.get());
    return true;
}

bool key_to_pem(EVP_PKEY* key, secret_string& pem) {
    bio_ptr out(BIO_new(BIO_s_mem()));
    if (!out ||
        PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return false;
    }
    pem = bio_text(out.get());
    return true;
}

// Adds the credential once both halves are there. 1 / 0.
int commit_credential(TLSIO_CTX* ctx, const char* func) {
    if (!ctx->pending_chain || !ctx->pending_key) {
        return 1;
    }
    boost::system::error_code ec;
    ctx->context.use_certificate_chain(*ctx->pending_chain, ec);
    if (!ec) {
        ctx->context.use_private_key(*ctx->pending_key, ec);
    }
    ctx->pending_chain.reset();
    ctx->pending_key.reset();
    if (ec) {
        push(ec, func, "the private key does not match the certificate, or does not load");
        return 0;
    }
    ctx->has_credential = true;
    return 1;
}

int set_chain(TLSIO_CTX* ctx, secret_string pem, const char* func) {
    // Check now that it holds a certificate, so the failing call is this one.
    bio_ptr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<X509, x509_free> cert(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();  // PEM's "no start line" when there is none: ours is clearer
    if (!cert) {
        push(tlsio::make_error_code(tlsio::error::key_load_failed), func,
             "no PEM certificate found");
        return 0;
    }
    ctx->pending_chain = std::move(pem);
    return commit_credential(ctx, func);
}

int set_key(TLSIO_CTX* ctx, secret_string pem, const char* func) {
    bio_ptr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    // An encrypted key is opened with SSL_CTX_set_default_passwd_cb's callback
    // (libssl would prompt on the terminal without one; tlsio fails instead).
    std::unique_ptr<EVP_PKEY, pkey_free> key(
        PEM_read_bio_PrivateKey(in.get(), nullptr, ctx->passwd_cb, ctx->passwd_userdata));
    ERR_clear_error();
    if (!key) {
        push(tlsio::make_error_code(tlsio::error::key_load_failed), func,
             ctx->passwd_cb != nullptr
                 ? "no PEM private key found, or the password callback's pass phrase does not "
                   "decrypt it"
                 : "no PEM private key found (an encrypted key needs "
                   "SSL_CTX_set_default_passwd_cb)");
        return 0;
    }
    if (ctx->passwd_cb != nullptr) {
        // Hand the context the key as decrypted, so it needs no callback itself.
        secret_string clear;
        if (!key_to_pem(key.get(), clear)) {
            push(tlsio::make_error_code(tlsio::error::key_load_failed), func);
            return 0;
        }
        pem = std::move(clear);
    }
    ctx->pending_key = std::move(pem);
    return commit_credential(ctx, func);
}

bool parse_suite(std::string_view name, tlsio::cipher_suite& out) {
    if (name == "TLS_AES_128_GCM_SHA256") {
        out = tlsio::cipher_suite::aes_128_gcm_sha256;
    } else if (name == "TLS_AES_256_GCM_SHA384") {
        out = tlsio::cipher_suite::aes_256_gcm_sha384;
    } else if (name == "TLS_CHACHA20_POLY1305_SHA256") {
        out = tlsio::cipher_suite::chacha20_poly1305_sha256;
    } else if (name == "TLS_AES_128_CCM_SHA256") {
        out = tlsio::cipher_suite::aes_128_ccm_sha256;
    } else {
        return false;
    }
    return true;
}

// OpenSSL's group names ("X25519", "P-256", "prime256v1") and the IANA ones
// tlsio::name gives ("x25519", "secp256r1", "ffdhe2048").
bool parse_group(std::string_view name, tlsio::named_group& out) {
    using tlsio::named_group;
    struct alias {
        std::string_view name;
        named_group group;
    };
    static constexpr alias openssl_names[] = {
        {"X25519", named_group::x25519},
        {"P-256", named_group::secp256r1},
        {"prime256v1", named_group::secp256r1},
        {"P-384", named_group::secp384r1},
        {"X448", named_group::x448},
        {"P-521", named_group::secp521r1},
    };
    static constexpr named_group all[] = {named_group::x25519,
                                          named_group::secp256r1,
                                          named_group::secp384r1,
                                          named_group::x448,
                                          named_group::secp521r1,
                                          named_group::ffdhe2048,
                                          named_group::ffdhe3072,
                                          named_group::ffdhe4096,
                                          named_group::ffdhe6144,
                                          named_group::ffdhe8192,
                                          named_group::x25519_mlkem768,
                                          named_group::secp256r1_mlkem768,
                                          named_group::secp384r1_mlkem1024};
    for (const alias& a : openssl_names) {
        if (a.name == name) {
            out = a.group;
            return true;
        }
    }
    for (named_group g : all) {
        if (tlsio::name(g) == name) {
            out = g;
            return true;
        }
    }
    return false;
}

std::vector<std::string_view> split(std::string_view list) {
    std::vector<std::string_view> out;
    while (!list.empty()) {
        std::size_t colon = list.find(':');
        std::string_view item = list.substr(0, colon);
        if (!item.empty()) {
            out.push_back(item);
        }
        list = colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
    }
    return out;
}

// The TLS 1.2 suites with what OpenSSL's cipher-string aliases select them
// by, in OpenSSL's default order (strongest first, ECDSA before RSA).
struct tls12_suite {
    tlsio::cipher_suite suite;
    bool ecdsa;    // else RSA
    int enc;       // 0: AES-128-GCM, 1: AES-256-GCM, 2: ChaCha20-Poly1305
    int strength;  // bits, for @STRENGTH
};
constexpr tls12_suite tls12_suites[] = {
    {tlsio::cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384, true, 1, 256},
    {tlsio::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384, false, 1, 256},
    {tlsio::cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256, true, 2, 256},
    {tlsio::cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256, false, 2, 256},
    {tlsio::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, true, 0, 128},
    {tlsio::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256, false, 0, 128},
};
constexpr std::size_t tls12_count = std::size(tls12_suites);
using suite_set = unsigned;  // bit i: tls12_suites[i]
constexpr suite_set all_tls12 = (1u << tls12_count) - 1;

// The suites one word of a cipher string selects: a suite name or an alias of
// OpenSSL's. Every suite tlsio has is ECDHE, AEAD, TLS 1.2 and "HIGH". Aliases
// of what tlsio lacks (kRSA, DHE, CBC, SHA1, aNULL, ...) select nothing.
suite_set select_word(std::string_view word) {
    suite_set out = 0;
    for (std::size_t i = 0; i < tls12_count; ++i) {
        const tls12_suite& t = tls12_suites[i];
        bool match = word == tlsio::openssl_name(t.suite) || word == "ALL" || word == "DEFAULT" ||
                     word == "HIGH" || word == "ECDHE" || word == "EECDH" || word == "kECDHE" ||
                     word == "kEECDH" || word == "ECDH" || word == "AEAD" || word == "TLSv1.2" ||
                     (t.ecdsa && (word == "aECDSA" || word == "ECDSA")) ||
                     (!t.ecdsa && word == "aRSA") ||
                     (t.enc != 2 && (word == "AES" || word == "AESGCM")) ||
                     (t.enc == 0 && word == "AES128") || (t.enc == 1 && word == "AES256") ||
                     (t.enc == 2 && word == "CHACHA20");
        if (match) {
            out |= 1u << i;
        }
    }
    return out;
}

// OpenSSL's cipher-string rules over tlsio's TLS 1.2 suites: words separated
// by ':', ',', ';' or spaces; "A+B" selects what both select; a word adds
// what it selects (in the default order) to the end of the list, "-" removes
// it, "!" removes it for good, "+" moves it to the end; "@STRENGTH" sorts by
// strength; "@SECLEVEL=n" changes nothing here (every suite is 128 bits or
// more).
std::vector<tlsio::cipher_suite> parse_cipher_list(std::string_view list) {
    std::vector<std::size_t> order;  // indices into tls12_suites
    suite_set killed = 0;
    while (!list.empty()) {
        std::size_t end = list.find_first_of(":,; ");
        std::string_view item = list.substr(0, end);
        list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
        if (item.empty()) {
            continue;
        }
        if (item == "@STRENGTH") {
            std::stable_sort(order.begin(), order.end(), [](std::size_t a, std::size_t b) {
                return tls12_suites[a].strength > tls12_suites[b].strength;
            });
            continue;
        }
        if (item.front() == '@') {
            continue;
        }
        char op = 0;
        if (item.front() == '!' || item.front() == '-' || item.front() == '+') {
            op = item.front();
            item.remove_prefix(1);
        }
        suite_set selected = all_tls12;
        for (std::string_view rest = item; selected != 0;) {
            std::size_t plus = rest.find('+');
            selected &= select_word(rest.substr(0, plus));
            if (plus == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(plus + 1);
        }
        auto in = [selected](std::size_t i) { return (selected & (1u << i)) != 0; };
        if (op == '!' || op == '-') {
            std::erase_if(order, in);
            if (op == '!') {
                killed |= selected;
            }
        } else if (op == '+') {
            std::stable_partition(order.begin(), order.end(),
                                  [&](std::size_t i) { return !in(i); });
        } else {
            for (std::size_t i = 0; i < tls12_count; ++i) {
                if (in(i) && (killed & (1u << i)) == 0 &&
                    std::find(order.begin(), order.end(), i) == order.end()) {
                    order.push_back(i);
                }
            }
        }
    }
    std::vector<tlsio::cipher_suite> out;
    for (std::size_t i : order) {
        out.push_back(tls12_suites[i].suite);
    }
    return out;
}

}  // namespace

namespace tlsio::c_api {

// SSL_CTX_ / SSL_set_min/max_proto_version: libssl takes SSL3_VERSION ..
// TLS1_3_VERSION or 0 ("no bound") and refuses the rest. 1 / 0.
int set_version_bound(int* bound, int version, const char* func) {
    if (bound == nullptr) {
        push(reason::null_argument, func);
        return 0;
    }
    if (version != 0 && (version < 0x0300 || version > 0x0304)) {
        push(reason::bad_value, func, "unknown protocol version");
        return 0;
    }
    *bound = version;
    return 1;
}

// ALPN wire format -> names; false when malformed or empty.
bool parse_alpn(const unsigned char* protos, unsigned int len, std::vector<std::string>& out) {
    out.clear();
    unsigned int i = 0;
    while (i < len) {
        unsigned int n = protos[i++];
        if (n == 0 || n > len - i) {
            return false;
        }
        out.emplace_back(reinterpret_cast<const char*>(protos + i), n);
        i += n;
    }
    return !out.empty();
}

}  // namespace tlsio::c_api

extern "C" {

const TLSIO_METHOD* tlsio_client_method(void) {
    return &client_method;
}
const TLSIO_METHOD* tlsio_server_method(void) {
    return &server_method;
}
const TLSIO_METHOD* tlsio_method(void) {
    return &any_method;
}
const TLSIO_METHOD* tlsio_TLSv1_2_client_method(void) {
    return &tls12_client_method;
}
const TLSIO_METHOD* tlsio_TLSv1_2_server_method(void) {
    return &tls12_server_method;
}
const TLSIO_METHOD* tlsio_TLSv1_2_method(void) {
    return &tls12_method;
}

TLSIO_CTX* tlsio_CTX_new(const TLSIO_METHOD* method) {
    if (method == nullptr) {
        push(reason::null_argument, "tlsio_CTX_new", "method is NULL");
        return nullptr;
    }
    try {
        auto* ctx = new ssl_ctx_st;
        ctx->method_role = method->role;
        ctx->method_version = method->version;
        // OpenSSL's default: verification is asked for, not assumed.
        ctx->context.set_verify_mode(tlsio::verify_none);
        // OpenSSL's default TLS 1.3 suite order (a client offers them so).
        ctx->context.set_cipher_suites({tlsio::cipher_suite::aes_256_gcm_sha384,
                                        tlsio::cipher_suite::chacha20_poly1305_sha256,
                                        tlsio::cipher_suite::aes_128_gcm_sha256});
        // libssl's client offers only the session given to SSL_set_session.
        ctx->context.set_session_cache_size(0);
        return ctx;
    } catch (const std::exception& e) {
        push(make_error_code(tlsio::error::internal_error), "tlsio_CTX_new", e.what());
        return nullptr;
    }
}

int tlsio_CTX_up_ref(TLSIO_CTX* ctx) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->references.fetch_add(1, std::memory_order_relaxed);
    return 1;
}

void tlsio_CTX_free(TLSIO_CTX* ctx) {
    if (ctx != nullptr && ctx->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        delete ctx;
    }
}

int tlsio_CTX_use_certificate_chain_file(TLSIO_CTX* ctx, const char* file) {
    if (ctx == nullptr || file == nullptr) {
        push(reason::null_argument, "tlsio_CTX_use_certificate_chain_file");
        return 0;
    }
    secret_string pem;
    if (!read_file(file, pem, "tlsio_CTX_use_certificate_chain_file")) {
        return 0;
    }
    return set_chain(ctx, std::move(pem), "tlsio_CTX_use_certificate_chain_file");
}

int tlsio_CTX_use_certificate_file(TLSIO_CTX* ctx, const char* file, int type) {
    const char* func = "tlsio_CTX_use_certificate_file";
    if (ctx == nullptr || file == nullptr) {
        push(reason::null_argument, func);
        return 0;
    }
    secret_string data;
    secret_string pem;
    if (!read_file(file, data, func)) {
        return 0;
    }
    if (!first_cert_pem(data, type, pem)) {
        ERR_clear_error();
        push(tlsio::make_error_code(tlsio::error::key_load_failed), func,
             std::string("no certificate in ") + file);
        return 0;
    }
    return set_chain(ctx, std::move(pem), func);
}

int tlsio_CTX_use_certificate(TLSIO_CTX* ctx, X509* cert) {
    const char* func = "tlsio_CTX_use_certificate";
    bio_ptr out(BIO_new(BIO_s_mem()));
    if (ctx == nullptr || cert == nullptr) {
        push(reason::null_argument, func);
        return 0;
    }
    if (!out || PEM_write_bio_X509(out.get(), cert) != 1) {
        push(tlsio::make_error_code(tlsio::error::key_load_failed), func);
        return 0;
    }
    return set_chain(ctx, bio_text(out.get()), func);
}

int tlsio_CTX_use_PrivateKey_file(TLSIO_CTX* ctx, const char* file, int type) {
    const char* func = "tlsio_CTX_use_PrivateKey_file";
    if (ctx == nullptr || file == nullptr) {
        push(reason::null_argument, func);
        return 0;
    }
    secret_string data;
    if (!read_file(file, data, func)) {
        return 0;
    }
    if (type == TLSIO_FILETYPE_ASN1) {
        bio_ptr in(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        std::unique_ptr<EVP_PKEY, pkey_free> key(d2i_PrivateKey_bio(in.get(), nullptr));
        secret_string pem;
        if (!key || !key_to_pem(key.get(), pem)) {
            ERR_clear_error();
            push(tlsio::make_error_code(tlsio::error::key_load_failed), func,
                 std::string("no DER private key in ") + file);
            return 0;
        }
        return set_key(ctx, std::move(pem), func);
    }
    if (type != TLSIO_FILETYPE_PEM) {
        push(reason::bad_value, func, "type must be SSL_FILETYPE_PEM or SSL_FILETYPE_ASN1");
        return 0;
    }
    return set_key(ctx, std::move(data), func);
}

int tlsio_CTX_use_PrivateKey(TLSIO_CTX* ctx, EVP_PKEY* key) {
    const char* func = "tlsio_CTX_use_PrivateKey";
    if (ctx == nullptr || key == nullptr) {
        push(reason::null_argument, func);
        return 0;
    }
    secret_string pem;
    if (!key_to_pem(key, pem)) {
        push(tlsio::make_error_code(tlsio::error::key_load_failed), func);
        return 0;
    }
    return set_key(ctx, std::move(pem), func);
}

void tlsio_CTX_set_default_passwd_cb(TLSIO_CTX* ctx, tlsio_passwd_cb callback) {
    if (ctx != nullptr) {
        ctx->passwd_cb = callback;
    }
}

void tlsio_CTX_set_default_passwd_cb_userdata(TLSIO_CTX* ctx, void* userdata) {
    if (ctx != nullptr) {
        ctx->passwd_userdata = userdata;
    }
}

int tlsio_CTX_use_certificate_chain_mem(TLSIO_CTX* ctx, const char* pem, size_t len) {
    if (ctx == nullptr || pem == nullptr) {
        push(reason::null_argument, "tlsio_CTX_use_certificate_chain_mem");
        return 0;
    }
    return set_chain(ctx, secret_string(pem, len), "tlsio_CTX_use_certificate_chain_mem");
}

int tlsio_CTX_use_PrivateKey_mem(TLSIO_CTX* ctx, const char* pem, size_t len) {
    if (ctx == nullptr || pem == nullptr) {
        push(reason::null_argument, "tlsio_CTX_use_PrivateKey_mem");
        return 0;
    }
    return set_key(ctx, secret_string(pem, len), "tlsio_CTX_use_PrivateKey_mem");
}

int tlsio_CTX_check_private_key(const TLSIO_CTX* ctx) {
    if (ctx == nullptr) {
        push(reason::null_argument, "tlsio_CTX_check_private_key");
        return 0;
    }
    if (!ctx->has_credential || ctx->pending_chain || ctx->pending_key) {
        push(make_error_code(tlsio::error::no_certificate), "tlsio_CTX_check_private_key",
             ctx->pending_chain ? "the last certificate has no private key"
                                : "no certificate with its private key");
        return 0;
    }
    return 1;
}

int tlsio_CTX_load_verify_locations(TLSIO_CTX* ctx, const char* file, const char* dir) {
    const char* func = "tlsio_CTX_load_verify_locations";
    if (ctx == nullptr || (file == nullptr && dir == nullptr)) {
        push(reason::null_argument, func, "both file and dir are NULL");
        return 0;
    }
    boost::system::error_code ec;
    if (file != nullptr) {
        ctx->context.load_verify_file(file, ec);
        if (ec) {
            push(ec, func, std::string("cannot load CA certificates from ") + file);
            return 0;
        }
    }
    if (dir != nullptr) {
        ctx->context.add_verify_path(dir, ec);
        if (ec) {
            push(ec, func, std::string("cannot use CA directory ") + dir);
            return 0;
        }
    }
    return 1;
}

int tlsio_CTX_load_verify_mem(TLSIO_CTX* ctx, const char* pem, size_t len) {
    if (ctx == nullptr || pem == nullptr) {
        push(reason::null_argument, "tlsio_CTX_load_verify_mem");
        return 0;
    }
    boost::system::error_code ec;
    ctx->context.add_certificate_authority(std::string_view(pem, len), ec);
    if (ec) {
        push(ec, "tlsio_CTX_load_verify_mem", "cannot load CA certificates from memory");
        return 0;
    }
    return 1;
}

int tlsio_CTX_set_default_verify_paths(TLSIO_CTX* ctx) {
    if (ctx == nullptr) {
        push(reason::null_argument, "tlsio_CTX_set_default_verify_paths");
        return 0;
    }
    boost::system::error_code ec;
    ctx->context.set_default_verify_paths(ec);
    if (ec) {
        push(ec, "tlsio_CTX_set_default_verify_paths", "cannot load the default trust");
        return 0;
    }
    return 1;
}

void tlsio_CTX_set_verify(TLSIO_CTX* ctx, int mode, tlsio_verify_cb callback) {
    if (ctx == nullptr) {
        return;
    }
    ctx->verify_mode = mode;
    ctx->verify_callback = callback;
}

int tlsio_CTX_get_verify_mode(const TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->verify_mode;
}

int tlsio_CTX_set_min_proto_version(TLSIO_CTX* ctx, int version) {
    return tlsio::c_api::set_version_bound(ctx == nullptr ? nullptr : &ctx->min_version, version,
                                           "tlsio_CTX_set_min_proto_version");
}

int tlsio_CTX_set_max_proto_version(TLSIO_CTX* ctx, int version) {
    return tlsio::c_api::set_version_bound(ctx == nullptr ? nullptr : &ctx->max_version, version,
                                           "tlsio_CTX_set_max_proto_version");
}

int tlsio_CTX_get_min_proto_version(TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->min_version;
}
int tlsio_CTX_get_max_proto_version(TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->max_version;
}

uint64_t tlsio_CTX_set_options(TLSIO_CTX* ctx, uint64_t options) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->options |= options;
    return ctx->options;
}
uint64_t tlsio_CTX_clear_options(TLSIO_CTX* ctx, uint64_t options) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->options &= ~options;
    return ctx->options;
}
uint64_t tlsio_CTX_get_options(const TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->options;
}
long tlsio_CTX_set_mode(TLSIO_CTX* ctx, long mode) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->mode |= mode;
    return ctx->mode;
}
long tlsio_CTX_clear_mode(TLSIO_CTX* ctx, long mode) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->mode &= ~mode;
    return ctx->mode;
}
long tlsio_CTX_get_mode(TLSIO_CTX* ctx) {
    return ctx == nullptr ? 0 : ctx->mode;
}

int tlsio_CTX_set_ciphersuites(TLSIO_CTX* ctx, const char* list) {
    if (ctx == nullptr || list == nullptr) {
        push(reason::null_argument, "tlsio_CTX_set_ciphersuites");
        return 0;
    }
    std::vector<tlsio::cipher_suite> suites;
    for (std::string_view name : split(list)) {
        tlsio::cipher_suite s{};
        if (parse_suite(name, s)) {
            suites.push_back(s);
        }
    }
    if (suites.empty()) {
        push(reason::bad_value, "tlsio_CTX_set_ciphersuites",
             std::string("no TLS 1.3 cipher suite tlsio knows in '") + list + "'");
        return 0;
    }
    ctx->context.set_cipher_suites(std::move(suites));
    return 1;
}

int tlsio_CTX_set_cipher_list(TLSIO_CTX* ctx, const char* list) {
    if (ctx == nullptr || list == nullptr) {
        push(reason::null_argument, "tlsio_CTX_set_cipher_list");
        return 0;
    }
    std::vector<tlsio::cipher_suite> suites = parse_cipher_list(list);
    if (suites.empty()) {
        push(reason::no_cipher_match, "tlsio_CTX_set_cipher_list",
             std::string("no TLS 1.2 cipher suite tlsio has in '") + list +
                 "' (ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES256-GCM-SHA384, "
                 "ECDHE-ECDSA-CHACHA20-POLY1305 and their ECDHE-RSA forms)");
        return 0;
    }
    ctx->context.set_cipher_suites(std::move(suites));
    return 1;
}

int tlsio_CTX_set1_groups_list(TLSIO_CTX* ctx, const char* list) {
    if (ctx == nullptr || list == nullptr) {
        push(reason::null_argument, "tlsio_CTX_set1_groups_list");
        return 0;
    }
    std::vector<tlsio::named_group> groups;
    for (std::string_view name : split(list)) {
        tlsio::named_group g{};
        if (!parse_group(name, g)) {
            push(reason::bad_value, "tlsio_CTX_set1_groups_list",
                 "unsupported group '" + std::string(name) +
                     "' (X25519, P-256, P-384, X448, P-521, ffdhe2048 ... ffdhe8192, "
                     "X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024)");
            return 0;
        }
        groups.push_back(g);
    }
    if (groups.empty()) {
        push(reason::bad_value, "tlsio_CTX_set1_groups_list", "empty group list");
        return 0;
    }
    ctx->context.set_groups(std::move(groups));
    return 1;
}

int tlsio_CTX_set_alpn_protos(TLSIO_CTX* ctx, const unsigned char* protos, unsigned int len) {
    if (ctx == nullptr) {
        push(reason::null_argument, "tlsio_CTX_set_alpn_protos");
        return 1;
    }
    if (protos == nullptr || len == 0) {
        ctx->alpn.clear();  // As OpenSSL: clears the list.
        return 0;
    }
    std::vector<std::string> names;
    if (!tlsio::c_api::parse_alpn(protos, len, names)) {
        push(reason::bad_value, "tlsio_CTX_set_alpn_protos", "malformed ALPN wire format");
        return 1;
    }
    ctx->alpn = std::move(names);
    return 0;
}

void tlsio_CTX_set_alpn_select_cb(TLSIO_CTX* ctx, tlsio_alpn_select_cb callback, void* arg) {
    if (ctx != nullptr) {
        ctx->alpn_select = callback;
        ctx->alpn_select_arg = arg;
    }
}

long tlsio_CTX_set_tlsext_servername_callback(TLSIO_CTX* ctx, tlsio_servername_cb callback) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->servername = callback;
    return 1;
}

long tlsio_CTX_set_tlsext_servername_arg(TLSIO_CTX* ctx, void* arg) {
    if (ctx == nullptr) {
        return 0;
    }
    ctx->servername_arg = arg;
    return 1;
}

int tlsio_select_next_proto(unsigned char** out, unsigned char* outlen, const unsigned char* server,
                            unsigned int server_len, const unsigned char* client,
                            unsigned int client_len) {
    if (out == nullptr || outlen == nullptr) {
        return 2 /* OPENSSL_NPN_NO_OVERLAP */;
    }
    // For each of the server's protocols in order, look for it in the client's.
    for (unsigned int i = 0; server != nullptr && i < server_len;) {
        unsigned int n = server[i];
        if (n == 0 || n > server_len - i - 1) {
            break;
        }
        for (unsigned int j = 0; client != nullptr && j < client_len;) {
            unsigned int m = client[j];
            if (m == 0 || m > client_len - j - 1) {
                break;
            }
            if (m == n && std::memcmp(server + i + 1, client + j + 1, n) == 0) {
                *out = const_cast<unsigned char*>(server + i + 1);
                *outlen = static_cast<unsigned char>(n);
                return 1;  // OPENSSL_NPN_NEGOTIATED
            }
            j += m + 1;
        }
        i += n + 1;
    }
    // No overlap: the client's first, as OpenSSL does.
    if (client != nullptr && client_len > 0 && client[0] != 0 && client[0] < client_len) {
        *out = const_cast<unsigned char*>(client + 1);
        *outlen = client[0];
    } else {
        *out = nullptr;
        *outlen = 0;
    }
    return 2 /* OPENSSL_NPN_NO_OVERLAP */;
}

void tlsio_CTX_set_keylog_callback(TLSIO_CTX* ctx, tlsio_keylog_cb callback) {
    if (ctx != nullptr) {
        ctx->keylog = callback;
    }
}

}  // extern "C"
