#!/usr/bin/env bash
# Runs example/c_nonblocking_client against `openssl s_server -www` on
# 127.0.0.1 (a port the server picks itself).
#
#   run_nonblocking_client.sh CLIENT PKI_DIR OPENSSL
set -euo pipefail
client=$1 pki=$2 openssl=${3:-openssl}
log=$(mktemp)
"$openssl" s_server -accept 127.0.0.1:0 -naccept 1 -www -cert "$pki/server.pem" \
    -key "$pki/server.key" -alpn http/1.1 > "$log" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null || true; rm -f "$log"' EXIT
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$log")
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || { cat "$log"; echo "s_server did not start"; exit 1; }
"$client" 127.0.0.1 "$port" "$pki/ca.pem" | tee "$log.out"
grep -q '^first line: HTTP/1.0 200 ok' "$log.out"
rm -f "$log.out"
