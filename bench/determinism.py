#!/usr/bin/env python3
"""Runs the full suite many times against the bundled reference server and reports every check
whose verdict changed between runs (the goal is none).

    python3 bench/determinism.py [--runs 1000] [--binary PATH] [--keep DIR] [-- extra run flags]

Each run writes its JSON record; a check is keyed by (scenario, check id) and its verdict is
its status. The first run is the reference; the report lists, for every check that ever
differed, how many runs gave each status and the first differing run's message. A run that
exits with a code other than 0 or 1 (usage error, unreachable) stops the script. Exit status:
0 all runs identical, 1 some verdict changed, 2 a run could not be made.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--runs", type=int, default=1000)
p.add_argument("--binary", default=None, help="default: build and use target/release/mcpcheck")
p.add_argument("--keep", default=None, help="keep the JSON records of runs that differ here")
p.add_argument("extra", nargs="*", help="extra `mcpcheck run` flags (after --)")
a = p.parse_args()

binary = a.binary
if binary is None:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mcpcheck"], cwd=root, check=True)
    binary = os.path.join(root, "target", "release", "mcpcheck")

reference = None  # (scenario, check) -> status
counts = collections.defaultdict(collections.Counter)  # key -> status -> runs
first_diff = {}  # key -> (run, status, message)
differing_runs = 0
started = time.time()
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "r.json")
    for i in range(1, a.runs + 1):
        proc = subprocess.run(
            [binary, "run", "--quiet", "--color", "never", "--json", out, *a.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        if proc.returncode not in (0, 1):
            print(f"run {i}: exit {proc.returncode}: {proc.stderr.strip()}", file=sys.stderr)
            sys.exit(2)
        with open(out) as f:
            record = json.load(f)
        verdicts = {(c["scenario"], c["id"]): (c["status"], c["message"]) for c in record["checks"]}
        for k, (status, _) in verdicts.items():
            counts[k][status] += 1
        if reference is None:
            reference = {k: s for k, (s, _) in verdicts.items()}
            continue
        changed = False
        for k in set(reference) | set(verdicts):
            now = verdicts.get(k, ("absent", ""))
            if now[0] != reference.get(k, "absent"):
                changed = True
                first_diff.setdefault(k, (i, now[0], now[1]))
        if changed:
            differing_runs += 1
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                os.replace(out, os.path.join(a.keep, f"run-{i}.json"))
        if i % 50 == 0:
            print(f"{i} runs, {differing_runs} differing, {time.time() - started:.0f} s", file=sys.stderr)

elapsed = time.time() - started
print(f"{a.runs} runs of {len(reference)} checks in {elapsed:.0f} s ({elapsed / a.runs:.2f} s per run)")
if not first_diff:
    print("every check had the same verdict in every run")
    sys.exit(0)
print(f"{len(first_diff)} check(s) changed verdict, in {differing_runs} run(s):")
for (scenario, check), (run, status, message) in sorted(first_diff.items()):
    tally = ", ".join(f"{s} ×{n}" for s, n in counts[(scenario, check)].most_common())
    print(f"  {scenario}:{check}: {tally}; first change in run {run}: {status}: {message}")
sys.exit(1)
