package writer

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Skip("no inode numbers here")
	}
	return st.Ino
}

// TestRewriteReusesUnchangedFiles: unchanged files are hard-linked (same inode) and
// changed ones written anew; the tree is exactly what a fresh write gives.
func TestRewriteReusesUnchangedFiles(t *testing.T) {
	if _, ok := umask(); !ok {
		t.Skip("umask unknown: every file is written")
	}
	dir := filepath.Join(t.TempDir(), "out")
	v3 := map[string][]byte{"a/one.yaml": []byte("one: 1\n"), "b/two.yaml": []byte("two: 22\n")}
	mustWrite(t, dir, v1)
	one, two := inode(t, filepath.Join(dir, "a/one.yaml")), inode(t, filepath.Join(dir, "b/two.yaml"))
	mustWrite(t, dir, v3)
	if inode(t, filepath.Join(dir, "a/one.yaml")) != one {
		t.Error("unchanged a/one.yaml was written again")
	}
	if inode(t, filepath.Join(dir, "b/two.yaml")) == two {
		t.Error("changed b/two.yaml kept its old inode")
	}
	if got, want := fmt.Sprint(tree(t, dir)), fmt.Sprint(tree(t, newTree(t, v3))); got != want {
		t.Fatalf("tree %s, want %s", got, want)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a/one.yaml")); fi.Sys().(*syscall.Stat_t).Nlink != 1 {
		t.Error("the old tree still shares a/one.yaml")
	}
	assertNoTemp(t, dir)
}

// TestUnchangedTreeIsLeftAlone: writing the same files again changes nothing on
// disk, unless something a write would fix differs.
func TestUnchangedTreeIsLeftAlone(t *testing.T) {
	if _, ok := umask(); !ok {
		t.Skip("umask unknown: every file is written")
	}
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, dir string)
		rewrite bool
	}{
		{name: "identical", tamper: func(*testing.T, string) {}},
		{name: "user file kept", tamper: func(t *testing.T, dir string) { addFile(t, dir, "b/mine.md", "mine") }},
		{name: "edited generated file", rewrite: true, tamper: func(t *testing.T, dir string) { addFile(t, dir, "a/one.yaml", "one: 2\n") }},
		{name: "generated file chmod", rewrite: true, tamper: func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, "a/one.yaml"), 0o600) }},
		{name: "folder chmod", rewrite: true, tamper: func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, "b"), 0o700) }},
		{name: "output folder chmod", rewrite: true, tamper: func(t *testing.T, dir string) { os.Chmod(dir, 0o700) }},
		{name: "empty folder", rewrite: true, tamper: func(t *testing.T, dir string) { os.Mkdir(filepath.Join(dir, "empty"), 0o755) }},
		{name: "manifest edited", rewrite: true, tamper: func(t *testing.T, dir string) {
			addFile(t, dir, ManifestName, manifestHeader+"a/one.yaml\nb/two.yaml\n\n")
		}},
		{name: "hard link elsewhere", rewrite: true, tamper: func(t *testing.T, dir string) {
			os.Link(filepath.Join(dir, "a/one.yaml"), filepath.Join(filepath.Dir(dir), "elsewhere"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			mustWrite(t, dir, v1)
			tc.tamper(t, dir)
			root, manifest := inode(t, dir), inode(t, filepath.Join(dir, ManifestName))
			rep, err := Write(dir, v1, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Written != len(v1) || len(rep.Removed) > 0 {
				t.Errorf("report %+v", rep)
			}
			left := inode(t, dir) == root && inode(t, filepath.Join(dir, ManifestName)) == manifest
			if left == tc.rewrite {
				t.Errorf("tree left in place = %v, want %v", left, !tc.rewrite)
			}
			ref := newTree(t, v1)
			if tc.name == "user file kept" {
				addFile(t, ref, "b/mine.md", "mine")
			}
			if got, want := fmt.Sprint(tree(t, dir)), fmt.Sprint(tree(t, ref)); got != want {
				t.Fatalf("tree %s, want %s", got, want)
			}
			if _, err := os.Stat(filepath.Join(dir, "empty")); err == nil {
				t.Error("empty folder survived a write")
			}
			for _, p := range []string{".", "a", "b", "a/one.yaml", ManifestName} {
				got, _ := os.Stat(filepath.Join(dir, p))
				want, _ := os.Stat(filepath.Join(ref, p))
				if got.Mode() != want.Mode() {
					t.Errorf("%s: mode %v, want %v", p, got.Mode(), want.Mode())
				}
			}
			assertNoTemp(t, dir)
		})
	}
}

// TestEachFileErr: every step runs once (never twice), all of them when none fails;
// on failures the error of a failed step is returned.
func TestEachFileErr(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		fail   map[int]bool
		want   string
		runAll bool
	}{
		{name: "none", n: 0, runAll: true},
		{name: "all succeed", n: 500, runAll: true},
		{name: "one fails", n: 500, fail: map[int]bool{7: true}, want: "step 7"},
		{name: "one of several", n: 500, fail: map[int]bool{3: true, 4: true, 5: true}, want: "step 3|step 4|step 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran := make([]int32, tc.n)
			err := eachFileErr(tc.n, func(i int) error {
				ran[i]++
				if tc.fail[i] {
					return fmt.Errorf("step %d", i)
				}
				return nil
			})
			if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && !slices.Contains(strings.Split(tc.want, "|"), got)) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			total := 0
			for i, r := range ran {
				if r > 1 {
					t.Fatalf("step %d ran %d times", i, r)
				}
				total += int(r)
			}
			if tc.runAll && total != tc.n {
				t.Fatalf("%d of %d steps ran", total, tc.n)
			}
		})
	}
}
