#!/usr/bin/env bash
# Creates (once) the project's Python virtual environment at .venv and prints its python path.
# Used only by scripts (fixtures, real-model conversion, parity checks, benchmarks); `swift test` never needs it.
# Idempotent: re-running with everything installed does nothing but a quick check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${REPLACEME_VENV:-$root/.venv}"
stamp="$venv/.replaceme-deps-v1"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if [ ! -f "$stamp" ]; then
  # Pin the CPU build of torch: an unpinned install pulls a CUDA build of over 1.5 GB.
  "$venv/bin/pip" install --quiet "torch==2.13.0+cpu" >&2
  "$venv/bin/pip" install --quiet transformers safetensors numpy gguf tokenizers accelerate threadpoolctl >&2
  touch "$stamp"
fi
echo "$venv/bin/python"
