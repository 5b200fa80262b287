package importer

import (
	"maps"
	"path"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// probes maps the container's probes; what equals krm-gen's defaults is left out.
func (b *builder) probes(a *schema.App, c corev1.Container) {
	ports := portsOf(a)
	read := probeOf(c.ReadinessProbe, ports, probeDefaults{period: 10, failures: 3})
	live := probeOf(c.LivenessProbe, ports, probeDefaults{delay: 10, period: 10, failures: 3})
	start := probeOf(c.StartupProbe, ports, probeDefaults{period: 10, failures: 30})
	w := &a.Workload
	switch {
	case start == nil && read != nil && live != nil && reflect.DeepEqual(read, live):
		if !reflect.DeepEqual(read, &schema.Probe{TCP: true}) {
			w.Probe = read // else TCP on the first port: the default
		}
	case read == nil && live == nil && start == nil:
		if c.ReadinessProbe == nil && c.LivenessProbe == nil {
			b.differ("Deployment %s/%s: gets TCP readiness and liveness probes on port %s", a.Namespace, a.Name, ports[0].Name)
		}
	default:
		w.Probes = &schema.Probes{Readiness: read, Liveness: live, Startup: start}
	}
}

func portsOf(a *schema.App) []schema.Port {
	if a.Port != 0 {
		return []schema.Port{{Name: "http", Port: a.Port}}
	}
	return a.Ports
}

type probeDefaults struct{ delay, period, failures int32 }

// probeOf is the spec probe for p (nil for none).
func probeOf(p *corev1.Probe, ports []schema.Port, def probeDefaults) *schema.Probe {
	if p == nil {
		return nil
	}
	out := &schema.Probe{}
	portName := func(ip intstr.IntOrString) string {
		for i, q := range ports {
			if q.Name == ip.StrVal || (ip.Type == intstr.Int && q.Port == ip.IntVal) {
				if i == 0 {
					return ""
				}
				return q.Name
			}
		}
		return ""
	}
	switch h := p.ProbeHandler; {
	case h.HTTPGet != nil:
		out.Path, out.Port = h.HTTPGet.Path, portName(h.HTTPGet.Port)
		if out.Path == "" {
			out.Path = "/"
		}
	case h.GRPC != nil:
		out.GRPC = &schema.GRPCProbe{}
		if h.GRPC.Service != nil {
			out.GRPC.Service = *h.GRPC.Service
		}
		out.Port = portName(intstr.FromInt32(h.GRPC.Port))
	case h.Exec != nil:
		out.Exec = h.Exec.Command
	case h.TCPSocket != nil:
		out.TCP, out.Port = true, portName(h.TCPSocket.Port)
	}
	if p.InitialDelaySeconds != def.delay {
		out.InitialDelaySeconds = p.InitialDelaySeconds
	}
	if p.PeriodSeconds != def.period && p.PeriodSeconds != 0 {
		out.PeriodSeconds = p.PeriodSeconds
	}
	if p.FailureThreshold != def.failures && p.FailureThreshold != 0 {
		out.FailureThreshold = p.FailureThreshold
	}
	out.TimeoutSeconds = p.TimeoutSeconds
	return out
}

// volumes maps ConfigMap files (mounted read-only) and emptyDirs (writable paths).
func (b *builder) volumes(o *Object, a *schema.App, pod corev1.PodSpec, c corev1.Container) {
	w := &a.Workload
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	writable := []string{}
	for i, m := range c.VolumeMounts {
		f := "spec.template.spec.containers[0].volumeMounts[" + itoa(i) + "]"
		v, ok := vols[m.Name]
		switch {
		case !ok:
			b.lose(o, f, "volume %s is not defined", m.Name)
		case v.EmptyDir != nil:
			writable = append(writable, m.MountPath)
		case v.ConfigMap != nil:
			cmObj := b.find("ConfigMap", a.Namespace, v.ConfigMap.Name)
			if cmObj == nil {
				b.lose(o, f, "ConfigMap %s is not in the input: its files are not carried over", v.ConfigMap.Name)
				continue
			}
			cmObj.used = true
			if cmObj.Name != a.Name+"-files" {
				cmObj.renamed = "ConfigMap " + a.Namespace + "/" + a.Name + "-files (the app's files)"
			}
			var cm corev1.ConfigMap
			if cmObj.decodeInto(&cm) != nil {
				continue
			}
			if m.SubPath != "" {
				w.Files = append(w.Files, schema.File{Path: m.MountPath, Content: cm.Data[m.SubPath]})
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(cm.Data)) {
				w.Files = append(w.Files, schema.File{Path: path.Join(m.MountPath, k), Content: cm.Data[k]})
			}
			if len(cm.BinaryData) > 0 {
				b.lose(cmObj, "binaryData", "binary files are not carried over")
			}
		default:
			b.lose(o, f, "volume %s: only ConfigMap files and emptyDirs are carried over", m.Name)
		}
	}
	for i, v := range pod.Volumes {
		if v.Secret != nil || v.PersistentVolumeClaim != nil || v.HostPath != nil || v.Projected != nil {
			b.lose(o, "spec.template.spec.volumes["+itoa(i)+"]", "volume %s: only ConfigMap files and emptyDirs are carried over", v.Name)
		}
	}
	if len(writable) == 1 && writable[0] == "/tmp" {
		return // the default
	}
	if len(writable) == 0 {
		b.differ("Deployment %s/%s: the root filesystem becomes read-only with an emptyDir at /tmp", a.Namespace, a.Name)
		return
	}
	w.WritablePaths = writable
}

// podSecurity reads the app's Pod Security level (its namespace's, else restricted)
// and numeric user.
func (b *builder) podSecurity(o *Object, a *schema.App, pod corev1.PodSpec, c corev1.Container) {
	a.PodSecurity = b.namespaceLevel(a.Namespace)
	if sc := pod.SecurityContext; sc != nil && sc.RunAsUser != nil {
		a.RunAsUser = sc.RunAsUser
	} else if sc := c.SecurityContext; sc != nil && sc.RunAsUser != nil {
		a.RunAsUser = sc.RunAsUser
	}
	if a.PodSecurity == "" && (c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem) {
		b.differ("%s: runs restricted (non-root, no privilege escalation, capabilities dropped, read-only root filesystem); set podSecurity: baseline if the image needs more", o.Ref())
	}
}
