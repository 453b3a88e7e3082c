# shellcheck shell=bash
# Shared by scripts/demo.sh and scripts/test.sh (sourced, not run).
#
# Environment knobs:
#   TLSIO_BUILD_ROOT   where build trees go (default: out/ in the repo)
#   TLSIO_JOBS         parallel compile and test jobs (default: 2)
#   TLSIO_SKIP_SETUP=1 do not check/install Debian packages
#   CCACHE_DIR         compiler cache (default: ~/.cache/ccache)

TLSIO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TLSIO_BUILD_ROOT=${TLSIO_BUILD_ROOT:-$TLSIO_ROOT/out}
TLSIO_JOBS=${TLSIO_JOBS:-2}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Hits across clones at different paths (CI clones afresh).
export CCACHE_BASEDIR=$TLSIO_ROOT
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CMAKE_BUILD_PARALLEL_LEVEL=$TLSIO_JOBS
# Plain Boost.Test logs (no colour escapes in CI logs).
export BOOST_TEST_COLOR_OUTPUT=${BOOST_TEST_COLOR_OUTPUT:-no}

tlsio_generator=()
if command -v ninja > /dev/null; then
    tlsio_generator=(-G Ninja)
fi

log() { printf '\n==> %s\n' "$*"; }

tlsio_setup() {
    if [[ ${TLSIO_SKIP_SETUP:-0} != 1 ]]; then
        "$TLSIO_ROOT/scripts/setup.sh" "$@"
    fi
}

# tlsio_configure DIR [cmake args...]: configures DIR unless it already is
# configured with a compatible cache (cmake then only re-checks).
tlsio_configure() {
    local dir=$1
    shift
    local generator=("${tlsio_generator[@]}")
    # An existing tree keeps its generator; asking for another one fails.
    if [[ -f $dir/CMakeCache.txt ]]; then
        generator=()
    fi
    cmake -S "$TLSIO_ROOT" -B "$dir" "${generator[@]}" "$@"
}

tlsio_build() {
    local dir=$1
    shift
    cmake --build "$dir" --parallel "$TLSIO_JOBS" "$@"
}

# Totals over every ctest run of this script, for the closing line.
tlsio_tests_passed=0
tlsio_tests_failed=0

# tlsio_ctest DIR [ctest args...]: runs ctest, prints its summary, fails when a
# test failed or when no test ran at all.
tlsio_ctest() {
    local dir=$1
    shift
    local out
    out=$(mktemp)
    local rc=0
    ctest --test-dir "$dir" --output-on-failure --no-tests=error --timeout 600 \
        --parallel "$TLSIO_JOBS" "$@" 2>&1 | tee "$out" || rc=$?
    local summary total failed
    summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1 || true)
    rm -f "$out"
    if [[ -z $summary ]]; then
        echo "ctest in $dir printed no summary (exit status $rc)" >&2
        return 1
    fi
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<< "$summary")
    failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<< "$summary")
    tlsio_tests_passed=$((tlsio_tests_passed + total - failed))
    tlsio_tests_failed=$((tlsio_tests_failed + failed))
    if [[ $total == 0 ]]; then
        echo "ctest in $dir ran no tests" >&2
        return 1
    fi
    return "$rc"
}
