#!/usr/bin/env python3
"""Wall time and peak memory of a full `mcpcheck run`, and the same beside the official suite.

Builds the release binary, runs it N times (default 7) against the bundled reference server and
prints the median and the extremes. Peak memory is the maximum resident set size of the process
(for the bundled run it also hosts the two bundled servers), read from the kernel's rusage.

With --compare it also starts `mcpcheck serve` and measures `mcpcheck run --url` against it, then
runs bench/official-suite.sh (the official suite's 2026-07-28 set against its own `mcpcheck
serve`) --official-runs times, and prints both side by side with the ratios.

    python3 bench/full-run.py [--runs N] [--compare [--official-runs M]] [-- extra run flags]

MCPCHECK_BIN=PATH measures that binary instead of building target/release/mcpcheck.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]


def take(flag, default, conv=int):
    if flag in args:
        i = args.index(flag)
        v = conv(args[i + 1])
        del args[i : i + 2]
        return v
    return default


runs = take("--runs", 7)
official_runs = take("--official-runs", 3)
compare = "--compare" in args
if compare:
    args.remove("--compare")
if args and args[0] == "--":
    args = args[1:]

# MCPCHECK_BIN measures a binary already built (as bench/official-suite.sh does).
binary = os.environ.get("MCPCHECK_BIN")
if not binary:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mcpcheck"], cwd=root, check=True)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
    binary = os.path.join(target, "release", "mcpcheck")


def measure(argv):
    """(wall seconds, peak RSS MiB) of one run of argv with stdout discarded."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"{' '.join(argv)} exited {code}", file=sys.stderr)
        sys.exit(code)
    return wall, usage.ru_maxrss / 1024.0  # KiB -> MiB on Linux


def series(argv, n):
    walls, rss = zip(*(measure(argv) for _ in range(n)))
    return statistics.median(walls), statistics.median(rss), walls, rss


def show(label, m):
    wall, rss, walls, rsss = m
    print(f"{label}")
    print(f"  wall time:   median {wall * 1000:.0f} ms (min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f})")
    print(f"  peak memory: median {rss:.1f} MiB (min {min(rsss):.1f}, max {max(rsss):.1f})")


print(f"{runs} runs each, {os.cpu_count()} cores")
bundled = series([binary, "run", "--color", "never", *args], runs)
show("mcpcheck run (bundled server, in the same process)", bundled)
if not compare:
    sys.exit(0)

server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
try:
    # The first line names the URL (http://127.0.0.1:PORT/mcp).
    line = server.stdout.readline()
    url = next(w for w in line.split() if w.startswith("http"))
    against = series([binary, "run", "--color", "never", "--url", url, *args], runs)
finally:
    server.terminate()
    server.wait()
show("mcpcheck run --url (a separate mcpcheck serve)", against)

walls, rsss = [], []
for _ in range(official_runs):
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, MCPCHECK_BIN=binary, OFFICIAL_SUITE_OUT=out)
        r = subprocess.run([os.path.join(root, "bench", "official-suite.sh")], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            print(f"bench/official-suite.sh exited {r.returncode}; run it alone to see why", file=sys.stderr)
            sys.exit(1)
        meter = open(os.path.join(out, "requirements.time")).read()
        fields = dict(kv.split("=") for kv in meter.split() if "=" in kv)
        walls.append(float(fields["wall"]))
        rsss.append(int(fields["rss_kib"]) / 1024.0)
official = (statistics.median(walls), statistics.median(rsss), walls, rsss)
show(f"official suite, --requirements 2026-07-28 (its Node process; {official_runs} runs)", official)
print("ratios (official / mcpcheck):")
for label, m in (("--url", against), ("bundled", bundled)):
    print(f"  {label:8} {official[0] / m[0]:.1f}x faster, {official[1] / m[1]:.1f}x less peak memory")
