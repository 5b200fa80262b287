package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/cli"
)

// TestPromoteATag is the README's promotion workflow: one line of the spec changes
// prod's shop image; render says what changed in which environment, and verify
// (before the render) names the environment in its diff.
func TestPromoteATag(t *testing.T) {
	t.Chdir("../..")
	out := filepath.Join(t.TempDir(), "out")
	spec, err := os.ReadFile("blueprints/eks-envs/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	promoted := filepath.Join(t.TempDir(), "platform.yaml")
	edited := strings.Replace(string(spec), "shop: {image: ghcr.io/acme/shop:1.4.2,", "shop: {image: ghcr.io/acme/shop:1.5.0,", 1)
	if edited == string(spec) {
		t.Fatal("the blueprint no longer sets prod's shop image as the test expects")
	}
	if err := os.WriteFile(promoted, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := cli.Run(args, nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, _, stderr := run("render", "-f", "blueprints/eks-envs/platform.yaml", "-o", out); code != 0 || !strings.Contains(stderr, "environment prod: 0 changed, ") {
		t.Fatalf("first render: exit %d: %s", code, stderr)
	}

	code, stdout, stderr := run("verify", "-f", promoted, "-o", out)
	if code != cli.ExitInvalid {
		t.Errorf("verify: exit %d, want 1", code)
	}
	for _, want := range []string{"# environment prod: " + out + "/prod is out of date\n", "-        image: ghcr.io/acme/shop:1.4.2", "+        image: ghcr.io/acme/shop:1.5.0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("verify stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "environment dev") || !strings.Contains(stderr, "(environment prod) is out of date") {
		t.Errorf("verify: stdout:\n%s\nstderr: %s", stdout, stderr)
	}

	_, _, stderr = run("render", "-f", promoted, "-o", out)
	for _, want := range []string{
		"krm-gen: fleet (bootstrap/fleet.yaml): no change\n",
		"krm-gen: environment dev: no change\n",
		"krm-gen: environment prod: 1 changed, 0 added, 0 removed\n  ~ Deployment shop/shop (prod/workloads/shop.yaml)\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("render stderr lacks %q:\n%s", want, stderr)
		}
	}
}
