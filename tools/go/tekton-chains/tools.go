//go:build tools

// Package tools pins the tekton-chains main packages so `go mod tidy` keeps them.
package tools

import (
	_ "github.com/tektoncd/chains/cmd/controller"
)
