package pipeline_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/krm-gen/krm-gen/pkg/pipeline"
)

// capacitySpec has a user pool of m6i.large nodes (1930m allocatable CPU each) and one
// inline app of 8 replicas of 500m CPU on it.
const capacitySpec = `apiVersion: krm-gen.dev/v1alpha1
kind: Platform
metadata:
  name: cap
spec:
  git: {repoURL: https://github.com/acme/cap.git, path: out/cap}
  nodePools:
    system:
      labels: {role: system}
    user:
      labels: {role: user}
      size: {min: 1, max: 4, desired: %d}
  gateway:
    nodePool: system
    https: {}
    loadBalancer: {privateIPs: [{subnet: cap-private-a, address: 10.0.32.10}]}
  apps:
  - name: shop
    namespace: shop
    nodePool: user
    image: nginxinc/nginx-unprivileged:1.27-alpine
    port: 8080
    replicas: 8
    resources: {requests: {cpu: 500m}}
`

// The render warns about the desired size only: a min that cannot hold the pods is the
// autoscaler's to fix, and the plan shows it.
func TestCapacityWarning(t *testing.T) {
	for _, tc := range []struct {
		desired int
		warning string // "" for none
	}{
		{2, "cap.yaml:12: warning: spec.nodePools[user].size.desired: 2 m6i.large node(s) cannot hold what is placed on pool user: cpu: 4600m requested, 3860m allocatable"},
		{3, ""},
	} {
		t.Run(fmt.Sprintf("desired %d", tc.desired), func(t *testing.T) {
			res := pipeline.Load([]byte(fmt.Sprintf(capacitySpec, tc.desired)), "cap.yaml")
			if !res.Valid() {
				t.Fatalf("invalid: %v", res.Diagnostics)
			}
			var got []string
			for _, d := range res.Diagnostics {
				if strings.Contains(d.Field, "nodePools") {
					got = append(got, d.String())
				}
			}
			switch {
			case tc.warning == "" && len(got) > 0:
				t.Fatalf("unexpected warnings %v", got)
			case tc.warning != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.warning)):
				t.Fatalf("warnings %v, want one starting %q", got, tc.warning)
			}
		})
	}
}
