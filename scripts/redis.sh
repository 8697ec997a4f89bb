#!/usr/bin/env bash
# Starts or stops a throwaway Redis server for tests (the reference server's --store redis://).
#
#   scripts/redis.sh start DIR   start redis-server on a free 127.0.0.1 port, data/log/pid in DIR;
#                                prints exactly one line on stdout: redis://127.0.0.1:PORT
#   scripts/redis.sh stop DIR    stop the server started with DIR
#
# When redis-server is not installed, `start` installs it with apt-get (sudo when not root).
# Exit status: 0 ok, 2 usage, 3 Redis unavailable (cannot install or start; reason on stderr).
set -u

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

die() {
    echo "redis.sh: $*" >&2
    exit 3
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

install_redis() {
    command -v redis-server >/dev/null 2>&1 && return 0
    echo "redis.sh: redis-server not found; installing it with apt-get" >&2
    command -v apt-get >/dev/null 2>&1 || die "redis-server is not installed and apt-get is not available"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "redis-server is not installed and sudo is not available to install it"
        sudo="sudo -n"
    fi
    if ! { $sudo apt-get install -y redis-server >&2 ||
        { $sudo apt-get update >&2 && $sudo apt-get install -y redis-server >&2; }; }; then
        die "could not install redis-server with apt-get"
    fi
    command -v redis-server >/dev/null 2>&1 || die "redis-server still not found after installing it"
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    # Fallback: a random port in the ephemeral range that nothing answers on.
    local p i
    for i in $(seq 1 50); do
        p=$((49152 + RANDOM % 16000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    return 1
}

# PING via redis-cli, else raw RESP over bash's /dev/tcp.
ping_ok() {
    local port=$1 reply
    if command -v redis-cli >/dev/null 2>&1; then
        reply=$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) || return 1
    else
        reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
            printf '*1\r\n$4\r\nPING\r\n' >&3
            IFS= read -r -t 2 line <&3
            echo "$line") 2>/dev/null) || return 1
    fi
    case "$reply" in *PONG*) return 0 ;; *) return 1 ;; esac
}

start() {
    install_redis
    mkdir -p "$dir" || die "cannot create $dir"
    dir=$(cd "$dir" && pwd) || die "cannot enter $dir"
    local attempt port pid
    for attempt in 1 2 3; do
        port=$(free_port) || die "no free TCP port found"
        redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
            --dir "$dir" --logfile "$dir/redis.log" --daemonize no \
            </dev/null >/dev/null 2>>"$dir/redis.log" &
        pid=$!
        echo "$pid" >"$dir/redis.pid"
        echo "$port" >"$dir/redis.port"
        # Up to ~10 s for PONG.
        local i
        for i in $(seq 1 100); do
            if ping_ok "$port"; then
                echo "redis://127.0.0.1:$port"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        echo "redis.sh: redis-server on port $port did not answer PING (attempt $attempt)" >&2
    done
    die "redis-server did not start; see $dir/redis.log: $(tail -n 3 "$dir/redis.log" 2>/dev/null | tr '\n' ' ')"
}

stop() {
    local pidfile="$dir/redis.pid" pid i
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$pidfile"
    return 0
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
