#!/usr/bin/env bash
# Installs the Debian packages tlsio needs to build and test, and only those
# that are missing. Safe to run again: with everything present it does nothing.
#
#   scripts/setup.sh            # build + test dependencies, clang for fuzzing
#   scripts/setup.sh --no-fuzz  # skip clang / libclang-rt (fuzz targets)
#
# Runs apt-get as root, or through sudo when not root and sudo exists.
set -euo pipefail

want_fuzz=1
for arg in "$@"; do
    case "$arg" in
        --no-fuzz) want_fuzz=0 ;;
        -h | --help)
            sed -n '2,8p' "$0"
            exit 0
            ;;
        *)
            echo "setup.sh: unknown argument '$arg'" >&2
            exit 2
            ;;
    esac
done

packages=(
    build-essential   # g++ 12, make
    cmake             # >= 3.20
    ninja-build       # the generator the scripts use
    ccache
    pkg-config        # the install test checks tlsio.pc
    libssl-dev        # libcrypto headers (libssl is never linked by tlsio)
    openssl           # the openssl CLI: interop peer in test/interop
    curl              # interop peer in test/interop
    tshark            # decrypts a captured session with a key log (test/interop_cli)
    gnutls-bin        # gnutls-serv / gnutls-cli: TLS 1.2 and 1.3 interop peer (test/interop_cli)
    python3           # Python's ssl module: interop peer (test/interop_cli/python_tls_peer.py)
    libboost1.81-dev  # Asio, System
    libboost-test1.81-dev     # Boost.Test, linked (not header-only) by the test suites
    libboost-context1.81-dev  # asio::spawn (yield_context) in test/stream_test.cpp
    golang-go                     # builds BoringSSL's conformance runner (scripts/bogo.sh)
    golang-golang-x-crypto-dev    # the runner's golang.org/x modules, offline
    golang-golang-x-net-dev
    valgrind          # memcheck: ML-KEM's constant-time test (test/ct)
    chromium          # headless browser peer: X25519MLKEM768 interop (test/interop)
)
if [[ $want_fuzz == 1 ]]; then
    packages+=(clang libclang-rt-14-dev)  # libFuzzer + ASan runtime for test/fuzz
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} == 0 ]]; then
    echo "setup.sh: all ${#packages[@]} packages present"
    exit 0
fi

if [[ $(id -u) == 0 ]]; then
    as_root=()
elif command -v sudo > /dev/null; then
    as_root=(sudo)
else
    echo "setup.sh: missing packages: ${missing[*]}" >&2
    echo "setup.sh: not root and no sudo; install them and run again" >&2
    exit 1
fi

echo "setup.sh: installing ${missing[*]}"
# wireshark-common asks whether non-root users may capture; answer no up front.
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
    "${as_root[@]}" debconf-set-selections
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
