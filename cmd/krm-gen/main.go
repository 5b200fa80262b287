// Command krm-gen renders a GitOps platform tree from one Platform spec; with no
// subcommand it runs as a KRM function.
package main

import (
	"os"
	"runtime/debug"

	"github.com/krm-gen/krm-gen/pkg/cli"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// A render is a short burst of allocation: collect less often (measured in
		// BENCHMARKS.md: 20-30% less CPU on big platforms, memory well in budget).
		debug.SetGCPercent(300)
	}
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
