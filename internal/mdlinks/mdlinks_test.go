package mdlinks_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/internal/mdlinks"
)

// TestRepositoryLinks checks every relative link of every Markdown file of the
// repository (generated out/**/README.md included).
func TestRepositoryLinks(t *testing.T) {
	root, _ := filepath.Abs("../..")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && p != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		n++
		problems, err := mdlinks.Check(root, p)
		if err != nil {
			return err
		}
		for _, pr := range problems {
			t.Error(strings.TrimPrefix(pr, root+string(filepath.Separator)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Fatalf("found %d Markdown files", n)
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"Three ways to run it":                   "three-ways-to-run-it",
		"The out/ tree":                          "the-out-tree",
		"Layers 1-2":                             "layers-1-2",
		"Apps: inline, Helm charts, git folders": "apps-inline-helm-charts-git-folders",
		"`krm-gen init`":                         "krm-gen-init",
	} {
		if got := mdlinks.Anchor(in); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("docs/a.md", "# A\n\n## Two words\n")
	write("README.md", "# R\n"+
		"[ok](docs/a.md) [ok](docs/a.md#two-words) [ok](#r) [web](https://example.com/x)\n"+
		"[gone](docs/b.md) [frag](docs/a.md#three) [out](../x.md) [abs](/etc/passwd)\n"+
		"`[code](nope.md)`\n```\n[fenced](nope.md)\n```\n")
	got, err := mdlinks.Check(root, filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = strings.TrimPrefix(got[i], root+"/")
	}
	want := []string{
		"README.md: link docs/b.md: no such file",
		"README.md: link docs/a.md#three: no heading with anchor #three",
		"README.md: link ../x.md leaves the repository",
		"README.md: link /etc/passwd is absolute: use a path relative to the file",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
