// The state behind tlsio::context, shared read-only by the engines made from it.
#ifndef TLSIO_SRC_CONTEXT_CONTEXT_IMPL_HPP
#define TLSIO_SRC_CONTEXT_CONTEXT_IMPL_HPP

#include "context/replay_filter.hpp"
#include "context/server_session_cache.hpp"
#include "context/session_cache.hpp"
#include "context/ticket_keys.hpp"
#include "crypto/kx.hpp"
#include "crypto/sig.hpp"
#include "crypto/x509.hpp"
#include "wire/messages.hpp"

#include <tlsio/context.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace tlsio {

/// One certificate chain with the means to sign for its leaf key.
struct credential {
    std::vector<crypto::certificate> chain;          ///< leaf first
    std::shared_ptr<const crypto::private_key> key;  ///< null when `signer` signs
    sign_callback signer;
    crypto::key_type type = crypto::key_type::unsupported;
};

/// RFC 7301: every protocol name is 1 to 255 bytes.
inline bool valid_alpn_protocols(const std::vector<std::string>& protocols) noexcept {
    return std::none_of(protocols.begin(), protocols.end(),
                        [](const std::string& p) { return p.empty() || p.size() > 255; });
}

struct context::impl {
    std::vector<credential> credentials;
    /// A chain waiting for its private key (use_certificate_chain then use_private_key).
    std::vector<crypto::certificate> pending_chain;

    /// Shared with the engines made from this state and with copies of the
    /// context that have not changed their trust (context::owns_trust_).
    std::shared_ptr<crypto::trust_store> trust;
    std::optional<verify_mode> mode;  ///< unset: verify_peer for clients, none for servers
    verify_callback verify;
    int verify_depth = -1;  ///< negative: libcrypto's default
    password_callback password;
    context::options options = 0;

    std::vector<std::uint16_t> cipher_suites = {0x1301, 0x1302, 0x1303};
    /// TLS 1.2 suites, server preference first: ECDSA before RSA, and each as
    /// AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305.
    std::vector<std::uint16_t> cipher_suites12 = {0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8};
    /// The protocol versions to negotiate (wire values), before the no_* options.
    std::uint16_t min_version = wire::tls12_version;
    std::uint16_t max_version = wire::tls13_version;
    std::vector<std::uint16_t> groups = crypto::default_group_codes();
    /// Client: groups to send key shares for; empty means the first of
    /// `groups`. By default X25519MLKEM768 and x25519, as browsers send.
    std::vector<std::uint16_t> key_share_groups = {0x11ec, 0x001d};
    /// Offered in signature_algorithms; also the schemes accepted in CertificateVerify
    /// (minus rsa_pkcs1_*, which TLS 1.3 allows only in certificates).
    std::vector<std::uint16_t> signature_schemes = {0x0403, 0x0503, 0x0603, 0x0807, 0x0804,
                                                    0x0805, 0x0806, 0x0809, 0x080a, 0x080b,
                                                    0x0401, 0x0501, 0x0601};
    std::vector<std::string> alpn;
    server_name_callback server_name;
    client_hello_callback client_hello;

    random_source random;
    clock_source clock;
    keylog_callback keylog;
    extension_hook extension_edit;
    /// Send a legacy session id and ChangeCipherSpec (RFC 8446 appendix D.4).
    bool middlebox_compat = true;
    /// libcrypto's security level applied to the peer's chain and key.
    int security_level = 2;
    /// Records sealed under one key before a KeyUpdate: well below the AES-GCM
    /// limit of 2^24.5 records (RFC 8446 section 5.5).
    static constexpr std::uint64_t max_records_per_key = std::uint64_t{1} << 24;
    std::uint64_t key_update_interval = max_records_per_key;

    /// True when `version` (wire value) may be negotiated.
    bool allows(std::uint16_t version) const noexcept {
        if (version < min_version || version > max_version) {
            return false;
        }
        return !(version == wire::tls12_version && (options & context::no_tlsv1_2) != 0) &&
               !(version == wire::tls13_version && (options & context::no_tlsv1_3) != 0);
    }
    /// The highest version allowed (0 when none is).
    std::uint16_t highest_version() const noexcept {
        return allows(wire::tls13_version)   ? wire::tls13_version
               : allows(wire::tls12_version) ? wire::tls12_version
                                             : std::uint16_t{0};
    }

    // Resumption. The keyring and the cache are shared by the engines (and by
    // copies of this state until a setter replaces them for the copy alone).
    std::size_t num_tickets = 2;
    std::chrono::seconds ticket_lifetime{std::chrono::hours(2)};
    std::chrono::seconds ticket_key_rotation{std::chrono::hours(12)};
    std::shared_ptr<resumption::ticket_keyring> ticket_keys =
        std::make_shared<resumption::ticket_keyring>();
    std::shared_ptr<resumption::session_cache> sessions =
        std::make_shared<resumption::session_cache>();
    /// TLS 1.2 servers: sessions by ID, for clients that resume without tickets.
    std::shared_ptr<resumption::server_session_cache> server_sessions =
        std::make_shared<resumption::server_session_cache>();
    /// TLS 1.3 tickets name sessions in server_sessions and are used once.
    bool stateful_tickets = false;
    // 0-RTT: off unless max_early_data > 0. The built-in replay filter is
    // shared by copies; replay_check replaces it.
    std::uint32_t max_early_data = 0;
    std::shared_ptr<resumption::replay_filter> replay_filter =
        std::make_shared<resumption::replay_filter>();
    context::early_data_replay_check replay_check;

    /// Replaces the session cache and generated ticket keys with new ones when
    /// another context shares them (see context.cpp).
    void forget_shared_sessions();
    /// Generated ticket keys on this state's rotation and lifetime, in a
    /// keyring of their own.
    void renew_ticket_keys();
    void fill_random(mutable_bytes out) const;
    std::chrono::system_clock::time_point now() const;
    verify_mode effective_verify_mode(role r) const noexcept {
        return mode ? *mode : (r == role::client ? verify_peer : verify_none);
    }
};

}  // namespace tlsio

#endif
