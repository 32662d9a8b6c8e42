#!/usr/bin/env bash
# Forward-pass throughput of replaceme against PyTorch fp32 (2 threads) on SmolLM2-135M, same windows.
# Usage: scripts/bench-forward.sh [--windows 8] [--seq-len 1024] [--model DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="$(scripts/python-env.sh torch)"
text="$(scripts/fetch-eval-text.sh)"
swift build -c release --product replaceme >&2
bin="$(swift build -c release --show-bin-path)/replaceme"
uptime >&2
exec "$python" scripts/bench-forward.py --bin "$bin" --text "$text" "$@"
