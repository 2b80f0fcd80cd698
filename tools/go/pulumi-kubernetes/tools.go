//go:build tools

// Package tools pins the Kubernetes provider's main package so `go mod tidy` keeps it. Its //go:embed
// files are generated at build time by tools/recipes/pulumi-kubernetes.sh (tidy does not need them).
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes"
)
