# `make bench` (issue 8): Go benchmarks of the pipeline for 1 to 5,000 generated apps, then
# whole-process timings against kustomize (hack/bench.sh). Results and how to read them:
# BENCHMARKS.md. Included by the Makefile.
GO        ?= go
BENCHTIME ?= 1s

.PHONY: bench bench-go bench-process

bench: bench-go bench-process ## benchmarks: Go (ns/op, B/op, allocs/op) and whole process vs kustomize

bench-go: ## Go benchmarks of decode+validate+render+serialize (1, 100, 1000, 5000 apps) and of the KRM function
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./pkg/pipeline/ ./pkg/krmfn/

bench-process: ## whole-process comparison with kustomize (RUNS=7; BENCH_ONLY=eks,apps,exec,startup)
	hack/bench.sh
