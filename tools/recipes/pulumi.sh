# Pulumi CLI, pinned to $PULUMI_VERSION, plus the dynamic-provider launcher script that ships beside it.
# Where the user already has exactly this pulumi on PATH (outside .tools/bin), that one is linked instead
# of building. The Node.js language host is not built here (its module is not published; see its own recipe).
# shellcheck shell=bash

pulumi_want="v$PULUMI_VERSION"
pulumi_launcher=pulumi-resource-pulumi-nodejs

# Prints the first pulumi on PATH that is not ours (not in .tools/bin, not a link into our cache).
pulumi_on_path() {
  local d cand real
  local -a path_dirs
  IFS=: read -r -a path_dirs <<<"${PATH:-}"
  for d in "${path_dirs[@]}"; do
    [[ -n "$d" && -x "$d/pulumi" && ! -d "$d/pulumi" ]] || continue
    [[ "$(cd "$d" 2>/dev/null && pwd -P)" == "$(cd "$BIN_DIR" && pwd -P)" ]] && continue
    cand="$d/pulumi"
    real=$(readlink -f "$cand")
    [[ "$real" == "$CACHE_ROOT"/tools/* ]] && continue
    printf '%s\n' "$cand"
    return 0
  done
  return 1
}

pulumi_existing=$(pulumi_on_path || true)
pulumi_existing_version=""
if [[ -n "$pulumi_existing" ]]; then
  pulumi_existing_version=$(PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
    "$pulumi_existing" version 2>/dev/null | tr -d '[:space:]' || true)
fi

if [[ "$pulumi_existing_version" == "$pulumi_want" ]]; then
  log "pulumi $PULUMI_VERSION: reusing $pulumi_existing (already on PATH)"
  ln -sfn "$pulumi_existing" "$BIN_DIR/pulumi"
  pulumi_dir=$(dirname "$(readlink -f "$pulumi_existing")")
  if [[ -x "$pulumi_dir/$pulumi_launcher" ]]; then
    ln -sfn "$pulumi_dir/$pulumi_launcher" "$BIN_DIR/$pulumi_launcher"
    return 0 2>/dev/null || exit 0
  fi
  # That install has no launcher script beside it: provide ours from the SDK module (below).
  pulumi_out="$CACHE_ROOT/tools/pulumi-launcher-$PULUMI_VERSION"
else
  [[ -n "$pulumi_existing" ]] && log "pulumi on PATH ($pulumi_existing) is '${pulumi_existing_version:-unknown}', not $pulumi_want: building"
  GO_TAGS=osusergo,grpcnotrace \
  GO_LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_want" \
    go_build pulumi "$PULUMI_VERSION" pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi=pulumi
  pulumi_out="$CACHE_ROOT/tools/pulumi-$PULUMI_VERSION"
fi

# The launcher script lives in the SDK module zip (nodejs/dist/); copy it at build time, never commit it.
if [[ ! -x "$pulumi_out/$pulumi_launcher" ]]; then
  sdk_dir=$(cd "$TOOLS_DIR/go/pulumi" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@$pulumi_want" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -n "$sdk_dir" && -f "$sdk_dir/nodejs/dist/$pulumi_launcher" ]] \
    || die "pulumi: $pulumi_launcher not found in github.com/pulumi/pulumi/sdk/v3@$pulumi_want (${sdk_dir:-download failed})"
  mkdir -p "$pulumi_out"
  install -m 0755 "$sdk_dir/nodejs/dist/$pulumi_launcher" "$pulumi_out/$pulumi_launcher.tmp.$$"
  mv -f "$pulumi_out/$pulumi_launcher.tmp.$$" "$pulumi_out/$pulumi_launcher"
fi
ln -sfn "$pulumi_out/$pulumi_launcher" "$BIN_DIR/$pulumi_launcher"
