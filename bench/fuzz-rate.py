#!/usr/bin/env python3
"""Requests per second of the live fuzzer against the bundled reference server.

Builds the release binary, runs `mcpcheck fuzz --seed 1 --requests N` (default 20000) at each
concurrency given (default 16 and 32, the default), several times each (default 3), and prints the median
rate read from the fuzzer's JSON record. mcpcheck and the bundled server share the process.

    python3 bench/fuzz-rate.py [--requests N] [--runs R] [--concurrency 16,32]

MCPCHECK_BIN=PATH measures that binary instead of building target/release/mcpcheck.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]


def option(name, default):
    if name in args:
        i = args.index(name)
        value = args[i + 1]
        del args[i : i + 2]
        return value
    return default


requests = int(option("--requests", "20000"))
runs = int(option("--runs", "3"))
levels = [int(c) for c in option("--concurrency", "16,32").split(",")]
if args:
    sys.exit(f"unknown arguments: {args}")

# MCPCHECK_BIN measures a binary already built (another profile, say) instead of building one.
binary = os.environ.get("MCPCHECK_BIN")
if not binary:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "mcpcheck"], cwd=root, check=True)
    binary = os.path.join(root, "target", "release", "mcpcheck")

print(f"live fuzzer against the bundled server, seed 1, {requests} requests, {runs} runs each")
print(f"{'concurrency':>11}  {'median req/s':>12}  {'min':>8}  {'max':>8}  findings")
with tempfile.TemporaryDirectory() as tmp:
    for c in levels:
        rates, findings = [], 0
        for _ in range(runs):
            record = os.path.join(tmp, "r.json")
            subprocess.run(
                [binary, "fuzz", "--seed", "1", "--requests", str(requests), "--concurrency", str(c),
                 "--quiet", "--out", os.path.join(tmp, "out"), "--json", record],
                check=False, stdout=subprocess.DEVNULL,
            )
            with open(record) as f:
                fz = json.load(f)["fuzz"]
            rates.append(fz["requests_per_second"])
            findings = max(findings, len(fz["findings"]))
        print(f"{c:>11}  {statistics.median(rates):>12.0f}  {min(rates):>8.0f}  {max(rates):>8.0f}  {findings}")
