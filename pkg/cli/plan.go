package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/krm-gen/krm-gen/pkg/capacity"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// planCmd prints the capacity plan of a spec (each environment's with environments).
func planCmd(stdout, stderr io.Writer) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "plan -f SPEC",
		Short: "Print the capacity plan: per node pool, requested CPU/memory/pods against allocatable at min, desired and max size",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if file == "" {
				return &exitError{ExitUsage, errors.New("missing required flag -f/--file")}
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return &exitError{ExitInvalid, fmt.Errorf("%s: %w", file, errors.Unwrap(err))}
			}
			res := pipeline.Load(data, file)
			for _, d := range res.Diagnostics {
				fmt.Fprintln(stderr, d.String())
			}
			if !res.Valid() {
				n := len(res.Diagnostics.Errors())
				return &exitError{ExitInvalid, fmt.Errorf("%s: %d error%s; no plan", file, n, plural(n))}
			}
			table, err := capacity.LoadTable()
			if err != nil {
				return &exitError{ExitInvalid, err}
			}
			for i, t := range res.Trees {
				plan, err := capacity.Compute(t.Model, table)
				if err != nil {
					return &exitError{ExitInvalid, fmt.Errorf("%s: %w", file, err)}
				}
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				if err := plan.Write(stdout); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "Platform spec file (required)")
	return cmd
}
