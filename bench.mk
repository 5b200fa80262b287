# `make bench` (issues 8, 19): Go benchmarks of the pipeline for 1 to 5,000 generated apps,
# then whole-process timings against kustomize and the Helm peer (hack/bench.sh; helm is
# built from bench/peer-helm/go.mod, never by `make test`). Results and how to read them:
# BENCHMARKS.md. Included by the Makefile.
GO        ?= go
BENCHTIME ?= 1s

.PHONY: bench bench-go bench-process bench-peer-check

bench: bench-go bench-process ## benchmarks: Go (ns/op, B/op, allocs/op) and whole process vs kustomize

bench-go: ## Go benchmarks of decode+validate+render+serialize (1, 100, 1000, 5000 apps) and of the KRM function
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./pkg/pipeline/ ./pkg/krmfn/

bench-process: ## whole-process comparison with kustomize and the Helm peer (RUNS=7; BENCH_ONLY=eks,apps,helm,exec,startup,base)
	hack/bench.sh

bench-peer-check: ## the Helm peer (bench/peer-helm) renders krm-gen's objects of the apps, object for object (100 and 1,000 apps; no timing)
	BENCH_ONLY=peer-check BENCH_SIZES="$(or $(BENCH_SIZES),100 1000)" hack/bench.sh
