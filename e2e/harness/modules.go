package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// Upstream files (CRDs, charts) are never copied into this repository: they are read from
// the Go module cache, where `go mod download` puts the exact upstream release.

// ArgoCDModule holds Argo CD's CRDs (manifests/crds). v2.14.21 is the last v2 release; the
// Application/AppProject schema did not change incompatibly in v3.
const ArgoCDModule = "github.com/argoproj/argo-cd/v2@v2.14.21"

// CertManagerModule is used when a tree carries cert-manager resources but does not pin
// a cert-manager version itself.
const CertManagerModule = "github.com/cert-manager/cert-manager@v1.21.2"

var (
	moduleMu    sync.Mutex
	moduleCache = map[string]string{}
)

// ModuleDir downloads module@version through the Go module proxy (or finds it in the module
// cache) and returns its directory.
func ModuleDir(modVersion string) (string, error) {
	moduleMu.Lock()
	defer moduleMu.Unlock()
	if d, ok := moduleCache[modVersion]; ok {
		return d, nil
	}
	cmd := exec.Command("go", "mod", "download", "-json", modVersion)
	cmd.Dir = os.TempDir() // outside any module: never touches a go.mod
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var info struct{ Dir, Error string }
	_ = json.Unmarshal(stdout.Bytes(), &info)
	if err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %v %s %s", modVersion, err, info.Error, stderr.String())
	}
	moduleCache[modVersion] = info.Dir
	return info.Dir, nil
}

// moduleOf returns "path@version" of a module required by the e2e module (run in e2eDir).
func moduleOf(e2eDir, path string) (string, string, error) {
	cmd := exec.Command("go", "list", "-m", "-json", path)
	cmd.Dir = e2eDir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return "", "", fmt.Errorf("go list -m %s in %s: %w", path, e2eDir, err)
	}
	var info struct{ Version, Dir string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", "", err
	}
	if info.Dir == "" {
		d, err := ModuleDir(path + "@" + info.Version)
		if err != nil {
			return "", "", err
		}
		info.Dir = d
	}
	return info.Version, info.Dir, nil
}
