# etcd server for the kwok workload clusters (Debian's 3.4 is too old for Kubernetes 1.36).
# The main package is the root of go.etcd.io/etcd/server/v3 (server/main.go). etcd's version string is
# already in the source (go.etcd.io/etcd/api/v3/version.Version); upstream's ./build only adds the git
# commit, which the module proxy records as the tag's origin hash (read from the module cache, no git).
# etcdctl is not built: go.etcd.io/etcd/etcdctl/v3 is not served at v3.6.13 (kwok does not need it).
etcd_sha=$(cd "$TOOLS_DIR/go/etcd" && go list -m -f '{{with .Origin}}{{.Hash}}{{end}}' \
  "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" 2>/dev/null | cut -c1-9)
GO_LDFLAGS="-X go.etcd.io/etcd/api/v3/version.GitSHA=${etcd_sha:-v$ETCD_VERSION}" \
  go_build etcd "$ETCD_VERSION" etcd \
  go.etcd.io/etcd/server/v3=etcd
