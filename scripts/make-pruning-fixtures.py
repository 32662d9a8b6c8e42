#!/usr/bin/env python3
"""Tiny checkpoint + goldens for the Pruning tests, from transformers and our PyTorch reference pipeline.

Run with the project venv:  $(scripts/python-env.sh torch) scripts/make-pruning-fixtures.py
Writes Tests/PruningTests/Fixtures/:
  tiny-llama-8/              random LlamaForCausalLM, 8 layers, D = 32, bf16, sharded in 2 files with an index,
                             tied embeddings, a generation_config.json and a dummy tokenizer_config.json to copy
  calibration.jsonl          8 windows of 32 token ids ({"ids": [...]} per line)
  golden.json                the reference pipeline's distance tables (last and all tokens, n = 1..6), chosen spans
                             and fit figures for the cases below, in float32 activations / float64 statistics
  golden-transforms.safetensors   T (F64 [32, 32]) per case: T.<case>.<span index>
Cases: n2 (one span of 2), n2k2 (two spans of 2), n3q (one span of 3 with --final-norm-quirk), start6 (forced
start 6, n = 2: ends at the last layer).
"""
import json
import os
import shutil
import sys

import torch
import transformers
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replaceme_reference as ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PruningTests", "Fixtures")
SAMPLES, SEQ_LEN = 8, 32


def main():
    torch.manual_seed(1234)
    model_dir = os.path.join(ROOT, "tiny-llama-8")
    shutil.rmtree(model_dir, ignore_errors=True)
    os.makedirs(model_dir)
    cfg = transformers.LlamaConfig(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=8,
                                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                                   rms_norm_eps=1e-5, tie_word_embeddings=True, initializer_range=0.15,
                                   bos_token_id=1, eos_token_id=2)
    model = transformers.LlamaForCausalLM(cfg).to(torch.bfloat16)
    model.save_pretrained(model_dir, safe_serialization=True, max_shard_size="60KB")
    with open(os.path.join(model_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"comment": "no tokenizer: calibration for this fixture is pre-tokenized"}, f)
    shards = sorted(x for x in os.listdir(model_dir) if x.endswith(".safetensors"))
    if len(shards) < 2:
        sys.exit(f"expected a sharded checkpoint, got {shards}")

    g = torch.Generator().manual_seed(99)
    ids = torch.randint(0, 256, (SAMPLES, SEQ_LEN), generator=g)
    calib = os.path.join(ROOT, "calibration.jsonl")
    with open(calib, "w") as f:
        for row in ids.tolist():
            f.write(json.dumps({"ids": row}) + "\n")

    m32 = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    windows = ref.load_windows(calib, SAMPLES, SEQ_LEN)
    golden = {"samples": SAMPLES, "seq_len": SEQ_LEN, "torch": torch.__version__,
              "transformers": transformers.__version__, "cases": {}}
    for quirk in (False, True):
        suffix = "_quirk" if quirk else ""
        golden["distances_last" + suffix] = ref.distance_table(m32, windows, 6, False, quirk)
        golden["distances_all" + suffix] = ref.distance_table(m32, windows, 6, True, quirk)
    tensors = {}
    cases = {"n2": (2, 1, None, False), "n2k2": (2, 2, None, False), "n3q": (3, 1, None, True),
             "start6": (2, 1, 6, False)}
    for name, (n, k, start, quirk) in cases.items():
        table = golden["distances_last_quirk" if quirk else "distances_last"]
        spans = [[start, n]] if start else ref.select_spans(table[n - 1], n, k, 8)
        stats = ref.ls_statistics(m32, windows, spans, quirk)
        fits = []
        for j, st in enumerate(stats):
            T, fit = ref.solve(st, 0.0)
            tensors[f"T.{name}.{j}"] = T.contiguous()
            fits.append(fit)
        golden["cases"][name] = {"n": n, "spans_requested": k, "start": start, "final_norm_quirk": quirk,
                                 "spans": spans, "fits": fits}
    with open(os.path.join(ROOT, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
    save_file(tensors, os.path.join(ROOT, "golden-transforms.safetensors"))
    for name, c in golden["cases"].items():
        print(name, c["spans"], [round(x["relative_residual"], 4) for x in c["fits"]],
              [round(x["identity_relative_residual"], 4) for x in c["fits"]])


if __name__ == "__main__":
    main()
