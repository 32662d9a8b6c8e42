#!/usr/bin/env bash
# Adds torch (and accelerate, threadpoolctl) to the project's virtual environment made by scripts/python-env.sh, for
# the parity checks and benchmarks; never needed by the main path (demo, fetch, convert) or by `swift test`.
# A CPU-only build is preferred where this machine's pip can find one (`torch==2.13.0+cpu` is not on the public
# index, only in local wheel folders); otherwise the ordinary PyPI `torch` is installed, which bundles CUDA
# libraries (over 1.5 GB) but runs on the CPU all the same.
# Usage: scripts/torch-env.sh VENV_DIR
set -euo pipefail
venv="${1:?usage: torch-env.sh VENV_DIR}"
if [ ! -f "$venv/.replaceme-torch-v2" ]; then
  if ! "$venv/bin/pip" install --quiet "torch==2.13.0+cpu" >&2 2>/dev/null; then
    echo "torch-env: no CPU-only torch build reachable; installing PyPI's torch (large download)" >&2
    "$venv/bin/pip" install --quiet torch >&2
  fi
  "$venv/bin/pip" install --quiet accelerate threadpoolctl >&2
  touch "$venv/.replaceme-torch-v2"
fi
