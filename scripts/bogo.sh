#!/usr/bin/env bash
# BoGo, BoringSSL's TLS conformance runner, against tlsio_bogo_shim:
#   1. builds the runner (test/bogo/runner, Go) into $TLSIO_BUILD_ROOT/bogo
#   2. builds the shim (target tlsio_bogo_shim) in the release tree
#   3. runs every test not disabled in test/bogo/config.json
#   4. prints PASS / FAIL / SKIP overall and per name prefix (TLS13-, Resume-, ...)
# Exits non-zero if a test failed. SKIP: the shim exited 89 (a flag or feature
# tlsio does not implement).
#
#   ./scripts/bogo.sh [-test 'TLS13-*;KeyUpdate-*'] [other runner flags...]
#
# Knobs (besides those of scripts/common.sh): TLSIO_BOGO_WORKERS (default
# TLSIO_JOBS), TLSIO_BOGO_SKIP_BUILD=1 (use the trees as they are).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

release=$TLSIO_BUILD_ROOT/release
out=$TLSIO_BUILD_ROOT/bogo
runner=$out/bogo-runner
shim=$release/test/bogo/tlsio_bogo_shim
config=$TLSIO_ROOT/test/bogo/config.json
mkdir -p "$out"

if [[ ${TLSIO_BOGO_SKIP_BUILD:-0} != 1 ]]; then
    log "bogo: runner"
    "$TLSIO_ROOT/test/bogo/runner/build-runner.sh" "$runner"
    log "bogo: shim"
    if [[ ! -f $release/CMakeCache.txt ]]; then
        tlsio_configure "$release" -DCMAKE_BUILD_TYPE=Release
    fi
    tlsio_build "$release" --target tlsio_bogo_shim
fi

log "bogo: run"
results=$out/results.json
rm -f "$results" "$out/summary.txt"
t0=$SECONDS
# The runner prints progress with backspaces; keep its log for the failures'
# details (each names the shim's flags, its stderr and the runner's error).
rc=0
"$runner" -shim-path "$shim" -shim-config "$config" -allow-unimplemented \
    -num-workers "${TLSIO_BOGO_WORKERS:-$TLSIO_JOBS}" -json-output "$results" "$@" \
    > "$out/runner.log" 2>&1 || rc=$?
echo "runner exit status $rc, $((SECONDS - t0)) s; log: $out/runner.log"
if [[ ! -f $results ]]; then
    tr '\b' '\n' < "$out/runner.log" | grep -v '^[0-9/ ]*$' | tail -20 >&2
    echo "bogo: the runner wrote no results" >&2
    exit 1
fi
# The counts line also goes to $out/summary.txt for scripts/test.sh's summary.
rc=0
python3 "$TLSIO_ROOT/test/bogo/summary.py" "$results" "$config" "$out/runner.log" | tee "$out/summary.full" || rc=$?
grep '^bogo: ' "$out/summary.full" > "$out/summary.txt" || true
exit "$rc"
