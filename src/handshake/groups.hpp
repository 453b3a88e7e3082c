// Mapping between protocol code points and crypto-layer algorithms.
#ifndef TLSIO_SRC_HANDSHAKE_GROUPS_HPP
#define TLSIO_SRC_HANDSHAKE_GROUPS_HPP

#include "context/context_impl.hpp"
#include "crypto/kx.hpp"

#include <optional>

namespace tlsio::handshake {

std::uint16_t group_code(crypto::kx_group g) noexcept;
std::optional<crypto::kx_group> kx_group_of(std::uint16_t code) noexcept;

/// A fresh key share for `group`. x25519 keys come from the context's random
/// source (so tests can replay traces); EC keys from libcrypto's generator.
std::optional<crypto::kx_private_key> make_key_share(const context::impl& ctx, std::uint16_t group);

/// True for schemes TLS 1.3 allows in CertificateVerify (not rsa_pkcs1_*, not SHA-1).
bool is_certificate_verify_scheme(std::uint16_t scheme) noexcept;

/// The first scheme of `preference` that `allowed` contains, that may sign a
/// CertificateVerify, and that `cred`'s key can produce; 0 if none.
std::uint16_t choose_scheme(const credential& cred, const std::vector<std::uint16_t>& preference,
                            const std::vector<std::uint16_t>& allowed);

}  // namespace tlsio::handshake

#endif
