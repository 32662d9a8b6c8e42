#!/usr/bin/env bash
# The edited model against the written checkpoint on the real SmolLM2, for n = 4, n = 8 and n = 8 in two spans:
#   1. prune --save-plan writes the checkpoint and the plan;
#   2. apply --plan writes the same checkpoint again: every weight file must be byte-identical to prune's;
#   3. perplexity --plan on the dense checkpoint must equal perplexity on the written one (relative 1e-5);
#   4. with PREV_BIN (a replaceme built from an earlier commit), the spans and T must equal that build's
#      (spans identical, T relative difference <= 1e-6).
# Usage: scripts/check-plans.sh [OUT_DIR]   (env: BIN, PREV_BIN, MODEL, TEXT, MAX_TOKENS)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-out/check-plans}"
bin="${BIN:-$(swift build -c release --show-bin-path)/replaceme}"
model="${MODEL:-models/smollm2-135m-bf16-sharded}"
text="${TEXT:-calibration-samples/eval/botchan.txt}"
max_tokens="${MAX_TOKENS:-16368}"
python="$("$root/scripts/python-env.sh")"
rm -rf "$out"; mkdir -p "$out"
ppl() { "$bin" perplexity "$@" --text "$text" --max-tokens "$max_tokens" --json 2>/dev/null \
        | "$python" -c 'import json,sys; print(repr(json.load(sys.stdin)["perplexity"]))'; }
dense=$(ppl "$model")
echo "dense perplexity: $dense"
fail=0
for config in "4 1" "8 1" "8 2"; do
  set -- $config; n=$1; k=$2; tag="n$n-k$k"
  "$bin" prune "$model" --layers "$n" --spans "$k" --output "$out/$tag" --save-plan "$out/$tag.plan.json" \
    --save-transforms "$out/$tag.T.safetensors" --no-hash > "$out/$tag.prune.txt" 2>/dev/null
  "$bin" apply "$model" --plan "$out/$tag.plan.json" --output "$out/$tag-applied" > /dev/null 2>&1
  same=yes
  for f in "$out/$tag"/*.safetensors "$out/$tag/config.json"; do
    cmp -s "$f" "$out/$tag-applied/$(basename "$f")" || { same=no; fail=1; echo "  differs: $(basename "$f")"; }
  done
  planned=$(ppl "$model" --plan "$out/$tag.plan.json")
  written=$(ppl "$out/$tag")
  rel=$("$python" -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2e' % (abs(a-b)/b))" "$planned" "$written")
  ok=$("$python" -c "print('ok' if $rel <= 1e-5 else 'FAIL')")
  [ "$ok" = ok ] || fail=1
  spans=$(grep "removed layers" "$out/$tag.prune.txt" | sed 's/ (mean.*//; s/^ *//' | paste -sd';' -)
  echo "$tag: $spans; apply bytes identical: $same; perplexity --plan $planned vs written $written (relative $rel, $ok)"
  if [ -n "${PREV_BIN:-}" ]; then
    "$PREV_BIN" prune "$model" --layers "$n" --spans "$k" --output "$out/$tag-prev" \
      --save-transforms "$out/$tag.T-prev.safetensors" --no-hash > "$out/$tag.prune-prev.txt" 2>/dev/null
    prev_spans=$(grep "removed layers" "$out/$tag.prune-prev.txt" | sed 's/ (mean.*//; s/^ *//' | paste -sd';' -)
    "$python" - "$out/$tag.T.safetensors" "$out/$tag.T-prev.safetensors" "$spans" "$prev_spans" <<'PY' || fail=1
import sys
import numpy as np
from safetensors.numpy import load_file
a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
worst = max(np.linalg.norm(a[k] - b[k]) / np.linalg.norm(b[k]) for k in b)
same = sys.argv[3] == sys.argv[4] and sorted(a) == sorted(b)
print(f"  previous build: spans {'identical' if same else 'DIFFER: ' + sys.argv[4]}; T relative difference {worst:.2e}")
sys.exit(0 if same and worst <= 1e-6 else 1)
PY
  fi
done
exit $fail
