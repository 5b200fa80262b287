package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var gvkAuthorizationPolicy = schema.GroupVersionKind{Group: "security.istio.io", Version: "v1", Kind: "AuthorizationPolicy"}

// analyzeMessage is one message of `istioctl analyze -o json`.
type analyzeMessage struct {
	Code      string `json:"code"`
	Level     string `json:"level"`  // Error, Warning, Info
	Origin    string `json:"origin"` // "Kind namespace/name", or "Kind name" when cluster-scoped
	Reference string `json:"reference"`
	Message   string `json:"message"`
}

// object returns the message's object as the report names objects ("Kind ns/name").
func (m analyzeMessage) object() string {
	if m.Origin == "" {
		return "istioctl analyze"
	}
	return m.Origin
}

// namespace is the namespace of the message's object, "" for a cluster-scoped one.
func (m analyzeMessage) namespace() string {
	_, rest, _ := strings.Cut(m.Origin, " ")
	if ns, _, found := strings.Cut(rest, "/"); found {
		return ns
	}
	return ""
}

func (m analyzeMessage) kind() string {
	k, _, _ := strings.Cut(m.Origin, " ")
	return k
}

// parseAnalyze decodes the JSON list istioctl analyze prints (an empty analysis prints
// [] or nothing).
func parseAnalyze(out []byte) ([]analyzeMessage, error) {
	out = bytes.TrimSpace(out)
	if len(out) == 0 || string(out) == "null" {
		return nil, nil
	}
	var msgs []analyzeMessage
	if err := json.Unmarshal(out, &msgs); err != nil {
		return nil, fmt.Errorf("istioctl analyze -o json printed something else: %w: %.300s", err, out)
	}
	return msgs, nil
}

// analyzerSuppression is a message the harness environment causes, not the tree: it is
// reported as a note, never as a failure. Each one says why, and is as narrow as it can be
// (a code, an object kind, and a condition on the message and the live cluster).
type analyzerSuppression struct {
	Code    string
	Kind    string                      // the message's object kind
	Applies func(m analyzeMessage) bool // nil: every message of Code about Kind
	Why     string
}

func (s analyzerSuppression) matches(m analyzeMessage) bool {
	return s.Code == m.Code && s.Kind == m.kind() && (s.Applies == nil || s.Applies(m))
}

// harnessSuppressions are the findings of istioctl analyze that come from what this
// harness cannot run (no kubelet, no container, no istio-cni node agent, no cloud load
// balancer); e2e/README.md lists them too.
//   - IST0171 on a Gateway whose Programmed condition is False with AddressNotAssigned:
//     istiod programs a Gateway once its Service has a load-balancer address and ready pods.
//   - IST0127 (no matching workloads) on an AuthorizationPolicy in an ambient namespace
//     where scheduled pods the policy selects exist: the analyzer counts an ambient pod only
//     once the istio-cni node agent on its node has annotated it
//     ambient.istio.io/redirection=enabled, and no node agent runs here. A policy that
//     selects no pod still fails.
func (k *checker) harnessSuppressions(ctx context.Context) []analyzerSuppression {
	return []analyzerSuppression{
		{
			Code: "IST0171", Kind: "Gateway",
			Applies: func(m analyzeMessage) bool {
				return strings.Contains(m.Message, "type=Programmed, reason=AddressNotAssigned")
			},
			Why: "Programmed needs a cloud load balancer's address and running gateway pods",
		},
		{
			Code: "IST0127", Kind: "AuthorizationPolicy",
			Applies: func(m analyzeMessage) bool { return k.ambientPodsSelected(ctx, m) },
			Why:     "no istio-cni node agent marks the scheduled pods of this ambient namespace, which the policy selects, ambient.istio.io/redirection=enabled",
		},
	}
}

// ambientPodsSelected reports whether the AuthorizationPolicy the message is about lives
// in a namespace labelled istio.io/dataplane-mode=ambient and selects at least one
// scheduled pod there that does not opt out (istio.io/dataplane-mode=none): a pod the
// istio-cni node agent would enroll.
func (k *checker) ambientPodsSelected(ctx context.Context, m analyzeMessage) bool {
	ns := m.namespace()
	_, rest, _ := strings.Cut(m.Origin, " ")
	_, name, _ := strings.Cut(rest, "/")
	nsObj, err := k.c.Get(ctx, gvkNamespace, "", ns)
	if err != nil || nsObj == nil || nsObj.GetLabels()["istio.io/dataplane-mode"] != "ambient" {
		return false
	}
	ap, err := k.c.Get(ctx, gvkAuthorizationPolicy, ns, name)
	if err != nil || ap == nil {
		return false
	}
	sel, _, _ := unstructured.NestedStringMap(ap.Object, "spec", "selector", "matchLabels")
	pods, err := k.c.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(sel).String()})
	if err != nil {
		return false
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName != "" && !p.Spec.HostNetwork && p.Labels["istio.io/dataplane-mode"] != "none" {
			return true
		}
	}
	return false
}

// treeScope says which objects are the tree's: those in its namespaces, its Namespaces,
// and the cluster-scoped objects it applied ("Kind name").
type treeScope struct {
	namespaces     map[string]bool
	clusterObjects map[string]bool
}

func (s treeScope) has(m analyzeMessage) bool {
	if ns := m.namespace(); ns != "" {
		return s.namespaces[ns]
	}
	if m.kind() == "Namespace" {
		return s.namespaces[strings.TrimPrefix(m.Origin, "Namespace ")]
	}
	return s.clusterObjects[m.Origin]
}

// analyzeFindings sorts istioctl's messages: failures (Error or Warning about an object of
// the tree), suppressed ones (see harnessSuppressions, with the reason) and notes (Info,
// or about objects that are not the tree's).
func analyzeFindings(msgs []analyzeMessage, scope treeScope, supp []analyzerSuppression) (fail []analyzeMessage, notes []string) {
	for _, m := range msgs {
		if !scope.has(m) {
			notes = append(notes, fmt.Sprintf("outside the tree's namespaces: %s %s %s: %s", m.Level, m.Code, m.object(), m.Message))
			continue
		}
		if m.Level != "Error" && m.Level != "Warning" {
			notes = append(notes, fmt.Sprintf("%s %s %s: %s", m.Level, m.Code, m.object(), m.Message))
			continue
		}
		suppressed := ""
		for _, s := range supp {
			if s.matches(m) {
				suppressed = s.Why
				break
			}
		}
		if suppressed != "" {
			notes = append(notes, fmt.Sprintf("suppressed (%s): %s %s %s: %s", suppressed, m.Level, m.Code, m.object(), m.Message))
			continue
		}
		fail = append(fail, m)
	}
	sort.SliceStable(fail, func(i, j int) bool {
		if fail[i].Origin != fail[j].Origin {
			return fail[i].Origin < fail[j].Origin
		}
		return fail[i].Code < fail[j].Code
	})
	return fail, notes
}

// treeScope collects the namespaces of what the tree applied (and the Namespaces it
// made) and its cluster-scoped objects.
func (k *checker) treeScope() treeScope {
	s := treeScope{namespaces: map[string]bool{}, clusterObjects: map[string]bool{}}
	for _, a := range k.applied {
		switch {
		case a.GetKind() == "Namespace" && a.GroupVersionKind().Group == "":
			s.namespaces[a.GetName()] = true
		case a.GetNamespace() != "":
			s.namespaces[a.GetNamespace()] = true
		default:
			s.clusterObjects[a.GetKind()+" "+a.GetName()] = true
		}
	}
	return s
}

// istioAnalyze runs `istioctl analyze` live against the apiserver (all namespaces, the
// istiod's namespace and revision) and fails on every Error or Warning it reports about
// the tree's namespaces, with istioctl's message code as the reason.
func (k *checker) istioAnalyze(ctx context.Context, istioctl, workDir, istioNamespace, revision string) {
	scope := k.treeScope()
	id := fmt.Sprintf("istioctl analyze (live, %d namespaces of the tree, revision %s)", len(scope.namespaces), revision)
	home := filepath.Join(workDir, "istioctl")
	if err := os.MkdirAll(home, 0o755); err != nil {
		k.r.Fail(id, "Ran", "Error", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	args := []string{"analyze", "--kubeconfig", k.c.KubeconfigPath, "--all-namespaces",
		"--istioNamespace", istioNamespace, "--revision", revision, "--output", "json", "--timeout", "2m"}
	cmd := exec.CommandContext(ctx, istioctl, args...)
	cmd.Dir = home
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	_ = os.WriteFile(filepath.Join(workDir, "istioctl-analyze.json"), stdout.Bytes(), 0o644)
	fmt.Fprintf(k.log, "istioctl %s: %s (%s); stderr: %s\n", strings.Join(args, " "), errOrOK(err), time.Since(start).Round(time.Second), strings.TrimSpace(stderr.String()))
	if err != nil {
		k.r.Fail(id, "Ran", "Error", fmt.Sprintf("%v: %s", err, strings.TrimSpace(stderr.String())))
		return
	}
	msgs, err := parseAnalyze(stdout.Bytes())
	if err != nil {
		k.r.Fail(id, "Ran", "Error", err.Error())
		return
	}
	fail, notes := analyzeFindings(msgs, scope, k.harnessSuppressions(ctx))
	for _, n := range notes {
		fmt.Fprintf(k.log, "note: istioctl analyze: %s\n", n)
	}
	for _, m := range fail {
		k.r.Fail(m.object(), "IstioctlAnalyze "+m.Level, m.Code, m.Message)
	}
	if len(fail) == 0 {
		k.r.Pass(id, fmt.Sprintf("NoErrorsOrWarnings (%d messages in all)", len(msgs)))
	}
}

func errOrOK(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}
