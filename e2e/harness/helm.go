package harness

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/client-go/discovery"
)

// HelmRender renders a chart directory the way Argo CD does (`helm template` with
// --include-crds, --namespace, --kube-version and --api-versions of the target cluster),
// with exactly the given values. Helm hooks are returned with the other objects; none of
// the charts the blueprints use has hooks.
func HelmRender(chartDir, releaseName, namespace string, values map[string]any, kubeVersion string, apiVersions []string) ([]Object, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", chartDir, err)
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.NewTextHandler(io.Discard, nil)))
	inst := action.NewInstall(cfg)
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName = releaseName
	inst.Namespace = namespace
	inst.Replace = true
	inst.IncludeCRDs = true
	if kubeVersion != "" {
		kv, err := common.ParseKubeVersion(kubeVersion)
		if err != nil {
			return nil, err
		}
		inst.KubeVersion = kv
	}
	inst.APIVersions = apiVersions
	if values == nil {
		values = map[string]any{}
	}
	rel, err := inst.Run(ch, values)
	if err != nil {
		return nil, fmt.Errorf("rendering chart %s (release %s): %w", chartDir, releaseName, err)
	}
	r, ok := rel.(*releasev1.Release)
	if !ok {
		return nil, fmt.Errorf("rendering chart %s: unexpected release type %T", chartDir, rel)
	}
	var b strings.Builder
	b.WriteString(r.Manifest)
	for _, h := range r.Hooks {
		fmt.Fprintf(&b, "\n---\n%s\n", h.Manifest)
	}
	objs, err := DecodeYAML([]byte(b.String()), "chart "+chartDir)
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// APIVersions lists "group/version" and "group/version/Kind" for everything the cluster
// serves, as Argo CD passes to helm template.
func APIVersions(d discovery.DiscoveryInterface) ([]string, error) {
	_, lists, err := d.ServerGroupsAndResources()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range lists {
		out = append(out, l.GroupVersion)
		for _, r := range l.APIResources {
			if !strings.Contains(r.Name, "/") {
				out = append(out, l.GroupVersion+"/"+r.Kind)
			}
		}
	}
	return out, nil
}
