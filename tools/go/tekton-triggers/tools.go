//go:build tools

// Package tools pins the tekton-triggers main packages so `go mod tidy` keeps them.
package tools

import (
	_ "github.com/tektoncd/triggers/cmd/controller"
	_ "github.com/tektoncd/triggers/cmd/webhook"
	_ "github.com/tektoncd/triggers/cmd/interceptors"
)
