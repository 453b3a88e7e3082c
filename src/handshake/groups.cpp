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

namespace {

// RSASSA-PSS as TLS 1.3 uses it (salt as long as the hash, RFC 8446 4.2.3)
// needs a modulus of at least 2 * hash length + 2 bytes (RFC 8017 9.1.1,
// EMSA-PSS-ENCODE step 3): SHA-512 does not fit a 1024-bit key. Signing would
// fail after the scheme was announced, so such a scheme is not chosen.
bool fits_key_size(std::uint16_t scheme, const credential& cred) {
    std::size_t hash_length = 0;
    switch (scheme) {
        case 0x0804:  // rsa_pss_rsae_sha256
        case 0x0809:  // rsa_pss_pss_sha256
            hash_length = 32;
            break;
        case 0x0805:  // rsa_pss_rsae_sha384
        case 0x080a:  // rsa_pss_pss_sha384
            hash_length = 48;
            break;
        case 0x0806:  // rsa_pss_rsae_sha512
        case 0x080b:  // rsa_pss_pss_sha512
            hash_length = 64;
            break;
        default:
            return true;
    }
    if (cred.chain.empty()) {
        return true;  // a signing callback without a chain: its key size is unknown
    }
    const int bits = cred.chain.front().key().bits();
    // EMSA-PSS encodes into emBits = modBits - 1 bits.
    const std::size_t encoded_bytes = bits > 0 ? (static_cast<std::size_t>(bits) - 1 + 7) / 8 : 0;
    return bits <= 0 || encoded_bytes >= 2 * hash_length + 2;
}

}  // namespace

bool is_tls12_group(std::uint16_t group) noexcept {
    switch (group) {
        case 0x001d:  // x25519
        case 0x001e:  // x448
        case 0x0017:  // secp256r1
        case 0x0018:  // secp384r1
        case 0x0019:  // secp521r1
            return true;
        default:
            return false;
    }
}

std::uint16_t ecdsa_curve(crypto::key_type key) noexcept {
    switch (key) {
        case crypto::key_type::ec_p256:
            return 0x0017;
        case crypto::key_type::ec_p384:
            return 0x0018;
        case crypto::key_type::ec_p521:
            return 0x0019;
        default:
            return 0;
    }
}

std::uint16_t choose_scheme(const credential& cred, const std::vector<std::uint16_t>& preference,
                            const std::vector<std::uint16_t>& allowed, bool tls12) {
    const auto sha1 = [](std::uint16_t s) { return (s >> 8) == 0x02; };
    for (std::uint16_t s : preference) {
        if ((tls12 ? !sha1(s) : is_certificate_verify_scheme(s)) &&
            std::find(allowed.begin(), allowed.end(), s) != allowed.end() &&
            crypto::scheme_matches_key(s, cred.type) && fits_key_size(s, cred)) {
            return s;
        }
    }
    return 0;
}

}  // namespace tlsio::handshake
