#!/usr/bin/env bash
# Quick start: installs what is missing, builds tlsio (Release) and runs the
# demo, a TLS 1.3 handshake between a client and a server engine in memory,
# then `tlsio demo`: HTTPS on 127.0.0.1 with Beast over tlsio::stream.
#   ./scripts/demo.sh
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log "checking packages"
tlsio_setup --no-fuzz
dir=$TLSIO_BUILD_ROOT/release
log "configuring $dir"
tlsio_configure "$dir" -DCMAKE_BUILD_TYPE=Release
log "building the demo and the tlsio tool"
tlsio_build "$dir" --target demo tlsio_cli
log "running $dir/example/demo"
"$dir/example/demo"
log "running $dir/tools/tlsio/tlsio demo"
"$dir/tools/tlsio/tlsio" demo
