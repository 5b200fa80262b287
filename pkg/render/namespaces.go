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
)

func namespaces(m *model.Model, t *Tree) error {
	for _, ns := range m.Namespaces {
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
		t.add(DirNamespaces+"/"+ns.Name+".yaml", &corev1.Namespace{
			TypeMeta:   typeMeta("v1", "Namespace"),
			ObjectMeta: meta(m, ns.Name, "", l),
		})
	}
	return nil
}
