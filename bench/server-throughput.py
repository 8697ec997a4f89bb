#!/usr/bin/env python3
"""Throughput and latency of the reference server (`mcpcheck serve`) against a Python SDK server.

Both servers get the same stateless MCP 2026-07-28 requests over Streamable HTTP (one JSON-RPC
POST, JSON response): `server/discover`, `tools/list` and `tools/call` of `test_simple_text`.
The load generator is wrk (Debian package; installed with apt-get when missing), driven by a Lua
script that sets the headers 2026-07-28 requires (Content-Type, Accept, MCP-Protocol-Version,
Mcp-Method, Mcp-Name for tools/call) and the per-request `params._meta` envelope, and that
checks every response (HTTP 200 with a JSON-RPC `result`, and no `"isError":true`).

Servers, measured one at a time (only one is running during its measurements):
  reference   target/release/mcpcheck serve --listen 127.0.0.1:0 (tokio, multi-threaded)
  python-Nw   bench/python-server/server.py: mcp (official Python SDK) MCPServer, stateless,
              JSON responses, under uvicorn with N worker processes (uvloop + httptools),
              from a venv in target/bench-venv made from bench/python-server/requirements.txt

Each measurement: a warm-up wrk run (--warmup seconds, discarded except for its error counts),
then a `wrk --latency` run of --duration seconds, per method and per connection count. The
server and wrk share the machine's cores; the output says how many and how much CPU each took.

    python3 bench/server-throughput.py [--duration 10] [--warmup 2] [--connections 32,64]
        [--threads 2] [--python-workers 1,2] [--servers reference,python]
        [--methods server/discover,tools/list,tools/call] [--timeout 10] [--retries 1]
        [--idle-wait 15] [--require-ratio]

MCPCHECK_BIN=PATH serves with that binary instead of target/release/mcpcheck.

This machine may be shared (builds, CI): before each measurement the driver waits (--idle-wait)
for the machine to be idle, measures the CPU that other processes took meanwhile (column
`other`), and repeats a disturbed measurement (--retries), keeping the least disturbed one.

Exit status: 0 measured (and, with --require-ratio, the reference server did at least 5x the
best Python tools/call throughput); 1 a server answered an error, failed its check or did not
start (a benchmark of error responses is worthless); 2 usage; 3 wrk or the Python venv cannot
be installed; 4 --require-ratio and the ratio target was missed.
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY_SERVER_DIR = os.path.join(ROOT, "bench", "python-server")
REQUIREMENTS = os.path.join(PY_SERVER_DIR, "requirements.txt")
VENV = os.path.join(ROOT, "target", "bench-venv")
VENV_PY = os.path.join(VENV, "bin", "python")
# MCPCHECK_BIN: a binary already built (another profile, say) instead of target/release/mcpcheck.
REFERENCE_BIN = os.environ.get("MCPCHECK_BIN") or os.path.join(ROOT, "target", "release", "mcpcheck")

REVISION = "2026-07-28"
TOOL = "test_simple_text"
TOOL_TEXT = "This is a simple text response for testing."
ALL_METHODS = ["server/discover", "tools/list", "tools/call"]
RATIO_TARGET = 5.0
MARK = "MCPBENCH "


class BenchError(Exception):
    """A failure that makes the benchmark meaningless (exit 1)."""


class SetupError(Exception):
    """A tool or environment that cannot be installed (exit 3)."""


def log(msg):
    print(f"server-throughput: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Installing what the benchmark needs


def apt_install(package):
    if not shutil.which("apt-get"):
        raise SetupError(f"{package} is not installed and apt-get is not available")
    sudo = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise SetupError(f"{package} is not installed and sudo is not available to install it")
        sudo = ["sudo", "-n"]
    log(f"{package} not found; installing it with apt-get")
    install = sudo + ["apt-get", "install", "-y", package]
    if subprocess.run(install, stdout=sys.stderr).returncode != 0:
        if (subprocess.run(sudo + ["apt-get", "update"], stdout=sys.stderr).returncode != 0
                or subprocess.run(install, stdout=sys.stderr).returncode != 0):
            raise SetupError(f"could not install {package} with apt-get")


def ensure_wrk():
    if not shutil.which("wrk"):
        apt_install("wrk")
        if not shutil.which("wrk"):
            raise SetupError("wrk still not found after installing it")
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    first = (out.stdout + out.stderr).strip().splitlines()
    return first[0] if first else "wrk (unknown version)"


def ensure_venv():
    """target/bench-venv with exactly bench/python-server/requirements.txt; reinstalls on change."""
    with open(REQUIREMENTS, "rb") as f:
        wanted = f.read()
    stamp = os.path.join(VENV, ".bench-requirements.txt")
    if os.path.exists(VENV_PY) and os.path.exists(stamp):
        with open(stamp, "rb") as f:
            if f.read() == wanted:
                return
    if not os.path.exists(VENV_PY):
        log(f"creating the Python venv {VENV}")
        if subprocess.run([sys.executable, "-m", "venv", VENV], stdout=sys.stderr).returncode != 0:
            raise SetupError(f"python3 -m venv {VENV} failed (Debian: apt-get install python3-venv)")
    log(f"installing {os.path.relpath(REQUIREMENTS, ROOT)} into {VENV}")
    pip = [VENV_PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", REQUIREMENTS]
    if subprocess.run(pip, stdout=sys.stderr).returncode != 0:
        raise SetupError("pip install of the Python server's requirements failed")
    with open(stamp, "wb") as f:
        f.write(wanted)


def ensure_reference():
    if not os.access(REFERENCE_BIN, os.X_OK):
        log("target/release/mcpcheck missing; building it")
        if subprocess.run(["cargo", "build", "--release", "-p", "mcpcheck"], cwd=ROOT).returncode != 0:
            raise SetupError("cargo build --release -p mcpcheck failed")


def venv_versions():
    code = ("import importlib.metadata as m\n"
            "for p in ('mcp','uvicorn','starlette','uvloop','httptools'):\n"
            "    try: print(p, m.version(p))\n"
            "    except m.PackageNotFoundError: print(p, '-')\n")
    out = subprocess.run([VENV_PY, "-c", code], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.strip().splitlines())


# ---------------------------------------------------------------------------------------------
# Requests


def request_for(method, rid=1):
    """(headers, body bytes) of a valid stateless 2026-07-28 request for `method`."""
    params = {}
    if method == "tools/call":
        params = {"name": TOOL, "arguments": {}}
    params["_meta"] = {
        "io.modelcontextprotocol/protocolVersion": REVISION,
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": REVISION,
        "Mcp-Method": method,
    }
    if method == "tools/call":
        headers["Mcp-Name"] = TOOL
    return headers, json.dumps(body, separators=(",", ":")).encode()


def post(url, method, timeout=5.0):
    headers, body = request_for(method)
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def verify(url, method):
    """One request with urllib; raises BenchError unless it is a 200 JSON-RPC result that is
    right for `method`. Returns the response body's size in bytes."""
    where = f"{method} at {url}"
    try:
        status, ctype, raw = post(url, method)
    except OSError as e:
        raise BenchError(f"{where}: {e}")
    text = raw.decode("utf-8", "replace")
    if status != 200:
        raise BenchError(f"{where}: HTTP {status}: {text[:500]}")
    if not ctype.startswith("application/json"):
        raise BenchError(f"{where}: Content-Type {ctype!r}, wanted application/json: {text[:300]}")
    try:
        msg = json.loads(text)
    except ValueError:
        raise BenchError(f"{where}: not JSON: {text[:300]}")
    if "error" in msg or not isinstance(msg.get("result"), dict) or msg.get("id") != 1:
        raise BenchError(f"{where}: not a JSON-RPC result for id 1: {text[:500]}")
    result = msg["result"]
    if method == "server/discover":
        if REVISION not in (result.get("supportedVersions") or []):
            raise BenchError(f"{where}: supportedVersions lacks {REVISION}: {text[:500]}")
    elif method == "tools/list":
        if TOOL not in [t.get("name") for t in result.get("tools") or []]:
            raise BenchError(f"{where}: no tool {TOOL}: {text[:500]}")
    elif method == "tools/call":
        content = result.get("content") or [{}]
        if result.get("isError") or content[0].get("text") != TOOL_TEXT:
            raise BenchError(f"{where}: unexpected tool result: {text[:500]}")
    return len(raw)


# ---------------------------------------------------------------------------------------------
# Servers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_pids(pgid):
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:  # fields[0] is the state; pgrp is the 5th field overall
                pids.append(int(name))
    return pids


def group_cpu_seconds(pgid):
    """utime + stime of the live processes in the group (their threads included)."""
    ticks = 0
    for pid in group_pids(pgid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def group_rss_mib(pgid):
    kib = 0
    for pid in group_pids(pgid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kib += int(line.split()[1])
        except OSError:
            pass
    return kib / 1024


def machine_busy_seconds():
    """Busy CPU time of the whole machine (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, label, argv, cwd, logdir):
        self.label = label
        self.argv = argv
        self.cwd = cwd
        self.log_path = os.path.join(logdir, re.sub(r"[^A-Za-z0-9_.-]", "_", label) + ".log")
        self.proc = None
        self.url = None

    def start(self, url=None):
        self.logf = open(self.log_path, "ab")
        # No __pycache__ left in bench/python-server by the server's own import of server.py.
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, stdin=subprocess.DEVNULL, env=env,
                                     stdout=subprocess.PIPE if url is None else self.logf,
                                     stderr=self.logf, start_new_session=True)
        self.url = url

    @property
    def pgid(self):
        return self.proc.pid

    def stop(self):
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and group_pids(self.pgid):
                self.proc.poll()
                time.sleep(0.05)
            if not group_pids(self.pgid):
                break
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.logf.flush()
        self.proc = None

    def log_tail(self, n=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def wait_ready(server, timeout=30.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            return f"exited with status {server.proc.returncode}"
        try:
            status, _, _ = post(server.url, "server/discover", timeout=2)
            if status == 200:
                return None
            last = f"HTTP {status}"
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    return f"not ready after {timeout:.0f} s ({last})"


def drain(src, dst):
    for chunk in iter(lambda: src.read1(65536), b""):
        dst.write(chunk)
        dst.flush()


def start_reference(logdir):
    s = Server("reference", [REFERENCE_BIN, "serve", "--listen", "127.0.0.1:0"], ROOT, logdir)
    s.start()
    # The first stdout line: "mcpcheck reference server listening on http://127.0.0.1:PORT/mcp".
    line = s.proc.stdout.readline().decode(errors="replace")
    m = re.search(r"(http://\S+/mcp)", line)
    if not m:
        s.stop()
        raise BenchError(f"the reference server printed no URL: {line!r}; log: {s.log_tail()}")
    s.url = m.group(1)
    s.logf.write(line.encode())
    s.logf.flush()
    # Keep draining stdout into the log so that the server can never block on a full pipe.
    threading.Thread(target=drain, args=(s.proc.stdout, s.logf), daemon=True).start()
    err = wait_ready(s)
    if err:
        s.stop()
        raise BenchError(f"the reference server {err}; log: {s.log_tail()}")
    return s


def start_python(workers, logdir):
    last = None
    for _ in range(3):  # the free port can be taken between the probe and uvicorn's bind
        port = free_port()
        s = Server(f"python-{workers}w",
                   [VENV_PY, os.path.join(PY_SERVER_DIR, "server.py"), "--host", "127.0.0.1",
                    "--port", str(port), "--workers", str(workers)], PY_SERVER_DIR, logdir)
        s.start(url=f"http://127.0.0.1:{port}/mcp")
        last = wait_ready(s)
        if last is None:
            return s
        s.stop()
    raise BenchError(f"the Python server ({workers} workers) {last}; log: {s.log_tail()}")


# ---------------------------------------------------------------------------------------------
# wrk

LUA_CHECKS = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad_status = 0
  bad_body = 0
  sample = ""
end

-- Every response must be HTTP 200 carrying a JSON-RPC result that is not a tool error.
function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    if sample == "" then sample = "HTTP " .. status .. " " .. string.sub(body or "", 1, 300) end
  elseif not string.find(body, '"result":', 1, true) or string.find(body, '"isError":true', 1, true) then
    bad_body = bad_body + 1
    if sample == "" then sample = string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local bs, bb, smp = 0, 0, ""
  for _, t in ipairs(threads) do
    bs = bs + t:get("bad_status")
    bb = bb + t:get("bad_body")
    local s = t:get("sample")
    if smp == "" and s ~= nil then smp = s end
  end
  local e = summary.errors
  io.write(string.format(
    'MCPBENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"bad_status":%d,"bad_body":%d,"p50_us":%d,"p99_us":%d,' ..
    '"p999_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, bs, bb, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
  if smp ~= "" then
    io.write("MCPBENCH-SAMPLE " .. string.gsub(smp, "[\r\n]", " ") .. "\n")
  end
end
"""


def lua_script(method):
    headers, body = request_for(method)
    lines = ['wrk.method = "POST"', f"wrk.body = [==[{body.decode()}]==]"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    return "\n".join(lines) + "\n" + LUA_CHECKS


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def parse_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(out):
    """Figures from `wrk --latency` text output plus the JSON line of the Lua done()."""
    r = {"non2xx": 0, "sock": {"connect": 0, "read": 0, "write": 0, "timeout": 0}, "sample": ""}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    if not m:
        raise BenchError(f"cannot read wrk's output:\n{out}")
    r["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)\s*$", out, re.M)
        if not m:
            raise BenchError(f"no {pct}% line in wrk --latency output:\n{out}")
        r[key] = parse_ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["sock"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    m = re.search(r"^MCPBENCH (\{.*\})\s*$", out, re.M)
    if not m:
        raise BenchError(f"the Lua done() printed nothing:\n{out}")
    r["lua"] = json.loads(m.group(1))
    m = re.search(r"^MCPBENCH-SAMPLE (.*)$", out, re.M)
    if m:
        r["sample"] = m.group(1)
    return r


def run_wrk(url, script, threads, connections, seconds, timeout):
    argv = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", f"{timeout}s", "-s", script, url]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + timeout + 30)
    if p.returncode != 0:
        raise BenchError(f"wrk failed ({p.returncode}): {p.stderr or p.stdout}")
    return parse_wrk(p.stdout)


def bad_count(r):
    """Responses or attempts that were not a good result (any of them voids the measurement)."""
    return (r["non2xx"] + r["lua"]["bad_body"] + r["lua"]["bad_status"]
            + sum(r["sock"].values()))


# ---------------------------------------------------------------------------------------------


BUSY_PCT = 10.0  # CPU% of other processes above which a measurement is retried and flagged


def wait_idle(limit):
    """Waits up to `limit` seconds for the machine to be idle (< BUSY_PCT busy over 0.5 s)."""
    deadline = time.monotonic() + limit
    while True:
        b0, t0 = machine_busy_seconds(), time.monotonic()
        time.sleep(0.5)
        pct = 100 * (machine_busy_seconds() - b0) / (time.monotonic() - t0)
        if pct < BUSY_PCT or time.monotonic() >= deadline:
            return pct


def server_gone(server):
    """None while the server runs; else how it ended and what it logged."""
    if server.proc.poll() is None:
        return None
    rc = server.proc.returncode
    how = f"killed by signal {-rc}" if rc < 0 else f"exited with status {rc}"
    return f"{server.label} (pid {server.proc.pid}) {how}; log: {server.log_tail() or '(empty)'}"


def measure_once(server, script, args, c):
    warm = run_wrk(server.url, script, args.threads, c, args.warmup, args.timeout)
    cpu0, busy0, t0 = group_cpu_seconds(server.pgid), machine_busy_seconds(), time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = run_wrk(server.url, script, args.threads, c, args.duration, args.timeout)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic() - t0
    srv_cpu = group_cpu_seconds(server.pgid) - cpu0
    busy = machine_busy_seconds() - busy0
    wrk_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    r.update(server=server.label, conns=c,
             srv_cpu_pct=100 * srv_cpu / wall, wrk_cpu_pct=100 * wrk_cpu / wall,
             other_cpu_pct=max(0.0, 100 * (busy - srv_cpu - wrk_cpu) / wall),
             srv_cpu_us_per_req=1e6 * srv_cpu / max(r["lua"]["requests"], 1),
             warm_bad=bad_count(warm), alive=server.proc.poll() is None)
    return r


def measure_server(server, args, tmp, rows, problems):
    sizes = {}
    for method in args.methods:
        sizes[method] = verify(server.url, method)
    rss0 = group_rss_mib(server.pgid)
    for method in args.methods:
        script = os.path.join(tmp, method.replace("/", "_") + ".lua")
        with open(script, "w") as f:
            f.write(lua_script(method))
        for c in args.connections:
            r = None
            for attempt in range(1 + args.retries):
                wait_idle(args.idle_wait)
                m = measure_once(server, script, args, c)
                if r is None or m["other_cpu_pct"] < r["other_cpu_pct"] or bad_count(m) or m["warm_bad"]:
                    r = m
                if bad_count(r) or r["warm_bad"] or r["other_cpu_pct"] <= BUSY_PCT or not r["alive"]:
                    break
                if attempt < args.retries:
                    log(f"{server.label} {method} c={c}: other processes took {m['other_cpu_pct']:.0f}% CPU;"
                        f" measuring again ({attempt + 1}/{args.retries})")
            r.update(method=method, size=sizes[method])
            rows.append(r)
            print_row(r)
            if bad_count(r) or r["warm_bad"]:
                problems.append(f"{server.label} {method} c={c}: {bad_count(r)} bad responses or socket "
                                f"errors ({r['warm_bad']} in the warm-up): non-2xx {r['non2xx']}, "
                                f"sockets {r['sock']}, bad bodies {r['lua']['bad_body']}"
                                + (f"; first: {r['sample']}" if r["sample"] else ""))
            if not r["alive"]:
                raise BenchError(f"died under load: {server_gone(server)}")
        # The request must still be answered correctly after the load.
        verify(server.url, method)
    rss1 = group_rss_mib(server.pgid)
    return rss0, rss1


HEADER = (f"{'server':<11} {'method':<15} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'p99.9 ms':>8} {'max ms':>8} {'non-2xx':>7} {'bad':>5} {'srv CPU':>7} "
          f"{'us CPU/req':>10} {'wrk CPU':>7} {'other':>5} {'resp B':>6}")


def print_row(r):
    lua = r["lua"]
    print(f"{r['server']:<11} {r['method']:<15} {r['conns']:>5} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} "
          f"{r['p99_ms']:>8.2f} {lua['p999_us'] / 1000:>8.2f} {lua['max_us'] / 1000:>8.2f} "
          f"{r['non2xx']:>7} {bad_count(r) - r['non2xx']:>5} {r['srv_cpu_pct']:>6.0f}% "
          f"{r['srv_cpu_us_per_req']:>10.0f} {r['wrk_cpu_pct']:>6.0f}% {r['other_cpu_pct']:>4.0f}% {r['size']:>6}",
          flush=True)


def print_ratios(rows, args):
    ref = {(r["method"], r["conns"]): r["rps"] for r in rows if r["server"] == "reference"}
    pys = sorted({r["server"] for r in rows if r["server"] != "reference"})
    if not ref or not pys:
        return None
    print()
    print("ratio of req/s, reference / python (same method, same connections)")
    print(f"{'method':<15} {'conns':>5} " + " ".join(f"{'ref/' + p:>14}" for p in pys))
    for method in args.methods:
        for c in args.connections:
            if (method, c) not in ref:
                continue
            cells = []
            for p in pys:
                py = next((r["rps"] for r in rows if r["server"] == p and r["method"] == method
                           and r["conns"] == c), None)
                cells.append(f"{ref[(method, c)] / py:>13.1f}x" if py else f"{'-':>14}")
            print(f"{method:<15} {c:>5} " + " ".join(cells))
    if "tools/call" not in args.methods:
        return None
    best_ref = max(v for (m, _), v in ref.items() if m == "tools/call")
    best_py, best_py_label = max((r["rps"], r["server"]) for r in rows
                                 if r["server"] != "reference" and r["method"] == "tools/call")
    ratio = best_ref / best_py
    verdict = "met" if ratio >= RATIO_TARGET else "NOT met"
    print(f"tools/call, best of each: reference {best_ref:.0f} req/s, {best_py_label} {best_py:.0f} "
          f"req/s: {ratio:.1f}x (target >= {RATIO_TARGET:.0f}x: {verdict})")
    return ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each (default 2)")
    ap.add_argument("--connections", default="32,64", help="comma-separated (default 32,64)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--python-workers", default="1,2", help="uvicorn worker counts (default 1,2)")
    ap.add_argument("--servers", default="reference,python", help="reference,python (default both)")
    ap.add_argument("--methods", default=",".join(ALL_METHODS), help="default: all three")
    ap.add_argument("--timeout", type=int, default=10, help="wrk per-request timeout, s (default 10)")
    ap.add_argument("--retries", type=int, default=1,
                    help=f"measure again (at most this many times) when other processes took > {BUSY_PCT:.0f}%% CPU"
                         " during a measurement; the least disturbed one is kept (default 1)")
    ap.add_argument("--idle-wait", type=float, default=15,
                    help="seconds to wait, at most, for an idle machine before each measurement (default 15)")
    ap.add_argument("--require-ratio", action="store_true",
                    help=f"exit 4 unless reference tools/call >= {RATIO_TARGET:.0f}x the best Python")
    args = ap.parse_args()
    try:
        args.connections = [int(c) for c in args.connections.split(",")]
        args.python_workers = [int(w) for w in args.python_workers.split(",")]
    except ValueError:
        ap.error("--connections and --python-workers take comma-separated integers")
    args.methods = args.methods.split(",")
    servers = args.servers.split(",")
    if (set(args.methods) - set(ALL_METHODS) or set(servers) - {"reference", "python"}
            or args.duration < 1 or args.warmup < 0 or min(args.connections) < args.threads):
        ap.error("bad --methods, --servers, --duration, --warmup or --connections (each >= --threads)")

    started = time.monotonic()
    # SIGTERM/SIGHUP unwind like Ctrl-C so that the finally below stops the servers.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    running = []
    rows, problems, notes, memory = [], [], [], {}
    try:
        wrk_version = ensure_wrk()
        if "reference" in servers:
            ensure_reference()
        versions = {}
        if "python" in servers:
            ensure_venv()
            versions = venv_versions()
        with tempfile.TemporaryDirectory(prefix="mcp-bench-") as tmp:
            print(f"MCP {REVISION} stateless Streamable HTTP, one JSON-RPC POST per request, JSON response")
            print(f"load: {wrk_version}; {args.threads} threads; {args.duration} s per measurement after "
                  f"{args.warmup} s warm-up; connections {','.join(map(str, args.connections))}; up to "
                  f"{args.retries} retries of a measurement disturbed by other processes (> {BUSY_PCT:.0f}% CPU)")
            print(f"machine: {os.cpu_count()} cores shared by the server under test and wrk (no pinning);"
                  f" load average before: {os.getloadavg()[0]:.2f}")
            if versions:
                print("python server: mcp {mcp}, uvicorn {uvicorn}, starlette {starlette}, uvloop {uvloop},"
                      " httptools {httptools}; MCPServer stateless_http=True json_response=True; "
                      "Nw = N uvicorn worker processes".format(**versions))
            print("columns: p99.9/max from wrk's Lua latency API; bad = socket errors + non-200 + bodies without"
                  " a result or with isError; srv CPU = server process CPU / wall (200% = both cores);"
                  " us CPU/req = server CPU per request; wrk CPU likewise (2 threads); other = rest of the machine"
                  " (other processes: should be ~0% for figures to be trusted); resp B = response body bytes")
            print()
            print(HEADER, flush=True)
            plan = []
            if "reference" in servers:
                plan.append(("reference", None))
            if "python" in servers:
                plan += [("python", w) for w in args.python_workers]
            for kind, workers in plan:
                server = start_reference(tmp) if kind == "reference" else start_python(workers, tmp)
                running.append(server)
                try:
                    memory[server.label] = measure_server(server, args, tmp, rows, problems)
                except BenchError as e:
                    gone = server_gone(server)
                    raise BenchError(f"{e} -- {gone}" if gone else str(e)) from None
                finally:
                    server.stop()
                    running.remove(server)
                    logged = [ln for ln in server.log_tail(10).splitlines() if "listening on" not in ln]
                    if logged:
                        notes.append(f"{server.label} log (last lines): " + " | ".join(logged))
            ratio = print_ratios(rows, args)
            print()
            for label, (a, b) in memory.items():
                print(f"{label}: RSS {a:.1f} MiB before the load, {b:.1f} MiB after")
            print(f"load average after: {os.getloadavg()[0]:.2f}; elapsed {time.monotonic() - started:.0f} s")
            busy = [r for r in rows if r["other_cpu_pct"] > BUSY_PCT]
            if busy:
                notes.append(f"{len(busy)} measurement(s) shared the machine with other processes using >10% CPU"
                             f" (up to {max(r['other_cpu_pct'] for r in busy):.0f}%, column 'other'): their req/s and latencies"
                             " are understated; us CPU/req is the steadier figure; rerun on an idle machine")
            for n in notes:
                print(f"NOTE: {n}")
            if problems:
                print()
                for p in problems:
                    print(f"PROBLEM: {p}")
                log("some responses were errors: these figures are not a valid benchmark")
                return 1
            if args.require_ratio and ratio is not None and ratio < RATIO_TARGET:
                return 4
            return 0
    except SetupError as e:
        log(str(e))
        return 3
    except BenchError as e:
        log(f"FAILED: {e}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for server in running:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
