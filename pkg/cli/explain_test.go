package cli_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aymanbagabas/go-udiff"

	"github.com/krm-gen/krm-gen/pkg/cli"
)

var update = flag.Bool("update", false, "rewrite the explain golden files")

// TestExplainGolden: `krm-gen explain` prints an environment's merged spec with the
// origin of every value; testdata/explain/<case>.txt is its exact output
// (`go test ./pkg/cli -run Explain -update` rewrites them; read the diff).
func TestExplainGolden(t *testing.T) {
	t.Chdir("../..")
	tests := []struct {
		name string
		args []string
	}{
		{"eks-envs-prod", []string{"-f", "blueprints/eks-envs/platform.yaml", "--env", "prod"}},
		{"eks-envs-dev-podinfo", []string{"-f", "blueprints/eks-envs/platform.yaml", "--env", "dev", "--app", "podinfo"}},
		{"environments-prod-shop", []string{"-f", "testdata/features/argocd-environments/platform.yaml", "--env", "prod", "--app", "shop"}},
		{"environments-dev-podinfo", []string{"-f", "testdata/features/argocd-environments/platform.yaml", "--env", "dev", "--app", "podinfo"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := cli.Run(append([]string{"explain"}, tc.args...), nil, &stdout, &stderr); code != cli.ExitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			golden := filepath.Join("testdata", "explain", tc.name+".txt")
			if *update {
				if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./pkg/cli -run Explain -update` and read the diff)", err)
			}
			if got := stdout.String(); got != string(want) {
				t.Errorf("explain output differs:\n%s", udiff.Unified(golden, "explain", string(want), got))
			}
		})
	}
}

func TestExplainMistakes(t *testing.T) {
	t.Chdir("../..")
	tests := []struct {
		name, want string
		args       []string
		code       int
	}{
		{"no env flag", "missing required flag --env", []string{"-f", "blueprints/eks-envs/platform.yaml"}, cli.ExitUsage},
		{"unknown environment", `no environment "qa" in spec.environments (known: dev, prod)`, []string{"-f", "blueprints/eks-envs/platform.yaml", "--env", "qa"}, cli.ExitInvalid},
		{"unknown app", `environment prod has no app "shpo" (did you mean "shop"?)`, []string{"-f", "blueprints/eks-envs/platform.yaml", "--env", "prod", "--app", "shpo"}, cli.ExitInvalid},
		{"dropped app", `environment prod has no app "podinfo-canary"`, []string{"-f", "testdata/features/argocd-environments/platform.yaml", "--env", "prod", "--app", "podinfo-canary"}, cli.ExitInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := cli.Run(append([]string{"explain"}, tc.args...), nil, &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}
