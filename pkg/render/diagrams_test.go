package render

import "testing"

func TestMermaidLabelAndID(t *testing.T) {
	labels := []struct {
		parts []string
		want  string
	}{
		{[]string{"HTTPRoute app1", "/app1"}, `"HTTPRoute app1<br/>/app1"`},
		{[]string{`say "hi"`}, `"say #quot;hi#quot;"`},
		{[]string{"a<b>c"}, `"a#lt;b#gt;c"`},
	}
	for _, c := range labels {
		if got := mmLabel(c.parts...); got != c.want {
			t.Errorf("mmLabel(%q) = %s, want %s", c.parts, got, c.want)
		}
	}
	ids := []struct {
		parts []string
		want  string
	}{
		{[]string{"svc", "api-services", "users-api"}, "svc__api_services__users_api"},
		{[]string{"route", "ns", "HTTPRoute", "a.b"}, "route__ns__HTTPRoute__a_b"},
	}
	for _, c := range ids {
		if got := mmID(c.parts...); got != c.want {
			t.Errorf("mmID(%q) = %s, want %s", c.parts, got, c.want)
		}
	}
}
