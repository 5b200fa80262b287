package render

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Namespace labels.
const (
	labelPSAEnforce        = "pod-security.kubernetes.io/enforce"
	labelPSAEnforceVersion = "pod-security.kubernetes.io/enforce-version"
	labelPSAWarn           = "pod-security.kubernetes.io/warn"
	labelPSAAudit          = "pod-security.kubernetes.io/audit"
	labelReadinessGate     = "elbv2.k8s.aws/pod-readiness-gate-inject"
	syncOptionsAnnotation  = "argocd.argoproj.io/sync-options"
)

func namespaces(m *model.Model, t *Tree) error {
	for _, ns := range m.Namespaces {
		if !ns.Managed {
			continue // someone else's namespace: referenced, never created or relabelled
		}
		l := map[string]string{
			labelPSAEnforce:        ns.PodSecurity,
			labelPSAEnforceVersion: "latest",
			labelPSAWarn:           schema.PodSecurityRestricted,
			labelPSAAudit:          schema.PodSecurityRestricted,
		}
		if ns.Ambient {
			l[model.LabelDataplaneMode] = "ambient"
		}
		if ns.HasRoutes {
			l[model.LabelGatewayAccess] = m.Gateway.Name
		}
		if ns.IsGateway && m.Spec.Spec.Provider == schema.ProviderEKS {
			// The LB controller registers pod IPs; readiness gates keep rollouts safe.
			l[labelReadinessGate] = "enabled"
		}
		obj := &corev1.Namespace{
			TypeMeta:   typeMeta("v1", "Namespace"),
			ObjectMeta: meta(m, ns.Name, "", l),
		}
		// Never prune or delete a namespace with Argo CD: it takes everything in it along.
		obj.Annotations = map[string]string{syncOptionsAnnotation: "Prune=false,Delete=false"}
		t.add(DirNamespaces+"/"+ns.Name+".yaml", obj)
	}
	return nil
}
