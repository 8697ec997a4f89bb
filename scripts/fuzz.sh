#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a given time each and prints a summary table.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
#
# Without targets every target listed by `cargo fuzz list` runs. The project-written seeds in
# fuzz/seeds/<target>/ are copied into the git-ignored working corpus fuzz/corpus/<target>/
# (libFuzzer adds what it finds there); findings land in fuzz/artifacts/<target>/ and full
# logs in fuzz/logs/<target>.log.
#
# Environment:
#   FUZZ_SANITIZER   none (default: builds and runs on stable) or a sanitizer such as address
#                    (needs a nightly toolchain: runs `cargo +nightly fuzz ... -s address`)
#   FUZZ_TIMEOUT     seconds one input may take before libFuzzer reports a timeout (20)
#   FUZZ_RSS_MB      memory limit in MB before libFuzzer reports an out-of-memory (2048)
#   FUZZ_ARGS        extra libFuzzer flags, e.g. "-jobs=2 -workers=2"
#
# Exit status: 0 when no target found anything, 1 when one did (artifact paths and the
# commands to reproduce them are printed), 2 on usage or build errors.

set -euo pipefail

usage() {
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

seconds=60
if [[ $# -gt 0 ]]; then
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    *[!0-9]* | '') ;;
    *)
        seconds=$1
        shift
        ;;
    esac
fi
[[ $seconds -ge 1 ]] || die "SECONDS_PER_TARGET must be a positive number of seconds"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[[ -f fuzz/Cargo.toml ]] || die "no fuzz/Cargo.toml under $root"

sanitizer=${FUZZ_SANITIZER:-none}
timeout=${FUZZ_TIMEOUT:-20}
rss_mb=${FUZZ_RSS_MB:-2048}
read -r -a extra_args <<<"${FUZZ_ARGS:-}"

cargo_cmd=(cargo)
if [[ $sanitizer != none ]]; then
    if ! cargo +nightly --version >/dev/null 2>&1; then
        die "FUZZ_SANITIZER=$sanitizer needs a nightly toolchain (rustup toolchain install nightly), or use FUZZ_SANITIZER=none on stable"
    fi
    cargo_cmd=(cargo +nightly)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz 0.13.2" >&2
    cargo install cargo-fuzz --locked --version 0.13.2 ||
        die "cannot install cargo-fuzz (cargo install cargo-fuzz --locked --version 0.13.2)"
fi

fuzz=("${cargo_cmd[@]}" fuzz)
flags=(--fuzz-dir fuzz -s "$sanitizer")

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list --fuzz-dir fuzz)
fi
[[ ${#targets[@]} -gt 0 ]] || die "no fuzz targets found"
known=$("${fuzz[@]}" list --fuzz-dir fuzz)
for t in "${targets[@]}"; do
    grep -qx -- "$t" <<<"$known" || die "unknown target '$t' (known: $(tr '\n' ' ' <<<"$known"))"
done

echo "fuzz.sh: building ${#targets[@]} target(s) (sanitizer: $sanitizer)" >&2
"${fuzz[@]}" build "${flags[@]}" || die "cargo fuzz build failed"

mkdir -p fuzz/logs
# One row per target: name, seconds, execs, exec/s, corpus, findings.
rows=()
found=()
failed=0
for t in "${targets[@]}"; do
    corpus=fuzz/corpus/$t
    artifacts=fuzz/artifacts/$t
    log=fuzz/logs/$t.log
    mkdir -p "$corpus" "$artifacts"
    if [[ -d fuzz/seeds/$t ]]; then
        cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
    fi
    before=$(find "$artifacts" -type f | sort)
    dict=()
    if [[ -f fuzz/dicts/$t.dict ]]; then
        dict=("-dict=fuzz/dicts/$t.dict")
    fi
    echo "fuzz.sh: running $t for ${seconds}s" >&2
    start=$SECONDS
    status=0
    "${fuzz[@]}" run "${flags[@]}" "$t" "$corpus" -- \
        -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss_mb" \
        -print_final_stats=1 "${dict[@]}" "${extra_args[@]}" \
        >"$log" 2>&1 || status=$?
    elapsed=$((SECONDS - start))

    # libFuzzer's own run time (the wall time above also counts a rebuild, if any).
    ran=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    size=$(find "$corpus" -type f | wc -l)
    after=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
    new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d' || true)
    count=0
    if [[ -n $new ]]; then
        count=$(wc -l <<<"$new")
        while IFS= read -r a; do
            found+=("$t $a")
        done <<<"$new"
    elif [[ $status -ne 0 ]]; then
        count=error
        failed=1
        echo "fuzz.sh: $t exited with status $status without an artifact; last lines of $log:" >&2
        tail -n 20 "$log" >&2
    fi
    rows+=("$t ${ran:-$elapsed} ${execs:--} ${rate:--} ${size} ${count}")
done

echo
printf '%-18s %8s %14s %10s %8s %9s\n' target seconds execs exec/s corpus findings
for r in "${rows[@]}"; do
    read -r name secs execs rate size count <<<"$r"
    printf '%-18s %8s %14s %10s %8s %9s\n' "$name" "$secs" "$execs" "$rate" "$size" "$count"
done

if [[ ${#found[@]} -gt 0 ]]; then
    echo
    echo "Findings (reproduce with the command shown; minimise with 'cargo fuzz tmin'):"
    repro=(cargo)
    if [[ $sanitizer != none ]]; then
        repro=(cargo +nightly)
    fi
    for f in "${found[@]}"; do
        read -r t a <<<"$f"
        echo "  $a"
        echo "    ${repro[*]} fuzz run --fuzz-dir fuzz -s $sanitizer $t $a"
    done
    exit 1
fi
if [[ $failed -ne 0 ]]; then
    exit 2
fi
echo
echo "No findings."
