package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/krm-gen/krm-gen/internal/invalidcases"
	"github.com/krm-gen/krm-gen/pkg/cli"
	"github.com/krm-gen/krm-gen/pkg/krmfn"
)

// snapshot reads every file under dir into a map, for before/after comparisons.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// seedOutput renders a valid spec into dir and adds a user file, so an invalid
// render has something to damage.
func seedOutput(t *testing.T, dir string) {
	t.Helper()
	var stderr bytes.Buffer
	if code := cli.Run([]string{"render", "-f", "testdata/golden/minimal/platform.yaml", "-o", dir}, nil, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("seeding %s: exit %d: %s", dir, code, stderr.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

var locPrefix = regexp.MustCompile(`^[^:]+(:\d+)?: `)

// TestInvalidSpecs runs every testdata/invalid spec through the CLI and the KRM
// function: both must fail with exactly the expected problems, and the CLI must
// leave an existing output directory byte-identical.
func TestInvalidSpecs(t *testing.T) {
	t.Chdir("../..")
	invalidcases.Run(t, "testdata/invalid", func(t *testing.T, c invalidcases.Case) {
		out := filepath.Join(t.TempDir(), "out")
		seedOutput(t, out)
		before := snapshot(t, out)
		var stdout, stderr bytes.Buffer
		code := cli.Run([]string{"render", "-f", c.Spec, "-o", out}, nil, &stdout, &stderr)
		if code != cli.ExitInvalid {
			t.Errorf("CLI exit code %d, want %d", code, cli.ExitInvalid)
		}
		if got, want := strings.TrimSpace(stderr.String()), strings.Join(c.Want, "\n"); got != want {
			t.Errorf("CLI stderr:\n%s\nwant:\n%s", got, want)
		}
		if after := snapshot(t, out); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("output directory changed by a failed render")
		}

		// The function path: same problems (without the CLI's summary line).
		data, _ := os.ReadFile(c.Spec)
		var node yaml.Node
		if err := yaml.Unmarshal(data, &node); err != nil || len(node.Content) == 0 || node.Content[0].Kind != yaml.MappingNode || bytes.Contains(data, []byte("\n---\n")) {
			return // not a single YAML object: cannot be a functionConfig
		}
		var wantFn []string
		for _, l := range c.Diagnostics() {
			if strings.Contains(l, ": warning: ") {
				continue
			}
			wantFn = append(wantFn, locPrefix.ReplaceAllString(l, ""))
		}
		gotFn, fnCode := runFunction(t, data)
		if fnCode != cli.ExitInvalid {
			t.Errorf("function exit code %d, want %d", fnCode, cli.ExitInvalid)
		}
		if strings.Join(gotFn, "\n") != strings.Join(wantFn, "\n") {
			t.Errorf("function results:\n%s\nwant:\n%s", strings.Join(gotFn, "\n"), strings.Join(wantFn, "\n"))
		}
	})
}

// runFunction runs krm-gen as a KRM function on a ResourceList carrying spec and
// returns its error results as "FIELD: MESSAGE" lines and the exit code.
func runFunction(t *testing.T, spec []byte) ([]string, int) {
	t.Helper()
	var in bytes.Buffer
	in.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n")
	for _, l := range strings.Split(strings.TrimRight(string(spec), "\n"), "\n") {
		in.WriteString("  " + l + "\n")
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run(nil, &in, &stdout, &stderr)
	rl, err := yaml.Parse(stdout.String())
	if err != nil {
		t.Fatalf("function output is not YAML: %v\n%s", err, stdout.String())
	}
	var results framework.Results
	if r := rl.Field("results"); r != nil {
		if err := r.Value.YNode().Decode(&results); err != nil {
			t.Fatal(err)
		}
	}
	if items, _ := rl.Pipe(yaml.Lookup("items")); items != nil && len(items.Content()) > 0 {
		t.Errorf("function emitted %d items for an invalid spec", len(items.Content()))
	}
	var lines []string
	for _, r := range results {
		if r.Severity != framework.Error {
			continue
		}
		l := r.Message
		if r.Field != nil && r.Field.Path != "" {
			l = r.Field.Path + ": " + l
		}
		if r.Tags[krmfn.LineTag] == "" && r.Field != nil {
			t.Errorf("result for %s has no line tag", r.Field.Path)
		}
		lines = append(lines, l)
	}
	return lines, code
}
