#!/usr/bin/env bash
# Long fuzzing runs in the background, across sessions (not part of CI).
#
#   scripts/fuzz_long.sh run [--until TIME] [--slice SECONDS] [--parallel N] [--build DIR]
#       Rotates over every fuzz target, N at a time (default 1), niced
#       (nice -n 19), each for SLICE seconds (default 600) per round, rounds
#       repeating until TIME (anything `date -d` reads, e.g. "22:15" or
#       "2026-12-08 01:30"; default: one round). Start it with nohup to let it
#       outlive you:
#         nohup scripts/fuzz_long.sh run --until 22:15 --parallel 2 > /dev/null 2>&1 &
#       Touch $TLSIO_FUZZ_ROOT/STOP to stop after the current slice.
#   scripts/fuzz_long.sh summary
#       Totals per target from the log: CPU seconds, executions, last cov/ft.
#   scripts/fuzz_long.sh minimize [--build DIR]
#       Merges each working corpus into a fresh minimal one (-merge=1) and
#       copies it to test/fuzz/corpus/<target>/, which the CI smoke run starts from.
#
# Working corpora live outside the source tree, under TLSIO_FUZZ_ROOT (default
# out/fuzz-long, beside the build trees, which git ignores): <target>/ the
# corpus, artifacts/ crashes, logs/ libFuzzer's output, bin/ the binaries of
# the current round (copied, so that rebuilding the tree does not pull them
# from under a run), log.tsv one line per slice:
#   utc_end target seconds cpu_seconds executions cov ft corpus_files corpus_bytes exit new_artifacts
# The CPU seconds and executions of a target add up across sessions.
#
# The build tree is the fuzz tree of scripts/test.sh step 5 (default out/fuzz):
#   cmake -S . -B out/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTLSIO_FUZZ=ON \
#     -DTLSIO_BUILD_TESTS=OFF -DTLSIO_BUILD_EXAMPLES=OFF -DTLSIO_INSTALL=OFF
#   cmake --build out/fuzz --target fuzz_all
set -euo pipefail

# TLSIO_FUZZ_REPO: the checkout whose test/fuzz/corpus seeds the runs (for a
# copy of this script run from elsewhere, so that editing the checkout's copy
# cannot disturb a running one).
root=${TLSIO_FUZZ_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
fuzz_root=${TLSIO_FUZZ_ROOT:-$root/out/fuzz-long}
build=$root/out/fuzz
until_time=""
slice=600
parallel=1
targets=(client_handshake server_handshake wire record_layer c_api x509_chain)

usage() {
    sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
}

[[ $# -ge 1 ]] || usage
command=$1
shift
while [[ $# -gt 0 ]]; do
    case $1 in
        --until) until_time=$2; shift 2 ;;
        --parallel) parallel=$2; shift 2 ;;
        --slice) slice=$2; shift 2 ;;
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        *) usage ;;
    esac
done

# Seconds left until TIME (UTC; 0 if past); with no --until, one round.
seconds_left() {
    if [[ -z $until_time ]]; then
        echo 0
        return
    fi
    local end now
    end=$(TZ=UTC date -d "$until_time" +%s)
    now=$(date -u +%s)
    echo $((end > now ? end - now : 0))
}

corpus_stats() {  # DIR -> "files bytes"
    local files bytes
    files=$(find "$1" -type f | wc -l)
    bytes=$(find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    echo "$files $bytes"
}

# Copies the binaries and seeds of the build tree for the coming round.
prepare_round() {
    mkdir -p "$fuzz_root/bin" "$fuzz_root/artifacts" "$fuzz_root/logs" "$fuzz_root/seeds"
    local t
    for t in "${targets[@]}"; do
        if [[ -x $build/test/fuzz/fuzz_$t ]]; then
            cp "$build/test/fuzz/fuzz_$t" "$fuzz_root/bin/fuzz_$t.new"
            mv "$fuzz_root/bin/fuzz_$t.new" "$fuzz_root/bin/fuzz_$t"
        fi
        mkdir -p "$fuzz_root/$t"
    done
    if [[ -x $build/test/fuzz/make_seeds ]]; then
        "$build/test/fuzz/make_seeds" "$fuzz_root/seeds" > /dev/null
    fi
}

# run_slice TARGET SECONDS: one niced libFuzzer run, logged to log.tsv.
run_slice() {
    local t=$1 seconds=$2
    local bin=$fuzz_root/bin/fuzz_$t
    [[ -x $bin ]] || return 0
    local stamp log before after cpu rc=0
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    log=$fuzz_root/logs/$t-$stamp.log
    local inputs=("$fuzz_root/$t")
    [[ -d $root/test/fuzz/corpus/$t ]] && inputs+=("$root/test/fuzz/corpus/$t")
    [[ -d $fuzz_root/seeds/$t ]] && inputs+=("$fuzz_root/seeds/$t")
    before=$(find "$fuzz_root/artifacts" -name "fuzz_$t-*" | wc -l)
    local TIMEFORMAT='%U %S'
    local times
    # The first corpus directory receives new inputs; the others only seed.
    times=$({ time nice -n 19 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$fuzz_root/artifacts/fuzz_$t-" \
        "${inputs[@]}" > "$log" 2>&1 || echo "rc=$?" >> "$log"; } 2>&1)
    cpu=$(awk '{printf "%.1f", $1 + $2}' <<< "$times")
    if grep -q '^rc=' "$log"; then
        rc=$(grep '^rc=' "$log" | tail -1 | cut -d= -f2)
    fi
    after=$(find "$fuzz_root/artifacts" -name "fuzz_$t-*" | wc -l)
    local execs cov ft
    execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$seconds" "$cpu" \
        "${execs:-0}" "${cov:-0}" "${ft:-0}" "$(corpus_stats "$fuzz_root/$t" | tr ' ' '\t')" \
        > "$fuzz_root/log.tsv.$t"
    # Two more columns: the exit status and the artifacts this slice left.
    sed -i "\$s/\$/\t$rc\t$((after - before))/" "$fuzz_root/log.tsv.$t"
    # One short append per slice: parallel slices do not interleave their lines.
    cat "$fuzz_root/log.tsv.$t" >> "$fuzz_root/log.tsv"
    rm -f "$fuzz_root/log.tsv.$t"
}

run() {
    mkdir -p "$fuzz_root"
    exec 9> "$fuzz_root/.lock"
    if ! flock -n 9; then
        echo "fuzz_long.sh: another run holds $fuzz_root/.lock" >&2
        exit 1
    fi
    rm -f "$fuzz_root/STOP"
    if [[ ! -f $fuzz_root/log.tsv ]]; then
        printf 'utc_end\ttarget\tseconds\tcpu_seconds\texecutions\tcov\tft\tcorpus_files\tcorpus_bytes\texit\tnew_artifacts\n' \
            > "$fuzz_root/log.tsv"
    fi
    local first=1
    while [[ $first == 1 || $(seconds_left) -gt 60 ]]; do
        first=0
        prepare_round
        local i j
        for ((i = 0; i < ${#targets[@]}; i += parallel)); do
            [[ -f $fuzz_root/STOP ]] && return 0
            local s=$slice left
            left=$(seconds_left)
            if [[ -n $until_time ]]; then
                ((left > 60)) || return 0
                ((left < s)) && s=$left
            fi
            for ((j = i; j < i + parallel && j < ${#targets[@]}; ++j)); do
                run_slice "${targets[j]}" "$s" &
            done
            wait
        done
        [[ -n $until_time ]] || break
    done
}

summary() {
    [[ -f $fuzz_root/log.tsv ]] || { echo "no $fuzz_root/log.tsv yet"; return 0; }
    printf '%-18s %6s %10s %13s %6s %7s %8s %10s %9s\n' target slices cpu_s executions cov ft \
        corpus bytes artifacts
    awk -F'\t' 'NR > 1 {
            cpu[$2] += $4; ex[$2] += $5; cov[$2] = $6; ft[$2] = $7; files[$2] = $8
            bytes[$2] = $9; art[$2] += $11; runs[$2]++
        }
        END {
            for (t in cpu) printf "%-18s %6d %10.0f %13d %6d %7d %8d %10d %9d\n", t, runs[t],
                cpu[t], ex[t], cov[t], ft[t], files[t], bytes[t], art[t]
        }' "$fuzz_root/log.tsv" | sort
}

minimize() {
    local t
    for t in "${targets[@]}"; do
        local bin=$build/test/fuzz/fuzz_$t
        [[ -x $bin && -d $fuzz_root/$t ]] || continue
        local fresh=$fuzz_root/min/$t
        rm -rf "$fresh"
        mkdir -p "$fresh"
        local inputs=("$fuzz_root/$t")
        [[ -d $root/test/fuzz/corpus/$t ]] && inputs+=("$root/test/fuzz/corpus/$t")
        nice -n 19 "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 "$fresh" "${inputs[@]}" \
            > "$fuzz_root/logs/$t-merge.log" 2>&1
        rm -rf "$root/test/fuzz/corpus/$t"
        mkdir -p "$root/test/fuzz/corpus/$t"
        cp "$fresh"/* "$root/test/fuzz/corpus/$t/" 2> /dev/null || true
        echo "$t: $(corpus_stats "$root/test/fuzz/corpus/$t" | awk '{print $1 " files, " $2 " bytes"}')"
    done
}

case $command in
    run) run ;;
    summary) summary ;;
    minimize) minimize ;;
    *) usage ;;
esac
