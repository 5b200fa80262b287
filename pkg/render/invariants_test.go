package render_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/pipeline"
	"github.com/krm-gen/krm-gen/pkg/render"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// rendered is one rendered tree with the model it came from and the spec it renders.
type rendered struct {
	name  string
	spec  *schema.Platform // the environment's defaulted spec (or the base one)
	model *model.Model
	tree  *render.Tree
}

func renderAll(t *testing.T) []rendered {
	t.Helper()
	specs, _ := filepath.Glob("../../blueprints/*/platform.yaml")
	golden, _ := filepath.Glob("../../testdata/golden/*/platform.yaml")
	features, _ := filepath.Glob("../../testdata/features/*/platform.yaml")
	var out []rendered
	for _, file := range append(append(specs, golden...), features...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		res := pipeline.Load(data, file)
		if !res.Valid() {
			t.Fatalf("%s: %v", file, res.Diagnostics)
		}
		for _, tr := range res.Trees {
			spec := res.Spec.DeepCopy()
			if tr.Dir != "" {
				var errs field.ErrorList
				if spec, _, errs = res.Spec.Environment(tr.Dir); len(errs) > 0 {
					t.Fatal(errs)
				}
			}
			spec.Default()
			tree, err := render.Render(tr.Model)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rendered{file + ":" + tr.Model.Name, spec, tr.Model, tree})
		}
	}
	if len(out) < 4 {
		t.Fatalf("only %d trees rendered", len(out))
	}
	return out
}

// TestSecureDefaults fails if any rendered tree uses Argo CD's default project, lets
// every namespace attach routes, runs a restricted workload without the restricted
// security context, renders a container without requests and limits (ephemeral
// storage included) or replicas not spread over zones and nodes.
func TestSecureDefaults(t *testing.T) {
	for _, r := range renderAll(t) {
		t.Run(r.name, func(t *testing.T) {
			apps := 0
			for _, res := range r.tree.Resources {
				switch o := res.Object.(type) {
				case *argocd.Application:
					apps++
					if o.Spec.Project == "" || o.Spec.Project == "default" {
						t.Errorf("%s: Application %s uses project %q", res.Path, o.Name, o.Spec.Project)
					}
				case *gwv1.Gateway:
					if o.Spec.GatewayClassName == model.WaypointClassName {
						// A waypoint's listener takes no routes from other namespaces
						// (allowedRoutes defaults to Same); GAMMA routes attach to Services.
						if len(o.Spec.Listeners) != 1 || o.Spec.Listeners[0].AllowedRoutes != nil {
							t.Errorf("%s: waypoint %s: want one listener with the default allowedRoutes", res.Path, o.Name)
						}
						continue
					}
					for _, l := range o.Spec.Listeners {
						ar := l.AllowedRoutes
						if ar == nil || ar.Namespaces == nil || ar.Namespaces.From == nil || *ar.Namespaces.From != gwv1.NamespacesFromSelector || ar.Namespaces.Selector == nil {
							t.Errorf("%s: listener %s does not restrict routes to selected namespaces", res.Path, l.Name)
						}
						if l.Protocol == gwv1.HTTPSProtocolType && (l.TLS == nil || l.TLS.Mode == nil || *l.TLS.Mode != gwv1.TLSModeTerminate || len(l.TLS.CertificateRefs) == 0) {
							t.Errorf("%s: HTTPS listener %s does not terminate TLS with a certificate", res.Path, l.Name)
						}
					}
				case *appsv1.Deployment:
					checkPod(t, res.Path, r, o)
				}
			}
			if apps == 0 {
				t.Error("no Applications rendered")
			}
		})
	}
}

func checkPod(t *testing.T, path string, r rendered, d *appsv1.Deployment) {
	t.Helper()
	m := r.model
	var app *model.App
	for i := range m.Apps {
		a := &m.Apps[i]
		if a.Namespace != d.Namespace || a.Inline == nil {
			continue
		}
		for _, v := range a.Inline.Deployments {
			if v.Deployment == d.Name {
				app = a
			}
		}
	}
	if app == nil {
		t.Fatalf("%s: Deployment %s/%s is not a model app", path, d.Namespace, d.Name)
	}
	pod := d.Spec.Template.Spec
	for _, c := range pod.Containers {
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			if _, ok := c.Resources.Requests[res]; !ok {
				t.Errorf("%s: container %s has no %s request", path, c.Name, res)
			}
			if _, ok := c.Resources.Limits[res]; !ok {
				t.Errorf("%s: container %s has no %s limit", path, c.Name, res)
			}
		}
		if app.PodSecurity != schema.PodSecurityRestricted {
			continue
		}
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
			t.Errorf("%s: container %s lacks the restricted security context", path, c.Name)
		}
	}
	if app.PodSecurity == schema.PodSecurityRestricted {
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod lacks runAsNonRoot and RuntimeDefault seccomp", path)
		}
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas > 1 {
		for _, key := range []string{corev1.LabelTopologyZone, corev1.LabelHostname} {
			if !slices.ContainsFunc(pod.TopologySpreadConstraints, func(c corev1.TopologySpreadConstraint) bool { return c.TopologyKey == key }) {
				t.Errorf("%s: %d replicas not spread over %s", path, *d.Spec.Replicas, key)
			}
		}
	}
	// Placement comes from the pool definition of the spec only.
	poolName := r.spec.Spec.Health.NodePool
	for _, a := range r.spec.Spec.Apps {
		if a.Name == app.Name {
			poolName = a.NodePool
		}
	}
	pool := r.spec.Spec.NodePools[poolName]
	for k, v := range pool.Labels {
		if pod.NodeSelector[k] != v {
			t.Errorf("%s: nodeSelector lacks %s=%s of pool %s", path, k, v, poolName)
		}
	}
	if len(pod.Tolerations) != len(pool.Taints) {
		t.Errorf("%s: %d tolerations for %d taints of pool %s", path, len(pod.Tolerations), len(pool.Taints), poolName)
	}
}

// TestReferenceGrantsExactlyWhereNeeded: a grant per cross-namespace backend (in the
// backend's namespace, naming that Service), none for same-namespace routes.
func TestReferenceGrantsExactlyWhereNeeded(t *testing.T) {
	for _, r := range renderAll(t) {
		t.Run(r.name, func(t *testing.T) {
			granted := map[string]bool{} // target-ns/from-ns/Service-name
			for _, res := range r.tree.Resources {
				g, ok := res.Object.(*gwv1.ReferenceGrant)
				if !ok {
					continue
				}
				for _, f := range g.Spec.From {
					for _, to := range g.Spec.To {
						if to.Name == nil {
							t.Errorf("%s: grant to every %s in %s; must name the object", res.Path, to.Kind, g.Namespace)
							continue
						}
						granted[g.Namespace+"/"+string(f.Namespace)+"/"+string(to.Kind)+"/"+string(*to.Name)] = true
					}
				}
			}
			// Expected from the spec itself, not from what was rendered.
			want := map[string]bool{}
			spec := r.spec.Spec
			appNS := map[string]string{}
			for _, a := range spec.Apps {
				appNS[a.Name] = a.Namespace
			}
			appSvc := map[string]string{}
			for _, a := range spec.Apps {
				appSvc[a.Name] = a.Name
				if a.Service != nil && a.Service.Name != "" {
					appSvc[a.Name] = a.Service.Name
				}
			}
			// wantRef records a route in namespace from referring to an app or a Service.
			wantRef := func(from, app, svc, ns string) {
				if app != "" {
					svc, ns = appSvc[app], appNS[app]
				}
				if ns != from {
					want[ns+"/"+from+"/Service/"+svc] = true
				}
			}
			for _, rt := range spec.Routes {
				switch {
				case rt.App != "":
					wantRef(rt.Namespace, rt.App, "", "")
				case rt.Backend != nil:
					wantRef(rt.Namespace, "", rt.Backend.Service, rt.Backend.Namespace)
				}
				for _, b := range rt.Backends {
					wantRef(rt.Namespace, b.App, b.Service, b.Namespace)
				}
				if m := rt.Mirror; m != nil {
					wantRef(rt.Namespace, m.App, m.Service, m.Namespace)
				}
			}
			for _, rt := range spec.MeshRoutes {
				for _, b := range rt.Backends {
					wantRef(rt.Service.Namespace, b.App, b.Service, b.Namespace)
				}
			}
			if h := spec.Gateway.HTTPS; h != nil && h.CertificateNamespace != "" && h.CertificateNamespace != spec.Gateway.Namespace {
				want[h.CertificateNamespace+"/"+spec.Gateway.Namespace+"/Secret/"+h.CertificateSecret] = true
			}
			if h := spec.Gateway.HTTPS; h != nil {
				for _, c := range h.Certificates {
					if c.Namespace != "" && c.Namespace != spec.Gateway.Namespace {
						want[c.Namespace+"/"+spec.Gateway.Namespace+"/Secret/"+c.Secret] = true
					}
				}
			}
			for k := range want {
				if !granted[k] {
					t.Errorf("missing ReferenceGrant %s", k)
				}
			}
			for k := range granted {
				if !want[k] {
					t.Errorf("ReferenceGrant %s grants a reference nothing makes", k)
				}
			}
		})
	}
}

// hardeningViolations lists what a rendered tree breaks of the manifest hardening:
// a Deployment with more than one replica that no PodDisruptionBudget covers, a
// container whose liveness probe is its readiness check, an app namespace without
// the default-deny NetworkPolicy (every pod, no rule, ingress and, unless the spec
// relaxes it, egress).
func hardeningViolations(m *model.Model, resources []render.Resource) []string {
	var out []string
	var pdbs []*policyv1.PodDisruptionBudget
	denied := map[string]bool{}
	for _, r := range resources {
		switch o := r.Object.(type) {
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, o)
		case *networkingv1.NetworkPolicy:
			if isDefaultDeny(o, m.EgressRestricted) {
				denied[o.Namespace] = true
			}
		}
	}
	for _, r := range resources {
		d, ok := r.Object.(*appsv1.Deployment)
		if !ok {
			continue
		}
		id := r.Path + ": Deployment " + d.Namespace + "/" + d.Name
		if d.Spec.Replicas != nil && *d.Spec.Replicas > 1 && !slices.ContainsFunc(pdbs, func(p *policyv1.PodDisruptionBudget) bool {
			return covers(p, d)
		}) {
			out = append(out, fmt.Sprintf("%s: %d replicas and no PodDisruptionBudget covers its pods", id, *d.Spec.Replicas))
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.LivenessProbe != nil && c.ReadinessProbe != nil && equality.Semantic.DeepEqual(c.LivenessProbe.ProbeHandler, c.ReadinessProbe.ProbeHandler) {
				out = append(out, fmt.Sprintf("%s: container %s: its liveness probe is its readiness check", id, c.Name))
			}
		}
	}
	for _, ns := range m.Namespaces {
		if ns.HasApps && !denied[ns.Name] {
			out = append(out, fmt.Sprintf("namespace %s holds apps and lacks the default-deny NetworkPolicy", ns.Name))
		}
	}
	return out
}

// isDefaultDeny: the policy selects every pod and allows nothing, for ingress and,
// when egress is restricted, egress.
func isDefaultDeny(np *networkingv1.NetworkPolicy, egress bool) bool {
	sel := np.Spec.PodSelector
	return np.Name == render.DefaultDenyPolicy && len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 &&
		len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 &&
		slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) &&
		(!egress || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress))
}

// covers: the budget is in the Deployment's namespace and selects its pods.
func covers(p *policyv1.PodDisruptionBudget, d *appsv1.Deployment) bool {
	if p.Namespace != d.Namespace || p.Spec.Selector == nil {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
	return err == nil && !sel.Empty() && sel.Matches(labels.Set(d.Spec.Template.Labels))
}

// TestHardeningInvariants: no rendered tree breaks the manifest hardening.
func TestHardeningInvariants(t *testing.T) {
	for _, r := range renderAll(t) {
		t.Run(r.name, func(t *testing.T) {
			for _, v := range hardeningViolations(r.model, r.tree.Resources) {
				t.Error(v)
			}
		})
	}
}

// TestHardeningInvariantsCatchBrokenTrees: each break of the hardening, made in a
// freshly rendered tree, is reported (so the test above can fail).
func TestHardeningInvariantsCatchBrokenTrees(t *testing.T) {
	var base rendered
	for _, r := range renderAll(t) {
		if strings.HasSuffix(r.name, "blueprints/eks/platform.yaml:mtkc") {
			base = r
		}
	}
	if base.model == nil {
		t.Fatal("blueprint eks not rendered")
	}
	type object = render.Resource
	deployment := func(name string) func(o object) bool {
		return func(o object) bool { d, ok := o.Object.(*appsv1.Deployment); return ok && d.Name == name }
	}
	tests := []struct {
		name   string
		break_ func(resources []object) []object
		want   string
	}{{
		name: "health responder without its PodDisruptionBudget",
		break_: func(rs []object) []object {
			return slices.DeleteFunc(rs, func(o object) bool {
				p, ok := o.Object.(*policyv1.PodDisruptionBudget)
				return ok && p.Name == model.HealthResponderName
			})
		},
		want: "Deployment gateway-health/health-responder: 2 replicas and no PodDisruptionBudget covers its pods",
	}, {
		name: "a budget that selects other pods",
		break_: func(rs []object) []object {
			for _, o := range rs {
				if p, ok := o.Object.(*policyv1.PodDisruptionBudget); ok && p.Name == "sample-app-1" {
					p.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{model.LabelName: "sample-app-2"}}
				}
			}
			return rs
		},
		want: "Deployment sample-apps/sample-app-1: 2 replicas and no PodDisruptionBudget covers its pods",
	}, {
		name: "liveness copied from readiness",
		break_: func(rs []object) []object {
			i := slices.IndexFunc(rs, deployment("users-api"))
			c := &rs[i].Object.(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
			c.LivenessProbe = c.ReadinessProbe.DeepCopy()
			c.LivenessProbe.InitialDelaySeconds = 30 // other timings: still the same check
			return rs
		},
		want: "Deployment api-services/users-api: container users-api: its liveness probe is its readiness check",
	}, {
		name: "app namespace without default-deny",
		break_: func(rs []object) []object {
			return slices.DeleteFunc(rs, func(o object) bool {
				np, ok := o.Object.(*networkingv1.NetworkPolicy)
				return ok && np.Namespace == "sample-apps" && np.Name == render.DefaultDenyPolicy
			})
		},
		want: "namespace sample-apps holds apps and lacks the default-deny NetworkPolicy",
	}, {
		name: "default-deny that allows something",
		break_: func(rs []object) []object {
			for _, o := range rs {
				if np, ok := o.Object.(*networkingv1.NetworkPolicy); ok && np.Namespace == "gateway-health" && np.Name == render.DefaultDenyPolicy {
					np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
				}
			}
			return rs
		},
		want: "namespace gateway-health holds apps and lacks the default-deny NetworkPolicy",
	}, {
		name: "default-deny of ingress only, egress restricted",
		break_: func(rs []object) []object {
			for _, o := range rs {
				if np, ok := o.Object.(*networkingv1.NetworkPolicy); ok && np.Namespace == "api-services" && np.Name == render.DefaultDenyPolicy {
					np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
				}
			}
			return rs
		},
		want: "namespace api-services holds apps and lacks the default-deny NetworkPolicy",
	}, {
		name: "default-deny selecting some pods only",
		break_: func(rs []object) []object {
			for _, o := range rs {
				if np, ok := o.Object.(*networkingv1.NetworkPolicy); ok && np.Namespace == "api-services" && np.Name == render.DefaultDenyPolicy {
					np.Spec.PodSelector = metav1.LabelSelector{MatchLabels: map[string]string{model.LabelName: "users-api"}}
				}
			}
			return rs
		},
		want: "namespace api-services holds apps and lacks the default-deny NetworkPolicy",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := render.Render(base.model) // fresh objects: the cases never share one
			if err != nil {
				t.Fatal(err)
			}
			if v := hardeningViolations(base.model, tree.Resources); len(v) > 0 {
				t.Fatalf("the unbroken tree already violates: %v", v)
			}
			got := hardeningViolations(base.model, tc.break_(tree.Resources))
			if !slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, tc.want) }) {
				t.Errorf("violations %q; want one containing %q", got, tc.want)
			}
		})
	}
}
