package render_test

import (
	"os"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
// security context, or renders a container without requests and limits.
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
		if m.Apps[i].Name == d.Name && m.Apps[i].Namespace == d.Namespace {
			app = &m.Apps[i]
		}
	}
	if app == nil {
		t.Fatalf("%s: Deployment %s/%s is not a model app", path, d.Namespace, d.Name)
	}
	pod := d.Spec.Template.Spec
	for _, c := range pod.Containers {
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
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
