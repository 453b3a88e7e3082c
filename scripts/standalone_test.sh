#!/usr/bin/env bash
# Checks that the repository stands on its own: a clone of HEAD in an empty
# temporary folder (nothing beside it) configures, builds the suites that
# read test vectors, and runs them. Cheap by design: two suites, through ccache.
#
#   ./scripts/standalone_test.sh            # clones HEAD of this repository
#
# Knobs: TLSIO_JOBS (2), CCACHE_DIR; TLSIO_KEEP_STANDALONE=1 keeps the clone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
if [[ ${TLSIO_KEEP_STANDALONE:-0} != 1 ]]; then
    trap 'rm -rf "$tmp"' EXIT
fi
clone=$tmp/tlsio
git clone --quiet --no-hardlinks "$here" "$clone"
# The folder the team's design notes and vectors came from, beside a checkout;
# a user's clone has no such folder.
sibling=shared
if [[ -e $tmp/$sibling ]]; then
    echo "standalone: $tmp/$sibling exists; the check needs an empty parent folder" >&2
    exit 1
fi
# Nothing that builds or tests may name the folder beside the clone.
if git -C "$clone" grep -n -e "\.\./$sibling" -e "/work/$sibling" -- \
    'CMakeLists.txt' '*.cmake' '*/CMakeLists.txt' 'scripts' 'test' 'tools' 'example' 'bench' \
    '.ci' 'README.md' 'docs' ':!scripts/standalone_test.sh'; then
    echo "standalone: the files above still refer to the folder beside the checkout" >&2
    exit 1
fi

# The clone's own common.sh: its ccache base folder is the clone, so compiles
# hit the cache filled by the main tree.
# shellcheck source=scripts/common.sh
source "$clone/scripts/common.sh"
export TLSIO_SKIP_SETUP=1
tlsio_configure "$clone/out/release" -DCMAKE_BUILD_TYPE=Release -DTLSIO_BUILD_EXAMPLES=OFF \
    -DTLSIO_INSTALL=OFF > /dev/null
tlsio_build "$clone/out/release" --target crypto_wycheproof_test rfc8448_test
grep -q "TLSIO_TESTDATA_DIR:PATH=$clone/test/data" "$clone/out/release/CMakeCache.txt" || {
    echo "standalone: TLSIO_TESTDATA_DIR does not default to the clone's test/data" >&2
    exit 1
}
tlsio_ctest "$clone/out/release" -R '^(crypto_wycheproof_test|rfc8448_test)$'
