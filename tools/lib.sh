# Shared helpers for tools/build.sh and the recipes in tools/recipes/. Sourced, not run.
# shellcheck shell=bash

TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(dirname "$TOOLS_DIR")
# shellcheck source=versions.env
. "$TOOLS_DIR/versions.env"

# Built tools live in a per-user cache keyed by version, so a fresh clone (CI) links them in seconds;
# the project only holds symlinks under .tools/bin (gitignored).
CACHE_ROOT=${PIPELINE_SERVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pipeline-service}
BIN_DIR="$PROJECT_DIR/.tools/bin"
LOG_DIR="$PROJECT_DIR/.tools/logs"
mkdir -p "$CACHE_ROOT/tools" "$BIN_DIR" "$LOG_DIR"

log() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

# Runs "$@" in the background, printing a heartbeat every 20 s so long Go builds show progress.
# Output goes to $LOG; on failure the tail of the log is shown and the caller gets the exit code.
with_progress() {
  local what=$1 logfile=$2; shift 2
  local start=$SECONDS pid rc
  "$@" >"$logfile" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if (( (SECONDS - start) % 20 < 2 && SECONDS - start >= 20 )); then
      log "  … $what: $((SECONDS - start)) s ($(wc -l <"$logfile") log lines)"
      sleep 1
    fi
  done
  wait "$pid"; rc=$?
  if (( rc != 0 )); then
    tail -n 30 "$logfile" >&2
    log "$what failed after $((SECONDS - start)) s (exit $rc); full log: $logfile"
  else
    log "  $what: done in $((SECONDS - start)) s"
  fi
  return "$rc"
}

# go_build NAME VERSION WRAPPER IMPORT_PATH=BINARY...
#   Builds main packages through the wrapper module tools/go/WRAPPER (its go.mod pins the module and
#   repeats upstream's non-local replaces) into $CACHE_ROOT/tools/NAME-VERSION/, then links them
#   into .tools/bin. Extra flags: GO_LDFLAGS, GO_TAGS, CGO (default 0). Idempotent: a stamp holds
#   a hash of everything that affects the output.
go_build() {
  local name=$1 version=$2 wrapper=$3; shift 3
  local wdir="$TOOLS_DIR/go/$wrapper" out="$CACHE_ROOT/tools/$name-$version"
  [[ -f "$wdir/go.mod" ]] || die "$name: wrapper module $wdir/go.mod is missing"
  local key
  key=$( { cat "$wdir/go.mod" "$wdir/go.sum" 2>/dev/null; go version; echo "${GO_LDFLAGS:-}|${GO_TAGS:-}|${CGO:-0}|$*"; } | sha256sum | cut -c1-16)
  if [[ -f "$out/.stamp-$key" ]]; then
    log "$name $version: cached ($out)"
  else
    log "$name $version: building $(($#)) binar$( (( $# == 1 )) && echo y || echo ies) (first build of a large module takes minutes)"
    local tmp="$out.tmp.$$" spec pkg bin
    rm -rf "$tmp"; mkdir -p "$tmp"
    for spec in "$@"; do
      pkg=${spec%%=*}; bin=${spec#*=}
      (cd "$wdir" && with_progress "$name: go build $bin" "$LOG_DIR/$name-$bin.log" \
        env CGO_ENABLED="${CGO:-0}" GOFLAGS=-mod=mod go build -trimpath -tags "${GO_TAGS:-}" \
        -ldflags "-s -w ${GO_LDFLAGS:-}" -o "$tmp/$bin" "$pkg") || { rm -rf "$tmp"; die "building $name ($bin) failed"; }
    done
    touch "$tmp/.stamp-$key"
    rm -rf "$out"; mv "$tmp" "$out"
  fi
  for spec in "$@"; do
    bin=${spec#*=}
    ln -sfn "$out/$bin" "$BIN_DIR/$bin"
  done
}

# Pseudo-time of a module version as Go formats it in pseudo-versions (yyyymmddhhmmss, UTC).
module_time() {
  (cd "$TOOLS_DIR" && go list -m -json "$1" | sed -n 's/.*"Time": "\(.*\)".*/\1/p' | xargs -I{} date -u -d {} +%Y%m%d%H%M%S)
}
