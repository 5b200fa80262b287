#!/usr/bin/env bash
# Whole-process benchmarks of krm-gen against kustomize (issue 8; results in BENCHMARKS.md).
#
#   hack/bench.sh                        # all cases, RUNS=7 interleaved runs per command
#   RUNS=15 hack/bench.sh                # more runs
#   BENCH_ONLY=eks,exec hack/bench.sh    # some cases: eks, apps, helm, exec, startup, base
#   BENCH_ONLY=peer-check hack/bench.sh  # only check the Helm peer's objects (no timing)
#   BENCH_SIZES="100 1000" hack/bench.sh # app counts of the apps case (default 100 1000 5000 10000)
#   BENCH_BASE=d913e92 hack/bench.sh     # the commit the base case compares with
#   BENCH_KUSTOMIZE_LARGE=0 hack/bench.sh   # skip kustomize on the 1,000-app tree (minutes)
#   BENCH_SETTLE=0 hack/bench.sh         # do not wait 60 s for the file system first
#
# The commands of a case run round-robin, the order reversed every other round, so that
# load from other work on the machine hits them alike; the table shows medians of wall
# time (bash $EPOCHREALTIME), CPU time (user+sys) and peak RSS (both /usr/bin/time).
# Binaries are prebuilt (bin/krm-gen, bin/kustomize) so that `go run`/`go tool` start-up
# does not count. Nothing under out/ is touched: renders go to a temporary folder, and
# the static trees kustomize reads are temporary copies with a generated
# kustomization.yaml listing every manifest.
#
# Render scenarios: "unchanged" re-renders the same spec into its output folder (the
# pre-commit hook and `make render` with nothing to do), "edited" alternates two specs
# that differ in one app's replicas (a typical commit), "fresh" renders into a new folder.
#
# The helm case times `helm template` of the Helm peer (bench/peer-helm: a chart giving,
# per app, the objects krm-gen renders) beside krm-gen's unchanged and fresh renders, at
# the bench sizes up to 5,000 apps; before timing, it checks (bench/peer-helm compare)
# that both sides hold the same objects, and fails if they do not.
set -euo pipefail

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
RUNS=${RUNS:-7}
RUNS_LARGE=${RUNS_LARGE:-3}
RUNS_STARTUP=${RUNS_STARTUP:-30}
BENCH_ONLY=${BENCH_ONLY:-eks,apps,helm,exec,startup,base}
BENCH_SIZES=${BENCH_SIZES:-100 1000 5000 10000}
BENCH_BASE=${BENCH_BASE:-d913e92}
BENCH_KUSTOMIZE_LARGE=${BENCH_KUSTOMIZE_LARGE:-1}

if [ ! -x /usr/bin/time ]; then
	echo "bench: /usr/bin/time is missing (apt-get install time)" >&2
	exit 1
fi

echo "bench: building bin/krm-gen and bin/kustomize" >&2
go build -o bin/krm-gen ./cmd/krm-gen
go build -o bin/kustomize sigs.k8s.io/kustomize/kustomize/v5
go build -o bin/floor ./hack/floor
go build -o bin/fnfloor ./hack/fnfloor
krmgen=$root/bin/krm-gen
floor=$root/bin/floor
fnfloor=$root/bin/fnfloor
kustomize=$root/bin/kustomize
export KRM_GEN_BIN=$krmgen # run by hack/krm-gen, the exec function of blueprints/eks
want() { case ",$BENCH_ONLY," in *",$1,"*) return 0 ;; esac; return 1; }
peer=$root/bench/peer-helm
if want helm || want peer-check; then
	# helm and the values/compare program, from the peer's own module (never the main go.mod).
	echo "bench: building bin/helm and bin/peer-helm (bench/peer-helm/go.mod)" >&2
	(cd "$peer" && go build -o "$root/bin/helm" helm.sh/helm/v3/cmd/helm && go build -o "$root/bin/peer-helm" .)
fi
helm=$root/bin/helm

work=$(mktemp -d "${TMPDIR:-/tmp}/krm-gen-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/samples" "$work/specs" "$work/trash"
# helm keeps its caches and configuration in the work folder, not in $HOME.
export HELM_CACHE_HOME=$work/helm/cache HELM_CONFIG_HOME=$work/helm/config HELM_DATA_HOME=$work/helm/data
# krm-gen's render records (pkg/rendercache) too: "unchanged" renders hit them after the
# first; the "-nocache" rows render with KRM_GEN_CACHE=off.
export KRM_GEN_CACHE_DIR=$work/render-cache

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

# edited SPEC DEST: SPEC with the first app's replicas changed.
edited() {
	awk '!done && /^  apps:/ { apps = 1 } apps && !done && /replicas: [0-9]+/ { sub(/replicas: [0-9]+/, "replicas: 5"); done = 1 } { print }' "$1" >"$2"
	if cmp -s "$1" "$2"; then
		echo "bench: could not edit $1" >&2
		exit 1
	fi
}

# measure LABEL CMD...: one timed run, appended to $work/samples/LABEL as "wall_ms cpu_ms
# rss_kib". In CMD, @RUN@ becomes a number unique to the run and @AB@ alternates a and b;
# an argument <FILE is the command's stdin (else /dev/null);
# $work/fresh-* folders are moved to $work/trash after each run (outside the timing).
run=0
measure() {
	local label=$1 t0 t1 u s m arg
	shift
	run=$((run + 1))
	local -a cmd=()
	local stdin=/dev/null
	for arg in "$@"; do
		arg=${arg//@RUN@/$run}
		if ((run % 2)); then arg=${arg//@AB@/a}; else arg=${arg//@AB@/b}; fi
		case $arg in
		'<'*) stdin=${arg#<} ;;
		*) cmd+=("$arg") ;;
		esac
	done
	t0=$EPOCHREALTIME
	if ! /usr/bin/time -o "$work/time" -f '%U %S %M' "${cmd[@]}" <"$stdin" >/dev/null 2>"$work/stderr"; then
		echo "bench: $label failed: ${cmd[*]}" >&2
		cat "$work/stderr" >&2
		exit 1
	fi
	t1=$EPOCHREALTIME
	read -r u s m <"$work/time"
	awk -v a="$t0" -v b="$t1" -v u="$u" -v s="$s" -v m="$m" \
		'BEGIN { printf "%.1f %.0f %d\n", (b - a) * 1000, (u + s) * 1000, m }' >>"$work/samples/$label"
	# Kept (moved aside) until the script ends: on ext4 without a journal, as on this
	# VM, every inode created within 30 s of a mass delete scans past the freed ones
	# (ext4 recently_deleted), which would charge this deletion to the next run.
	for arg in "$work"/fresh-*; do
		[ ! -e "$arg" ] || mv "$arg" "$work/trash/$run-${arg##*/}"
	done
}

# round_robin RUNS LABEL1 CMD1 LABEL2 CMD2 ...: CMDn is one string, split on spaces.
# One warm-up run each, then RUNS rounds, reversing the order every other round.
round_robin() {
	local runs=$1 i j
	shift
	local -a labels=() cmds=() order=()
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
		order=()
		for j in "${!labels[@]}"; do
			if ((i % 2)); then order=("$j" "${order[@]}"); else order+=("$j"); fi
		done
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
mib() { awk -v k="$(median "$1" 3)" 'BEGIN { printf "%.0f", k / 1024 }'; }
ratio() { awk -v a="$(median "$1" 1)" -v b="$(median "$2" 1)" 'BEGIN { printf "%.2f", a / b }'; }
diffms() { awk -v a="$(median "$1" 1)" -v b="$(median "$2" 1)" 'BEGIN { printf "%.1f", a - b }'; }
has() { [ -s "$work/samples/$1" ]; }

rows=()
row() { rows+=("$1|$2"); } # LABEL DESCRIPTION

# The generated specs (go test deletes its build folder, so before the settling).
if want apps || want helm || want peer-check; then
	KRM_GEN_BENCH_SPEC_DIR="$work/specs" KRM_GEN_BENCH_SIZES="$BENCH_SIZES" go test -run '^TestWriteBenchSpecs$' -count=1 ./pkg/pipeline/ >/dev/null
fi
# The base case: the commit the features were added on, its binary and its own bench spec.
if want base; then
	echo "bench: building krm-gen at $BENCH_BASE" >&2
	mkdir -p "$work/base-src" "$work/base-specs"
	git -C "$root" archive "$BENCH_BASE" | tar -x -C "$work/base-src"
	(cd "$work/base-src" && go build -o "$work/krm-gen-base" ./cmd/krm-gen &&
		KRM_GEN_BENCH_SPEC_DIR="$work/base-specs" go test -run '^TestWriteBenchSpecs$' -count=1 ./pkg/pipeline/ >/dev/null)
fi

# Settle: on ext4 without a journal (this VM), creating an inode within 30 s (60 s while
# its inode table block is dirty) of a mass delete scans past every recently deleted
# one (ext4's recently_deleted), so files the Go benchmarks, go build or an earlier run
# just removed would slow file creation down 3-10x.
settle=${BENCH_SETTLE:-60}
! want peer-check || settle=0
if [ "$settle" -gt 0 ]; then
	echo "bench: waiting $settle s for the file system to settle (BENCH_SETTLE=0 skips)" >&2
	sleep "$settle"
fi

echo "bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; $(go version | cut -d' ' -f3); kustomize $("$kustomize" version)" >&2

# The eks blueprint, and the static tree it renders to.
"$krmgen" render -f blueprints/eks/platform.yaml -o "$work/eks-out" 2>/dev/null
static_tree "$work/eks-out" "$work/eks-static"

if want eks; then
	echo "bench: eks blueprint" >&2
	cp blueprints/eks/platform.yaml "$work/specs/eks-a.yaml"
	edited blueprints/eks/platform.yaml "$work/specs/eks-b.yaml"
	round_robin "$RUNS" \
		eks-render "$krmgen render -f blueprints/eks/platform.yaml -o $work/eks-out" \
		eks-render-nocache "env KRM_GEN_CACHE=off $krmgen render -f blueprints/eks/platform.yaml -o $work/eks-out" \
		eks-render-edited "$krmgen render -f $work/specs/eks-@AB@.yaml -o $work/eks-edited" \
		eks-render-fresh "$krmgen render -f blueprints/eks/platform.yaml -o $work/fresh-@RUN@" \
		eks-verify "$krmgen verify -f blueprints/eks/platform.yaml -o $work/eks-out" \
		eks-kustomize-static "$kustomize build $work/eks-static"
	row eks-render "krm-gen render, eks blueprint, unchanged ($(find "$work/eks-out" -type f | wc -l) files)"
	row eks-render-nocache "the same without the render cache (KRM_GEN_CACHE=off)"
	row eks-render-edited "krm-gen render, eks blueprint, edited"
	row eks-render-fresh "krm-gen render, eks blueprint, fresh folder"
	row eks-verify "krm-gen verify, eks blueprint"
	row eks-kustomize-static "kustomize build of the eks output"
fi

peer_counts=()
if want apps || want helm || want peer-check; then
	for n in $BENCH_SIZES; do
		echo "bench: generated spec, $n apps" >&2
		spec=$work/specs/bench-$n.yaml
		"$krmgen" render -f "$spec" -o "$work/out-$n" 2>/dev/null
		runs=$RUNS
		[ "$n" -lt 1000 ] || runs=$RUNS_LARGE
		cmds=()
		# The Helm peer (up to 5,000 apps): values from the same spec, then the check that
		# helm's objects are krm-gen's, before any timing.
		if { want helm || want peer-check; } && [ "$n" -le 5000 ]; then
			"$root/bin/peer-helm" values "$spec" >"$work/specs/values-$n.yaml"
			"$helm" template peer "$peer/chart" -f "$work/specs/values-$n.yaml" >"$work/helm-$n.yaml"
			echo "bench: Helm peer, $n apps: bench/peer-helm compare" >&2
			if ! "$root/bin/peer-helm" compare "$spec" "$work/out-$n" "$work/helm-$n.yaml" >"$work/compare-$n"; then
				cat "$work/compare-$n" >&2
				echo "bench: the Helm peer's objects differ from krm-gen's at $n apps" >&2
				exit 1
			fi
			sed 's/^/  /' "$work/compare-$n" >&2
			peer_counts+=("$n apps: $(head -2 "$work/compare-$n" | sed 's/ (.*//; s/:  */ /' | paste -sd ',' - | sed 's/,/, /'); $(sed -n 3p "$work/compare-$n" | sed 's/ (.*//')")
			if want helm; then
				cmds+=(
					"apps$n-helm" "$helm template peer $peer/chart -f $work/specs/values-$n.yaml"
					"apps$n-helm-dir" "$helm template peer $peer/chart -f $work/specs/values-$n.yaml --output-dir $work/fresh-@RUN@"
				)
			fi
		fi
		if ! want apps; then
			if [ ${#cmds[@]} -gt 0 ]; then
				# The krm-gen side of the helm case alone.
				cmds+=(
					"apps$n-render" "$krmgen render -f $spec -o $work/out-$n"
					"apps$n-render-nocache" "env KRM_GEN_CACHE=off $krmgen render -f $spec -o $work/out-$n"
					"apps$n-render-fresh" "$krmgen render -f $spec -o $work/fresh-@RUN@"
				)
				round_robin "$runs" "${cmds[@]}"
				row "apps$n-render" "krm-gen render, $n apps, unchanged ($(find "$work/out-$n" -type f | wc -l) files)"
				row "apps$n-render-nocache" "the same without the render cache (KRM_GEN_CACHE=off)"
				row "apps$n-render-fresh" "krm-gen render, $n apps, fresh folder"
				row "apps$n-helm" "helm template of the peer chart, $n apps, to stdout"
				row "apps$n-helm-dir" "helm template of the peer chart, $n apps, --output-dir a new folder"
			fi
			continue
		fi
		edited "$spec" "$work/specs/bench-$n-b.yaml"
		cp "$spec" "$work/specs/bench-$n-a.yaml"
		cmds+=(
			"apps$n-render" "$krmgen render -f $spec -o $work/out-$n"
			"apps$n-render-nocache" "env KRM_GEN_CACHE=off $krmgen render -f $spec -o $work/out-$n"
			"apps$n-render-edited" "$krmgen render -f $work/specs/bench-$n-@AB@.yaml -o $work/edited-$n"
			"apps$n-render-fresh" "$krmgen render -f $spec -o $work/fresh-@RUN@"
			"apps$n-verify" "$krmgen verify -f $spec -o $work/out-$n"
			"apps$n-floor-read" "$floor read $work/out-$n"
			"apps$n-floor-write" "$floor write $work/out-$n $work/fresh-@RUN@"
		)
		# The function on the ResourceList kustomize sends for this spec: the spec as the
		# one item and as the functionConfig (as blueprints/eks's exec run shows).
		{
			printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n'
			sed 's/^/  /; 1s/^  /- /' "$spec"
			printf 'functionConfig:\n'
			sed 's/^/  /' "$spec"
		} >"$work/specs/rl-$n.yaml"
		if [ "$n" -ge 1000 ] && [ "$n" -le 5000 ]; then
			cmds+=("apps$n-function" "$krmgen <$work/specs/rl-$n.yaml")
		fi
		if [ "$n" -lt 1000 ]; then
			static_tree "$work/out-$n" "$work/static-$n"
			cmds+=("apps$n-kustomize-static" "$kustomize build $work/static-$n")
		fi
		round_robin "$runs" "${cmds[@]}"
		# kustomize takes minutes on the 1,000-app tree (and would take hours on 5,000):
		# one run, after the interleaved ones.
		if [ "$n" -eq 1000 ] && [ "$BENCH_KUSTOMIZE_LARGE" = 1 ]; then
			static_tree "$work/out-$n" "$work/static-$n"
			echo "bench: kustomize build of the 1,000-app tree (one run, a few minutes)" >&2
			measure "apps$n-kustomize-static" "$kustomize" build "$work/static-$n"
		fi
		row "apps$n-render" "krm-gen render, $n apps, unchanged ($(find "$work/out-$n" -type f | wc -l) files)"
		row "apps$n-render-nocache" "the same without the render cache (KRM_GEN_CACHE=off)"
		row "apps$n-render-edited" "krm-gen render, $n apps, edited"
		row "apps$n-render-fresh" "krm-gen render, $n apps, fresh folder"
		row "apps$n-verify" "krm-gen verify, $n apps"
		if has "apps$n-kustomize-static"; then row "apps$n-kustomize-static" "kustomize build of the $n-app output"; fi
		row "apps$n-floor-read" "read floor: read every file of the $n-app tree"
		row "apps$n-floor-write" "write floor: write the $n-app tree's bytes into a new folder"
		if has "apps$n-function"; then row "apps$n-function" "krm-gen as a KRM function, $n apps (ResourceList on stdin)"; fi
		if has "apps$n-helm"; then
			row "apps$n-helm" "helm template of the peer chart, $n apps, to stdout"
			row "apps$n-helm-dir" "helm template of the peer chart, $n apps, --output-dir a new folder"
		fi
	done
fi

if want base; then
	echo "bench: $BENCH_BASE's 1,000-app bench spec, $BENCH_BASE vs this build" >&2
	spec=$work/base-specs/bench-1000.yaml
	"$krmgen" render -f "$spec" -o "$work/base-now" 2>/dev/null
	"$work/krm-gen-base" render -f "$spec" -o "$work/base-then" 2>/dev/null
	round_robin "$RUNS_LARGE" \
		base-now "env KRM_GEN_CACHE=off $krmgen render -f $spec -o $work/base-now" \
		base-then "$work/krm-gen-base render -f $spec -o $work/base-then"
	row base-now "krm-gen render, $BENCH_BASE's 1,000-app spec, unchanged, this build (no render cache)"
	row base-then "the same with krm-gen built at $BENCH_BASE"
fi

if want exec; then
	echo "bench: kustomize exec function" >&2
	if ! diff <("$kustomize" build --enable-alpha-plugins --enable-exec blueprints/eks) <("$kustomize" build "$work/eks-static") >"$work/exec.diff"; then
		echo "bench: warning: the exec-function build differs from the static tree:" >&2
		head -20 "$work/exec.diff" >&2
	fi
	# A do-nothing function: it prints the output krm-gen gave for the same input, so
	# exec-kustomize minus exec-kustomize-noop is krm-gen's own share of the exec path.
	printf '#!/usr/bin/env bash\nset -o pipefail\ntee %s | %s | tee %s\n' "$work/fn-in.yaml" "$krmgen" "$work/fn-out.yaml" >"$work/fn-capture"
	printf '#!/bin/sh\nexec cat %s\n' "$work/fn-out.yaml" >"$work/fn-noop"
	# The same do-nothing function linked with krm-gen's libraries (hack/fnfloor): what
	# their start-up alone costs, the floor of any function built on them.
	printf '#!/bin/sh\nexec %s %s\n' "$fnfloor" "$work/fn-out.yaml" >"$work/fn-libs"
	chmod +x "$work/fn-capture" "$work/fn-noop" "$work/fn-libs"
	KRM_GEN_BIN=$work/fn-capture "$kustomize" build --enable-alpha-plugins --enable-exec blueprints/eks >/dev/null
	if [ ! -s "$work/fn-out.yaml" ]; then
		echo "bench: capturing krm-gen's function output failed" >&2
		exit 1
	fi
	# Both kustomize runs go through env, so that only the function differs.
	round_robin "$RUNS" \
		exec-kustomize "env KRM_GEN_BIN=$krmgen $kustomize build --enable-alpha-plugins --enable-exec blueprints/eks" \
		exec-kustomize-noop "env KRM_GEN_BIN=$work/fn-noop $kustomize build --enable-alpha-plugins --enable-exec blueprints/eks" \
		exec-kustomize-libs "env KRM_GEN_BIN=$work/fn-libs $kustomize build --enable-alpha-plugins --enable-exec blueprints/eks" \
		exec-kustomize-static "$kustomize build $work/eks-static" \
		exec-function "$krmgen <$work/fn-in.yaml" \
		exec-function-libs "$fnfloor $work/fn-out.yaml" \
		exec-function-cat "cat $work/fn-out.yaml"
	row exec-kustomize "kustomize build --enable-alpha-plugins --enable-exec blueprints/eks"
	row exec-kustomize-noop "the same with a do-nothing function (prints krm-gen's saved output)"
	row exec-kustomize-libs "the same with a do-nothing function linked with krm-gen's libraries (hack/fnfloor)"
	row exec-kustomize-static "kustomize build of the static eks tree"
	row exec-function "krm-gen as a function alone, on the ResourceList kustomize sends it"
	row exec-function-libs "hack/fnfloor alone: krm-gen's libraries, then prints the saved output"
	row exec-function-cat "cat of the saved output alone"
fi

if want startup; then
	echo "bench: start-up" >&2
	round_robin "$RUNS_STARTUP" \
		startup-krm-gen "$krmgen --version" \
		startup-kustomize "$kustomize version" \
		startup-true "/bin/true"
	row startup-krm-gen "krm-gen --version"
	row startup-kustomize "kustomize version"
	row startup-true "/bin/true (process floor)"
fi

echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) at end" >&2
echo
if [ ${#rows[@]} -gt 0 ]; then
	echo "| case | command | wall ms | CPU ms | peak RSS MiB | runs |"
	echo "|---|---|---:|---:|---:|---:|"
	for r in "${rows[@]}"; do
		l=${r%%|*}
		printf '| %s | %s | %s | %s | %s | %d |\n' "$l" "${r#*|}" "$(median "$l" 1)" "$(median "$l" 2)" "$(mib "$l")" "$(wc -l <"$work/samples/$l")"
	done
	echo
	echo "(medians; CPU = user+sys)"
	echo
fi
if want eks; then
	echo "- eks render / kustomize build of its output: unchanged $(ratio eks-render eks-kustomize-static)x, edited $(ratio eks-render-edited eks-kustomize-static)x, fresh folder $(ratio eks-render-fresh eks-kustomize-static)x (target <= 1.0x)"
fi
if want apps; then
	echo "- 1,000 apps, unchanged: $(median apps1000-render 1) ms, $(mib apps1000-render) MiB; edited: $(median apps1000-render-edited 1) ms, $(mib apps1000-render-edited) MiB; fresh folder: $(median apps1000-render-fresh 1) ms, $(mib apps1000-render-fresh) MiB (targets < 1000 ms, < 200 MiB)"
	echo "- 5,000 apps, unchanged: $(median apps5000-render 1) ms; edited: $(median apps5000-render-edited 1) ms; fresh folder: $(median apps5000-render-fresh 1) ms, $(mib apps5000-render-fresh) MiB (target < 5000 ms)"
	echo "- growth 100 -> 1,000 apps (target <= 12x): unchanged $(ratio apps1000-render apps100-render)x, edited $(ratio apps1000-render-edited apps100-render-edited)x, fresh $(ratio apps1000-render-fresh apps100-render-fresh)x; 1,000 -> 5,000 apps (5x apps): unchanged $(ratio apps5000-render apps1000-render)x, edited $(ratio apps5000-render-edited apps1000-render-edited)x, fresh $(ratio apps5000-render-fresh apps1000-render-fresh)x"
	for n in $BENCH_SIZES; do
		if has "apps$n-floor-read"; then
			echo "- $n apps vs the floors: unchanged $(ratio "apps$n-render" "apps$n-floor-read")x the read floor (target <= 5x at 1,000 and 5,000; without the render cache $(ratio "apps$n-render-nocache" "apps$n-floor-read")x), fresh folder $(ratio "apps$n-render-fresh" "apps$n-floor-write")x the write floor (target <= 3x)"
		fi
		if has "apps$n-function"; then
			echo "- $n apps, KRM function: $(ratio "apps$n-function" "apps$n-render-nocache")x the time of a render without the cache (target <= 1.2x), $(awk -v a="$(median "apps$n-function" 3)" -v b="$(median "apps$n-render-nocache" 3)" 'BEGIN { printf "%.2f", a / b }')x its peak memory (target <= 1.5x)"
		fi
	done
	if has apps10000-render; then
		echo "- 10,000 apps, unchanged: $(median apps10000-render 1) ms, $(mib apps10000-render) MiB (targets < 3000 ms, < 800 MiB); growth 1,000 -> 10,000: $(ratio apps10000-render apps1000-render)x (target <= 10.5x); without the render cache: $(median apps10000-render-nocache 1) ms, $(mib apps10000-render-nocache) MiB, growth $(ratio apps10000-render-nocache apps1000-render-nocache)x"
	fi
	if has apps1000-kustomize-static; then
		echo "- kustomize build of the 1,000-app output takes $(ratio apps1000-kustomize-static apps1000-render)x as long as an unchanged render, $(ratio apps1000-kustomize-static apps1000-render-fresh)x a fresh one"
	fi
fi
if [ ${#peer_counts[@]} -gt 0 ]; then
	echo "- Helm peer, object counts (bench/peer-helm compare; the bench fails if they differ):"
	for c in "${peer_counts[@]}"; do echo "  - $c"; done
fi
for n in $BENCH_SIZES; do
	if has "apps$n-helm"; then
		echo "- $n apps vs helm template of the peer chart (target <= 0.12x): unchanged render $(ratio "apps$n-render" "apps$n-helm")x helm template to stdout (without the render cache $(ratio "apps$n-render-nocache" "apps$n-helm")x), fresh folder $(ratio "apps$n-render-fresh" "apps$n-helm-dir")x helm template --output-dir"
	fi
done
if want exec; then
	echo "- exec function path adds $(diffms exec-kustomize exec-kustomize-static) ms over kustomize build of the static tree (target <= 30 ms): kustomize's function runtime $(diffms exec-kustomize-noop exec-kustomize-static) ms (do-nothing function), krm-gen $(diffms exec-kustomize exec-kustomize-noop) ms (target <= 8 ms), of which the start-up of its libraries $(diffms exec-kustomize-libs exec-kustomize-noop) ms (hack/fnfloor) and krm-gen's own code $(diffms exec-kustomize exec-kustomize-libs) ms; alone: krm-gen $(diffms exec-function exec-function-cat) ms over cat, hack/fnfloor $(diffms exec-function-libs exec-function-cat) ms"
fi
if want base; then
	echo "- $BENCH_BASE's 1,000-app spec: this build $(ratio base-now base-then)x the time of $BENCH_BASE's (target <= 1.0x)"
fi
if want startup; then
	echo "- krm-gen --version: $(median startup-krm-gen 1) ms ($(diffms startup-krm-gen startup-true) ms over /bin/true; kustomize version $(median startup-kustomize 1) ms)"
	echo
	echo "Package inits of krm-gen over 0.1 ms (GODEBUG=inittrace=1 bin/krm-gen --version):"
	echo
	GODEBUG=inittrace=1 "$krmgen" --version 2>&1 >/dev/null |
		awk '$1 == "init" && $5 + 0 >= 0.1 { printf "- %s: %s ms, %s bytes, %s allocs\n", $2, $5, $8, $10; t += $5 } $1 == "init" { all += $5 } END { printf "\nAll package inits: %.2f ms.\n", all }'
fi
