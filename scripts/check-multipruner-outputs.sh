#!/usr/bin/env bash
# Equivalence of a MultiPruner/BlockPruner plan's outputs (release build): `perplexity DENSE --plan PLAN` against
# `perplexity` on the per-layer and the padded checkpoints `apply --format ...` writes from the same plan, and
# transformers' own perplexity on the padded one (scripts/check-pruned.py: loads unchanged, no missing or
# mismatched tensors). Fails when any differs from the plan's by more than 1e-5 relative.
# Usage: scripts/check-multipruner-outputs.sh DENSE_DIR PLAN.json [TEXT] [MAX_TOKENS]
#   (PLAN from `prune --method multipruner ... --save-plan PLAN.json`; TEXT default Botchan, MAX_TOKENS 4092)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${BIN:-$(swift build -c release --show-bin-path)/replaceme}"
dense="$1"; plan="$2"; text="${3:-calibration-samples/eval/botchan.txt}"; max_tokens="${4:-4092}"
python="$(scripts/python-env.sh torch)"
work="$(mktemp -d "${TMPDIR:-/tmp}/replaceme-check-mp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
ppl() { "$bin" perplexity "$@" --text "$text" --max-tokens "$max_tokens" --json 2>/dev/null | python3 -c 'import json,sys; print(repr(json.load(sys.stdin)["perplexity"]))'; }
plan_ppl=$(ppl "$dense" --plan "$plan")
"$bin" apply "$dense" --plan "$plan" --format per-layer --output "$work/per-layer" > /dev/null 2>&1
"$bin" apply "$dense" --plan "$plan" --format padded --output "$work/padded" > /dev/null 2>&1
per_layer=$(ppl "$work/per-layer"); padded=$(ppl "$work/padded")
sizes=$(du -sm "$dense" "$work/per-layer" "$work/padded" | awk '{print $1}' | paste -sd/)
echo "perplexity on $text (first $max_tokens tokens): plan $plan_ppl, per-layer $per_layer, padded $padded (MiB dense/per-layer/padded: $sizes)"
"$python" scripts/check-pruned.py "$work/padded" --text "$text" --max-tokens "$max_tokens" --replaceme "$bin" --tolerance 1e-5
python3 - "$plan_ppl" "$per_layer" "$padded" <<'PY'
import sys
p, a, b = map(float, sys.argv[1:])
ra, rb = abs(a - p) / p, abs(b - p) / p
print(f"relative to the plan: per-layer {ra:.2e}, padded {rb:.2e}")
sys.exit(0 if max(ra, rb) <= 1e-5 else 1)
PY
