#include "context/session_state.hpp"

#include "crypto/hash.hpp"
#include "wire/codec.hpp"

namespace tlsio::resumption {
namespace {

/// Bumped when the layout changes: an old ticket or saved session then
/// decodes to nothing and costs a full handshake, never a misread.
constexpr std::uint8_t format_version = 3;

}  // namespace

session_state::~session_state() {
    crypto::cleanse(secret);
}

bytes encode_session(const session_state& s) {
    bytes out;
    wire::writer w(out);
    w.u8(format_version);
    w.u16(s.version);
    w.u16(s.cipher_suite);
    w.vec8(s.secret);
    w.u64(s.issued_at);
    w.u32(s.lifetime);
    w.u32(s.age_add);
    w.u32(s.max_early_data);
    w.u16(s.group);
    w.vec16(byte_view(reinterpret_cast<const std::uint8_t*>(s.server_name.data()),
                      s.server_name.size()));
    w.vec8(byte_view(reinterpret_cast<const std::uint8_t*>(s.alpn.data()), s.alpn.size()));
    std::size_t chain = w.begin(3);
    for (const bytes& cert : s.peer_chain) {
        w.vec24(cert);
    }
    w.end(chain, 3);
    w.u8(s.peer_verified ? 1 : 0);
    w.u32(s.verify_result);
    w.vec16(s.ticket);
    w.u64(s.received_at_ms);
    w.vec8(s.session_id);
    return out;
}

std::optional<session_state> decode_session(byte_view data) {
    wire::reader r(data);
    if (r.u8() != format_version) {
        return std::nullopt;
    }
    session_state s;
    s.version = r.u16();
    s.cipher_suite = r.u16();
    byte_view secret = r.vec8();
    s.secret.assign(secret.begin(), secret.end());
    s.issued_at = r.u64();
    s.lifetime = r.u32();
    s.age_add = r.u32();
    s.max_early_data = r.u32();
    s.group = r.u16();
    byte_view name = r.vec16();
    s.server_name.assign(name.begin(), name.end());
    byte_view alpn = r.vec8();
    s.alpn.assign(alpn.begin(), alpn.end());
    wire::reader chain(r.vec24());
    while (r.ok() && !chain.empty()) {
        byte_view cert = chain.vec24();
        if (cert.empty()) {
            return std::nullopt;
        }
        s.peer_chain.emplace_back(cert.begin(), cert.end());
    }
    const std::uint8_t verified = r.u8();
    s.verify_result = r.u32();
    byte_view ticket = r.vec16();
    s.ticket.assign(ticket.begin(), ticket.end());
    s.received_at_ms = r.u64();
    byte_view id = r.vec8();
    s.session_id.assign(id.begin(), id.end());
    if (!r.done() || !chain.ok() || verified > 1 || s.secret.empty()) {
        return std::nullopt;
    }
    s.peer_verified = verified == 1;
    return s;
}

}  // namespace tlsio::resumption
