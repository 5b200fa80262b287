package importer

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Names krm-gen gives the health responder.
const healthResponder = "health-responder"

// appDefaults are the resources krm-gen gives an inline app that sets none.
var appDefaults = schema.Resources{
	Requests: map[string]string{"cpu": "50m", "memory": "64Mi"},
	Limits:   map[string]string{"cpu": "500m", "memory": "256Mi"},
}

// workloadKinds the spec cannot hold as inline apps.
var otherWorkloads = []string{"StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"}

// inlineApps turns each Deployment (with its Service and mounted ConfigMaps) into an
// inline app.
func (b *builder) inlineApps() {
	for _, o := range b.ofKind(otherWorkloads...) {
		o.used = true
		b.lose(o, "", "a %s is not an app the spec can express (inline apps are Deployments): put it in a git or helm app", o.Kind)
	}
	groups := b.versionGroups()
	for _, o := range b.ofKind("Deployment") {
		if o.Group() != "apps" || o.Name == healthResponder {
			continue
		}
		var d appsv1.Deployment
		if err := o.decodeInto(&d); err != nil {
			o.used = true
			b.lose(o, "", "cannot be read as a Deployment: %v", err)
			continue
		}
		switch g := groups[o.Namespace+"/"+o.Name]; {
		case g == nil:
			svc, svcObj := b.serviceFor(&d)
			b.inlineApp(o, &d, svc, svcObj)
		case g.members[0].o == o:
			b.versionedApp(g)
		}
	}
}

func (b *builder) inlineApp(o *Object, d *appsv1.Deployment, svc *corev1.Service, svcObj *Object) {
	o.used = true
	pod := d.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		b.lose(o, "spec.template.spec.containers", "no container")
		return
	}
	if len(pod.Containers) > 1 {
		for i := range pod.Containers[1:] {
			b.lose(o, "spec.template.spec.containers["+itoa(i+1)+"]", "container %s: an inline app has one container", pod.Containers[i+1].Name)
		}
	}
	if len(pod.InitContainers) > 0 {
		b.lose(o, "spec.template.spec.initContainers", "init containers are not rendered")
	}
	c := pod.Containers[0]
	a := schema.App{Name: d.Name, Namespace: d.Namespace}
	if svc != nil && svc.Name != d.Name && !b.appNamed(svc.Name) {
		// krm-gen names an inline app's Service after the app: the app takes the
		// Service's name, so its callers and routes keep reaching it.
		a.Name = svc.Name
		o.renamed = "Deployment " + d.Namespace + "/" + svc.Name + " (named after its Service)"
	}
	a.NodePool = b.pools.pool(pod.NodeSelector, pod.Tolerations)
	w := &a.Workload
	w.Image, w.Command, w.Args = c.Image, c.Command, c.Args
	if d.Spec.Replicas != nil && *d.Spec.Replicas != 1 {
		w.Replicas = *d.Spec.Replicas
	}
	for _, p := range c.Ports {
		name := p.Name
		if name == "" {
			name = "http"
			if len(c.Ports) > 1 {
				name = "port-" + itoa(int(p.ContainerPort))
			}
		}
		w.Ports = append(w.Ports, schema.Port{Name: name, Port: p.ContainerPort, Protocol: protocolOf(svc, p)})
	}
	if len(w.Ports) == 0 && svc != nil {
		for _, sp := range svc.Spec.Ports {
			port := sp.TargetPort.IntVal
			if port == 0 {
				port = sp.Port
			}
			w.Ports = append(w.Ports, schema.Port{Name: or(sp.Name, "http"), Port: port, Protocol: protocolOf(svc, corev1.ContainerPort{ContainerPort: port})})
		}
	}
	if len(w.Ports) == 0 {
		b.lose(o, "spec.template.spec.containers[0].ports", "no port: an inline app serves one; import gives it port 8080")
		w.Ports = []schema.Port{{Name: "http", Port: 8080}}
	}
	if len(w.Ports) == 1 && w.Ports[0].Name == "http" && (w.Ports[0].Protocol == "" || w.Ports[0].Protocol == schema.ProtocolHTTP) {
		w.Port, w.Ports = w.Ports[0].Port, nil
	}
	for i := range w.Ports {
		if w.Ports[i].Protocol == schema.ProtocolHTTP {
			w.Ports[i].Protocol = ""
		}
	}
	w.Resources = resourcesOf(c.Resources, appDefaults)
	b.env(o, &a, c)
	b.probes(&a, c)
	b.volumes(o, &a, pod, c)
	b.podSecurity(o, &a, pod, c)
	for _, s := range pod.ImagePullSecrets {
		w.ImagePullSecrets = append(w.ImagePullSecrets, s.Name)
	}
	port := firstPort(a)
	if svcObj != nil {
		svcObj.used = true
		b.inlineSvc[d.Namespace+"/"+svc.Name] = a.Name
		b.svcPorts[a.Name] = targetPorts(svc, c)
		if len(svc.Spec.Ports) > 0 && svc.Spec.Ports[0].Port != port {
			b.lose(svcObj, "spec.ports[0].port", "port %d: an inline app's Service listens on its container ports (%d)", svc.Spec.Ports[0].Port, port)
		}
	} else {
		b.differ("%s: gets a Service %s (an inline app always has one)", o.Ref(), d.Name)
	}
	b.appPort[a.Name] = port
	if sa := b.find("ServiceAccount", d.Namespace, pod.ServiceAccountName); sa != nil {
		sa.used = true
	}
	if pod.ServiceAccountName != "" && pod.ServiceAccountName != a.Name {
		b.differ("%s: runs as ServiceAccount %s (its own, no token mounted) instead of %s", o.Ref(), a.Name, pod.ServiceAccountName)
	}
	b.p.Spec.Apps = append(b.p.Spec.Apps, a)
}

// targetPorts maps the ports of an inline app's Service to the container ports of c
// they target: krm-gen's Service listens on the container ports, so a route to port
// 80 of a Service targeting 8080 reaches port 8080 of the app.
func targetPorts(svc *corev1.Service, c corev1.Container) map[int32]int32 {
	out := map[int32]int32{}
	for _, sp := range svc.Spec.Ports {
		switch t := sp.TargetPort; {
		case t.StrVal != "":
			for _, p := range c.Ports {
				if p.Name == t.StrVal {
					out[sp.Port] = p.ContainerPort
				}
			}
		case t.IntVal != 0:
			out[sp.Port] = t.IntVal
		}
	}
	return out
}

// appNamed says whether an app of that name was imported already.
func (b *builder) appNamed(name string) bool {
	for _, a := range b.p.Spec.Apps {
		if a.Name == name {
			return true
		}
	}
	return false
}

func firstPort(a schema.App) int32 {
	if a.Port != 0 {
		return a.Port
	}
	if len(a.Ports) > 0 {
		return a.Ports[0].Port
	}
	return 0
}

// serviceFor is the Service an inline app keeps for the Deployment: among the
// Services selecting its pods and no other Deployment's, the one routes reach, else
// the shortest name (Bookinfo's details over details-v1).
func (b *builder) serviceFor(d *appsv1.Deployment) (*corev1.Service, *Object) {
	type cand struct {
		o *Object
		s *corev1.Service
	}
	var cands []cand
	for _, o := range b.ofKind("Service") {
		if o.Namespace != d.Namespace {
			continue
		}
		var s corev1.Service
		if o.decodeInto(&s) != nil || len(s.Spec.Selector) == 0 || !selects(s.Spec.Selector, d.Spec.Template.Labels) {
			continue
		}
		exclusive := true
		for _, other := range b.ofKind("Deployment") {
			if other.Namespace == d.Namespace && other.Name != d.Name && selects(s.Spec.Selector, podLabels(other)) {
				exclusive = false
			}
		}
		if exclusive {
			cands = append(cands, cand{o, &s})
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	refs := b.routedServices()
	best := cands[0]
	score := func(c cand) int {
		if refs[c.o.Namespace+"/"+c.o.Name] {
			return 0
		}
		return 1
	}
	for _, c := range cands[1:] {
		if sc, sb := score(c), score(best); sc < sb || (sc == sb && len(c.o.Name) < len(best.o.Name)) {
			best = c
		}
	}
	return best.s, best.o
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func podLabels(o *Object) map[string]string {
	out := map[string]string{}
	if m, ok := lookup(o.Raw, "spec", "template", "metadata", "labels").(map[string]any); ok {
		for k, v := range m {
			out[k] = str(v)
		}
	}
	return out
}

// routedServices are the Services (namespace/name) routes reach or attach to.
func (b *builder) routedServices() map[string]bool {
	out := map[string]bool{}
	for _, o := range b.ofKind("HTTPRoute", "GRPCRoute") {
		ps, _ := lookup(o.Raw, "spec", "parentRefs").([]any)
		for _, p := range ps {
			if pm, _ := p.(map[string]any); str(pm["kind"]) == "Service" {
				out[or(str(pm["namespace"]), o.Namespace)+"/"+str(pm["name"])] = true
			}
		}
		rules, _ := lookup(o.Raw, "spec", "rules").([]any)
		for _, r := range rules {
			rm, _ := r.(map[string]any)
			br, _ := rm["backendRefs"].([]any)
			for _, x := range br {
				if xm, _ := x.(map[string]any); or(str(xm["kind"]), "Service") == "Service" {
					out[or(str(xm["namespace"]), o.Namespace)+"/"+str(xm["name"])] = true
				}
			}
		}
	}
	return out
}

// protocolOf reads a port's protocol from the Service's appProtocol.
func protocolOf(svc *corev1.Service, p corev1.ContainerPort) schema.PortProtocol {
	if svc == nil {
		return ""
	}
	for _, sp := range svc.Spec.Ports {
		if sp.TargetPort.StrVal != p.Name && sp.TargetPort.IntVal != p.ContainerPort && sp.Port != p.ContainerPort {
			continue
		}
		ap := ""
		if sp.AppProtocol != nil {
			ap = *sp.AppProtocol
		}
		switch {
		case ap == "kubernetes.io/h2c" && strings.Contains(sp.Name, "grpc"):
			return schema.ProtocolGRPC
		case ap == "kubernetes.io/h2c" || ap == "http2":
			return schema.ProtocolHTTP2
		case ap == "grpc" || strings.HasPrefix(sp.Name, "grpc"):
			return schema.ProtocolGRPC
		case ap == "tcp" || strings.HasPrefix(sp.Name, "tcp"):
			return schema.ProtocolTCP
		}
		return schema.ProtocolHTTP
	}
	return ""
}

func (b *builder) env(o *Object, a *schema.App, c corev1.Container) {
	w := &a.Workload
	for i, e := range c.Env {
		f := "spec.template.spec.containers[0].env[" + itoa(i) + "]"
		ev := schema.EnvVar{Name: e.Name}
		switch {
		case e.ValueFrom == nil:
			v := e.Value
			ev.Value = &v
		case e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			ev.Secret = &schema.KeyRef{Name: r.Name, Key: r.Key, Optional: r.Optional != nil && *r.Optional}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			ev.ConfigMap = &schema.KeyRef{Name: r.Name, Key: r.Key, Optional: r.Optional != nil && *r.Optional}
		default:
			b.lose(o, f+".valueFrom", "variable %s: only values, Secret and ConfigMap keys are carried over", e.Name)
			continue
		}
		w.Env = append(w.Env, ev)
	}
	for i, e := range c.EnvFrom {
		ef := schema.EnvFrom{Prefix: e.Prefix}
		switch {
		case e.SecretRef != nil:
			ef.Secret = e.SecretRef.Name
		case e.ConfigMapRef != nil:
			ef.ConfigMap = e.ConfigMapRef.Name
		default:
			b.lose(o, "spec.template.spec.containers[0].envFrom["+itoa(i)+"]", "not a Secret or ConfigMap")
			continue
		}
		w.EnvFrom = append(w.EnvFrom, ef)
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// namespaceLevel is the Pod Security level a namespace of the input enforces, when it
// is not restricted (the default).
func (b *builder) namespaceLevel(ns string) schema.PodSecurityLevel {
	if o := b.find("Namespace", "", ns); o != nil {
		switch lvl := schema.PodSecurityLevel(str(lookup(o.Raw, "metadata", "labels", "pod-security.kubernetes.io/enforce"))); lvl {
		case schema.PodSecurityBaseline, schema.PodSecurityPrivileged:
			return lvl
		}
	}
	return ""
}
