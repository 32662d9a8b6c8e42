#!/usr/bin/env bash
# Float32 GEMM speed, ours vs numpy/OpenBLAS, same shapes and thread counts, in one run.
# Usage: scripts/bench-gemm.sh [--threads "1 2"] [--rounds R] [--min-time S] [--shapes "M,K,N;..."]
# Builds release, then scripts/bench_gemm.py alternates `replaceme bench gemm --json` and numpy shape by shape,
# keeps each side's best over the rounds, and prints GFLOP/s and the ratio ours/numpy.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product replaceme >&2
python="$(scripts/python-env.sh torch)"
exec "$python" scripts/bench_gemm.py --binary "$root/.build/release/replaceme" "$@"
