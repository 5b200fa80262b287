#!/usr/bin/env bash
# Whole-process benchmarks of krm-gen against kustomize (issue 8; see BENCHMARKS.md).
#
#   hack/bench.sh                  # RUNS=7 interleaved runs per command (RUNS_LARGE=3 for 5,000 apps)
#   RUNS=15 hack/bench.sh          # more runs
#   BENCH_ONLY=eks,exec hack/bench.sh   # some cases: eks, apps, exec, startup
#
# Every case runs its commands round-robin (order alternating each round) so that load
# from other work on the machine hits all of them alike, and reports medians of wall
# time (bash $EPOCHREALTIME, microseconds), CPU time (user+sys) and peak RSS (both from
# /usr/bin/time). Binaries are prebuilt (bin/krm-gen, bin/kustomize) so `go run`/`go tool`
# start-up does not count. Nothing under out/ is touched: renders go to a temporary
# folder, and the static trees kustomize reads are temporary copies with a generated
# kustomization.yaml.
set -euo pipefail

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
RUNS=${RUNS:-7}
RUNS_LARGE=${RUNS_LARGE:-3}
RUNS_STARTUP=${RUNS_STARTUP:-30}
BENCH_ONLY=${BENCH_ONLY:-eks,apps,exec,startup}

if [ ! -x /usr/bin/time ]; then
	echo "bench: /usr/bin/time is missing (apt-get install time)" >&2
	exit 1
fi

echo "bench: building bin/krm-gen and bin/kustomize" >&2
go build -o bin/krm-gen ./cmd/krm-gen
go build -o bin/kustomize sigs.k8s.io/kustomize/kustomize/v5
krmgen=$root/bin/krm-gen
kustomize=$root/bin/kustomize
export KRM_GEN_BIN=$krmgen # used by hack/krm-gen, the exec function of blueprints/eks

work=$(mktemp -d "${TMPDIR:-/tmp}/krm-gen-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/samples" "$work/specs"

# static_tree DIR DEST: copy a rendered tree and list its manifests in a kustomization.yaml
# (kustomize builds a folder only through one); Terraform files are not Kubernetes objects.
static_tree() {
	cp -r "$1" "$2"
	rm -f "$2/.krm-gen.manifest"
	{
		echo "apiVersion: kustomize.config.k8s.io/v1beta1"
		echo "kind: Kustomization"
		echo "resources:"
		(cd "$2" && find . -name '*.yaml' ! -name kustomization.yaml | LC_ALL=C sort | sed 's|^\./|- |')
	} >"$2/kustomization.yaml"
}

# measure LABEL CMD...: one timed run, appended to $work/samples/LABEL as "wall_ms cpu_ms rss_kib".
measure() {
	local label=$1 t0 t1 u s m
	shift
	t0=$EPOCHREALTIME
	if ! /usr/bin/time -o "$work/time" -f '%U %S %M' "$@" >/dev/null 2>"$work/stderr"; then
		echo "bench: $label failed: $*" >&2
		cat "$work/stderr" >&2
		exit 1
	fi
	t1=$EPOCHREALTIME
	read -r u s m <"$work/time"
	awk -v a="$t0" -v b="$t1" -v u="$u" -v s="$s" -v m="$m" \
		'BEGIN { printf "%.1f %.0f %d\n", (b - a) * 1000, (u + s) * 1000, m }' >>"$work/samples/$label"
}

# round_robin RUNS LABEL1 CMD1 LABEL2 CMD2 ...: CMDn is one string, split on spaces.
# One warm-up run each, then RUNS rounds, reversing the order every other round.
round_robin() {
	local runs=$1 i j
	shift
	local -a labels=() cmds=()
	while [ $# -gt 0 ]; do
		labels+=("$1")
		cmds+=("$2")
		shift 2
	done
	for j in "${!labels[@]}"; do
		# shellcheck disable=SC2086
		measure "warmup-${labels[j]}" ${cmds[j]}
	done
	for ((i = 0; i < runs; i++)); do
		local -a order=("${!labels[@]}")
		if ((i % 2)); then
			order=()
			for ((j = ${#labels[@]} - 1; j >= 0; j--)); do order+=("$j"); done
		fi
		for j in "${order[@]}"; do
			# shellcheck disable=SC2086
			measure "${labels[j]}" ${cmds[j]}
		done
	done
}

# median LABEL COLUMN: median of one column of the samples.
median() {
	awk -v c="$2" '{ print $c }' "$work/samples/$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

row() { # LABEL DESCRIPTION
	printf '| %s | %s | %s | %s | %.0f | %d |\n' "$1" "$2" "$(median "$1" 1)" "$(median "$1" 2)" \
		"$(awk -v k="$(median "$1" 3)" 'BEGIN { print k / 1024 }')" "$(wc -l <"$work/samples/$1")"
}

ratio() { awk -v a="$(median "$1" 1)" -v b="$(median "$2" 1)" 'BEGIN { printf "%.2f", a / b }'; }
diffms() { awk -v a="$(median "$1" 1)" -v b="$(median "$2" 1)" 'BEGIN { printf "%.1f", a - b }'; }
want() { case ",$BENCH_ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

echo "bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; $(go version | cut -d' ' -f3); kustomize $("$kustomize" version)" >&2

# The eks blueprint: render it, and build the static tree it produced.
"$krmgen" render -f blueprints/eks/platform.yaml -o "$work/eks-out" 2>/dev/null
static_tree "$work/eks-out" "$work/eks-static"

results=()
if want eks; then
	echo "bench: eks blueprint" >&2
	round_robin "$RUNS" \
		eks-render "$krmgen render -f blueprints/eks/platform.yaml -o $work/eks-out" \
		eks-kustomize-static "$kustomize build $work/eks-static" \
		eks-verify "$krmgen verify -f blueprints/eks/platform.yaml -o $work/eks-out"
	results+=("eks-render|krm-gen render -f blueprints/eks/platform.yaml" "eks-kustomize-static|kustomize build of its output (static copy)" "eks-verify|krm-gen verify (pre-commit check, no write)")
fi

if want apps; then
	KRM_GEN_BENCH_SPEC_DIR="$work/specs" go test -run '^TestWriteBenchSpecs$' -count=1 ./pkg/pipeline/ >/dev/null
	for n in 100 1000 5000; do
		echo "bench: generated spec, $n apps" >&2
		"$krmgen" render -f "$work/specs/bench-$n.yaml" -o "$work/out-$n" 2>/dev/null
		static_tree "$work/out-$n" "$work/static-$n"
		runs=$RUNS
		[ "$n" -lt 5000 ] || runs=$RUNS_LARGE
		round_robin "$runs" \
			"apps$n-render" "$krmgen render -f $work/specs/bench-$n.yaml -o $work/out-$n" \
			"apps$n-kustomize-static" "$kustomize build $work/static-$n"
		results+=("apps$n-render|krm-gen render, $n apps ($(find "$work/out-$n" -type f | wc -l) files)" "apps$n-kustomize-static|kustomize build of its output")
	done
fi

if want exec; then
	echo "bench: kustomize exec function" >&2
	if ! diff <("$kustomize" build --enable-alpha-plugins --enable-exec blueprints/eks) <("$kustomize" build "$work/eks-static") >"$work/exec.diff"; then
		echo "bench: warning: the exec-function build differs from the static tree:" >&2
		head -20 "$work/exec.diff" >&2
	fi
	round_robin "$RUNS" \
		exec-kustomize "$kustomize build --enable-alpha-plugins --enable-exec blueprints/eks" \
		exec-kustomize-static "$kustomize build $work/eks-static"
	results+=("exec-kustomize|kustomize build --enable-alpha-plugins --enable-exec blueprints/eks" "exec-kustomize-static|kustomize build of the static tree")
fi

if want startup; then
	echo "bench: start-up" >&2
	round_robin "$RUNS_STARTUP" \
		startup-krm-gen "$krmgen --version" \
		startup-kustomize "$kustomize version" \
		startup-true "/bin/true"
	results+=("startup-krm-gen|krm-gen --version" "startup-kustomize|kustomize version" "startup-true|/bin/true (process floor)")
fi

echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) at end" >&2
echo
echo "| case | command | wall ms (median) | CPU ms (user+sys, median) | peak RSS MiB (median) | runs |"
echo "|---|---|---:|---:|---:|---:|"
for r in "${results[@]}"; do row "${r%%|*}" "${r#*|}"; done
echo
if want eks; then
	echo "- eks render / kustomize build of its output: $(ratio eks-render eks-kustomize-static)x (target <= 1.0x)"
	echo "- eks verify / kustomize build of its output: $(ratio eks-verify eks-kustomize-static)x"
fi
if want apps; then
	echo "- 1,000 apps: $(median apps1000-render 1) ms wall, $(awk -v k="$(median apps1000-render 3)" 'BEGIN { printf "%.0f", k / 1024 }') MiB peak RSS (targets < 1000 ms, < 200 MiB); $(ratio apps1000-render apps1000-kustomize-static)x kustomize build of its output"
	echo "- 5,000 apps: $(median apps5000-render 1) ms wall, $(awk -v k="$(median apps5000-render 3)" 'BEGIN { printf "%.0f", k / 1024 }') MiB peak RSS (target < 5000 ms); $(ratio apps5000-render apps5000-kustomize-static)x kustomize build of its output"
	echo "- growth: 100 -> 1,000 apps $(ratio apps1000-render apps100-render)x wall (target <= 12x); 1,000 -> 5,000 apps $(ratio apps5000-render apps1000-render)x wall (5x apps)"
fi
if want exec; then
	echo "- exec function path adds $(diffms exec-kustomize exec-kustomize-static) ms over kustomize build of the static tree (target <= 30 ms)"
fi
if want startup; then
	echo "- krm-gen --version: $(median startup-krm-gen 1) ms wall ($(diffms startup-krm-gen startup-true) ms over /bin/true)"
	echo
	echo "Package inits of krm-gen taking 0.1 ms or more (GODEBUG=inittrace=1 bin/krm-gen --version):"
	echo
	GODEBUG=inittrace=1 "$krmgen" --version 2>&1 >/dev/null |
		awk '$1 == "init" && $3 >= 0.1 { printf "- %s: %s ms, %s bytes, %s allocs\n", $2, $3, $5, $7 }'
fi
