#!/usr/bin/env bash
# Installs everything the project needs, idempotently: npm packages from the lockfile (no install
# scripts: the @pulumi/* ones try to download plugins) and the pinned Go-built toolchain.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$PROJECT_DIR"
command -v go >/dev/null || { echo "Go is required (https://go.dev/doc/install); this machine image ships it" >&2; exit 1; }
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [[ ! -f node_modules/.installed-$lock_hash ]]; then
  echo "[install] npm ci (from package-lock.json)" >&2
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "node_modules/.installed-$lock_hash"
fi
tools/build.sh
