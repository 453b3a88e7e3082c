#include "handshake/groups.hpp"

#include "crypto/hash.hpp"

#include <algorithm>

namespace tlsio::handshake {

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
