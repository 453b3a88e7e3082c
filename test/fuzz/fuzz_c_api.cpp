//
// libFuzzer target: the C facade (include/tlsio/ssl.h) over a BIO pair, as a
// client or a server, with the input as the peer's bytes. The input is a
// script:
//   byte 0           bit 0: the SSL is a client (else a server)
//   then, repeated:  an op byte and, for "deliver", a 2-byte length and bytes
//     op % 4 == 0    deliver the bytes to the SSL's end of the pair
//     op % 4 == 1    run the SSL: handshake, then reads
//     op % 4 == 2    write application data (op & 4) or a KeyUpdate (op & 8:
//                    requesting one back)
//     op % 4 == 3    tlsio_shutdown (op & 4), or end of the peer's input
// Whatever the SSL writes is dropped. Seeds: make_seeds records whole
// conversations of an engine peer with this SSL (both sides deterministic).
//
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    static TLSIO_CTX* const client_ctx = tlsio_fuzz::make_c_context(1);
    static TLSIO_CTX* const server_ctx = tlsio_fuzz::make_c_context(2);
    const int role = (data[0] & 1) != 0 ? 1 : 2;
    tlsio_fuzz::c_connection c(role == 1 ? client_ctx : server_ctx, role);

    std::size_t pos = 1;
    while (pos < size) {
        const std::uint8_t op = data[pos++];
        switch (op % 4) {
            case 0: {
                if (size - pos < 2) {
                    pos = size;
                    break;
                }
                std::size_t n = (std::size_t{data[pos]} << 8) | data[pos + 1];
                pos += 2;
                n = std::min(n, size - pos);
                c.deliver(std::span<const std::uint8_t>(data + pos, n));
                pos += n;
                break;
            }
            case 1:
                c.step();
                break;
            case 2:
                if (op & 4) {
                    static const char text[] = "GET / HTTP/1.1\r\n\r\n";
                    tlsio_write(c.ssl, text, sizeof text - 1);
                } else {
                    tlsio_key_update(c.ssl, (op & 8) != 0 ? TLSIO_KEY_UPDATE_REQUESTED
                                                          : TLSIO_KEY_UPDATE_NOT_REQUESTED);
                }
                break;
            case 3:
                if (op & 4) {
                    tlsio_shutdown(c.ssl);
                } else {
                    BIO_shutdown_wr(c.peer);
                }
                break;
        }
        c.take_output();
    }
    c.step();
    c.take_output();
    return 0;
}
