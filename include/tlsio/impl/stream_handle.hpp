//
// tlsio/impl/stream_handle.hpp: what tlsio::stream::native_handle() needs
// from the C facade (tlsio::c), without the rest of the stream.
//
#ifndef TLSIO_IMPL_STREAM_HANDLE_HPP
#define TLSIO_IMPL_STREAM_HANDLE_HPP

#include <tlsio/engine.hpp>
#include <tlsio/engine_options.hpp>

#include <optional>

// libcrypto's name for the C facade's connection (its <openssl/types.h> says
// the same), declared here so the public headers include no libcrypto header.
typedef struct ssl_st SSL;

namespace tlsio::detail {

/// What a stream calls on its native handle; defined in tlsio::c
/// (src/c_api/stream_handle.cpp), reached only through these pointers, so a
/// stream that never makes a handle does not need that library.
struct stream_handle_ops {
    /// Frees the handle.
    void (*destroy)(::SSL* handle);
    /// Applies what SSL_* calls set on the handle to the options of the
    /// engine about to be made.
    void (*apply)(::SSL* handle, role side, engine_options& options);
};

/// Makes the SSL* view of a stream whose engine lives (or will live) in
/// `engine`, which must outlive the handle; sets `ops`.
TLSIO_API ::SSL* make_stream_handle(std::optional<tlsio::engine>& engine,
                                    const stream_handle_ops*& ops);

}  // namespace tlsio::detail

#endif
