package harness

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestJudgeDeploymentPods(t *testing.T) {
	nodePool := map[string]string{"system-node-0": "system", "system-node-1": "system", "user-node-0": "user", "user-node-1": "user"}
	onUser := placement{Pools: []string{"user"}, Why: "nodeSelector role=user"}
	anywhere := placement{Anywhere: true, Why: "no nodeSelector on a pool label"}
	unsched := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: untolerated}
	cases := []struct {
		name       string
		pods       []corev1.Pod
		want       int
		rule       placement
		wantPools  string
		wantReason string // "" = pass
		wantMsg    string
	}{
		{"all on the pool", []corev1.Pod{pod("a", "user-node-0"), pod("b", "user-node-1")}, 2, onUser, "user", "", ""},
		{"anywhere reports where", []corev1.Pod{pod("a", "user-node-0"), pod("b", "system-node-1")}, 2, anywhere, "system,user", "", ""},
		{"pending with the scheduler's reason", []corev1.Pod{pod("a", "user-node-0"), pod("b", "", unsched)}, 2, onUser, "user", "Unschedulable", "1 of 2 pods Pending; pod b: 0/4 nodes are available"},
		{"wrong pool", []corev1.Pod{pod("a", "system-node-0")}, 1, onUser, "system", "WrongPool", "a on system-node-0 (pool system)"},
		{"node of no pool", []corev1.Pod{pod("a", "elsewhere")}, 1, anywhere, "", "WrongPool", "not a node of any pool"},
		{"fewer pods than replicas", []corev1.Pod{pod("a", "user-node-0")}, 3, onUser, "user", "PodsMissing", "1 of 3 replicas have a pod"},
		{"unscheduled without reason yet", []corev1.Pod{pod("a", "")}, 1, onUser, "", "NotScheduled", "scheduler has given no reason"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pools, err := judgeDeploymentPods(c.pods, c.want, c.rule, nodePool, nil)
			if got := strings.Join(pools, ","); got != c.wantPools {
				t.Errorf("landed on %q, want %q", got, c.wantPools)
			}
			if c.wantReason == "" {
				if err != nil {
					t.Fatalf("want pass, got %v", err)
				}
				return
			}
			if reasonOf(err) != c.wantReason || !strings.Contains(err.Error(), c.wantMsg) {
				t.Fatalf("got %s %v, want %s containing %q", reasonOf(err), err, c.wantReason, c.wantMsg)
			}
		})
	}
}

func TestJudgeDaemonSetPods(t *testing.T) {
	system := Pool{Name: "system", Labels: map[string]string{"role": "system"}, Taints: []corev1.Taint{{Key: "CriticalAddonsOnly", Value: "true", Effect: corev1.TaintEffectNoSchedule}}}
	user := Pool{Name: "user", Labels: map[string]string{"role": "user"}}
	nodes := []*corev1.Node{system.node(0), user.node(0)}
	tolerateAll := &corev1.PodSpec{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}
	intolerant := &corev1.PodSpec{}
	pinned := func(p corev1.Pod, node string) corev1.Pod {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}}}
		return p
	}
	unsched := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/2 nodes are available: 1 Insufficient memory."}
	cases := []struct {
		name       string
		pods       []corev1.Pod
		tmpl       *corev1.PodSpec
		wantReason string
		wantMsg    string
	}{
		{"a pod on every node", []corev1.Pod{pod("a", "system-node-0"), pod("b", "user-node-0")}, tolerateAll, "", ""},
		{"tainted node skipped by the controller", []corev1.Pod{pod("b", "user-node-0")}, intolerant, "NoPod", "system-node-0: no pod created: no toleration for taint CriticalAddonsOnly=true:NoSchedule"},
		{"pending pod for a node", []corev1.Pod{pinned(pod("a", "", unsched), "system-node-0"), pod("b", "user-node-0")}, tolerateAll, "Unschedulable", "system-node-0: pod a Pending: 0/2 nodes are available: 1 Insufficient memory."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := judgeDaemonSetPods(c.pods, nodes, c.tmpl, nil)
			if c.wantReason == "" {
				if err != nil {
					t.Fatalf("want pass, got %v", err)
				}
				return
			}
			if reasonOf(err) != c.wantReason || !strings.Contains(err.Error(), c.wantMsg) {
				t.Fatalf("got %s %v, want %s containing %q", reasonOf(err), err, c.wantReason, c.wantMsg)
			}
		})
	}
}
