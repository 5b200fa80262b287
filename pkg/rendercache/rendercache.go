// Package rendercache lets `krm-gen render` skip a render that cannot change anything:
// the same spec bytes, rendered by the same krm-gen binary into a tree that still holds,
// byte for byte, what the last unchanged render left there. A record (outside the tree,
// in the user's cache folder) keeps the key, a SHA-256 of every file of the tree and
// what that render printed; a lookup hashes every file again, so a hand-edited, added or
// deleted file makes the render run. Renders are deterministic (same spec, same
// binary, same bytes), which is what makes the skip exact.
package rendercache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// format is bumped when the record or the key changes meaning.
const format = "krm-gen render cache 1"

// Cache is where records are kept; the zero Cache (Dir "") keeps none.
type Cache struct{ Dir string }

// FromEnv is the cache of this user: $KRM_GEN_CACHE_DIR, else <user cache>/krm-gen/render;
// none when KRM_GEN_CACHE=off or no cache folder is known.
func FromEnv() Cache {
	if os.Getenv("KRM_GEN_CACHE") == "off" {
		return Cache{}
	}
	if d := os.Getenv("KRM_GEN_CACHE_DIR"); d != "" {
		return Cache{Dir: d}
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return Cache{}
	}
	return Cache{Dir: filepath.Join(d, "krm-gen", "render")}
}

// record is what an unchanged render left: its key, the tree's files and its output.
type record struct {
	Format string            `json:"format"`
	Key    string            `json:"key"`
	Files  map[string]string `json:"files"` // path relative to the tree -> SHA-256, hex
	Output []byte            `json:"output"`
}

// Key identifies a render: the spec (its path and bytes), the output folder and the
// running binary (its path, size and modification time: a rebuilt krm-gen is
// another key). It fails when the binary cannot be found; then nothing is cached.
func Key(specPath string, spec []byte, outDir string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	st, err := os.Stat(exe)
	if err != nil {
		return "", err
	}
	absSpec, err := filepath.Abs(specPath)
	if err != nil {
		return "", err
	}
	absOut, err := filepath.Abs(outDir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%s\x00%s\x00%d\x00", format, exe, st.Size(), st.ModTime().UnixNano(), absSpec, absOut, len(spec))
	h.Write(spec)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// file is the record's file for a tree.
func (c Cache) file(outDir string) (string, bool) {
	if c.Dir == "" {
		return "", false
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:16])+".json"), true
}

// Lookup returns what the render printed when the record for outDir has this key and
// every file of the tree is as recorded (no file more, none less); ok is false
// otherwise, and the caller renders.
func (c Cache) Lookup(key, outDir string) (output []byte, ok bool) {
	f, ok := c.file(outDir)
	if !ok {
		return nil, false
	}
	data, err := os.ReadFile(f)
	if err != nil {
		return nil, false
	}
	var r record
	if json.Unmarshal(data, &r) != nil || r.Format != format || r.Key != key {
		return nil, false
	}
	now, err := hashTree(outDir)
	if err != nil || len(now) != len(r.Files) {
		return nil, false
	}
	for p, sum := range r.Files {
		if now[p] != sum {
			return nil, false
		}
	}
	return r.Output, true
}

// Store records an unchanged render of outDir: its key, the tree's files as they are
// now and what it printed.
func (c Cache) Store(key, outDir string, output []byte) error {
	f, ok := c.file(outDir)
	if !ok {
		return nil
	}
	files, err := hashTree(outDir)
	if err != nil {
		return err
	}
	data, err := json.Marshal(record{Format: format, Key: key, Files: files, Output: output})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f), ".record-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), f) // readers see the old record or the new one
}

// Forget removes the record of outDir (a render that changed the tree).
func (c Cache) Forget(outDir string) {
	if f, ok := c.file(outDir); ok {
		os.Remove(f)
	}
}

// hashTree hashes every regular file under dir, a few at a time; anything else (a
// symlink, a device) fails, so that such a tree is always rendered.
func hashTree(dir string) (map[string]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return errors.New(p + ": not a regular file")
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	sums := make([]string, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(len(paths), 2*runtime.GOMAXPROCS(0)+2) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(paths[i])))
				sum := sha256.Sum256(data)
				sums[i], errs[i] = hex.EncodeToString(sum[:]), err
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	out := make(map[string]string, len(paths))
	for i, p := range paths {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[p] = sums[i]
	}
	return out, nil
}

// Tee copies what a command prints into a buffer beside its writer.
type Tee struct {
	W   interface{ Write([]byte) (int, error) }
	Buf bytes.Buffer
}

// Write writes p to both.
func (t *Tee) Write(p []byte) (int, error) {
	t.Buf.Write(p)
	return t.W.Write(p)
}
