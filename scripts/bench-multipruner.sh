#!/usr/bin/env bash
# MultiPruner's search, ours against our PyTorch port (scripts/multipruner_reference.py, float32, transformers'
# modules swapped in place as MultiPruner masks them), on the same calibration windows and the same candidates,
# in one run (release build). Both run the same greedy steps (checked: same removals in the same order,
# perplexities within 1e-4 relative); prints each one's search seconds, candidates per second, peak RSS, and the
# speed ratio.
# Usage: scripts/bench-multipruner.sh [MODEL]   (env: BIN, METHOD (blockpruner), RATIO (0.005: one step),
#        SAMPLES (4), SEQ_LEN (512), EXTRA (more prune options, e.g. "--distribution 0:1:0 --mlp-group 192"))
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${BIN:-$(swift build -c release --show-bin-path)/replaceme}"
model="${1:-models/smollm2-135m-bf16-sharded}"
method="${METHOD:-blockpruner}"; ratio="${RATIO:-0.005}"; samples="${SAMPLES:-4}"; seq_len="${SEQ_LEN:-512}"
python="$(scripts/python-env.sh torch)"
work="$(mktemp -d "${TMPDIR:-/tmp}/replaceme-bench-mp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
/usr/bin/time -f "%M" -o "$work/ours.rss" "$bin" prune "$model" --method "$method" --ratio "$ratio" --samples "$samples" \
  --seq-len "$seq_len" --dry-run --json --export-ids "$work/ids.jsonl" ${EXTRA:-} > "$work/ours.json" 2> "$work/ours.err"
extra_port=""
case " ${EXTRA:-} " in *" --distribution "*) extra_port="$extra_port --distribution $(sed -E 's/.*--distribution ([^ ]+).*/\1/' <<< "$EXTRA")";; esac
case " ${EXTRA:-} " in *" --mlp-group "*) extra_port="$extra_port --mlp-group $(sed -E 's/.*--mlp-group ([^ ]+).*/\1/' <<< "$EXTRA")";; esac
# shellcheck disable=SC2086
OMP_NUM_THREADS=2 /usr/bin/time -f "%M" -o "$work/port.rss" "$python" scripts/multipruner_reference.py "$model" \
  --variant "$method" --ratio "$ratio" --windows "$work/ids.jsonl" --json "$work/port.json" $extra_port > "$work/port.out" 2>&1
"$python" - "$work" <<'PY'
import json, sys
w = sys.argv[1]
ours, port = json.load(open(f"{w}/ours.json")), json.load(open(f"{w}/port.json"))
rss = lambda n: int(open(f"{w}/{n}.rss").read().split()[-1]) / 1024
a = [(s["kind"], s["layer"]) for s in ours["steps"]]
b = [(s["kind"], s["layer"]) for s in port["steps"]]
same = a == b and all(abs(x["perplexity"] - y["perplexity"]) <= 1e-4 * y["perplexity"] for x, y in zip(ours["steps"], port["steps"]))
print(f"removals: {a}")
print(f"same removals and perplexities as the port: {'yes' if same else 'NO: port ' + str(b)}")
t_ours, t_port = ours["timings"]["search"], port["seconds"]
n = ours["evaluations"]
print(f"ours: {n} candidates in {t_ours:.1f} s ({n / t_ours:.2f}/s), peak RSS {rss('ours'):.0f} MiB")
print(f"port: {port['evaluations']} candidates in {t_port:.1f} s ({port['evaluations'] / t_port:.2f}/s), peak RSS {rss('port'):.0f} MiB")
print(f"speed ratio (port time / ours): {t_port / t_ours:.2f}x")
sys.exit(0 if same else 1)
PY
