# Kubernetes control plane for the kwok workload clusters (kwokctl --runtime binary) plus kubectl.
# k8s.io/kubernetes replaces its staging modules with local paths; the wrapper tools/go/kubernetes
# replaces each with its published k8s.io/<m> v0.<minor>.<patch> instead.
# Version stamp as upstream's hack/lib/version.sh does it (both component-base and client-go), so the
# servers and kubectl report v$KUBERNETES_VERSION (the Pulumi Kubernetes provider reads the server version).
# buildDate is the release's module time, so the flags (and the cache key) stay the same on every run.
# gitCommit stays empty: the module proxy records no origin commit for k8s.io/kubernetes.
kube_build_date=$(cd "$TOOLS_DIR/go/kubernetes" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' \
  "k8s.io/kubernetes@v$KUBERNETES_VERSION" 2>/dev/null) || kube_build_date=""
[[ -n "$kube_build_date" ]] || die "kubernetes: cannot read the release time of k8s.io/kubernetes@v$KUBERNETES_VERSION"
kube_major=${KUBERNETES_VERSION%%.*}
kube_minor=${KUBERNETES_VERSION#*.}; kube_minor=${kube_minor%%.*}
GO_LDFLAGS=""
for kube_pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  GO_LDFLAGS+=" -X $kube_pkg.gitVersion=v$KUBERNETES_VERSION -X $kube_pkg.gitMajor=$kube_major"
  GO_LDFLAGS+=" -X $kube_pkg.gitMinor=$kube_minor -X $kube_pkg.gitTreeState=clean"
  GO_LDFLAGS+=" -X $kube_pkg.gitCommit= -X $kube_pkg.buildDate=$kube_build_date"
done
GO_LDFLAGS=${GO_LDFLAGS# } go_build kubernetes "$KUBERNETES_VERSION" kubernetes \
  k8s.io/kubernetes/cmd/kube-apiserver=kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager=kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler=kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl=kubectl
