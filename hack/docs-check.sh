#!/usr/bin/env bash
# Renders every Mermaid diagram of every rendered tree's README.md (out/**/README.md and
# the golden trees under testdata/) with the real Mermaid CLI, and fails on any parse
# error. Installs what it needs outside the repository: @mermaid-js/mermaid-cli from npm
# into $DOCS_CACHE (default ~/.cache/krm-gen-docs) and Debian's chromium (apt-get) when
# /usr/bin/chromium is missing. PNGs land in $DOCS_CACHE/png/<tree>/.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${DOCS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/krm-gen-docs}
mmdc_version=${MERMAID_CLI_VERSION:-11}
chromium=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
	echo "docs-check: installing chromium (apt-get)" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y chromium >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y chromium >&2; }
fi
mkdir -p "$cache"
if [ ! -x "$cache/node_modules/.bin/mmdc" ]; then
	echo "docs-check: installing @mermaid-js/mermaid-cli@$mmdc_version into $cache" >&2
	PUPPETEER_SKIP_DOWNLOAD=true npm install --silent --no-audit --no-fund --prefix "$cache" "@mermaid-js/mermaid-cli@$mmdc_version" >&2
fi
printf '{"executablePath": "%s", "args": ["--no-sandbox", "--disable-gpu"]}\n' "$chromium" > "$cache/puppeteer.json"

png="$cache/png"
rm -rf "$png"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0 i=0
while IFS= read -r readme; do
	i=$((i + 1))
	dest="$png/$(dirname "$readme")"
	blocks="$work/$i"
	mkdir -p "$dest" "$blocks"
	# One .mmd file per ```mermaid block.
	awk -v dir="$blocks" '
		/^```mermaid$/ { k++; f = sprintf("%s/diagram-%d.mmd", dir, k); inblock = 1; next }
		/^```$/ && inblock { inblock = 0; close(f); next }
		inblock { print > f }
	' "$readme"
	found=0
	for mmd in "$blocks"/diagram-*.mmd; do
		[ -e "$mmd" ] || continue
		found=1
		n=$((n + 1))
		out="$dest/$(basename "${mmd%.mmd}").png"
		if ! "$cache/node_modules/.bin/mmdc" --quiet -p "$cache/puppeteer.json" -i "$mmd" -o "$out" -b white >"$work/log" 2>&1 || [ ! -s "$out" ]; then
			echo "docs-check: $readme: $(basename "$mmd" .mmd) does not render:" >&2
			cat "$work/log" >&2
			failed=1
		fi
	done
	if [ "$found" -eq 0 ]; then
		echo "docs-check: $readme has no mermaid diagram" >&2
		failed=1
	fi
done < <(find out testdata \( -path '*out/*' -o -path 'testdata/*/expected/*' \) -name README.md | sort)
if [ "$failed" -ne 0 ]; then
	echo "docs-check: FAILED" >&2
	exit 1
fi
echo "docs-check: $n diagrams rendered (PNGs in $png)"
