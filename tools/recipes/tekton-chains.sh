# Tekton Chains controller (github.com/tektoncd/chains). Its go.mod replaces two dependencies; the wrapper
# repeats them (replaces are not inherited from a dependency's go.mod).
[[ "$(cd "$TOOLS_DIR/go/tekton-chains" && go list -m -f '{{.Version}}' github.com/tektoncd/chains)" == "v$TEKTON_CHAINS_VERSION" ]] \
  || die "tekton-chains: tools/go/tekton-chains/go.mod does not require v$TEKTON_CHAINS_VERSION (tools/versions.env)"
go_build tekton-chains "$TEKTON_CHAINS_VERSION" tekton-chains \
  github.com/tektoncd/chains/cmd/controller=tekton-chains-controller
