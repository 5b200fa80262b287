# End-to-end checks of the rendered trees (see e2e/README.md). Included from the top
# Makefile, which sets ROOT to the repository root; also usable on its own:
#   make -f e2e/e2e.mk e2e
# The e2e module (e2e/go.mod) is separate from the main module: k8s.io/kubernetes, etcd,
# istio and helm never enter the main module's build.

ROOT ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
# Built binaries (etcd, kube-apiserver, istiod) are cached here, keyed by go.mod/go.sum.
KRM_GEN_E2E_CACHE ?= $(HOME)/.cache/krm-gen-e2e
E2E_FLAGS ?=
E2E_ENV = GOWORK=off KRM_GEN_E2E_CACHE=$(KRM_GEN_E2E_CACHE)

.PHONY: e2e e2e-selftest

## e2e: sync every out/**/bootstrap/root-app.yaml onto a fresh kube-apiserver, run istiod, assert
e2e:
	cd $(abspath $(ROOT))/e2e && $(E2E_ENV) go run ./cmd/e2e -root $(abspath $(ROOT)) $(E2E_FLAGS)

## e2e-selftest: broken copies of a rendered tree must make the harness fail with the right message
e2e-selftest:
	cd $(abspath $(ROOT))/e2e && $(E2E_ENV) E2E_ROOT=$(abspath $(ROOT)) go test -count=1 -timeout 40m -v -run 'TestSelf' ./harness/
