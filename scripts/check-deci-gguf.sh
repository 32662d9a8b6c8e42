#!/usr/bin/env bash
# llama.cpp runs a MultiPruner/BlockPruner result at its pruned size: `apply --format per-layer` (and `decilm`) then
# `replaceme convert ... .gguf` writes llama.cpp's `deci` architecture (per-layer head counts and MLP widths);
# `apply --format padded` then `convert` writes a stock `llama` GGUF of the same function at the original widths.
# llama-perplexity on the same chunks of the same text must give the same perplexity for both (F32 matrices:
# 1e-3 relative allowed for summation order), and the deci file must be the smaller one. Also: llama.cpp's own
# convert_hf_to_gguf.py on the decilm checkpoint (reported, not required: its DeciModel only takes vocab_size
# 128256 through the gpt2 vocabulary path), `llama-quantize` of the deci file to Q4_K_M and its perplexity, and
# `replaceme perplexity DENSE --plan` for reference (all tokens of 1024-token windows scored, where llama.cpp
# scores the second half of each chunk, so those two are not the same measurement).
# Usage: scripts/check-deci-gguf.sh DENSE_DIR PLAN.json [TEXT] [CHUNKS]
#   Builds llama.cpp once (scripts/build-llamacpp.sh; needs cmake).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${BIN:-$(swift build -c release --show-bin-path)/replaceme}"
dense="$1"; plan="$2"; text="${3:-calibration-samples/eval/botchan.txt}"; chunks="${4:-8}"
src="$("$root/scripts/build-llamacpp.sh")"
work="$(mktemp -d "${TMPDIR:-/tmp}/replaceme-check-deci.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$bin" apply "$dense" --plan "$plan" --format per-layer --output "$work/per-layer" > /dev/null 2>&1
"$bin" apply "$dense" --plan "$plan" --format padded --output "$work/padded" > /dev/null 2>&1
"$bin" convert "$work/per-layer" "$work/deci-f32.gguf" --dtype float32 > /dev/null 2>&1
"$bin" convert "$work/padded" "$work/padded-f32.gguf" --dtype float32 > /dev/null 2>&1
"$bin" convert "$work/per-layer" "$work/deci-f16.gguf" --dtype float16 > /dev/null 2>&1
if "$bin" apply "$dense" --plan "$plan" --format decilm --output "$work/decilm" > /dev/null 2> "$work/decilm.err"; then
  "$bin" convert "$work/decilm" "$work/decilm-f32.gguf" --dtype float32 > /dev/null 2>&1
  python="$("$root/scripts/python-env.sh" torch)"
  if PYTHONPATH="$src/gguf-py" "$python" "$src/convert_hf_to_gguf.py" "$work/decilm" --outtype f32 --outfile "$work/llamacpp-converted.gguf" > "$work/convert.log" 2>&1; then
    echo "llama.cpp convert_hf_to_gguf.py on the decilm checkpoint: converted"
  else
    echo "llama.cpp convert_hf_to_gguf.py on the decilm checkpoint: failed: $(grep -E 'Error|error' "$work/convert.log" | tail -1)"
  fi
else
  echo "apply --format decilm refused the plan: $(cat "$work/decilm.err")"
fi
if "$src/build/bin/llama-quantize" "$work/deci-f16.gguf" "$work/deci-q4_k_m.gguf" Q4_K_M > "$work/quantize.log" 2>&1; then
  echo "llama-quantize deci F16 -> Q4_K_M: ok"
else
  echo "llama-quantize deci F16 -> Q4_K_M FAILED: $(tail -2 "$work/quantize.log")"
fi
declare -A result
for f in padded-f32 deci-f32 decilm-f32 deci-f16 deci-q4_k_m; do
  [ -f "$work/$f.gguf" ] || continue
  p=$("$src/build/bin/llama-perplexity" -m "$work/$f.gguf" -f "$text" -c 1024 --chunks "$chunks" -t 2 2>&1 \
      | grep -o "Final estimate: PPL = [0-9.]*" | grep -o "[0-9.]*$" || echo "FAILED")
  result[$f]=$p
  echo "llama-perplexity $f.gguf ($(du -m "$work/$f.gguf" | cut -f1) MiB; $chunks chunks of 1024, second halves scored): $p"
done
ours=$("$bin" perplexity "$dense" --plan "$plan" --text "$text" --max-tokens $((chunks * 1023)) --json 2>/dev/null \
       | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["perplexity"])')
echo "replaceme perplexity DENSE --plan ($chunks windows of 1024, all tokens scored): $ours"
python3 - "${result[padded-f32]}" "${result[deci-f32]}" "${result[decilm-f32]:-}" <<'PY'
import sys
padded, deci = float(sys.argv[1]), float(sys.argv[2])
rel = abs(deci - padded) / padded
print(f"llama.cpp, deci (per-layer) against llama (padded), both F32: relative difference {rel:.2e}")
ok = rel <= 1e-3
if sys.argv[3]:
    r2 = abs(float(sys.argv[3]) - padded) / padded
    print(f"llama.cpp, deci (from decilm) against llama (padded): relative difference {r2:.2e}")
    ok = ok and r2 <= 1e-3
sys.exit(0 if ok else 1)
PY
