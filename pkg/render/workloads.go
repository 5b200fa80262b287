package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
		t.add(file, deployment(m, a), service(m, a))
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

func deployment(m *model.Model, a model.App) *appsv1.Deployment {
	w := a.Inline
	port := intstr.FromString("http")
	probe := &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: port}},
		PeriodSeconds:    10,
		FailureThreshold: 3,
	}
	if w.Probe != nil {
		probe.ProbeHandler = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: w.Probe.Path, Port: port}}
	}
	liveness := probe.DeepCopy()
	liveness.InitialDelaySeconds = 10
	c := corev1.Container{
		Name:            a.Name,
		Image:           w.Image,
		Command:         w.Command,
		Args:            w.Args,
		Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: w.Port, Protocol: corev1.ProtocolTCP}},
		Resources:       w.Requirements,
		ReadinessProbe:  probe,
		LivenessProbe:   liveness,
		SecurityContext: containerSecurity(a),
	}
	for _, e := range w.Env {
		c.Env = append(c.Env, corev1.EnvVar{Name: e.Name, Value: e.Value})
	}
	pod := corev1.PodSpec{
		ServiceAccountName:           a.Name,
		AutomountServiceAccountToken: ptr(false),
		NodeSelector:                 a.Placement.NodeSelector,
		Tolerations:                  a.Placement.Tolerations,
		SecurityContext:              podSecurity(a),
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
			EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resourceQuantity("64Mi"))},
		}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: p})
	}
	pod.Containers = []corev1.Container{c}
	if w.Replicas > 1 {
		pod.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1.LabelSelector{MatchLabels: appLabels(a)},
		}}
	}
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(m, a.Name, a.Namespace, appLabels(a)),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(w.Replicas),
			Selector: &metav1.LabelSelector{MatchLabels: appLabels(a)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(m, appLabels(a)), Annotations: annotations},
				Spec:       pod,
			},
		},
	}
}

// podSecurity follows the Pod Security Standards level the app runs at.
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

func service(m *model.Model, a model.App) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: meta(m, a.Name, a.Namespace, appLabels(a)),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: appLabels(a),
			Ports: []corev1.ServicePort{{
				Name: "http", Port: a.Service.Port, TargetPort: intstr.FromString("http"),
				Protocol: corev1.ProtocolTCP, AppProtocol: ptr("http"),
			}},
		},
	}
}
