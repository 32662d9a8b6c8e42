#!/usr/bin/env bash
# Kills `replaceme prune` with SIGKILL while it writes the output checkpoint and checks that no output directory
# exists afterwards (the writer builds a hidden temporary sibling and renames it only when complete); then checks
# that the next run to the same output cleans the stale temporary up and succeeds.
# Usage: scripts/check-kill-during-write.sh [MODEL_DIR] [BIN]   (defaults: SmolLM2 bf16 sharded, release build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model="${1:-$root/models/smollm2-135m-bf16-sharded}"
bin="${2:-$root/.build/release/replaceme}"
work="$(mktemp -d /tmp/replaceme-kill.XXXXXX)"
out="$work/pruned"
trap 'rm -rf "$work"' EXIT
args=(prune "$model" --output "$out" --layers 4 --start 10 --samples 2 --seq-len 64 --no-hash)

"$bin" "${args[@]}" 2>"$work/stderr" >/dev/null &
pid=$!
# Wait until the write has made progress (its 10% line: some shards written, others not), then kill at once.
for _ in $(seq 1 60000); do
  grep -q '^write: [1-9]' "$work/stderr" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.001
done
if ! kill -9 "$pid" 2>/dev/null; then
  echo "FAIL: the process ended before it could be killed during the write"; cat "$work/stderr"; exit 1
fi
wait "$pid" 2>/dev/null || true
echo "killed pid $pid during: $(grep '^write' "$work/stderr" | tail -1)"
leftover=$(ls -A "$work" | grep -v '^stderr$' || true)
if [ -e "$out" ]; then
  echo "FAIL: output directory $out exists after the kill"; ls -la "$out"; exit 1
fi
partial=$(du -sh "$work"/.pruned.replaceme-tmp-* 2>/dev/null | cut -f1 || true)
echo "OK: no output directory after SIGKILL (left in $work: ${leftover:-nothing}${partial:+, $partial written})"

"$bin" "${args[@]}" >/dev/null 2>&1
[ -f "$out/config.json" ] || { echo "FAIL: the rerun did not write $out"; exit 1; }
stale=$(ls -A "$work" | grep 'replaceme-tmp' || true)
[ -z "$stale" ] || { echo "FAIL: stale temporary left after the rerun: $stale"; exit 1; }
echo "OK: the rerun wrote $out and removed the stale temporary"
