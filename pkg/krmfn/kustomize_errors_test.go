package krmfn_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKustomizeErrors runs `go tool kustomize build --enable-alpha-plugins
// --enable-exec` on broken specs and checks what kustomize prints: each problem as
// FILE:LINE: FIELD: MESSAGE at the line of the spec file (kustomize passes the
// function a re-serialized copy without its path), and a spec with environments
// without the annotation that picks one gets an error naming it.
func TestKustomizeErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kustomize")
	}
	root, _ := filepath.Abs("../..")
	bin := filepath.Join(t.TempDir(), "krm-gen")
	build := exec.Command("go", "build", "-o", bin, "./cmd/krm-gen")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	eks := read("blueprints/eks/platform.yaml")
	envs := strings.Replace(read("blueprints/eks-envs/platform.yaml"), "\nspec:\n",
		"\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ../../hack/krm-gen\nspec:\n", 1)
	cases := []struct {
		name, spec, marker, want string
	}{
		{"unknown app", strings.Replace(eks, "app: sample-app-1", "app: nope", 1), "app: nope",
			`platform.yaml:%d: spec.routes[0].app: no app with this name in spec.apps (got "nope")`},
		{"unknown field", strings.Replace(eks, "  gateway:\n", "  gatway:\n", 1), "  gatway:",
			`platform.yaml:%d: spec.gatway: unknown field (did you mean "gateway"?)`},
		{"environments without the annotation", envs, "    config.kubernetes.io/function:",
			"platform.yaml:%d: metadata.annotations[krm-gen.dev/environment]: required: the spec has environments (dev, prod)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := strings.Replace(c.spec, "path: ../../hack/krm-gen", "path: "+bin, 1)
			line := strings.Count(spec[:strings.Index(spec, c.marker)], "\n") + 1
			for name, content := range map[string]string{
				"platform.yaml":      spec,
				"kustomization.yaml": "generators:\n- platform.yaml\n",
			} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("go", "tool", "kustomize", "build", "--enable-alpha-plugins", "--enable-exec", dir)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("kustomize build succeeded:\n%s", out)
			}
			if want := fmt.Sprintf(c.want, line); !strings.Contains(string(out), want) {
				t.Errorf("kustomize printed:\n%s\nwant a line containing:\n%s", out, want)
			}
		})
	}
}
