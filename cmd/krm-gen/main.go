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
		percent := 300
		if len(os.Args) == 1 {
			// As a KRM function (no arguments) it holds its input to the end and echoes
			// it: 200 keeps its peak near the render's (BENCHMARKS.md, issue 19).
			percent = 200
		}
		debug.SetGCPercent(percent)
	}
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
