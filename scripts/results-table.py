#!/usr/bin/env python3
"""The README results table: perplexity of SmolLM2-135M dense, pruned by `--method drop` and by ReplaceMe, for
several n, on the two held-out texts of calibration-samples/eval/ (never used for calibration).

For each n: `replaceme prune --layers n` (default calibration: 64 x 1024 tokens of calibration-samples/), then
`replaceme prune --method drop --start <the same span>`; then `replaceme perplexity` (1024-token windows, BOS
prepended) of the dense model and of every pruned one on each text. Prints a markdown table and writes it with
all figures as JSON (--json-out).

Usage: $(scripts/python-env.sh torch) scripts/results-table.py [--model models/smollm2-135m-bf16-sharded] \
           [--n 2 4 6 8] [--max-tokens N] [--workdir /tmp/replaceme-results] [--json-out results.json]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = ["calibration-samples/eval/shakespeare-tragedies.txt", "calibration-samples/eval/botchan.txt"]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/smollm2-135m-bf16-sharded")
    ap.add_argument("--n", type=int, nargs="+", default=[2, 4, 6, 8])
    ap.add_argument("--max-tokens", type=int)
    ap.add_argument("--seq-len", type=int, default=1024)
    ap.add_argument("--workdir", default="/tmp/replaceme-results")
    ap.add_argument("--replaceme", default=os.path.join(ROOT, ".build/release/replaceme"))
    ap.add_argument("--json-out")
    args = ap.parse_args()
    os.chdir(ROOT)
    os.makedirs(args.workdir, exist_ok=True)
    bin_ = args.replaceme

    def ppl(model_dir):
        out = {}
        for text in TEXTS:
            cmd = [bin_, "perplexity", model_dir, "--text", text, "--seq-len", str(args.seq_len), "--json"]
            if args.max_tokens:
                cmd += ["--max-tokens", str(args.max_tokens)]
            out[os.path.basename(text)] = json.loads(run(cmd))["perplexity"]
            print(f"  {model_dir} {os.path.basename(text)}: {out[os.path.basename(text)]:.3f}", file=sys.stderr)
        return out

    results = {"dense": ppl(args.model), "rows": []}
    for n in args.n:
        rm_dir, drop_dir = os.path.join(args.workdir, f"replaceme-n{n}"), os.path.join(args.workdir, f"drop-n{n}")
        for d in (rm_dir, drop_dir):
            shutil.rmtree(d, ignore_errors=True)
        report = json.loads(run([bin_, "prune", args.model, "--output", rm_dir, "--layers", str(n), "--json"]))
        span = report["spans"][0]
        run([bin_, "prune", args.model, "--output", drop_dir, "--layers", str(n), "--method", "drop",
             "--start", str(span["start"]), "--no-hash"])
        row = {"n": n, "span": [span["start"], span["end"]], "distance": span["distance"],
               "residual": span["fit"]["relativeResidual"], "identity_residual": span["fit"]["identityRelativeResidual"],
               "prune_seconds": report["timings"]["total"], "drop": ppl(drop_dir), "replaceme": ppl(rm_dir)}
        results["rows"].append(row)
        print(f"n={n}: layers {row['span'][0]}-{row['span'][1]} drop {row['drop']} replaceme {row['replaceme']}",
              file=sys.stderr)

    names = [os.path.basename(t) for t in TEXTS]
    lines = ["| n removed (of 30) | span (layers) | " + " | ".join(f"{t}: dense / drop / ReplaceMe (Δ vs drop)" for t in names) + " |",
             "|---|---|" + "---|" * len(names)]
    for r in results["rows"]:
        cells = []
        for t in names:
            dense, drop, rm = results["dense"][t], r["drop"][t], r["replaceme"][t]
            cells.append(f"{dense:.2f} / {drop:.2f} / **{rm:.2f}** ({(rm - drop) / drop * 100:+.0f}%)")
        lines.append(f"| {r['n']} | {r['span'][0]}–{r['span'][1]} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    results["markdown"] = table
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
