package modcache

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPinned(t *testing.T) {
	gomod := filepath.Join(t.TempDir(), "go.mod")
	data := "module x\n\nrequire (\n\tistio.io/istio v0.0.0-2026 // indirect\n\tistio.io/istio/x v1.0.0\n)\n\nrequire k8s.io/api v0.36.1\n"
	if err := os.WriteFile(gomod, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ module, want string }{
		{"istio.io/istio", "v0.0.0-2026"},
		{"k8s.io/api", "v0.36.1"},
		{"istio.io", ""}, // a prefix of a module is not the module
	} {
		got, err := Pinned(gomod, tc.module)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("Pinned(%s) = %q, %v; want %q", tc.module, got, err, tc.want)
		}
	}
}
