package render

import (
	"github.com/krm-gen/krm-gen/pkg/argocd"
	"github.com/krm-gen/krm-gen/pkg/model"
)

// FleetFile is the fleet bootstrap of a spec with environments, beside their folders.
const FleetFile = DirBootstrap + "/fleet.yaml"

// Fleet renders the one kubectl apply that bootstraps every environment of a spec:
// the AppProject of each environment's root app (as in its bootstrap/root-app.yaml)
// and an ApplicationSet whose list generator has one element per environment and
// whose template is the root app, so the controller creates each environment's root
// app exactly as bootstrap/root-app.yaml declares it. The ApplicationSet only creates
// and updates root apps (an environment removed from the spec leaves its root app for
// a human to delete) and deleting it keeps them: nothing cascades to the platforms.
// envs are the environments' models and trees[i] the tree rendered for envs[i];
// platform is the spec's name.
func Fleet(platform string, envs []*model.Model, trees []*Tree) *Tree {
	t := &Tree{installs: map[string]installs{}}
	if len(envs) == 0 {
		return t
	}
	var elements []map[string]string
	for i, m := range envs {
		t.add(FleetFile, rootProject(m, trees[i]))
		root := rootApp(m)
		elements = append(elements, map[string]string{
			"environment": m.Environment,
			"name":        root.Name,
			"partOf":      root.Labels[model.LabelPartOf],
			"project":     root.Spec.Project,
			"repoURL":     root.Spec.Source.RepoURL,
			"revision":    root.Spec.Source.TargetRevision,
			"path":        root.Spec.Source.Path,
		})
	}
	first := rootApp(envs[0])
	param := func(k string) string { return "{{." + k + "}}" }
	tmplLabels := map[string]string{}
	for k, v := range first.Labels {
		tmplLabels[k] = v
	}
	tmplLabels[model.LabelPartOf] = param("partOf")
	spec := first.Spec
	src := *spec.Source
	src.RepoURL, src.TargetRevision, src.Path = param("repoURL"), param("revision"), param("path")
	spec.Source, spec.Project = &src, param("project")
	set := &argocd.ApplicationSet{
		TypeMeta:   typeMeta(argocd.APIVersion, "ApplicationSet"),
		ObjectMeta: meta(&model.Model{Name: platform}, platform+"-fleet", first.Namespace, nil),
		Spec: argocd.ApplicationSetSpec{
			GoTemplate:        true,
			GoTemplateOptions: []string{"missingkey=error"},
			Generators:        []argocd.ApplicationSetGenerator{{List: &argocd.ListGenerator{Elements: elements}}},
			Template: argocd.ApplicationSetTemplate{
				Metadata: argocd.ApplicationSetTemplateMeta{Name: param("name"), Labels: tmplLabels},
				Spec:     spec,
			},
			SyncPolicy: &argocd.ApplicationSetSyncPolicy{PreserveResourcesOnDeletion: true, ApplicationsSync: "create-update"},
		},
	}
	t.add(FleetFile, set)
	return t
}

// rootProject is the root app's AppProject as the environment's tree has it (with the
// whitelist derived from what the root app deploys).
func rootProject(m *model.Model, t *Tree) *argocd.AppProject {
	for _, r := range t.Resources {
		if p, ok := r.Object.(*argocd.AppProject); ok && p.Name == m.BootstrapProject() {
			return p
		}
	}
	panic("render: tree without the root app's project " + m.BootstrapProject()) // projects() always adds it
}
