#!/usr/bin/env bash
# Quick start: installs what is missing, builds tlsio (Release) and runs the
# demo, a TLS 1.3 handshake between a client and a server engine in memory.
#   ./scripts/demo.sh
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

log "checking packages"
tlsio_setup --no-fuzz
dir=$TLSIO_BUILD_ROOT/release
log "configuring $dir"
tlsio_configure "$dir" -DCMAKE_BUILD_TYPE=Release
log "building the demo"
tlsio_build "$dir" --target demo
log "running $dir/example/demo"
"$dir/example/demo"
