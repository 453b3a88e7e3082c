#!/usr/bin/env bash
# Installs a configured tlsio build into a scratch prefix and builds a consumer
# (test/install/main.cpp) against it twice: through the CMake package and
# through pkg-config. Runs both and checks that neither links libssl.
#
#   scripts/install_test.sh BUILD_DIR WORK_DIR
set -euo pipefail

if [[ $# != 2 ]]; then
    echo "usage: $0 BUILD_DIR WORK_DIR" >&2
    exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "$1" && pwd)
work=$2
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
prefix=$work/prefix

say() { echo "install_test: $*"; }
die() {
    echo "install_test: FAILED: $*" >&2
    exit 1
}

say "cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log" || {
    cat "$work/install.log"
    die "cmake --install"
}

for f in include/tlsio/engine.hpp include/tlsio/context.hpp include/tlsio/error.hpp; do
    [[ -f $prefix/$f ]] || die "$f not installed"
done
config=$(find "$prefix" -name tlsioConfig.cmake -print -quit)
[[ -n $config ]] || die "tlsioConfig.cmake not installed"
[[ -f $(dirname "$config")/tlsioConfigVersion.cmake ]] || die "tlsioConfigVersion.cmake not installed"
pc=$(find "$prefix" -name tlsio.pc -print -quit)
[[ -n $pc ]] || die "tlsio.pc not installed"
lib=$(find "$prefix" \( -name 'libtlsio.a' -o -name 'libtlsio.so' \) -print -quit)
[[ -n $lib ]] || die "libtlsio not installed"
say "installed $(find "$prefix" -type f | wc -l) files; library ${lib#"$prefix"/}"

# The library must not need libssl: no undefined SSL_*/TLS_* functions.
if nm -u "$lib" 2> /dev/null | grep -E ' (SSL|TLS|DTLS)_[A-Za-z0-9_]+$' | head -5 | grep -q .; then
    nm -u "$lib" | grep -E ' (SSL|TLS|DTLS)_' | sort -u | head -20
    die "$lib references libssl functions"
fi

no_libssl() {
    if ldd "$1" | grep -q 'libssl\.so'; then
        ldd "$1"
        die "$1 links libssl"
    fi
    say "$(basename "$1") links: $(ldd "$1" | awk '/=>/ {print $1}' | grep -E 'tlsio|crypto|boost' | tr '\n' ' ')"
}

say "consumer through find_package(tlsio CONFIG REQUIRED)"
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
if ! cmake -S "$root/test/install" -B "$work/cmake-consumer" "${generator[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/consumer-configure.log" 2>&1; then
    cat "$work/consumer-configure.log"
    die "configuring the CMake consumer"
fi
grep 'tlsio .* from' "$work/consumer-configure.log" || true
cmake --build "$work/cmake-consumer" || die "building the CMake consumer"
"$work/cmake-consumer/consumer" || die "the CMake consumer failed"
no_libssl "$work/cmake-consumer/consumer"

say "consumer through pkg-config ($(grep -h "^Requires" "$pc"))"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
pkg-config --exists --print-errors tlsio || die "pkg-config cannot use tlsio.pc"
flags=$(pkg-config --cflags --libs tlsio)
say "c++ -std=c++20 main.cpp $flags"
# shellcheck disable=SC2086 # the flags are words
c++ -std=c++20 -Wall -Wextra -Werror "$root/test/install/main.cpp" -o "$work/pc-consumer" $flags ||
    die "building the pkg-config consumer"
LD_LIBRARY_PATH=$(dirname "$lib") "$work/pc-consumer" || die "the pkg-config consumer failed"
LD_LIBRARY_PATH=$(dirname "$lib") no_libssl "$work/pc-consumer"

say "ok: the CMake package and pkg-config consumers both build and run"
