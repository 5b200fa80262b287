package harness

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const untolerated = "0/4 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint {CriticalAddonsOnly: true}. no new claims to deallocate, preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."

func pod(name, node string, conds ...corev1.PodCondition) corev1.Pod {
	p := corev1.Pod{}
	p.Name, p.Namespace = name, "apps"
	p.Spec.NodeName = node
	p.Status.Conditions = conds
	return p
}

func event(reason, kind, name, msg string, at time.Time) corev1.Event {
	e := corev1.Event{Reason: reason, Message: msg, LastTimestamp: metav1.NewTime(at)}
	e.Namespace = "apps"
	e.InvolvedObject = corev1.ObjectReference{Kind: kind, Namespace: "apps", Name: name}
	return e
}

func TestSchedulingFailure(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	unsched := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: untolerated}
	older := event("FailedScheduling", "Pod", "p", "0/4 nodes are available: 4 Insufficient cpu.", t0)
	newer := event("FailedScheduling", "Pod", "p", "0/4 nodes are available: 2 Insufficient memory.", t0.Add(time.Minute))
	other := event("FailedScheduling", "Pod", "q", "about another pod", t0.Add(2*time.Minute))
	seriesEv := event("FailedScheduling", "Pod", "p", "from the series", t0)
	seriesEv.Series = &corev1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(t0.Add(3 * time.Minute))}
	cases := []struct {
		name       string
		pod        corev1.Pod
		events     []corev1.Event
		wantReason string
		wantMsg    string
		wantOK     bool
	}{
		{"condition", pod("p", "", unsched), []corev1.Event{newer}, "Unschedulable", untolerated, true},
		{"newest event without condition", pod("p", ""), []corev1.Event{newer, older, other}, "Unschedulable", newer.Message, true},
		{"event series counts by last observation", pod("p", ""), []corev1.Event{newer, seriesEv}, "Unschedulable", "from the series", true},
		{"scheduled pod", pod("p", "user-node-0", unsched), []corev1.Event{newer}, "", "", false},
		{"nothing said yet", pod("p", ""), []corev1.Event{other}, "", "", false},
		{"condition True is no failure", pod("p", "", corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}), nil, "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, m, ok := schedulingFailure(&c.pod, c.events)
			if r != c.wantReason || m != c.wantMsg || ok != c.wantOK {
				t.Fatalf("got (%q, %q, %v), want (%q, %q, %v)", r, m, ok, c.wantReason, c.wantMsg, c.wantOK)
			}
		})
	}
}

func TestFailedCreates(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	psa := `Error creating: pods "app-1-x" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true`
	events := []corev1.Event{
		event("FailedCreate", "ReplicaSet", "app-1", psa, t0.Add(time.Minute)),
		event("FailedCreate", "ReplicaSet", "app-1", "quota exceeded", t0),
		event("FailedCreate", "ReplicaSet", "app-1", psa, t0.Add(2*time.Minute)),
		event("SuccessfulCreate", "ReplicaSet", "app-1", "Created pod", t0),
		event("FailedCreate", "DaemonSet", "app-1", "other kind", t0),
		event("FailedCreate", "ReplicaSet", "app-2", "other name", t0),
	}
	if got, want := failedCreates(events, "ReplicaSet", "apps", "app-1"), []string{"quota exceeded", psa}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := failedCreates(events, "ReplicaSet", "other-ns", "app-1"); len(got) != 0 {
		t.Fatalf("another namespace: %q", got)
	}
	rs := &appsv1.ReplicaSet{}
	if _, ok := replicaFailure(rs); ok {
		t.Fatal("no condition, no failure")
	}
	rs.Status.Conditions = []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: psa}}
	if m, ok := replicaFailure(rs); !ok || m != "FailedCreate: "+psa {
		t.Fatalf("got %q %v", m, ok)
	}
}
