// pulumi-resource-random: the resource provider plugin for @pulumi/random, implemented here (internal/random).
package main

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	p "pipeline-service/tools/pulumi-providers/internal/provider"
	"pipeline-service/tools/pulumi-providers/internal/random"
)

// The upstream schema of @pulumi/random at Version, copied here (sha256-checked) by tools/recipes/pulumi-providers.sh.
//
//go:embed schema.json
var schema string

// Version is set at link time to PULUMI_RANDOM_VERSION (tools/versions.env).
var Version = "0.0.0-dev"

func main() {
	err := provider.Main("random", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return p.New("random", Version, schema, random.Resources(), nil)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
