#include "crypto/x509.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace tlsio::crypto {
namespace {

struct bio_free {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct store_free {
    void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct store_ctx_free {
    void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
struct stack_free {
    void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_free(p); }
};
struct names_free {
    void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};
struct openssl_free {
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

// Failures on peer input are expected; they must not leave entries on the
// thread's error queue for unrelated code (the C facade's SSL_get_error) to find.
class error_mark {
public:
    error_mark() { ERR_set_mark(); }
    ~error_mark() { ERR_pop_to_mark(); }
    error_mark(const error_mark&) = delete;
    error_mark& operator=(const error_mark&) = delete;
};

std::string name_to_string(const X509_NAME* name) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (name == nullptr || bio == nullptr ||
        X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
        return {};
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

x509_ptr parse_der(byte_view der) {
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX)) {
        return nullptr;
    }
    const unsigned char* p = der.data();
    x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (cert == nullptr || p != der.data() + der.size()) {
        return nullptr;
    }
    return cert;
}

// One PEM certificate block as plain certificate DER. "TRUSTED CERTIFICATE"
// blocks carry trust settings after the certificate, which are dropped.
bool block_to_der(const char* name, const unsigned char* data, long len, bytes& der) {
    if (std::strcmp(name, PEM_STRING_X509) == 0 || std::strcmp(name, PEM_STRING_X509_OLD) == 0) {
        der.assign(data, data + len);
        return parse_der(der) != nullptr;
    }
    const unsigned char* p = data;
    x509_ptr cert(d2i_X509_AUX(nullptr, &p, len));
    unsigned char* out = nullptr;
    const int n = cert == nullptr || p != data + len ? -1 : i2d_X509(cert.get(), &out);
    std::unique_ptr<unsigned char, openssl_free> owned(out);
    if (n <= 0) {
        return false;
    }
    der.assign(out, out + n);
    return true;
}

bool is_certificate_block(const char* name) {
    return std::strcmp(name, PEM_STRING_X509) == 0 || std::strcmp(name, PEM_STRING_X509_OLD) == 0 ||
           std::strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

// The names a leaf is valid for, for error messages: its DNS and IP subject
// alternative names, or its common name when it has none.
std::string leaf_names(X509* leaf) {
    std::string out;
    auto add = [&out](std::string_view n) {
        out += out.empty() ? "'" : ", '";
        out += n;
        out += "'";
    };
    std::unique_ptr<GENERAL_NAMES, names_free> names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        int type = 0;
        const ASN1_STRING* value =
            static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(gn, &type));
        const unsigned char* data = ASN1_STRING_get0_data(value);
        const int len = ASN1_STRING_length(value);
        if (type == GEN_DNS) {
            add(std::string_view(reinterpret_cast<const char*>(data), len));
        } else if (type == GEN_IPADD && (len == 4 || len == 16)) {
            char text[INET6_ADDRSTRLEN] = {};
            if (inet_ntop(len == 4 ? AF_INET : AF_INET6, data, text, sizeof text) != nullptr) {
                add(text);
            }
        }
    }
    if (out.empty()) {
        const X509_NAME* subject = X509_get_subject_name(leaf);
        const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
        const X509_NAME_ENTRY* entry = at < 0 ? nullptr : X509_NAME_get_entry(subject, at);
        const ASN1_STRING* cn = entry == nullptr ? nullptr : X509_NAME_ENTRY_get_data(entry);
        if (cn != nullptr) {
            add(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                                 ASN1_STRING_length(cn)));
        }
    }
    return out.empty() ? std::string("no names") : out;
}

// What the verify callback needs, reached from the C callback through the
// store context's own ex_data slot (app_data stays free for callers).
struct verify_state {
    const native_verify_callback* callback = nullptr;
    bool rejected_by_callback = false;
};

int state_index() {
    static const int index = X509_STORE_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int verify_trampoline(int ok, X509_STORE_CTX* ctx) {
    auto* state = static_cast<verify_state*>(X509_STORE_CTX_get_ex_data(ctx, state_index()));
    if (state == nullptr || state->callback == nullptr || !*state->callback) {
        return ok;
    }
    bool accept = false;
    try {
        accept = (*state->callback)(ok == 1, ctx);
    } catch (...) {
        // An exception cannot unwind through libcrypto's C frames; a throwing
        // callback rejects the certificate.
        accept = false;
    }
    if (ok == 1 && !accept) {
        state->rejected_by_callback = true;
        X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    }
    return accept ? 1 : 0;
}

// libcrypto's TLS purposes accept a leaf whose key usage only allows key
// encipherment; a TLS 1.3 peer must sign, so digitalSignature is required
// when the extension is present. Reported through the callback like any
// other check so that it can be overridden the same way.
bool check_leaf_key_usage(X509_STORE_CTX* ctx, X509* leaf) {
    if ((X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) != 0) {  // all bits set when absent
        return true;
    }
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE);
    X509_STORE_CTX_set_error_depth(ctx, 0);
    X509_STORE_CTX_set_current_cert(ctx, leaf);
    return verify_trampoline(0, ctx) == 1;
}

error map_error(long err, bool rejected_by_callback) {
    if (rejected_by_callback && err == X509_V_ERR_APPLICATION_VERIFICATION) {
        return error::certificate_rejected_by_callback;
    }
    switch (err) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return error::certificate_expired;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return error::certificate_not_yet_valid;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_CERT_UNTRUSTED:
            return error::certificate_unknown_ca;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return error::certificate_host_mismatch;
        case X509_V_ERR_INVALID_PURPOSE:
        case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
            return error::certificate_bad_key_usage;
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_KEY_TOO_SMALL:
        case X509_V_ERR_CA_MD_TOO_WEAK:
            return error::certificate_too_weak;
        default:
            return error::certificate_verify_failed;
    }
}

std::string describe(long err, bool rejected_by_callback, X509_STORE_CTX* ctx, X509* leaf,
                     std::string_view host) {
    std::string m = "certificate verify failed: ";
    if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        m += err == X509_V_ERR_HOSTNAME_MISMATCH ? "host name mismatch" : "IP address mismatch";
        m += " (expected '";
        m += host;
        m += "', certificate for ";
        m += leaf_names(leaf);
        m += ")";
        return m;
    }
    if (rejected_by_callback && err == X509_V_ERR_APPLICATION_VERIFICATION) {
        m += "rejected by verify callback";
    } else if (err == X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE) {
        m += "key usage does not allow digitalSignature";
    } else {
        m += X509_verify_cert_error_string(err);
    }
    X509* cert = X509_STORE_CTX_get_current_cert(ctx);
    m += " (depth " + std::to_string(X509_STORE_CTX_get_error_depth(ctx));
    if (cert != nullptr) {
        m += ", " + name_to_string(X509_get_subject_name(cert));
        if (map_error(err, false) == error::certificate_unknown_ca) {
            m += ", issuer " + name_to_string(X509_get_issuer_name(cert));
        }
    }
    m += ")";
    return m;
}

// IP literals may come bracketed, as in URLs ("[::1]").
std::string strip_brackets(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return std::string(host);
}

bool set_expected_host(X509_VERIFY_PARAM* param, std::string_view host) {
    const std::string ip = strip_brackets(host);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str()) == 1) {
        return true;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return X509_VERIFY_PARAM_set1_host(param, host.data(), host.size()) == 1;
}

}  // namespace

// certificate

void certificate::deleter::operator()(x509_st* p) const noexcept {
    X509_free(p);
}

certificate::certificate() = default;
certificate::certificate(const certificate& other) : der_(other.der_) {
    if (other.cert_ != nullptr && X509_up_ref(other.cert_.get()) == 1) {
        cert_.reset(other.cert_.get());
    }
}
certificate& certificate::operator=(const certificate& other) {
    if (this != &other) {
        certificate copy(other);
        *this = std::move(copy);
    }
    return *this;
}
certificate::certificate(certificate&&) noexcept = default;
certificate& certificate::operator=(certificate&&) noexcept = default;
certificate::~certificate() = default;

namespace {

// A process-wide map from exact bytes to what they gave, for the peers a
// process talks to most: at most 64 entries, the oldest going first.
template <class Value>
class bounded_cache {
public:
    std::optional<Value> find(const std::string& key) {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        return it == entries_.end() ? std::nullopt : std::optional<Value>(it->second);
    }

    void insert(std::string key, const Value& value) {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(key); it != entries_.end()) {
            it->second = value;
            return;
        }
        if (entries_.size() >= capacity) {
            entries_.erase(order_.front());
            order_.pop_front();
        }
        order_.push_back(key);
        entries_.emplace(std::move(key), value);
    }

private:
    static constexpr std::size_t capacity = 64;
    std::mutex mutex_;
    std::unordered_map<std::string, Value> entries_;
    std::deque<std::string> order_;
};

}  // namespace

std::optional<certificate> certificate::from_der_cached(byte_view der) {
    static bounded_cache<certificate> cache;
    std::string key(reinterpret_cast<const char*>(der.data()), der.size());
    if (std::optional<certificate> cached = cache.find(key)) {
        return cached;
    }
    std::optional<certificate> parsed = from_der(der);
    if (parsed) {
        cache.insert(std::move(key), *parsed);
    }
    return parsed;
}

std::optional<certificate> certificate::from_der(byte_view der) {
    error_mark mark;
    x509_ptr cert = parse_der(der);
    if (cert == nullptr) {
        return std::nullopt;
    }
    certificate c;
    c.cert_.reset(cert.release());
    c.der_.assign(der.begin(), der.end());
    return c;
}

public_key certificate::key() const {
    return public_key::from_native(cert_ == nullptr ? nullptr : X509_get0_pubkey(cert_.get()));
}

std::string certificate::subject() const {
    return cert_ == nullptr ? std::string() : name_to_string(X509_get_subject_name(cert_.get()));
}

std::string certificate::issuer() const {
    return cert_ == nullptr ? std::string() : name_to_string(X509_get_issuer_name(cert_.get()));
}

namespace {

bool x509_matches_host(X509* cert, std::string_view host) {
    if (cert == nullptr || host.empty()) {
        return false;
    }
    const std::string name = strip_brackets(host);
    unsigned char addr[16];
    if (inet_pton(AF_INET, name.c_str(), addr) == 1 ||
        inet_pton(AF_INET6, name.c_str(), addr) == 1) {
        return X509_check_ip_asc(cert, name.c_str(), 0) == 1;
    }
    return X509_check_host(cert, name.data(), name.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                           nullptr) == 1;
}

}  // namespace

bool certificate::matches_host(std::string_view host) const {
    return x509_matches_host(cert_.get(), host);
}

bool verify_context_matches_host(x509_store_ctx_st* ctx, std::string_view host) {
    if (ctx == nullptr) {
        return false;
    }
    if (X509_STORE_CTX_get_error_depth(ctx) > 0) {
        return true;
    }
    return x509_matches_host(X509_STORE_CTX_get_current_cert(ctx), host);
}

bool certificate::allows_digital_signature() const {
    // X509_get_key_usage answers UINT32_MAX when there is no keyUsage extension.
    return (X509_get_key_usage(cert_.get()) & KU_DIGITAL_SIGNATURE) != 0;
}

std::uint16_t certificate::signature_scheme() const {
    int md = NID_undef;
    int pk = NID_undef;
    if (!cert_ || X509_get_signature_info(cert_.get(), &md, &pk, nullptr, nullptr) != 1) {
        return 0;
    }
    auto by_hash = [md](std::uint16_t sha256, std::uint16_t sha384,
                        std::uint16_t sha512) -> std::uint16_t {
        switch (md) {
            case NID_sha256:
                return sha256;
            case NID_sha384:
                return sha384;
            case NID_sha512:
                return sha512;
            default:
                return 0;
        }
    };
    switch (pk) {
        case EVP_PKEY_RSA:
            return by_hash(0x0401, 0x0501, 0x0601);
        case EVP_PKEY_RSA_PSS:
            return by_hash(0x0804, 0x0805, 0x0806);
        case EVP_PKEY_EC:
            return by_hash(0x0403, 0x0503, 0x0603);
        case EVP_PKEY_ED25519:
            return 0x0807;
        default:
            return 0;
    }
}

std::vector<bytes> pem_certificates_to_der(std::string_view pem) {
    std::vector<bytes> out;
    if (pem.empty() || pem.size() > static_cast<std::size_t>(INT_MAX)) {
        return out;
    }
    error_mark mark;
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (bio != nullptr) {
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long len = 0;
        if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
            // Running out of blocks ends the text; anything else is a broken block.
            if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
                out.clear();
            }
            break;
        }
        std::unique_ptr<char, openssl_free> owned_name(name);
        std::unique_ptr<char, openssl_free> owned_header(header);
        std::unique_ptr<unsigned char, openssl_free> owned_data(data);
        if (!is_certificate_block(name)) {
            continue;  // keys and other blocks may share the file
        }
        bytes der;
        if (!block_to_der(name, data, len, der)) {
            out.clear();
            break;
        }
        out.push_back(std::move(der));
    }
    return out;
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return std::nullopt;
    }
    return std::move(text).str();
}

// trust_store

void trust_store::deleter::operator()(x509_store_st* p) const noexcept {
    X509_STORE_free(p);
}

namespace {

std::uint64_t next_store_generation() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return ++counter;
}

}  // namespace

trust_store::trust_store() : store_(X509_STORE_new()), generation_(next_store_generation()) {}
trust_store::trust_store(trust_store&&) noexcept = default;
trust_store& trust_store::operator=(trust_store&&) noexcept = default;
trust_store::~trust_store() = default;

bool trust_store::add_pem(std::string_view pem) {
    return add(source_kind::pem, pem);
}

bool trust_store::load_file(const std::string& path) {
    return add(source_kind::file, path);
}

bool trust_store::add_directory(const std::string& path) {
    return add(source_kind::directory, path);
}

bool trust_store::set_default_paths() {
    return add(source_kind::default_paths, {});
}

trust_store trust_store::clone() const {
    trust_store copy;
    for (const source& s : sources_) {
        copy.add(s.kind, s.text);
    }
    return copy;
}

bool trust_store::add(source_kind kind, std::string_view text) {
    if (store_ == nullptr) {
        return false;
    }
    error_mark mark;
    const std::string path(kind == source_kind::pem ? std::string_view() : text);
    bool added = false;
    switch (kind) {
        case source_kind::pem:
            for (const bytes& der : pem_certificates_to_der(text)) {
                x509_ptr cert = parse_der(der);
                if (cert != nullptr && X509_STORE_add_cert(store_.get(), cert.get()) == 1) {
                    added = true;
                }
            }
            break;
        case source_kind::file:
            added = X509_STORE_load_file(store_.get(), path.c_str()) == 1;
            break;
        case source_kind::directory:
            added = X509_STORE_load_path(store_.get(), path.c_str()) == 1;
            break;
        case source_kind::default_paths:
            added = X509_STORE_set_default_paths(store_.get()) == 1;
            break;
    }
    if (added) {
        sources_.push_back({kind, std::string(text)});
        generation_ = next_store_generation();
        empty_ = false;
    }
    return added;
}

// verify_chain

namespace {

// Chains that verified recently, so a peer's next handshake skips path building
// and the signature checks (X509_verify_cert is most of what a client spends on
// certificates). Only successes without a callback are kept, under the exact
// bytes of everything that decided them; validity times are checked on each use.
struct validity_window {
    std::time_t not_before;
    std::time_t not_after;
};

bounded_cache<validity_window>& verified_chains() {
    static bounded_cache<validity_window> cache;
    return cache;
}

void append_sized(std::string& key, const void* data, std::size_t size) {
    const auto n = static_cast<std::uint32_t>(size);
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
    key.append(static_cast<const char*>(data), size);
}

std::string verified_chain_key(const verify_request& request) {
    std::string key;
    key.push_back(request.role == peer_role::server ? 's' : 'c');
    key.push_back(static_cast<char>('0' + request.security_level));
    const std::uint64_t generation = request.store->generation();
    key.append(reinterpret_cast<const char*>(&generation), sizeof generation);
    append_sized(key, request.host.data(), request.host.size());
    for (const certificate& c : request.chain) {
        append_sized(key, c.der().data(), c.der().size());
    }
    return key;
}

std::time_t seconds_since_epoch(std::chrono::system_clock::time_point now) {
    return now == std::chrono::system_clock::time_point{}
               ? std::time(nullptr)
               : std::chrono::system_clock::to_time_t(now);
}

// The span of time in which every certificate of the verified chain is valid.
std::optional<validity_window> chain_validity(X509_STORE_CTX* ctx) {
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
    if (chain == nullptr || sk_X509_num(chain) <= 0) {
        return std::nullopt;
    }
    validity_window window{std::numeric_limits<std::time_t>::min(),
                           std::numeric_limits<std::time_t>::max()};
    for (int i = 0; i < sk_X509_num(chain); ++i) {
        X509* cert = sk_X509_value(chain, i);
        std::tm from{};
        std::tm until{};
        if (ASN1_TIME_to_tm(X509_get0_notBefore(cert), &from) != 1 ||
            ASN1_TIME_to_tm(X509_get0_notAfter(cert), &until) != 1) {
            return std::nullopt;
        }
        window.not_before = std::max(window.not_before, timegm(&from));
        window.not_after = std::min(window.not_after, timegm(&until));
    }
    return window;
}

bool verified_recently(const std::string& key, std::time_t now) {
    std::optional<validity_window> window = verified_chains().find(key);
    return window && now >= window->not_before && now <= window->not_after;
}

}  // namespace

bool meets_security_level(const public_key& key, int level) noexcept {
    // libcrypto's own table (SSL_CTX_set_security_level(3)).
    static constexpr int minimum_bits[] = {0, 80, 112, 128, 192, 256};
    if (level <= 0) {
        return true;
    }
    const int bits = key.native() == nullptr ? 0 : EVP_PKEY_get_security_bits(key.native());
    return bits >= minimum_bits[std::min(level, 5)];
}

verify_result verify_chain(const verify_request& request) {
    verify_result result;
    auto fail = [&result](error e, std::string message) {
        result.error = e;
        result.message = std::move(message);
        result.x509_error = X509_V_ERR_UNSPECIFIED;
        return result;
    };
    if (request.chain.empty() || request.chain.front().native() == nullptr) {
        return fail(error::certificate_required, "certificate verify failed: no certificate");
    }
    error_mark mark;

    const bool cacheable = request.callback == nullptr && request.store != nullptr &&
                           request.store->native() != nullptr && request.max_depth < 0;
    std::string cache_key;
    if (cacheable) {
        cache_key = verified_chain_key(request);
        if (verified_recently(cache_key, seconds_since_epoch(request.now))) {
            return result;
        }
    }

    // No store means nothing is trusted: verification runs and ends in unknown CA.
    std::unique_ptr<X509_STORE, store_free> no_anchors;
    X509_STORE* store = request.store == nullptr ? nullptr : request.store->native();
    if (store == nullptr) {
        no_anchors.reset(X509_STORE_new());
        store = no_anchors.get();
    }
    std::unique_ptr<STACK_OF(X509), stack_free> untrusted(sk_X509_new_null());
    if (store == nullptr || untrusted == nullptr) {
        return fail(error::internal_error, "certificate verify failed: out of memory");
    }
    for (std::size_t i = 1; i < request.chain.size(); ++i) {
        if (request.chain[i].native() != nullptr &&
            sk_X509_push(untrusted.get(), request.chain[i].native()) <= 0) {
            return fail(error::internal_error, "certificate verify failed: out of memory");
        }
    }

    X509* leaf = request.chain.front().native();
    std::unique_ptr<X509_STORE_CTX, store_ctx_free> ctx(X509_STORE_CTX_new());
    if (ctx == nullptr || X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted.get()) != 1 ||
        X509_STORE_CTX_set_default(
            ctx.get(), request.role == peer_role::server ? "ssl_server" : "ssl_client") != 1) {
        return fail(error::internal_error, "certificate verify failed: cannot set up verification");
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_auth_level(param, request.security_level);
    // A default-constructed time means "now" (validating as of 1970 is never meant).
    if (request.now != std::chrono::system_clock::time_point{}) {
        X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(request.now));
    }
    if (request.max_depth >= 0) {
        X509_VERIFY_PARAM_set_depth(param, request.max_depth);
    }
    if (!request.host.empty() && !set_expected_host(param, request.host)) {
        return fail(error::invalid_argument, "certificate verify failed: bad expected host name '" +
                                                 std::string(request.host) + "'");
    }

    verify_state state;
    state.callback = request.callback;
    if (X509_STORE_CTX_set_ex_data(ctx.get(), state_index(), &state) != 1) {
        return fail(error::internal_error, "certificate verify failed: cannot set up verification");
    }
    X509_STORE_CTX_set_verify_cb(ctx.get(), verify_trampoline);

    const bool ok = X509_verify_cert(ctx.get()) == 1 && check_leaf_key_usage(ctx.get(), leaf);
    // Like SSL_get_verify_result, the code stays set when the callback
    // overrode a failure and verification succeeded anyway.
    long err = X509_STORE_CTX_get_error(ctx.get());
    result.x509_error = err;
    if (ok) {
        if (cacheable && err == X509_V_OK) {
            if (std::optional<validity_window> window = chain_validity(ctx.get())) {
                verified_chains().insert(std::move(cache_key), *window);
            }
        }
        return result;
    }
    if (err == X509_V_OK) {
        err = X509_V_ERR_UNSPECIFIED;
        result.x509_error = err;
    }
    result.error = map_error(err, state.rejected_by_callback);
    result.message = describe(err, state.rejected_by_callback, ctx.get(), leaf, request.host);
    return result;
}

}  // namespace tlsio::crypto
