//go:build !linux

package writer

import (
	"fmt"
	"os"
)

// swap puts tmp in place of dir; off Linux it takes two renames.
func swap(tmp, dir string, exists bool) error {
	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("output directory %s: %w", dir, err)
		}
		return os.Mkdir(tmp, 0o755)
	}
	return swapTwoRenames(tmp, dir)
}
