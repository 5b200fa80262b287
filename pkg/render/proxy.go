package render

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/krm-gen/krm-gen/internal/manifest"
	"github.com/krm-gen/krm-gen/pkg/model"
)

// Istio generates the Deployment, Service and ServiceAccount of a Gateway (the ingress
// gateway and each waypoint); krm-gen shapes them through infrastructure.parametersRef.
const (
	labelGatewayName      = "gateway.networking.k8s.io/gateway-name"
	istioProxyContainer   = "istio-proxy"
	syncWaveBeforeGateway = "-1"
)

// proxy is what krm-gen sets on the pods Istio generates for one Gateway.
type proxy struct {
	gateway, namespace, configMap string
	placement                     model.Placement
	replicas, maxReplicas         int32 // maxReplicas > 0: an HPA owns the replica count
	resources                     corev1.ResourceRequirements
	service                       *corev1.Service // the Service patch, nil for Istio's defaults
}

// parameters is the ConfigMap Istio reads through infrastructure.parametersRef: each
// key is a strategic-merge patch for one object Istio generates for the Gateway.
func parameters(m *model.Model, p proxy) (*corev1.ConfigMap, error) {
	data := map[string]string{}
	put := func(key string, obj any) error {
		s, err := manifest.Patch(obj)
		if err != nil {
			return fmt.Errorf("%s parameters %s: %w", p.gateway, key, err)
		}
		data[key] = s
		return nil
	}
	if err := put("deployment", deploymentPatch(p)); err != nil {
		return nil, err
	}
	if p.service != nil {
		if err := put("service", p.service); err != nil {
			return nil, err
		}
	}
	if p.replicas > 1 {
		if err := put("podDisruptionBudget", &policyv1.PodDisruptionBudget{
			Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(1))},
		}); err != nil {
			return nil, err
		}
	}
	if p.maxReplicas > 0 {
		if err := put("horizontalPodAutoscaler", &autoscalingv2.HorizontalPodAutoscaler{
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				MinReplicas: ptr(p.replicas),
				MaxReplicas: p.maxReplicas,
				Metrics: []autoscalingv2.MetricSpec{{
					Type: autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{
						Name:   corev1.ResourceCPU,
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(80))},
					},
				}},
			},
		}); err != nil {
			return nil, err
		}
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: meta(m, p.configMap, p.namespace, nil),
		Data:       data,
	}
	// The ConfigMap must exist before the Gateway that references it.
	cm.Annotations = map[string]string{"argocd.argoproj.io/sync-wave": syncWaveBeforeGateway}
	return cm, nil
}

func deploymentPatch(p proxy) *appsv1.Deployment {
	spec := corev1.PodSpec{
		NodeSelector: p.placement.NodeSelector,
		Tolerations:  p.placement.Tolerations,
		SecurityContext: &corev1.PodSecurityContext{
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{Name: istioProxyContainer, Resources: p.resources}},
	}
	if p.replicas > 1 {
		spec.TopologySpreadConstraints = spread(map[string]string{labelGatewayName: p.gateway})
	}
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: spec}}}
	if p.maxReplicas == 0 {
		// With an HPA, the HPA owns the replica count: istiod would reset it otherwise.
		d.Spec.Replicas = ptr(p.replicas)
	}
	return d
}
