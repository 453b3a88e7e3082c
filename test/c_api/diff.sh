#!/usr/bin/env bash
# Runs the differential scenarios against libssl and against tlsio and
# compares the (return value, SSL_get_error) sequences line by line, after
# applying the documented divergences of known_divergences.txt to libssl's.
#
#   diff.sh LIBSSL_BINARY TLSIO_BINARY PKI_DIR OUT_DIR
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
libssl=$1 tlsio=$2 pki=$3 out=$4
"$libssl" "$pki" > "$out/diff_libssl.txt" 2> "$out/diff_libssl.err"
rc_libssl=$?
"$tlsio" "$pki" > "$out/diff_tlsio.txt" 2> "$out/diff_tlsio.err"
rc_tlsio=$?
echo "libssl exit $rc_libssl, tlsio exit $rc_tlsio; $(wc -l < "$out/diff_libssl.txt") lines"
cat "$out/diff_libssl.err" "$out/diff_tlsio.err"

# Rewrite libssl's output with the known divergences; list those applied.
awk -F'|' -v used="$out/diff_used.txt" '
    FNR == NR {
        if ($0 ~ /^#/ || NF < 4) next
        key = $1 SUBSEP $2; repl[key] = $3; why[key] = $4; n++; order[n] = key
        next
    }
    /^== / { heading = substr($0, 4) }
    {
        key = heading SUBSEP $0
        if (key in repl) { print repl[key]; seen[key] = 1; next }
        print
    }
    END {
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, part, SUBSEP)
            printf "%s\t%s -> %s (%s)\n", (k in seen) ? "applied" : "MISSING", part[2], repl[k], why[k] > used
        }
    }' "$here/known_divergences.txt" "$out/diff_libssl.txt" > "$out/diff_expected.txt"
echo "documented divergences from libssl:"
sed 's/^/  /' "$out/diff_used.txt"
status=0
if grep -q '^MISSING' "$out/diff_used.txt"; then
    echo "FAILED: a documented divergence no longer occurs; update known_divergences.txt"
    status=1
fi
if ! diff -u --label "libssl (with documented divergences)" --label tlsio \
    "$out/diff_expected.txt" "$out/diff_tlsio.txt"; then
    echo "FAILED: tlsio's facade differs from libssl"
    exit 1
fi
cat "$out/diff_tlsio.txt"
[[ $status == 0 && $rc_libssl == 0 && $rc_tlsio == 0 ]]
