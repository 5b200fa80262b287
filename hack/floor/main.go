// Command floor measures what the machine can do at all with a rendered tree, for
// hack/bench.sh: the floors krm-gen's render is compared with (BENCHMARKS.md).
//
//	floor read DIR       read every file under DIR (the least an unchanged render does)
//	floor write SRC DST  write the files of SRC, read into memory first, into the new
//	                     folder DST (the least a render into a new folder does)
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// readTree reads every regular file under dir, in walk order.
func readTree(dir string) ([]file, error) {
	var files []file
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, file{rel, data})
		return err
	})
	return files, err
}

// writeTree writes files under the new folder dst, creating folders as needed.
func writeTree(dst string, files []file) error {
	made := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(dst, f.rel)
		if d := filepath.Dir(p); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
