package rendercache

import (
	"os"
	"path/filepath"
	"testing"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLookup: a record answers only for its key and only while every file of the
// tree is as recorded.
func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, tree string)
		key    string
		hit    bool
	}{
		{"as recorded", func(*testing.T, string) {}, "k", true},
		{"another key (spec or binary)", func(*testing.T, string) {}, "other", false},
		{"a file edited", func(t *testing.T, tree string) { writeTree(t, tree, map[string]string{"a/x.yaml": "kind: B\n"}) }, "k", false},
		{"a file added", func(t *testing.T, tree string) { writeTree(t, tree, map[string]string{"new.yaml": "x"}) }, "k", false},
		{"a file deleted", func(t *testing.T, tree string) {
			if err := os.Remove(filepath.Join(tree, "b.yaml")); err != nil {
				t.Fatal(err)
			}
		}, "k", false},
		{"the tree gone", func(t *testing.T, tree string) { os.RemoveAll(tree) }, "k", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Cache{Dir: t.TempDir()}
			tree := filepath.Join(t.TempDir(), "out")
			writeTree(t, tree, map[string]string{"a/x.yaml": "kind: A\n", "b.yaml": "kind: C\n"})
			if _, hit := c.Lookup("k", tree); hit {
				t.Fatal("a hit without a record")
			}
			if err := c.Store("k", tree, []byte("printed\n")); err != nil {
				t.Fatal(err)
			}
			tc.change(t, tree)
			out, hit := c.Lookup(tc.key, tree)
			if hit != tc.hit {
				t.Fatalf("hit %v, want %v", hit, tc.hit)
			}
			if hit && string(out) != "printed\n" {
				t.Errorf("output %q, want what the render printed", out)
			}
			c.Forget(tree)
			if _, hit := c.Lookup("k", tree); hit {
				t.Error("a hit after Forget")
			}
		})
	}
}

// TestNoCache: the zero Cache records nothing; KRM_GEN_CACHE=off is it.
func TestNoCache(t *testing.T) {
	tree := t.TempDir()
	writeTree(t, tree, map[string]string{"a.yaml": "x"})
	var c Cache
	if err := c.Store("k", tree, nil); err != nil {
		t.Fatal(err)
	}
	if _, hit := c.Lookup("k", tree); hit {
		t.Error("the zero Cache answered")
	}
	t.Setenv("KRM_GEN_CACHE", "off")
	if FromEnv().Dir != "" {
		t.Error("KRM_GEN_CACHE=off gives a cache")
	}
	t.Setenv("KRM_GEN_CACHE", "")
	t.Setenv("KRM_GEN_CACHE_DIR", "/some/where")
	if FromEnv().Dir != "/some/where" {
		t.Error("KRM_GEN_CACHE_DIR is not the cache")
	}
}

// TestKey: the spec's bytes, its path and the output folder are in the key.
func TestKey(t *testing.T) {
	base, err := Key("a.yaml", []byte("spec"), "out/a")
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range [][3]string{{"a.yaml", "spec2", "out/a"}, {"b.yaml", "spec", "out/a"}, {"a.yaml", "spec", "out/b"}} {
		k, err := Key(other[0], []byte(other[1]), other[2])
		if err != nil {
			t.Fatal(err)
		}
		if k == base {
			t.Errorf("Key%v = Key(a.yaml, spec, out/a)", other)
		}
	}
	if again, _ := Key("a.yaml", []byte("spec"), "out/a"); again != base {
		t.Error("the same render has another key")
	}
}
