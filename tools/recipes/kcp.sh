# kcp server (root shard and extra shards), its front-proxy and the cache server, from the kcp module,
# and kcp's own multi-shard launcher (sharded-test-server), which local/env.sh uses to run them together.
# kcp's go.mod swaps every k8s.io module for the kcp-dev/kubernetes fork and its own libraries for
# local staging paths; the wrapper tools/go/kcp repeats the fork replaces and points the staging
# libraries at their published modules (see the comments there).

# --- virtual-workspace-framework: v0.31.2 (the newest the proxy serves) + one helper kcp v0.32 calls.
# Prepared once per clone under .tools/src (gitignored); tools/go/kcp/go.mod replaces the module with it.
kcp_vwf_mod=github.com/kcp-dev/virtual-workspace-framework
kcp_vwf_ver=v0.31.2
kcp_vwf_sum="h1:AStPulh0Yylg9XwMh8lxrhFvZnixV9f2dZZzHuquhs4="   # go.sum hash of $kcp_vwf_mod@$kcp_vwf_ver
kcp_vwf_dir="$PROJECT_DIR/.tools/src/virtual-workspace-framework-$kcp_vwf_ver-kcp1"  # as in tools/go/kcp/go.mod
if [[ ! -f "$kcp_vwf_dir/.prepared" ]]; then
  log "kcp: preparing $kcp_vwf_mod $kcp_vwf_ver (+ forwardingregistry.ValidatePathSegmentName) in $kcp_vwf_dir"
  # Integrity: the pinned h1 hash below (the checksum database need not know the module).
  kcp_vwf_json=$(cd "$TOOLS_DIR" && GOFLAGS=-mod=mod GONOSUMDB="$kcp_vwf_mod" go mod download -json "$kcp_vwf_mod@$kcp_vwf_ver") \
    || die "kcp: go mod download $kcp_vwf_mod@$kcp_vwf_ver failed: $kcp_vwf_json"
  kcp_vwf_src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$kcp_vwf_json")
  [[ "$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$kcp_vwf_json")" == "$kcp_vwf_sum" && -d "$kcp_vwf_src" ]] \
    || die "kcp: $kcp_vwf_mod@$kcp_vwf_ver does not match the pinned checksum $kcp_vwf_sum"
  rm -rf "$kcp_vwf_dir.tmp" && mkdir -p "$(dirname "$kcp_vwf_dir")"
  cp -R "$kcp_vwf_src" "$kcp_vwf_dir.tmp" && chmod -R u+w "$kcp_vwf_dir.tmp"
  # In kcp v0.32 this lives in the framework (kcp's virtual workspaces pass it to the CRD strategy);
  # v0.31 kcp used k8s.io/apimachinery's path validation directly, which is what this does.
  cat >"$kcp_vwf_dir.tmp/pkg/forwardingregistry/zz_pipeline_service_validation.go" <<'GO'
// Added by pipeline-service tools/recipes/kcp.sh: kcp v0.32 calls this helper, which the
// virtual-workspace-framework gained after v0.31.2 (the newest version the module proxy serves).

package forwardingregistry

import "k8s.io/apimachinery/pkg/api/validate/content"

// ValidatePathSegmentName validates the name can be safely encoded as a path segment.
func ValidatePathSegmentName(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}
GO
  touch "$kcp_vwf_dir.tmp/.prepared"
  rm -rf "$kcp_vwf_dir" && mv "$kcp_vwf_dir.tmp" "$kcp_vwf_dir"
fi

# --- Version ldflags as in kcp's Makefile, so the server reports a real Kubernetes version
# (gitVersion v<kube>+kcp-v<kcp>, gitMajor/gitMinor): the Pulumi Kubernetes provider needs >= 1.13.
[[ "$(cd "$TOOLS_DIR/go/kcp" && go list -m -f '{{.Version}}' github.com/kcp-dev/kcp)" == "v$KCP_VERSION" ]] \
  || die "kcp: tools/go/kcp/go.mod does not require github.com/kcp-dev/kcp v$KCP_VERSION (tools/versions.env)"
kcp_kube_version=$(cd "$TOOLS_DIR/go/kcp" && go list -m -f '{{.Version}}' k8s.io/kubernetes) \
  || die "kcp: cannot read the k8s.io/kubernetes version from tools/go/kcp/go.mod"
kcp_kube_major=$(sed 's/^v\([0-9]*\)\..*/\1/' <<<"$kcp_kube_version")
kcp_kube_minor=$(sed 's/^v[0-9]*\.\([0-9]*\)\..*/\1/' <<<"$kcp_kube_version")
kcp_git_version="$kcp_kube_version+kcp-v$KCP_VERSION"
# Commit and build date: the release tag's own commit and time (from the module proxy's .info),
# so the stamp (and the binary) stay reproducible.
kcp_info=$(cd "$TOOLS_DIR/go/kcp" && go mod download -json "github.com/kcp-dev/kcp@v$KCP_VERSION") \
  || die "kcp: go mod download github.com/kcp-dev/kcp@v$KCP_VERSION failed"
kcp_git_commit=$(sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' <<<"$kcp_info" | head -n1)
kcp_build_date=$(cd "$TOOLS_DIR/go/kcp" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' github.com/kcp-dev/kcp)
GO_LDFLAGS=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  GO_LDFLAGS+=" -X $pkg.gitVersion=$kcp_git_version -X $pkg.gitMajor=$kcp_kube_major"
  GO_LDFLAGS+=" -X $pkg.gitMinor=$kcp_kube_minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=$kcp_build_date"
  if [[ -n "$kcp_git_commit" ]]; then GO_LDFLAGS+=" -X $pkg.gitCommit=$kcp_git_commit"; fi
done
export GO_LDFLAGS
go_build kcp "$KCP_VERSION" kcp \
  github.com/kcp-dev/kcp/cmd/kcp=kcp \
  github.com/kcp-dev/kcp/cmd/kcp-front-proxy=kcp-front-proxy \
  github.com/kcp-dev/kcp/cmd/cache-server=cache-server \
  github.com/kcp-dev/kcp/cmd/sharded-test-server=sharded-test-server
