package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/cli"
)

// TestMain keeps the tests' render records out of the user's cache folder.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "krm-gen-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("KRM_GEN_CACHE_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestRenderCache: a render that changes nothing is recorded, and the next one with
// the same spec prints what it printed without rendering; a hand-edited file of the
// tree makes the render run again and restore it.
func TestRenderCache(t *testing.T) {
	cacheDir := t.TempDir()
	t.Setenv("KRM_GEN_CACHE_DIR", cacheDir)
	records := func() []string {
		m, _ := filepath.Glob(filepath.Join(cacheDir, "*.json"))
		return m
	}
	spec := "../../blueprints/eks/platform.yaml"
	out := filepath.Join(t.TempDir(), "eks")
	run := func() string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := cli.Run([]string{"render", "-f", spec, "-o", out}, strings.NewReader(""), &stdout, &stderr); code != cli.ExitOK {
			t.Fatalf("render: exit %d\n%s", code, stderr.String())
		}
		return stderr.String()
	}
	run()              // fresh: written, not recorded
	unchanged := run() // unchanged: recorded
	if !strings.Contains(unchanged, ": no change") {
		t.Fatalf("second render changed something:\n%s", unchanged)
	}
	gateway := filepath.Join(out, "gateway", "gateway.yaml")
	before, err := os.Stat(gateway)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(); got != unchanged {
		t.Errorf("the recorded render prints\n%s\nwant what the unchanged render printed\n%s", got, unchanged)
	}
	// The answer comes from the record: mark the recorded output and see it printed.
	rec := records()
	if len(rec) != 1 {
		t.Fatalf("records %v, want one", rec)
	}
	data, _ := os.ReadFile(rec[0])
	var r map[string]any
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	r["output"] = []byte("from the record\n")
	data, _ = json.Marshal(r)
	if err := os.WriteFile(rec[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := run(); got != "from the record\n" {
		t.Fatalf("third render printed\n%s\nwant the record's output", got)
	}
	if after, _ := os.Stat(gateway); !after.ModTime().Equal(before.ModTime()) {
		t.Error("the recorded render touched the tree")
	}
	// A hand edit: the render runs and puts the file back.
	want, _ := os.ReadFile(gateway)
	if err := os.WriteFile(gateway, append(want, []byte("# edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run(); !strings.Contains(got, "1 changed") {
		t.Errorf("render after a hand edit:\n%s\nwant the edit undone (1 changed)", got)
	}
	if got, _ := os.ReadFile(gateway); !bytes.Equal(got, want) {
		t.Error("the hand-edited file is not restored")
	}
	if rec := records(); len(rec) != 0 {
		t.Errorf("a render that changed the tree left its record: %v", rec)
	}
	// KRM_GEN_CACHE=off: always rendered.
	run()
	t.Setenv("KRM_GEN_CACHE", "off")
	if got := run(); got != unchanged {
		t.Errorf("uncached render prints\n%s\nwant\n%s", got, unchanged)
	}
}
