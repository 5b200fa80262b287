package cli

import (
	"runtime/debug"
	"strings"
)

// version is what `krm-gen --version` prints, read from the binary's build info.
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf is the module version a binary was built from: the tagged version (or
// pseudo-version) when built by `go install ...@version` or `go tool` from a go.mod
// pin, else "dev", with the VCS revision when the build recorded one (a build inside
// a checkout).
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	parts := []string{"dev", "(" + rev}
	if modified == "true" {
		parts[1] += ", modified"
	}
	return strings.Join(parts, " ") + ")"
}
