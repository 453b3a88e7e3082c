//
// libFuzzer target: the record layer alone (src/record/layer.hpp). The input
// is a script of operations on one layer:
//   byte 0           settings: bit 0 client, bits 1-2 the AEAD, bit 3
//                    compatibility CCS allowed, bit 4 handshake done, bit 5
//                    TLS 1.2 protection (AES-CCM then installs no keys)
//   then, repeated:  an op byte and, for "feed", a 2-byte length and the bytes
//     op % 5 == 0    feed the bytes as transport input, then read events until
//                    the layer needs input or fails (reads into a destination
//                    of (op >> 3) * 64 bytes, so both the direct and the
//                    pending path are taken)
//     op % 5 == 1    install read keys, when the layer says it is at a key
//                    boundary (the key depends on op >> 3, so a seed made with
//                    the same key decrypts)
//     op % 5 == 2    expect a TLS 1.2 ChangeCipherSpec (op & 32), skip
//                    rejected early data (op & 16), toggle compatibility CCS
//                    allowed (op & 8) or set handshake done
//     op % 5 == 3    write a handshake message, application data or an alert
//                    and drop the output
//     op % 5 == 4    end of input (eof)
// Seeds: make_seeds writes scripts with real records sealed under
// fuzz_record_key(0).
//
#include "fuzz_support.hpp"

#include "record/layer.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using tlsio::record::layer;

void read_events(layer& l, std::size_t destination_size) {
    std::vector<std::uint8_t> destination(destination_size);
    std::uint8_t sink[512];
    // Each event consumes input or ends the loop; the bound only guards against
    // a layer that would report the same event forever.
    for (int i = 0; i < 100000; ++i) {
        layer::incoming in = l.read(destination);
        switch (in.what) {
            case layer::event::handshake:
                if (in.handshake.message.size() != in.handshake.body.size() + 4) {
                    __builtin_trap();
                }
                break;
            case layer::event::application_data:
                if (in.direct > destination.size()) {
                    __builtin_trap();
                }
                while (l.pending() > 0) {
                    l.take_pending(sink);
                }
                break;
            case layer::event::alert:
            case layer::event::change_cipher_spec:
                break;
            case layer::event::need_input:
            case layer::event::failed:
                return;
        }
    }
    __builtin_trap();  // a layer that never asks for more input nor fails hangs its connection
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t settings = data[0];
    layer l((settings & 1) != 0);
    static constexpr tlsio::crypto::aead_algorithm aeads[] = {
        tlsio::crypto::aead_algorithm::aes_128_gcm, tlsio::crypto::aead_algorithm::aes_256_gcm,
        tlsio::crypto::aead_algorithm::chacha20_poly1305,
        tlsio::crypto::aead_algorithm::aes_128_ccm};
    const auto aead = aeads[(settings >> 1) & 3];
    const bool tls12 = (settings & 32) != 0;
    // TLS 1.2 AES-GCM takes a 4-byte salt; ChaCha20-Poly1305 a 12-byte IV.
    const std::size_t iv_size =
        tls12 && aead != tlsio::crypto::aead_algorithm::chacha20_poly1305 ? 4 : 12;
    bool ccs_allowed = (settings & 8) != 0;
    l.set_compat_ccs_allowed(ccs_allowed);
    if (settings & 16) {
        l.set_handshake_done();
    }

    std::size_t pos = 1;
    while (pos < size) {
        const std::uint8_t op = data[pos++];
        switch (op % 5) {
            case 0: {
                if (size - pos < 2) {
                    return 0;
                }
                std::size_t n = (std::size_t{data[pos]} << 8) | data[pos + 1];
                pos += 2;
                n = std::min(n, size - pos);
                l.feed(std::span<const std::uint8_t>(data + pos, n));
                pos += n;
                read_events(l, static_cast<std::size_t>(op >> 3) * 64);
                break;
            }
            case 1: {
                auto boundary = l.at_key_boundary();
                if (boundary) {
                    const auto key = tlsio_fuzz::fuzz_record_key(op >> 3);
                    tlsio::record::traffic_key_material k{
                        aead, tlsio::byte_view(key.data(), tlsio::crypto::aead_key_size(aead)),
                        tlsio::byte_view(key.data() + 32, iv_size),
                        tls12 ? tlsio::record::protocol::tls12 : tlsio::record::protocol::tls13};
                    l.install_read(*boundary, k);
                }
                break;
            }
            case 2:
                if (op & 32) {
                    l.expect_change_cipher_spec();
                } else if (op & 16) {
                    l.skip_early_data();
                } else if (op & 8) {
                    ccs_allowed = !ccs_allowed;
                    l.set_compat_ccs_allowed(ccs_allowed);
                } else {
                    l.set_handshake_done();
                }
                break;
            case 3: {
                static const std::uint8_t message[] = {20, 0, 0, 4, 1, 2, 3, 4};
                if (op & 8) {
                    l.queue_handshake(message);
                    l.flush_handshake();
                } else if (op & 16) {
                    l.write(tlsio::wire::content_type::application_data,
                            tlsio::byte_view(message, sizeof message));
                } else {
                    l.send_alert(tlsio::alert::close_notify);
                }
                l.consume_output(l.output().size());
                break;
            }
            case 4:
                l.commit_eof();
                read_events(l, 0);
                break;
        }
    }
    return 0;
}
