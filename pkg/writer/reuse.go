package writer

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
)

// reusable reports, for each of paths, whether dir already holds that file exactly as a
// fresh write would leave it: listed in the manifest, a regular file with the same
// bytes, the permissions a new file gets, owned by this user and with no other hard
// link. Such a file can be hard-linked into the new tree instead of written again.
func reusable(dir string, old existing, paths []string, files map[string][]byte) []bool {
	reuse := make([]bool, len(paths))
	mask, ok := umask()
	if !old.exists || !ok {
		return reuse
	}
	perm := 0o644 &^ mask
	gen := make(map[string]bool, len(old.generated))
	for _, p := range old.generated {
		gen[p] = true
	}
	eachFile(len(paths), func(i int) {
		p := paths[i]
		reuse[i] = gen[p] && sameFile(filepath.Join(dir, filepath.FromSlash(p)), files[p], perm)
	})
	return reuse
}

// eachFile calls f(0) ... f(n-1), a few at a time: reading a file is cheap but a
// syscall per step, and a few readers overlap the waits. Each i is called once.
func eachFile(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, 2*runtime.GOMAXPROCS(0)+2) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// eachFileErr is eachFile for steps that can fail: once one has failed no further
// step starts, and of the steps that ran and failed, the lowest one's error is
// returned.
func eachFileErr(n int, f func(i int) error) error {
	errs := make([]error, n)
	var failed atomic.Bool
	eachFile(n, func(i int) {
		if !failed.Load() {
			if errs[i] = f(i); errs[i] != nil {
				failed.Store(true)
			}
		}
	})
	return firstErr(errs)
}

// firstErr is the first non-nil error of errs, or nil.
func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sameFile reports whether full is a file Write could have just written with data.
func sameFile(full string, data []byte, perm fs.FileMode) bool {
	fi, err := os.Lstat(full)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != perm || fi.Size() != int64(len(data)) || !ownedAndSingleLink(fi) {
		return false
	}
	got, err := os.ReadFile(full)
	return err == nil && bytes.Equal(got, data)
}

// unchangedTree reports whether writing paths into dir would leave it exactly as it
// is (same files, bytes, folders and permissions), so Write can skip the swap.
func unchangedTree(dir string, old existing, paths []string, reuse []bool) bool {
	mask, ok := umask()
	if !old.exists || !ok {
		return false
	}
	for _, r := range reuse {
		if !r {
			return false
		}
	}
	// The same manifest, so the same generated files and none to remove ...
	if !sameFile(filepath.Join(dir, ManifestName), manifestBytes(paths), 0o644&^mask) {
		return false
	}
	// ... and the same folders: the output folder as Write leaves it (0755), and exactly
	// the parents of generated and carried-over files, as os.MkdirAll makes them.
	want := map[string]bool{".": true}
	for _, list := range [][]string{paths, old.user} {
		for _, p := range list {
			for d := path.Dir(p); !want[d]; d = path.Dir(d) {
				want[d] = true
			}
		}
	}
	if len(old.dirs) != len(want) {
		return false
	}
	for d, perm := range old.dirs {
		wantPerm := fs.FileMode(0o755) &^ mask
		if d == "." {
			wantPerm = 0o755 // Write sets the output folder's mode explicitly
		}
		if !want[d] || perm != wantPerm {
			return false
		}
	}
	return true
}
