//go:build tools

// Package tools pins the tekton-pipeline-previous main packages (the previous release, for upgrades) so `go mod tidy` keeps them.
package tools

import (
	_ "github.com/tektoncd/pipeline/cmd/controller"
	_ "github.com/tektoncd/pipeline/cmd/webhook"
	_ "github.com/tektoncd/pipeline/cmd/events"
	_ "github.com/tektoncd/pipeline/cmd/resolvers"
)
