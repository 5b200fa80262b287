package harness

import (
	"fmt"
	"sort"
	"strings"
)

// placement says which pools a Deployment's pods may land on.
type placement struct {
	Pools    []string // allowed pools, sorted; empty when Anywhere
	Anywhere bool     // no pool-pinning nodeSelector: any node
	Why      string   // how it was decided, for the report
}

// String is the condition the report prints for the placement.
func (p placement) String() string {
	if p.Anywhere {
		return "anywhere"
	}
	return strings.Join(p.Pools, ",")
}

// allows reports whether pool is one the pods may land on.
func (p placement) allows(pool string) bool {
	return p.Anywhere || contains(p.Pools, pool)
}

// decidePlacement decides where a Deployment's pods belong.
//   - fixedPool, when set, wins: the gateway's pods belong to spec.gateway.nodePool whatever
//     istiod generated (a wrong nodeSelector is then a placement failure, not a new rule).
//   - Otherwise the nodeSelector decides: its keys that some pool's labels define (keys
//     every node carries, such as kubernetes.io/os from a chart's defaults, are left to the
//     scheduler) must all match a pool's labels; every pool they match is allowed.
//   - A nodeSelector with no pool key means no pool: the pods may land anywhere.
//
// A nodeSelector with pool keys that match no pool is an error: its pods can never be placed
// on a pool of the spec.
func decidePlacement(nodeSelector map[string]string, pools []Pool, fixedPool string) (placement, error) {
	if fixedPool != "" {
		for _, p := range pools {
			if p.Name == fixedPool {
				return placement{Pools: []string{fixedPool}, Why: "spec.gateway.nodePool"}, nil
			}
		}
		return placement{}, fmt.Errorf("spec.gateway.nodePool %q is not a node pool of the spec", fixedPool)
	}
	poolKeys := map[string]bool{}
	for _, p := range pools {
		for k := range p.Labels {
			poolKeys[k] = true
		}
	}
	var sel []string
	for k, v := range nodeSelector {
		if poolKeys[k] {
			sel = append(sel, k+"="+v)
		}
	}
	sort.Strings(sel)
	if len(sel) == 0 {
		return placement{Anywhere: true, Why: "no nodeSelector on a pool label"}, nil
	}
	var match []string
	for _, p := range pools {
		ok := true
		for k, v := range nodeSelector {
			if poolKeys[k] && p.Labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			match = append(match, p.Name)
		}
	}
	sort.Strings(match)
	if len(match) == 0 {
		return placement{}, fmt.Errorf("nodeSelector %s matches the labels of no node pool", strings.Join(sel, ","))
	}
	return placement{Pools: match, Why: "nodeSelector " + strings.Join(sel, ",")}, nil
}
