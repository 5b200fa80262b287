package harness

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func objs(t *testing.T, yaml string) []Object {
	t.Helper()
	o, err := DecodeYAML([]byte(yaml), "test")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func names(o []Object) string {
	var n []string
	for _, x := range o {
		n = append(n, x.GetKind()+"/"+x.GetName())
	}
	return strings.Join(n, " ")
}

func TestSyncOrder(t *testing.T) {
	in := objs(t, `
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, annotations: {argocd.argoproj.io/sync-wave: "-1"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: z}
---
apiVersion: batch/v1
kind: Job
metadata: {name: check, annotations: {helm.sh/hook: post-install}}
---
apiVersion: v1
kind: Pod
metadata: {name: test, annotations: {helm.sh/hook: test}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crd}
`)
	out, err := SyncOrder(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "ConfigMap/a Namespace/z ConfigMap/b CustomResourceDefinition/crd Gateway/a Job/check"
	if got := names(out); got != want {
		t.Fatalf("order\n got %s\nwant %s", got, want)
	}
	bad := objs(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: {argocd.argoproj.io/sync-wave: one}}\n")
	if _, err := SyncOrder(bad); err == nil || !strings.Contains(err.Error(), "ConfigMap x") {
		t.Fatalf("want an error naming the object, got %v", err)
	}
}

func TestGlobs(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "https://x", true},
		{"https://github.com/acme/*", "https://github.com/acme/platform.git", true},
		{"https://github.com/acme/*", "https://github.com/other/platform.git", false},
		{"istio-*", "istio-system", true},
		{"", "", true},
	}
	for _, c := range cases {
		if got := globMatchArgo(c.pat, c.s); got != c.want {
			t.Errorf("globMatchArgo(%q, %q) = %v", c.pat, c.s, got)
		}
	}
	if globAllowed([]string{"*", "!https://evil"}, "https://evil") {
		t.Error("a negated pattern must deny")
	}
	if !sameRepo("https://github.com/acme/platform.git", "https://github.com/acme/platform/") {
		t.Error(".git suffix and trailing slash must not matter")
	}
}

func TestFits(t *testing.T) {
	system := Pool{Name: "system", Labels: map[string]string{"role": "system"},
		Taints: []corev1.Taint{{Key: "CriticalAddonsOnly", Value: "true", Effect: corev1.TaintEffectNoSchedule}}}.Node()
	user := Pool{Name: "user", Labels: map[string]string{"role": "user"}}.Node()
	pinned := &corev1.PodSpec{NodeSelector: map[string]string{"role": "system"},
		Tolerations: []corev1.Toleration{{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}}}
	if ok, why := fits(pinned, system); !ok {
		t.Errorf("pinned pod must fit system: %s", why)
	}
	if ok, _ := fits(pinned, user); ok {
		t.Error("pinned pod must not fit user")
	}
	untolerated := &corev1.PodSpec{NodeSelector: map[string]string{"role": "system"}}
	if ok, why := fits(untolerated, system); ok || !strings.Contains(why, "CriticalAddonsOnly") {
		t.Errorf("a pod without the toleration must not fit system, got %v %q", ok, why)
	}
	everywhere := &corev1.PodSpec{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}
	for _, n := range []*corev1.Node{system, user} {
		if ok, why := fits(everywhere, n); !ok {
			t.Errorf("tolerate-all pod must fit %s: %s", n.Name, why)
		}
	}
	affinity := &corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "role", Operator: corev1.NodeSelectorOpIn, Values: []string{"user"}}},
		}}}}}}
	if ok, _ := fits(affinity, user); !ok {
		t.Error("affinity role In [user] must fit user")
	}
	if ok, _ := fits(affinity, system); ok {
		t.Error("affinity role In [user] must not fit system")
	}
}

func TestGrantUsers(t *testing.T) {
	applied := objs(t, `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cross, namespace: gw}
spec:
  parentRefs: [{name: g}]
  rules: [{backendRefs: [{name: svc, namespace: apps, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: local, namespace: apps}
spec:
  parentRefs: [{name: g, namespace: gw}]
  rules: [{backendRefs: [{name: svc, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: rg, namespace: apps}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gw}]
  to: [{group: "", kind: Service}]
`)
	k := &checker{}
	for _, o := range applied {
		k.applied = append(k.applied, AppliedObject{Object: o})
	}
	users := k.grantUsers(applied[2].Unstructured)
	if len(users) != 1 || !strings.Contains(users[0].id, "HTTPRoute gw/cross") {
		var ids []string
		for _, u := range users {
			ids = append(ids, u.id)
		}
		t.Fatalf("want only the cross-namespace route, got %v", ids)
	}
}
