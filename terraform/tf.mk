# Terraform checks (layers 1-2). Included by the top-level Makefile; runnable
# alone with: make -f terraform/tf.mk ROOT=$PWD tf-check
#
# Tools are pinned as `tool` lines in Go modules and run with `go tool`, so a
# machine needs only Go, make and git:
#   terraform  github.com/hashicorp/terraform    terraform/check/tools/terraform/go.mod
#   tflint     github.com/terraform-linters/tflint  terraform/check/go.mod
# The first run builds them (several minutes cold); later runs reuse Go's cache.
#
# tf-check also runs the misconfiguration scan (scan/scan.mk: trivy, offline,
# over terraform/ and every rendered tree under out/), so `make test` does.

TF_MK_DIR := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
ROOT ?= $(abspath $(TF_MK_DIR)..)

TF_DIR        := $(ROOT)/terraform
TF_CHECK_DIR  := $(TF_DIR)/check
TF_TOOL_DIR   := $(TF_CHECK_DIR)/tools/terraform
# terraform from the pinned module; tf-validate prefers one on PATH (see README).
TF_GO_TOOL    := go -C $(TF_TOOL_DIR) tool terraform
TFLINT_GO     := go -C $(TF_CHECK_DIR) tool tflint

include $(abspath $(TF_MK_DIR)../scan/scan.mk)

.PHONY: tf-check tf-tools tf-fmt tf-lint tf-contract tf-validate

## tf-check: terraform fmt -check, tflint, the Go contract test of every rendered tfvars file, and the trivy scan
tf-check: tf-fmt tf-lint tf-contract scan

## tf-tools: build the pinned terraform and tflint (go tool) ahead of time
tf-tools:
	$(TF_GO_TOOL) version
	$(TFLINT_GO) --version

tf-fmt:
	$(TF_GO_TOOL) fmt -check -recursive -diff $(TF_DIR)

tf-lint:
	$(TFLINT_GO) --chdir=$(TF_DIR) --config=$(TF_DIR)/.tflint.hcl

tf-contract:
	cd $(TF_CHECK_DIR) && KRMGEN_ROOT=$(ROOT) go test -count=1 ./...

## tf-validate: terraform init -backend=false && terraform validate (needs the
## hashicorp/aws and hashicorp/helm providers and the registry module: network)
tf-validate:
	@tf="$$(command -v terraform || true)"; \
	if [ -z "$$tf" ]; then tf="$(TF_GO_TOOL)"; fi; \
	echo "using $$tf"; \
	$$tf -chdir=$(TF_DIR) init -backend=false -input=false && \
	$$tf -chdir=$(TF_DIR) validate
