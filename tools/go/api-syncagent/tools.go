//go:build tools

// Package tools pins the api-syncagent main package so `go mod tidy` keeps it.
package tools

import (
	_ "github.com/kcp-dev/api-syncagent/cmd/api-syncagent"
)
