#!/usr/bin/env bash
# Installs everything the project needs, idempotently: npm packages from the lockfile (no install
# scripts: the @pulumi/* ones try to download plugins), the pinned upstream manifests (verified where they are
# read from, downloaded when missing), the PostgreSQL server the local regions' Tekton Results store into
# (Debian's package, when missing) and the pinned Go-built toolchain.
#   scripts/install.sh            everything
#   scripts/install.sh --npm-only the npm packages and the manifests only (what the fast tests need; no Go)
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$PROJECT_DIR"
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [[ ! -f node_modules/.installed-$lock_hash ]]; then
  echo "[install] npm ci (from package-lock.json)" >&2
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "node_modules/.installed-$lock_hash"
fi
# Every manifest in components/manifests.lock.json, sha256-verified; a clear list of what is missing and the
# command to fetch it when there is neither a mirror nor a network.
node --import tsx scripts/fetch-manifests.ts --ensure || exit 1
[[ "${1:-}" == --npm-only ]] && exit 0
command -v go >/dev/null || { echo "Go is required (https://go.dev/doc/install); this machine image ships it" >&2; exit 1; }
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  if (( EUID == 0 )) && command -v apt-get >/dev/null; then
    echo "[install] PostgreSQL server (Debian package postgresql)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "[install] the PostgreSQL server is missing: install Debian's postgresql package (as root)" >&2; exit 1
  fi
fi
tools/build.sh
