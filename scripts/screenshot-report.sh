#!/usr/bin/env bash
# Screenshots an HTML report with headless Chromium (to look at a report's layout, or for docs).
#
#   scripts/screenshot-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]
#
# The size defaults to 1280x4000; the PNG is exactly that size (the page is cut or padded).
# Chromium comes from scripts/chromium.sh (installed with apt-get when missing). It runs with a
# fresh profile and every background network feature off: the report must render offline.
# Exit status: 0 ok, 2 usage, 3 Chromium unavailable, 1 the screenshot failed.
set -u

usage() {
    echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]" >&2
    exit 2
}

[ $# -eq 2 ] || [ $# -eq 3 ] || usage
report=$1
out=$2
size=${3:-1280x4000}
case "$size" in
    [0-9]*x[0-9]*) ;;
    *) usage ;;
esac
width=${size%x*}
height=${size#*x}
case "$width$height" in *[!0-9]*) usage ;; esac

[ -f "$report" ] || {
    echo "screenshot-report.sh: no such file: $report" >&2
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
chromium=$("$here/chromium.sh") || exit 3

report_abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
out_dir=$(dirname "$out")
mkdir -p "$out_dir" || exit 1
out_abs=$(cd "$out_dir" && pwd)/$(basename "$out")

profile=$(mktemp -d "${TMPDIR:-/tmp}/mcpcheck-chromium.XXXXXX") || exit 1
trap 'rm -rf "$profile"' EXIT

rm -f "$out_abs"
timeout 120 "$chromium" \
    --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --force-device-scale-factor=1 \
    --user-data-dir="$profile" \
    --window-size="$width,$height" \
    --screenshot="$out_abs" \
    "file://$report_abs" >/dev/null 2>"$profile/chromium.log"
status=$?
if [ $status -ne 0 ] || [ ! -s "$out_abs" ]; then
    echo "screenshot-report.sh: chromium exited with status $status and wrote no screenshot:" >&2
    tail -n 5 "$profile/chromium.log" >&2
    exit 1
fi
echo "$out_abs"
