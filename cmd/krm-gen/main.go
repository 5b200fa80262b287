// Command krm-gen renders a GitOps platform tree from one Platform spec; with no
// subcommand it runs as a KRM function.
package main

import (
	"os"

	"github.com/krm-gen/krm-gen/pkg/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
