//go:build tools

// Package tools pins the kcp kubectl plugin main packages so `go mod tidy` keeps them.
package tools

import (
	_ "github.com/kcp-dev/cli/cmd/kubectl-create-workspace"
	_ "github.com/kcp-dev/cli/cmd/kubectl-kcp"
	_ "github.com/kcp-dev/cli/cmd/kubectl-ws"
)
