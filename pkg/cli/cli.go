// Package cli is krm-gen's command line: subcommands, flags and exit codes. With no
// subcommand it runs as a KRM function (ResourceList on stdin, out on stdout).
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/krm-gen/krm-gen/pkg/krmfn"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/rendercache"
	"github.com/krm-gen/krm-gen/pkg/schema"
	"github.com/krm-gen/krm-gen/pkg/specdoc"
	"github.com/krm-gen/krm-gen/pkg/writer"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitInvalid = 1 // invalid spec, drift found by verify, or a failed write
	ExitUsage   = 2 // bad flags or arguments
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

const helpText = `krm-gen renders a GitOps tree (Argo CD apps, Istio ambient, Gateway API, apps)
for an EKS/AKS platform from one short Platform spec.

With no subcommand, krm-gen runs as a KRM function: it reads a ResourceList whose
functionConfig is the Platform spec on stdin and writes the rendered objects to
stdout (for kustomize generators, kpt).

Exit codes:
  0  success (warnings may be printed)
  1  invalid spec (every problem is printed as FILE:LINE: FIELD: MESSAGE),
     verify found a difference, or the output could not be written
  2  usage error (unknown flag or subcommand, missing argument)`

// Run executes krm-gen with args and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "krm-gen",
		Short:         "Render a GitOps platform tree from one spec",
		Long:          helpText,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := krmfn.Run(stdin, stdout, stderr); err != nil {
				return &exitError{ExitInvalid, err}
			}
			return nil
		},
	}
	if args == nil {
		args = []string{}
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{ExitUsage, err} })
	root.AddCommand(renderCmd(stderr), verifyCmd(stdout, stderr), explainCmd(stdout, stderr), planCmd(stdout, stderr), importCmd(stdin, stdout, stderr), initCmd(stderr), schemaCmd(stdout))

	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code == ExitUsage {
			fmt.Fprintf(stderr, "krm-gen: %v\nRun 'krm-gen --help' for usage.\n", ee.err)
		} else if msg := ee.err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		return ee.code
	}
	// Errors cobra raises itself (unknown subcommand, bad args) are usage errors.
	fmt.Fprintf(stderr, "krm-gen: %v\nRun 'krm-gen --help' for usage.\n", err)
	return ExitUsage
}

type specFlags struct{ file, out string }

func (f *specFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.file, "file", "f", "", "Platform spec file (required)")
	cmd.Flags().StringVarP(&f.out, "output", "o", "", "output directory, e.g. out/eks (required)")
}

func (f *specFlags) check() error {
	var missing []string
	if f.file == "" {
		missing = append(missing, "-f/--file")
	}
	if f.out == "" {
		missing = append(missing, "-o/--output")
	}
	if len(missing) > 0 {
		return &exitError{ExitUsage, fmt.Errorf("missing required flag %s", strings.Join(missing, " and "))}
	}
	return nil
}

// loaded is a valid spec's rendered files and its environments (none without).
type loaded struct {
	files map[string][]byte
	envs  []string
}

// environment is the environment a file of the output belongs to ("" for the
// fleet bootstrap and for specs without environments).
func (l loaded) environment(p string) string {
	first, _, _ := strings.Cut(p, "/")
	for _, e := range l.envs {
		if e == first {
			return e
		}
	}
	return ""
}

// readSpec reads and validates the spec; diagnostics go to stderr.
func readSpec(file string, stderr io.Writer) (pipeline.Result, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return pipeline.Result{}, &exitError{ExitInvalid, fmt.Errorf("%s: %w", file, errors.Unwrap(err))}
	}
	return checkSpec(data, file, stderr)
}

// checkSpec validates the spec file's bytes; diagnostics go to stderr.
func checkSpec(data []byte, file string, stderr io.Writer) (pipeline.Result, error) {
	res := pipeline.Load(data, file)
	for _, d := range res.Diagnostics {
		fmt.Fprintln(stderr, d.String())
	}
	if !res.Valid() {
		n := len(res.Diagnostics.Errors())
		return res, &exitError{ExitInvalid, fmt.Errorf("%s: %d error%s; nothing written", file, n, plural(n))}
	}
	return res, nil
}

// load reads, validates and renders the spec; diagnostics go to stderr.
func load(file string, stderr io.Writer) (loaded, error) {
	res, err := readSpec(file, stderr)
	if err != nil {
		return loaded{}, err
	}
	return renderSpec(file, res)
}

// renderSpec renders a valid spec's trees into files.
func renderSpec(file string, res pipeline.Result) (loaded, error) {
	outputs, err := pipeline.Render(res.Trees)
	if err != nil {
		return loaded{}, &exitError{ExitInvalid, fmt.Errorf("%s: %w", file, err)}
	}
	files, err := pipeline.Files(outputs)
	if err != nil {
		return loaded{}, &exitError{ExitInvalid, fmt.Errorf("%s: %w", file, err)}
	}
	l := loaded{files: files}
	for _, t := range res.Trees {
		if t.Dir != "" {
			l.envs = append(l.envs, t.Dir)
		}
	}
	return l, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// specCmd is a subcommand taking -f SPEC -o DIR: it checks the flags, loads and
// renders the spec, and hands the files to run.
func specCmd(use, short string, stderr io.Writer, run func(f specFlags, l loaded) error) *cobra.Command {
	var f specFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := f.check(); err != nil {
				return err
			}
			l, err := load(f.file, stderr)
			if err != nil {
				return err
			}
			return run(f, l)
		},
	}
	f.register(cmd)
	return cmd
}

func renderCmd(stderr io.Writer) *cobra.Command {
	var f specFlags
	cmd := &cobra.Command{
		Use:   "render -f SPEC -o DIR",
		Short: "Render the spec into DIR, replacing only what krm-gen generated before; print what changed, per environment",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := f.check(); err != nil {
				return err
			}
			return render(f, rendercache.FromEnv(), stderr)
		},
	}
	f.register(cmd)
	return cmd
}

// render renders the spec into its folder, unless the render cache shows that the
// same spec, rendered by this binary, left the folder as it is now (then it prints
// what that render printed). A render that changes nothing is recorded.
func render(f specFlags, cache rendercache.Cache, stderr io.Writer) error {
	spec, err := os.ReadFile(f.file)
	if err != nil {
		return &exitError{ExitInvalid, fmt.Errorf("%s: %w", f.file, errors.Unwrap(err))}
	}
	key := ""
	if k, err := rendercache.Key(f.file, spec, f.out); err == nil {
		key = k
		if out, hit := cache.Lookup(key, f.out); hit {
			_, err := stderr.Write(out)
			return err
		}
	}
	tee := &rendercache.Tee{W: stderr}
	res, err := checkSpec(spec, f.file, tee)
	if err != nil {
		return err
	}
	l, err := renderSpec(f.file, res)
	if err != nil {
		return err
	}
	unchanged, err := renderLoaded(f, l, tee)
	switch {
	case err != nil || key == "":
	case unchanged:
		if err := cache.Store(key, f.out, tee.Buf.Bytes()); err != nil {
			cache.Forget(f.out) // a cache that cannot be written is no cache
		}
	default:
		cache.Forget(f.out)
	}
	return err
}

// renderLoaded writes a loaded spec's files into its folder and prints what changed;
// unchanged is true when nothing did.
func renderLoaded(f specFlags, l loaded, stderr io.Writer) (unchanged bool, _ error) {
	changes, err := writer.Changes(f.out, l.files, l.environment)
	if err != nil {
		return false, &exitError{ExitInvalid, fmt.Errorf("%s: %w; nothing changed", f.out, err)}
	}
	rep, err := writer.Write(f.out, l.files, writer.Options{})
	if err != nil {
		return false, &exitError{ExitInvalid, fmt.Errorf("%s: %w; nothing changed", f.out, err)}
	}
	for _, u := range rep.UserFiles {
		fmt.Fprintf(stderr, "warning: %s/%s: not generated by krm-gen; left in place\n", f.out, u)
	}
	fmt.Fprintf(stderr, "krm-gen: rendered %s into %s: %d files", f.file, f.out, rep.Written)
	if len(rep.Removed) > 0 {
		fmt.Fprintf(stderr, ", removed %d no longer generated", len(rep.Removed))
	}
	fmt.Fprintln(stderr)
	printChanges(stderr, f.out, l, changes)
	return len(changes) == 0 && len(rep.Removed) == 0, nil
}

// maxChangesShown bounds the objects listed per environment (a first render adds them all).
const maxChangesShown = 20

// printChanges says, per environment (and for the fleet bootstrap), which objects
// the render added, removed or changed.
func printChanges(w io.Writer, out string, l loaded, changes []writer.Change) {
	groups := append([]string{""}, l.envs...)
	for _, g := range groups {
		label := out
		switch {
		case g != "":
			label = "environment " + g
		case len(l.envs) > 0:
			label = "fleet (bootstrap/fleet.yaml)"
		}
		count := map[string]int{}
		var lines []string
		for _, c := range changes {
			if c.Group != g {
				continue
			}
			count[c.Op]++
			if len(lines) < maxChangesShown {
				mark := map[string]string{writer.Added: "+", writer.Removed: "-", writer.Changed: "~"}[c.Op]
				lines = append(lines, fmt.Sprintf("  %s %s (%s)", mark, c.Object, c.Path))
			}
		}
		n := count[writer.Added] + count[writer.Removed] + count[writer.Changed]
		if n == 0 {
			fmt.Fprintf(w, "krm-gen: %s: no change\n", label)
			continue
		}
		fmt.Fprintf(w, "krm-gen: %s: %d changed, %d added, %d removed\n", label, count[writer.Changed], count[writer.Added], count[writer.Removed])
		for _, line := range lines {
			fmt.Fprintln(w, line)
		}
		if n > len(lines) {
			fmt.Fprintf(w, "  ... and %d more\n", n-len(lines))
		}
	}
}

func verifyCmd(stdout, stderr io.Writer) *cobra.Command {
	return specCmd("verify -f SPEC -o DIR", "Exit 0 when DIR holds exactly what the spec renders, else 1 with a unified diff per environment", stderr,
		func(f specFlags, l loaded) error {
			diffs, err := writer.DiffFiles(f.out, l.files)
			if err != nil {
				return &exitError{ExitInvalid, fmt.Errorf("%s: %w", f.out, err)}
			}
			if len(diffs) == 0 {
				return nil
			}
			var stale []string
			last := "\x00"
			for _, d := range diffs {
				if g := l.environment(d.Path); len(l.envs) > 0 && g != last {
					last = g
					if g == "" {
						fmt.Fprintf(stdout, "# fleet bootstrap: %s/bootstrap is out of date\n", f.out)
						stale = append(stale, "the fleet bootstrap")
					} else {
						fmt.Fprintf(stdout, "# environment %s: %s/%s is out of date\n", g, f.out, g)
						stale = append(stale, "environment "+g)
					}
				}
				fmt.Fprint(stdout, d.Text)
			}
			what := f.out
			if len(stale) > 0 {
				what += " (" + strings.Join(stale, ", ") + ")"
			}
			return &exitError{ExitInvalid, fmt.Errorf("krm-gen: %s is out of date with %s; run 'make render' and commit the result", what, f.file)}
		})
}

// explainCmd prints an environment's merged spec with the origin of every value.
func explainCmd(stdout, stderr io.Writer) *cobra.Command {
	var file, env, app string
	cmd := &cobra.Command{
		Use:   "explain -f SPEC --env ENV [--app APP]",
		Short: "Print an environment's spec (the base with its overrides) and where each value comes from",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var missing []string
			if file == "" {
				missing = append(missing, "-f/--file")
			}
			if env == "" {
				missing = append(missing, "--env")
			}
			if len(missing) > 0 {
				return &exitError{ExitUsage, fmt.Errorf("missing required flag %s", strings.Join(missing, " and "))}
			}
			res, err := readSpec(file, stderr)
			if err != nil {
				return err
			}
			if _, ok := res.Spec.Spec.Environments[env]; !ok {
				return &exitError{ExitInvalid, fmt.Errorf("%s: no environment %q in spec.environments%s", file, env, envList(res.Spec))}
			}
			b, err := res.Spec.Explain(env, app)
			if err != nil {
				return &exitError{ExitInvalid, fmt.Errorf("%s: %w", file, err)}
			}
			_, err = stdout.Write(b)
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "Platform spec file (required)")
	cmd.Flags().StringVar(&env, "env", "", "environment of spec.environments (required)")
	cmd.Flags().StringVar(&app, "app", "", "print only this app and the routes that reach it")
	return cmd
}

func envList(p *schema.Platform) string {
	names := make([]string, 0, len(p.Spec.Environments))
	for n := range p.Spec.Environments {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return " (the spec has none)"
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

func schemaCmd(stdout io.Writer) *cobra.Command {
	var markdown bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the Platform spec (--markdown: the spec reference, docs/spec.md)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := schema.JSONSchema()
			if err != nil {
				return &exitError{ExitInvalid, err}
			}
			if markdown {
				if b, err = specdoc.Markdown(b); err != nil {
					return &exitError{ExitInvalid, err}
				}
			}
			_, err = stdout.Write(b)
			return err
		},
	}
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the spec reference in Markdown instead")
	return cmd
}
