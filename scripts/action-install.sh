#!/usr/bin/env bash
# Install step of the GitHub Action (action.yml).
#
#   action-install.sh key       prints `key=...` to $GITHUB_OUTPUT: the cache key of the binary
#   action-install.sh install   cargo install --locked into ~/.mcpcheck
#
# MCPCHECK_VERSION: a git tag of mcpcheck (installed from MCPCHECK_REPOSITORY on GitHub); empty
# means the action's own checkout ($GITHUB_ACTION_PATH), keyed by a hash of its sources.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${MCPCHECK_VERSION:-}"

case "${1:-}" in
key)
    if [ -n "$version" ]; then
        id="$version"
    else
        # The sources that go into the binary; a changed scenario or server rebuilds it.
        id="$(cd "$root" && find Cargo.toml Cargo.lock schemas harness reports reference-server scenarios \
            -type f \( -name '*.rs' -o -name '*.toml' -o -name '*.yaml' -o -name '*.json' -o -name Cargo.lock \) \
            -not -path '*/tests/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-20)"
    fi
    echo "key=mcpcheck-${RUNNER_OS:-$(uname -s)}-$(uname -m)-$id" >> "${GITHUB_OUTPUT:-/dev/stdout}"
    ;;
install)
    if ! command -v cargo >/dev/null 2>&1; then
        echo "mcpcheck action: cargo is not installed on this runner (use a runner with Rust, or dtolnay/rust-toolchain first)" >&2
        exit 3
    fi
    if [ -n "$version" ]; then
        repo="${MCPCHECK_REPOSITORY:?MCPCHECK_REPOSITORY is needed with a version}"
        cargo install --locked --root "$HOME/.mcpcheck" --git "https://github.com/$repo" --tag "$version" mcpcheck
    else
        cargo install --locked --root "$HOME/.mcpcheck" --path "$root/harness"
    fi
    ;;
*)
    echo "usage: $0 key | install" >&2
    exit 2
    ;;
esac
