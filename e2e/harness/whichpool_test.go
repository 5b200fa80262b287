package harness

import (
	"strings"
	"testing"
)

func TestDecidePlacement(t *testing.T) {
	pools := []Pool{
		{Name: "system", Labels: map[string]string{"role": "system", "tier": "core"}},
		{Name: "user", Labels: map[string]string{"role": "user", "tier": "core"}},
		{Name: "batch", Labels: map[string]string{"role": "batch"}},
	}
	cases := []struct {
		name         string
		nodeSelector map[string]string
		fixed        string
		want         string // placement.String()
		wantErr      string
	}{
		{"selector of one pool", map[string]string{"role": "user"}, "", "user", ""},
		{"selector shared by two pools", map[string]string{"tier": "core"}, "", "system,user", ""},
		{"no selector", nil, "", "anywhere", ""},
		{"only keys every node has (chart default)", map[string]string{"kubernetes.io/os": "linux"}, "", "anywhere", ""},
		{"pool key plus a well-known key", map[string]string{"role": "system", "kubernetes.io/os": "linux"}, "", "system", ""},
		{"selector matching no pool", map[string]string{"role": "gpu"}, "", "", "nodeSelector role=gpu matches the labels of no node pool"},
		{"keys of two pools at once", map[string]string{"role": "batch", "tier": "core"}, "", "", "matches the labels of no node pool"},
		{"gateway: the spec's pool wins", map[string]string{"role": "user"}, "system", "system", ""},
		{"gateway pool not in the spec", nil, "edge", "", `spec.gateway.nodePool "edge" is not a node pool`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decidePlacement(c.nodeSelector, pools, c.fixed)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want error %q, got %v (%v)", c.wantErr, err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != c.want || got.Why == "" {
				t.Fatalf("got %q (%s), want %q", got, got.Why, c.want)
			}
			for _, p := range pools {
				if got.allows(p.Name) != (c.want == "anywhere" || strings.Contains(","+c.want+",", ","+p.Name+",")) {
					t.Errorf("allows(%s) = %v", p.Name, got.allows(p.Name))
				}
			}
		})
	}
}
