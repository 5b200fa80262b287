package importer

import (
	"reflect"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// versionLabels are the pod labels that name a version, in the order import reads
// them: krm-gen's (and the Kubernetes recommended label), then Istio's samples'.
var versionLabels = []string{"app.kubernetes.io/version", "version"}

// versionGroup is an app whose pods are several Deployments, one per version, behind
// one Service that selects them all (Bookinfo's reviews).
type versionGroup struct {
	svc     *corev1.Service
	svcObj  *Object
	label   string // the version label
	members []versionMember
}

// versionMember is one version's Deployment and, when the input has one, its own
// Service (selecting the app's labels and the version's).
type versionMember struct {
	o       *Object
	d       *appsv1.Deployment
	version string
	svc     *Object
}

// versionGroups finds, by namespace/Deployment, the Deployments that are versions of
// one app: a Service selects them all but not by their version label, each has a
// distinct version, and either there are several or the version has its own Service.
// A Deployment whose pods merely carry a version label (a chart's
// app.kubernetes.io/version) is an app of its own.
func (b *builder) versionGroups() map[string]*versionGroup {
	type deploy struct {
		o *Object
		d *appsv1.Deployment
	}
	var deploys []deploy
	for _, o := range b.ofKind("Deployment") {
		var d appsv1.Deployment
		if o.Group() != "apps" || o.Name == healthResponder || o.decodeInto(&d) != nil {
			continue
		}
		deploys = append(deploys, deploy{o, &d})
	}
	var services []*Object
	svcs := map[*Object]*corev1.Service{}
	for _, o := range b.ofKind("Service") {
		var s corev1.Service
		if o.decodeInto(&s) == nil && len(s.Spec.Selector) > 0 {
			services = append(services, o)
			svcs[o] = &s
		}
	}
	// Shorter Service names first: reviews before reviews-v1.
	slices.SortStableFunc(services, func(x, y *Object) int { return len(x.Name) - len(y.Name) })
	out := map[string]*versionGroup{}
	for _, so := range services {
		s := svcs[so]
		for _, label := range versionLabels {
			if _, byVersion := s.Spec.Selector[label]; byVersion {
				continue
			}
			g := &versionGroup{svc: s, svcObj: so, label: label}
			seen := map[string]bool{}
			ok := true
			for _, dp := range deploys {
				pods := dp.d.Spec.Template.Labels
				if dp.o.Namespace != so.Namespace || !selects(s.Spec.Selector, pods) {
					continue
				}
				ver := pods[label]
				if ver == "" || seen[ver] || out[dp.o.Namespace+"/"+dp.o.Name] != nil || len(validation.IsDNS1123Label(ver)) > 0 ||
					(len(g.members) > 0 && !sameLabelsBut(g.members[0].d.Spec.Template.Labels, pods, label)) {
					ok = false // not versions of one app: another grouping, or apps of their own
					break
				}
				seen[ver] = true
				m := versionMember{o: dp.o, d: dp.d, version: ver}
				for _, vo := range services {
					vs := svcs[vo]
					if vo.Namespace == so.Namespace && vo != so && len(vs.Spec.Selector) == len(s.Spec.Selector)+1 &&
						vs.Spec.Selector[label] == ver && selects(s.Spec.Selector, vs.Spec.Selector) {
						m.svc = vo
					}
				}
				g.members = append(g.members, m)
			}
			if !ok || len(g.members) == 0 || (len(g.members) == 1 && g.members[0].svc == nil) {
				continue
			}
			for _, m := range g.members {
				out[m.o.Namespace+"/"+m.o.Name] = g
			}
			break
		}
	}
	return out
}

// sameLabelsBut reports whether two pods' labels are the same but for key: versions of
// one app differ in their version only (a team label shared by two apps is no app).
func sameLabelsBut(x, y map[string]string, key string) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if k != key && y[k] != v {
			return false
		}
	}
	return true
}

// versionedApp imports a version group as one inline app with versions: the first
// Deployment gives the pod spec, each Deployment its version's image and replicas.
func (b *builder) versionedApp(g *versionGroup) {
	first := g.members[0]
	n, diffs := len(b.p.Spec.Apps), len(b.res.Differences)
	b.inlineApp(first.o, first.d, g.svc, g.svcObj)
	if len(b.p.Spec.Apps) == n {
		return // not importable: inlineApp said why
	}
	a := &b.p.Spec.Apps[len(b.p.Spec.Apps)-1]
	// What inlineApp found of the first Deployment holds for every version's.
	var deploys []string
	for _, m := range g.members {
		deploys = append(deploys, a.Namespace+"/"+schema.VersionObjectName(a.Name, m.version))
	}
	for i := diffs; i < len(b.res.Differences); i++ {
		for _, was := range []string{"Deployment " + a.Namespace + "/" + a.Name + ":", first.o.Ref() + ":"} {
			if rest, ok := strings.CutPrefix(b.res.Differences[i], was); ok {
				b.res.Differences[i] = "Deployments " + strings.Join(deploys, ", ") + " (every version of app " + a.Name + "):" + rest
				break
			}
		}
	}
	images, replicas := map[string]bool{}, map[int32]bool{}
	for _, m := range g.members {
		images[image(m.d)] = true
		replicas[replicasOf(m.d)] = true
	}
	w := &a.Workload
	if len(images) > 1 {
		w.Image = ""
	}
	if len(replicas) > 1 {
		w.Replicas = 0 // the default, 1; each version sets any other count (0 included)
	} else if r := replicasOf(first.d); r != 1 {
		w.Replicas = r
	}
	for _, m := range g.members {
		m.o.used = true
		ver := schema.Version{Name: m.version}
		if len(images) > 1 {
			ver.Image = image(m.d)
		}
		if r := replicasOf(m.d); len(replicas) > 1 && r != 1 {
			ver.Replicas = &r
		}
		w.Versions = append(w.Versions, ver)
		want := schema.VersionObjectName(a.Name, m.version)
		if m.o.Name != want {
			m.o.renamed = "Deployment " + m.o.Namespace + "/" + want + " (version " + m.version + " of app " + a.Name + ")"
		} else {
			m.o.renamed = ""
		}
		if m.o != first.o && !samePods(first.d, m.d) {
			b.lose(m.o, "spec.template.spec", "differs from Deployment %s beyond the image and replicas: versions share their app's pod spec, so version %s runs %s's", first.o.Name, m.version, first.o.Name)
		}
		if m.svc != nil {
			m.svc.used = true
			key := m.svc.Namespace + "/" + m.svc.Name
			b.inlineSvc[key] = a.Name
			b.versionSvc[key] = m.version
			if m.svc.Name != want {
				m.svc.renamed = "Service " + m.svc.Namespace + "/" + want + " (version " + m.version + " of app " + a.Name + ")"
			}
		} else {
			b.differ("%s: gets a Service %s of its own (each version has one)", m.o.Ref(), want)
		}
		if sa := b.find("ServiceAccount", m.o.Namespace, m.d.Spec.Template.Spec.ServiceAccountName); sa != nil {
			sa.used = true
		}
	}
}

func image(d *appsv1.Deployment) string {
	if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 {
		return cs[0].Image
	}
	return ""
}

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// samePods reports whether two Deployments' pods differ at most in their version
// label and their container's image.
func samePods(x, y *appsv1.Deployment) bool {
	norm := func(d *appsv1.Deployment) corev1.PodSpec {
		p := *d.Spec.Template.Spec.DeepCopy()
		for i := range p.Containers {
			p.Containers[i].Image = ""
		}
		// Spread constraints select the version's own pods and come with more than
		// one replica: they differ between versions by construction.
		p.TopologySpreadConstraints = nil
		return p
	}
	return reflect.DeepEqual(norm(x), norm(y))
}
