#!/usr/bin/env bash
# The sweep against the separate runs it replaces, on the same work, in one run (release build):
#   separate: for n in 2 4 6 8, `prune --layers n` (ReplaceMe) and `prune --method drop --start <its span>`,
#             then `perplexity` of each of the 8 checkpoints on both held-out texts (16 runs);
#   sweep:    `sweep --layers 2,4,6,8 --methods drop,replaceme` on the same texts and calibration.
# Prints both wall times, their ratio, both peak RSS figures, the sweep's phases (calibration passes, evaluation of
# the configurations and of the dense model), and checks that every perplexity agrees (1e-5).
# Usage: scripts/bench-sweep.sh   (env: BIN, MODEL, MAX_TOKENS (16368 per text), LAYERS (2,4,6,8))
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${BIN:-$(swift build -c release --show-bin-path)/replaceme}"
model="${MODEL:-models/smollm2-135m-bf16-sharded}"
max_tokens="${MAX_TOKENS:-16368}"
layers="${LAYERS:-2,4,6,8}"
texts=(calibration-samples/eval/botchan.txt calibration-samples/eval/shakespeare-tragedies.txt)
work="$(mktemp -d "${TMPDIR:-/tmp}/replaceme-bench-sweep.XXXXXX")"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
peak_kb=0
timed() {   # runs a command under /usr/bin/time, keeps the largest peak RSS seen
  /usr/bin/time -f "%M" -o "$work/rss" "$@"
  local kb; kb=$(tail -1 "$work/rss"); [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb; return 0
}
declare -A separate
t0=$(now)
for n in ${layers//,/ }; do
  timed "$bin" prune "$model" --layers "$n" --output "$work/replaceme-$n" --no-hash --json > "$work/r-$n.json" 2>/dev/null
  start=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["spans"][0]["start"])' "$work/r-$n.json")
  timed "$bin" prune "$model" --layers "$n" --method drop --start "$start" --output "$work/drop-$n" --no-hash > /dev/null 2>&1
  for m in replaceme drop; do
    for t in "${texts[@]}"; do
      timed "$bin" perplexity "$work/$m-$n" --text "$t" --max-tokens "$max_tokens" --json > "$work/p.json" 2>/dev/null
      separate["$m-$n-$(basename "$t" .txt)"]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["perplexity"])' "$work/p.json")
    done
  done
done
t1=$(now)
separate_peak=$peak_kb; peak_kb=0
timed "$bin" sweep "$model" --layers "$layers" --methods drop,replaceme --eval "$(IFS=,; echo "${texts[*]}")" \
  --eval-tokens "$max_tokens" --format json > "$work/sweep.json" 2>/dev/null
t2=$(now)
sweep_peak=$peak_kb
for k in "${!separate[@]}"; do echo "$k ${separate[$k]}"; done > "$work/separate.txt"
python3 - "$work/sweep.json" "$work/separate.txt" "$t0" "$t1" "$t2" "$separate_peak" "$sweep_peak" <<'PY'
import json, sys
sweep = json.load(open(sys.argv[1]))
separate = dict(line.split() for line in open(sys.argv[2]))
t0, t1, t2 = map(float, sys.argv[3:6])
names = [t["name"] for t in sweep["texts"]]
worst = 0.0
for r in sweep["rows"]:
    for i, name in enumerate(names):
        a, b = r["perplexity"][i], float(separate[f"{r['method']}-{r['layersRemoved']}-{name}"])
        worst = max(worst, abs(a - b) / b)
        print(f"{r['method']:10} n={r['layersRemoved']}  {name:22} sweep {a:10.4f}  separate {b:10.4f}")
print(f"separate runs: {t1 - t0:.1f} s, peak RSS {int(sys.argv[6]) / 1024:.0f} MiB")
print(f"sweep:         {t2 - t1:.1f} s, peak RSS {int(sys.argv[7]) / 1024:.0f} MiB")
print(f"sweep / separate wall time: {(t2 - t1) / (t1 - t0):.3f}x (target <= 0.4x)")
tm = sweep["timings"]
pass1 = tm.get("distances+statistics", tm.get("distances", 0)) + tm.get("statistics", 0)
evaluation = sum(v for k, v in tm.items() if k.startswith("evaluate "))
configs = sum(r["evalSeconds"] for r in sweep["rows"])
print(f"sweep phases: calibration passes {pass1:.1f} s, evaluation {evaluation:.1f} s (the configurations after their first "
      f"edited layer {configs:.1f} s, the dense model {evaluation - configs:.1f} s); the evaluation alone is "
      f"{evaluation / (t1 - t0):.3f}x of the separate runs")
print(f"largest relative perplexity difference: {worst:.2e} (target <= 1e-5)")
sys.exit(0 if worst <= 1e-5 else 1)
PY
