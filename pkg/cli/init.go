package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/krm-gen/krm-gen/blueprints"
	"github.com/krm-gen/krm-gen/pkg/scaffold"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

func initCmd(stderr io.Writer) *cobra.Command {
	var o scaffold.Options
	var noTidy bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Scaffold a platform repository in DIR (default .): spec, kustomization, go.mod, Makefile, CI, pre-commit hook",
		Long: `Scaffold a platform repository in DIR (default: the current folder) that works as it is:

  platform.yaml                   a short valid spec (--provider eks|aks) or a blueprint (--from ` + strings.Join(blueprints.Names(), "|") + `)
  platform.schema.json            its JSON Schema (the spec's modeline names it; make render refreshes it)
  kustomization.yaml, hack/krm-gen  kustomize build --enable-alpha-plugins --enable-exec . runs krm-gen
  go.mod                          pins krm-gen and kustomize as tools (go tool krm-gen, go tool kustomize)
  Makefile                        render, verify, build, hooks
  .github/workflows/verify.yaml   make verify on every pull request
  .githooks/pre-commit            refuses a commit whose staged out/ does not match the staged spec
  .gitignore

It refuses to overwrite any file, and runs 'go mod tidy' in DIR (unless --no-tidy).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if o.Version == "" {
				if v := version(); strings.HasPrefix(v, "v") {
					o.Version = v
				}
			}
			o.GoVersion = goDirective(runtime.Version())
			var err error
			if o.Schema, err = schema.JSONSchema(); err != nil {
				return &exitError{ExitInvalid, err}
			}
			files, err := scaffold.Files(absDir(dir), o)
			if err != nil {
				return &exitError{ExitUsage, err}
			}
			if err := scaffold.Write(dir, files); err != nil {
				return &exitError{ExitInvalid, fmt.Errorf("krm-gen init: %w", err)}
			}
			fmt.Fprintf(stderr, "krm-gen: scaffolded %d files in %s\n", len(files), dir)
			if !noTidy {
				tidy := exec.Command("go", "mod", "tidy")
				tidy.Dir, tidy.Stdout, tidy.Stderr = dir, stderr, stderr
				if err := tidy.Run(); err != nil {
					return &exitError{ExitInvalid, fmt.Errorf("krm-gen init: go mod tidy in %s: %w (the files are written; fix go.mod and run it again)", dir, err)}
				}
			}
			fmt.Fprintf(stderr, "next: cd %s && git init -q && make render && git add -A && git commit -m 'platform'\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Provider, "provider", "", "starting spec for this provider: "+strings.Join(scaffold.Providers(), ", ")+" (default eks)")
	cmd.Flags().StringVar(&o.From, "from", "", "start from this blueprint: "+strings.Join(blueprints.Names(), ", "))
	cmd.Flags().StringVar(&o.Name, "name", "", "platform name (default: from DIR)")
	cmd.Flags().StringVar(&o.Module, "module", "", "go.mod module path (default: the platform name)")
	cmd.Flags().StringVar(&o.Version, "krm-gen-version", "", "krm-gen version go.mod requires (default: this binary's)")
	cmd.Flags().StringVar(&o.Replace, "replace", "", "path of a krm-gen checkout go.mod uses instead (development builds)")
	cmd.Flags().BoolVar(&noTidy, "no-tidy", false, "do not run 'go mod tidy'")
	return cmd
}

var releaseVersion = regexp.MustCompile(`^go(1\.\d+(\.\d+)?)$`)

// goDirective is the go line of the scaffolded go.mod: the Go release krm-gen was built
// with, or the oldest krm-gen supports for a development toolchain.
func goDirective(runtimeVersion string) string {
	if m := releaseVersion.FindStringSubmatch(runtimeVersion); m != nil {
		return m[1]
	}
	return "1.26.8"
}

func absDir(dir string) string {
	if dir == "." {
		if wd, err := os.Getwd(); err == nil {
			return wd
		}
	}
	return dir
}
