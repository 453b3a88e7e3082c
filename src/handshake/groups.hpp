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
/// CertificateVerify, and that `cred`'s key can produce (its type, and for
/// RSA-PSS a modulus large enough for the hash); 0 if none.
std::uint16_t choose_scheme(const credential& cred, const std::vector<std::uint16_t>& preference,
                            const std::vector<std::uint16_t>& allowed);

}  // namespace tlsio::handshake

#endif
