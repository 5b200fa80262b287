package harness

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// xdsPodIP stands in for the pod IP a kubelet would assign: no pod runs here, so none has
// one. istiod finds the proxy's pod by the name in its node ID, and its Services from the
// LABELS metadata, so the address only has to be a plausible pod address.
const xdsPodIP = "10.0.100.10"

// istioVersionMeta is what the harness reports as the proxy's ISTIO_VERSION: the line of
// the pinned istio commit (its VERSION file), see e2e/README.md "Which Istio".
const istioVersionMeta = "1.31.0"

// nodeFromPod builds the xDS node identity and metadata pilot-agent would send for pod:
// the proxy type from the istio-proxy container's "proxy <type>" args, each ISTIO_META_*
// env var (field references resolved as the kubelet would), and what the agent adds
// itself (LABELS, NAMESPACE, NAME, SERVICE_ACCOUNT, INSTANCE_IPS, ISTIO_VERSION).
func nodeFromPod(pod *corev1.Pod) (xdsNode, error) {
	var c *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == "istio-proxy" {
			c = &pod.Spec.Containers[i]
		}
	}
	if c == nil {
		return xdsNode{}, fmt.Errorf("pod %s/%s has no istio-proxy container", pod.Namespace, pod.Name)
	}
	typ := ""
	for i, a := range c.Args {
		if a == "proxy" && i+1 < len(c.Args) {
			typ = c.Args[i+1]
			break
		}
	}
	if typ == "" {
		return xdsNode{}, fmt.Errorf("pod %s/%s: istio-proxy args %v name no proxy type", pod.Namespace, pod.Name, c.Args)
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	labels := map[string]any{}
	for k, v := range pod.Labels {
		labels[k] = v
	}
	meta := map[string]any{
		"LABELS":          labels,
		"NAMESPACE":       pod.Namespace,
		"NAME":            pod.Name,
		"SERVICE_ACCOUNT": sa,
		"INSTANCE_IPS":    xdsPodIP,
		"ISTIO_VERSION":   istioVersionMeta,
	}
	for _, e := range c.Env {
		key, ok := strings.CutPrefix(e.Name, "ISTIO_META_")
		if !ok {
			continue
		}
		v, ok := envValue(pod, e)
		if ok {
			meta[key] = v
		}
	}
	return xdsNode{Type: typ, IP: xdsPodIP, PodName: pod.Name, Namespace: pod.Namespace, Meta: meta}, nil
}

// envValue resolves an env var of pod as the kubelet would: its value, or a field
// reference; ok is false for what needs a running pod (secrets, resource limits).
func envValue(pod *corev1.Pod, e corev1.EnvVar) (string, bool) {
	if e.ValueFrom == nil {
		return e.Value, true
	}
	f := e.ValueFrom.FieldRef
	if f == nil {
		return "", false
	}
	switch p := f.FieldPath; {
	case p == "metadata.name":
		return pod.Name, true
	case p == "metadata.namespace":
		return pod.Namespace, true
	case p == "spec.nodeName":
		return pod.Spec.NodeName, true
	case p == "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, true
	case p == "status.podIP" || p == "status.hostIP":
		return xdsPodIP, true
	case strings.HasPrefix(p, "metadata.labels['"):
		return pod.Labels[strings.TrimSuffix(strings.TrimPrefix(p, "metadata.labels['"), "']")], true
	case strings.HasPrefix(p, "metadata.annotations['"):
		return pod.Annotations[strings.TrimSuffix(strings.TrimPrefix(p, "metadata.annotations['"), "']")], true
	}
	return "", false
}

// firstPod returns the pod with the smallest name, for a stable choice.
func firstPod(pods []corev1.Pod) *corev1.Pod {
	if len(pods) == 0 {
		return nil
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return &pods[0]
}
