package scaffold_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestNewRepositoryFlow plays a new user's first steps in a repository of their own:
// krm-gen init, git init, make render, make verify, kustomize build (krusty, with the
// scaffolded exec wrapper running `go tool krm-gen`), a commit, and the pre-commit hook
// refusing a staged spec change whose out/ is not staged. The scaffolded go.mod
// replaces krm-gen with this checkout (nothing is published to resolve).
func TestNewRepositoryFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds krm-gen in a scaffolded module")
	}
	for _, tool := range []string{"git", "make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	root, _ := filepath.Abs("../..")
	bin := filepath.Join(t.TempDir(), "krm-gen")
	run(t, root, "go", "build", "-o", bin, "./cmd/krm-gen")
	dir := filepath.Join(t.TempDir(), "my-platform")
	t.Setenv("KRM_GEN_BIN", "") // the repository's own pin, not a binary from outside
	for k, v := range map[string]string{
		"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
		"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
		"GIT_CONFIG_GLOBAL": os.DevNull, "GIT_CONFIG_NOSYSTEM": "1",
	} {
		t.Setenv(k, v)
	}

	run(t, root, bin, "init", "--replace", root, dir)
	if out, err := command(root, bin, "init", "--replace", root, dir); err == nil || !strings.Contains(out, "refusing to overwrite") {
		t.Fatalf("a second init must refuse to overwrite: %v\n%s", err, out)
	}
	run(t, dir, "git", "init", "-q")
	run(t, dir, "make", "render")
	run(t, dir, "make", "verify")
	if _, err := os.Stat(filepath.Join(dir, "out", "bootstrap", "root-app.yaml")); err != nil {
		t.Fatalf("make render wrote no out/ tree: %v", err)
	}

	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	rm, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build --enable-alpha-plugins --enable-exec .: %v", err)
	}
	if n := len(rm.Resources()); n < 10 {
		t.Fatalf("kustomize build printed %d objects", n)
	}

	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "commit", "-q", "-m", "platform")

	spec := filepath.Join(dir, "platform.yaml")
	b, _ := os.ReadFile(spec)
	if err := os.WriteFile(spec, []byte(strings.Replace(string(b), "path: /hello", "path: /hi", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "git", "add", "platform.yaml")
	out, err := command(dir, "git", "commit", "-q", "-m", "spec only")
	if err == nil || !strings.Contains(out, "pre-commit: the staged out/ does not match") {
		t.Fatalf("the hook let a staged but unrendered spec change through: %v\n%s", err, out)
	}
	// Rendered in the working tree but not staged: still refused (the hook reads the index).
	run(t, dir, "make", "render")
	if out, err := command(dir, "git", "commit", "-q", "-m", "spec only"); err == nil {
		t.Fatalf("the hook checked the working tree, not the index:\n%s", out)
	}
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "commit", "-q", "-m", "spec and out/")
}

func command(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	if out, err := command(dir, name, args...); err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
}
