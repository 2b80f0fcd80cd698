# The previous Tekton Pipelines release (github.com/tektoncd/pipeline), for upgrades and rollbacks: the same four
# binaries as recipes/tekton-pipeline.sh, named <binary>-v<version>. local/supervisor.ts runs the build whose
# version is the Deployment's image tag.
[[ "$(cd "$TOOLS_DIR/go/tekton-pipeline-previous" && go list -m -f '{{.Version}}' github.com/tektoncd/pipeline)" == "v$TEKTON_PIPELINE_PREVIOUS_VERSION" ]] \
  || die "tekton-pipeline-previous: tools/go/tekton-pipeline-previous/go.mod does not require v$TEKTON_PIPELINE_PREVIOUS_VERSION (tools/versions.env)"
v=v$TEKTON_PIPELINE_PREVIOUS_VERSION
go_build tekton-pipeline "$TEKTON_PIPELINE_PREVIOUS_VERSION" tekton-pipeline-previous \
  github.com/tektoncd/pipeline/cmd/controller=tekton-pipelines-controller-$v \
  github.com/tektoncd/pipeline/cmd/webhook=tekton-pipelines-webhook-$v \
  github.com/tektoncd/pipeline/cmd/events=tekton-events-controller-$v \
  github.com/tektoncd/pipeline/cmd/resolvers=tekton-pipelines-resolvers-$v
