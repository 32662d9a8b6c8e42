#!/usr/bin/env bash
# Two builds of replaceme side by side on the same work, alternating, so a regression shows as a ratio:
#   prune (64 x 1024 calibration, n = 8, fused pass, write) with each build, REPEAT times, wall time each;
#   and, with the new build, perplexity on the dense checkpoint against perplexity --plan of the n = 8 plan
#   (an edited model must cost no more than the dense one).
# Usage: scripts/bench-builds.sh OLD_BIN NEW_BIN [REPEAT]   (env: MODEL, TEXT, MAX_TOKENS, LAYERS)
# Release builds only. Prints each run, the ratios new/old and their median.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
old="$1"; new="$2"; repeat="${3:-2}"
model="${MODEL:-models/smollm2-135m-bf16-sharded}"
text="${TEXT:-calibration-samples/eval/botchan.txt}"
max_tokens="${MAX_TOKENS:-16368}"
layers="${LAYERS:-8}"
work="$(mktemp -d "${TMPDIR:-/tmp}/replaceme-bench-builds.XXXXXX")"
trap 'rm -rf "$work"' EXIT
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }
ratios=()
for i in $(seq 1 "$repeat"); do
  a=$(seconds "$old" prune "$model" --layers "$layers" --output "$work/old" --force --no-hash)
  b=$(seconds "$new" prune "$model" --layers "$layers" --output "$work/new" --force --no-hash --save-plan "$work/plan.json")
  r=$(ratio "$a" "$b")
  ratios+=("$r")
  echo "prune run $i: old $a s, new $b s, new/old $r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; print "prune new/old: median " m ", range " a[1] "-" a[NR]}'
for i in 1 2; do
  d=$(seconds "$new" perplexity "$model" --text "$text" --max-tokens "$max_tokens")
  p=$(seconds "$new" perplexity "$model" --text "$text" --max-tokens "$max_tokens" --plan "$work/plan.json")
  echo "perplexity run $i ($max_tokens tokens): dense $d s, --plan (n = $layers removed) $p s, plan/dense $(ratio "$d" "$p")"
done
