#include "context/context_impl.hpp"
#include "context/test_hooks.hpp"

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

std::vector<crypto::certificate> parse_chain(std::string_view text, boost::system::error_code& ec) {
    std::vector<crypto::certificate> chain;
    for (const bytes& der : crypto::pem_certificates_to_der(text)) {
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

std::string_view as_text(const boost::asio::const_buffer& b) {
    return {static_cast<const char*>(b.data()), b.size()};
}

byte_view as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// PKCS#8 "ENCRYPTED PRIVATE KEY" or a traditional key with
// "Proc-Type: 4,ENCRYPTED": the cases where a pass phrase is needed.
bool pem_is_encrypted(std::string_view text) {
    return text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
           text.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
}

std::string read_or_fail(const std::string& path, boost::system::error_code& ec) {
    auto text = crypto::read_file(path);
    if (!text) {
        ec = error::key_load_failed;
        return {};
    }
    return std::move(*text);
}

// Reads a key file, hands its text to `use` and wipes the copy.
template <class Use>
void with_key_file(const std::string& path, boost::system::error_code& ec, Use use) {
    ec.clear();
    std::string data = read_or_fail(path, ec);
    if (!ec) {
        use(data);
    }
    crypto::cleanse({reinterpret_cast<std::uint8_t*>(data.data()), data.size()});
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

context::context() {
    auto s = std::make_shared<impl>();
    // Made now, so that streams made before the first CA is added share it.
    s->trust = std::make_shared<crypto::trust_store>();
    impl_ = std::move(s);
}

context::context(method m) : context() {
    switch (m) {
        case sslv23:
        case sslv23_client:
        case sslv23_server:
        case tls:
        case tls_client:
        case tls_server:
            return;
        case tlsv13:
        case tlsv13_client:
        case tlsv13_server:
            writable().min_version = wire::tls13_version;
            writable().max_version = wire::tls13_version;
            return;
        case tlsv12:
        case tlsv12_client:
        case tlsv12_server:
            writable().min_version = wire::tls12_version;
            writable().max_version = wire::tls12_version;
            return;
        default:
            throw boost::system::system_error(
                error::unsupported_version,
                "context: SSL 2.0, SSL 3.0, TLS 1.0 and TLS 1.1 are insecure and not "
                "supported; use tls_client / tls_server");
    }
}

// A copy shares the trust store until it changes its own (see trust_of).
context::context(const context& other) : impl_(other.impl_), owns_trust_(false) {}
context& context::operator=(const context& other) {
    impl_ = other.impl_;
    owns_trust_ = false;
    return *this;
}
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

void context::set_options(options o, boost::system::error_code& ec) {
    ec.clear();
    constexpr options no_ops = default_workarounds | single_dh_use | no_sslv2 | no_sslv3 |
                               no_tlsv1 | no_tlsv1_1 | no_tlsv1_2 | no_compression;
    if ((o & ~(no_ops | no_tlsv1_3)) != 0) {
        ec = error::unsupported_option;
        return;
    }
    impl after = *impl_;
    after.options |= o;
    if (after.highest_version() == 0) {
        ec = error::unsupported_version;  // no version would be left
        return;
    }
    writable().options |= o;
}

void context::set_options(options o) {
    boost::system::error_code ec;
    set_options(o, ec);
    if (ec == error::unsupported_version) {
        throw boost::system::system_error(
            ec, "set_options: the no_tlsv1_* options would leave no version to negotiate");
    }
    throw_if(ec,
             "set_options: tlsio implements default_workarounds, single_dh_use, "
             "no_compression and the no_* options of versions before TLS 1.3");
}

void context::clear_options(options o, boost::system::error_code& ec) {
    ec.clear();
    writable().options &= ~o;
}

void context::clear_options(options o) {
    boost::system::error_code ec;
    clear_options(o, ec);
}

context::options context::get_options() const noexcept {
    return impl_->options;
}

void context::use_certificate_chain(std::string_view text, boost::system::error_code& ec) {
    ec.clear();
    auto chain = parse_chain(text, ec);
    if (!ec) {
        writable().pending_chain = std::move(chain);
    }
}

void context::use_certificate_chain(std::string_view text) {
    boost::system::error_code ec;
    use_certificate_chain(text, ec);
    throw_if(ec, "use_certificate_chain");
}

void context::use_certificate_chain_file(const std::string& path, boost::system::error_code& ec) {
    ec.clear();
    std::string text = read_or_fail(path, ec);
    if (!ec) {
        use_certificate_chain(text, ec);
    }
}

void context::use_certificate_chain_file(const std::string& path) {
    boost::system::error_code ec;
    use_certificate_chain_file(path, ec);
    throw_if(ec, "use_certificate_chain_file");
}

void context::use_certificate_chain(const boost::asio::const_buffer& text,
                                    boost::system::error_code& ec) {
    use_certificate_chain(as_text(text), ec);
}

void context::use_certificate_chain(const boost::asio::const_buffer& text) {
    use_certificate_chain(as_text(text));
}

void context::use_certificate(const boost::asio::const_buffer& certificate, file_format format,
                              boost::system::error_code& ec) {
    ec.clear();
    std::optional<crypto::certificate> leaf;
    if (format == asn1) {
        leaf = crypto::certificate::from_der(
            byte_view(static_cast<const std::uint8_t*>(certificate.data()), certificate.size()));
    } else if (auto ders = crypto::pem_certificates_to_der(as_text(certificate)); !ders.empty()) {
        leaf = crypto::certificate::from_der(ders.front());
    }
    if (!leaf) {
        ec = error::key_load_failed;
        return;
    }
    writable().pending_chain = {std::move(*leaf)};
}

void context::use_certificate(const boost::asio::const_buffer& certificate, file_format format) {
    boost::system::error_code ec;
    use_certificate(certificate, format, ec);
    throw_if(ec, "use_certificate");
}

void context::use_certificate_file(const std::string& path, file_format format,
                                   boost::system::error_code& ec) {
    ec.clear();
    std::string data = read_or_fail(path, ec);
    if (!ec) {
        use_certificate(boost::asio::buffer(data), format, ec);
    }
}

void context::use_certificate_file(const std::string& path, file_format format) {
    boost::system::error_code ec;
    use_certificate_file(path, format, ec);
    throw_if(ec, "use_certificate_file");
}

void context::use_key(std::string_view data, file_format format, bool rsa_only,
                      boost::system::error_code& ec) {
    ec.clear();
    // asio's password callback has a purpose; libcrypto's only asks to read.
    crypto::password_source password;
    if (impl_->password) {
        password = [callback = impl_->password](std::size_t max_length) {
            return callback(max_length, for_reading);
        };
    }
    const bool encrypted = format == context::pem ? pem_is_encrypted(data) : false;
    if (encrypted && !password) {
        ec = error::key_password_required;
        return;
    }
    auto key = format == context::pem ? crypto::private_key::from_pem(data, password)
                                      : crypto::private_key::from_der(as_bytes(data), password);
    if (!key) {
        ec = encrypted ? error::key_password_wrong : error::key_load_failed;
        return;
    }
    if (key->type() == crypto::key_type::unsupported ||
        (rsa_only && key->type() != crypto::key_type::rsa)) {
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

void context::use_private_key(std::string_view text, boost::system::error_code& ec) {
    use_key(text, context::pem, false, ec);
}

void context::use_private_key(std::string_view text) {
    boost::system::error_code ec;
    use_private_key(text, ec);
    throw_if(ec, "use_private_key");
}

void context::use_private_key(const boost::asio::const_buffer& key, file_format format,
                              boost::system::error_code& ec) {
    use_key(as_text(key), format, false, ec);
}

void context::use_private_key(const boost::asio::const_buffer& key, file_format format) {
    boost::system::error_code ec;
    use_private_key(key, format, ec);
    throw_if(ec, "use_private_key");
}

void context::use_rsa_private_key(const boost::asio::const_buffer& key, file_format format,
                                  boost::system::error_code& ec) {
    use_key(as_text(key), format, true, ec);
}

void context::use_rsa_private_key(const boost::asio::const_buffer& key, file_format format) {
    boost::system::error_code ec;
    use_rsa_private_key(key, format, ec);
    throw_if(ec, "use_rsa_private_key");
}

void context::use_private_key_file(const std::string& path, file_format format,
                                   boost::system::error_code& ec) {
    with_key_file(path, ec, [&](std::string_view data) { use_key(data, format, false, ec); });
}

void context::use_private_key_file(const std::string& path, file_format format) {
    boost::system::error_code ec;
    use_private_key_file(path, format, ec);
    throw_if(ec, "use_private_key_file");
}

void context::use_private_key_file(const std::string& path, boost::system::error_code& ec) {
    use_private_key_file(path, context::pem, ec);
}

void context::use_private_key_file(const std::string& path) {
    use_private_key_file(path, context::pem);
}

void context::use_rsa_private_key_file(const std::string& path, file_format format,
                                       boost::system::error_code& ec) {
    with_key_file(path, ec, [&](std::string_view data) { use_key(data, format, true, ec); });
}

void context::use_rsa_private_key_file(const std::string& path, file_format format) {
    boost::system::error_code ec;
    use_rsa_private_key_file(path, format, ec);
    throw_if(ec, "use_rsa_private_key_file");
}

void context::set_password_callback_impl(password_callback callback) {
    writable().password = std::move(callback);
}

void context::use_tmp_dh(const boost::asio::const_buffer&, boost::system::error_code& ec) {
    ec.clear();
}
void context::use_tmp_dh(const boost::asio::const_buffer&) {}
void context::use_tmp_dh_file(const std::string&, boost::system::error_code& ec) {
    ec.clear();
}
void context::use_tmp_dh_file(const std::string&) {}

void context::use_certificate_chain_with_signer(std::string_view text, sign_callback signer,
                                                boost::system::error_code& ec) {
    ec.clear();
    auto chain = parse_chain(text, ec);
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

void context::use_certificate_chain_with_signer(std::string_view text, sign_callback signer) {
    boost::system::error_code ec;
    use_certificate_chain_with_signer(text, std::move(signer), ec);
    throw_if(ec, "use_certificate_chain_with_signer");
}

namespace {}  // namespace

// The owner changes its store in place, so engines made from it see the
// change (asio shares its X509_STORE the same way); a copy that has not
// changed its trust yet takes a store of its own first, so the original and
// its engines never see the copy's additions.
context::impl& context::writable_trust() {
    impl& s = writable();
    if (!s.trust) {
        s.trust = std::make_shared<crypto::trust_store>();
    } else if (!owns_trust_) {
        s.trust = std::make_shared<crypto::trust_store>(s.trust->clone());
        s.forget_shared_sessions();
    }
    owns_trust_ = true;
    return s;
}

// A session verified under one context's trust and verify settings must not
// be resumed, unverified, under another's: a copy that changes them (or the
// original, once a copy shares its cache) gets a cache and ticket keys of its
// own. Those shared with nobody stay, with what they hold.
void context::impl::forget_shared_sessions() {
    if (sessions.use_count() > 1) {
        sessions = std::make_shared<resumption::session_cache>(sessions->capacity());
    }
    if (server_sessions.use_count() > 1) {
        server_sessions = std::make_shared<resumption::server_session_cache>();
    }
    if (ticket_keys.use_count() > 1 && !ticket_keys->manual()) {
        renew_ticket_keys();
    }
}

// A keyring of its own, on this state's schedule: a copy's settings never
// reach the keys the original (or its engines) use.
void context::impl::renew_ticket_keys() {
    auto ring = std::make_shared<resumption::ticket_keyring>();
    ring->set_schedule(ticket_key_rotation, ticket_lifetime);
    ticket_keys = std::move(ring);
}

void context::load_verify_file(const std::string& path, boost::system::error_code& ec) {
    ec.clear();
    if (!writable_trust().trust->load_file(path)) {
        ec = error::key_load_failed;
    }
}

void context::load_verify_file(const std::string& path) {
    boost::system::error_code ec;
    load_verify_file(path, ec);
    throw_if(ec, "load_verify_file");
}

void context::add_certificate_authority(std::string_view text, boost::system::error_code& ec) {
    ec.clear();
    if (!writable_trust().trust->add_pem(text)) {
        ec = error::key_load_failed;
    }
}

void context::add_certificate_authority(std::string_view text) {
    boost::system::error_code ec;
    add_certificate_authority(text, ec);
    throw_if(ec, "add_certificate_authority");
}

void context::add_certificate_authority(const boost::asio::const_buffer& text,
                                        boost::system::error_code& ec) {
    add_certificate_authority(as_text(text), ec);
}

void context::add_certificate_authority(const boost::asio::const_buffer& text) {
    add_certificate_authority(as_text(text));
}

void context::add_verify_path(const std::string& path, boost::system::error_code& ec) {
    ec.clear();
    if (!writable_trust().trust->add_directory(path)) {
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
    if (!writable_trust().trust->set_default_paths()) {
        ec = error::key_load_failed;
    }
}

void context::set_default_verify_paths() {
    boost::system::error_code ec;
    set_default_verify_paths(ec);
    throw_if(ec, "set_default_verify_paths");
}

void context::set_verify_mode(verify_mode mode) {
    impl& w = writable();
    w.mode = mode;
    w.forget_shared_sessions();
}
void context::set_verify_mode(verify_mode mode, boost::system::error_code& ec) {
    ec.clear();
    set_verify_mode(mode);
}
void context::set_verify_callback(verify_callback callback) {
    impl& w = writable();
    w.verify = std::move(callback);
    w.forget_shared_sessions();
}
void context::set_verify_callback(verify_callback callback, boost::system::error_code& ec) {
    ec.clear();
    set_verify_callback(std::move(callback));
}
void context::set_verify_depth(int depth, boost::system::error_code& ec) {
    ec.clear();
    if (depth < 0) {
        ec = error::invalid_argument;
        return;
    }
    impl& w = writable();
    w.verify_depth = depth;
    w.forget_shared_sessions();
}
void context::set_verify_depth(int depth) {
    boost::system::error_code ec;
    set_verify_depth(depth, ec);
    throw_if(ec, "set_verify_depth");
}

bool host_name_verification::operator()(bool preverified, verify_context& ctx) const {
    return preverified && crypto::verify_context_matches_host(ctx.native_handle(), host_);
}

void context::set_protocol_versions(protocol_version min, protocol_version max,
                                    boost::system::error_code& ec) {
    ec.clear();
    if (min > max) {
        ec = error::protocol_version;
        return;
    }
    impl& state = writable();
    state.min_version = static_cast<std::uint16_t>(min);
    state.max_version = static_cast<std::uint16_t>(max);
}

void context::set_protocol_versions(protocol_version min, protocol_version max) {
    boost::system::error_code ec;
    set_protocol_versions(min, max, ec);
    throw_if(ec, "set_protocol_versions: min is above max");
}

void context::set_cipher_suites(std::vector<cipher_suite> suites) {
    std::vector<std::uint16_t> ids13;
    std::vector<std::uint16_t> ids12;
    for (cipher_suite s : suites) {
        auto id = static_cast<std::uint16_t>(s);
        ((id >> 8) == 0x13 ? ids13 : ids12).push_back(id);
    }
    impl& state = writable();
    if (!ids13.empty() || ids12.empty()) {
        state.cipher_suites = std::move(ids13);
    }
    if (!ids12.empty()) {
        state.cipher_suites12 = std::move(ids12);
    }
}

namespace {

std::vector<std::uint16_t> codes_of(const std::vector<named_group>& groups) {
    std::vector<std::uint16_t> ids;
    for (named_group g : groups)
        ids.push_back(static_cast<std::uint16_t>(g));
    return ids;
}

}  // namespace

void context::set_groups(std::vector<named_group> groups) {
    impl& w = writable();
    w.groups = codes_of(groups);
    // The default key shares (X25519MLKEM768 and x25519) go with the default
    // groups; a client that picks its own groups and no key shares shares the
    // first of its groups.
    if (w.key_share_groups == impl().key_share_groups) {
        w.key_share_groups.clear();
    }
}

void context::set_key_share_groups(std::vector<named_group> groups) {
    writable().key_share_groups = codes_of(groups);
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

void context::set_client_hello_callback(client_hello_callback callback) {
    writable().client_hello = std::move(callback);
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
struct testing::context_access {
    static context::impl& writable(context& ctx) { return ctx.writable(); }
};

void testing::set_extension_hook(context& ctx, extension_hook hook) {
    context_access::writable(ctx).extension_edit = std::move(hook);
}
void context::set_key_update_interval(std::uint64_t records) {
    writable().key_update_interval =
        std::clamp<std::uint64_t>(records, 1, impl::max_records_per_key);
}

void context::set_num_tickets(std::size_t count) {
    writable().num_tickets = count;
}

void context::set_server_session_cache_size(std::size_t sessions) {
    writable().server_sessions = std::make_shared<resumption::server_session_cache>(sessions);
}

void context::set_stateful_tickets(bool enabled) {
    writable().stateful_tickets = enabled;
}

void context::set_max_early_data(std::uint32_t size) {
    writable().max_early_data = size;
}

std::uint32_t context::max_early_data() const noexcept {
    return impl_->max_early_data;
}

void context::set_early_data_replay_check(early_data_replay_check check) {
    writable().replay_check = std::move(check);
}

void context::set_ticket_lifetime(std::chrono::seconds lifetime) {
    if (lifetime <= std::chrono::seconds::zero() || lifetime > std::chrono::hours(24 * 7)) {
        throw_if(make_error_code(error::invalid_argument), "set_ticket_lifetime");
    }
    impl& w = writable();
    w.ticket_lifetime = lifetime;
    if (!w.ticket_keys->manual()) {
        w.renew_ticket_keys();
    }
}

void context::set_ticket_key_rotation(std::chrono::seconds interval) {
    if (interval <= std::chrono::seconds::zero()) {
        throw_if(make_error_code(error::invalid_argument), "set_ticket_key_rotation");
    }
    impl& w = writable();
    w.ticket_key_rotation = interval;
    w.renew_ticket_keys();
}

void context::set_ticket_keys(const std::vector<ticket_key>& keys) {
    std::vector<resumption::ticket_key_bytes> copied;
    for (const ticket_key& k : keys) {
        copied.push_back({k.name, k.key});
    }
    auto ring = std::make_shared<resumption::ticket_keyring>();
    ring->set_keys(copied);
    for (resumption::ticket_key_bytes& k : copied) {
        crypto::cleanse(k.key);
    }
    writable().ticket_keys = std::move(ring);
}

void context::set_ticket_key_callback(ticket_key_callback callback) {
    auto ring = std::make_shared<resumption::ticket_keyring>();
    ring->set_supplier([callback = std::move(callback)](const std::array<std::uint8_t, 16>* name)
                           -> std::optional<resumption::ticket_key_bytes> {
        std::optional<ticket_key> k = callback(name);
        if (!k) {
            return std::nullopt;
        }
        resumption::ticket_key_bytes out{k->name, k->key};
        crypto::cleanse(k->key);
        return out;
    });
    writable().ticket_keys = std::move(ring);
}

void context::set_session_cache_size(std::size_t servers) {
    writable().sessions = std::make_shared<resumption::session_cache>(servers);
}

void context::set_middlebox_compatibility(bool enabled) {
    writable().middlebox_compat = enabled;
}

void context::set_security_level(int level) {
    if (level < 0 || level > 5) {
        throw_if(make_error_code(error::invalid_argument), "set_security_level");
    }
    impl& w = writable();
    w.security_level = level;
    w.forget_shared_sessions();
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
        case cipher_suite::aes_128_ccm_sha256:
            return "TLS_AES_128_CCM_SHA256";
        case cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256:
            return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        case cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384:
            return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
        case cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256:
            return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
        case cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384:
            return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
        case cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256:
            return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
        case cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256:
            return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
    }
    return "unknown";
}

const char* openssl_name(cipher_suite s) noexcept {
    switch (s) {
        case cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256:
            return "ECDHE-ECDSA-AES128-GCM-SHA256";
        case cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384:
            return "ECDHE-ECDSA-AES256-GCM-SHA384";
        case cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256:
            return "ECDHE-RSA-AES128-GCM-SHA256";
        case cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384:
            return "ECDHE-RSA-AES256-GCM-SHA384";
        case cipher_suite::ecdhe_rsa_with_chacha20_poly1305_sha256:
            return "ECDHE-RSA-CHACHA20-POLY1305";
        case cipher_suite::ecdhe_ecdsa_with_chacha20_poly1305_sha256:
            return "ECDHE-ECDSA-CHACHA20-POLY1305";
        default:
            return name(s);
    }
}

const char* name(named_group g) noexcept {
    const crypto::key_exchange* kx = crypto::find_key_exchange(static_cast<std::uint16_t>(g));
    return kx != nullptr ? kx->name : "unknown";
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
