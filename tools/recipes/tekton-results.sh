# Tekton Results: API server (gRPC + REST) and watcher (github.com/tektoncd/results).
[[ "$(cd "$TOOLS_DIR/go/tekton-results" && go list -m -f '{{.Version}}' github.com/tektoncd/results)" == "v$TEKTON_RESULTS_VERSION" ]] \
  || die "tekton-results: tools/go/tekton-results/go.mod does not require v$TEKTON_RESULTS_VERSION (tools/versions.env)"
go_build tekton-results "$TEKTON_RESULTS_VERSION" tekton-results \
  github.com/tektoncd/results/cmd/api=tekton-results-api \
  github.com/tektoncd/results/cmd/watcher=tekton-results-watcher
