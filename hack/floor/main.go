// Command floor measures what the machine can do at all with a rendered tree, for
// hack/bench.sh: the floors krm-gen's render is compared with (BENCHMARKS.md).
//
//	floor read DIR       read every file under DIR (the least an unchanged render does)
//	floor write SRC DST  write the files of SRC, read into memory first, into the new
//	                     folder DST (the least a render into a new folder does)
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "read":
		_, err := readTree(args[1])
		return err
	case len(args) == 3 && args[0] == "write":
		files, err := readTree(args[1])
		if err != nil {
			return err
		}
		return writeTree(args[2], files)
	}
	return fmt.Errorf("usage: floor read DIR | floor write SRC DST")
}

// file is one regular file of a tree: its path relative to the tree and its bytes.
type file struct {
	rel  string
	data []byte
}

// readTree reads every regular file under dir, in walk order: the walk first, then
// the files a few at a time (as krm-gen's writer reads the tree it compares with).
func readTree(dir string) ([]file, error) {
	var files []file
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, file{rel: rel})
		return err
	})
	if err != nil {
		return nil, err
	}
	return files, each(len(files), func(i int) (err error) {
		files[i].data, err = os.ReadFile(filepath.Join(dir, files[i].rel))
		return err
	})
}

// writeTree writes files under the new folder dst, creating folders as needed: the
// folders first, then the files a few at a time (as krm-gen's writer does), since
// creating files on several CPUs overlaps the file system's work and is the least the
// machine needs (a sequential write takes about twice as long here).
func writeTree(dst string, files []file) error {
	made := map[string]bool{}
	for _, f := range files {
		if d := filepath.Dir(filepath.Join(dst, f.rel)); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
	}
	return each(len(files), func(i int) error {
		return os.WriteFile(filepath.Join(dst, files[i].rel), files[i].data, 0o644)
	})
}

// each calls f(0) ... f(n-1) on 2*GOMAXPROCS+2 goroutines, the pool krm-gen's writer
// uses for file reads and writes, and joins the errors.
func each(n int, f func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for range min(n, 2*runtime.GOMAXPROCS(0)+2) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				errs[i] = f(i)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
