package harness

import (
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// schedulingFailure returns why the scheduler has not placed pod, in its own words: the
// pod's PodScheduled condition when it is False (reason Unschedulable, message "0/4 nodes
// are available: 2 node(s) had untolerated taint ..."), else the newest FailedScheduling
// event about the pod. ok is false when the scheduler has said nothing (yet), or the pod is
// scheduled.
func schedulingFailure(pod *corev1.Pod, events []corev1.Event) (reason, message string, ok bool) {
	if pod.Spec.NodeName != "" {
		return "", "", false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			r := c.Reason
			if r == "" {
				r = "Unschedulable"
			}
			return r, c.Message, true
		}
	}
	if e, found := newestEvent(events, "FailedScheduling", "Pod", pod.Namespace, pod.Name); found {
		return "Unschedulable", e.Message, true
	}
	return "", "", false
}

// replicaFailure returns the message of a ReplicaSet's ReplicaFailure condition (the
// ReplicaSet controller sets it, reason FailedCreate, when the apiserver refuses its pods).
func replicaFailure(rs *appsv1.ReplicaSet) (string, bool) {
	for _, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			return c.Reason + ": " + c.Message, true
		}
	}
	return "", false
}

// failedCreates returns the distinct messages of FailedCreate events about an object
// (a ReplicaSet or DaemonSet whose pods the apiserver refused), oldest first.
func failedCreates(events []corev1.Event, kind, namespace, name string) []string {
	var evs []corev1.Event
	for _, e := range events {
		if e.Reason == "FailedCreate" && matchesObject(e, kind, namespace, name) {
			evs = append(evs, e)
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return eventTime(evs[i]).Before(eventTime(evs[j])) })
	seen := map[string]bool{}
	var out []string
	for _, e := range evs {
		if m := strings.TrimSpace(e.Message); !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

func matchesObject(e corev1.Event, kind, namespace, name string) bool {
	o := e.InvolvedObject
	return o.Kind == kind && o.Name == name && (o.Namespace == namespace || (o.Namespace == "" && e.Namespace == namespace))
}

// newestEvent returns the most recent event with reason about the object.
func newestEvent(events []corev1.Event, reason, kind, namespace, name string) (corev1.Event, bool) {
	var best corev1.Event
	found := false
	for _, e := range events {
		if e.Reason != reason || !matchesObject(e, kind, namespace, name) {
			continue
		}
		if !found || eventTime(e).After(eventTime(best)) {
			best, found = e, true
		}
	}
	return best, found
}

// eventTime is when an event last happened: events written through the events.k8s.io API
// (the scheduler's) carry eventTime and series, core/v1 ones (the controllers') lastTimestamp.
func eventTime(e corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
