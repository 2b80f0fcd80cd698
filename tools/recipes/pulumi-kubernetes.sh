# Kubernetes resource provider plugin (pulumi-resource-kubernetes), stamped $PULUMI_KUBERNETES_VERSION,
# installed into the project's PULUMI_HOME (.tools/pulumi-home) so the CLI never downloads it.
#
# Its main package //go:embed's schema-embed.json and terraform-mapping-embed.json, which upstream makes
# with `go generate` and are not in the module zip. The module cache is read-only, so this recipe copies
# the module into a writable work dir in the cache, runs the generator there, and builds the copy through
# a generated module = the committed wrapper tools/go/pulumi-kubernetes (the pins) + a replace of the
# provider module by the copy. Same cache layout and stamp idea as go_build in lib.sh.
# shellcheck shell=bash

pk_version=$PULUMI_KUBERNETES_VERSION
pk_mod=github.com/pulumi/pulumi-kubernetes/provider/v4
pk_bin=pulumi-resource-kubernetes
pk_wdir="$TOOLS_DIR/go/pulumi-kubernetes"
pk_out="$CACHE_ROOT/tools/pulumi-kubernetes-$pk_version"
pk_ldflags="-s -w -X $pk_mod/pkg/version.Version=$pk_version"
pk_flow=1 # bump when the build steps below change what gets built

[[ -f "$pk_wdir/go.mod" ]] || die "pulumi-kubernetes: wrapper module $pk_wdir/go.mod is missing"
pk_key=$( { cat "$pk_wdir/go.mod" "$pk_wdir/go.sum" 2>/dev/null; go version; echo "$pk_ldflags|$pk_flow"; } \
  | sha256sum | cut -c1-16)

pk_build() {
  local work="$pk_out.work" tmp="$pk_out.tmp.$$" src
  log "pulumi-kubernetes $pk_version: building $pk_bin (first build takes many minutes)"
  rm -rf "$work" "$tmp"; mkdir -p "$work/build/generate" "$tmp"

  # 1. Writable copy of the provider module at the version the wrapper pins.
  src=$(cd "$pk_wdir" && go mod download -json "$pk_mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -n "$src" && -d "$src/cmd/$pk_bin" ]] || die "pulumi-kubernetes: cannot download $pk_mod (see go.mod in $pk_wdir)"
  { cp -R "$src" "$work/provider" && chmod -R u+w "$work/provider"; } || die "pulumi-kubernetes: copying $src failed"

  # 2. Build module: the wrapper's go.mod/go.sum (unchanged pins) with the provider replaced by the copy.
  cp "$pk_wdir/go.mod" "$pk_wdir/go.sum" "$work/build/" || die "pulumi-kubernetes: cannot write $work"
  (cd "$work/build" && go mod edit -replace "$pk_mod=../provider") || die "pulumi-kubernetes: go mod edit failed"

  # 3. `go generate` step of cmd/pulumi-resource-kubernetes (generate.go, run in that dir with VERSION set).
  #    The generator is compiled in the build module (the copy's own go.mod points at a missing ../sdk).
  cp "$work/provider/cmd/$pk_bin/generate.go" "$work/build/generate/generate.go" || die "pulumi-kubernetes: generate.go is missing"
  (cd "$work/build" && with_progress "pulumi-kubernetes: go build generator" "$LOG_DIR/pulumi-kubernetes-generate.log" \
    env CGO_ENABLED=0 GOFLAGS=-mod=mod go build -o "$work/generate-embed" ./generate/generate.go) \
    || die "building the pulumi-kubernetes schema generator failed"
  (cd "$work/provider/cmd/$pk_bin" && VERSION=$pk_version "$work/generate-embed") \
    || die "pulumi-kubernetes: generating schema-embed.json failed"
  [[ -s "$work/provider/cmd/$pk_bin/schema-embed.json" && -s "$work/provider/cmd/$pk_bin/terraform-mapping-embed.json" ]] \
    || die "pulumi-kubernetes: the generator did not write the embedded files"

  # 4. Build the plugin from the copy.
  (cd "$work/build" && with_progress "pulumi-kubernetes: go build $pk_bin" "$LOG_DIR/pulumi-kubernetes-$pk_bin.log" \
    env CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$pk_ldflags" -o "$tmp/$pk_bin" "$pk_mod/cmd/$pk_bin") \
    || { rm -rf "$tmp"; die "building pulumi-kubernetes ($pk_bin) failed"; }
  touch "$tmp/.stamp-$pk_key"
  rm -rf "$pk_out"; mv "$tmp" "$pk_out"
  rm -rf "$work"
}

if [[ -f "$pk_out/.stamp-$pk_key" ]]; then
  log "pulumi-kubernetes $pk_version: cached ($pk_out)"
else
  # One build at a time per cache (two clones building at once would share the work dir).
  exec 9>"$pk_out.lock"
  flock 9 2>/dev/null || true
  if [[ ! -f "$pk_out/.stamp-$pk_key" ]]; then pk_build; fi
  exec 9>&-
fi
# Not linked into .tools/bin: a provider found on PATH wins over the installed plugin and makes the CLI
# warn on every run. The CLI loads it from PULUMI_HOME (below), by the version the SDK asks for.
rm -f "$BIN_DIR/$pk_bin"

# Install it as a Pulumi plugin into the project's PULUMI_HOME (needs the CLI: make sure it is there).
[[ -x "$BIN_DIR/pulumi" ]] || ( . "$TOOLS_DIR/recipes/pulumi.sh" ) || die "pulumi-kubernetes: the pulumi CLI is needed"
export PULUMI_HOME="$PROJECT_DIR/.tools/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
pk_installed="$PULUMI_HOME/plugins/resource-kubernetes-v$pk_version/$pk_bin"
if [[ -f "$pk_installed" ]] && cmp -s "$pk_installed" "$pk_out/$pk_bin"; then
  log "pulumi-kubernetes $pk_version: plugin already installed in $PULUMI_HOME"
else
  mkdir -p "$PULUMI_HOME"
  "$BIN_DIR/pulumi" plugin install resource kubernetes "$pk_version" --file "$pk_out/$pk_bin" --reinstall >&2 \
    || die "pulumi plugin install resource kubernetes $pk_version failed"
  log "pulumi-kubernetes $pk_version: plugin installed in $PULUMI_HOME"
fi
