# kcp's kubectl plugins (kubectl kcp, kubectl ws, kubectl create-workspace) from github.com/kcp-dev/cli.
# They print k8s.io/component-base/version; stamp it the way kcp stamps its own binaries
# (v<kube>+kcp-v<cli>), kube being the component-base minor the plugins are built with.
[[ "$(cd "$TOOLS_DIR/go/kcp-cli" && go list -m -f '{{.Version}}' github.com/kcp-dev/cli)" == "v$KCP_CLI_VERSION" ]] \
  || die "kcp-cli: tools/go/kcp-cli/go.mod does not require github.com/kcp-dev/cli v$KCP_CLI_VERSION (tools/versions.env)"
cli_kube_version=$(cd "$TOOLS_DIR/go/kcp-cli" && go list -m -f '{{.Version}}' k8s.io/component-base | sed 's/^v0\./v1./') \
  || die "kcp-cli: cannot read the k8s.io/component-base version from tools/go/kcp-cli/go.mod"
cli_major=$(sed 's/^v\([0-9]*\)\..*/\1/' <<<"$cli_kube_version")
cli_minor=$(sed 's/^v[0-9]*\.\([0-9]*\)\..*/\1/' <<<"$cli_kube_version")
cli_info=$(cd "$TOOLS_DIR/go/kcp-cli" && go mod download -json "github.com/kcp-dev/cli@v$KCP_CLI_VERSION") \
  || die "kcp-cli: go mod download github.com/kcp-dev/cli@v$KCP_CLI_VERSION failed"
cli_commit=$(sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' <<<"$cli_info" | head -n1)
GO_LDFLAGS="-X k8s.io/component-base/version.gitVersion=$cli_kube_version+kcp-v$KCP_CLI_VERSION"
GO_LDFLAGS+=" -X k8s.io/component-base/version.gitMajor=$cli_major -X k8s.io/component-base/version.gitMinor=$cli_minor"
GO_LDFLAGS+=" -X k8s.io/component-base/version.gitTreeState=clean"
if [[ -n "$cli_commit" ]]; then GO_LDFLAGS+=" -X k8s.io/component-base/version.gitCommit=$cli_commit"; fi
export GO_LDFLAGS
go_build kcp-cli "$KCP_CLI_VERSION" kcp-cli \
  github.com/kcp-dev/cli/cmd/kubectl-kcp=kubectl-kcp \
  github.com/kcp-dev/cli/cmd/kubectl-ws=kubectl-ws \
  github.com/kcp-dev/cli/cmd/kubectl-create-workspace=kubectl-create-workspace
