#!/usr/bin/env bash
# Injected faults against `replaceme prune` / `perplexity` on SmolLM2 (release build), each asserting its outcome:
#   disk full (20 MB tmpfs) · input truncated while mapped · output parent not writable (as user nobody) ·
#   read-only filesystem · two prunes to one output at once · SIGINT in loading, pass 1 and the write ·
#   SIGKILL in loading, pass 1 and the write, then the next run to ANOTHER output cleans the stale temporary.
# Needs root (it mounts two small tmpfs and runs one case as nobody) and models/ (scripts/fetch-smollm2.sh).
# Prints one line per fault: PASS or FAIL and what was seen; exit 1 if any failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BIN:-$root/.build/release/replaceme}"
model="$root/models/smollm2-135m-bf16"
work="$(mktemp -d /tmp/replaceme-faults.XXXXXX)"
chmod 755 "$work"
full="$work/full"; ro="$work/ro"
cleanup() { umount "$full" 2>/dev/null; umount "$ro" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
failed=0
check() {  # check NAME CONDITION-EXIT-STATUS DETAIL
  if [ "$2" -eq 0 ]; then echo "PASS  $1: $3"; else echo "FAIL  $1: $3"; failed=1; fi
}
quick=(--layers 4 --start 10 --samples 2 --seq-len 64 --no-hash)
no_leftovers() { [ -z "$(ls -A "$1" | grep -v '^stderr' || true)" ]; }

# 1. Disk full during the write: 20 MB cannot hold the 200 MB checkpoint.
mkdir -p "$full" && mount -t tmpfs -o size=20m tmpfs "$full"
"$bin" prune "$model" --output "$full/out" "${quick[@]}" >/dev/null 2>"$work/stderr-full"; rc=$?
msg=$(grep -m1 Error "$work/stderr-full")
[ $rc -eq 1 ] && [ ! -e "$full/out" ] && [ -z "$(ls -A "$full")" ] && echo "$msg" | grep -q "No space left"; check "disk full" $? "exit $rc; $msg; left in the filesystem: $(ls -A "$full" | wc -l) entries"

# 2. The input truncated by another process while perplexity maps it (streaming: every layer read per batch).
cp -r "$model" "$work/victim"
"$bin" perplexity "$work/victim" --text "$root/calibration-samples/eval/botchan.txt" --max-tokens 16368 \
  --residency streaming >/dev/null 2>"$work/stderr-trunc" &
pid=$!
for _ in $(seq 1 6000); do grep -q "window-layers" "$work/stderr-trunc" 2>/dev/null && break; sleep 0.01; done
truncate -s 50000000 "$work/victim/model.safetensors"
wait $pid; rc=$?
msg=$(grep -m1 Error "$work/stderr-trunc")
[ $rc -eq 1 ] && echo "$msg" | grep -q "shrank"; check "input truncated under the map" $? "exit $rc (a crash by SIGBUS would be 135); $msg"

# 3. Output parent not writable (run as nobody; root bypasses permissions).
mkdir -p "$work/locked" && chmod 555 "$work/locked" && chmod 755 "$work/victim" && cp -r "$model" "$work/readable" && chmod -R a+rX "$work/readable"
setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" prune "$work/readable" --output "$work/locked/out" "${quick[@]}" \
  >/dev/null 2>"$work/stderr-perm"; rc=$?
msg=$(grep -m1 Error "$work/stderr-perm")
[ $rc -eq 1 ] && [ -z "$(ls -A "$work/locked")" ] && echo "$msg" | grep -q "permission denied"; check "permission denied on the output's parent" $? "exit $rc; $msg"

# 4. Output on a read-only filesystem.
mkdir -p "$ro" && mount -t tmpfs -o ro,size=1m tmpfs "$ro"
"$bin" prune "$model" --output "$ro/out" "${quick[@]}" >/dev/null 2>"$work/stderr-ro"; rc=$?
msg=$(grep -m1 Error "$work/stderr-ro")
[ $rc -eq 1 ] && [ -z "$(ls -A "$ro")" ] && echo "$msg" | grep -q "read-only filesystem"; check "read-only filesystem" $? "exit $rc; $msg"

# 5. Two prunes to the same output at once: one wins, the other fails clearly, the output is complete.
"$bin" prune "$model" --output "$work/same" "${quick[@]}" >/dev/null 2>"$work/stderr-a" & a=$!
"$bin" prune "$model" --output "$work/same" "${quick[@]}" >/dev/null 2>"$work/stderr-b" & b=$!
wait $a; ra=$?; wait $b; rb=$?
msg=$(cat "$work/stderr-a" "$work/stderr-b" | grep -m1 Error)
ok=1; { [ $ra -eq 0 ] && [ $rb -eq 1 ]; } || { [ $ra -eq 1 ] && [ $rb -eq 0 ]; } && ok=0
[ $ok -eq 0 ] && "$bin" inspect "$work/same" >/dev/null 2>&1 && [ -f "$work/same/replaceme-report.json" ] \
  && [ -z "$(ls -A "$work" | grep replaceme-tmp || true)" ]; check "two prunes to one output" $? "exits $ra and $rb; $msg"
rm -rf "$work/same"

# 6. SIGINT and SIGKILL at several phases (loading and tokenizing, 0.3 s in; pass 1, the distances fused with the
#    statistics; the write); SIGKILL leaves a temporary only in the write, which the next run to another output removes.
for phase in "loading:" "pass 1:pass 1: [^0]" "write:write: [1-9]"; do
  name="${phase%%:*}"; pattern="${phase#*:}"
  for sig in INT KILL; do
    d="$work/sig"; mkdir -p "$d"
    "$bin" prune "$model" --output "$d/out" --layers 4 --samples 8 --seq-len 256 --no-hash >/dev/null 2>"$d/stderr" & pid=$!
    if [ -z "$pattern" ]; then sleep 0.3; fi
    for _ in $(seq 1 60000); do [ -z "$pattern" ] && break; grep -q "^$pattern" "$d/stderr" 2>/dev/null && break; kill -0 $pid 2>/dev/null || break; sleep 0.001; done
    kill -$sig $pid 2>/dev/null; wait $pid 2>/dev/null; rc=$?
    stale=$(ls -A "$d" | grep -c replaceme-tmp || true)
    if [ $sig = KILL ]; then
      "$bin" prune "$model" --output "$d/other" "${quick[@]}" >/dev/null 2>&1
      left=$(ls -A "$d" | grep -c replaceme-tmp || true)
      [ $rc -eq 137 ] && [ ! -e "$d/out" ] && [ "$left" -eq 0 ]; check "SIGKILL in $name" $? "exit $rc; no output; $stale stale temporary, $left after the next run to another output"
    else
      [ $rc -eq 130 ] && [ ! -e "$d/out" ] && [ "$stale" -eq 0 ]; check "SIGINT in $name" $? "exit $rc; no output, no temporary"
    fi
    rm -rf "$d"
  done
done
exit $failed
