// Command e2e checks every rendered tree under out/ against a real kube-apiserver and a
// real istiod on loopback. See e2e/README.md.
//
//	go run ./cmd/e2e -root ..            # every out/**/bootstrap/root-app.yaml
//	go run ./cmd/e2e -root .. out/eks    # one tree
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/krm-gen/krm-gen/e2e/harness"
)

func main() {
	root := flag.String("root", "..", "repository root (trees are found under ROOT/out)")
	e2eDir := flag.String("e2e", ".", "the e2e module's directory (its go.mod pins what is built)")
	keep := flag.Bool("keep", false, "keep the work dir (kube-apiserver and istiod logs)")
	work := flag.String("work", "", "work dir (default: a temp dir, removed unless -keep)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: e2e [-root DIR] [-keep] [-work DIR] [TREE...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Check lines and the summary go to stdout; progress and build output to stderr.
	opts := harness.Options{RepoRoot: *root, E2EDir: *e2eDir, Trees: flag.Args(), Out: os.Stdout, Log: os.Stderr, WorkDir: *work, Keep: *keep}
	start := time.Now()
	rep, err := harness.Run(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		rep.Fail("harness", "Ran", "Error", err.Error())
	}
	fmt.Fprintf(os.Stderr, "e2e: %s\n", time.Since(start).Round(time.Second))
	rep.Summary() // the last line: "N passed, N failed"
	if err != nil || rep.Failed > 0 {
		os.Exit(1)
	}
}
