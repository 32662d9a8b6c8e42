#!/usr/bin/env bash
# Shows that an interrupted or killed write leaves no output: starts `replaceme convert` (bf16 → fp32, 540 MB)
#  1. interrupts it with SIGINT (Ctrl-C) while it writes: nothing at all may remain (exit status 130);
#  2. kills it with SIGKILL while it writes: no output directory, only the clearly named temporary sibling
#     `.<out>.replaceme-tmp-<pid>`; the rerun must succeed and remove the dead process's temporary.
# Needs scripts/fetch-smollm2.sh to have run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
models="${REPLACEME_MODELS:-$root/models}"
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)/replaceme"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start_and_wait_for_first_shard() {
  "$bin" convert "$models/smollm2-135m-bf16" "$work/out" --dtype float32 --max-shard-size 50MB 2>/dev/null >/dev/null &
  pid=$!
  for _ in $(seq 1 500); do
    if ls "$work/.out.replaceme-tmp-$pid"/model-00001-* >/dev/null 2>&1; then return; fi
    sleep 0.01
  done
}
start_and_wait_for_first_shard
kill -INT "$pid"
code=0; wait "$pid" 2>/dev/null || code=$?
echo "after SIGINT (exit $code): '$(ls -A "$work" | tr '\n' ' ')'"
[ -z "$(ls -A "$work")" ] || { echo "FAIL: an interrupted write left files"; exit 1; }
start_and_wait_for_first_shard
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "after SIGKILL: $(ls -A "$work" | tr '\n' ' ')"
[ ! -e "$work/out" ] || { echo "FAIL: output directory exists after kill"; exit 1; }
[ -d "$work/.out.replaceme-tmp-$pid" ] || { echo "FAIL: expected the temporary sibling"; exit 1; }
"$bin" convert "$models/smollm2-135m-bf16" "$work/out" --dtype float32 --max-shard-size 50MB 2>/dev/null >/dev/null
echo "after rerun:   $(ls -A "$work" | tr '\n' ' ')"
[ "$(ls -A "$work")" = "out" ] || { echo "FAIL: stale temporary not removed"; exit 1; }
"$bin" inspect "$work/out" | grep -E "^(Parameters|Weights):"
echo "ok: interrupted and killed writes left no output; the rerun completed and cleaned up"
