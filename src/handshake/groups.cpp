#include "handshake/groups.hpp"

#include "crypto/hash.hpp"

#include <algorithm>
#include <array>

namespace tlsio::handshake {

std::uint16_t group_code(crypto::kx_group g) noexcept {
    switch (g) {
        case crypto::kx_group::x25519:
            return 0x001d;
        case crypto::kx_group::secp256r1:
            return 0x0017;
        case crypto::kx_group::secp384r1:
            return 0x0018;
    }
    return 0;
}

std::optional<crypto::kx_group> kx_group_of(std::uint16_t code) noexcept {
    switch (code) {
        case 0x001d:
            return crypto::kx_group::x25519;
        case 0x0017:
            return crypto::kx_group::secp256r1;
        case 0x0018:
            return crypto::kx_group::secp384r1;
        default:
            return std::nullopt;
    }
}

std::optional<crypto::kx_private_key> make_key_share(const context::impl& ctx,
                                                     std::uint16_t group) {
    auto g = kx_group_of(group);
    if (!g) {
        return std::nullopt;
    }
    // Private keys come from the context's random source, so a test can replay
    // a trace. An EC scalar outside [1, n-1] is refused by from_private_bytes;
    // drawing again has a chance of about 2^-32 per try to be needed at all.
    std::size_t size = *g == crypto::kx_group::secp384r1 ? 48 : 32;
    std::array<std::uint8_t, 48> priv;
    for (int attempt = 0; attempt < 8; ++attempt) {
        ctx.fill_random({priv.data(), size});
        auto key = crypto::kx_private_key::from_private_bytes(*g, {priv.data(), size});
        if (key) {
            crypto::cleanse(priv);
            return key;
        }
    }
    crypto::cleanse(priv);
    return std::nullopt;
}

bool is_certificate_verify_scheme(std::uint16_t scheme) noexcept {
    // The low byte 0x01 is RSASSA-PKCS1-v1_5 and 0x02 is SHA-1 based (section 4.2.3).
    auto low = static_cast<std::uint8_t>(scheme & 0xff);
    std::uint8_t high = static_cast<std::uint8_t>(scheme >> 8);
    return low != 0x01 && high != 0x02;
}

std::uint16_t choose_scheme(const credential& cred, const std::vector<std::uint16_t>& preference,
                            const std::vector<std::uint16_t>& allowed) {
    for (std::uint16_t s : preference) {
        if (is_certificate_verify_scheme(s) &&
            std::find(allowed.begin(), allowed.end(), s) != allowed.end() &&
            crypto::scheme_matches_key(s, cred.type)) {
            return s;
        }
    }
    return 0;
}

}  // namespace tlsio::handshake
