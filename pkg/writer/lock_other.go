//go:build !unix

package writer

import (
	"fmt"
	"time"
)

// lock refuses to run where no advisory file lock exists (krm-gen supports Unix):
// cleaning up after another render's temporary tree would not be safe.
func lock(parent string, _ time.Duration) (func(), error) {
	return nil, fmt.Errorf("writing into %s: krm-gen needs a Unix file lock on this platform", parent)
}
