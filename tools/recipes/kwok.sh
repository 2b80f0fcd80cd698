# kwok (simulated nodes and pods) and kwokctl (cluster lifecycle), straight from their module.
# KubeVersion tells kwokctl which Kubernetes it drives (we pass our own binaries, never download).
GO_LDFLAGS="-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$KUBERNETES_VERSION" \
  go_build kwok "$KWOK_VERSION" kwok \
  sigs.k8s.io/kwok/cmd/kwok=kwok sigs.k8s.io/kwok/cmd/kwokctl=kwokctl
