package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Third-party sources come from the Go module cache instead of the network: one table,
// one row per upstream repository (git) or chart (Helm). To onboard another upstream a
// test needs, add a row.
type upstream struct {
	repo  string // repoURL without a trailing .git or /
	chart string // Helm: the chart name; "" for a git repository
	// module is the module@version holding the source, from the Application's
	// targetRevision and the harness's binaries; dir is the folder in it (git: the
	// source's path is taken inside that folder; Helm: the chart).
	module func(rev string, b *Binaries) (string, error)
	dir    string
	// chartVersion: the chart's Chart.yaml version must equal targetRevision (a module
	// pinned to one commit holds one chart version).
	chartVersion bool
}

// releaseTag is module@targetRevision for repositories whose git tags are Go module
// versions.
func releaseTag(module string) func(string, *Binaries) (string, error) {
	return func(rev string, _ *Binaries) (string, error) {
		if !strings.HasPrefix(rev, "v") {
			return "", fmt.Errorf("targetRevision %q is not a release tag the Go module proxy can serve", rev)
		}
		return module + "@" + rev, nil
	}
}

// pinnedIstio is the istio.io/istio module istiod is built from, whatever the revision:
// the proxy serves no Istio release tag (see README).
func pinnedIstio(_ string, b *Binaries) (string, error) {
	return "istio.io/istio@" + b.IstioVersion, nil
}

// pinned is one module version, for upstreams whose tags the proxy does not serve.
func pinned(modVersion string) func(string, *Binaries) (string, error) {
	return func(string, *Binaries) (string, error) { return modVersion, nil }
}

// PodinfoModule holds the podinfo chart 6.9.2 (charts/podinfo).
const PodinfoModule = "github.com/stefanprodan/podinfo@v1.8.1-0.20250910200901-e86405a8674e"

func upstreams() []upstream {
	const istioCharts = "https://istio-release.storage.googleapis.com/charts"
	return []upstream{
		{repo: "https://github.com/kubernetes-sigs/gateway-api", module: releaseTag("sigs.k8s.io/gateway-api")},
		{repo: "https://github.com/cert-manager/cert-manager", module: releaseTag("github.com/cert-manager/cert-manager")},
		{repo: "https://github.com/istio/istio", module: pinnedIstio},
		{repo: istioCharts, chart: "base", module: pinnedIstio, dir: "manifests/charts/base"},
		{repo: istioCharts, chart: "istiod", module: pinnedIstio, dir: "manifests/charts/istio-control/istio-discovery"},
		{repo: istioCharts, chart: "cni", module: pinnedIstio, dir: "manifests/charts/istio-cni"},
		{repo: istioCharts, chart: "ztunnel", module: pinnedIstio, dir: "manifests/charts/ztunnel"},
		{repo: istioCharts, chart: "gateway", module: pinnedIstio, dir: "manifests/charts/gateway"},
		{repo: "https://charts.jetstack.io", chart: "cert-manager", module: releaseTag("github.com/cert-manager/cert-manager"), dir: "deploy/charts/cert-manager"},
		{repo: "https://stefanprodan.github.io/podinfo", chart: "podinfo", module: pinned(PodinfoModule), dir: "charts/podinfo", chartVersion: true},
	}
}

// upstreamDir is the folder of the module cache that stands in for a git source
// (repo, path) or a Helm chart (repo, chart), at targetRevision rev.
func upstreamDir(repo, chart, path, rev string, b *Binaries) (string, error) {
	for _, u := range upstreams() {
		if u.repo != normRepo(repo) || u.chart != chart {
			continue
		}
		mod, err := u.module(rev, b)
		if err != nil {
			return "", fmt.Errorf("%s: %w", repo, err)
		}
		md, err := ModuleDir(mod)
		if err != nil {
			return "", fmt.Errorf("%s@%s: %w", repo, rev, err)
		}
		dir := filepath.Join(md, filepath.FromSlash(u.dir), filepath.FromSlash(path))
		if u.chartVersion {
			if err := checkChartVersion(dir, rev); err != nil {
				return "", fmt.Errorf("%s chart %s: %w", repo, chart, err)
			}
		}
		return dir, nil
	}
	if chart != "" {
		return "", fmt.Errorf("helm chart %s/%s: no module of the harness's upstream table (harness/sources.go) holds it", repo, chart)
	}
	return "", fmt.Errorf("source %s: repository is neither this repo nor one of the harness's upstream table (harness/sources.go)", repo)
}

func checkChartVersion(dir, want string) error {
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return err
	}
	var c struct{ Version string }
	if err := yaml.Unmarshal(data, &c); err != nil {
		return err
	}
	if c.Version != want {
		return fmt.Errorf("the module holds version %s, the Application asks for %s", c.Version, want)
	}
	return nil
}
