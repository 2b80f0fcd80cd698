# Our resource provider plugins for @pulumi/random and @pulumi/tls (source: tools/go/pulumi-providers), stamped
# $PULUMI_RANDOM_VERSION / $PULUMI_TLS_VERSION and installed into the project's PULUMI_HOME like the Kubernetes
# provider, so the CLI loads them for those SDK versions and never downloads a plugin.
#
# Each plugin's GetSchema returns the exact upstream schema of its release, embedded at build time: the file is
# read from the schema mirror ($PIPELINE_SERVICE_SCHEMAS, else the offline mirror beside the project, else
# .cache/schemas), checked against the sha256 pinned in versions.env and copied next to the main package
# (cmd/<plugin>/schema.json, gitignored). Nothing of upstream is committed.
# shellcheck shell=bash

pp_wdir="$TOOLS_DIR/go/pulumi-providers"
pp_flow=1 # bump when the build steps below change what gets built
[[ -f "$pp_wdir/go.mod" ]] || die "pulumi-providers: module $pp_wdir/go.mod is missing"

pp_schema_dir() {
  if [[ -n "${PIPELINE_SERVICE_SCHEMAS:-}" ]]; then printf '%s\n' "$PIPELINE_SERVICE_SCHEMAS"
  elif [[ -d "$(dirname "$PROJECT_DIR")/shared/schemas" ]]; then printf '%s\n' "$(dirname "$PROJECT_DIR")/shared/schemas"
  else printf '%s\n' "$PROJECT_DIR/.cache/schemas"; fi
}
pp_dir=$(pp_schema_dir)

# pp_schema NAME VERSION SHA256: verifies the mirror's schema and copies it into cmd/pulumi-resource-NAME/.
pp_schema() {
  local name=$1 version=$2 want=$3 file got
  file="$pp_dir/pulumi-$name-v$version.schema.json"
  if [[ ! -f "$file" ]]; then
    die "pulumi-providers: the upstream schema of pulumi-$name $version is missing: $file
  It is provider/cmd/pulumi-resource-$name/schema.json at tag v$version of github.com/pulumi/pulumi-$name,
  sha256 $want. Put it there (or point PIPELINE_SERVICE_SCHEMAS at a directory holding it) and re-run
  tools/build.sh pulumi-providers."
  fi
  got=$(sha256sum "$file" | cut -d' ' -f1)
  [[ "$got" == "$want" ]] || die "pulumi-providers: $file has sha256 $got, pinned $want (tools/versions.env): not the v$version schema"
  if ! cmp -s "$file" "$pp_wdir/cmd/pulumi-resource-$name/schema.json"; then
    install -m 0644 "$file" "$pp_wdir/cmd/pulumi-resource-$name/schema.json"
  fi
}
pp_schema random "$PULUMI_RANDOM_VERSION" "$PULUMI_RANDOM_SCHEMA_SHA256"
pp_schema tls "$PULUMI_TLS_VERSION" "$PULUMI_TLS_SCHEMA_SHA256"

pp_out="$CACHE_ROOT/tools/pulumi-providers-random-$PULUMI_RANDOM_VERSION-tls-$PULUMI_TLS_VERSION"
pp_key=$( { cd "$pp_wdir" && find . -name '*.go' -o -name go.mod -o -name go.sum | LC_ALL=C sort | xargs cat
  echo "$PULUMI_RANDOM_SCHEMA_SHA256 $PULUMI_TLS_SCHEMA_SHA256 $PULUMI_RANDOM_VERSION $PULUMI_TLS_VERSION $pp_flow"; go version; } \
  | sha256sum | cut -c1-16)

if [[ -f "$pp_out/.stamp-$pp_key" ]]; then
  log "pulumi-providers (random $PULUMI_RANDOM_VERSION, tls $PULUMI_TLS_VERSION): cached ($pp_out)"
else
  exec 9>"$pp_out.lock"
  flock 9 2>/dev/null || true
  if [[ ! -f "$pp_out/.stamp-$pp_key" ]]; then
    log "pulumi-providers: building pulumi-resource-random $PULUMI_RANDOM_VERSION and pulumi-resource-tls $PULUMI_TLS_VERSION"
    pp_tmp="$pp_out.tmp.$$"
    rm -rf "$pp_tmp"; mkdir -p "$pp_tmp"
    for pp_spec in "random=$PULUMI_RANDOM_VERSION" "tls=$PULUMI_TLS_VERSION"; do
      pp_name=${pp_spec%%=*}; pp_ver=${pp_spec#*=}
      (cd "$pp_wdir" && with_progress "pulumi-providers: go build pulumi-resource-$pp_name" \
        "$LOG_DIR/pulumi-providers-$pp_name.log" env CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
        -ldflags "-s -w -X main.Version=$pp_ver" -o "$pp_tmp/pulumi-resource-$pp_name" "./cmd/pulumi-resource-$pp_name") \
        || { rm -rf "$pp_tmp"; die "building pulumi-resource-$pp_name failed"; }
    done
    touch "$pp_tmp/.stamp-$pp_key"
    rm -rf "$pp_out"; mv "$pp_tmp" "$pp_out"
  fi
  exec 9>&-
fi

# Installed as Pulumi plugins (not linked into .tools/bin: a provider on PATH wins and makes the CLI warn).
[[ -x "$BIN_DIR/pulumi" ]] || ( . "$TOOLS_DIR/recipes/pulumi.sh" ) || die "pulumi-providers: the pulumi CLI is needed"
export PULUMI_HOME="$PROJECT_DIR/.tools/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
for pp_spec in "random=$PULUMI_RANDOM_VERSION" "tls=$PULUMI_TLS_VERSION"; do
  pp_name=${pp_spec%%=*}; pp_ver=${pp_spec#*=}
  pp_bin="$pp_out/pulumi-resource-$pp_name"
  pp_installed="$PULUMI_HOME/plugins/resource-$pp_name-v$pp_ver/pulumi-resource-$pp_name"
  if [[ -f "$pp_installed" ]] && cmp -s "$pp_installed" "$pp_bin"; then
    log "pulumi-resource-$pp_name $pp_ver: plugin already installed in $PULUMI_HOME"
  else
    mkdir -p "$PULUMI_HOME"
    "$BIN_DIR/pulumi" plugin install resource "$pp_name" "$pp_ver" --file "$pp_bin" --reinstall >&2 \
      || die "pulumi plugin install resource $pp_name $pp_ver failed"
    log "pulumi-resource-$pp_name $pp_ver: plugin installed in $PULUMI_HOME"
  fi
done
