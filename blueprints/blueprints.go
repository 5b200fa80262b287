// Package blueprints embeds the blueprint specs (blueprints/<name>/platform.yaml), so
// `krm-gen init --from <name>` works from an installed binary.
package blueprints

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed */platform.yaml
var specs embed.FS

// Names lists the embedded blueprints, sorted.
func Names() []string {
	dirs, _ := fs.Glob(specs, "*/platform.yaml")
	out := make([]string, len(dirs))
	for i, d := range dirs {
		out[i] = path.Dir(d)
	}
	sort.Strings(out)
	return out
}

// Spec returns the platform.yaml of the blueprint name.
func Spec(name string) ([]byte, error) {
	b, err := specs.ReadFile(name + "/platform.yaml")
	if err != nil {
		return nil, fmt.Errorf("no blueprint %q (have %v)", name, Names())
	}
	return b, nil
}
