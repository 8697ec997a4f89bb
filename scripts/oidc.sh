#!/usr/bin/env bash
# Starts or stops a throwaway OAuth 2.0 / OpenID Connect authorization server for tests:
# the OpenID-Certified `oidc-provider` npm package, configured by scripts/oidc/server.mjs
# (one confidential client `mcpcheck` / `mcpcheck-secret` with the client_credentials grant,
# ES256 JWT access tokens for any resource indicator, scopes `mcp` and `mcp:admin`).
#
#   scripts/oidc.sh start DIR   start the server on a free 127.0.0.1 port, pid/log in DIR;
#                               prints exactly one line on stdout, the issuer: http://127.0.0.1:PORT
#   scripts/oidc.sh stop DIR    stop the server started with DIR
#
# Needs Node.js >= 20 with npm. `start` installs the pinned dependencies with `npm ci` into
# OIDC_CACHE_DIR (default target/oidc-provider in the repository) and reuses them until
# scripts/oidc/package-lock.json changes. OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
# OIDC_ACCESS_TOKEN_TTL (seconds, default 300) are passed on to the server; OIDC_START_TIMEOUT
# (seconds, default 30) bounds the wait for it to answer.
# Exit status: 0 ok, 2 usage or no usable Node.js/npm, 3 install or start failed (reason on stderr).
set -u

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

die() {
    echo "oidc.sh: $*" >&2
    exit 3
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || die "cannot locate the script directory"
src="$here/oidc"
repo=$(cd "$here/.." && pwd)
cache=${OIDC_CACHE_DIR:-"$repo/target/oidc-provider"}
start_timeout=${OIDC_START_TIMEOUT:-30}

check_node() {
    if ! command -v node >/dev/null 2>&1; then
        echo "oidc.sh: Node.js >= 20 is required (node not found on PATH)" >&2
        exit 2
    fi
    local version
    version=$(node -p 'process.versions.node' 2>/dev/null) || {
        echo "oidc.sh: Node.js >= 20 is required (\`node\` does not run)" >&2
        exit 2
    }
    local major=${version%%.*}
    case "$major" in '' | *[!0-9]*) major=0 ;; esac
    if [ "$major" -lt 20 ]; then
        echo "oidc.sh: Node.js >= 20 is required, found ${version:-an unknown version}" >&2
        exit 2
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "oidc.sh: npm is required next to Node.js $version (not found on PATH)" >&2
        exit 2
    fi
}

# True when $cache holds an `npm ci` of the current package.json/package-lock.json.
deps_current() {
    [ -f "$cache/node_modules/oidc-provider/package.json" ] &&
        cmp -s "$src/package-lock.json" "$cache/installed.package-lock.json" &&
        cmp -s "$src/package.json" "$cache/installed.package.json"
}

install_deps_locked() {
    deps_current && return 0
    echo "oidc.sh: installing oidc-provider with npm ci into $cache" >&2
    rm -f "$cache/installed.package-lock.json" "$cache/installed.package.json"
    cp "$src/package.json" "$src/package-lock.json" "$cache/" || die "cannot copy package files into $cache"
    # npm's own output goes to stderr; stdout carries only the issuer.
    if ! (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund >&2); then
        die "npm ci failed in $cache (is the npm registry reachable?)"
    fi
    [ -f "$cache/node_modules/oidc-provider/package.json" ] || die "npm ci did not install oidc-provider in $cache"
    # Stamps last, so an interrupted install is redone next time.
    cp "$src/package.json" "$cache/installed.package.json" &&
        cp "$src/package-lock.json" "$cache/installed.package-lock.json" ||
        die "cannot write install stamps in $cache"
}

# Concurrent `start`s share the cache: serialize the check-and-install.
install_deps() {
    mkdir -p "$cache" || die "cannot create $cache"
    deps_current && return 0
    if command -v flock >/dev/null 2>&1; then
        (
            flock -w 600 9 || die "timed out waiting for another npm ci in $cache"
            install_deps_locked
        ) 9>"$cache/.install.lock" || exit $?
    else
        local lockdir="$cache/.install.lockdir" i
        for i in $(seq 1 6000); do
            mkdir "$lockdir" 2>/dev/null && break
            [ "$i" -eq 6000 ] && die "timed out waiting for $lockdir (remove it if no install is running)"
            sleep 0.1
        done
        (install_deps_locked)
        local rc=$?
        rmdir "$lockdir"
        [ $rc -eq 0 ] || exit $rc
    fi
}

# GET the discovery document; succeeds when it names the expected issuer.
discovery_ok() {
    local issuer=$1 body
    if command -v curl >/dev/null 2>&1; then
        body=$(curl -fsS --noproxy '*' --max-time 2 "$issuer/.well-known/openid-configuration" 2>/dev/null) || return 1
    else
        body=$(ISSUER="$issuer" node -e '
            fetch(process.env.ISSUER + "/.well-known/openid-configuration", { signal: AbortSignal.timeout(2000) })
                .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
                .then((t) => process.stdout.write(t), () => process.exit(1));
        ' 2>/dev/null) || return 1
    fi
    case "$body" in *"\"issuer\":\"$issuer\""*) return 0 ;; *) return 1 ;; esac
}

fail_start() {
    local pid=$1
    shift
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$dir/oidc.pid"
    echo "oidc.sh: $*; last lines of $dir/oidc.log:" >&2
    tail -n 20 "$dir/oidc.log" 2>/dev/null | sed 's/^/    /' >&2
    exit 3
}

start() {
    check_node
    install_deps
    mkdir -p "$dir" || die "cannot create $dir"
    dir=$(cd "$dir" && pwd) || die "cannot enter $dir"
    if [ -f "$dir/oidc.pid" ] && is_server "$(cat "$dir/oidc.pid")"; then
        die "a server started with $dir is still running (pid $(cat "$dir/oidc.pid")); stop it first"
    fi
    rm -f "$dir/oidc.issuer"
    : >"$dir/oidc.out"
    # server.mjs listens on port 0 and reports the port it got: no race for a free port.
    OIDC_DEPS_DIR="$cache" node "$src/server.mjs" \
        </dev/null >"$dir/oidc.out" 2>>"$dir/oidc.log" &
    local pid=$! issuer="" i
    echo "$pid" >"$dir/oidc.pid"
    for i in $(seq 1 $((start_timeout * 10))); do
        if [ -z "$issuer" ]; then
            issuer=$(sed -n 's/^ISSUER=//p' "$dir/oidc.out" | head -n 1)
        fi
        if [ -n "$issuer" ] && discovery_ok "$issuer"; then
            echo "$issuer" >"$dir/oidc.issuer"
            echo "$issuer"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || fail_start "$pid" "the server exited during startup"
        sleep 0.1
    done
    fail_start "$pid" "the server did not serve its discovery document within ${start_timeout}s"
}

# True when $1 is a live process that is (as far as /proc tells) our server, not a reused pid.
is_server() {
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        { [ ! -r "/proc/$pid/cmdline" ] || tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'server\.mjs'; }
}

stop() {
    local pidfile="$dir/oidc.pid" pid i
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if is_server "$pid"; then
        kill "$pid" 2>/dev/null
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            # An exited server whose parent (init, once `start` has returned) has not reaped it yet.
            case "$(cat "/proc/$pid/stat" 2>/dev/null)" in *") Z "*) break ;; esac
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$pidfile" "$dir/oidc.issuer"
    return 0
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
