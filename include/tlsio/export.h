/*
 * tlsio/export.h: marks the public API.
 *
 * The libraries are built with hidden visibility (-fvisibility=hidden), so a
 * shared libtlsio exports only what carries TLSIO_API: the public classes and
 * functions of include/tlsio, and the tlsio_* functions of the C facade. The
 * layers below (record, handshake, crypto, wire) stay internal, which keeps
 * them free to change and keeps a program from binding to them by accident.
 * With a static library the macro changes nothing for the user.
 */
#ifndef TLSIO_EXPORT_H
#define TLSIO_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define TLSIO_API __attribute__((visibility("default")))
/* For the private parts of an exported class (its pimpl), which would
 * otherwise inherit the class's visibility. */
#define TLSIO_LOCAL __attribute__((visibility("hidden")))
#else
#define TLSIO_API
#define TLSIO_LOCAL
#endif

#endif
