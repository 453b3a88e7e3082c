// Hooks for tests only. Not a public header: a test that needs to put bytes
// on the wire that tlsio would never send (RFC 8448's exact extension order,
// a duplicate extension) includes this from src/.
#pragma once

#include "wire/messages.hpp"

#include <tlsio/context.hpp>

namespace tlsio::testing {

/// Every handshake message the context's connections send passes its
/// extensions through `hook` before it is encoded. An empty hook removes it.
void set_extension_hook(context& ctx, extension_hook hook);

}  // namespace tlsio::testing
