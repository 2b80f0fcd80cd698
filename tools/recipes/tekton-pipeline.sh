# Tekton Pipelines: controller, webhook, events controller and remote resolvers (github.com/tektoncd/pipeline).
# Run as local processes against each kwok region by local/supervisor.ts; the images in the release
# manifest only name what a real pod would run.
[[ "$(cd "$TOOLS_DIR/go/tekton-pipeline" && go list -m -f '{{.Version}}' github.com/tektoncd/pipeline)" == "v$TEKTON_PIPELINE_VERSION" ]] \
  || die "tekton-pipeline: tools/go/tekton-pipeline/go.mod does not require v$TEKTON_PIPELINE_VERSION (tools/versions.env)"
go_build tekton-pipeline "$TEKTON_PIPELINE_VERSION" tekton-pipeline \
  github.com/tektoncd/pipeline/cmd/controller=tekton-pipelines-controller \
  github.com/tektoncd/pipeline/cmd/webhook=tekton-pipelines-webhook \
  github.com/tektoncd/pipeline/cmd/events=tekton-events-controller \
  github.com/tektoncd/pipeline/cmd/resolvers=tekton-pipelines-resolvers
