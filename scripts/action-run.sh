#!/usr/bin/env bash
# Run step of the GitHub Action (action.yml): runs `mcpcheck run` with the inputs (INPUT_*
# environment variables, so no input is ever spliced into shell code), writes every report
# to INPUT_REPORT_DIR, and the counts and paths to $GITHUB_OUTPUT. mcpcheck itself appends the
# Markdown summary to $GITHUB_STEP_SUMMARY.
set -uo pipefail

out="${GITHUB_OUTPUT:-/dev/stdout}"
dir="${INPUT_REPORT_DIR:-mcpcheck-report}"
mkdir -p "$dir"

args=(run --json "$dir/report.json" --html "$dir/report.html" --junit "$dir/junit.xml"
    --sarif "$dir/report.sarif" --markdown "$dir/summary.md")
if [ -n "${INPUT_URL:-}" ] && [ -n "${INPUT_STDIO:-}" ]; then
    echo "::error title=mcpcheck::give either url or stdio, not both"
    exit 2
fi
[ -n "${INPUT_URL:-}" ] && args+=(--url "$INPUT_URL")
[ -n "${INPUT_STDIO:-}" ] && args+=(--stdio "$INPUT_STDIO")
[ -n "${INPUT_EXPECTED_FAILURES:-}" ] && args+=(--expected-failures "$INPUT_EXPECTED_FAILURES")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ "${INPUT_STRICT:-false}" = "true" ] && args+=(--strict)
if [ -n "${INPUT_ARGS:-}" ]; then
    # Split like a shell would (quotes honoured), without running one: no expansion.
    mapfile -t extra < <(python3 -c 'import shlex, sys; print("\n".join(shlex.split(sys.argv[1])))' "$INPUT_ARGS")
    args+=("${extra[@]}")
fi

mcpcheck "${args[@]}"
code=$?

{
    echo "exit-code=$code"
    if [ -f "$dir/report.json" ]; then
        echo "report-json=$dir/report.json"
        echo "report-html=$dir/report.html"
        python3 - "$dir/report.json" "$code" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
# The exit code carries the verdict; 1 is also what a run where nothing could run gets.
ran = s["passed"] + s["failed"] + s["warned"]
code = int(sys.argv[2])
verdict = "pass" if code == 0 else ("nothing_ran" if ran == 0 else "fail")
for k in ("passed", "failed", "warned"):
    print(f"{k}={s[k]}")
print(f"verdict={verdict}")
PY
    fi
} >> "$out"

if [ "$code" -ne 0 ] && [ "${INPUT_FAIL_ON_ERROR:-true}" != "false" ]; then
    exit "$code"
fi
exit 0
