package schema

import (
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/blang/semver/v4"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func (v *validator) apps(fp *field.Path) {
	names := map[string]int{}
	for i := range v.p.Spec.Apps {
		a := &v.p.Spec.Apps[i]
		ap := fp.Index(i)
		if v.serviceName(ap.Child("name"), a.Name) {
			if j, isDup := names[a.Name]; isDup {
				v.add(Duplicate(ap.Child("name"), a.Name, fmt.Sprintf("already used by spec.apps[%d]", j)))
			}
			names[a.Name] = i
		}
		v.namespace(ap.Child("namespace"), a.Namespace)
		if a.Namespace == v.p.Spec.Gateway.Namespace {
			v.add(field.Invalid(ap.Child("namespace"), a.Namespace, "must not be the gateway's namespace: gateway pods are not in the mesh and the namespace is not policed"))
		}
		v.pool(ap.Child("nodePool"), a.NodePool)
		switch {
		case a.Helm != nil && a.Git != nil:
			v.add(field.Forbidden(ap.Child("git"), "an app is exactly one of inline (image), helm or git: not both helm and git"))
		case !a.Inline() && a.Image != "":
			v.add(field.Forbidden(ap.Child("image"), fmt.Sprintf("an app is exactly one of inline (image), helm or git: its pods come from %s, so image is not used; remove one", a.SourceKind())))
		}
		if a.Inline() {
			v.inline(ap, a)
		} else {
			v.external(ap, a)
		}
		if !v.enum(checkEnum(a.PodSecurity, ap.Child("podSecurity"))) {
		} else if a.PodSecurity != PodSecurityRestricted {
			v.warn(field.Invalid(ap.Child("podSecurity"), a.PodSecurity, "lowers the namespace's Pod Security level below restricted"))
		}
		for j, src := range a.AllowFrom {
			v.source(ap.Child("allowFrom").Index(j), src)
		}
		for j, d := range a.Egress {
			v.destination(ap.Child("egress").Index(j), d)
		}
	}
	v.versionObjects(fp)
}

// disruption checks maxUnavailable against each Deployment's replicas (the app's, or
// each version's): the PodDisruptionBudget is per Deployment.
func (v *validator) disruption(ap *field.Path, a *App) {
	mp := ap.Child("maxUnavailable")
	switch {
	case a.MaxUnavailable < 0:
		v.add(field.Invalid(mp, a.MaxUnavailable, "must not be negative"))
		return
	case a.MaxUnavailable == 0:
		return
	}
	type deploy struct {
		what     string
		replicas int32
	}
	deploys := []deploy{{"every replica", a.Replicas}}
	if len(a.Versions) > 0 {
		deploys = nil
		for _, ver := range a.Versions {
			deploys = append(deploys, deploy{"every replica of version " + ver.Name, ver.EffectiveReplicas(a.Replicas)})
		}
	}
	budgets := 0
	for _, d := range deploys {
		if d.replicas <= 1 {
			continue
		}
		budgets++
		if a.MaxUnavailable >= d.replicas {
			v.warn(field.Invalid(mp, a.MaxUnavailable, fmt.Sprintf("lets a node drain evict %s (%d) at once", d.what, d.replicas)))
		}
	}
	switch {
	case budgets > 0:
	case len(a.Versions) > 0:
		v.warn(field.Invalid(mp, a.MaxUnavailable, "has no effect: a version with one replica gets no PodDisruptionBudget, and no version has more"))
	default:
		v.warn(field.Invalid(mp, a.MaxUnavailable, "has no effect: an app with one replica gets no PodDisruptionBudget"))
	}
}

// appVersions checks an inline app's versions: names, their objects' names, images and
// replicas. Every version needs an image, its own or the app's.
func (v *validator) appVersions(ap *field.Path, a *App) {
	seen := map[string]int{}
	for j, ver := range a.Versions {
		vp := ap.Child("versions").Index(j)
		if v.label(vp.Child("name"), ver.Name) {
			if k, isDup := seen[ver.Name]; isDup {
				v.add(Duplicate(vp.Child("name"), ver.Name, fmt.Sprintf("already used by versions[%d]", k)))
			}
			seen[ver.Name] = j
			// Its Deployment and Service are <app>-<version>.
			if obj := VersionObjectName(a.Name, ver.Name); len(validation.IsDNS1035Label(obj)) > 0 {
				v.add(field.Invalid(vp.Child("name"), ver.Name, fmt.Sprintf("names the version's Service %q, which must be a DNS-1035 label of at most 63 characters: shorten the app's or the version's name", obj)))
			}
		}
		switch {
		case ver.Image != "":
			v.image(vp.Child("image"), ver.Image)
		case a.Image == "":
			v.add(field.Required(vp.Child("image"), "the version's image (the app sets none to default to)"))
		}
		if ver.Replicas != nil && *ver.Replicas < 0 {
			v.add(field.Invalid(vp.Child("replicas"), *ver.Replicas, "must not be negative"))
		}
	}
}

// versionObjects checks that the Deployment and Service of a version are no other
// app's or version's objects in its namespace.
func (v *validator) versionObjects(fp *field.Path) {
	owner := map[string]string{} // namespace/name -> what renders it
	for i, a := range v.p.Spec.Apps {
		owner[a.Namespace+"/"+a.Name] = fp.Index(i).String()
		if a.Service != nil && a.Service.Name != "" {
			owner[a.Namespace+"/"+a.Service.Name] = fp.Index(i).String()
		}
	}
	for i, a := range v.p.Spec.Apps {
		seen := map[string]bool{}
		for j, ver := range a.Versions {
			vp := fp.Index(i).Child("versions").Index(j)
			obj := VersionObjectName(a.Name, ver.Name)
			key := a.Namespace + "/" + obj
			switch other, taken := owner[key]; {
			case seen[ver.Name]:
				// the same version twice: reported by appVersions
			case !taken:
				owner[key] = vp.String()
			default:
				v.add(Duplicate(vp.Child("name"), ver.Name,
					fmt.Sprintf("the version's Deployment and Service %s are the objects of %s in namespace %s", obj, other, a.Namespace)))
			}
			seen[ver.Name] = true
		}
	}
}

// effectiveImages are the images an inline app's pods run: the app's, or each version's
// (its own, else the app's).
func effectiveImages(a *App) []string {
	if len(a.Versions) == 0 {
		if a.Image == "" {
			return nil
		}
		return []string{a.Image}
	}
	var out []string
	for _, ver := range a.Versions {
		if img := ver.EffectiveImage(a.Image); img != "" {
			out = append(out, img)
		}
	}
	return out
}

// destination checks one egress destination of an app.
func (v *validator) destination(fp *field.Path, d Destination) {
	switch {
	case d.Namespace == "" && len(d.IPBlocks) == 0:
		v.add(field.Required(fp.Child("namespace"), "an egress destination is a namespace or ipBlocks"))
	case d.Namespace != "" && len(d.IPBlocks) > 0:
		v.add(field.Forbidden(fp.Child("ipBlocks"), "an egress destination is a namespace or ipBlocks, not both (use two entries)"))
	case d.Namespace != "":
		v.label(fp.Child("namespace"), d.Namespace)
	}
	for k, b := range d.IPBlocks {
		if _, err := netip.ParsePrefix(b); err != nil {
			if _, err := netip.ParseAddr(b); err != nil {
				v.add(field.Invalid(fp.Child("ipBlocks").Index(k), b, "must be an IP address or CIDR"))
			}
		}
	}
	for k, p := range d.Ports {
		v.port(fp.Child("ports").Index(k), p)
	}
	if v.p.Spec.Security.NetworkPolicy.Egress == EgressUnrestricted {
		v.warn(field.Invalid(fp, d.Namespace+strings.Join(d.IPBlocks, ","), "has no effect: spec.security.networkPolicy.egress is unrestricted"))
	}
}

// inline checks the fields of an app whose pods krm-gen renders.
func (v *validator) inline(ap *field.Path, a *App) {
	if a.Image == "" && a.Port == 0 && len(a.Ports) == 0 && len(a.Versions) == 0 {
		v.add(field.Required(ap.Child("image"), "an app's pods come from an image (inline), a chart (helm) or a folder of manifests (git)"))
		return
	}
	if a.Image != "" || !slices.ContainsFunc(a.Versions, func(ver Version) bool { return ver.Image != "" }) {
		v.image(ap.Child("image"), a.Image)
	}
	v.appVersions(ap, a)
	ports := v.ports(ap, a)
	if a.Replicas < 0 {
		v.add(field.Invalid(ap.Child("replicas"), a.Replicas, "must not be negative"))
	}
	v.disruption(ap, a)
	v.env(ap, a)
	v.resources(ap.Child("resources"), a.Resources)
	switch {
	case a.Probe != nil && a.Probes != nil:
		v.add(field.Forbidden(ap.Child("probes"), "set probe (the readiness check) or probes, not both"))
	case a.Probe != nil:
		v.probe(ap.Child("probe"), a.Probe, ports)
	case a.Probes != nil:
		pp := ap.Child("probes")
		for _, p := range []struct {
			name  string
			probe *Probe
		}{{"readiness", a.Probes.Readiness}, {"liveness", a.Probes.Liveness}, {"startup", a.Probes.Startup}} {
			if p.probe != nil {
				v.probe(pp.Child(p.name), p.probe, ports)
			}
		}
		v.distinctProbes(pp, a)
	}
	mounts := map[string]string{}
	keys := map[string]int{}
	for j, f := range a.Files {
		pp := ap.Child("files").Index(j).Child("path")
		if !v.absPath(pp, f.Path) {
			continue
		}
		key := path.Base(f.Path)
		for _, msg := range validation.IsConfigMapKey(key) {
			v.add(field.Invalid(pp, f.Path, "file name must be a ConfigMap key: "+msg))
		}
		if k, isDup := keys[key]; isDup {
			v.add(Duplicate(pp, f.Path, fmt.Sprintf("files[%d] has the same file name %q", k, key)))
		}
		keys[key] = j
		mounts[f.Path] = pp.String()
	}
	for j, w := range a.WritablePaths {
		wp := ap.Child("writablePaths").Index(j)
		if !v.absPath(wp, w) {
			continue
		}
		if other, isDup := mounts[w]; isDup {
			v.add(Duplicate(wp, w, "already mounted by "+other))
		}
		mounts[w] = wp.String()
	}
	switch {
	case a.RunAsUser != nil && (*a.RunAsUser < 0 || (*a.RunAsUser == 0 && a.PodSecurity == PodSecurityRestricted)):
		v.add(field.Invalid(ap.Child("runAsUser"), *a.RunAsUser, "must be a non-root user ID (restricted Pod Security runs as non-root)"))
	case a.RunAsUser == nil && a.PodSecurity == PodSecurityRestricted && slices.ContainsFunc(effectiveImages(a), func(img string) bool { return !numericUserImage(img) }):
		v.warn(field.Forbidden(ap.Child("runAsUser"), "not set, and krm-gen does not know the image's user: if its USER is a name, not a number, the kubelet refuses to start it under runAsNonRoot (restricted Pod Security); set runAsUser to the user's numeric ID"))
	}
	for j, s := range a.ImagePullSecrets {
		for _, msg := range validation.IsDNS1123Subdomain(s) {
			v.add(field.Invalid(ap.Child("imagePullSecrets").Index(j), s, "must be a Secret name: "+msg))
		}
	}
	if a.Service != nil {
		sp := ap.Child("service")
		if a.Service.Name != "" && a.Service.Name != a.Name {
			v.add(field.Invalid(sp.Child("name"), a.Service.Name, fmt.Sprintf("an inline app's Service is named after the app (%q)", a.Name)))
		}
		if a.Service.Port != 0 && !ports.hasNumber(a.Service.Port) {
			v.add(field.Invalid(sp.Child("port"), a.Service.Port, "must be one of the app's ports"))
		}
	}
	const external = "a field of helm and git apps (an inline app's pods carry app.kubernetes.io/name and its project allows what krm-gen renders)"
	if len(a.PodSelector) > 0 {
		v.add(field.Forbidden(ap.Child("podSelector"), external))
	}
	if len(a.Kinds) > 0 {
		v.add(field.Forbidden(ap.Child("kinds"), external))
	}
	if len(a.ClusterKinds) > 0 {
		v.add(field.Forbidden(ap.Child("clusterKinds"), external))
	}
}

// portSet is an inline app's ports by name and number.
type portSet map[string]int32

func (s portSet) hasNumber(n int32) bool {
	for _, p := range s {
		if p == n {
			return true
		}
	}
	return false
}

func (v *validator) ports(ap *field.Path, a *App) portSet {
	out := portSet{}
	switch {
	case a.Port != 0 && len(a.Ports) > 0:
		v.add(field.Forbidden(ap.Child("ports"), "set port (one port, named http) or ports, not both"))
	case len(a.Ports) == 0:
		v.port(ap.Child("port"), a.Port)
		out["http"] = a.Port
	}
	numbers := map[int32]int{}
	for j, p := range a.Ports {
		pp := ap.Child("ports").Index(j)
		for _, msg := range validation.IsValidPortName(p.Name) {
			v.add(field.Invalid(pp.Child("name"), p.Name, "must be a port name: "+msg))
		}
		if _, isDup := out[p.Name]; isDup {
			v.add(Duplicate(pp.Child("name"), p.Name, "another port has this name"))
		}
		out[p.Name] = p.Port
		v.port(pp.Child("port"), p.Port)
		if k, isDup := numbers[p.Port]; isDup {
			v.add(Duplicate(pp.Child("port"), p.Port, fmt.Sprintf("already used by ports[%d]", k)))
		}
		numbers[p.Port] = j
		v.enum(checkEnum(p.Protocol, pp.Child("protocol")))
	}
	return out
}

func (v *validator) env(ap *field.Path, a *App) {
	names := map[string]int{}
	for j, e := range a.Env {
		ep := ap.Child("env").Index(j)
		for _, msg := range validation.IsEnvVarName(e.Name) {
			v.add(field.Invalid(ep.Child("name"), e.Name, "must be an environment variable name: "+msg))
		}
		if k, isDup := names[e.Name]; isDup {
			v.add(Duplicate(ep.Child("name"), e.Name, fmt.Sprintf("already set by env[%d]", k)))
		}
		names[e.Name] = j
		switch n := btoi(e.Value != nil) + btoi(e.Secret != nil) + btoi(e.ConfigMap != nil); {
		case n == 0:
			v.add(field.Required(ep.Child("value"), "an env var takes exactly one of value, secret or configMap"))
		case n > 1:
			v.add(field.Forbidden(ep, "an env var takes exactly one of value, secret or configMap"))
		}
		v.keyRef(ep.Child("secret"), e.Secret, "Secret")
		v.keyRef(ep.Child("configMap"), e.ConfigMap, "ConfigMap")
	}
	for j, e := range a.EnvFrom {
		ep := ap.Child("envFrom").Index(j)
		if (e.Secret == "") == (e.ConfigMap == "") {
			v.add(field.Required(ep.Child("secret"), "envFrom takes exactly one of secret or configMap"))
		}
		for _, ref := range []struct{ field, name, kind string }{{"secret", e.Secret, "Secret"}, {"configMap", e.ConfigMap, "ConfigMap"}} {
			if ref.name == "" {
				continue
			}
			for _, msg := range validation.IsDNS1123Subdomain(ref.name) {
				v.add(field.Invalid(ep.Child(ref.field), ref.name, "must be a "+ref.kind+" name: "+msg))
			}
		}
		if e.Prefix != "" {
			for _, msg := range validation.IsEnvVarName(e.Prefix) {
				v.add(field.Invalid(ep.Child("prefix"), e.Prefix, "must start an environment variable name: "+msg))
			}
		}
	}
}

func (v *validator) keyRef(fp *field.Path, r *KeyRef, kind string) {
	if r == nil {
		return
	}
	for _, msg := range validation.IsDNS1123Subdomain(r.Name) {
		v.add(field.Invalid(fp.Child("name"), r.Name, "must be a "+kind+" name: "+msg))
	}
	for _, msg := range validation.IsConfigMapKey(r.Key) {
		v.add(field.Invalid(fp.Child("key"), r.Key, "must be a "+kind+" key: "+msg))
	}
}

// distinctProbes: liveness is never the readiness check. A liveness probe that fails
// whenever readiness does (a slow dependency) restarts pods that readiness only takes
// out of their Service.
func (v *validator) distinctProbes(pp *field.Path, a *App) {
	live := a.Probes.Liveness
	if live == nil {
		return // krm-gen derives a distinct one
	}
	first := "http"
	if len(a.Ports) > 0 {
		first = a.Ports[0].Name
	}
	const fix = "a liveness probe that fails with readiness restarts pods that readiness only takes out of their Service: check only that the process is alive (tcp: true, or a path that calls no dependency), or leave liveness out (krm-gen then derives a TCP connect to the readiness probe's port)"
	switch ready := a.Probes.Readiness; {
	case ready == nil && live.SameCheck(&Probe{TCP: true}, first):
		v.add(field.Invalid(pp.Child("liveness"), "tcp", "is the default readiness check (TCP connect to the first port): set probes.readiness to what makes the app ready"))
	case ready != nil && live.SameCheck(ready, first):
		v.add(field.Invalid(pp.Child("liveness"), probeText(live), "is the same check as probes.readiness; "+fix))
	}
}

// probeText names a probe's check in messages.
func probeText(p *Probe) string {
	switch p.Kind() {
	case ProbeHTTP:
		return "path " + p.Path
	case ProbeGRPC:
		return "grpc"
	case ProbeExec:
		return "exec " + strings.Join(p.Exec, " ")
	}
	return "tcp"
}

func (v *validator) probe(fp *field.Path, p *Probe, ports portSet) {
	switch n := btoi(p.Path != "") + btoi(p.GRPC != nil) + btoi(p.TCP) + btoi(len(p.Exec) > 0); {
	case n == 0:
		v.add(field.Required(fp.Child("path"), "a probe is exactly one of path (HTTP GET), grpc, tcp or exec"))
	case n > 1:
		v.add(field.Forbidden(fp, "a probe is exactly one of path (HTTP GET), grpc, tcp or exec"))
	}
	if p.Path != "" {
		v.httpPath(fp.Child("path"), p.Path)
	}
	if p.Port != "" {
		if _, ok := ports[p.Port]; !ok {
			v.add(field.Invalid(fp.Child("port"), p.Port, fmt.Sprintf("no port of the app has this name (ports: %s)", strings.Join(sortedKeys(ports), ", "))))
		}
		if len(p.Exec) > 0 {
			v.add(field.Forbidden(fp.Child("port"), "an exec probe runs in the container: it has no port"))
		}
	}
	for _, t := range []struct {
		name string
		v    int32
	}{{"initialDelaySeconds", p.InitialDelaySeconds}, {"periodSeconds", p.PeriodSeconds}, {"timeoutSeconds", p.TimeoutSeconds}, {"failureThreshold", p.FailureThreshold}} {
		if t.v < 0 {
			v.add(field.Invalid(fp.Child(t.name), t.v, "must not be negative"))
		}
	}
}

var (
	chartName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	valuesPath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$`)
	kindName   = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// external checks an app whose pods come from a chart or a folder.
func (v *validator) external(ap *field.Path, a *App) {
	from := "its chart (set it in helm.values)"
	if a.Git != nil {
		from = "its folder"
	}
	// Every inline field set is an error: the source renders the pods.
	w := reflect.ValueOf(a.Workload)
	for i := range w.NumField() {
		name, _, _ := strings.Cut(w.Type().Field(i).Tag.Get("json"), ",")
		if name != "image" && !w.Field(i).IsZero() {
			v.add(field.Forbidden(ap.Child(name), fmt.Sprintf("a field of inline apps: a %s app's pods come from %s", a.SourceKind(), from)))
		}
	}
	if h := a.Helm; h != nil {
		hp := ap.Child("helm")
		if u, err := url.Parse(h.RepoURL); h.RepoURL == "" {
			v.add(field.Required(hp.Child("repoURL"), "a Helm repository (https://...) or OCI registry (oci://...)"))
		} else if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "oci" && u.Scheme != "http") {
			v.add(field.Invalid(hp.Child("repoURL"), h.RepoURL, "must be a Helm repository (https://host/path) or an OCI registry (oci://host/path)"))
		} else if u.Scheme == "http" {
			v.warn(field.Invalid(hp.Child("repoURL"), h.RepoURL, "plain http: the chart is fetched without TLS"))
		}
		if !chartName.MatchString(h.Chart) {
			v.add(field.Invalid(hp.Child("chart"), h.Chart, "must be a chart name (letters, digits, '.', '_', '-')"))
		}
		if h.Version == "" {
			v.add(field.Required(hp.Child("version"), "pin the chart's version, e.g. 6.9.2"))
		} else if _, err := semver.ParseTolerant(h.Version); err != nil || strings.ContainsAny(h.Version, "^~<>=*x| ,") {
			v.add(field.Invalid(hp.Child("version"), h.Version, "must be one chart version (semver, no range): a range would change what is deployed without a commit"))
		}
		if h.ReleaseName != "" {
			if msgs := validation.IsDNS1123Label(h.ReleaseName); len(msgs) > 0 || len(h.ReleaseName) > 53 {
				v.add(field.Invalid(hp.Child("releaseName"), h.ReleaseName, "must be a DNS-1123 label of at most 53 characters (Helm's limit)"))
			}
		}
		for _, ps := range []struct {
			name  string
			paths []string
		}{{"nodeSelectorPaths", h.NodeSelectorPaths}, {"tolerationsPaths", h.TolerationsPaths}} {
			for j, p := range ps.paths {
				pp := hp.Child(ps.name).Index(j)
				if !valuesPath.MatchString(p) {
					v.add(field.Invalid(pp, p, "must be a dotted path of value keys, e.g. controller.nodeSelector"))
				}
			}
		}
		for _, p := range append(or2(h.NodeSelectorPaths, "nodeSelector"), or2(h.TolerationsPaths, "tolerations")...) {
			if _, set := lookupValue(h.Values, p); set && a.NodePool != "" {
				v.add(field.Forbidden(hp.Child("values").Key(p), fmt.Sprintf("placement comes from the node pool (spec.apps[].nodePool %q): krm-gen sets this value; remove it", a.NodePool)))
			}
		}
	}
	if g := a.Git; g != nil {
		gp := ap.Child("git")
		v.repoURL(gp.Child("repoURL"), g.RepoURL, "the git repository of the app's manifests")
		if g.Revision == "" {
			v.add(field.Required(gp.Child("revision"), "a branch, tag or commit; pin a tag or commit for reproducible deploys"))
		} else if strings.ContainsAny(g.Revision, " \t\n~^:?*[\\") {
			v.add(field.Invalid(gp.Child("revision"), g.Revision, "must be a Git branch, tag or commit"))
		}
		switch {
		case g.Path == "":
			v.add(field.Required(gp.Child("path"), "the folder inside the repository (. for its root)"))
		case g.Path != "." && (strings.HasPrefix(g.Path, "/") || path.Clean(g.Path) != g.Path || strings.HasPrefix(g.Path, "../") || g.Path == ".."):
			v.add(field.Invalid(gp.Child("path"), g.Path, "must be a clean relative path inside the repository (no leading /, no ..)"))
		}
		if g.Include != "" {
			if _, err := path.Match(strings.Trim(g.Include, "{}"), ""); err != nil {
				v.add(field.Invalid(gp.Child("include"), g.Include, "must be a glob (or {a,b} globs): "+err.Error()))
			}
			if g.Kustomize {
				v.add(field.Forbidden(gp.Child("include"), "include selects files of a plain folder; a kustomization decides its own resources"))
			}
		}
		if !g.Kustomize && a.NodePool != "" {
			v.warn(field.Invalid(ap.Child("nodePool"), a.NodePool, fmt.Sprintf("not enforced: Argo CD cannot patch a plain folder (source.kustomize.patches need a kustomization file), so the pods of %s land where its manifests say; set git.kustomize if the folder has a kustomization.yaml", a.Name)))
		}
	}
	if s := a.Service; s != nil {
		if s.Name != "" {
			v.serviceName(ap.Child("service", "name"), s.Name)
		}
		if s.Port != 0 {
			v.port(ap.Child("service", "port"), s.Port)
		}
	}
	v.labels(ap.Child("podSelector"), a.PodSelector) // whether it is needed depends on the namespace's waypoint: see model.Check
	for _, ks := range []struct {
		name  string
		kinds []GroupKind
	}{{"kinds", a.Kinds}, {"clusterKinds", a.ClusterKinds}} {
		for j, k := range ks.kinds {
			kp := ap.Child(ks.name).Index(j)
			if k.Group != "" {
				for _, msg := range validation.IsDNS1123Subdomain(k.Group) {
					v.add(field.Invalid(kp.Child("group"), k.Group, "must be an API group: "+msg))
				}
			}
			if !kindName.MatchString(k.Kind) {
				v.add(field.Invalid(kp.Child("kind"), k.Kind, "must be a kind (CamelCase, e.g. ServiceMonitor)"))
			}
			if why := platformOwnedGroup(k.Group); why != "" {
				v.add(field.Forbidden(kp.Child("group"), fmt.Sprintf("%s objects are the platform's (%s): an app's source may not create them", k.Group, why)))
			} else if why := escalatingKind(k); why != "" && ks.name == "clusterKinds" {
				v.warn(field.Invalid(kp, k.Group+"/"+k.Kind, fmt.Sprintf("lets the app's source %s: grant it only to a chart you trust as much as the platform", why)))
			}
		}
	}
}

// platformOwnedGroup says why an app's own project never allows the API group
// (what krm-gen renders for the platform: routes on the shared gateway, the mesh's
// security, Argo CD's objects), or "".
func platformOwnedGroup(group string) string {
	switch group {
	case "gateway.networking.k8s.io":
		return "routes attach to the shared gateway, grants open other namespaces"
	case "security.istio.io":
		return "an ALLOW policy would open the namespace to any caller"
	case "networking.istio.io":
		return "traffic rules for the mesh"
	case "argoproj.io":
		return "an Application or AppProject escapes the app's project"
	}
	return ""
}

// escalatingKind says what a cluster-scoped kind lets its holder do to the whole
// cluster, or "" for a kind that gives no such power.
func escalatingKind(k GroupKind) string {
	switch k.Group + "/" + k.Kind {
	case "rbac.authorization.k8s.io/ClusterRole":
		return "define cluster-wide permissions"
	case "rbac.authorization.k8s.io/ClusterRoleBinding":
		return "bind cluster-wide permissions (cluster-admin included) to any identity"
	case "admissionregistration.k8s.io/MutatingWebhookConfiguration":
		return "rewrite every object the API server admits"
	case "admissionregistration.k8s.io/ValidatingWebhookConfiguration":
		return "refuse any object the API server admits"
	case "apiextensions.k8s.io/CustomResourceDefinition":
		return "add or replace API types for the whole cluster"
	case "/Namespace":
		return "create namespaces outside the platform's policies"
	}
	return ""
}

// numericUserImage reports whether krm-gen knows the image's USER is numeric (so
// runAsNonRoot works without runAsUser).
func numericUserImage(image string) bool {
	repo := image
	if i := strings.IndexAny(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	repo = strings.TrimPrefix(repo, "docker.io/")
	for _, known := range []string{"nginxinc/nginx-unprivileged"} { // USER 101
		if repo == known {
			return true
		}
	}
	return false
}

// lookupValue finds a dotted path in Helm values.
func lookupValue(values map[string]any, p string) (any, bool) {
	var cur any = values
	for _, k := range strings.Split(p, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func or2(paths []string, def string) []string {
	if len(paths) == 0 {
		return []string{def}
	}
	return paths
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
