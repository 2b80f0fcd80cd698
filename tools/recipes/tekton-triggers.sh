# Tekton Triggers: controller, webhook and core interceptors (github.com/tektoncd/triggers). Upstream's
# replace of ahmetb/gen-crd-api-reference-docs is for its docs generator only and is not needed here.
[[ "$(cd "$TOOLS_DIR/go/tekton-triggers" && go list -m -f '{{.Version}}' github.com/tektoncd/triggers)" == "v$TEKTON_TRIGGERS_VERSION" ]] \
  || die "tekton-triggers: tools/go/tekton-triggers/go.mod does not require v$TEKTON_TRIGGERS_VERSION (tools/versions.env)"
go_build tekton-triggers "$TEKTON_TRIGGERS_VERSION" tekton-triggers \
  github.com/tektoncd/triggers/cmd/controller=tekton-triggers-controller \
  github.com/tektoncd/triggers/cmd/webhook=tekton-triggers-webhook \
  github.com/tektoncd/triggers/cmd/interceptors=tekton-triggers-interceptors
