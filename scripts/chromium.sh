#!/usr/bin/env bash
# Prints the path of a Chromium binary for tests that render reports in a real browser.
#
#   scripts/chromium.sh        prints exactly one line on stdout: the path of the binary
#
# Uses $CHROMIUM when it names an executable, else `chromium` (or `chromium-browser`) from PATH.
# When neither is installed, installs the Debian package `chromium` with apt-get (sudo -n when
# not root), running apt-get update and retrying once if the first install fails.
# Exit status: 0 ok, 2 usage, 3 Chromium unavailable (cannot install or run; reason on stderr).
set -u

die() {
    echo "chromium.sh: $*" >&2
    exit 3
}

[ $# -eq 0 ] || {
    echo "usage: $0" >&2
    exit 2
}

find_chromium() {
    if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then
        echo "$CHROMIUM"
        return 0
    fi
    local name
    for name in chromium chromium-browser; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

install_chromium() {
    echo "chromium.sh: chromium not found; installing it with apt-get" >&2
    command -v apt-get >/dev/null 2>&1 || die "chromium is not installed and apt-get is not available"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "chromium is not installed and sudo is not available to install it"
        sudo="sudo -n"
    fi
    # The package index may be stale or absent (fresh containers): update and retry once.
    if ! { $sudo apt-get install -y --no-install-recommends chromium >&2 ||
        { $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends chromium >&2; }; }; then
        die "could not install chromium with apt-get"
    fi
}

path=$(find_chromium) || {
    # Tests run in parallel: one install at a time (apt-get holds dpkg's lock and fails the
    # other), and whoever waited finds the package already there.
    if command -v flock >/dev/null 2>&1; then
        exec 9>"${TMPDIR:-/tmp}/mcpcheck-apt.lock"
        flock 9
    fi
    path=$(find_chromium) || {
        install_chromium
        path=$(find_chromium) || die "chromium still not found after installing it"
    }
}

# A binary that cannot even report its version (missing libraries, wrong architecture) is as
# good as absent; say why instead of letting every caller fail later.
version=$("$path" --version 2>/dev/null) || die "$path does not run: $("$path" --version 2>&1 | tail -n 2 | tr '\n' ' ')"
case "$version" in
    *Chromium* | *Chrome*) ;;
    *) die "$path does not look like Chromium: $version" ;;
esac
echo "$path"
