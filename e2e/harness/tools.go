package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Binaries are the programs the harness runs, built from the Go module proxy.
type Binaries struct {
	ControlPlaneDir string // holds etcd and kube-apiserver (envtest's BinaryAssetsDirectory)
	PilotDiscovery  string // istiod (in the same directory)
	Scheduler       string // kube-scheduler (same k8s.io/kubernetes module as kube-apiserver)
	ControllerMgr   string // kube-controller-manager (likewise)
	Istioctl        string // istioctl (same istio.io/istio module as istiod), for `istioctl analyze`
	KubeVersion     string // e.g. v1.36.3
	IstioVersion    string // the istio.io/istio module version istiod and the charts come from
	IstioDir        string // that module's directory in the module cache
}

// CacheRoot is where built binaries are kept between runs: $KRM_GEN_E2E_CACHE, else the
// user cache dir (~/.cache/krm-gen-e2e). Never inside the repository.
func CacheRoot() string {
	if d := os.Getenv("KRM_GEN_E2E_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "krm-gen-e2e")
	}
	return filepath.Join(os.TempDir(), "krm-gen-e2e")
}

// EnsureBinaries builds etcd, kube-apiserver, kube-scheduler, kube-controller-manager,
// pilot-discovery and istioctl (the tool directives of the e2e module) into the cache,
// unless a build for the same go.mod, go.sum, Go version and flags is already there. One
// `go build` for all of them: their shared dependencies (k8s.io libraries, gRPC, protobuf,
// OpenTelemetry) are compiled once, and the harness itself reuses them from the Go build
// cache.
func EnsureBinaries(e2eDir string, log io.Writer) (*Binaries, error) {
	e2eDir, err := filepath.Abs(e2eDir)
	if err != nil {
		return nil, err
	}
	kubeVersion, _, err := moduleOf(e2eDir, "k8s.io/kubernetes")
	if err != nil {
		return nil, err
	}
	istioVersion, istioDir, err := moduleOf(e2eDir, "istio.io/istio")
	if err != nil {
		return nil, err
	}
	b := &Binaries{KubeVersion: kubeVersion, IstioVersion: istioVersion, IstioDir: istioDir}

	// kube-apiserver reports its version through ldflags, as the release build does;
	// istiod and Helm read it, so it must be the real one, not v0.0.0-master. (-X of a
	// package a binary does not link is ignored.)
	major, minor := "1", ""
	if p := strings.Split(strings.TrimPrefix(kubeVersion, "v"), "."); len(p) >= 2 {
		major, minor = p[0], p[1]
	}
	ldflags := "-s -w" +
		" -X k8s.io/component-base/version.gitVersion=" + kubeVersion +
		" -X k8s.io/component-base/version.gitMajor=" + major +
		" -X k8s.io/component-base/version.gitMinor=" + minor +
		" -X k8s.io/component-base/version.gitTreeState=clean"
	dir, err := buildCached(log, e2eDir, "bin-k8s"+kubeVersion+"-istio"+shortVersion(istioVersion), ldflags, []target{
		{"etcd", "go.etcd.io/etcd/server/v3"},
		{"kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver"},
		{"kube-scheduler", "k8s.io/kubernetes/cmd/kube-scheduler"},
		{"kube-controller-manager", "k8s.io/kubernetes/cmd/kube-controller-manager"},
		{"pilot-discovery", "istio.io/istio/pilot/cmd/pilot-discovery"},
		{"istioctl", "istio.io/istio/istioctl/cmd/istioctl"},
	})
	if err != nil {
		return nil, err
	}
	b.ControlPlaneDir = dir // envtest finds etcd and kube-apiserver here
	b.PilotDiscovery = filepath.Join(dir, "pilot-discovery")
	b.Scheduler = filepath.Join(dir, "kube-scheduler")
	b.ControllerMgr = filepath.Join(dir, "kube-controller-manager")
	b.Istioctl = filepath.Join(dir, "istioctl")
	return b, nil
}

// shortVersion keeps the commit of a pseudo-version (v0.0.0-2026...-eed52ebb66ad).
func shortVersion(v string) string {
	if i := strings.LastIndex(v, "-"); i > 0 && len(v)-i == 13 {
		return v[i+1:]
	}
	return v
}

type target struct{ name, pkg string }

// buildCached builds targets of module modDir with one `go build` into
// CacheRoot()/<name>-<key>/ and returns that directory. key hashes go.mod, go.sum, the Go
// version and the flags.
func buildCached(log io.Writer, modDir, name, ldflags string, targets []target) (string, error) {
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(modDir, f))
		if err != nil {
			return "", err
		}
		h.Write(data)
	}
	h.Write([]byte(runtime.Version() + ldflags))
	for _, t := range targets {
		h.Write([]byte(t.name + t.pkg))
	}
	dir := filepath.Join(CacheRoot(), name+"-"+hex.EncodeToString(h.Sum(nil))[:12])
	complete := true
	for _, t := range targets {
		if _, err := os.Stat(filepath.Join(dir, t.name)); err != nil {
			complete = false
		}
	}
	if complete {
		return dir, nil
	}
	if err := os.MkdirAll(CacheRoot(), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(CacheRoot(), ".build-"+name+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	args := []string{"build", "-ldflags", ldflags, "-o", tmp + string(filepath.Separator)}
	var names []string
	for _, t := range targets {
		args = append(args, t.pkg)
		names = append(names, t.name)
	}
	fmt.Fprintf(log, "building %s in %s (cold: ~12 min on 2 cores) ...\n", strings.Join(names, ", "), modDir)
	cmd := exec.Command("go", args...)
	cmd.Dir = modDir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s in %s: %w", strings.Join(names, ", "), modDir, err)
	}
	// go build -o DIR/ names each binary after its package path's last element, without
	// a major version suffix (go.etcd.io/etcd/server/v3 -> server).
	for _, t := range targets {
		base := path.Base(t.pkg)
		if strings.HasPrefix(base, "v") && len(base) > 1 && strings.Trim(base[1:], "0123456789") == "" {
			base = path.Base(path.Dir(t.pkg))
		}
		if base != t.name {
			if err := os.Rename(filepath.Join(tmp, base), filepath.Join(tmp, t.name)); err != nil {
				return "", err
			}
		}
	}
	fmt.Fprintf(log, "built %s in %s\n", strings.Join(names, ", "), time.Since(start).Round(time.Second))
	if err := os.Rename(tmp, dir); err != nil {
		// Another run may have finished the same build first.
		if _, statErr := os.Stat(dir); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}
