package harness

import (
	"strings"
	"testing"
)

func TestParseAnalyze(t *testing.T) {
	out := `[
  {"code": "IST0101", "documentationUrl": "https://istio.io/latest/docs/reference/config/analysis/ist0101/", "level": "Error",
   "message": "Referenced gateway not found: \"istio-ingress/gw\"", "origin": "HTTPRoute apps/r1"},
  {"code": "IST0118", "level": "Info", "message": "Port name x", "origin": "Service apps/s"},
  {"code": "IST0155", "level": "Warning", "message": "cluster-scoped", "origin": "GatewayClass istio"}
]`
	msgs, err := parseAnalyze([]byte(out))
	if err != nil || len(msgs) != 3 {
		t.Fatalf("%v %v", msgs, err)
	}
	if m := msgs[0]; m.Code != "IST0101" || m.namespace() != "apps" || m.kind() != "HTTPRoute" || m.object() != "HTTPRoute apps/r1" {
		t.Errorf("first message %+v: ns %q kind %q", m, m.namespace(), m.kind())
	}
	if ns := msgs[2].namespace(); ns != "" {
		t.Errorf("cluster-scoped origin has namespace %q", ns)
	}
	for _, empty := range []string{"", "[]", "null\n"} {
		if msgs, err := parseAnalyze([]byte(empty)); err != nil || len(msgs) != 0 {
			t.Errorf("%q: %v %v", empty, msgs, err)
		}
	}
	if _, err := parseAnalyze([]byte("Error: something")); err == nil || !strings.Contains(err.Error(), "printed something else") {
		t.Errorf("non-JSON output: %v", err)
	}
}

func TestAnalyzeFindings(t *testing.T) {
	msgs := []analyzeMessage{
		{Code: "IST0101", Level: "Error", Origin: "HTTPRoute apps/r1", Message: "ref"},
		{Code: "IST0118", Level: "Info", Origin: "Service apps/s", Message: "info only"},
		{Code: "IST0102", Level: "Warning", Origin: "Namespace apps", Message: "the tree's Namespace: kept"},
		{Code: "IST0102", Level: "Warning", Origin: "Namespace default", Message: "not the tree's"},
		{Code: "IST0155", Level: "Error", Origin: "GatewayClass istio", Message: "not applied by the tree"},
		{Code: "IST0156", Level: "Warning", Origin: "ClusterRole r", Message: "applied by the tree: kept"},
		{Code: "IST0103", Level: "Warning", Origin: "Pod kube-system/p", Message: "outside the tree"},
		{Code: "IST0999", Level: "Warning", Origin: "Deployment apps/d", Message: "harness artefact"},
		{Code: "IST0999", Level: "Warning", Origin: "Service apps/d", Message: "same code, other kind"},
	}
	supp := []analyzerSuppression{
		{Code: "IST0999", Kind: "Deployment", Why: "no kubelet"},
		{Code: "IST0101", Kind: "HTTPRoute", Applies: func(m analyzeMessage) bool { return m.Message == "not this one" }, Why: "never"},
	}
	scope := treeScope{namespaces: map[string]bool{"apps": true}, clusterObjects: map[string]bool{"ClusterRole r": true}}
	fail, notes := analyzeFindings(msgs, scope, supp)
	var got []string
	for _, m := range fail {
		got = append(got, m.Code+" "+m.Origin)
	}
	want := "IST0156 ClusterRole r|IST0101 HTTPRoute apps/r1|IST0102 Namespace apps|IST0999 Service apps/d"
	if strings.Join(got, "|") != want {
		t.Errorf("failures %q, want %q", strings.Join(got, "|"), want)
	}
	joined := strings.Join(notes, "\n")
	for _, w := range []string{"Info IST0118", "Warning IST0102 Namespace default", "Error IST0155 GatewayClass istio", "outside the tree's namespaces: Warning IST0103", "suppressed (no kubelet): Warning IST0999 Deployment apps/d"} {
		if !strings.Contains(joined, w) {
			t.Errorf("notes lack %q:\n%s", w, joined)
		}
	}
}
