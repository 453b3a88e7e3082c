#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds C programs against the
# C facade the three documented ways, then runs them:
#   - pkg-config tlsio-openssl: example/c_nonblocking_client.c, unchanged
#     OpenSSL-API source, must compile (run by example_c_nonblocking_client);
#   - pkg-config tlsio-c: example/c_bio_pair.c, run;
#   - find_package(tlsio CONFIG) + tlsio::c: c_bio_pair.c again, run.
# None of them may link libssl.
#
#   install_test.sh BUILD_DIR SOURCE_DIR PKI_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 pki=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in include/tlsio/ssl.h include/tlsio/compat/openssl/ssl.h; do
    [[ -f $prefix/$f ]] || { echo "FAILED: $f not installed"; exit 1; }
done
pcdir=$(dirname "$(find "$prefix" -name tlsio-c.pc -print -quit)")
[[ -f $pcdir/tlsio-openssl.pc ]] || { echo "FAILED: tlsio-openssl.pc not installed"; exit 1; }
export PKG_CONFIG_PATH=$pcdir
libdir=$(pkg-config --variable=libdir tlsio-c)
export LD_LIBRARY_PATH=$libdir

no_libssl() {
    if ldd "$1" | grep -q 'libssl\.so'; then
        echo "FAILED: $1 links libssl"
        exit 1
    fi
    if nm "$1" 2> /dev/null | grep -qE ' U (SSL|TLS)_'; then
        echo "FAILED: $1 references libssl symbols"
        exit 1
    fi
}

# A sanitizer build installs a library that needs the sanitizer runtimes: the
# CMake test passes their flags here so the consumers link.
extra=${TLSIO_CONSUMER_FLAGS:-}

flags="$(pkg-config --cflags --libs tlsio-openssl) $extra"
echo "cc c_nonblocking_client.c $flags"
# shellcheck disable=SC2086
cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror "$src/example/c_nonblocking_client.c" \
    -o "$work/c_nonblocking_client" $flags
no_libssl "$work/c_nonblocking_client"

flags="$(pkg-config --cflags --libs tlsio-c) $extra"
echo "cc c_bio_pair.c $flags"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror "$src/example/c_bio_pair.c" -o "$work/c_bio_pair" $flags
no_libssl "$work/c_bio_pair"
"$work/c_bio_pair" "$pki/server.pem" "$pki/server.key" "$pki/ca.pem"

mkdir -p "$work/consumer"
cat > "$work/consumer/CMakeLists.txt" << CMAKE
cmake_minimum_required(VERSION 3.20)
project(c_consumer C CXX)
find_package(tlsio CONFIG REQUIRED)
add_executable(c_bio_pair $src/example/c_bio_pair.c)
target_link_libraries(c_bio_pair PRIVATE tlsio::c)
set_target_properties(c_bio_pair PROPERTIES LINKER_LANGUAGE CXX)
CMAKE
cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS="$extra" > "$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; exit 1; }
cmake --build "$work/consumer/build" > "$work/consumer-build.log" 2>&1 ||
    { cat "$work/consumer-build.log"; exit 1; }
no_libssl "$work/consumer/build/c_bio_pair"
"$work/consumer/build/c_bio_pair" "$pki/server.pem" "$pki/server.key" "$pki/ca.pem"
echo "ok: pkg-config tlsio-openssl, tlsio-c and find_package(tlsio) + tlsio::c"
