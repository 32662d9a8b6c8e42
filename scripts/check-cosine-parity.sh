#!/usr/bin/env bash
# `prune --estimator cosine --cosine-parity` (the published procedure: T0 = I, Adam lr 1e-4, 1024-row batches,
# 10 epochs) against our PyTorch port of it (scripts/cosine_reference.py: autograd + torch.optim.Adam on rows that
# transformers collects from the same calibration windows, visited in the same RowShuffle order), on one span.
# Prints both fits' mean cosine distance before/after and the relative difference of T, for the port in float32
# (the published precision) and float64 (ours steps in Float64). Release build.
# Usage: scripts/check-cosine-parity.sh [MODEL] [START] [N] [SAMPLES] [SEQ_LEN]
#   defaults: models/smollm2-135m-bf16-sharded 11 8 64 1024 (the span ReplaceMe chooses at n = 8)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${BIN:-$(swift build -c release --show-bin-path)/replaceme}"
model="${1:-models/smollm2-135m-bf16-sharded}"; start="${2:-11}"; n="${3:-8}"; samples="${4:-64}"; seq="${5:-1024}"
python="$(scripts/python-env.sh torch)"
work="$(mktemp -d "${TMPDIR:-/tmp}/replaceme-cosine-parity.XXXXXX")"
trap 'rm -rf "$work"' EXIT
/usr/bin/time -f "ours: %e s, %M KiB peak" "$bin" prune "$model" --dry-run --layers "$n" --start "$start" --estimator cosine \
  --cosine-parity --samples "$samples" --seq-len "$seq" --export-ids "$work/ids.jsonl" --save-transforms "$work/ours.safetensors" \
  --no-hash --json 2> "$work/ours.err" > "$work/ours.json" || { cat "$work/ours.err"; exit 1; }
tail -1 "$work/ours.err"
for dtype in float32 float64; do
  /usr/bin/time -f "port $dtype: %e s, %M KiB peak" "$python" scripts/cosine_reference.py "$model" --ids "$work/ids.jsonl" \
    --samples "$samples" --seq-len "$seq" --start-layer "$start" --layers "$n" --dtype "$dtype" \
    --transform-out "$work/port-$dtype.safetensors" --dump "$work/port-$dtype.json" > /dev/null 2> "$work/port.err" \
    || { cat "$work/port.err"; exit 1; }
  tail -1 "$work/port.err"
done
"$python" - "$work" <<'PY'
import json, sys
from safetensors.torch import load_file
w = sys.argv[1]
ours = json.load(open(f"{w}/ours.json"))["spans"][0]["cosine"]
t = load_file(f"{w}/ours.safetensors")["T.0"]
print(f"ours:          loss {ours['lossStart']:.6f} -> {ours['lossEnd']:.6f} ({ours['steps']} steps, {ours['rows']} rows, fit {ours['seconds']:.1f} s)")
for dtype in ("float32", "float64"):
    port = json.load(open(f"{w}/port-{dtype}.json"))
    tp = load_file(f"{w}/port-{dtype}.safetensors")["T.0"]
    eye = __import__("torch").eye(t.shape[0], dtype=t.dtype)
    rel = float((t - tp).norm() / tp.norm())
    moved = float((tp - eye).norm() / tp.norm())
    print(f"port {dtype}: loss {port['loss_start']:.6f} -> {port['loss_end']:.6f} (fit {port['fit_seconds']:.1f} s); "
          f"|T_ours - T_port| / |T_port| = {rel:.2e} (|T_port - I| / |T_port| = {moved:.2e})")
PY
