//go:build unix

package writer

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lock takes an exclusive lock on the output's parent folder, waiting up to timeout.
func lock(parent string, timeout time.Duration) (func(), error) {
	f, err := os.Open(parent)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another krm-gen is writing into %s (waited %s): %w", parent, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
