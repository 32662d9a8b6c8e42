#!/usr/bin/env bash
# A nightly pruning job: sweep the ratios, gate on the configuration you ship, write the report and plot, then
# prune that configuration. Exit codes: 0 all good; 3 the gate failed (results and plot are still written);
# 1 any error; 64 a usage error. Wire it into a CI system as a scheduled job that keeps $OUT as an artifact.
#
# Usage: scripts/nightly-prune.sh CHECKPOINT OUT_DIR   (env: BIN, LAYERS (2,4,6,8), GATE (replaceme:6),
#        MAX_RATIO (2.0), EVAL (comma-separated files, default the two held-out texts), EVAL_TOKENS)
#
# GitHub Actions, for example:   on: { schedule: [ { cron: "0 3 * * *" } ] }
#   steps: checkout; `swift build -c release`; `scripts/nightly-prune.sh models/my-model out/nightly`;
#   upload out/nightly; a failure with exit code 3 marks a quality regression, not a broken job.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
checkpoint="${1:?usage: nightly-prune.sh CHECKPOINT OUT_DIR}"
out="${2:?usage: nightly-prune.sh CHECKPOINT OUT_DIR}"
bin="${BIN:-$(cd "$root" && swift build -c release --show-bin-path)/replaceme}"
layers="${LAYERS:-2,4,6,8}"
gate="${GATE:-replaceme:6}"
max_ratio="${MAX_RATIO:-2.0}"
eval_files="${EVAL:-$root/calibration-samples/eval/botchan.txt,$root/calibration-samples/eval/shakespeare-tragedies.txt}"
mkdir -p "$out"
set +e
"$bin" sweep "$checkpoint" --layers "$layers" --methods drop,replaceme --eval "$eval_files" \
  ${EVAL_TOKENS:+--eval-tokens "$EVAL_TOKENS"} --format json --svg "$out/sweep.svg" --distances-svg "$out/distances.svg" \
  --gate "$gate" --max-perplexity-ratio "$max_ratio" --force > "$out/sweep.json.tmp"
status=$?
set -e
[ -s "$out/sweep.json.tmp" ] && mv "$out/sweep.json.tmp" "$out/sweep.json" || rm -f "$out/sweep.json.tmp"
if [ "$status" -ne 0 ]; then
  echo "nightly-prune: sweep exited $status (3: the gate $gate exceeded ${max_ratio}x dense)" >&2
  exit "$status"
fi
method="${gate%%:*}"; n="${gate##*:}"
"$bin" prune "$checkpoint" --layers "$n" --method "$method" --output "$out/pruned" --save-plan "$out/plan.json" --force
echo "nightly-prune: wrote $out/sweep.json, $out/sweep.svg, $out/distances.svg, $out/plan.json and $out/pruned" >&2
