#!/usr/bin/env bash
# Peak resident memory of `replaceme inspect` on the three SmolLM2 checkpoints (must stay under 64 MB: it reads
# headers only) and of `replaceme convert` (streaming copy / dtype change), measured with GNU time.
# Needs scripts/fetch-smollm2.sh to have run. Prints one line per run and exits non-zero if inspect exceeds 64 MB.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
models="${REPLACEME_MODELS:-$root/models}"
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)/replaceme"
peak_kb() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
status=0
for m in smollm2-135m-fp32 smollm2-135m-bf16 smollm2-135m-bf16-sharded; do
  kb="$(peak_kb "$bin" inspect "$models/$m")"
  size="$(du -sm "$models/$m" | cut -f1)"
  printf 'inspect %-28s checkpoint %4d MB   peak RSS %5.1f MB\n' "$m" "$size" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
  [ "$kb" -lt $((64 * 1024)) ] || status=1
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for args in "smollm2-135m-bf16-sharded copy" "smollm2-135m-fp32 bf16 --dtype bfloat16" \
            "smollm2-135m-bf16 f32-sharded --dtype float32 --max-shard-size 100MB"; do
  set -- $args
  src="$1"; out="$2"; shift 2
  kb="$(peak_kb "$bin" convert "$models/$src" "$tmp/$out" "$@")"
  printf 'convert %-28s -> %-12s %-36s peak RSS %5.1f MB\n' "$src" "$out" "$*" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
done
exit $status
