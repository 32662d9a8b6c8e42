#!/usr/bin/env bash
# `replaceme convert CKPT OUT.gguf` against llama.cpp itself:
#   1. the files equal what llama.cpp's own convert_hf_to_gguf.py writes from the same checkpoint (every tensor's
#      type, shape and bytes; every metadata key and value): SmolLM2 at F32 and Q8_0, Qwen2.5-0.5B at Q8_0;
#   2. llama.cpp loads a pruned model we wrote, measures its perplexity, and quantizes it further (Q4_K_M).
# Builds llama.cpp (CPU) from the llama-cpp-python sdist (its vendored tree; ../shared MODELS.md) once into
# $REPLACEME_CACHE/llamacpp. Needs the torch venv profile (+ sentencepiece, installed here from PyPI), cmake, a
# C++ compiler, and the models of scripts/fetch-smollm2.sh and scripts/check-gguf-import.sh. About 15 minutes
# the first time (the llama.cpp build), 5 afterwards.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${REPLACEME_CACHE:-$HOME/.cache/replaceme}"
python="$("$root/scripts/python-env.sh" torch)"
"$python" -m pip install --quiet sentencepiece >&2
(cd "$root" && swift build -c release --product replaceme >&2)
bin="$root/.build/release/replaceme"
REPLACEME_BIN="$bin" "$root/scripts/fetch-smollm2.sh" >&2

src="$("$root/scripts/build-llamacpp.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
reference() {  # reference CKPT TYPE OUT: llama.cpp's converter
  PYTHONPATH="$src/gguf-py" "$python" "$src/convert_hf_to_gguf.py" "$1" --outtype "$2" --outfile "$3" >/dev/null 2>&1
}
smol="$root/models/smollm2-135m-bf16"
echo "== 1. replaceme convert vs llama.cpp convert_hf_to_gguf.py"
for t in float32:f32 q8_0:q8_0; do
  echo "SmolLM2-135M ${t##*:}:"
  "$bin" convert "$smol" "$work/ours.gguf" --dtype "${t%%:*}" >/dev/null 2>&1
  reference "$smol" "${t##*:}" "$work/ref.gguf"
  "$python" "$root/scripts/compare-gguf.py" "$work/ours.gguf" "$work/ref.gguf" || true
  rm -f "$work/ours.gguf" "$work/ref.gguf"
done
qwen_gguf="$cache/gguf/qwen2.5-coder-0.5b.Q4_K_M.gguf"
if [ -f "$qwen_gguf" ]; then
  echo "Qwen2.5-Coder-0.5B q8_0 (from replaceme convert of its GGUF):"
  "$bin" convert "$qwen_gguf" "$work/qwen" >/dev/null 2>&1
  "$bin" convert "$work/qwen" "$work/ours.gguf" --dtype q8_0 >/dev/null 2>&1
  reference "$work/qwen" q8_0 "$work/ref.gguf"
  "$python" "$root/scripts/compare-gguf.py" "$work/ours.gguf" "$work/ref.gguf" || true
  rm -rf "$work/qwen" "$work/ours.gguf" "$work/ref.gguf"
else
  echo "(Qwen2.5 GGUF not fetched: run scripts/check-gguf-import.sh first)"
fi

echo "== 2. llama.cpp runs what replaceme writes (SmolLM2, 8 of 30 blocks removed, --method replaceme-select)"
text="$root/calibration-samples/eval/botchan.txt"
"$bin" prune "$smol" --layers 8 --method replaceme-select --output "$work/pruned" >/dev/null 2>&1
for t in float16:f16 q8_0:q8_0; do
  "$bin" convert "$smol" "$work/dense-${t##*:}.gguf" --dtype "${t%%:*}" >/dev/null 2>&1
  "$bin" convert "$work/pruned" "$work/pruned-${t##*:}.gguf" --dtype "${t%%:*}" >/dev/null 2>&1
done
# llama.cpp's workflow: quantize from the F16 file (it refuses to requantize Q8_0 without --allow-requantize).
if "$src/build/bin/llama-quantize" "$work/pruned-f16.gguf" "$work/pruned-q4_k_m.gguf" Q4_K_M >"$work/quantize.log" 2>&1; then
  echo "llama-quantize: pruned F16 -> Q4_K_M ok ($(du -h "$work/pruned-q4_k_m.gguf" | cut -f1))"
else
  echo "llama-quantize FAILED:"; tail -3 "$work/quantize.log"
fi
for f in dense-f16 dense-q8_0 pruned-f16 pruned-q8_0 pruned-q4_k_m; do
  [ -f "$work/$f.gguf" ] || continue
  p=$("$src/build/bin/llama-perplexity" -m "$work/$f.gguf" -f "$text" -c 1024 --chunks 16 -t 2 2>&1 \
      | grep -o "Final estimate: PPL = [0-9.]*" | grep -o "[0-9.]*$" || echo "FAILED")
  echo "llama-perplexity $f.gguf (botchan, 16 chunks of 1024, second halves scored): $p"
done
for d in "$smol" "$work/pruned"; do
  p=$("$bin" perplexity "$d" --text "$text" --max-tokens 16368 --json 2>/dev/null | python3 -c 'import json,sys; print("%.4f" % json.load(sys.stdin)["perplexity"])')
  echo "replaceme perplexity $(basename "$d") (bf16 safetensors, 16 windows of 1024, all tokens scored): $p"
done
