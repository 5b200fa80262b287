package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// configHashAnnotation rolls the pods when their mounted files change.
const configHashAnnotation = "krm-gen.dev/config-hash"

func workloads(m *model.Model, t *Tree) error {
	for _, a := range m.Apps {
		if a.Inline == nil {
			continue // its source renders its pods
		}
		// One file per app: its Application reads just this file (directory.include).
		file := workloadFile(a.Name)
		t.add(file, serviceAccount(m, a))
		if len(a.Inline.Files) > 0 {
			t.add(file, filesConfigMap(m, a))
		}
		for _, d := range a.Inline.Deployments {
			t.add(file, deployment(m, a, d))
		}
		t.add(file, service(m, a, a.Name, appLabels(a)))
		for _, d := range a.Inline.Deployments {
			if d.Service != "" {
				t.add(file, service(m, a, d.Service, d.Labels))
			}
		}
		for _, d := range a.Inline.Deployments {
			if d.Replicas > 1 {
				t.add(file, disruptionBudget(m, a, d))
			}
		}
	}
	return nil
}

// workloadFile is the file holding an app's objects; the file name is its
// Application's directory.include.
func workloadFile(app string) string { return DirWorkloads + "/" + app + ".yaml" }

func appLabels(a model.App) map[string]string {
	return map[string]string{model.LabelName: a.Name}
}

func serviceAccount(m *model.Model, a model.App) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:   typeMeta("v1", "ServiceAccount"),
		ObjectMeta: meta(m, a.Name, a.Namespace, appLabels(a)),
		// Apps do not talk to the Kubernetes API; the mesh identity needs no token mount.
		AutomountServiceAccountToken: ptr(false),
	}
}

func filesConfigName(a model.App) string { return a.Name + "-files" }

func filesConfigMap(m *model.Model, a model.App) *corev1.ConfigMap {
	data := map[string]string{}
	for _, f := range a.Inline.Files {
		data[path.Base(f.Path)] = f.Content
	}
	return &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: meta(m, filesConfigName(a), a.Namespace, appLabels(a)),
		Data:       data,
	}
}

func filesHash(a model.App) string {
	h := sha256.New()
	for _, f := range a.Inline.Files {
		fmt.Fprintf(h, "%s\x00%s\x00", f.Path, f.Content)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// deployment is one Deployment of an inline app: the app's only one, or a version's.
func deployment(m *model.Model, a model.App, d model.Version) *appsv1.Deployment {
	w := a.Inline
	c := corev1.Container{
		Name:            a.Name,
		Image:           d.Image,
		Command:         w.Command,
		Args:            w.Args,
		Resources:       w.Requirements,
		ReadinessProbe:  probe(w.Readiness, w.Ports, probeDefaults{period: 10, failures: 3}),
		SecurityContext: containerSecurity(a),
	}
	if w.Liveness != nil {
		// Never the readiness check (the model derives or the spec validates it).
		c.LivenessProbe = probe(w.Liveness, w.Ports, probeDefaults{delay: 10, period: 10, failures: 3})
	}
	if w.Startup != nil {
		// Holds the other probes back until the app started: up to 5 minutes by default.
		c.StartupProbe = probe(w.Startup, w.Ports, probeDefaults{period: 10, failures: 30})
	}
	for _, p := range w.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: p.Name, ContainerPort: p.Port, Protocol: corev1.ProtocolTCP})
	}
	for _, e := range w.Env {
		ev := corev1.EnvVar{Name: e.Name}
		switch {
		case e.Value != nil:
			ev.Value = *e.Value
		case e.Secret != nil:
			ev.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: e.Secret.Name}, Key: e.Secret.Key, Optional: optional(e.Secret.Optional),
			}}
		case e.ConfigMap != nil:
			ev.ValueFrom = &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: e.ConfigMap.Name}, Key: e.ConfigMap.Key, Optional: optional(e.ConfigMap.Optional),
			}}
		}
		c.Env = append(c.Env, ev)
	}
	for _, e := range w.EnvFrom {
		src := corev1.EnvFromSource{Prefix: e.Prefix}
		if e.Secret != "" {
			src.SecretRef = &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: e.Secret}}
		} else {
			src.ConfigMapRef = &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: e.ConfigMap}}
		}
		c.EnvFrom = append(c.EnvFrom, src)
	}
	pod := corev1.PodSpec{
		ServiceAccountName:           a.Name,
		AutomountServiceAccountToken: ptr(false),
		NodeSelector:                 a.Placement.NodeSelector,
		Tolerations:                  a.Placement.Tolerations,
		SecurityContext:              podSecurity(a),
	}
	for _, name := range w.ImagePullSecrets {
		pod.ImagePullSecrets = append(pod.ImagePullSecrets, corev1.LocalObjectReference{Name: name})
	}
	var annotations map[string]string
	if len(w.Files) > 0 {
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "files", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: filesConfigName(a)}},
		}})
		for _, f := range w.Files {
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "files", MountPath: f.Path, SubPath: path.Base(f.Path), ReadOnly: true})
		}
		annotations = map[string]string{configHashAnnotation: filesHash(a)}
	}
	for i, p := range w.WritablePaths {
		name := fmt.Sprintf("writable-%d", i)
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: resource.NewQuantity(model.WritablePathSize, resource.BinarySI)},
		}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: p})
	}
	pod.Containers = []corev1.Container{c}
	if d.Replicas > 1 {
		pod.TopologySpreadConstraints = spread(d.Labels)
	}
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(m, d.Deployment, a.Namespace, d.Labels),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(d.Replicas),
			Selector: &metav1.LabelSelector{MatchLabels: d.Labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(m, d.Labels), Annotations: annotations},
				Spec:       pod,
			},
		},
	}
}

// podSecurity follows the Pod Security Standards level the app runs at.
// spread places replicas over zones and, within a zone, over nodes. Both are soft
// (ScheduleAnyway): spreading never leaves a pod Pending; the PodDisruptionBudget is
// what keeps a drain from evicting every replica at once.
func spread(selector map[string]string) []corev1.TopologySpreadConstraint {
	var out []corev1.TopologySpreadConstraint
	for _, key := range []string{corev1.LabelTopologyZone, corev1.LabelHostname} {
		out = append(out, corev1.TopologySpreadConstraint{
			MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1.LabelSelector{MatchLabels: selector},
		})
	}
	return out
}

// disruptionBudget keeps a voluntary disruption (a node group roll, a drain) from
// evicting more than maxUnavailable of an app's replicas at once. Pods that are not
// ready may always be evicted, so a crash-looping app never blocks a drain.
// A version's budget covers its own pods: each version is drained within its own
// bound, whatever the others' replicas.
func disruptionBudget(m *model.Model, a model.App, d model.Version) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   typeMeta("policy/v1", "PodDisruptionBudget"),
		ObjectMeta: meta(m, d.Deployment, a.Namespace, d.Labels),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr(intstr.FromInt32(a.Inline.MaxUnavailable)),
			Selector:                   &metav1.LabelSelector{MatchLabels: d.Labels},
			UnhealthyPodEvictionPolicy: ptr(policyv1.AlwaysAllow),
		},
	}
}

func podSecurity(a model.App) *corev1.PodSecurityContext {
	if a.PodSecurity == schema.PodSecurityPrivileged {
		return nil
	}
	sc := &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	if a.PodSecurity == schema.PodSecurityRestricted {
		sc.RunAsNonRoot = ptr(true)
	}
	sc.RunAsUser = a.Inline.RunAsUser
	return sc
}

func containerSecurity(a model.App) *corev1.SecurityContext {
	if a.PodSecurity == schema.PodSecurityPrivileged {
		return nil
	}
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	if a.PodSecurity == schema.PodSecurityRestricted {
		sc.RunAsNonRoot = ptr(true)
	}
	return sc
}

// service is an inline app's Service (selecting every version's pods) or one version's.
func service(m *model.Model, a model.App, name string, selector map[string]string) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: meta(m, name, a.Namespace, selector),
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Selector: selector},
	}
	for _, p := range a.Inline.Ports {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
			Name: p.Name, Port: p.Port, TargetPort: intstr.FromString(p.Name),
			Protocol: corev1.ProtocolTCP, AppProtocol: ptr(p.Protocol.AppProtocol()),
		})
	}
	return svc
}

// probeDefaults are what a probe gets where the spec says nothing.
type probeDefaults struct{ delay, period, failures int32 }

// probe is a spec probe against the app's ports; a probe that names no check (or
// tcp) is a TCP connect to its port, the first by default.
func probe(p *schema.Probe, ports []schema.Port, def probeDefaults) *corev1.Probe {
	port := ports[0]
	if p != nil && p.Port != "" {
		for _, q := range ports {
			if q.Name == p.Port {
				port = q
			}
		}
	}
	out := &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(port.Name)}},
		InitialDelaySeconds: def.delay, PeriodSeconds: def.period, FailureThreshold: def.failures,
	}
	if p == nil {
		return out
	}
	switch {
	case p.Path != "":
		out.ProbeHandler = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: p.Path, Port: intstr.FromString(port.Name)}}
	case p.GRPC != nil:
		g := &corev1.GRPCAction{Port: port.Port} // gRPC probes take a number, not a port name
		if p.GRPC.Service != "" {
			g.Service = ptr(p.GRPC.Service)
		}
		out.ProbeHandler = corev1.ProbeHandler{GRPC: g}
	case len(p.Exec) > 0:
		out.ProbeHandler = corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: p.Exec}}
	}
	for _, t := range []struct {
		set int32
		to  *int32
	}{{p.InitialDelaySeconds, &out.InitialDelaySeconds}, {p.PeriodSeconds, &out.PeriodSeconds}, {p.TimeoutSeconds, &out.TimeoutSeconds}, {p.FailureThreshold, &out.FailureThreshold}} {
		if t.set != 0 {
			*t.to = t.set
		}
	}
	return out
}

func optional(b bool) *bool {
	if b {
		return ptr(true)
	}
	return nil
}
