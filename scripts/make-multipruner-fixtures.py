#!/usr/bin/env python3
"""Goldens for MultiPruner and BlockPruner (`prune --method multipruner|blockpruner`) from our PyTorch port
(scripts/multipruner_reference.py), on the float32 tiny fixture Tests/PruningTests/Fixtures/tiny-llama-8-f32 and
the first calibration windows of Tests/PruningTests/Fixtures/calibration.jsonl (cut as replaceme cuts them).
Writes Tests/PruningTests/Fixtures/golden-multipruner.json: per case, the options, every accepted removal in
order with the calibration perplexity and removed fraction after it, and the final per-layer state.
Usage: $(scripts/python-env.sh torch) scripts/make-multipruner-fixtures.py
"""
import json
import os
import sys

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multipruner_reference as mp  # noqa: E402
import replaceme_reference as ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PruningTests", "Fixtures")
SAMPLES, SEQ_LEN = 2, 16
# name: (variant, ratio, distribution, mlp group, kv groups per step)
CASES = {
    "multipruner-10": ("multipruner", 0.10, [20, 40, 40], 8, 1),
    "blockpruner-8": ("blockpruner", 0.08, [1, 0, 0], 8, 1),
}


def main():
    torch.set_grad_enabled(False)
    model_dir = os.path.join(ROOT, "tiny-llama-8-f32")
    dense = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32,
                                                              attn_implementation="eager").eval()
    windows = ref.load_windows(os.path.join(ROOT, "calibration.jsonl"), SAMPLES, SEQ_LEN).tolist()
    golden = {"samples": SAMPLES, "seq_len": SEQ_LEN, "torch": torch.__version__,
              "transformers": transformers.__version__, "dense_perplexity": mp.ppl(dense, windows), "cases": {}}
    for name, (variant, ratio, dist, group, kv) in CASES.items():
        state, steps, evaluations = mp.search(dense, windows, ratio, dist, group, kv, variant)
        golden["cases"][name] = {"variant": variant, "ratio": ratio, "distribution": dist, "mlp_group": group,
                                 "kv_groups": kv, "steps": steps, "state": state, "evaluations": evaluations}
        print(name, [(s["kind"], s["layer"], round(s["perplexity"], 4)) for s in steps])
    with open(os.path.join(ROOT, "golden-multipruner.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
