#!/usr/bin/env bash
# Adds the TLS 1.2 seeds of make_seeds (client_handshake/tls12_* and
# server_handshake/tls12_*: conversations of the targets' TLS 1.2 engines,
# selected by the tlsio_fuzz::tls12_mode byte) to the committed corpus under
# test/fuzz/corpus/, named by their SHA-1 as libFuzzer names its inputs. The
# TLS 1.3 seeds need no copy: the committed corpus grew from them.
#
#   commit_tls12_seeds.sh MAKE_SEEDS     e.g. out/fuzz/test/fuzz/make_seeds
set -euo pipefail
make_seeds=${1:?usage: commit_tls12_seeds.sh MAKE_SEEDS}
corpus=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_seeds" "$tmp" > /dev/null
for target in client_handshake server_handshake; do
    for seed in "$tmp/$target"/tls12_*; do
        name=$(sha1sum "$seed" | cut -d' ' -f1)
        cp "$seed" "$corpus/$target/$name"
        echo "$target/$name <- $(basename "$seed")"
    done
done
