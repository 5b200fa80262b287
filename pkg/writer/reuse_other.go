//go:build !linux

package writer

import "io/fs"

// umask is unknown off Linux: Write then always writes every file.
func umask() (fs.FileMode, bool) { return 0, false }

func ownedAndSingleLink(fs.FileInfo) bool { return false }
