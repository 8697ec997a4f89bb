#!/usr/bin/env python3
"""Wall time and peak memory of a full `mcpcheck run` against the bundled reference server.

Builds the release binary, runs it N times (default 7) and prints the median and the extremes.
Peak memory is the maximum resident set size of the mcpcheck process (which also hosts the
bundled server), read from the kernel's rusage for each child.

    python3 bench/full-run.py [--runs N] [-- extra mcpcheck run flags]
"""
import os
import resource
import statistics
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
runs = 7
if "--runs" in args:
    i = args.index("--runs")
    runs = int(args[i + 1])
    del args[i : i + 2]
if args and args[0] == "--":
    args = args[1:]

subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mcpcheck"], cwd=root, check=True)
binary = os.path.join(root, "target", "release", "mcpcheck")

walls, rss = [], []
for _ in range(runs):
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(binary, [binary, "run", "--color", "never", *args])
    _, status, usage = os.wait4(pid, 0)
    walls.append(time.perf_counter() - start)
    rss.append(usage.ru_maxrss / 1024.0)  # KiB -> MiB on Linux
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"mcpcheck run exited {code}", file=sys.stderr)
        sys.exit(code)

print(f"full run against the bundled server, {runs} runs, {os.cpu_count()} cores")
print(f"wall time:   median {statistics.median(walls) * 1000:.0f} ms (min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f})")
print(f"peak memory: median {statistics.median(rss):.1f} MiB (min {min(rss):.1f}, max {max(rss):.1f})")
