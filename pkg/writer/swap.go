package writer

import (
	"fmt"
	"os"
)

// swapTwoRenames moves dir aside, tmp into place, and the old tree to tmp.
func swapTwoRenames(tmp, dir string) error {
	aside := tmp + ".old"
	if err := os.Rename(dir, aside); err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(aside, dir)
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	return os.Rename(aside, tmp)
}
