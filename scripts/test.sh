#!/usr/bin/env bash
# Everything CI checks, in order:
#   1. release   build (Release) + ctest: unit suites, interop (label interop), demo
#   2. bogo      BoringSSL's conformance runner against tlsio_bogo_shim (scripts/bogo.sh)
#   3. asan      build (ASan + UBSan, Debug) + the same ctest run
#   4. install   cmake --install, then a consumer via find_package and pkg-config
#   5. fuzz      libFuzzer targets (clang), each run for a short smoke time
#   6. standalone a clone in an empty folder builds and runs the suites
#                that read test vectors (scripts/standalone_test.sh)
# Stops at the end with a non-zero status if any step failed.
#
#   ./scripts/test.sh
#
# Knobs (besides those of scripts/common.sh):
#   TLSIO_SKIP_BOGO=1, TLSIO_SKIP_ASAN=1, TLSIO_SKIP_INSTALL=1, TLSIO_SKIP_FUZZ=1,
#   TLSIO_SKIP_STANDALONE=1
#   TLSIO_FUZZ_SECONDS  seconds per fuzz target (default 20)
#   TLSIO_CTEST_ARGS    extra ctest arguments, e.g. "-R engine" or "-LE interop"
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

read -r -a ctest_args <<< "${TLSIO_CTEST_ARGS:-}"
start=$SECONDS
failed_steps=()
step_times=()

# step NAME COMMAND...: runs a step, records its time and whether it failed.
step() {
    local name=$1
    shift
    local t0=$SECONDS
    log "$name"
    if "$@"; then
        step_times+=("$name: ok, $((SECONDS - t0)) s")
        return 0
    fi
    step_times+=("$name: FAILED, $((SECONDS - t0)) s")
    failed_steps+=("$name")
    return 1
}

have_fuzzer() {
    command -v clang++ > /dev/null || return 1
    echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
        clang++ -x c++ -fsanitize=fuzzer,address - -o /dev/null 2> /dev/null
}

if [[ ${TLSIO_SKIP_FUZZ:-0} == 1 ]]; then
    step "setup" tlsio_setup --no-fuzz
else
    step "setup" tlsio_setup
fi

release=$TLSIO_BUILD_ROOT/release
asan=$TLSIO_BUILD_ROOT/asan
fuzz=$TLSIO_BUILD_ROOT/fuzz

# ---- 1. release -------------------------------------------------------------
if step "release: configure" tlsio_configure "$release" -DCMAKE_BUILD_TYPE=Release &&
    step "release: build" tlsio_build "$release"; then
    release_built=1
    step "release: ctest" tlsio_ctest "$release" "${ctest_args[@]}" || true
else
    release_built=0
fi

# ---- 2. bogo ----------------------------------------------------------------
# The release tree already holds the shim; bogo.sh builds the runner (Go).
if [[ ${TLSIO_SKIP_BOGO:-0} != 1 ]]; then
    if [[ $release_built == 1 ]]; then
        if step "bogo: conformance" "$TLSIO_ROOT/scripts/bogo.sh"; then
            tlsio_tests_passed=$((tlsio_tests_passed + 1))
        else
            tlsio_tests_failed=$((tlsio_tests_failed + 1))
        fi
    else
        failed_steps+=("bogo: skipped, the release build failed")
    fi
fi

# ---- 3. asan ----------------------------------------------------------------
if [[ ${TLSIO_SKIP_ASAN:-0} != 1 ]]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # -O0: with ASan + UBSan, -O1 makes compiles of the Boost.Test suites 4-5x
    # slower (143 s vs 31 s of CPU for one suite), far more than it saves at run time.
    if step "asan: configure" tlsio_configure "$asan" -DCMAKE_BUILD_TYPE=Debug -DTLSIO_SANITIZE=ON &&
        step "asan: build" tlsio_build "$asan"; then
        step "asan: ctest" tlsio_ctest "$asan" "${ctest_args[@]}" || true
    fi
fi

# ---- 4. install -------------------------------------------------------------
if [[ ${TLSIO_SKIP_INSTALL:-0} != 1 ]]; then
    if [[ $release_built == 1 ]]; then
        if step "install: consumer" "$TLSIO_ROOT/scripts/install_test.sh" "$release" \
            "$TLSIO_BUILD_ROOT/install"; then
            tlsio_tests_passed=$((tlsio_tests_passed + 1))
        else
            tlsio_tests_failed=$((tlsio_tests_failed + 1))
        fi
    else
        failed_steps+=("install: skipped, the release build failed")
    fi
fi

# ---- 5. fuzz ----------------------------------------------------------------
if [[ ${TLSIO_SKIP_FUZZ:-0} != 1 ]]; then
    if have_fuzzer; then
        if step "fuzz: configure" tlsio_configure "$fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTLSIO_FUZZ=ON \
            -DTLSIO_BUILD_TESTS=OFF -DTLSIO_BUILD_EXAMPLES=OFF -DTLSIO_INSTALL=OFF \
            -DTLSIO_FUZZ_SECONDS="${TLSIO_FUZZ_SECONDS:-20}" &&
            step "fuzz: build" tlsio_build "$fuzz" --target fuzz_all; then
            step "fuzz: smoke" tlsio_ctest "$fuzz" || true
        fi
    else
        log "fuzz: skipped (no clang++ with libFuzzer; scripts/setup.sh installs clang libclang-rt-14-dev)"
    fi
fi

# ---- 6. standalone ---------------------------------------------------------
if [[ ${TLSIO_SKIP_STANDALONE:-0} != 1 ]]; then
    if step "standalone: clone, build, ctest" "$TLSIO_ROOT/scripts/standalone_test.sh"; then
        tlsio_tests_passed=$((tlsio_tests_passed + 1))
    else
        tlsio_tests_failed=$((tlsio_tests_failed + 1))
    fi
fi

# ---- summary ----------------------------------------------------------------
log "summary ($((SECONDS - start)) s)"
printf '  %s\n' "${step_times[@]}"
if [[ ${TLSIO_SKIP_BOGO:-0} != 1 && -f $TLSIO_BUILD_ROOT/bogo/summary.txt ]]; then
    sed 's/^/  /' "$TLSIO_BUILD_ROOT/bogo/summary.txt"
fi
if command -v ccache > /dev/null; then
    ccache --show-stats 2> /dev/null | grep -E 'Hits|Misses|Cache size' | sed 's/^/  ccache /' || true
fi
if [[ ${#failed_steps[@]} != 0 ]]; then
    printf 'FAILED: %s\n' "${failed_steps[@]}"
fi
echo "tests: $tlsio_tests_passed passed, $tlsio_tests_failed failed"
if [[ ${#failed_steps[@]} != 0 || $tlsio_tests_failed != 0 || $tlsio_tests_passed == 0 ]]; then
    exit 1
fi
