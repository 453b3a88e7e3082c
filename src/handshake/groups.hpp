// Key exchange and signature-scheme choices shared by client and server.
#ifndef TLSIO_SRC_HANDSHAKE_GROUPS_HPP
#define TLSIO_SRC_HANDSHAKE_GROUPS_HPP

#include "context/context_impl.hpp"
#include "crypto/kx.hpp"

#include <optional>

namespace tlsio::handshake {

/// The context's random source as the key-exchange table takes it: private
/// keys come from it, so tests can replay traces.
inline auto random_source_of(const context::impl& ctx) {
    return [&ctx](mutable_bytes out) { ctx.fill_random(out); };
}

/// True for schemes TLS 1.3 allows in CertificateVerify (not rsa_pkcs1_*, not SHA-1).
bool is_certificate_verify_scheme(std::uint16_t scheme) noexcept;

/// The first scheme of `preference` that `allowed` contains, that may sign a
/// CertificateVerify (in TLS 1.2 also rsa_pkcs1_*), and that `cred`'s key can
/// produce (its type, and for RSA-PSS a modulus large enough for the hash); 0
/// if none.
std::uint16_t choose_scheme(const credential& cred, const std::vector<std::uint16_t>& preference,
                            const std::vector<std::uint16_t>& allowed, bool tls12 = false);

/// True for the groups TLS 1.2 ECDHE can use (RFC 8422 and RFC 7748 curves
/// whose shared secret fits handshake::secret); not the KEM hybrids or ffdhe.
bool is_tls12_group(std::uint16_t group) noexcept;

/// The supported_groups code point of an ECDSA key's curve (P-256, P-384,
/// P-521); 0 for other keys. TLS 1.2 negotiates ECDSA curves with it.
std::uint16_t ecdsa_curve(crypto::key_type key) noexcept;

}  // namespace tlsio::handshake

#endif
