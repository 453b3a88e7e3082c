#include "support/pump.hpp"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ios>
#include <stdexcept>

namespace tlsio {

std::ostream& operator<<(std::ostream& os, status s) {
    switch (s) {
        case status::done:
            return os << "done";
        case status::want_read:
            return os << "want_read";
        case status::want_write:
            return os << "want_write";
        case status::closed:
            return os << "closed";
        case status::error:
            return os << "error";
        case status::want_application:
            return os << "want_application";
    }
    return os << "status(" << static_cast<int>(s) << ")";
}

namespace {
// Code points print as hex, as the RFCs write them; no library call needed.
std::ostream& code_point(std::ostream& os, const char* what, unsigned v) {
    auto flags = os.flags();
    os << what << "(0x" << std::hex << v << ")";
    os.flags(flags);
    return os;
}
}  // namespace

std::ostream& operator<<(std::ostream& os, cipher_suite s) {
    return code_point(os, "cipher_suite", static_cast<unsigned>(s));
}
std::ostream& operator<<(std::ostream& os, named_group g) {
    return code_point(os, "named_group", static_cast<unsigned>(g));
}
std::ostream& operator<<(std::ostream& os, signature_scheme s) {
    return code_point(os, "signature_scheme", static_cast<unsigned>(s));
}
std::ostream& operator<<(std::ostream& os, protocol_version v) {
    return code_point(os, "protocol_version", static_cast<unsigned>(v));
}
std::ostream& operator<<(std::ostream& os, role r) {
    return os << (r == role::client ? "client" : "server");
}

}  // namespace tlsio

namespace tlsio::test {

bytes to_bytes(std::string_view s) {
    return bytes(s.begin(), s.end());
}

std::string to_hex(byte_view b) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 2);
    for (std::uint8_t c : b) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

bytes from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        int hi = nibble(hex[i]);
        int lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            return {};
        }
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

// ---- Records ----------------------------------------------------------------

split_result split_records(byte_view stream) {
    split_result out;
    std::size_t pos = 0;
    while (stream.size() - pos >= record_header_size) {
        std::size_t len = static_cast<std::size_t>(stream[pos + 3]) << 8 | stream[pos + 4];
        if (stream.size() - pos - record_header_size < len) {
            break;
        }
        record r;
        r.type = stream[pos];
        r.version = static_cast<std::uint16_t>(stream[pos + 1] << 8 | stream[pos + 2]);
        auto body = stream.subspan(pos + record_header_size, len);
        r.payload.assign(body.begin(), body.end());
        out.records.push_back(std::move(r));
        pos += record_header_size + len;
    }
    out.rest.assign(stream.begin() + static_cast<std::ptrdiff_t>(pos), stream.end());
    return out;
}

bytes encode_record(const record& r) {
    bytes out;
    out.reserve(record_header_size + r.payload.size());
    out.push_back(r.type);
    out.push_back(static_cast<std::uint8_t>(r.version >> 8));
    out.push_back(static_cast<std::uint8_t>(r.version));
    out.push_back(static_cast<std::uint8_t>(r.payload.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(r.payload.size()));
    out.insert(out.end(), r.payload.begin(), r.payload.end());
    return out;
}

bytes join_records(const std::vector<record>& records) {
    bytes out;
    for (const auto& r : records) {
        auto enc = encode_record(r);
        out.insert(out.end(), enc.begin(), enc.end());
    }
    return out;
}

std::optional<std::vector<bytes>> split_handshake_messages(byte_view data) {
    std::vector<bytes> out;
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (data.size() - pos < 4) {
            return std::nullopt;
        }
        std::size_t len = static_cast<std::size_t>(data[pos + 1]) << 16 |
                          static_cast<std::size_t>(data[pos + 2]) << 8 | data[pos + 3];
        if (data.size() - pos - 4 < len) {
            return std::nullopt;
        }
        auto msg = data.subspan(pos, 4 + len);
        out.emplace_back(msg.begin(), msg.end());
        pos += 4 + len;
    }
    return out;
}

// ---- Pumping ------------------------------------------------------------------

std::vector<const flight*> pump_result::flights_from(role r) const {
    std::vector<const flight*> out;
    for (const auto& f : flights) {
        if (f.from == r) {
            out.push_back(&f);
        }
    }
    return out;
}

bytes take_output(engine& e) {
    auto out = e.output();
    bytes copy(out.begin(), out.end());
    e.consume_output(copy.size());
    return copy;
}

void deliver(engine& e, byte_view data, bool use_input_space) {
    if (!use_input_space) {
        e.feed(data);
        return;
    }
    // input_space() may be smaller than the data; callers that need the engine
    // to run between pieces use pump_options::chunk_size instead.
    while (!data.empty()) {
        auto space = e.input_space();
        if (space.empty()) {
            throw std::runtime_error("deliver: engine offers no input space");
        }
        std::size_t n = std::min(space.size(), data.size());
        std::memcpy(space.data(), data.data(), n);
        e.commit_input(n);
        data = data.subspan(n);
    }
}

status read_available(engine& e, bytes& out) {
    std::array<std::uint8_t, 16384> buf;
    for (int i = 0; i < 100000; ++i) {
        std::size_t n = 0;
        status s = e.read(buf, n);
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (s != status::done || n == 0) {
            return s;
        }
    }
    return status::error;
}

write_outcome write_all(engine& e, byte_view data) {
    write_outcome out;
    for (int i = 0; i < 100000; ++i) {
        std::size_t n = 0;
        out.last = e.write(data.subspan(out.written), n);
        out.written += n;
        if (i == 0) {
            out.first_call = n;
        }
        if (!e.output().empty()) {
            auto chunk = take_output(e);
            out.output.insert(out.output.end(), chunk.begin(), chunk.end());
            ++out.output_chunks;
        }
        if (out.last == status::error || out.written == data.size()) {
            break;
        }
        // No progress and nothing to flush: the engine refuses the data.
        if (n == 0 && out.last != status::want_write) {
            break;
        }
    }
    return out;
}

status transfer(engine& from, engine& to, bytes& received) {
    auto data = take_output(from);
    if (!data.empty()) {
        to.feed(data);
    }
    return read_available(to, received);
}

namespace {

struct side {
    engine* e;
    side_result* result;
    bytes inbound;
    bool errored = false;
    bool must_call = true;  // first call, or after want_write
};

// One engine call (handshake() until done, then read()), followed by a
// flush of its output into the other side's inbound queue.
bool step(side& self, side& peer, role who, std::size_t& flight_counter, const pump_options& opts,
          pump_result& result) {
    bool progress = false;
    bool delivered = false;
    if (!self.inbound.empty()) {
        std::size_t n = self.inbound.size();
        if (opts.chunk_size != 0) {
            n = std::min(n, opts.chunk_size);
        }
        if (opts.use_input_space) {
            auto space = self.e->input_space();
            n = std::min(n, space.size());
            std::memcpy(space.data(), self.inbound.data(), n);
            self.e->commit_input(n);
        } else {
            self.e->feed(byte_view(self.inbound.data(), n));
        }
        self.inbound.erase(self.inbound.begin(),
                           self.inbound.begin() + static_cast<std::ptrdiff_t>(n));
        delivered = n != 0;
        progress = delivered;
    }
    if (delivered || self.must_call) {
        self.must_call = false;
        status s;
        ++self.result->calls;
        // A server reading 0-RTT data completes its handshake with read().
        if (!self.e->handshake_done() && !self.e->in_early_data()) {
            s = self.e->handshake();
        } else {
            s = read_available(*self.e, self.result->received);
        }
        self.result->last = s;
        self.result->handshake_done = self.e->handshake_done();
        if (s == status::want_write) {
            self.must_call = true;
        }
        if (s == status::error) {
            self.errored = true;
        }
        if (s == status::closed) {
            self.errored = true;  // nothing more will arrive; stop calling
        }
    }
    if (!self.e->output().empty()) {
        flight f;
        f.from = who;
        f.index = flight_counter++;
        f.data = take_output(*self.e);
        if (opts.intercept) {
            opts.intercept(f);
        }
        peer.inbound.insert(peer.inbound.end(), f.data.begin(), f.data.end());
        result.flights.push_back(std::move(f));
        progress = true;
    }
    self.result->error = self.e->error();
    return progress;
}

}  // namespace

pump_result handshake(engine& client, engine& server, const pump_options& options) {
    pump_result result;
    side c{&client, &result.client, {}, false, true};
    side s{&server, &result.server, {}, false, true};
    std::size_t client_flights = 0;
    std::size_t server_flights = 0;
    for (result.steps = 0; result.steps < options.max_steps; ++result.steps) {
        bool progress = false;
        if (!c.errored) {
            progress = step(c, s, role::client, client_flights, options, result) || progress;
        } else {
            c.inbound.clear();  // a failed engine reads nothing more
        }
        if (!s.errored) {
            progress = step(s, c, role::server, server_flights, options, result) || progress;
        } else {
            s.inbound.clear();
        }
        bool both_done = client.handshake_done() && server.handshake_done();
        bool queues_empty = c.inbound.empty() && s.inbound.empty();
        if ((both_done || c.errored || s.errored) && queues_empty && !c.must_call && !s.must_call) {
            // Let a side that has just been sent something (an alert) process
            // it; the loop only ends once the queues are drained.
            break;
        }
        if (!progress && !c.must_call && !s.must_call) {
            break;
        }
    }
    result.client.handshake_done = client.handshake_done();
    result.server.handshake_done = server.handshake_done();
    result.client.error = client.error();
    result.server.error = server.error();
    bool finished = (result.client.handshake_done && result.server.handshake_done) ||
                    result.client.error || result.server.error;
    result.stalled = !finished || result.steps >= options.max_steps;
    return result;
}

// ---- Hello codec ------------------------------------------------------------------

namespace {

class reader {
public:
    explicit reader(byte_view data) : data_(data) {}
    bool u8(std::uint8_t& v) {
        if (data_.size() < 1)
            return false;
        v = data_[0];
        data_ = data_.subspan(1);
        return true;
    }
    bool u16(std::uint16_t& v) {
        if (data_.size() < 2)
            return false;
        v = static_cast<std::uint16_t>(data_[0] << 8 | data_[1]);
        data_ = data_.subspan(2);
        return true;
    }
    bool take(std::size_t n, bytes& out) {
        if (data_.size() < n)
            return false;
        out.assign(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(n));
        data_ = data_.subspan(n);
        return true;
    }
    bool vec8(bytes& out) {
        std::uint8_t n = 0;
        return u8(n) && take(n, out);
    }
    bool vec16(bytes& out) {
        std::uint16_t n = 0;
        return u16(n) && take(n, out);
    }
    bool empty() const { return data_.empty(); }

private:
    byte_view data_;
};

void put16(bytes& out, std::size_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

extension* hello::find(std::uint16_t type) {
    for (auto& e : extensions) {
        if (e.type == type) {
            return &e;
        }
    }
    return nullptr;
}

void hello::remove(std::uint16_t type) {
    std::erase_if(extensions, [type](const extension& e) { return e.type == type; });
}

std::optional<hello> parse_hello(byte_view message) {
    if (message.size() < 4) {
        return std::nullopt;
    }
    hello h;
    h.msg_type = message[0];
    std::size_t len = static_cast<std::size_t>(message[1]) << 16 |
                      static_cast<std::size_t>(message[2]) << 8 | message[3];
    if (message.size() != 4 + len || (h.msg_type != 1 && h.msg_type != 2)) {
        return std::nullopt;
    }
    reader r(message.subspan(4));
    if (!r.u16(h.legacy_version) || !r.take(32, h.random) || !r.vec8(h.session_id)) {
        return std::nullopt;
    }
    if (h.msg_type == 1) {
        bytes suites;
        if (!r.vec16(suites) || suites.size() % 2 != 0 || !r.vec8(h.compression)) {
            return std::nullopt;
        }
        for (std::size_t i = 0; i < suites.size(); i += 2) {
            h.cipher_suites.push_back(static_cast<std::uint16_t>(suites[i] << 8 | suites[i + 1]));
        }
    } else {
        std::uint16_t suite = 0;
        std::uint8_t comp = 0;
        if (!r.u16(suite) || !r.u8(comp)) {
            return std::nullopt;
        }
        h.cipher_suites.push_back(suite);
        h.compression.push_back(comp);
    }
    bytes exts;
    if (!r.vec16(exts) || !r.empty()) {
        return std::nullopt;
    }
    reader er(exts);
    while (!er.empty()) {
        extension e;
        if (!er.u16(e.type) || !er.vec16(e.data)) {
            return std::nullopt;
        }
        h.extensions.push_back(std::move(e));
    }
    return h;
}

bytes encode_hello(const hello& h) {
    bytes body;
    put16(body, h.legacy_version);
    body.insert(body.end(), h.random.begin(), h.random.end());
    body.push_back(static_cast<std::uint8_t>(h.session_id.size()));
    body.insert(body.end(), h.session_id.begin(), h.session_id.end());
    if (h.msg_type == 1) {
        put16(body, h.cipher_suites.size() * 2);
        for (auto s : h.cipher_suites) {
            put16(body, s);
        }
        body.push_back(static_cast<std::uint8_t>(h.compression.size()));
        body.insert(body.end(), h.compression.begin(), h.compression.end());
    } else {
        put16(body, h.cipher_suites.empty() ? 0 : h.cipher_suites[0]);
        body.push_back(h.compression.empty() ? 0 : h.compression[0]);
    }
    bytes exts;
    for (const auto& e : h.extensions) {
        put16(exts, e.type);
        put16(exts, e.data.size());
        exts.insert(exts.end(), e.data.begin(), e.data.end());
    }
    put16(body, exts.size());
    body.insert(body.end(), exts.begin(), exts.end());

    bytes out;
    out.push_back(h.msg_type);
    out.push_back(static_cast<std::uint8_t>(body.size() >> 16));
    out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

bytes hello_retry_request_random() {
    return from_hex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");
}

// ---- Keylog and record protection ----------------------------------------------

keylog_recorder::keylog_recorder() : lines_(std::make_shared<std::vector<std::string>>()) {}

keylog_callback keylog_recorder::callback() const {
    auto lines = lines_;
    return [lines](std::string_view line) { lines->emplace_back(line); };
}

std::optional<bytes> keylog_recorder::secret(std::string_view label) const {
    for (const auto& line : *lines_) {
        // LABEL <client_random hex> <secret hex>
        if (line.size() > label.size() && line.compare(0, label.size(), label) == 0 &&
            line[label.size()] == ' ') {
            auto last = line.rfind(' ');
            return from_hex(std::string_view(line).substr(last + 1));
        }
    }
    return std::nullopt;
}

std::size_t keylog_recorder::count(std::string_view label) const {
    std::size_t n = 0;
    for (const auto& line : *lines_) {
        if (line.size() > label.size() && line.compare(0, label.size(), label) == 0 &&
            line[label.size()] == ' ') {
            ++n;
        }
    }
    return n;
}

namespace {

const EVP_MD* suite_md(cipher_suite s) {
    return s == cipher_suite::aes_256_gcm_sha384 ? EVP_sha384() : EVP_sha256();
}

const EVP_CIPHER* suite_cipher(cipher_suite s) {
    switch (s) {
        case cipher_suite::aes_128_gcm_sha256:
            return EVP_aes_128_gcm();
        case cipher_suite::aes_256_gcm_sha384:
            return EVP_aes_256_gcm();
        case cipher_suite::chacha20_poly1305_sha256:
            return EVP_chacha20_poly1305();
        case cipher_suite::aes_128_ccm_sha256:
            return nullptr;  // CCM needs its own call sequence; the helpers do not decrypt it
        default:
            return nullptr;  // TLS 1.2 suites: these helpers speak TLS 1.3 records
    }
}

std::size_t suite_key_size(cipher_suite s) {
    return s == cipher_suite::aes_128_gcm_sha256 ? 16 : 32;
}

bytes make_nonce(const traffic_keys& k) {
    bytes nonce = k.iv;
    for (std::size_t i = 0; i < 8; ++i) {
        nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(k.seq >> (8 * i));
    }
    return nonce;
}

bytes aad_for(std::size_t ciphertext_len) {
    return {content_type::application_data, 0x03, 0x03,
            static_cast<std::uint8_t>(ciphertext_len >> 8),
            static_cast<std::uint8_t>(ciphertext_len)};
}

struct cipher_ctx {
    EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
    ~cipher_ctx() { EVP_CIPHER_CTX_free(p); }
};

constexpr std::size_t tag_size = 16;

}  // namespace

bytes hkdf_expand_label(cipher_suite suite, byte_view secret, std::string_view label,
                        byte_view context, std::size_t length) {
    // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
    bytes info;
    put16(info, length);
    std::string full = "tls13 " + std::string(label);
    info.push_back(static_cast<std::uint8_t>(full.size()));
    info.insert(info.end(), full.begin(), full.end());
    info.push_back(static_cast<std::uint8_t>(context.size()));
    info.insert(info.end(), context.begin(), context.end());

    bytes out(length);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
    std::size_t out_len = length;
    bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) > 0 &&
              EVP_PKEY_CTX_set_hkdf_mode(ctx, EVP_PKEY_HKDEF_MODE_EXPAND_ONLY) > 0 &&
              EVP_PKEY_CTX_set_hkdf_md(ctx, suite_md(suite)) > 0 &&
              EVP_PKEY_CTX_set1_hkdf_key(ctx, secret.data(), static_cast<int>(secret.size())) > 0 &&
              EVP_PKEY_CTX_add1_hkdf_info(ctx, info.data(), static_cast<int>(info.size())) > 0 &&
              EVP_PKEY_derive(ctx, out.data(), &out_len) > 0;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        throw std::runtime_error("hkdf_expand_label failed");
    }
    return out;
}

traffic_keys traffic_keys::from_secret(cipher_suite suite, byte_view secret) {
    traffic_keys k;
    k.suite = suite;
    k.secret.assign(secret.begin(), secret.end());
    k.key = hkdf_expand_label(suite, secret, "key", {}, suite_key_size(suite));
    k.iv = hkdf_expand_label(suite, secret, "iv", {}, 12);
    k.seq = 0;
    return k;
}

void traffic_keys::update() {
    auto next = hkdf_expand_label(suite, secret, "traffic upd", {},
                                  static_cast<std::size_t>(EVP_MD_get_size(suite_md(suite))));
    *this = from_secret(suite, next);
}

std::optional<record> open_record(traffic_keys& keys, const record& ciphertext) {
    if (ciphertext.type != content_type::application_data || ciphertext.payload.size() < tag_size) {
        return std::nullopt;
    }
    std::size_t text_len = ciphertext.payload.size() - tag_size;
    bytes nonce = make_nonce(keys);
    bytes aad = aad_for(ciphertext.payload.size());
    bytes plain(text_len + 1);
    bytes tag(ciphertext.payload.end() - tag_size, ciphertext.payload.end());
    cipher_ctx ctx;
    int len = 0;
    int len2 = 0;
    bool ok =
        ctx.p != nullptr &&
        EVP_DecryptInit_ex(ctx.p, suite_cipher(keys.suite), nullptr, keys.key.data(),
                           nonce.data()) == 1 &&
        EVP_DecryptUpdate(ctx.p, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx.p, plain.data(), &len, ciphertext.payload.data(),
                          static_cast<int>(text_len)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_size), tag.data()) ==
            1 &&
        EVP_DecryptFinal_ex(ctx.p, plain.data() + len, &len2) == 1;
    if (!ok) {
        return std::nullopt;
    }
    plain.resize(text_len);
    // TLSInnerPlaintext: content, the content type, then zero padding.
    while (!plain.empty() && plain.back() == 0) {
        plain.pop_back();
    }
    if (plain.empty()) {
        return std::nullopt;
    }
    record r;
    r.type = plain.back();
    r.version = 0x0303;
    plain.pop_back();
    r.payload = std::move(plain);
    ++keys.seq;
    return r;
}

record seal_record(traffic_keys& keys, std::uint8_t inner_type, byte_view plaintext,
                   std::size_t padding) {
    bytes inner(plaintext.begin(), plaintext.end());
    inner.push_back(inner_type);
    inner.insert(inner.end(), padding, 0);
    bytes nonce = make_nonce(keys);
    bytes aad = aad_for(inner.size() + tag_size);
    record r;
    r.type = content_type::application_data;
    r.version = 0x0303;
    r.payload.resize(inner.size() + tag_size);
    cipher_ctx ctx;
    int len = 0;
    int len2 = 0;
    bool ok =
        ctx.p != nullptr &&
        EVP_EncryptInit_ex(ctx.p, suite_cipher(keys.suite), nullptr, keys.key.data(),
                           nonce.data()) == 1 &&
        EVP_EncryptUpdate(ctx.p, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
        EVP_EncryptUpdate(ctx.p, r.payload.data(), &len, inner.data(),
                          static_cast<int>(inner.size())) == 1 &&
        EVP_EncryptFinal_ex(ctx.p, r.payload.data() + len, &len2) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_size),
                            r.payload.data() + inner.size()) == 1;
    if (!ok) {
        throw std::runtime_error("seal_record failed");
    }
    ++keys.seq;
    return r;
}

direction_decoder::direction_decoder(cipher_suite suite, bytes handshake_secret,
                                     bytes application_secret)
    : handshake_(traffic_keys::from_secret(suite, handshake_secret)),
      application_(traffic_keys::from_secret(suite, application_secret)) {}

direction_decoder direction_decoder::from_keylog(cipher_suite suite, const keylog_recorder& log,
                                                 role sender) {
    bool client = sender == role::client;
    auto hs =
        log.secret(client ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    auto app = log.secret(client ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0");
    if (!hs || !app) {
        throw std::runtime_error("direction_decoder: keylog lacks the traffic secrets");
    }
    return direction_decoder(suite, *hs, *app);
}

std::optional<std::vector<record>> direction_decoder::decode(byte_view stream) {
    std::vector<record> out;
    for (const auto& r : split_records(stream).records) {
        if (r.type != content_type::application_data) {
            out.push_back(r);
            continue;
        }
        std::optional<record> plain;
        if (!application_phase_) {
            plain = open_record(handshake_, r);
            if (!plain) {
                application_phase_ = true;
            }
        }
        if (!plain) {
            plain = open_record(application_, r);
        }
        if (!plain) {
            return std::nullopt;
        }
        // A KeyUpdate (handshake type 24) under the application keys switches
        // this direction to the next generation after this record.
        if (application_phase_ && plain->type == content_type::handshake) {
            if (auto msgs = split_handshake_messages(plain->payload)) {
                for (const auto& m : *msgs) {
                    if (m[0] == 24) {
                        application_.update();
                        ++key_updates_;
                    }
                }
            }
        }
        out.push_back(std::move(*plain));
    }
    return out;
}

std::optional<std::uint8_t> first_alert(const std::vector<record>& records) {
    for (const auto& r : records) {
        if (r.type == content_type::alert && r.payload.size() == 2) {
            return r.payload[1];
        }
    }
    return std::nullopt;
}

}  // namespace tlsio::test
