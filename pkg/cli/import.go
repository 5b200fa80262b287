package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/krm-gen/krm-gen/pkg/importer"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// importCmd writes the Platform spec that renders the given manifests.
func importCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	var out, name, namespace, repo string
	var strict bool
	cmd := &cobra.Command{
		Use:   "import [-o platform.yaml] [--name NAME] [--strict] PATH...",
		Short: "Write the Platform spec that renders existing manifests (folders, files, - for stdin)",
		Long: `Import reads Kubernetes manifests (folders, multi-document files, kustomize output
on stdin with -) and writes the Platform spec that renders them. It prints what the
spec cannot carry (FILE:LINE: Kind namespace/name: field: what is lost) and what the
rendered platform does differently from the input. Nothing is written on error.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if len(paths) == 0 {
				return &exitError{ExitUsage, errors.New("import needs at least one PATH (a file, a folder, or - for stdin)")}
			}
			// The spec's header names the command that wrote it, the options that change
			// the spec included, so that it can be imported again.
			var command []string
			for _, f := range []string{"name", "namespace", "repo"} {
				if fl := cmd.Flags().Lookup(f); fl.Changed {
					command = append(command, "--"+f, fl.Value.String())
				}
			}
			return runImport(paths, append(command, paths...), out, importer.Options{Name: name, Namespace: namespace, RepoURL: repo}, strict, stdin, stdout, stderr)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "spec file to write (default: stdout)")
	cmd.Flags().StringVar(&name, "name", "", "platform name (default: the root Application's, else platform)")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "namespace of objects that have none (default: such objects are an error)")
	cmd.Flags().StringVar(&repo, "repo", "", "spec.git.repoURL when the input has no app-of-apps Application (default: a placeholder to replace)")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 1 (and write nothing) when anything is not carried over")
	return cmd
}

func runImport(paths, command []string, out string, opts importer.Options, strict bool, stdin io.Reader, stdout, stderr io.Writer) error {
	objs, probs := importer.ReadPaths(paths, stdin)
	res := &importer.Result{}
	if len(probs) == 0 {
		res = importer.Import(objs, opts)
		probs = res.Problems
	}
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(stderr, p.String())
		}
		return &exitError{ExitInvalid, fmt.Errorf("krm-gen import: %d error%s; nothing written", len(probs), plural(len(probs)))}
	}
	spec, err := res.SpecYAML(command)
	if err != nil {
		return &exitError{ExitInvalid, fmt.Errorf("krm-gen import: %w; nothing written", err)}
	}
	file := out
	if file == "" {
		file = "<stdout>"
	}
	// The spec is checked as render will read it before anything is written.
	loaded := pipeline.Load(spec, file)
	for _, d := range loaded.Diagnostics {
		fmt.Fprintln(stderr, d.String())
	}
	if !loaded.Valid() {
		n := len(loaded.Diagnostics.Errors())
		return &exitError{ExitInvalid, fmt.Errorf("krm-gen import: the imported spec has %d error%s; nothing written", n, plural(n))}
	}
	rendered, err := importer.RenderSpec(spec, file)
	if err != nil {
		return &exitError{ExitInvalid, fmt.Errorf("krm-gen import: %w; nothing written", err)}
	}
	res.Compare(objs, rendered)
	if spec, err = res.SpecYAML(command); err != nil { // its header counts the report
		return &exitError{ExitInvalid, fmt.Errorf("krm-gen import: %w; nothing written", err)}
	}
	fmt.Fprint(stderr, res.Report())
	if strict && len(res.Losses) > 0 {
		return &exitError{ExitInvalid, fmt.Errorf("krm-gen import: --strict: %d thing%s not carried over; nothing written", len(res.Losses), plural(len(res.Losses)))}
	}
	if out == "" {
		_, err := stdout.Write(spec)
		return err
	}
	if err := writeFileAtomic(out, spec); err != nil {
		return &exitError{ExitInvalid, fmt.Errorf("krm-gen import: %s: %w; nothing written", out, err)}
	}
	fmt.Fprintf(stderr, "krm-gen: imported %d objects into %s: %d not carried over, %d differences\n", len(objs), out, len(res.Losses), len(res.Differences))
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it over path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errors.Unwrap(err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
