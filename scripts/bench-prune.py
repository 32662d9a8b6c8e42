#!/usr/bin/env python3
"""One run, same inputs: `replaceme prune` (Swift) against our PyTorch pipeline (scripts/replaceme_reference.py).

1. runs `replaceme prune` (both passes, solve, write, report), which also exports its calibration windows as
   pre-tokenized JSONL and saves its transforms T;
2. runs the PyTorch pipeline on exactly those windows (float32 activations, float64 statistics, 2 threads),
   including writing the pruned checkpoint with save_pretrained;
3. prints both wall times (whole processes), their ratio, both peak RSS (from wait4), and the parity:
   same span(s)?, distance tables' relative difference, T's relative error.

Usage: $(scripts/python-env.sh torch) scripts/bench-prune.py [--model models/smollm2-135m-bf16-sharded] [--layers 8] \
           [--samples 64] [--seq-len 1024] [--workdir /tmp/replaceme-bench] [--no-hash] [--repeat 1]
Run it on a quiet machine (it prints the load average before and after). With --repeat K the two tools run K times,
alternating, and the per-run ratios and their median are printed (PyTorch's time varied 207-237 s between runs
here, ours 101-107 s).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd):
    t = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.time() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return out.decode(), wall, usage.ru_maxrss / 1024  # MiB (Linux ru_maxrss is KiB)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/smollm2-135m-bf16-sharded")
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--seq-len", type=int, default=1024)
    ap.add_argument("--workdir", default="/tmp/replaceme-bench")
    ap.add_argument("--replaceme", default=os.path.join(ROOT, ".build/release/replaceme"))
    ap.add_argument("--no-hash", action="store_true", help="pass --no-hash to replaceme (no SHA-256 of weight files)")
    ap.add_argument("--repeat", type=int, default=1, help="run both tools this many times, alternating")
    args = ap.parse_args()
    if args.repeat < 1:
        sys.exit("--repeat must be at least 1")
    os.chdir(ROOT)
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    w = lambda name: os.path.join(args.workdir, name)  # noqa: E731
    print(f"load average before: {os.getloadavg()}")

    runs = []   # (replaceme wall, PyTorch wall) per repetition
    for rep in range(args.repeat):
        shutil.rmtree(w("swift-out"), ignore_errors=True)
        shutil.rmtree(w("torch-out"), ignore_errors=True)
        for name in ["ids.jsonl", "T-swift.safetensors"]:   # replaceme refuses to overwrite them without --force
            if os.path.exists(w(name)):
                os.remove(w(name))
        cmd = [args.replaceme, "prune", args.model, "--output", w("swift-out"), "--layers", str(args.layers),
               "--samples", str(args.samples), "--seq-len", str(args.seq_len), "--export-ids", w("ids.jsonl"),
               "--save-transforms", w("T-swift.safetensors"), "--json"] + (["--no-hash"] if args.no_hash else [])
        out, swift_wall, swift_rss = timed(cmd)
        report = json.loads(out)

        cmd = [sys.executable, os.path.join(ROOT, "scripts/replaceme_reference.py"), args.model, "--ids", w("ids.jsonl"),
               "--samples", str(args.samples), "--seq-len", str(args.seq_len), "--layers", str(args.layers),
               "--output", w("torch-out"), "--dump", w("torch.json"), "--transform-out", w("T-torch.safetensors"),
               "--threads", "2"]
        _, torch_wall, torch_rss = timed(cmd)
        runs.append((swift_wall, torch_wall))
        if args.repeat > 1:
            print(f"run {rep + 1}: replaceme {swift_wall:.1f} s, PyTorch {torch_wall:.1f} s, ratio {swift_wall / torch_wall:.2f}x",
                  flush=True)
    ref = json.load(open(w("torch.json")))
    print(f"load average after: {os.getloadavg()}")

    swift_spans = [[s["start"], s["count"]] for s in report["spans"]]
    n = args.layers
    d_swift = np.array(report["distances"]["rows"][n - 1])
    d_torch = np.array(ref["distances"][n - 1])
    t_swift, t_torch = load_file(w("T-swift.safetensors")), load_file(w("T-torch.safetensors"))
    print(f"\nSmolLM2 prune, n = {n}, {args.samples} x {args.seq_len} tokens (same windows for both)")
    print(f"  spans: replaceme {swift_spans}, PyTorch {ref['spans']}: {'same' if swift_spans == ref['spans'] else 'DIFFERENT'}")
    print(f"  distance row n={n}: max |difference| {np.abs(d_swift - d_torch).max():.2e} "
          f"(relative {np.linalg.norm(d_swift - d_torch) / np.linalg.norm(d_torch):.2e})")
    for j in range(len(report["spans"])):
        a, b = t_swift[f"T.{j}"], t_torch[f"T.{j}"]
        print(f"  T[{j}]: relative error {np.linalg.norm(a - b) / np.linalg.norm(b):.2e}")
    for j, s in enumerate(report["spans"]):
        if s.get("fit"):
            print(f"  residual: replaceme {s['fit']['relativeResidual']:.5f}, PyTorch {ref['fits'][j]['relative_residual']:.5f}")
    print(f"  wall time: replaceme {swift_wall:.1f} s, PyTorch {torch_wall:.1f} s, ratio {swift_wall / torch_wall:.2f}x"
          + (" (last run)" if args.repeat > 1 else ""))
    if args.repeat > 1:
        ratios = sorted(s / t for s, t in runs)
        print(f"  {args.repeat} runs: replaceme {min(s for s, _ in runs):.1f}-{max(s for s, _ in runs):.1f} s, "
              f"PyTorch {min(t for _, t in runs):.1f}-{max(t for _, t in runs):.1f} s, "
              f"ratios {ratios[0]:.2f}-{ratios[-1]:.2f}x, median {float(np.median(ratios)):.2f}x")
    print(f"  peak RSS: replaceme {swift_rss:.0f} MiB, PyTorch {torch_rss:.0f} MiB")
    print("  replaceme phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in sorted(report["timings"].items())))
    print("  PyTorch phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in ref["timings"].items()))


if __name__ == "__main__":
    main()
