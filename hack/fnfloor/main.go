// Command fnfloor is the least a KRM function built on krm-gen's libraries can cost,
// for hack/bench.sh: it links what the guide has krm-gen build on (kyaml's fn
// framework, the typed objects of k8s.io/api, sigs.k8s.io/gateway-api and
// istio.io/client-go), so their package inits and the size of their code run at
// start-up, and then does nothing but print a saved output (BENCHMARKS.md, issue 19).
//
//	fnfloor FILE   copy FILE to standard output
package main

import (
	"fmt"
	"io"
	"os"

	// The libraries krm-gen's function links, for their start-up cost only.
	_ "istio.io/client-go/pkg/apis/security/v1"
	_ "k8s.io/api/apps/v1"
	_ "k8s.io/api/autoscaling/v2"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/api/networking/v1"
	_ "k8s.io/api/policy/v1"
	_ "sigs.k8s.io/gateway-api/apis/v1"
	_ "sigs.k8s.io/kustomize/kyaml/fn/framework"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fnfloor FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err == nil {
		_, err = io.Copy(os.Stdout, f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fnfloor:", err)
		os.Exit(1)
	}
}
