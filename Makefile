# krm-gen: the verbs users say. Needs only Go, make and git.
ROOT       := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BIN        := $(ROOT)/bin/krm-gen
BLUEPRINTS := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard blueprints/*/platform.yaml)))))
SCHEMA     := schema/platform.schema.json
GO         ?= go
FUZZTIME   ?= 30s

.PHONY: all build render verify test unit lint fuzz update-golden clean help
all: test

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

build: ## build bin/krm-gen
	$(GO) build -o $(BIN) ./cmd/krm-gen

render: build ## render every blueprint into out/<blueprint>/ and the JSON Schema
	@mkdir -p $(dir $(SCHEMA))
	$(BIN) schema > $(SCHEMA).tmp && mv $(SCHEMA).tmp $(SCHEMA)
	@set -e; for bp in $(BLUEPRINTS); do $(BIN) render -f blueprints/$$bp/platform.yaml -o out/$$bp; done

verify: build ## exit 1 with a diff when out/ or the schema is stale
	@set -e; rc=0; \
	$(BIN) schema | diff -u $(SCHEMA) - || { echo "krm-gen: $(SCHEMA) is stale; run 'make render'" >&2; rc=1; }; \
	for bp in $(BLUEPRINTS); do $(BIN) verify -f blueprints/$$bp/platform.yaml -o out/$$bp || rc=1; done; \
	exit $$rc

test: lint unit $(if $(wildcard terraform/tf.mk),tf-check) ## lint, unit, golden, invalid-input, kustomize and Terraform contract tests

lint: ## gofmt, go vet and staticcheck (pinned as a tool in go.mod)
	@unformatted=$$(gofmt -l cmd internal pkg hack terraform e2e); if [ -n "$$unformatted" ]; then echo "gofmt: not formatted: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

unit: ## Go tests of the main module (fuzz seed corpora included)
	$(GO) test ./...

fuzz: ## run each fuzz target for FUZZTIME
	$(GO) test ./pkg/pipeline -run '^$$' -fuzz '^FuzzPipeline$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/manifest -run '^$$' -fuzz '^FuzzWrite$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pkg/importer -run '^$$' -fuzz '^FuzzImport$$' -fuzztime $(FUZZTIME)

update-golden: ## rewrite golden files (read the diff before committing)
	$(GO) test ./pkg/pipeline -run Golden -update
	$(GO) test ./pkg/cli -run ExplainGolden -update
	$(GO) test ./pkg/importer -run Golden -update

clean: ## remove build outputs
	rm -rf bin

-include e2e/e2e.mk
-include terraform/tf.mk
-include bench.mk
