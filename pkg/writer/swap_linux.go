package writer

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// swap puts tmp in place of dir in one atomic step; afterwards tmp holds the old tree.
func swap(tmp, dir string, exists bool) error {
	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("output directory %s: %w", dir, err)
		}
		return os.Mkdir(tmp, 0o755) // keep the contract: tmp exists and is removed by the caller
	}
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) {
		return swapTwoRenames(tmp, dir)
	}
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	return nil
}
