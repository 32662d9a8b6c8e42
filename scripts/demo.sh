#!/usr/bin/env bash
# The main job on the real default model: fetch and convert SmolLM2-135M-Instruct, build, run replaceme on it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/fetch-smollm2.sh
swift build -c release
bin="$(swift build -c release --show-bin-path)/replaceme"
"$bin" inspect models/smollm2-135m-bf16-sharded
