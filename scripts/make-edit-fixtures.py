#!/usr/bin/env python3
"""Goldens for the edited model (LlamaModel.forward(edit:)): plans applied by hand in PyTorch on the tiny fixture.

Run:  $(scripts/python-env.sh torch) scripts/make-edit-fixtures.py
Reads Tests/PruningTests/Fixtures/tiny-llama-8 (bf16, 8 layers, D 32, 4 heads, 2 KV groups, I 64, tied) and writes
Tests/PruningTests/Fixtures/edits/:
  <name>.json                   plans in the replaceme-plan format (version 1)
  mixed.transforms.safetensors  the transform of the mixed plan (F64 [32, 32])
  tokens.json                   three token sequences (13, 1 and 7 tokens)
  logits.safetensors            F32 logits [rows, 256] per plan (`<name>`) and for the dense model (`dense`),
                                from transformers in float32 with the edit done by hand (scripts/edit_reference.py)
"""
import copy
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import edit_reference as er  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PruningTests", "Fixtures")
MODEL = os.path.join(ROOT, "tiny-llama-8")
OUT = os.path.join(ROOT, "edits")
DIMS = {"num_hidden_layers": 8, "hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4,
        "num_key_value_heads": 2}


def plan(layers, transforms=None):
    p = {"format": "replaceme-plan", "version": 1, "model": DIMS, "method": "by-hand"}
    if transforms:
        p["transforms"] = transforms
    p["layers"] = layers
    return p


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    t = torch.eye(32, dtype=torch.float64) + 0.05 * torch.randn(32, 32, generator=g, dtype=torch.float64)
    save_file({"layers.2.transform": t.contiguous()}, os.path.join(OUT, "mixed.transforms.safetensors"))
    plans = {
        "attention": plan([{"layer": 2, "drop": "attention"}, {"layer": 5, "drop": "attention"}]),
        "mlp": plan([{"layer": 3, "drop": "mlp"}, {"layer": 6, "drop": "mlp"}]),
        "channels": plan([{"layer": 4, "mlp_channels": list(range(0, 64, 2))}]),
        "kv": plan([{"layer": 1, "kv_groups": [1]}, {"layer": 6, "kv_groups": [0]}]),
        "mixed": plan([{"layer": 1, "drop": "attention"}, {"layer": 2, "transform": "layers.2.transform"},
                       {"layer": 3, "drop": "block"}, {"layer": 4, "drop": "block"},
                       {"layer": 5, "residual_scale": 0.9}, {"layer": 6, "mlp_channels": list(range(48))}],
                      transforms="mixed.transforms.safetensors"),
    }
    for name, p in plans.items():
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(p, f, indent=2)
            f.write("\n")
    tokens = [torch.randint(0, 256, (n,), generator=g).tolist() for n in (13, 1, 7)]
    with open(os.path.join(OUT, "tokens.json"), "w") as f:
        json.dump(tokens, f)
        f.write("\n")

    base = transformers.AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
    goldens = {}
    for name in ["dense"] + list(plans):
        m = copy.deepcopy(base)
        if name != "dense":
            p, tr = er.read_plan(os.path.join(OUT, name + ".json"))
            er.apply_plan(m, p, tr, storage_dtype=torch.bfloat16)
        rows = []
        with torch.no_grad():
            for seq in tokens:
                rows.append(m(torch.tensor([seq]), use_cache=False).logits[0].float())
        goldens[name] = torch.cat(rows).contiguous()
    save_file(goldens, os.path.join(OUT, "logits.safetensors"),
              metadata={"torch": torch.__version__, "transformers": transformers.__version__})
    for name in plans:
        d = (goldens[name] - goldens["dense"]).norm() / goldens["dense"].norm()
        print(f"{name}: relative change from dense {d:.3f}")


if __name__ == "__main__":
    main()
