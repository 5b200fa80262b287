package render

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
)

const syncOptionsAnnotation = "argocd.argoproj.io/sync-options"

func namespaces(m *model.Model, t *Tree) error {
	for _, ns := range m.Namespaces {
		if !ns.Managed {
			continue // someone else's namespace: referenced, never created or relabelled
		}
		obj := &corev1.Namespace{
			TypeMeta:   typeMeta("v1", "Namespace"),
			ObjectMeta: meta(m, ns.Name, "", ns.Labels),
		}
		// Never prune or delete a namespace with Argo CD: it takes everything in it along.
		obj.Annotations = map[string]string{syncOptionsAnnotation: "Prune=false,Delete=false"}
		t.add(DirNamespaces+"/"+ns.Name+".yaml", obj)
	}
	return nil
}
