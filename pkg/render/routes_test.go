package render

import (
	"fmt"
	"testing"

	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// TestReferenceGrantsSplitAtSixteenTargets: the Gateway API allows 16 entries in
// spec.to; larger sets become several grants.
func TestReferenceGrantsSplitAtSixteenTargets(t *testing.T) {
	for _, n := range []int{1, 16, 17, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := &schema.Platform{APIVersion: schema.APIVersion, Kind: schema.Kind, Metadata: schema.Metadata{Name: "t"}}
			p.Spec.Git = schema.Git{RepoURL: "https://example.com/r.git", Path: "out/t"}
			p.Spec.Gateway.HTTPS = &schema.HTTPSListener{}
			p.Spec.NodePools = map[string]schema.NodePool{"system": {Labels: map[string]string{"role": "system"}}}
			p.Spec.Gateway.NodePool = "system"
			for i := range n {
				p.Spec.Routes = append(p.Spec.Routes, schema.Route{
					Path: fmt.Sprintf("/s%d", i), Namespace: "front",
					Backend: &schema.Backend{Service: fmt.Sprintf("svc-%02d", i), Namespace: "back", Port: 80},
				})
			}
			p.Default()
			if errs, _ := p.Validate(); len(errs) > 0 {
				t.Fatal(errs)
			}
			tree := &Tree{}
			if err := routes(model.Build(p, ""), tree); err != nil {
				t.Fatal(err)
			}
			grants, targets := 0, 0
			for _, r := range tree.Resources {
				if g, ok := r.Object.(*gwv1.ReferenceGrant); ok {
					grants++
					targets += len(g.Spec.To)
					if len(g.Spec.To) > maxGrantTargets {
						t.Errorf("%s has %d targets", g.Name, len(g.Spec.To))
					}
				}
			}
			if want := (n + maxGrantTargets - 1) / maxGrantTargets; grants != want || targets != n {
				t.Errorf("%d grants with %d targets, want %d grants with %d", grants, targets, want, n)
			}
		})
	}
}
