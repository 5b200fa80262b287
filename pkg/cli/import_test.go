package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/cli"
)

// TestImportExitCodes runs `krm-gen import` as users do: exit codes as the other
// subcommands, and nothing written unless the import succeeds.
func TestImportExitCodes(t *testing.T) {
	t.Chdir("../..")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("kind: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		stdin    string
		code     int
		inStderr string
		writes   bool
	}{
		{"no path", []string{"import"}, "", cli.ExitUsage, "import needs at least one PATH", false},
		{"unknown flag", []string{"import", "--strikt", "x"}, "", cli.ExitUsage, "unknown flag: --strikt", false},
		{"missing path", []string{"import", "nope/"}, "", cli.ExitInvalid, "nope/: no such file or directory", false},
		{"not YAML", []string{"import", bad}, "", cli.ExitInvalid, bad + ":1: not YAML", false},
		{"krm-gen tree", []string{"import", "out/eks"}, "", cli.ExitOK, "0 not carried over, 0 differences", true},
		{"strict with losses", []string{"import", "--strict", "testdata/import/multi-document/input"}, "", cli.ExitInvalid, "--strict:", false},
		{"without --strict", []string{"import", "testdata/import/multi-document/input"}, "", cli.ExitOK, "Not carried over", true},
		{"stdin", []string{"import", "-"}, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", cli.ExitInvalid, "<stdin>:1: Service s: no metadata.namespace", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "platform.yaml")
			var stdout, stderr bytes.Buffer
			code := cli.Run(append(tc.args, "-o", out), strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.inStderr, stderr.String())
			}
			if _, err := os.Stat(out); (err == nil) != tc.writes {
				t.Errorf("%s written: %v, want %v", out, err == nil, tc.writes)
			}
		})
	}
}
