package scaffold_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/blueprints"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/scaffold"
)

func opts(o scaffold.Options) scaffold.Options {
	o.Version, o.GoVersion, o.Schema = "v0.1.0", "1.26.8", []byte("{}\n")
	return o
}

// TestStartingSpecsAreValid: every starting spec (each provider, each blueprint) is a
// valid spec that renders into out/ and names the exec wrapper and the schema beside it.
func TestStartingSpecsAreValid(t *testing.T) {
	cases := map[string]scaffold.Options{}
	for _, p := range scaffold.Providers() {
		cases["provider "+p] = scaffold.Options{Provider: p}
	}
	for _, b := range blueprints.Names() {
		cases["from "+b] = scaffold.Options{From: b}
	}
	cases["default"] = scaffold.Options{}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			files, err := scaffold.Files("/x/my-platform", opts(o))
			if err != nil {
				t.Fatal(err)
			}
			spec := file(t, files, "platform.yaml")
			for _, want := range []string{"# yaml-language-server: $schema=platform.schema.json\n", "path: ./hack/krm-gen\n", "    path: out\n"} {
				if !strings.Contains(spec, want) {
					t.Errorf("platform.yaml lacks %q", want)
				}
			}
			if strings.Contains(spec, "../") {
				t.Errorf("platform.yaml points outside the repository:\n%s", spec)
			}
			res := pipeline.Load([]byte(spec), "platform.yaml")
			if !res.Valid() {
				t.Fatalf("starting spec is invalid:\n%v\n%s", res.Diagnostics, spec)
			}
			if len(res.Trees) > 1 && !strings.Contains(spec, "krm-gen.dev/environment: ") {
				t.Error("a spec with environments needs the krm-gen.dev/environment annotation for kustomize")
			}
		})
	}
}

func file(t *testing.T, files []scaffold.File, p string) string {
	t.Helper()
	for _, f := range files {
		if f.Path == p {
			return string(f.Content)
		}
	}
	t.Fatalf("no %s scaffolded", p)
	return ""
}

func TestFilesErrors(t *testing.T) {
	cases := []struct {
		name string
		o    scaffold.Options
		want string
	}{
		{"provider and blueprint", opts(scaffold.Options{Provider: "aks", From: "eks"}), "exclude each other"},
		{"unknown provider", opts(scaffold.Options{Provider: "gke"}), `unknown provider "gke"`},
		{"unknown blueprint", opts(scaffold.Options{From: "nope"}), `no blueprint "nope"`},
		{"dev build without replace", scaffold.Options{GoVersion: "1.26.8"}, "--replace"},
		{"replace is no module", scaffold.Options{GoVersion: "1.26.8", Replace: "/nonexistent"}, "not a Go module"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := scaffold.Files("/x/p", c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestGoModPinsTools(t *testing.T) {
	files, err := scaffold.Files("/x/p", opts(scaffold.Options{Module: "example.com/acme/platform"}))
	if err != nil {
		t.Fatal(err)
	}
	gomod := file(t, files, "go.mod")
	for _, want := range []string{"module example.com/acme/platform\n", "go 1.26.8\n", "\tgithub.com/krm-gen/krm-gen/cmd/krm-gen\n", "\tsigs.k8s.io/kustomize/kustomize/v5\n", "require github.com/krm-gen/krm-gen v0.1.0\n"} {
		if !strings.Contains(gomod, want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	if strings.Contains(gomod, "replace") {
		t.Errorf("go.mod replaces without --replace:\n%s", gomod)
	}
}

func TestWriteRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	files, err := scaffold.Files(dir, opts(scaffold.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = scaffold.Write(dir, files)
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") || !strings.Contains(err.Error(), "Makefile") {
		t.Fatalf("Write over an existing Makefile: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("Write wrote files although it refused: %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "Makefile")); string(b) != "mine\n" {
		t.Errorf("Makefile changed: %q", b)
	}
}

func TestNameFrom(t *testing.T) {
	for in, want := range map[string]string{
		"my-platform": "my-platform", "My_Platform": "my-platform", "42shop": "shop",
		".": "platform", "a-very-long-platform-name-indeed": "a-very-long-platform",
	} {
		if got := scaffold.NameFrom(in); got != want {
			t.Errorf("NameFrom(%q) = %q, want %q", in, got, want)
		}
	}
}
