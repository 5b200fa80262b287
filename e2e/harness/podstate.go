package harness

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// judgeDeploymentPods decides whether a Deployment's pods are all placed where they belong:
// want of them exist, each has spec.nodeName, on a node of an allowed pool. nodePool maps
// node names to their pool. It returns the pools the pods landed on and, on failure, a
// condErr whose reason and message come from the scheduler when it refused a pod.
func judgeDeploymentPods(pods []corev1.Pod, want int, rule placement, nodePool map[string]string, events []corev1.Event) ([]string, error) {
	sortPods(pods)
	landed := map[string]bool{}
	var pending, wrong, unknown []string
	var reason, firstMsg string
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName == "" {
			if r, msg, ok := schedulingFailure(p, events); ok {
				pending = append(pending, p.Name)
				if firstMsg == "" {
					reason, firstMsg = r, fmt.Sprintf("pod %s: %s", p.Name, msg)
				}
			} else {
				unknown = append(unknown, p.Name)
			}
			continue
		}
		pool, ok := nodePool[p.Spec.NodeName]
		if !ok {
			wrong = append(wrong, fmt.Sprintf("%s on %s (not a node of any pool)", p.Name, p.Spec.NodeName))
			continue
		}
		landed[pool] = true
		if !rule.allows(pool) {
			wrong = append(wrong, fmt.Sprintf("%s on %s (pool %s)", p.Name, p.Spec.NodeName, pool))
		}
	}
	pools := sortedKeys(landed)
	switch {
	case len(pending) > 0:
		return pools, &condErr{reason, fmt.Sprintf("%d of %d pods Pending; %s", len(pending), len(pods), firstMsg)}
	case len(wrong) > 0:
		return pools, &condErr{"WrongPool", fmt.Sprintf("want pool %s (%s): %s", rule, rule.Why, strings.Join(wrong, ", "))}
	case len(pods) < want:
		return pools, &condErr{"PodsMissing", fmt.Sprintf("%d of %d replicas have a pod", len(pods), want)}
	case len(unknown) > 0:
		return pools, &condErr{"NotScheduled", fmt.Sprintf("pods %s not scheduled yet and the scheduler has given no reason", strings.Join(unknown, ", "))}
	}
	return pools, nil
}

// judgeDaemonSetPods checks that every node has a scheduled pod of the DaemonSet. A node
// without one is explained by the scheduler when its pod is Pending, else by why the pod
// template does not fit the node (the DaemonSet controller makes no pod where the template
// does not tolerate a taint, and says nothing).
func judgeDaemonSetPods(pods []corev1.Pod, nodes []*corev1.Node, tmpl *corev1.PodSpec, events []corev1.Event) error {
	sortPods(pods)
	onNode := map[string]bool{}
	pendingFor := map[string]*corev1.Pod{}
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName != "" {
			onNode[p.Spec.NodeName] = true
			continue
		}
		if n := daemonPodTarget(p); n != "" {
			pendingFor[n] = p
		}
	}
	var missing []string
	reason := "NoPod"
	for _, n := range nodes {
		if onNode[n.Name] {
			continue
		}
		if p := pendingFor[n.Name]; p != nil {
			if r, msg, ok := schedulingFailure(p, events); ok {
				reason = r
				missing = append(missing, fmt.Sprintf("%s: pod %s Pending: %s", n.Name, p.Name, msg))
				continue
			}
			missing = append(missing, fmt.Sprintf("%s: pod %s not scheduled yet", n.Name, p.Name))
			continue
		}
		why := "no pod created"
		if ok, r := fits(tmpl, n); !ok {
			why = "no pod created: " + r
		}
		missing = append(missing, n.Name+": "+why)
	}
	if len(missing) > 0 {
		return &condErr{reason, fmt.Sprintf("%d of %d nodes have no scheduled pod: %s", len(missing), len(nodes), strings.Join(missing, "; "))}
	}
	return nil
}

// daemonPodTarget is the node a DaemonSet pod is meant for: the controller pins each pod
// with required node affinity on metadata.name.
func daemonPodTarget(p *corev1.Pod) string {
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range t.MatchFields {
			if f.Key == "metadata.name" && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

func sortPods(pods []corev1.Pod) {
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
