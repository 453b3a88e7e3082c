// The SSL* a tlsio::stream hands out as native_handle(): a connection object
// of the C facade whose engine is the stream's (engine_slot::view). SSL_*
// setters record names, ALPN and verification settings that the stream
// applies when its engine is made; the queries read the stream's engine; the
// calls that do I/O refuse (refused_on_stream in connection.cpp).
#include "objects.hpp"

#include <tlsio/impl/stream_handle.hpp>

#include <new>

namespace tlsio::detail {
namespace {

void destroy(::SSL* handle) {
    delete handle;
}

void apply(::SSL* handle, role side, engine_options& options) {
    ssl_st& s = *handle;
    s.role = side == role::client ? 1 : 2;
    if (side == role::client) {
        // One name, sent in SNI and, unless the stream turned host checking
        // off (set_server_name), checked against the certificate: the
        // setters keep SSL_set1_host and SSL_set_tlsext_host_name equal.
        if (!s.sni.empty()) {
            options.server_name = s.sni;
        } else if (s.host) {
            options.server_name = *s.host;
        }
        if (s.host) {
            options.verify_host = true;
        }
        if (s.alpn) {
            options.alpn_protocols = *s.alpn;
        }
    }
    if (s.verify_mode) {
        options.peer_verify_mode =
            *s.verify_mode & (TLSIO_VERIFY_PEER | TLSIO_VERIFY_FAIL_IF_NO_PEER_CERT);
        if (tlsio_verify_cb callback = s.verify_callback; callback != nullptr) {
            options.peer_verify_callback = [callback](bool preverified, verify_context& vc) {
                return callback(preverified ? 1 : 0, vc.native_handle()) != 0;
            };
        }
    }
}

constexpr stream_handle_ops handle_ops{&destroy, &apply};

}  // namespace

::SSL* make_stream_handle(std::optional<tlsio::engine>& engine, const stream_handle_ops*& ops) {
    auto* s = new ssl_st;
    s->engine.view(engine);
    s->state_set = true;
    ops = &handle_ops;
    return s;
}

}  // namespace tlsio::detail
