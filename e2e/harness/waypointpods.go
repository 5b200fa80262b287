package harness

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// gatewayNameLabel is the label istiod puts on the pods it generates for a Gateway.
const gatewayNameLabel = "gateway.networking.k8s.io/gateway-name"

// waypointPodIP is the address the harness reports for the i-th waypoint pod.
func waypointPodIP(i int) string { return fmt.Sprintf("10.0.200.%d", 10+i) }

// readyWaypointPods plays the kubelet for the pods of every waypoint the tree applied,
// once they are scheduled: it posts what a kubelet posts when the proxy container's
// readiness probe passes (phase Running, a pod IP, Ready). istiod treats a waypoint as
// ready only when its Service has ready endpoints (it reports the Gateway's
// status.addresses then, pilot/pkg/config/kube/gatewaycommon/context.go), and only a ready
// waypoint is bound to Services and AuthorizationPolicies. The EndpointSlice controller
// builds the endpoints from these pods. Nothing else is made Ready: the ingress gateway
// and the apps stay Pending as scheduled (see e2e/README.md, "Not asserted").
func (k *checker) readyWaypointPods(ctx context.Context) {
	n := 0
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		if class, _, _ := unstructured.NestedString(g.Object, "spec", "gatewayClassName"); class != waypointClass {
			continue
		}
		id := fmt.Sprintf("waypoint pods of %s", objID(g))
		pods, err := k.c.Kube.CoreV1().Pods(g.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: gatewayNameLabel + "=" + g.GetName()})
		if err != nil {
			k.r.Fail(id, "ReportedReady (harness as kubelet)", "Error", err.Error())
			continue
		}
		sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
		var names []string
		var errs []string
		for i := range pods.Items {
			p := &pods.Items[i]
			if p.Spec.NodeName == "" {
				errs = append(errs, p.Name+" not scheduled")
				continue
			}
			markReady(p, waypointPodIP(n))
			n++
			if _, err := k.c.Kube.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{FieldManager: "kubelet"}); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", p.Name, err))
				continue
			}
			names = append(names, p.Name+" "+p.Status.PodIP)
		}
		if len(pods.Items) == 0 {
			errs = append(errs, "no pods")
		}
		var rerr error
		if len(errs) > 0 {
			rerr = &condErr{"NotReported", strings.Join(errs, "; ")}
		}
		k.report(id, "ReportedReady (harness as kubelet)", rerr)
		fmt.Fprintf(k.log, "%s reported Running and Ready: %s\n", id, strings.Join(names, ", "))
	}
}

// markReady sets the status a kubelet posts for a pod whose containers run and pass their
// readiness probes.
func markReady(p *corev1.Pod, ip string) {
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip
	p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	p.Status.StartTime = &now
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	p.Status.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Ready: true, Started: ptrTo(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
