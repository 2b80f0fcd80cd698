#!/usr/bin/env bash
# Builds (or reuses from the per-user cache) every pinned Go tool the project runs:
#   tools/build.sh            all tools, in dependency order
#   tools/build.sh kwok kcp   just these recipes (tools/recipes/<name>.sh)
# Versions: tools/versions.env. Output: .tools/bin (symlinks into the cache). Logs: .tools/logs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ALL=(pulumi language-host pulumi-kubernetes pulumi-providers etcd kubernetes kwok kcp kcp-cli api-syncagent
  tekton-pipeline tekton-pipeline-previous tekton-results tekton-chains tekton-triggers)
go_major_minor=$(go env GOVERSION | sed 's/^go//')
[[ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$go_major_minor" | sort -V | head -1)" == "$GO_MIN_VERSION" ]] \
  || die "Go $GO_MIN_VERSION or newer is needed (found $go_major_minor)"

recipes=("$@"); (( ${#recipes[@]} )) || recipes=("${ALL[@]}")
start=$SECONDS
for r in "${recipes[@]}"; do
  [[ -f "$TOOLS_DIR/recipes/$r.sh" ]] || die "unknown tool '$r' (known: ${ALL[*]})"
  # Each recipe runs in a subshell so its GO_LDFLAGS/GO_TAGS never leak into the next one.
  ( . "$TOOLS_DIR/recipes/$r.sh" ) || die "tool '$r' failed"
done
log "all requested tools ready in $((SECONDS - start)) s: $BIN_DIR"
