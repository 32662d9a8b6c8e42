#!/usr/bin/env python3
"""Goldens for `--iterative` (scripts/iterative_reference.py), on the float32 tiny fixture
Tests/PruningTests/Fixtures/tiny-llama-8-f32 and the first 4 × 32 calibration windows:
  golden-iterative.json         per case (n, step, targets): each round's original layers, kept layer, distance,
                                relative residual
  golden-iterative.safetensors  logits.<case>: the pruned model's logits on the first two windows (F32 [2, 32, 256])
Usage: $(scripts/python-env.sh torch) scripts/make-iterative-fixtures.py
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iterative_reference as it  # noqa: E402
import replaceme_reference as ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PruningTests", "Fixtures")
SAMPLES = 4
CASES = {"n5-step1-edited": (5, 1, "edited"), "n5-step1-dense": (5, 1, "dense"), "n6-step2-dense": (6, 2, "dense"), "n6-step2-edited": (6, 2, "edited")}


def main():
    model = transformers.AutoModelForCausalLM.from_pretrained(os.path.join(ROOT, "tiny-llama-8-f32"),
                                                              dtype=torch.float32).eval()
    windows = ref.load_windows(os.path.join(ROOT, "calibration.jsonl"), SAMPLES, 32)
    golden, tensors = {"samples": SAMPLES, "seq_len": 32, "torch": torch.__version__, "cases": {}}, {}
    for name, (n, step, targets) in CASES.items():
        rounds, pruned = it.iterate(model, windows, n, step, targets)
        with torch.no_grad():
            tensors[f"logits.{name}"] = pruned(input_ids=windows[:2], use_cache=False).logits.float().contiguous()
        golden["cases"][name] = {"n": n, "step": step, "targets": targets, "rounds": rounds}
        print(name, [(r["layers"], r["kept"], round(r["relative_residual"], 6)) for r in rounds])
    with open(os.path.join(ROOT, "golden-iterative.json"), "w") as f:
        json.dump(golden, f, indent=1)
    save_file(tensors, os.path.join(ROOT, "golden-iterative.safetensors"))


if __name__ == "__main__":
    main()
