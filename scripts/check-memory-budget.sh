#!/usr/bin/env bash
# `--max-memory` end to end (release build), each check asserting its outcome:
#   1. Qwen2.5-0.5B (a bf16 HF checkpoint, e.g. `replaceme convert qwen2.5-coder-0.5b.Q4_K_M.gguf DIR --dtype bfloat16`):
#      prune --layers 6 without a budget and with --max-memory 1GB: the budget changes the settings, the peak RSS
#      stays within it, and T is the same (relative difference ≤ 1e-6).
#   2. The synthetic Llama-3-8B-shaped checkpoint (16 GB bf16, scripts/make-synthetic-llama8b.py), pruned end to
#      end (--layers 8 --samples 4 --seq-len 256, written) and its perplexity, each inside a memory cgroup of 6 GiB
#      (a hard cap: the kernel kills the process past it) with --max-memory 5GiB: completes, peak RSS within the budget.
# Needs root (it makes a cgroup v1 memory group) and ~13 GB free next to the 8B checkpoint for the pruned output.
#   scripts/check-memory-budget.sh QWEN_DIR SYNTHETIC_8B_DIR [WORK_DIR]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BIN:-$root/.build/release/replaceme}"
qwen="${1:?usage: check-memory-budget.sh QWEN_DIR SYNTHETIC_8B_DIR [WORK_DIR]}"
big="${2:?usage: check-memory-budget.sh QWEN_DIR SYNTHETIC_8B_DIR [WORK_DIR]}"
work="${3:-$(dirname "$big")/memory-budget-check}"
rm -rf "$work"; mkdir -p "$work"
failed=0
check() {  # check NAME CONDITION-EXIT-STATUS DETAIL
  if [ "$2" -eq 0 ]; then echo "PASS  $1: $3"; else echo "FAIL  $1: $3"; failed=1; fi
}
timed() {  # timed LOG CMD...: runs CMD with /usr/bin/time, stderr into LOG; sets rc, rss_kb, secs
  local log=$1; shift
  /usr/bin/time -f "TIME %M %e" "$@" >"$log.out" 2>"$log" ; rc=$?
  rss_kb=$(awk '$1 == "TIME" { print $2 }' "$log"); secs=$(awk '$1 == "TIME" { print $3 }' "$log")
}
# The relative Frobenius difference of T.0 in two safetensors files (F64), in plain Python (no packages).
t_diff() {
  python3 - "$1" "$2" <<'EOF'
import json, struct, sys
from array import array
def t0(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        a, b = header["T.0"]["data_offsets"]
        f.seek(8 + n + a)
        values = array("d"); values.frombytes(f.read(b - a))
        return values
x, y = t0(sys.argv[1]), t0(sys.argv[2])
num = sum((p - q) ** 2 for p, q in zip(x, y)) ** 0.5
den = sum(p * p for p in x) ** 0.5
print(f"{num / den:.3e}")
EOF
}

# 1. Qwen2.5-0.5B: the same T under a 1 GB budget.
common=(--layers 6 --dry-run --no-hash --force)
timed "$work/qwen-free.log" "$bin" prune "$qwen" "${common[@]}" --save-transforms "$work/qwen-free.safetensors"
free_rc=$rc free_rss=$rss_kb free_secs=$secs
timed "$work/qwen-1gb.log" "$bin" prune "$qwen" "${common[@]}" --max-memory 1GB --save-transforms "$work/qwen-1gb.safetensors"
plan=$(grep -m1 '^memory plan' "$work/qwen-1gb.log")
diff=$( [ $rc -eq 0 ] && [ $free_rc -eq 0 ] && t_diff "$work/qwen-free.safetensors" "$work/qwen-1gb.safetensors" || echo nan)
awk -v r="$rss_kb" -v d="$diff" 'BEGIN { exit !(r * 1024 <= 1e9 && d != "nan" && d + 0 <= 1e-6) }'
check "Qwen2.5-0.5B --max-memory 1GB" $? "exit $rc; T relative difference $diff; peak RSS $((rss_kb / 1024)) MiB in $secs s (no budget: $((free_rss / 1024)) MiB in $free_secs s); $plan"

# 2. The synthetic 8B checkpoint inside a 6 GiB memory cgroup.
parent=/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
group="$parent/replaceme-budget-$$"
mkdir "$group" || { echo "FAIL  cgroup: cannot create $group"; exit 1; }
trap 'rmdir "$group" 2>/dev/null' EXIT
echo $((6 << 30)) > "$group/memory.limit_in_bytes"
capped() {  # capped LOG CMD...: CMD inside the 6 GiB group; also sets cg_peak (the group's peak, page cache included)
  echo 0 > "$group/memory.max_usage_in_bytes" 2>/dev/null
  timed "$1" sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$group" "${@:2}"
  cg_peak=$(( $(cat "$group/memory.max_usage_in_bytes") >> 20 ))
  oom=$(awk '$1 == "oom_kill" { print $2 }' "$group/memory.oom_control")
}
budget=$((5 << 30))
capped "$work/big-prune.log" "$bin" prune "$big" --layers 8 --samples 4 --seq-len 256 --max-memory 5GiB \
  --output "$work/big-pruned" --no-hash
plan=$(grep -m1 '^memory plan' "$work/big-prune.log")
layers=$(grep -o '"num_hidden_layers": *[0-9]*' "$work/big-pruned/config.json" 2>/dev/null | grep -o '[0-9]*$')
[ $rc -eq 0 ] && [ "${layers:-0}" -eq 24 ] && [ $((rss_kb * 1024)) -le $budget ]
check "8B prune in 6 GiB" $? "exit $rc; output $layers layers; peak RSS $((rss_kb / 1024)) MiB (budget 5120 MiB; cgroup peak with page cache $cg_peak MiB, OOM kills ${oom:-?}); $secs s; $plan"
rm -rf "$work/big-pruned"
capped "$work/big-ppl.log" "$bin" perplexity "$big" --text "$root/calibration-samples/eval/botchan.txt" --seq-len 256 \
  --max-tokens 1020 --max-memory 5GiB
plan=$(grep -m1 '^memory plan' "$work/big-ppl.log")
[ $rc -eq 0 ] && [ $((rss_kb * 1024)) -le $budget ]
check "8B perplexity in 6 GiB" $? "exit $rc; peak RSS $((rss_kb / 1024)) MiB (budget 5120 MiB; cgroup peak $cg_peak MiB, OOM kills ${oom:-?}); $secs s; $plan"
exit $failed
