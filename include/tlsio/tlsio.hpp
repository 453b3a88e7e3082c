//
// tlsio/tlsio.hpp: everything of tlsio's C++ API.
//
#ifndef TLSIO_TLSIO_HPP
#define TLSIO_TLSIO_HPP

#include <tlsio/context.hpp>
#include <tlsio/engine.hpp>
#include <tlsio/error.hpp>
#include <tlsio/stream.hpp>

#endif
