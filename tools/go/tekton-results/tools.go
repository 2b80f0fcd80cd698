//go:build tools

// Package tools pins the tekton-results main packages so `go mod tidy` keeps them.
package tools

import (
	_ "github.com/tektoncd/results/cmd/api"
	_ "github.com/tektoncd/results/cmd/watcher"
)
