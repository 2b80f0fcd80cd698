# kcp api-syncagent (publishes a workload cluster's CRDs into a kcp APIExport and syncs objects),
# main package cmd/api-syncagent of github.com/kcp-dev/api-syncagent. Version ldflags as in its Makefile.
[[ "$(cd "$TOOLS_DIR/go/api-syncagent" && go list -m -f '{{.Version}}' github.com/kcp-dev/api-syncagent)" == "v$KCP_API_SYNCAGENT_VERSION" ]] \
  || die "api-syncagent: tools/go/api-syncagent/go.mod does not require v$KCP_API_SYNCAGENT_VERSION (tools/versions.env)"
syncagent_info=$(cd "$TOOLS_DIR/go/api-syncagent" && go mod download -json "github.com/kcp-dev/api-syncagent@v$KCP_API_SYNCAGENT_VERSION") \
  || die "api-syncagent: go mod download github.com/kcp-dev/api-syncagent@v$KCP_API_SYNCAGENT_VERSION failed"
syncagent_commit=$(sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' <<<"$syncagent_info" | head -n1)
GO_LDFLAGS="-X github.com/kcp-dev/api-syncagent/internal/version.gitVersion=v$KCP_API_SYNCAGENT_VERSION"
if [[ -n "$syncagent_commit" ]]; then GO_LDFLAGS+=" -X github.com/kcp-dev/api-syncagent/internal/version.gitHead=$syncagent_commit"; fi
export GO_LDFLAGS
go_build api-syncagent "$KCP_API_SYNCAGENT_VERSION" api-syncagent \
  github.com/kcp-dev/api-syncagent/cmd/api-syncagent=api-syncagent
