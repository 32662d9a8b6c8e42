#!/usr/bin/env bash
# Creates (once) the project's Python virtual environment at .venv and prints its python path.
# Used only by scripts (fixtures, real-model conversion, parity checks, benchmarks); `swift test` never needs it.
#
# Usage: scripts/python-env.sh [convert|torch]
#   convert (default)  gguf, numpy, safetensors, tokenizers, transformers: what the model conversion needs.
#                      All from the public PyPI index; no torch.
#   torch              the above plus torch, for the parity checks and benchmarks (scripts/torch-env.sh says
#                      which build it installs).
# Idempotent: re-running with everything installed does nothing but a quick check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
profile="${1:-convert}"
venv="${REPLACEME_VENV:-$root/.venv}"
case "$profile" in
  convert|torch) ;;
  *) echo "python-env: unknown profile '$profile' (convert or torch)" >&2; exit 64 ;;
esac
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if [ ! -f "$venv/.replaceme-convert-v2" ]; then
  "$venv/bin/pip" install --quiet transformers safetensors numpy gguf tokenizers >&2
  touch "$venv/.replaceme-convert-v2"
fi
if [ "$profile" = torch ]; then
  "$root/scripts/torch-env.sh" "$venv"
fi
echo "$venv/bin/python"
