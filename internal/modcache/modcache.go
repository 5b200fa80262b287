// Package modcache finds third-party material for tests in the Go module cache: the
// folder of a module version (fetched through the module proxy when missing), and the
// version a go.mod pins.
package modcache

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
)

// Dir is the module cache folder of module@version, downloaded when missing.
func Dir(moduleAtVersion string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", moduleAtVersion).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", moduleAtVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no Dir in %s", moduleAtVersion, out)
	}
	return mod.Dir, nil
}

// Pinned is the version of module that the go.mod file at gomod requires.
func Pinned(gomod, module string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(module) + ` (v\S+)`).FindSubmatch(data)
	if m == nil {
		return "", fmt.Errorf("%s requires no %s", gomod, module)
	}
	return string(m[1]), nil
}

// PinnedDir is the module cache folder of the version of module that gomod requires.
func PinnedDir(gomod, module string) (string, error) {
	v, err := Pinned(gomod, module)
	if err != nil {
		return "", err
	}
	return Dir(module + "@" + v)
}
