#!/usr/bin/env bash
# The tests of test/interop_cli, one case per ctest test:
#
#   run.sh CASE
#
# Each case makes its own certificates (openssl CLI), starts its peers on
# 127.0.0.1 with ports the system picks (port 0; the peer prints the port),
# waits for them with a bound, checks what they print and stops them itself.
# CMake passes the programs in the environment:
#   TLSIO_CLI        the tlsio tool
#   TLSIO_EXAMPLES   the folder of the example programs
#   TLSIO_WS_SERVER  test/interop_cli/websocket_echo_server
#   TLSIO_TEST_WORK  a folder for the cases' files (one subfolder each)
set -euo pipefail

case_name=${1:?usage: run.sh CASE}
tlsio=${TLSIO_CLI:?TLSIO_CLI is not set}
examples=${TLSIO_EXAMPLES:-}
work=${TLSIO_TEST_WORK:-/tmp/tlsio_interop_cli}/$case_name
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"

# ---- helpers ------------------------------------------------------------------

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2> /dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2> /dev/null || true
    done
    # Peers built with sanitizers report on stderr, also when stopped.
    local reports=()
    mapfile -t reports < <(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
        "$work"/*.err 2> /dev/null || true)
    if ((${#reports[@]} > 0)); then
        echo "FAILED ($case_name): sanitizer reports in ${reports[*]}" >&2
        head -c 4000 "${reports[@]}" >&2
        exit 1
    fi
}
trap cleanup EXIT

fail() {
    echo "FAILED ($case_name): $*" >&2
    local f
    for f in "$work"/*.out "$work"/*.err; do
        [[ -s $f ]] || continue
        echo "----- ${f#"$work"/}" >&2
        head -c 4000 "$f" >&2
    done
    exit 1
}

say() { echo "$case_name: $*"; }

# start NAME COMMAND...: runs COMMAND in the background (at most 90 s) with its
# output in NAME.out / NAME.err; the cleanup stops it.
start() {
    local name=$1
    shift
    timeout 90 "$@" > "$name.out" 2> "$name.err" &
    pids+=($!)
    last_pid=$!
}

# wait_for FILE REGEX [SECONDS]: waits until a line of FILE matches REGEX.
wait_for() {
    local file=$1 regex=$2 limit=${3:-10}
    local deadline=$((SECONDS + limit))
    until grep -Eq -- "$regex" "$file" 2> /dev/null; do
        if ((SECONDS >= deadline)); then
            fail "no line matching '$regex' in $file after ${limit} s"
        fi
        sleep 0.05
    done
}

# port_of FILE REGEX: the number after the last ':' of the first line matching REGEX.
port_of() {
    grep -Em1 -- "$2" "$1" | sed -E 's/.*:([0-9]+)[^0-9]*$/\1/'
}

# expect FILE REGEX [WHAT]: FILE has a line matching REGEX.
expect() {
    grep -Eq -- "$2" "$1" || fail "${3:-$1} lacks a line matching '$2'"
}

# expect_line FILE TEXT: FILE has exactly this line.
expect_line() {
    grep -Fxq -- "$2" "$1" || fail "$1 lacks the line '$2'"
}

# make_cert NAME CN [key type]: NAME.pem / NAME.key, self-signed for CN.
make_cert() {
    local name=$1 cn=$2 type=${3:-ec}
    local keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    if [[ $type == rsa ]]; then
        keyopt=(-newkey rsa:2048)
    fi
    openssl req -x509 "${keyopt[@]}" -nodes -keyout "$name.key" -out "$name.pem" -days 2 \
        -subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" \
        -addext "keyUsage=critical,digitalSignature,keyCertSign" > /dev/null 2>&1 ||
        fail "openssl req for $name"
}

# start_tlsio_server NAME ARGS...: `tlsio server --port 0 ARGS`; sets $port.
start_tlsio_server() {
    local name=$1
    shift
    start "$name" "$tlsio" server --port 0 "$@"
    wait_for "$name.out" '^listening on '
    # "listening on 127.0.0.1:PORT (www)"
    port=$(grep -Em1 '^listening on ' "$name.out" | sed -E 's/^listening on .*:([0-9]+) .*/\1/')
}

# start_s_server NAME ARGS...: `openssl s_server -accept 0 ARGS`; sets $port.
start_s_server() {
    local name=$1
    shift
    start "$name" openssl s_server -accept 0 "$@"
    wait_for "$name.out" '^ACCEPT '
    port=$(port_of "$name.out" '^ACCEPT ')
}

# start_example NAME PROGRAM ARGS...: an example server that prints
# "listening on ADDR:PORT"; sets $port.
start_example() {
    local name=$1
    shift
    start "$name" "$@"
    wait_for "$name.out" '^listening on '
    port=$(port_of "$name.out" '^listening on ')
}

need_example() {
    [[ -n $examples && -x $examples/$1 ]] || fail "example program $examples/$1 not built"
}

# ---- cases --------------------------------------------------------------------

case_cli_demo() {
    timeout 60 "$tlsio" demo > demo.out 2> demo.err || fail "tlsio demo exited $?"
    expect demo.out '^Protocol: TLSv1\.3$'
    expect demo.out '^Verification: OK '
    expect demo.out '^HTTP/1\.1 200 OK'
    expect demo.out '^handshake median [0-9]+ µs'
    expect demo.out "^certificate verify failed: host name mismatch \(expected 'example\.com'"
    expect demo.out '^tlsio demo: ok'
    grep -E '^handshake median' demo.out
}

case_cli_version_help_tls12_peers() {
    "$tlsio" --version > version.out 2> version.err || fail "tlsio --version exited $?"
    expect version.out '^tlsio [0-9]+\.[0-9]+\.[0-9]+ \(OpenSSL 3'
    expect_line version.out "protocols: TLSv1.3 TLSv1.2"
    expect version.out '^TLS 1\.2 cipher suites: ECDHE-ECDSA-AES128-GCM-SHA256 '
    "$tlsio" help client > help_client.out || fail "tlsio help client exited $?"
    "$tlsio" client --help > client_help.out || fail "tlsio client --help exited $?"
    expect help_client.out '^usage: tlsio client HOST:PORT'
    expect help_client.out '--tls1_2, --tls1_3 '
    expect help_client.out '--ciphers LIST '
    cmp -s help_client.out client_help.out || fail "tlsio help client differs from client --help"
    "$tlsio" help server > help_server.out || fail "tlsio help server exited $?"
    expect help_server.out '^usage: tlsio server --cert FILE --key FILE'
    expect help_server.out '--min-version V, --max-version V'
    "$tlsio" help > help.out || fail "tlsio help exited $?"
    expect help.out 'tlsio help MODE'

    # TLS 1.2-only peers: spoken by default.
    make_cert server localhost
    start_s_server s_server -tls1_2 -www -cert server.pem -key server.key
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem \
            > client.out 2> client.err || fail "tlsio client against s_server -tls1_2 exited $?"
    expect_line client.out "Protocol: TLSv1.2"
    expect client.out '^Cipher suite: TLS_ECDHE_ECDSA_WITH_[A-Z0-9_]+ \(ECDHE-ECDSA-[A-Z0-9-]+\)$'
    expect client.out '^New, TLSv1\.2, Cipher is ECDHE-ECDSA-'
    # ... unless the client asks for TLS 1.3 only: the message says so.
    local rc=0
    timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem --tls1_3 < /dev/null \
        > client2.out 2> client2.err || rc=$?
    [[ $rc == 1 ]] || fail "tlsio client --tls1_3 against a TLS 1.2 server exited $rc, expected 1"
    expect client2.err '^error: .*no protocol version in common: tlsio speaks TLS 1\.2 and 1\.3'

    start_tlsio_server server --cert server.pem --key server.key --www
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -servername localhost \
            -CAfile server.pem -verify_return_error -ign_eof \
            > s_client.out 2> s_client.err || fail "s_client -tls1_2 exited $?"
    expect s_client.out '^New, TLSv1\.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256'
    expect_line s_client.out "Protocol: TLSv1.2"
    start_tlsio_server server13 --cert server.pem --key server.key --tls1_3
    timeout 20 openssl s_client -connect "127.0.0.1:$port" -tls1_2 < /dev/null \
        > s_client2.out 2> s_client2.err || true
    wait_for server13.out 'error: handshake with .*no protocol version in common' 10
    say "ok"
}

# The version and TLS 1.2 suite options of both modes, tlsio against
# openssl s_server / s_client and against itself.
case_cli_tls12_options() {
    make_cert server localhost
    make_cert rsa localhost rsa
    # Bad values are usage errors (exit 2), found before connecting.
    local rc bad
    for bad in "--ciphers AES128-SHA" "--ciphers TLS_AES_128_GCM_SHA256" \
        "--min-version TLSv1.1" "--min-version TLSv1.3 --max-version TLSv1.2" \
        "--tls1_2 --tls1_3" "--tls1_3 --ciphers ECDHE-RSA-AES128-GCM-SHA256"; do
        rc=0
        # shellcheck disable=SC2086 # the options are meant to split
        "$tlsio" client localhost:1 --insecure $bad < /dev/null > bad.out 2> bad.err || rc=$?
        [[ $rc == 2 ]] || fail "tlsio client $bad exited $rc, expected 2"
        rc=0
        # shellcheck disable=SC2086
        "$tlsio" server --cert server.pem --key server.key $bad > bad.out 2> bad.err || rc=$?
        [[ $rc == 2 ]] || fail "tlsio server $bad exited $rc, expected 2"
    done
    expect bad.err 'TLS 1\.2 is off'

    # The client's --ciphers against an RSA s_server that takes TLS 1.2 only.
    start_s_server s_server -tls1_2 -www -cert rsa.pem -key rsa.key
    local suite
    for suite in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 \
        ECDHE-RSA-CHACHA20-POLY1305; do
        printf 'GET / HTTP/1.0\r\n\r\n' |
            timeout 20 "$tlsio" client "localhost:$port" --cafile rsa.pem --ciphers "$suite" \
                --max-version TLSv1.2 > "c_$suite.out" 2> "c_$suite.err" ||
            fail "tlsio client --ciphers $suite exited $?"
        expect "c_$suite.out" "^Cipher suite: TLS_ECDHE_RSA_WITH_[A-Z0-9_]+ \($suite\)$"
        expect "c_$suite.out" "^New, TLSv1\.2, Cipher is $suite"
    done

    # The server's --ciphers and --tls1_2 against s_client, every ECDSA suite.
    start_tlsio_server server --cert server.pem --key server.key --cert rsa.pem --key rsa.key \
        --www --tls1_2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384
    for suite in ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES256-GCM-SHA384; do
        printf 'GET / HTTP/1.0\r\n\r\n' |
            timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
                -CAfile server.pem -verify_return_error -cipher "$suite" -ign_eof \
                > "s_$suite.out" 2> "s_$suite.err" || fail "s_client -cipher $suite exited $?"
        expect "s_$suite.out" "^New, TLSv1\.2, Cipher is $suite"
        expect_line "s_$suite.out" "Protocol: TLSv1.2"
    done
    # A suite the server's list leaves out: handshake_failure.
    timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
        -cipher ECDHE-ECDSA-AES128-GCM-SHA256 < /dev/null > s_none.out 2> s_none.err || true
    expect s_none.err 'alert handshake failure|handshake failure'
    # s_client offering TLS 1.3 only meets the --tls1_2 server: protocol_version.
    timeout 20 openssl s_client -connect "127.0.0.1:$port" -tls1_3 < /dev/null \
        > s_13.out 2> s_13.err || true
    expect s_13.err 'alert protocol version|unsupported protocol|protocol version'

    # tlsio against tlsio: --min-version TLSv1.3 on either side wins over 1.2.
    start_tlsio_server echo --cert server.pem --key server.key --min-version TLSv1.3
    printf 'hi\n' | timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem \
        > t1.out 2> t1.err || fail "tlsio client (default) vs --min-version TLSv1.3 exited $?"
    expect_line t1.out "Protocol: TLSv1.3"
    expect_line t1.out "hi"
    rc=0
    timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem --max-version TLSv1.2 \
        < /dev/null > t2.out 2> t2.err || rc=$?
    [[ $rc == 1 ]] || fail "a TLS 1.2 client against --min-version TLSv1.3 exited $rc"
    expect t2.err 'protocol_version'
    say "ok"
}

# gnutls-serv / gnutls-cli (Debian gnutls-bin) with TLS 1.2 and 1.3, both
# roles. gnutls-serv has no option to bind one address and reports no port it
# picked: it listens on every interface, on a free port found just before
# (tried again if another process takes it first); only 127.0.0.1 is used.
case_cli_vs_gnutls() {
    command -v gnutls-serv > /dev/null ||
        fail "gnutls-bin is not installed (scripts/setup.sh installs it)"
    make_cert server localhost
    local version prio
    for version in 1.3 1.2; do
        prio="NORMAL:-VERS-ALL:+VERS-TLS$version"
        # gnutls-cli against tlsio server (echo).
        start_tlsio_server "server$version" --cert server.pem --key server.key
        { printf 'hello gnutls-cli %s\n' "$version"; sleep 1; } |
            timeout 20 gnutls-cli -p "$port" --x509cafile server.pem --priority "$prio" \
                localhost > "gnutls_cli$version.out" 2> "gnutls_cli$version.err" ||
            fail "gnutls-cli (TLS $version) exited $?"
        expect "gnutls_cli$version.out" "^- Description: \(TLS${version}-X\.509\)-\(ECDHE-X25519\)-\(ECDSA-(SECP256R1-)?SHA256\)-\(AES-(128|256)-GCM\)"
        expect_line "gnutls_cli$version.out" "hello gnutls-cli $version"
        wait_for "server$version.out" "^\[1\] 127\.0\.0\.1:[0-9]+ TLSv$version TLS_" 10

        # tlsio client against gnutls-serv --echo.
        local tries=0
        until
            port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
            start "gnutls_serv$version" gnutls-serv --x509certfile server.pem \
                --x509keyfile server.key -p "$port" --echo --priority "$prio"
            local deadline=$((SECONDS + 10))
            until grep -q "listening on IPv4 .* port $port" "gnutls_serv$version.err" ||
                ! kill -0 "$last_pid" 2> /dev/null || ((SECONDS >= deadline)); do
                sleep 0.05
            done
            grep -q "listening on IPv4 .* port $port" "gnutls_serv$version.err"
        do
            ((++tries < 3)) || fail "gnutls-serv did not start on a free port"
        done
        printf 'hello gnutls-serv %s\n' "$version" |
            timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem \
                > "client$version.out" 2> "client$version.err" ||
            fail "tlsio client against gnutls-serv (TLS $version) exited $?"
        expect_line "client$version.out" "Protocol: TLSv$version"
        expect_line "client$version.out" "Verification: OK"
        expect_line "client$version.out" "hello gnutls-serv $version"
        expect_line "client$version.err" "closed by the server (close_notify)"
        grep -Em1 '^Cipher suite' "client$version.out"
    done
    # A mismatch: tlsio client --tls1_3 against the TLS 1.2-only gnutls-serv.
    local rc=0
    timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem --tls1_3 < /dev/null \
        > mismatch.out 2> mismatch.err || rc=$?
    [[ $rc == 1 ]] || fail "tlsio client --tls1_3 against a TLS 1.2 gnutls-serv exited $rc"
    # GnuTLS answers a ClientHello without its version by handshake_failure.
    expect mismatch.err '^error: peer sent alert (handshake_failure|protocol_version)'
    say "ok"
}

# curl --tls-max 1.2 (and --tlsv1.3) against tlsio server.
case_cli_server_vs_curl_tls12() {
    command -v curl > /dev/null || fail "curl is not installed (scripts/setup.sh installs it)"
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www --alpn http/1.1
    local url="https://localhost:$port"
    timeout 20 curl -sS -v --tls-max 1.2 --cacert server.pem "$url/v12" > curl.out 2> curl.err ||
        fail "curl --tls-max 1.2 exited $?"
    expect curl.err 'SSL connection using TLSv1\.2 / ECDHE-ECDSA-AES128-GCM-SHA256'
    expect curl.err 'ALPN: server accepted http/1\.1'
    expect_line curl.out "Protocol: TLSv1.2"
    expect_line curl.out "Request: GET /v12 HTTP/1.1"
    timeout 20 curl -sS -v --tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305 \
        --cacert server.pem "$url/chacha" > curl2.out 2> curl2.err ||
        fail "curl --tls-max 1.2 --ciphers exited $?"
    expect curl2.err 'SSL connection using TLSv1\.2 / ECDHE-ECDSA-CHACHA20-POLY1305'
    expect_line curl2.out "Cipher suite: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (ECDHE-ECDSA-CHACHA20-POLY1305)"
    timeout 20 curl -sS -v --tlsv1.3 --cacert server.pem "$url/v13" > curl3.out 2> curl3.err ||
        fail "curl --tlsv1.3 exited $?"
    expect curl3.err 'SSL connection using TLSv1\.3 / TLS_'
    expect_line curl3.out "Protocol: TLSv1.3"
    say "ok"
}

# Python's ssl module (OpenSSL underneath, a different configuration than the
# openssl CLI's) as client and server, pinned to TLS 1.2 and to TLS 1.3.
case_cli_vs_python_ssl() {
    command -v python3 > /dev/null || fail "python3 is not installed"
    local peer=$here/python_tls_peer.py
    make_cert server localhost
    local version
    for version in 1.2 1.3; do
        start_tlsio_server "server$version" --cert server.pem --key server.key
        timeout 30 python3 "$peer" client "$port" server.pem "$version" "hello python $version" \
            > "py_client$version.out" 2> "py_client$version.err" ||
            fail "python client (TLS $version) exited $?"
        expect "py_client$version.out" "^negotiated TLSv$version (ECDHE-ECDSA-AES|TLS_)"
        expect_line "py_client$version.out" "echo: hello python $version"

        start "py_server$version" python3 "$peer" server server.pem server.key "$version"
        wait_for "py_server$version.out" '^listening on '
        port=$(port_of "py_server$version.out" '^listening on ')
        printf 'hello tlsio %s\n' "$version" |
            timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem \
                > "client$version.out" 2> "client$version.err" ||
            fail "tlsio client against python (TLS $version) exited $?"
        expect_line "client$version.out" "Protocol: TLSv$version"
        expect_line "client$version.out" "hello tlsio $version"
        wait_for "py_server$version.out" '^echoed [0-9]+ bytes' 10
        expect "py_server$version.out" "^negotiated TLSv$version "
    done
    say "ok"
}

case_cli_client_vs_openssl_www() {
    make_cert server localhost
    start_s_server s_server -tls1_3 -www -alpn http/1.1 -cert server.pem -key server.key
    say "openssl s_server -www on port $port"
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem --alpn h2,http/1.1 \
            > client.out 2> client.err || fail "tlsio client exited $?"
    expect_line client.out "CONNECTED 127.0.0.1:$port"
    expect_line client.out " 0 s:CN = localhost"
    expect_line client.out "   i:CN = localhost"
    expect_line client.out "Protocol: TLSv1.3"
    expect client.out '^Cipher suite: TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$'
    expect client.out '^Group: (x25519|secp256r1|secp384r1)$'
    expect_line client.out "Peer signature scheme: ecdsa_secp256r1_sha256"
    expect_line client.out "ALPN: http/1.1"
    expect_line client.out "SNI: localhost"
    expect_line client.out "Verification: OK"
    # The page s_server -www sends back describes the session from its side.
    expect client.out '^HTTP/1\.0 200 ok'
    expect client.out '^New, TLSv1\.3, Cipher is TLS_'
    expect_line client.err "closed by the server (close_notify)"

    # Chosen parameters: the other suite and group, and a HelloRetryRequest
    # (the client's first key share is x25519, the server only takes P-384).
    start_s_server s_server2 -tls1_3 -www -groups secp384r1 -cert server.pem -key server.key
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem \
            --ciphersuites TLS_AES_256_GCM_SHA384 --groups x25519,secp384r1 \
            > client2.out 2> client2.err || fail "tlsio client (P-384, AES-256) exited $?"
    expect_line client2.out "Cipher suite: TLS_AES_256_GCM_SHA384"
    expect_line client2.out "Group: secp384r1"
    expect_line client2.out "HelloRetryRequest: yes"
    expect client2.out '^New, TLSv1\.3, Cipher is TLS_AES_256_GCM_SHA384'
    say "ok"
}

case_cli_client_host_mismatch() {
    make_cert server localhost
    make_cert other other.example
    start_s_server s_server -tls1_3 -www -cert server.pem -key server.key
    local rc=0
    timeout 20 "$tlsio" client "127.0.0.1:$port" --cafile server.pem --servername example.com \
        < /dev/null > client.out 2> client.err || rc=$?
    [[ $rc == 1 ]] || fail "tlsio client exited $rc, expected 1"
    expect_line client.err "error: certificate verify failed: host name mismatch (expected 'example.com', certificate for 'localhost')"
    [[ $(wc -l < client.err) == 1 ]] || fail "more than one line on stderr"

    # An untrusted certificate, and the system's default trust.
    rc=0
    timeout 20 "$tlsio" client "localhost:$port" --cafile other.pem < /dev/null \
        > client2.out 2> client2.err || rc=$?
    [[ $rc == 1 ]] || fail "tlsio client (untrusted) exited $rc, expected 1"
    expect client2.err '^error: certificate verify failed: .*(self-signed|issuer)'
    rc=0
    timeout 20 "$tlsio" client "localhost:$port" < /dev/null > client3.out 2> client3.err || rc=$?
    [[ $rc == 1 ]] || fail "tlsio client (default trust) exited $rc, expected 1"
    expect client3.err '^error: certificate verify failed: '

    # --insecure connects anyway and says what it did not check.
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 20 "$tlsio" client "localhost:$port" --insecure > client4.out 2> client4.err ||
        fail "tlsio client --insecure exited $?"
    expect_line client4.out "Verification: not checked (--insecure)"
    expect client4.out '^HTTP/1\.0 200 ok'

    # No name to check the certificate against: refused before connecting.
    rc=0
    timeout 20 "$tlsio" client "127.0.0.1:$port" --cafile server.pem --servername '' \
        < /dev/null > client5.out 2> client5.err || rc=$?
    [[ $rc == 2 ]] || fail "tlsio client --servername '' exited $rc, expected 2"
    expect client5.err '^error: no host name to check the server certificate against'
    say "ok"
}

case_cli_client_key_update() {
    make_cert server localhost
    # s_server -rev answers each line reversed; -msg shows the handshake
    # messages it receives and sends.
    start_s_server s_server -tls1_3 -rev -msg -naccept 1 -cert server.pem -key server.key
    {
        printf 'hello\n'
        sleep 0.3
        printf 'K\n'
        sleep 0.3
        printf 'world\n'
        sleep 0.5
    } | timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem > client.out \
        2> client.err || fail "tlsio client exited $?"
    expect_line client.out "olleh"
    expect_line client.out "dlrow"
    expect_line client.err "KEYUPDATE (update_requested)"
    # s_server got our KeyUpdate (request_update = 1) and answered with its own (0).
    grep -A1 '^<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate' s_server.out |
        grep -q '18 00 00 01 01' || fail "s_server did not receive a KeyUpdate with update_requested"
    grep -A1 '^>>> TLS 1.3, Handshake \[length 0005\], KeyUpdate' s_server.out |
        grep -q '18 00 00 01 00' || fail "s_server did not answer with its own KeyUpdate"

    # The same against tlsio server (echo), both kinds.
    start_tlsio_server server --cert server.pem --key server.key
    printf 'one\nK\ntwo\nk\nthree\n' |
        timeout 20 "$tlsio" client "localhost:$port" --cafile server.pem --quiet > client2.out \
            2> client2.err || fail "tlsio client against tlsio server exited $?"
    [[ $(cat client2.out) == $'one\ntwo\nthree' ]] || fail "echo after KeyUpdates differs"
    say "ok"
}

case_cli_server_vs_openssl_s_client() {
    make_cert server localhost
    make_cert rsa localhost rsa
    make_cert client client
    # Two credentials (ECDSA and RSA); the server picks by signature_algorithms.
    start_tlsio_server server --cert server.pem --key server.key --cert rsa.pem --key rsa.key \
        --www --alpn http/1.1
    say "tlsio server --www on port $port"
    printf 'GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -verify_return_error -alpn http/1.1 -ign_eof \
            > s_client.out 2> s_client.err || fail "s_client exited $?"
    expect s_client.out '^Verify return code: 0 \(ok\)'
    expect s_client.out '^New, TLSv1\.3, Cipher is TLS_'
    expect s_client.out '^ALPN protocol: http/1\.1'
    expect s_client.out '^Peer signature type: ECDSA'
    expect s_client.out '^HTTP/1\.1 200 OK'
    expect_line s_client.out "Protocol: TLSv1.3"
    expect_line s_client.out "SNI: localhost"
    expect_line s_client.out "ALPN: http/1.1"
    expect_line s_client.out "Signature scheme: ecdsa_secp256r1_sha256"
    expect_line s_client.out "Request: GET /hello HTTP/1.1"

    # A client that only accepts RSA-PSS gets the RSA certificate.
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile rsa.pem -verify_return_error -sigalgs rsa_pss_rsae_sha256 -ign_eof \
            > s_client2.out 2> s_client2.err || fail "s_client (RSA-PSS only) exited $?"
    expect s_client2.out '^Peer signature type: RSA-PSS'
    expect s_client2.out '^Verify return code: 0 \(ok\)'
    expect_line s_client2.out "Signature scheme: rsa_pss_rsae_sha256"

    # Client certificates: required with --verify-client.
    start_tlsio_server mtls --cert server.pem --key server.key --cafile client.pem \
        --verify-client --www
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -cert client.pem -key client.key -ign_eof \
            > s_client3.out 2> s_client3.err || fail "s_client with a certificate exited $?"
    expect_line s_client3.out "Client certificate: OK"
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -ign_eof > s_client4.out 2> s_client4.err || true
    grep -q '^HTTP/1.1 200' s_client4.out && fail "a client without a certificate was served"
    wait_for mtls.out 'error: handshake with .*(certificate|sent no)' 10
    say "ok"
}

case_cli_server_resumes_openssl_s_client() {
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www
    say "tlsio server --www on port $port"
    # The first connection saves the server's ticket, the second offers it.
    printf 'GET /first HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -verify_return_error -sess_out session.pem -ign_eof \
            > first.out 2> first.err || fail "s_client (first) exited $?"
    expect first.out '^New, TLSv1\.3, Cipher is TLS_'
    expect_line first.out "Resumed: no"
    grep -q 'BEGIN SSL SESSION PARAMETERS' session.pem || fail "s_client saved no session"
    printf 'GET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -verify_return_error -sess_in session.pem -ign_eof \
            > second.out 2> second.err || fail "s_client (second) exited $?"
    expect second.out '^Reused, TLSv1\.3, Cipher is TLS_'
    expect_line second.out "Resumed: yes"
    expect_line second.out "Request: GET /second HTTP/1.1"
    # A ticket the server cannot open (another server process, other keys):
    # a full handshake, no error.
    start_tlsio_server other --cert server.pem --key server.key --www
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -verify_return_error -sess_in session.pem -ign_eof \
            > third.out 2> third.err || fail "s_client (other server) exited $?"
    expect third.out '^New, TLSv1\.3, Cipher is TLS_'
    expect_line third.out "Resumed: no"
    say "ok"
}

# TLS 1.2 resumption both ways: openssl s_client -tls1_2 resumes from a tlsio
# server by ticket and (with -no_ticket) by session ID; tlsio client resumes
# from openssl s_server -tls1_2 by ticket and by session ID (-no_ticket).
case_cli_tls12_resumption_openssl() {
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www
    local mode
    for mode in ticket no_ticket; do
        local extra=()
        [[ $mode == no_ticket ]] && extra=(-no_ticket)
        printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
            timeout 20 openssl s_client -tls1_2 "${extra[@]}" -connect "127.0.0.1:$port" \
                -servername localhost -CAfile server.pem -verify_return_error \
                -sess_out "$mode.pem" -ign_eof > "$mode-1.out" 2>&1 || fail "s_client ($mode) exited $?"
        expect "$mode-1.out" '^New, TLSv1\.2, Cipher is ECDHE-'
        printf 'GET /again HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
            timeout 20 openssl s_client -tls1_2 "${extra[@]}" -connect "127.0.0.1:$port" \
                -servername localhost -CAfile server.pem -verify_return_error \
                -sess_in "$mode.pem" -ign_eof > "$mode-2.out" 2>&1 || fail "s_client ($mode) exited $?"
        expect "$mode-2.out" '^Reused, TLSv1\.2, Cipher is ECDHE-'
        expect_line "$mode-2.out" "Resumed: yes"
    done
    # A session ID (no ticket) names the session in the server's cache.
    grep -q 'Session-ID: [0-9A-F]\{64\}' no_ticket-1.out || fail "no session ID from the tlsio server"

    for mode in ticket no_ticket; do
        local extra=()
        [[ $mode == no_ticket ]] && extra=(-no_ticket)
        start "s_server_$mode" bash -c "exec openssl s_server -tls1_2 ${extra[*]} -accept 0 \
            -cert server.pem -key server.key < <(exec sleep 60)"
        wait_for "s_server_$mode.out" '^ACCEPT '
        port=$(port_of "s_server_$mode.out" '^ACCEPT ')
        timeout 20 "$tlsio" client "127.0.0.1:$port" --servername localhost --cafile server.pem \
            --tls1_2 --reconnect < /dev/null > "client-$mode.out" 2> "client-$mode.err" ||
            fail "tlsio client --reconnect ($mode) exited $?"
        [[ $(grep -c '^Resumed: no$' "client-$mode.out") == 1 ]] ||
            fail "tlsio client vs s_server ($mode): not one full handshake"
        [[ $(grep -c '^Resumed: yes$' "client-$mode.out") == 1 ]] ||
            fail "tlsio client vs s_server ($mode): no resumption"
        expect "client-$mode.out" 'TLSv1\.2'
        expect_line "client-$mode.out" "Peer signature scheme: none (resumed)"
    done
    say "ok: s_client resumes by ticket and by ID; tlsio client resumes from s_server both ways"
}

# Other clients resume from tlsio server, TLS 1.2 and 1.3: gnutls-cli
# --resume, curl fetching two URLs on two connections (it keeps the session),
# Python's ssl with session=. The --www page says "Resumed: yes|no".
case_cli_server_resumes_gnutls_curl_python() {
    command -v gnutls-cli > /dev/null || fail "gnutls-cli is not installed"
    command -v curl > /dev/null || fail "curl is not installed"
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www
    local version
    for version in 1.2 1.3; do
        { printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'; sleep 1; } |
            timeout 20 gnutls-cli --resume -p "$port" --x509cafile server.pem \
                --priority "NORMAL:-VERS-ALL:+VERS-TLS$version" localhost \
                > "gnutls$version.out" 2>&1 || fail "gnutls-cli --resume (TLS $version) exited $?"
        expect "gnutls$version.out" 'This is a resumed session'
        expect "gnutls$version.out" "TLS$version"

        timeout 20 curl -sS -v --cacert server.pem --tlsv"$version" --tls-max "$version" \
            -H 'Connection: close' "https://localhost:$port/one" "https://localhost:$port/two" \
            > "curl$version.out" 2> "curl$version.err" || fail "curl (TLS $version) exited $?"
        [[ $(grep -c '^Resumed: no' "curl$version.out") == 1 ]] ||
            fail "curl (TLS $version): the first connection should be a full handshake"
        [[ $(grep -c '^Resumed: yes' "curl$version.out") == 1 ]] ||
            fail "curl (TLS $version): the second connection did not resume"
    done

    python3 - "$port" > python.out 2> python.err <<'PY' || fail "python ssl resumption failed: $(cat python.err)"
import socket
import ssl
import sys

port = int(sys.argv[1])
for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
    ctx = ssl.create_default_context(cafile="server.pem")
    ctx.minimum_version = ctx.maximum_version = version

    def get(session=None):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                body = b""
                while chunk := s.recv(4096):
                    body += chunk
                return s.session, s.session_reused, s.version(), body

    session, reused, got, body = get()
    assert not reused and b"Resumed: no" in body, (version, body)
    _, reused, got, body = get(session)
    assert reused and b"Resumed: yes" in body, (version, body)
    print(got, "resumed")
PY
    expect_line python.out "TLSv1.2 resumed"
    expect_line python.out "TLSv1.3 resumed"
    say "ok: gnutls-cli --resume, curl and Python resume over TLS 1.2 and 1.3"
}

# 0-RTT into tlsio: s_client saves a ticket, then resumes it sending early
# data, which the tlsio server must log as early data and echo.
case_cli_server_early_data_openssl_s_client() {
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --max-early-data 16384
    say "tlsio server --max-early-data 16384 on port $port"
    (echo first; sleep 1) |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -verify_return_error -sess_out session.pem \
            > first.out 2> first.err || fail "s_client (first) exited $?"
    expect first.out '^New, TLSv1\.3, Cipher is TLS_'
    grep -q 'Max Early Data: 16384' first.out || fail "the ticket does not allow 16384 bytes"
    printf 'early request %s\n' "$RANDOM$RANDOM" > early.txt
    (echo later; sleep 1) |
        timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
            -CAfile server.pem -verify_return_error -sess_in session.pem -early_data early.txt \
            > second.out 2> second.err || fail "s_client (second) exited $?"
    expect second.out '^Reused, TLSv1\.3, Cipher is TLS_'
    expect_line second.out "Early data was accepted"
    expect_line second.out "$(cat early.txt)"
    wait_for server.out "early data \([0-9]+ bytes\): $(cat early.txt)\$" 5
    expect server.out ' resumed$'
    # Data after the handshake is not marked early.
    grep -q 'early data .*later' server.out && fail "'later' was logged as early data"
    say "ok"
}

# 0-RTT from tlsio: `tlsio client --sess-out` then `--sess-in --early-data`
# against `openssl s_server -early_data`, which prints what it read early.
case_cli_client_early_data_openssl_s_server() {
    make_cert server localhost
    # s_server stops at the end of its standard input (a background job's is
    # /dev/null): give it one that stays open.
    start s_server bash -c 'exec openssl s_server -accept 0 -cert server.pem -key server.key \
        -early_data < <(exec sleep 60)'
    wait_for s_server.out '^ACCEPT '
    port=$(port_of s_server.out '^ACCEPT ')
    say "openssl s_server -early_data on port $port"
    timeout 20 "$tlsio" client "127.0.0.1:$port" --servername localhost --cafile server.pem \
        --sess-out session.bin < /dev/null > first.out 2> first.err ||
        fail "tlsio client (first) exited $?"
    expect_line first.out "Resumed: no"
    [[ -s session.bin ]] || fail "tlsio client saved no session"
    [[ $(stat -c %a session.bin) == 600 ]] || fail "the session file is not 0600"
    printf 'early request %s\n' "$RANDOM$RANDOM" > early.txt
    timeout 20 "$tlsio" client "127.0.0.1:$port" --servername localhost --cafile server.pem \
        --sess-in session.bin --early-data early.txt < /dev/null > second.out 2> second.err ||
        fail "tlsio client (second) exited $?"
    expect_line second.out "Resumed: yes"
    expect_line second.out "Early data: accepted"
    wait_for s_server.out '^Early data received:' 5
    expect_line s_server.out "$(cat early.txt)"
    # --reconnect: a first connection for a ticket, then a resumed one.
    timeout 20 "$tlsio" client "127.0.0.1:$port" --servername localhost --cafile server.pem \
        --reconnect < /dev/null > third.out 2> third.err || fail "tlsio client --reconnect exited $?"
    [[ $(grep -c '^Resumed: no$' third.out) == 1 ]] || fail "--reconnect: not one full handshake"
    [[ $(grep -c '^Resumed: yes$' third.out) == 1 ]] || fail "--reconnect: no resumption"
    say "ok"
}

# Two tlsio servers sharing --ticket-key-file resume each other's sessions
# (s_client's ticket from one, offered to the other); a third without it
# does a full handshake.
case_cli_server_ticket_key_file() {
    make_cert server localhost
    head -c 48 /dev/urandom > ticket.key
    start_tlsio_server one --cert server.pem --key server.key --ticket-key-file ticket.key
    local port_one=$port
    start_tlsio_server two --cert server.pem --key server.key --ticket-key-file ticket.key
    local port_two=$port
    start_tlsio_server three --cert server.pem --key server.key
    local port_three=$port
    s_client() {
        (echo hello; sleep 0.5) | timeout 20 openssl s_client -connect "127.0.0.1:$1" \
            -servername localhost -CAfile server.pem -verify_return_error "${@:2}"
    }
    s_client "$port_one" -sess_out session.pem > first.out 2> first.err ||
        fail "s_client (first) exited $?"
    expect first.out '^New, TLSv1\.3, Cipher is TLS_'
    s_client "$port_two" -sess_in session.pem > second.out 2> second.err ||
        fail "s_client (second) exited $?"
    expect second.out '^Reused, TLSv1\.3, Cipher is TLS_'
    s_client "$port_three" -sess_in session.pem > third.out 2> third.err ||
        fail "s_client (third) exited $?"
    expect third.out '^New, TLSv1\.3, Cipher is TLS_'
    head -c 47 ticket.key > short.key
    "$tlsio" server --port 0 --cert server.pem --key server.key --ticket-key-file short.key \
        > short.out 2> short.err && fail "a 47-byte ticket key file was taken"
    expect short.err 'needs 48'
    say "ok"
}

case_cli_server_vs_curl() {
    command -v curl > /dev/null || fail "curl is not installed (scripts/setup.sh installs it)"
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www --alpn http/1.1
    say "tlsio server --www on port $port"
    local url="https://localhost:$port"
    # Two requests on one connection (keep-alive).
    timeout 20 curl -sS -v --cacert server.pem "$url/a" "$url/b" > curl.out 2> curl.err ||
        fail "curl exited $?"
    expect curl.err 'SSL connection using TLSv1\.3 / TLS_'
    expect curl.err 'ALPN: server accepted http/1\.1'
    expect curl.err '[Rr]e-?using existing connection'
    expect_line curl.out "Request: GET /a HTTP/1.1"
    expect_line curl.out "Request: GET /b HTTP/1.1"
    expect_line curl.out "SNI: localhost"
    wait_for server.out 'closed after 2 request\(s\)' 10

    # Many clients at once.
    local i curl_pids=()
    for i in $(seq 1 8); do
        timeout 20 curl -sS --cacert server.pem "$url/c$i" > "par$i.out" 2> "par$i.err" &
        curl_pids+=($!)
    done
    for i in "${!curl_pids[@]}"; do
        wait "${curl_pids[$i]}" || fail "parallel curl $((i + 1)) exited non-zero"
    done
    for i in $(seq 1 8); do
        expect_line "par$i.out" "Request: GET /c$i HTTP/1.1"
    done
    # curl refuses a certificate it does not trust.
    local rc=0
    make_cert other localhost
    timeout 20 curl -sS --cacert other.pem "$url/" > bad.out 2> bad.err || rc=$?
    [[ $rc == 60 ]] || fail "curl with the wrong CA exited $rc, expected 60"
    say "ok"
}

# Headless Chromium (Debian's chromium package) fetches a page from
# `tlsio server` and must negotiate the post-quantum hybrid X25519MLKEM768 with
# its default key shares, no HelloRetryRequest. Chromium trusts the test
# certificate by the SHA-256 of its public key. Its background services are
# turned off and every host name resolves to nothing, so it contacts no
# address but the server on 127.0.0.1. (Under strace the only other connect()
# is Chromium's IPv6 reachability probe: a UDP socket connected to a public
# address to read the route, on which nothing is sent.)
case_cli_server_vs_chromium() {
    command -v chromium > /dev/null ||
        fail "chromium is not installed (scripts/setup.sh installs it)"
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www
    say "tlsio server --www on port $port"
    local spki
    spki=$(openssl x509 -in server.pem -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64) || fail "cannot hash the server's public key"
    local flags=(--headless --no-first-run --no-default-browser-check --disable-gpu
        --disable-background-networking --disable-component-update --disable-sync
        --disable-default-apps --disable-extensions --disable-domain-reliability
        --disable-client-side-phishing-detection --disable-breakpad --metrics-recording-only
        --no-pings --no-proxy-server "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        "--user-data-dir=$work/profile" "--ignore-certificate-errors-spki-list=$spki")
    # Chromium's sandbox cannot start as root.
    if [[ $(id -u) == 0 ]]; then
        flags+=(--no-sandbox)
    fi
    chromium --version > chromium.version 2>&1 || true
    say "$(grep -Eo 'Chromium [0-9.]+' chromium.version || echo 'Chromium (version unknown)')"
    DBUS_SESSION_BUS_ADDRESS=disabled: timeout 60 chromium "${flags[@]}" \
        --dump-dom "https://127.0.0.1:$port/" > chromium.out 2> chromium.err ||
        fail "chromium exited $?"
    # The page the server wrote about the connection, as Chromium saw it.
    expect_line chromium.out "Group: X25519MLKEM768"
    expect chromium.out "Protocol: TLSv1\\.3$"
    expect_line chromium.out "HelloRetryRequest: no"
    expect_line chromium.out "Request: GET / HTTP/1.1"
    # The server's own log line for the connection.
    expect server.out '^\[1\] 127\.0\.0\.1:[0-9]+ TLSv1\.3 TLS_[A-Z0-9_]+ X25519MLKEM768$'
    say "ok"
}

# tshark_start: captures $port on lo into capture.pcapng; returns once tshark
# sees packets. tshark_stop: ends the capture.
tshark_start() {
    command -v tshark > /dev/null ||
        fail "tshark is not installed (scripts/setup.sh installs it; needed to decrypt a capture)"
    say "capturing port $port on lo"
    # -P prints each packet while writing the file: UDP probes to the same port
    # show when the capture really sees packets ("Capturing on" comes earlier).
    start tshark tshark -i lo -f "port $port" -w capture.pcapng -P -l
    tshark_pid=$last_pid
    local deadline=$((SECONDS + 30))
    until grep -q 'UDP' tshark.out 2> /dev/null; do
        if ! kill -0 "$tshark_pid" 2> /dev/null; then
            fail "tshark cannot capture on lo here (it exited; needs CAP_NET_RAW / CAP_NET_ADMIN)"
        fi
        ((SECONDS < deadline)) || fail "tshark saw no probe packet on lo within 30 s"
        echo probe 2> /dev/null > "/dev/udp/127.0.0.1/$port" || true
        sleep 0.2
    done
}

tshark_stop() {
    sleep 0.5 # let the last packets reach the capture file
    kill -INT "$tshark_pid"
    local deadline=$((SECONDS + 15))
    while kill -0 "$tshark_pid" 2> /dev/null; do
        ((SECONDS < deadline)) || fail "tshark did not stop within 15 s"
        sleep 0.1
    done
    [[ -s capture.pcapng ]] || fail "tshark wrote no capture"
}

# check_decryption KEYLOG: the capture's HTTP request is hidden without the
# key log and read with it.
check_decryption() {
    timeout 30 tshark -r capture.pcapng -Y http > plain.out 2> plain.err || true
    grep -q 'secret-path' plain.out && fail "the request is readable without the key log"
    timeout 30 tshark -r capture.pcapng -o "tls.keylog_file:$1" -Y http \
        > decrypted.out 2> decrypted.err || fail "tshark -r exited $?"
    expect decrypted.out 'GET /secret-path HTTP/1\.1' "the decrypted capture"
    expect decrypted.out 'HTTP/1\.1 200 OK' "the decrypted capture"
    say "decrypted: $(grep -m1 'GET /secret-path' decrypted.out | sed -E 's/ +/ /g')"
}

# get_secret_path ARGS...: tlsio client GET /secret-path, its key log in
# client.keys.
get_secret_path() {
    printf 'GET /secret-path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        SSLKEYLOGFILE=$work/client.keys timeout 20 "$tlsio" client "localhost:$port" \
            --cafile server.pem "$@" > client.out 2> client.err || fail "tlsio client exited $?"
    expect_line client.out "Request: GET /secret-path HTTP/1.1"
}

case_cli_keylog_tshark() {
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www --alpn http/1.1 \
        --keylog server.keys
    tshark_start
    get_secret_path
    tshark_stop

    # Both ends logged the same five TLS 1.3 secrets, in NSS format.
    local label
    for label in CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET \
        CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0; do
        expect client.keys "^$label [0-9a-f]{64} [0-9a-f]{64}$" "client key log ($label)"
        expect server.keys "^$label [0-9a-f]{64} [0-9a-f]{64}$" "server key log ($label)"
    done
    diff <(sort client.keys) <(sort server.keys) > /dev/null ||
        fail "the client's and the server's key logs differ"
    check_decryption "$work/server.keys"
}

# The same for TLS 1.2: one CLIENT_RANDOM line (the master secret) per
# connection, which is what Wireshark reads for TLS 1.2.
case_cli_keylog_tshark_tls12() {
    make_cert server localhost
    start_tlsio_server server --cert server.pem --key server.key --www --alpn http/1.1 \
        --keylog server.keys --tls1_2
    tshark_start
    get_secret_path --ciphers ECDHE-ECDSA-AES256-GCM-SHA384
    expect_line client.out "Protocol: TLSv1.2"
    tshark_stop

    expect client.keys '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' "client key log"
    [[ $(wc -l < client.keys) == 1 ]] || fail "client.keys has more than one line"
    cmp -s client.keys server.keys || fail "the client's and the server's key logs differ"
    # tshark sees a TLS 1.2 ServerHello with the suite chosen.
    timeout 30 tshark -r capture.pcapng -Y 'tls.handshake.type == 2' \
        -T fields -e tls.handshake.version -e tls.handshake.ciphersuite > hello.out 2> hello.err ||
        fail "tshark -r (ServerHello) exited $?"
    expect hello.out '^0x0303[[:space:]]+0xc02c$' "the ServerHello (TLS 1.2, 0xc02c)"
    check_decryption "$work/server.keys"
}

case_example_https_client() {
    need_example https_client
    need_example https_server
    make_cert server localhost
    start_example server "$examples/https_server" 127.0.0.1 0 server.pem server.key
    timeout 20 "$examples/https_client" localhost "$port" /index.html server.pem > client.out \
        2> client.err || fail "https_client exited $?"
    expect client.out '^HTTP/1\.1 200 OK'
    expect client.out '^Hello from tlsio over TLSv1\.3 with TLS_'
    expect client.err '^connected: TLSv1\.3 TLS_'
    # The host name is checked.
    local rc=0
    timeout 20 "$examples/https_client" 127.0.0.1 "$port" / server.pem > bad.out 2> bad.err ||
        rc=$?
    [[ $rc == 1 ]] || fail "https_client with a mismatched host exited $rc, expected 1"
    expect bad.err 'certificate verify failed'
    say "ok"
}

case_example_https_reconnect() {
    need_example https_reconnect
    need_example https_server
    make_cert server localhost
    start_example server "$examples/https_server" 127.0.0.1 0 server.pem server.key
    timeout 20 "$examples/https_reconnect" localhost "$port" /index.html server.pem 3 \
        > client.out 2> client.err || fail "https_reconnect exited $?"
    expect client.err '^connection 1: full handshake, no 0-RTT$'
    expect client.err '^connection 2: resumed, the request went as 0-RTT early data$'
    expect client.err '^connection 3: resumed, the request went as 0-RTT early data$'
    [[ $(grep -c '^200 Hello from tlsio over TLSv1\.3' client.out) == 3 ]] ||
        fail "three answers expected"
    [[ $(grep -c 'the request came as 0-RTT early data' client.out) == 2 ]] ||
        fail "the server should have read two requests as early data"
    # openssl s_client resumes and sends its request as 0-RTT: a GET is
    # answered, a POST (not safe to replay) gets 425 Too Early (RFC 8470).
    local openssl_client=(timeout 10 openssl s_client -connect "127.0.0.1:$port"
        -servername localhost -CAfile server.pem -ign_eof)
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' > get.txt
    printf 'POST /pay HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' > post.txt
    "${openssl_client[@]}" -sess_out sess.pem < get.txt > full.out 2>&1 ||
        fail "openssl s_client exited $?"
    expect full.out '^New, TLSv1\.3'
    "${openssl_client[@]}" -sess_in sess.pem -early_data get.txt < /dev/null > early_get.out 2>&1 ||
        fail "openssl s_client -early_data exited $?"
    expect early_get.out '^Reused, TLSv1\.3'
    expect early_get.out '^Early data was accepted'
    expect early_get.out 'the request came as 0-RTT early data'
    "${openssl_client[@]}" -sess_in sess.pem -early_data post.txt < /dev/null > early_post.out 2>&1 ||
        fail "openssl s_client -early_data exited $?"
    expect early_post.out '^Early data was accepted'
    expect early_post.out '^HTTP/1\.1 425 Too Early'
    say "ok: $(tr '\n' ';' < client.err) openssl s_client: GET answered, POST 425"
}

case_example_https_server() {
    need_example https_server
    command -v curl > /dev/null || fail "curl is not installed"
    make_cert server localhost
    start_example server "$examples/https_server" 127.0.0.1 0 server.pem server.key
    local url="https://localhost:$port"
    timeout 20 curl -sS -v --cacert server.pem "$url/1" "$url/2" "$url/3" > keep.out \
        2> keep.err || fail "curl (keep-alive) exited $?"
    [[ $(grep -c '^Hello from tlsio' keep.out) == 3 ]] || fail "three responses expected"
    expect keep.err '[Rr]e-?using existing connection'
    local i curl_pids=()
    for i in $(seq 1 10); do
        timeout 20 curl -sS --cacert server.pem "$url/$i" > "par$i.out" 2> "par$i.err" &
        curl_pids+=($!)
    done
    for i in "${!curl_pids[@]}"; do
        wait "${curl_pids[$i]}" || fail "parallel curl $((i + 1)) exited non-zero"
        expect "par$((i + 1)).out" '^Hello from tlsio over TLSv1\.3'
    done
    # And our own client, several at once.
    local client_pids=()
    for i in 1 2 3 4; do
        timeout 20 "$examples/https_client" localhost "$port" / server.pem > "client$i.out" \
            2> "client$i.err" &
        client_pids+=($!)
    done
    for i in "${!client_pids[@]}"; do
        wait "${client_pids[$i]}" || fail "https_client $((i + 1)) exited non-zero"
    done
    say "ok"
}

case_example_echo() {
    need_example echo_server
    need_example echo_client
    make_cert server localhost
    start_example server "$examples/echo_server" 127.0.0.1 0 server.pem server.key
    timeout 20 "$examples/echo_client" localhost "$port" server.pem hello "tls 1.3" \
        "$(head -c 50000 /dev/zero | tr '\0' x)" > client.out 2> client.err ||
        fail "echo_client exited $?"
    expect_line client.out "echo: hello"
    expect_line client.out "echo: tls 1.3"
    [[ $(wc -l < client.out) == 3 ]] || fail "three echoes expected"
    local i client_pids=()
    for i in 1 2 3 4 5; do
        timeout 20 "$examples/echo_client" localhost "$port" server.pem "client $i" \
            > "c$i.out" 2> "c$i.err" &
        client_pids+=($!)
    done
    for i in "${!client_pids[@]}"; do
        wait "${client_pids[$i]}" || fail "echo_client $((i + 1)) exited non-zero"
        expect_line "c$((i + 1)).out" "echo: client $((i + 1))"
    done
    say "ok"
}

case_example_callback_client() {
    need_example echo_server
    need_example callback_client
    make_cert server localhost
    start_example server "$examples/echo_server" 127.0.0.1 0 server.pem server.key
    timeout 20 "$examples/callback_client" localhost "$port" server.pem "hello callbacks" \
        > client.out 2> client.err || fail "callback_client exited $?"
    expect client.out '^handshake: TLSv1\.3 TLS_'
    expect_line client.out "echo: hello callbacks"
    local rc=0
    make_cert other localhost
    timeout 20 "$examples/callback_client" localhost "$port" other.pem "x" > bad.out \
        2> bad.err || rc=$?
    [[ $rc == 1 ]] || fail "callback_client with the wrong CA exited $rc, expected 1"
    expect bad.err '^error: handshake: certificate verify failed'
    say "ok"
}

case_example_websocket_client() {
    need_example websocket_client
    [[ -x ${TLSIO_WS_SERVER:-} ]] || fail "TLSIO_WS_SERVER is not built"
    make_cert server localhost
    start_example server "$TLSIO_WS_SERVER" server.pem server.key
    timeout 20 "$examples/websocket_client" localhost "$port" server.pem "hello websocket" \
        > client.out 2> client.err || fail "websocket_client exited $?"
    expect_line client.out "received: hello websocket"
    wait_for server.out '^message: hello websocket$' 5
    wait_for server.out '^closed: 1000$' 5
    say "ok"
}

fn=case_$case_name
declare -F "$fn" > /dev/null || {
    echo "run.sh: unknown case '$case_name'" >&2
    exit 2
}
"$fn"
