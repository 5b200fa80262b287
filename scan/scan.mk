# Misconfiguration scan of layers 1-2 (terraform/) and of every rendered tree
# (out/) with trivy's embedded checks, offline. Included by terraform/tf.mk
# (tf-check runs it); runnable alone with: make -f scan/scan.mk ROOT=$PWD scan
#
# trivy is pinned as a `tool` line in scan/go.mod, a module of its own (its
# graph is large); v0.74 imports encoding/json/v2, so it builds with Go 1.26
# only with GOEXPERIMENT=jsonv2. The first run builds it (minutes, see
# terraform/README.md); later runs reuse Go's cache.
#
# Offline by construction: --skip-check-update (no checks bundle download),
# an empty cache directory of our own (so no bundle a previous online run left
# in ~/.cache/trivy is picked up: the embedded checks are used), no version
# check or telemetry, and HTTP(S)_PROXY pointed at a closed local port, so any
# request trivy still tries (its Terraform parser resolves registry modules
# such as terraform-aws-modules/eks-pod-identity) fails at once instead of
# downloading or hanging. --timeout bounds each run.

ifndef SCAN_MK_DIR
SCAN_MK_DIR := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
ROOT ?= $(abspath $(SCAN_MK_DIR)..)

SCAN_DIR          := $(abspath $(SCAN_MK_DIR))
SCAN_TF_DIR       := $(ROOT)/terraform
SCAN_OUT_DIR      := $(ROOT)/out
SCAN_TF_IGNORE    := $(SCAN_DIR)/terraform.trivyignore.yaml
SCAN_OUT_IGNORE   := $(SCAN_DIR)/out.trivyignore.yaml
TRIVY_CACHE_DIR   ?= $(ROOT)/bin/trivy-cache
TRIVY_TIMEOUT     ?= 5m
# Findings of these severities fail the scan unless waived in an ignore file.
TRIVY_SEVERITIES  ?= MEDIUM,HIGH,CRITICAL

TRIVY_GO      := GOEXPERIMENT=jsonv2 go -C $(SCAN_DIR) tool trivy
# The tool is built before (scan-tools, network allowed for the module
# proxy); the scans themselves need no network: GOPROXY=off keeps `go tool`
# from fetching, the proxy variables fence trivy in.
TRIVY_OFFLINE := GOPROXY=off HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 NO_PROXY= no_proxy=
# --quiet drops the log lines, which here are always the same two errors:
# no checks bundle in the cache (so the embedded checks are used) and the
# registry module that cannot be fetched (the fence above at work).
TRIVY_CONFIG  := $(TRIVY_OFFLINE) $(TRIVY_GO) config --quiet \
	--skip-check-update --skip-version-check --disable-telemetry \
	--cache-dir $(TRIVY_CACHE_DIR) --timeout $(TRIVY_TIMEOUT) \
	--severity $(TRIVY_SEVERITIES) --exit-code 1 --table-mode detailed

# Rendered Terraform inputs, as terraform/check finds them.
SCAN_TFVARS = $(sort $(wildcard $(SCAN_OUT_DIR)/*/terraform/platform.auto.tfvars.json $(SCAN_OUT_DIR)/*/*/terraform/platform.auto.tfvars.json))

.PHONY: scan scan-tools scan-tf scan-out

scan: scan-tf scan-out ## trivy misconfiguration scan of terraform/ (defaults, then each rendered tfvars) and out/, offline

## scan-tools: build the pinned trivy (go tool) ahead of time; prints its path
scan-tools:
	GOEXPERIMENT=jsonv2 go -C $(SCAN_DIR) tool -n trivy

## scan-tf: terraform/ with the variables' defaults, then with every rendered tfvars file
scan-tf: scan-tools
	@mkdir -p $(TRIVY_CACHE_DIR)
	@echo "== trivy config terraform/ (variables' defaults; for_each over required variables expands to nothing)"
	@$(TRIVY_CONFIG) --misconfig-scanners terraform --ignorefile $(SCAN_TF_IGNORE) $(SCAN_TF_DIR)
	@set -e; for f in $(SCAN_TFVARS); do \
		echo "== trivy config terraform/ --tf-vars $${f#$(ROOT)/}"; \
		$(TRIVY_CONFIG) --misconfig-scanners terraform --ignorefile $(SCAN_TF_IGNORE) --tf-vars $$f $(SCAN_TF_DIR); \
	done

## scan-out: the Kubernetes manifests of every rendered tree under out/
scan-out: scan-tools
	@mkdir -p $(TRIVY_CACHE_DIR)
	@echo "== trivy config out/ (Kubernetes manifests of every rendered tree)"
	@$(TRIVY_CONFIG) --misconfig-scanners kubernetes --ignorefile $(SCAN_OUT_IGNORE) $(SCAN_OUT_DIR)
endif
