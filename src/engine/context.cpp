#include "engine/context_impl.hpp"

#include "crypto/hash.hpp"

#include <boost/system/system_error.hpp>

#include <algorithm>

namespace tlsio {
namespace {

void throw_if(const boost::system::error_code& ec, const char* what) {
    if (ec) {
        throw boost::system::system_error(ec, what);
    }
}

std::vector<crypto::certificate> parse_chain(std::string_view pem, boost::system::error_code& ec) {
    std::vector<crypto::certificate> chain;
    for (const bytes& der : crypto::pem_certificates_to_der(pem)) {
        auto cert = crypto::certificate::from_der(der);
        if (!cert) {
            ec = error::key_load_failed;
            return {};
        }
        chain.push_back(std::move(*cert));
    }
    if (chain.empty()) {
        ec = error::key_load_failed;
    }
    return chain;
}

std::string read_or_fail(const std::string& path, boost::system::error_code& ec) {
    auto text = crypto::read_file(path);
    if (!text) {
        ec = error::key_load_failed;
        return {};
    }
    return std::move(*text);
}

}  // namespace

void context::impl::fill_random(mutable_bytes out) const {
    if (random) {
        random(out);
    } else if (!crypto::random_bytes(out)) {
        throw boost::system::system_error(error::internal_error, "random_bytes");
    }
}

std::chrono::system_clock::time_point context::impl::now() const {
    return clock ? clock() : std::chrono::system_clock::now();
}

context::context() : impl_(std::make_shared<impl>()) {}
context::context(method) : context() {}
context::context(const context&) = default;
context& context::operator=(const context&) = default;
context::context(context&&) noexcept = default;
context& context::operator=(context&&) noexcept = default;
context::~context() = default;

const std::shared_ptr<const context::impl>& context::state() const noexcept {
    return impl_;
}

context::impl& context::writable() {
    // Copy on write: engines made earlier keep the snapshot they took.
    if (impl_.use_count() > 1) {
        impl_ = std::make_shared<impl>(*impl_);
    }
    return const_cast<impl&>(*impl_);
}

void context::use_certificate_chain(std::string_view pem, boost::system::error_code& ec) {
    ec.clear();
    auto chain = parse_chain(pem, ec);
    if (!ec) {
        writable().pending_chain = std::move(chain);
    }
}

void context::use_certificate_chain(std::string_view pem) {
    boost::system::error_code ec;
    use_certificate_chain(pem, ec);
    throw_if(ec, "use_certificate_chain");
}

void context::use_certificate_chain_file(const std::string& path, boost::system::error_code& ec) {
    ec.clear();
    std::string pem = read_or_fail(path, ec);
    if (!ec) {
        use_certificate_chain(pem, ec);
    }
}

void context::use_certificate_chain_file(const std::string& path) {
    boost::system::error_code ec;
    use_certificate_chain_file(path, ec);
    throw_if(ec, "use_certificate_chain_file");
}

void context::use_private_key(std::string_view pem, boost::system::error_code& ec) {
    ec.clear();
    auto key = crypto::private_key::from_pem(pem);
    if (!key || key->type() == crypto::key_type::unsupported) {
        ec = error::key_load_failed;
        return;
    }
    impl& s = writable();
    if (s.pending_chain.empty() || !key->matches(s.pending_chain.front().key())) {
        // asio::ssl reports a key that does not match the certificate the same way.
        ec = error::key_load_failed;
        return;
    }
    credential c;
    c.chain = std::move(s.pending_chain);
    c.type = key->type();
    c.key = std::make_shared<const crypto::private_key>(std::move(*key));
    s.pending_chain.clear();
    s.credentials.push_back(std::move(c));
}

void context::use_private_key(std::string_view pem) {
    boost::system::error_code ec;
    use_private_key(pem, ec);
    throw_if(ec, "use_private_key");
}

void context::use_private_key_file(const std::string& path, boost::system::error_code& ec) {
    ec.clear();
    std::string pem = read_or_fail(path, ec);
    if (!ec) {
        use_private_key(pem, ec);
    }
    crypto::cleanse({reinterpret_cast<std::uint8_t*>(pem.data()), pem.size()});
}

void context::use_private_key_file(const std::string& path) {
    boost::system::error_code ec;
    use_private_key_file(path, ec);
    throw_if(ec, "use_private_key_file");
}

void context::use_certificate_chain_with_signer(std::string_view pem, sign_callback signer,
                                                boost::system::error_code& ec) {
    ec.clear();
    auto chain = parse_chain(pem, ec);
    if (ec) {
        return;
    }
    if (!signer) {
        ec = error::invalid_argument;
        return;
    }
    credential c;
    c.type = chain.front().key().type();
    c.chain = std::move(chain);
    c.signer = std::move(signer);
    writable().credentials.push_back(std::move(c));
}

void context::use_certificate_chain_with_signer(std::string_view pem, sign_callback signer) {
    boost::system::error_code ec;
    use_certificate_chain_with_signer(pem, std::move(signer), ec);
    throw_if(ec, "use_certificate_chain_with_signer");
}

namespace {

crypto::trust_store& trust_of(context::impl& s) {
    if (!s.trust) {
        s.trust = std::make_shared<crypto::trust_store>();
    } else if (s.trust.use_count() > 1) {
        // Shared with a copy of the context (or an engine's snapshot): the
        // change must stay in this context, as copy on write promises.
        s.trust = std::make_shared<crypto::trust_store>(s.trust->clone());
    }
    return *s.trust;
}

}  // namespace

void context::load_verify_file(const std::string& path, boost::system::error_code& ec) {
    ec.clear();
    if (!trust_of(writable()).load_file(path)) {
        ec = error::key_load_failed;
    }
}

void context::load_verify_file(const std::string& path) {
    boost::system::error_code ec;
    load_verify_file(path, ec);
    throw_if(ec, "load_verify_file");
}

void context::add_certificate_authority(std::string_view pem, boost::system::error_code& ec) {
    ec.clear();
    if (!trust_of(writable()).add_pem(pem)) {
        ec = error::key_load_failed;
    }
}

void context::add_certificate_authority(std::string_view pem) {
    boost::system::error_code ec;
    add_certificate_authority(pem, ec);
    throw_if(ec, "add_certificate_authority");
}

void context::add_verify_path(const std::string& path, boost::system::error_code& ec) {
    ec.clear();
    if (!trust_of(writable()).add_directory(path)) {
        ec = error::key_load_failed;
    }
}

void context::add_verify_path(const std::string& path) {
    boost::system::error_code ec;
    add_verify_path(path, ec);
    throw_if(ec, "add_verify_path");
}

void context::set_default_verify_paths(boost::system::error_code& ec) {
    ec.clear();
    if (!trust_of(writable()).set_default_paths()) {
        ec = error::key_load_failed;
    }
}

void context::set_default_verify_paths() {
    boost::system::error_code ec;
    set_default_verify_paths(ec);
    throw_if(ec, "set_default_verify_paths");
}

void context::set_verify_mode(verify_mode mode) {
    writable().mode = mode;
}
void context::set_verify_callback(verify_callback callback) {
    writable().verify = std::move(callback);
}

void context::set_protocol_versions(protocol_version min, protocol_version max,
                                    boost::system::error_code& ec) {
    ec.clear();
    if (min > protocol_version::tls13 || max < protocol_version::tls13 || min > max) {
        ec = error::protocol_version;
    }
}

void context::set_protocol_versions(protocol_version min, protocol_version max) {
    boost::system::error_code ec;
    set_protocol_versions(min, max, ec);
    throw_if(ec, "set_protocol_versions: tlsio implements TLS 1.3 only");
}

void context::set_cipher_suites(std::vector<cipher_suite> suites) {
    std::vector<std::uint16_t> ids;
    for (cipher_suite s : suites)
        ids.push_back(static_cast<std::uint16_t>(s));
    writable().cipher_suites = std::move(ids);
}

void context::set_groups(std::vector<named_group> groups) {
    std::vector<std::uint16_t> ids;
    for (named_group g : groups)
        ids.push_back(static_cast<std::uint16_t>(g));
    writable().groups = std::move(ids);
}

void context::set_signature_schemes(std::vector<signature_scheme> schemes) {
    std::vector<std::uint16_t> ids;
    for (signature_scheme s : schemes)
        ids.push_back(static_cast<std::uint16_t>(s));
    writable().signature_schemes = std::move(ids);
}

void context::set_alpn_protocols(std::vector<std::string> protocols) {
    if (!valid_alpn_protocols(protocols)) {
        throw boost::system::system_error(error::invalid_argument, "set_alpn_protocols");
    }
    writable().alpn = std::move(protocols);
}

void context::set_server_name_callback(server_name_callback callback) {
    writable().server_name = std::move(callback);
}

void context::set_random_source(random_source source) {
    writable().random = std::move(source);
}
void context::set_clock(clock_source clock) {
    writable().clock = std::move(clock);
}
void context::set_keylog_callback(keylog_callback callback) {
    writable().keylog = std::move(callback);
}
void context::set_extension_hook(extension_hook hook) {
    writable().extension_edit = std::move(hook);
}
void context::set_key_update_interval(std::uint64_t records) {
    writable().key_update_interval =
        std::clamp<std::uint64_t>(records, 1, impl::max_records_per_key);
}

void context::set_middlebox_compatibility(bool enabled) {
    writable().middlebox_compat = enabled;
}

void context::set_security_level(int level) {
    if (level < 0 || level > 5) {
        throw_if(make_error_code(error::invalid_argument), "set_security_level");
    }
    writable().security_level = level;
}

int context::security_level() const noexcept {
    return impl_->security_level;
}

const char* name(cipher_suite s) noexcept {
    switch (s) {
        case cipher_suite::aes_128_gcm_sha256:
            return "TLS_AES_128_GCM_SHA256";
        case cipher_suite::aes_256_gcm_sha384:
            return "TLS_AES_256_GCM_SHA384";
        case cipher_suite::chacha20_poly1305_sha256:
            return "TLS_CHACHA20_POLY1305_SHA256";
    }
    return "unknown";
}

const char* name(named_group g) noexcept {
    switch (g) {
        case named_group::secp256r1:
            return "secp256r1";
        case named_group::secp384r1:
            return "secp384r1";
        case named_group::x25519:
            return "x25519";
    }
    return "unknown";
}

const char* name(signature_scheme s) noexcept {
    switch (s) {
        case signature_scheme::rsa_pkcs1_sha256:
            return "rsa_pkcs1_sha256";
        case signature_scheme::rsa_pkcs1_sha384:
            return "rsa_pkcs1_sha384";
        case signature_scheme::rsa_pkcs1_sha512:
            return "rsa_pkcs1_sha512";
        case signature_scheme::ecdsa_secp256r1_sha256:
            return "ecdsa_secp256r1_sha256";
        case signature_scheme::ecdsa_secp384r1_sha384:
            return "ecdsa_secp384r1_sha384";
        case signature_scheme::ecdsa_secp521r1_sha512:
            return "ecdsa_secp521r1_sha512";
        case signature_scheme::rsa_pss_rsae_sha256:
            return "rsa_pss_rsae_sha256";
        case signature_scheme::rsa_pss_rsae_sha384:
            return "rsa_pss_rsae_sha384";
        case signature_scheme::rsa_pss_rsae_sha512:
            return "rsa_pss_rsae_sha512";
        case signature_scheme::ed25519:
            return "ed25519";
        case signature_scheme::rsa_pss_pss_sha256:
            return "rsa_pss_pss_sha256";
        case signature_scheme::rsa_pss_pss_sha384:
            return "rsa_pss_pss_sha384";
        case signature_scheme::rsa_pss_pss_sha512:
            return "rsa_pss_pss_sha512";
    }
    return "unknown";
}

const char* name(protocol_version v) noexcept {
    switch (v) {
        case protocol_version::tls12:
            return "TLSv1.2";
        case protocol_version::tls13:
            return "TLSv1.3";
    }
    return "unknown";
}

}  // namespace tlsio
