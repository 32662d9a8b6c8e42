#!/usr/bin/env python3
"""Goldens for the cosine estimator (`--estimator cosine`), from our PyTorch port (scripts/cosine_reference.py:
autograd through the reference's loss and torch.optim.Adam, not the Swift tool's analytic gradient).

From the float32 tiny fixture Tests/PruningTests/Fixtures/tiny-llama-8-f32 (make-compensation-fixtures.py
writes it) and the first 8 × 32 calibration windows, for the span starting at layer 3 of 2 layers:
  golden-cosine.safetensors  rows.x, rows.y, rows.end (F32 [256, 32]: M_2, Y_2, L_4, collected by hooks in
                             transformers), and T.<case> (F64 [32, 32]) per case
  golden-cosine.json         per case: objective, start, lr, epochs, batch, seed, loss before and after;
                             and, for the surrogate, alpha (cosine_reference.rescale: the least-squares scalar on T);
                             permutation: RowShuffle(seed 7).permutation(10), twice
Cases run in float64 with a larger step than the published 1e-4 and batches that do not divide the rows, so
that T moves well away from its start and the last partial batch and the shuffle are exercised.
Usage: $(scripts/python-env.sh torch) scripts/make-cosine-fixtures.py
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cosine_reference as cos  # noqa: E402
import replaceme_reference as ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PruningTests", "Fixtures")
SAMPLES, SEQ_LEN, START, N = 8, 32, 3, 2
CASES = {
    "identity-surrogate": dict(objective="surrogate", start="identity", lr=1e-3, epochs=4, batch=48, seed=7),
    "ls-surrogate": dict(objective="surrogate", start="ls", lr=1e-3, epochs=4, batch=48, seed=7),
    "ls-accurate": dict(objective="accurate", start="ls", lr=1e-3, epochs=3, batch=100, seed=11),
}


def main():
    model = transformers.AutoModelForCausalLM.from_pretrained(os.path.join(ROOT, "tiny-llama-8-f32"),
                                                              dtype=torch.float32).eval()
    windows = ref.load_windows(os.path.join(ROOT, "calibration.jsonl"), SAMPLES, SEQ_LEN)
    rows = cos.span_rows(model, windows, START, N)
    tensors = {f"rows.{k}": v.contiguous() for k, v in rows.items()}
    x, y, end = (rows[k].double() for k in ("x", "y", "end"))
    z = end - y
    shuffle = cos.RowShuffle(7)
    golden = {"samples": SAMPLES, "seq_len": SEQ_LEN, "start": START, "n": N, "torch": torch.__version__,
              "permutation": [shuffle.permutation(10), shuffle.permutation(10)], "cases": {}}
    for name, c in CASES.items():
        t0 = cos.least_squares(x, z) if c["start"] == "ls" else None
        if c["objective"] == "surrogate":
            t, before, after = cos.fit(x, z, t0=t0, lr=c["lr"], epochs=c["epochs"], batch=c["batch"], seed=c["seed"])
        else:
            t, before, after = cos.fit(x, end, y, t0=t0, lr=c["lr"], epochs=c["epochs"], batch=c["batch"], seed=c["seed"])
        moved = float((t - (torch.eye(32, dtype=torch.float64) if t0 is None else t0)).abs().max())
        tensors[f"T.{name}"] = t.contiguous()
        golden["cases"][name] = dict(c, loss_start=before, loss_end=after, moved=moved)
        if c["objective"] == "surrogate":
            golden["cases"][name]["alpha"] = cos.rescale(x, z, t)
        print(name, f"loss {before:.6f} -> {after:.6f}, max |T - T0| {moved:.3e}")
    with open(os.path.join(ROOT, "golden-cosine.json"), "w") as f:
        json.dump(golden, f, indent=1)
    save_file(tensors, os.path.join(ROOT, "golden-cosine.safetensors"))


if __name__ == "__main__":
    main()
