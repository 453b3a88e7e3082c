#include "wire/messages.hpp"

#include <algorithm>
#include <array>
#include <memory>

namespace tlsio::wire {

const std::array<std::uint8_t, 32> hello_retry_request_random = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

// "DOWNGRD" followed by 0x01 (TLS 1.2) or 0x00 (TLS 1.1 and below), RFC 8446 section 4.1.3.
const std::array<std::uint8_t, 8> downgrade_tls12_sentinel = {0x44, 0x4f, 0x57, 0x4e,
                                                              0x47, 0x52, 0x44, 0x01};
const std::array<std::uint8_t, 8> downgrade_tls11_sentinel = {0x44, 0x4f, 0x57, 0x4e,
                                                              0x47, 0x52, 0x44, 0x00};

namespace {

// A set of 16-bit code points (extension types, groups) from a list a peer
// controls, which may hold thousands of entries (16,000 empty extensions fit in
// a 64 KiB ClientHello): a few are compared directly, more go to a bit per code
// point, so checking a whole list stays linear.
class code_point_set {
public:
    /// Adds `v`; false when it was there already.
    bool insert(std::uint16_t v) {
        if (contains(v)) {
            return false;
        }
        if (!bits_ && count_ < few_.size()) {
            few_[count_++] = v;
            return true;
        }
        if (!bits_) {
            bits_ = std::make_unique<std::array<std::uint64_t, 1024>>();  // zeroed
            for (std::uint16_t f : few_) {
                set(f);
            }
        }
        set(v);
        return true;
    }

    bool contains(std::uint16_t v) const noexcept {
        if (bits_) {
            return ((*bits_)[v >> 6] >> (v & 63) & 1) != 0;
        }
        return std::find(few_.begin(), few_.begin() + count_, v) != few_.begin() + count_;
    }

private:
    void set(std::uint16_t v) noexcept { (*bits_)[v >> 6] |= std::uint64_t{1} << (v & 63); }

    std::array<std::uint16_t, 16> few_{};
    std::size_t count_ = 0;
    std::unique_ptr<std::array<std::uint64_t, 1024>> bits_;
};

// A list of 16-bit values inside a vector with a `prefix`-byte length; must be
// non-empty and of even length.
bool parse_u16_list(reader& r, std::size_t prefix, std::vector<std::uint16_t>& out) {
    byte_view list = prefix == 1 ? r.vec8() : r.vec16();
    if (!r.ok() || list.empty() || list.size() % 2 != 0) {
        return false;
    }
    out.clear();
    out.reserve(list.size() / 2);
    for (std::size_t i = 0; i < list.size(); i += 2) {
        out.push_back(load_u16(&list[i]));
    }
    return true;
}

// Parses an extension body that must consist of exactly one u16 list.
bool u16_list_extension(byte_view data, std::size_t prefix, std::vector<std::uint16_t>& out) {
    reader r(data);
    return parse_u16_list(r, prefix, out) && r.done();
}

bool parse_server_name_list(byte_view data, std::string& host) {
    reader r(data);
    reader list(r.vec16());
    if (!r.done() || list.empty()) {
        return false;
    }
    bool seen_host = false;
    while (!list.empty()) {
        std::uint8_t name_type = list.u8();
        byte_view name = list.vec16();
        if (!list.ok()) {
            return false;
        }
        if (name_type != 0) {
            continue;  // Unknown name types are skipped (RFC 6066 section 3).
        }
        // One host_name only; no empty names and no embedded NULs.
        if (seen_host || name.empty() || std::find(name.begin(), name.end(), 0) != name.end()) {
            return false;
        }
        host.assign(name.begin(), name.end());
        seen_host = true;
    }
    return true;
}

bool parse_alpn_list(byte_view data, std::vector<std::string>& out) {
    reader r(data);
    reader list(r.vec16());
    if (!r.done() || list.empty()) {
        return false;
    }
    while (!list.empty()) {
        byte_view name = list.vec8();
        if (!list.ok() || name.empty()) {
            return false;
        }
        out.emplace_back(name.begin(), name.end());
    }
    return true;
}

// renegotiation_info (RFC 5746 section 3.2): one vector<0..255>.
bool parse_renegotiation_info(byte_view data, byte_view& out) {
    reader r(data);
    out = r.vec8();
    return r.done();
}

// ec_point_formats (RFC 8422 section 5.1.2): a non-empty vector<1..255>.
bool parse_point_formats(byte_view data, byte_view& out) {
    reader r(data);
    out = r.vec8();
    return r.done() && !out.empty();
}

bool parse_client_key_shares(byte_view data, std::vector<key_share_entry>& out) {
    reader r(data);
    reader list(r.vec16());
    if (!r.done()) {
        return false;
    }
    while (!list.empty()) {
        key_share_entry e;
        e.group = list.u16();
        e.key_exchange = list.vec16();
        if (!list.ok() || e.key_exchange.empty()) {
            return false;
        }
        out.push_back(e);
    }
    return true;
}

// OfferedPsks (RFC 8446 section 4.2.11): identities, then as many binders.
error parse_offered_psks(byte_view data, client_hello& ch) {
    reader r(data);
    reader identities(r.vec16());
    byte_view binders_block = r.vec16();
    if (!r.done()) {
        return error::decode_error;
    }
    while (!identities.empty()) {
        psk_identity id;
        id.identity = identities.vec16();
        id.obfuscated_ticket_age = identities.u32();
        if (!identities.ok() || id.identity.empty()) {
            return error::decode_error;
        }
        ch.psk_identities.push_back(id);
    }
    reader binders(binders_block);
    while (!binders.empty()) {
        byte_view binder = binders.vec8();
        if (!binders.ok() || binder.size() < 32) {
            return error::decode_error;
        }
        ch.psk_binders.push_back(binder);
    }
    if (ch.psk_identities.empty() || ch.psk_binders.empty()) {
        return error::decode_error;
    }
    if (ch.psk_identities.size() != ch.psk_binders.size()) {
        return error::illegal_parameter;
    }
    return ok;
}

error decode_client_extension(const extension& e, client_hello& ch) {
    switch (e.type) {
        case ext::supported_versions:
            ch.has_supported_versions = true;
            return u16_list_extension(e.data, 1, ch.supported_versions) ? ok : error::decode_error;
        case ext::supported_groups:
            ch.has_supported_groups = true;
            return u16_list_extension(e.data, 2, ch.supported_groups) ? ok : error::decode_error;
        case ext::signature_algorithms:
            ch.has_signature_algorithms = true;
            return u16_list_extension(e.data, 2, ch.signature_algorithms) ? ok
                                                                          : error::decode_error;
        case ext::signature_algorithms_cert:
            ch.has_signature_algorithms_cert = true;
            return u16_list_extension(e.data, 2, ch.signature_algorithms_cert)
                       ? ok
                       : error::decode_error;
        case ext::key_share: {
            ch.has_key_share = true;
            if (!parse_client_key_shares(e.data, ch.key_shares)) {
                return error::decode_error;
            }
            // Each group at most once (RFC 8446 section 4.2.8).
            code_point_set groups;
            for (const key_share_entry& k : ch.key_shares) {
                if (!groups.insert(k.group)) {
                    return error::illegal_parameter;
                }
            }
            return ok;
        }
        case ext::server_name:
            ch.has_server_name = true;
            return parse_server_name_list(e.data, ch.server_name) ? ok : error::decode_error;
        case ext::alpn:
            ch.has_alpn = true;
            return parse_alpn_list(e.data, ch.alpn) ? ok : error::decode_error;
        case ext::cookie: {
            reader r(e.data);
            ch.cookie = r.vec16();
            ch.has_cookie = true;
            return r.done() && !ch.cookie.empty() ? ok : error::decode_error;
        }
        case ext::session_ticket:
            ch.has_session_ticket = true;
            ch.session_ticket = e.data;
            return ok;
        case ext::early_data:
            ch.has_early_data = true;
            return e.data.empty() ? ok : error::decode_error;
        case ext::pre_shared_key:
            ch.has_pre_shared_key = true;
            return parse_offered_psks(e.data, ch);
        case ext::extended_master_secret:
            ch.has_extended_master_secret = true;
            return e.data.empty() ? ok : error::decode_error;
        case ext::renegotiation_info:
            ch.has_renegotiation_info = true;
            return parse_renegotiation_info(e.data, ch.renegotiated_connection)
                       ? ok
                       : error::decode_error;
        case ext::ec_point_formats:
            ch.has_ec_point_formats = true;
            return parse_point_formats(e.data, ch.ec_point_formats) ? ok : error::decode_error;
        case ext::psk_key_exchange_modes: {
            reader r(e.data);
            byte_view modes = r.vec8();
            if (!r.done() || modes.empty()) {
                return error::decode_error;
            }
            ch.psk_modes.assign(modes.begin(), modes.end());
            ch.has_psk_modes = true;
            return ok;
        }
        default:
            return ok;  // Unknown extensions are ignored (RFC 8446 section 4.2).
    }
}

}  // namespace

error parse_extensions(byte_view block, std::vector<extension>& out) {
    out.clear();
    reader r(block);
    code_point_set types;
    while (!r.empty()) {
        extension e;
        e.type = r.u16();
        e.data = r.vec16();
        if (!r.ok()) {
            return error::decode_error;
        }
        if (!types.insert(e.type)) {
            return error::illegal_parameter;
        }
        out.push_back(e);
    }
    return ok;
}

bool key_share_groups_offered(const client_hello& ch) {
    code_point_set offered;
    for (std::uint16_t g : ch.supported_groups) {
        offered.insert(g);
    }
    return std::all_of(ch.key_shares.begin(), ch.key_shares.end(),
                       [&](const key_share_entry& k) { return offered.contains(k.group); });
}

error parse_client_hello(byte_view body, client_hello& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    out.legacy_version = r.u16();
    out.random = r.take(random_size);
    out.legacy_session_id = r.vec8();
    if (!parse_u16_list(r, 2, out.cipher_suites)) {
        return error::decode_error;
    }
    out.legacy_compression_methods = r.vec8();
    if (!r.ok() || out.legacy_session_id.size() > 32 || out.legacy_compression_methods.empty()) {
        return error::decode_error;
    }
    if (r.empty()) {
        return ok;  // A pre-TLS 1.3 hello without extensions; the caller refuses the version.
    }
    byte_view block = r.vec16();
    if (!r.done()) {
        return error::decode_error;
    }
    if (error e = parse_extensions(block, out.extensions); e != ok) {
        return e;
    }
    for (std::size_t i = 0; i < out.extensions.size(); ++i) {
        const extension& e = out.extensions[i];
        // pre_shared_key must be the last extension (RFC 8446 section 4.2.11).
        if (e.type == ext::pre_shared_key && i + 1 != out.extensions.size()) {
            return error::illegal_parameter;
        }
        if (error err = decode_client_extension(e, out); err != ok) {
            return err;
        }
    }
    if (out.has_pre_shared_key) {
        // The binders list ends the extension, which ends the message.
        std::size_t binders_size = 2;
        for (byte_view b : out.psk_binders) {
            binders_size += 1 + b.size();
        }
        out.binders_offset = body.size() - binders_size;
    }
    return ok;
}

error parse_server_hello(byte_view body, server_hello& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    out.legacy_version = r.u16();
    out.random = r.take(random_size);
    out.legacy_session_id_echo = r.vec8();
    out.cipher_suite = r.u16();
    out.legacy_compression_method = r.u8();
    if (!r.ok() || out.legacy_session_id_echo.size() > 32) {
        return error::decode_error;
    }
    out.is_hello_retry_request =
        std::equal(out.random.begin(), out.random.end(), hello_retry_request_random.begin());
    if (r.empty()) {
        return ok;  // A TLS 1.2-style hello without extensions; the caller refuses it.
    }
    byte_view block = r.vec16();
    if (!r.done()) {
        return error::decode_error;
    }
    if (error e = parse_extensions(block, out.extensions); e != ok) {
        return e;
    }
    for (const extension& e : out.extensions) {
        reader x(e.data);
        switch (e.type) {
            case ext::supported_versions:
                out.selected_version = x.u16();
                break;
            case ext::key_share:
                if (out.is_hello_retry_request) {
                    out.selected_group = x.u16();
                } else {
                    key_share_entry k;
                    k.group = x.u16();
                    k.key_exchange = x.vec16();
                    if (k.key_exchange.empty()) {
                        x.fail();
                    }
                    out.key_share = k;
                }
                break;
            case ext::cookie:
                out.cookie = x.vec16();
                out.has_cookie = true;
                if (out.cookie.empty()) {
                    x.fail();
                }
                break;
            case ext::pre_shared_key:
                out.selected_psk = x.u16();
                break;
            default:
                x.rest();  // Judged by the handshake layer, which knows what was offered.
                break;
        }
        if (!x.done()) {
            return error::decode_error;
        }
    }
    return ok;
}

error decode_tls12_server_extensions(server_hello& sh) {
    for (const extension& e : sh.extensions) {
        switch (e.type) {
            case ext::extended_master_secret:
                sh.has_extended_master_secret = true;
                if (!e.data.empty()) {
                    return error::decode_error;
                }
                break;
            case ext::server_name:
                sh.has_server_name = true;
                if (!e.data.empty()) {
                    return error::decode_error;
                }
                break;
            case ext::session_ticket:
                sh.has_session_ticket = true;
                if (!e.data.empty()) {
                    return error::decode_error;
                }
                break;
            case ext::renegotiation_info:
                sh.has_renegotiation_info = true;
                if (!parse_renegotiation_info(e.data, sh.renegotiated_connection)) {
                    return error::decode_error;
                }
                break;
            case ext::ec_point_formats:
                sh.has_ec_point_formats = true;
                if (!parse_point_formats(e.data, sh.ec_point_formats)) {
                    return error::decode_error;
                }
                break;
            case ext::alpn: {
                std::vector<std::string> names;
                // The server names exactly one protocol (RFC 7301 section 3.1).
                if (!parse_alpn_list(e.data, names) || names.size() != 1) {
                    return error::decode_error;
                }
                sh.alpn = names.front();
                sh.has_alpn = true;
                break;
            }
            default:
                break;  // judged by the handshake layer, which knows what was offered
        }
    }
    return ok;
}

error parse_encrypted_extensions(byte_view body, encrypted_extensions& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    byte_view block = r.vec16();
    if (!r.done()) {
        return error::decode_error;
    }
    if (error e = parse_extensions(block, out.extensions); e != ok) {
        return e;
    }
    for (const extension& e : out.extensions) {
        if (e.type == ext::alpn) {
            std::vector<std::string> names;
            // The server names exactly one protocol (RFC 7301 section 3.1).
            if (!parse_alpn_list(e.data, names) || names.size() != 1) {
                return error::decode_error;
            }
            out.alpn = names.front();
            out.has_alpn = true;
        }
    }
    return ok;
}

error parse_certificate(byte_view body, certificate_msg& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    out.request_context = r.vec8();
    reader list(r.vec24());
    if (!r.done()) {
        return error::decode_error;
    }
    while (!list.empty()) {
        certificate_entry e;
        e.cert_data = list.vec24();
        e.extensions = list.vec16();
        if (!list.ok() || e.cert_data.empty()) {
            return error::decode_error;
        }
        std::vector<extension> exts;
        if (error err = parse_extensions(e.extensions, exts); err != ok) {
            return err;
        }
        out.entries.push_back(e);
    }
    return ok;
}

error parse_certificate_request(byte_view body, certificate_request& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    out.request_context = r.vec8();
    byte_view block = r.vec16();
    if (!r.done()) {
        return error::decode_error;
    }
    if (error e = parse_extensions(block, out.extensions); e != ok) {
        return e;
    }
    bool has_signature_algorithms = false;
    for (const extension& e : out.extensions) {
        if (e.type == ext::signature_algorithms) {
            has_signature_algorithms = true;
            if (!u16_list_extension(e.data, 2, out.signature_algorithms)) {
                return error::decode_error;
            }
        } else if (e.type == ext::signature_algorithms_cert) {
            out.has_signature_algorithms_cert = true;
            if (!u16_list_extension(e.data, 2, out.signature_algorithms_cert)) {
                return error::decode_error;
            }
        }
    }
    return has_signature_algorithms ? ok : error::missing_extension;
}

error parse_certificate_verify(byte_view body, certificate_verify& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    out.scheme = r.u16();
    out.signature = r.vec16();
    return r.done() && !out.signature.empty() ? ok : error::decode_error;
}

error parse_new_session_ticket(byte_view body, new_session_ticket& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    out.lifetime = r.u32();
    out.age_add = r.u32();
    out.nonce = r.vec8();
    out.ticket = r.vec16();
    byte_view block = r.vec16();
    if (!r.done() || out.ticket.empty()) {
        return error::decode_error;
    }
    if (error e = parse_extensions(block, out.extensions); e != ok) {
        return e;
    }
    for (const extension& e : out.extensions) {
        if (e.type == ext::early_data) {
            reader x(e.data);
            out.max_early_data = x.u32();
            if (!x.done()) {
                return error::decode_error;
            }
        }
    }
    return ok;
}

error parse_key_update(byte_view body, bool& update_requested) {
    reader r(body);
    std::uint8_t v = r.u8();
    if (!r.done()) {
        return error::decode_error;
    }
    if (v > 1) {
        return error::illegal_parameter;
    }
    update_requested = v == 1;
    return ok;
}

error parse_server_key_exchange(byte_view body, server_key_exchange& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    const std::uint8_t curve_type = r.u8();
    out.group = r.u16();
    out.point = r.vec8();
    if (!r.ok()) {
        return error::decode_error;
    }
    if (curve_type != curve_type_named_curve) {
        return error::illegal_parameter;
    }
    out.params = body.first(4 + out.point.size());
    out.scheme = r.u16();
    out.signature = r.vec16();
    return r.done() && !out.point.empty() && !out.signature.empty() ? ok : error::decode_error;
}

bytes encode_ecdh_params(std::uint16_t group, byte_view point) {
    bytes out;
    writer w(out);
    w.u8(curve_type_named_curve);
    w.u16(group);
    w.vec8(point);
    return out;
}

error parse_client_key_exchange(byte_view body, byte_view& point) {
    reader r(body);
    point = r.vec8();
    return r.done() && !point.empty() ? ok : error::decode_error;
}

error parse_empty_message(byte_view body) {
    return body.empty() ? ok : error::decode_error;
}

error parse_certificate_request12(byte_view body, certificate_request12& out) {
    out = {};  // a reused struct keeps nothing of the previous message
    reader r(body);
    out.certificate_types = r.vec8();
    if (!r.ok() || out.certificate_types.empty() ||
        !parse_u16_list(r, 2, out.signature_algorithms)) {
        return error::decode_error;
    }
    reader names(r.vec16());
    if (!r.done()) {
        return error::decode_error;
    }
    while (!names.empty()) {
        byte_view name = names.vec16();
        if (!names.ok() || name.empty()) {
            return error::decode_error;
        }
        out.authorities.push_back(name);
    }
    return ok;
}

error parse_certificate12(byte_view body, std::vector<byte_view>& out) {
    out.clear();
    reader r(body);
    reader list(r.vec24());
    if (!r.done()) {
        return error::decode_error;
    }
    while (!list.empty()) {
        byte_view cert = list.vec24();
        if (!list.ok() || cert.empty()) {
            return error::decode_error;
        }
        out.push_back(cert);
    }
    return ok;
}

void append_handshake(bytes& out, handshake_type type, byte_view body) {
    writer w(out);
    w.u8(static_cast<std::uint8_t>(type));
    w.vec24(body);
}

void append_extensions(writer& w, const std::vector<raw_extension>& extensions) {
    std::size_t at = w.begin(2);
    for (const raw_extension& e : extensions) {
        w.u16(e.type);
        w.vec16(e.data);
    }
    w.end(at, 2);
}

bytes encode_u16_list(std::size_t prefix, const std::vector<std::uint16_t>& values) {
    bytes out;
    writer w(out);
    std::size_t at = w.begin(prefix);
    for (std::uint16_t v : values) {
        w.u16(v);
    }
    w.end(at, prefix);
    return out;
}

bytes encode_server_name(std::string_view host) {
    bytes out;
    writer w(out);
    std::size_t at = w.begin(2);
    w.u8(0);  // host_name
    w.u16(static_cast<std::uint16_t>(host.size()));
    w.raw(host);
    w.end(at, 2);
    return out;
}

bytes encode_alpn(const std::vector<std::string>& protocols) {
    bytes out;
    writer w(out);
    std::size_t at = w.begin(2);
    for (const std::string& p : protocols) {
        w.u8(static_cast<std::uint8_t>(p.size()));
        w.raw(p);
    }
    w.end(at, 2);
    return out;
}

bytes encode_ec_point_formats() {
    return bytes{1, point_format_uncompressed};
}

bytes encode_renegotiation_info(byte_view renegotiated_connection) {
    bytes out;
    writer w(out);
    w.vec8(renegotiated_connection);
    return out;
}

bytes encode_offered_psks(const std::vector<psk_identity>& identities,
                          const std::vector<std::size_t>& binder_sizes) {
    bytes out;
    writer w(out);
    std::size_t list = w.begin(2);
    for (const psk_identity& id : identities) {
        w.vec16(id.identity);
        w.u32(id.obfuscated_ticket_age);
    }
    w.end(list, 2);
    std::size_t binders = w.begin(2);
    for (std::size_t size : binder_sizes) {
        w.u8(static_cast<std::uint8_t>(size));
        out.resize(out.size() + size);
    }
    w.end(binders, 2);
    return out;
}

std::size_t binders_list_size(const std::vector<std::size_t>& binder_sizes) {
    std::size_t n = 2;
    for (std::size_t size : binder_sizes) {
        n += 1 + size;
    }
    return n;
}

error parse_new_session_ticket12(byte_view body, new_session_ticket12& out) {
    reader r(body);
    out.lifetime_hint = r.u32();
    out.ticket = r.vec16();
    return r.done() ? ok : error::decode_error;
}

bytes encode_new_session_ticket12(std::uint32_t lifetime_hint, byte_view ticket) {
    bytes out;
    writer w(out);
    w.u32(lifetime_hint);
    w.vec16(ticket);
    return out;
}

bytes encode_new_session_ticket(std::uint32_t lifetime, std::uint32_t age_add, byte_view nonce,
                                byte_view ticket, std::uint32_t max_early_data) {
    bytes out;
    writer w(out);
    w.u32(lifetime);
    w.u32(age_add);
    w.vec8(nonce);
    w.vec16(ticket);
    std::size_t extensions = w.begin(2);
    if (max_early_data > 0) {
        w.u16(ext::early_data);
        w.u16(4);
        w.u32(max_early_data);
    }
    w.end(extensions, 2);
    return out;
}

}  // namespace tlsio::wire
