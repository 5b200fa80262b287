package pipeline_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/render"
)

// TestFleetCreatesEachRootApp plays the ApplicationSet controller on
// bootstrap/fleet.yaml: it must create exactly each environment's root app, as that
// environment's bootstrap/root-app.yaml declares it, in a project of the fleet file
// that allows its source and destination (and nothing but Applications and
// AppProjects), and must never cascade a deletion.
func TestFleetCreatesEachRootApp(t *testing.T) {
	for _, spec := range []string{"../../blueprints/eks-envs/platform.yaml", "../../testdata/features/argocd-environments/platform.yaml", "../../testdata/features/gateway-environments/platform.yaml"} {
		t.Run(spec, func(t *testing.T) {
			outs, _ := renderSpec(t, readSpec(t, spec), spec)
			roots := map[string]*argocd.Application{}
			var set *argocd.ApplicationSet
			projects := map[string]*argocd.AppProject{}
			var envs []string
			for _, o := range outs {
				if o.Dir != "" {
					envs = append(envs, o.Dir)
				}
				for _, r := range o.Tree.Resources {
					switch obj := r.Object.(type) {
					case *argocd.Application:
						if r.Path == render.DirBootstrap+"/root-app.yaml" {
							roots[obj.Name] = obj
						}
					case *argocd.ApplicationSet:
						if o.Dir != "" || r.Path != render.FleetFile {
							t.Errorf("ApplicationSet %s in %s/%s, want %s beside the environments", obj.Name, o.Dir, r.Path, render.FleetFile)
						}
						set = obj
					case *argocd.AppProject:
						if o.Dir == "" {
							projects[obj.Name] = obj
						}
					}
				}
			}
			if set == nil {
				t.Fatal("no ApplicationSet rendered")
			}
			if set.Spec.SyncPolicy == nil || !set.Spec.SyncPolicy.PreserveResourcesOnDeletion || set.Spec.SyncPolicy.ApplicationsSync != "create-update" {
				t.Errorf("syncPolicy %+v: deleting the ApplicationSet or an environment must not delete root apps", set.Spec.SyncPolicy)
			}
			apps, err := set.Applications()
			if err != nil {
				t.Fatal(err)
			}
			if len(apps) != len(envs) || len(roots) != len(envs) {
				t.Fatalf("%d Applications from the fleet, %d root apps, %d environments", len(apps), len(roots), len(envs))
			}
			for _, app := range apps {
				root, ok := roots[app.Name]
				if !ok {
					t.Errorf("the fleet creates %s, no environment's root app", app.Name)
					continue
				}
				if !reflect.DeepEqual(&app, root) {
					t.Errorf("the fleet creates\n%+v\nthe environment's root app is\n%+v", app, *root)
				}
				p, ok := projects[app.Spec.Project]
				if !ok {
					t.Errorf("%s: project %s is not in %s", app.Name, app.Spec.Project, render.FleetFile)
					continue
				}
				if !slices.Contains(p.Spec.SourceRepos, app.Spec.Source.RepoURL) || !slices.Contains(p.Spec.Destinations, app.Spec.Destination) {
					t.Errorf("%s: project %s does not allow its source %s or destination %+v", app.Name, p.Name, app.Spec.Source.RepoURL, app.Spec.Destination)
				}
				if len(p.Spec.ClusterResourceWhitelist) > 0 || len(p.Spec.NamespaceResourceWhitelist) != 2 {
					t.Errorf("%s: project %s allows more than Applications and AppProjects: %+v", app.Name, p.Name, p.Spec)
				}
			}
		})
	}
}
