# krm-gen: the verbs users say. Needs only Go, make and git.
ROOT       := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BIN        := $(ROOT)/bin/krm-gen
BLUEPRINTS := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard blueprints/*/platform.yaml)))))
SCHEMA     := schema/platform.schema.json
SPEC_DOC   := docs/spec.md
GO         ?= go
FUZZTIME   ?= 30s

.PHONY: all build render verify test unit race lint fuzz update-golden docs-check clean help
all: test

help: ## list every target, with its description (`target: ## ...` or a `## target: ...` line above it)
	@awk '/^## [a-z0-9-]+: / { n = $$2; sub(/:$$/, "", n); d = $$0; sub(/^## [a-z0-9-]+: /, "", d); desc[n] = d; next } \
	  /^[a-z][a-z0-9-]*:([^=]|$$)/ { t = $$1; sub(/:.*/, "", t); d = ""; if (match($$0, /## /)) d = substr($$0, RSTART + 3); \
	    if (d == "" && (t in desc)) d = desc[t]; if (!(t in seen)) { seen[t] = 1; printf "%-16s %s\n", t, d } }' $(MAKEFILE_LIST) | sort

build: ## build bin/krm-gen
	$(GO) build -o $(BIN) ./cmd/krm-gen

render: build ## render every blueprint into out/<blueprint>/, the JSON Schema and docs/spec.md
	@mkdir -p $(dir $(SCHEMA)) $(dir $(SPEC_DOC))
	$(BIN) schema > $(SCHEMA).tmp && mv $(SCHEMA).tmp $(SCHEMA)
	$(BIN) schema --markdown > $(SPEC_DOC).tmp && mv $(SPEC_DOC).tmp $(SPEC_DOC)
	@set -e; for bp in $(BLUEPRINTS); do $(BIN) render -f blueprints/$$bp/platform.yaml -o out/$$bp; done

verify: build ## exit 1 with a diff when out/, the schema or docs/spec.md is stale
	@set -e; rc=0; \
	$(BIN) schema | diff -u $(SCHEMA) - || { echo "krm-gen: $(SCHEMA) is stale; run 'make render'" >&2; rc=1; }; \
	$(BIN) schema --markdown | diff -u $(SPEC_DOC) - || { echo "krm-gen: $(SPEC_DOC) is stale; run 'make render'" >&2; rc=1; }; \
	for bp in $(BLUEPRINTS); do $(BIN) verify -f blueprints/$$bp/platform.yaml -o out/$$bp || rc=1; done; \
	exit $$rc

test: lint unit $(if $(wildcard terraform/tf.mk),tf-check) ## lint, unit, golden, invalid-input, kustomize and Terraform contract tests

lint: ## gofmt, go vet and staticcheck (pinned as a tool in go.mod)
	@unformatted=$$(gofmt -l cmd internal pkg hack terraform e2e bench); if [ -n "$$unformatted" ]; then echo "gofmt: not formatted: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

unit: ## Go tests of the main module (fuzz seed corpora included)
	$(GO) test ./...

race: ## the packages that work on several goroutines, under the race detector (not in `make test`: it doubles a cold CI's builds)
	$(GO) test -race ./internal/manifest ./pkg/writer ./pkg/schema ./pkg/render ./pkg/krmfn ./pkg/pipeline

fuzz: ## run each fuzz target for FUZZTIME
	$(GO) test ./pkg/pipeline -run '^$$' -fuzz '^FuzzPipeline$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/manifest -run '^$$' -fuzz '^FuzzWrite$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/importer -run '^$$' -fuzz '^FuzzImport$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/schema -run '^$$' -fuzz '^FuzzParseSpec$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/schema -run '^$$' -fuzz '^FuzzSet$$' -fuzztime $(FUZZTIME)

update-golden: ## rewrite golden files (read the diff before committing)
	$(GO) test ./pkg/pipeline -run Golden -update
	$(GO) test ./pkg/cli -run 'ExplainGolden|BookinfoBlueprint' -update
	$(GO) test ./pkg/importer -run Golden -update

docs-check: ## render every Mermaid diagram of out/**/README.md with the Mermaid CLI (installs it and chromium outside the repo)
	hack/docs-check.sh

clean: ## remove build outputs
	rm -rf bin

-include e2e/e2e.mk
-include terraform/tf.mk
-include bench.mk
