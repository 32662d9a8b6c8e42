#!/usr/bin/env python3
"""Checks that checkpoints written by replaceme's writer load in Python `safetensors` and in `transformers`.

For each case, runs `replaceme convert` (our reader + streaming writer) on a real checkpoint, then:
  1. opens every output file with `safetensors.safe_open` and compares every tensor with the source, exactly
     (or with the reference rounding for a dtype change, via torch's own conversion);
  2. checks the index (`weight_map` covers every tensor exactly once, `metadata.total_size` is right);
  3. loads the output with `transformers.AutoModelForCausalLM` and compares its logits on a prompt with the
     source model's (identical for a copy; max |diff| reported for a dtype change).
Exit status 0 only if every check passes. Needs the models from scripts/fetch-smollm2.sh and a built binary.

Usage: check-safetensors-load.py [--bin PATH] [--models DIR]
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from safetensors import safe_open

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def tensors_of(directory):
    """name -> (file, torch tensor) for every tensor of a checkpoint directory."""
    out = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.safetensors"))):
        with safe_open(path, framework="pt") as f:
            assert f.metadata() == {"format": "pt"}, f"{path}: metadata {f.metadata()}"
            for name in f.keys():
                assert name not in out, f"{name} in two files"
                out[name] = (os.path.basename(path), f.get_tensor(name))
    return out


def check_index(directory, tensors):
    index_path = os.path.join(directory, "model.safetensors.index.json")
    if not os.path.exists(index_path):
        assert list({f for f, _ in tensors.values()}) == ["model.safetensors"], "unsharded output must be model.safetensors"
        return "single file"
    with open(index_path) as f:
        index = json.load(f)
    wm = index["weight_map"]
    assert set(wm) == set(tensors), "weight_map does not cover exactly the tensors"
    for name, (fname, _) in tensors.items():
        assert wm[name] == fname, f"{name}: index says {wm[name]}, found in {fname}"
    total = sum(t.numel() * t.element_size() for _, t in tensors.values())
    assert index["metadata"]["total_size"] == total, f"total_size {index['metadata']['total_size']} != {total}"
    return f"{len(set(wm.values()))} shards, index ok (total_size {total})"


def logits(directory, ids):
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        return model(ids).logits


def run_case(binary, source, args, dtype, reference_logits, ids, work):
    out = os.path.join(work, os.path.basename(source) + "-" + ("-".join(a.strip("-") for a in args) or "copy"))
    cmd = [binary, "convert", source, out] + args
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    src, dst = tensors_of(source), tensors_of(out)
    assert set(src) == set(dst), f"tensor sets differ: {sorted(set(src) ^ set(dst))[:5]}"
    worst = 0.0
    for name, (_, a) in src.items():
        b = dst[name][1]
        assert a.shape == b.shape, f"{name}: shape {tuple(b.shape)} != {tuple(a.shape)}"
        expected = a if dtype is None else a.to(dtype)  # torch's own rounding (nearest even)
        assert b.dtype == expected.dtype, f"{name}: dtype {b.dtype} != {expected.dtype}"
        assert torch.equal(b.view(torch.uint8) if b.dtype == torch.bool else b, expected), f"{name}: values differ"
    layout = check_index(out, dst)
    got = logits(out, ids)
    diff = (got - reference_logits).abs().max().item()
    worst = max(worst, diff)
    same = diff == 0.0
    print(f"  {' '.join(os.path.basename(c) if c.startswith('/') else c for c in cmd[1:])}")
    print(f"    safetensors: {len(dst)} tensors identical to {'the source' if dtype is None else 'torch rounding'};"
          f" {layout}; transformers logits max |diff| vs source = {diff:.3g}{' (identical)' if same else ''}")
    shutil.rmtree(out)
    return diff


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=None, help="replaceme binary (default: .build/release or .build/debug)")
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    a = ap.parse_args()
    binary = a.bin or next((p for p in [os.path.join(ROOT, ".build/release/replaceme"),
                                        os.path.join(ROOT, ".build/debug/replaceme")] if os.path.exists(p)), None)
    if binary is None:
        sys.exit("no replaceme binary: run `swift build -c release` first")
    fp32 = os.path.join(a.models, "smollm2-135m-fp32")
    bf16 = os.path.join(a.models, "smollm2-135m-bf16")
    sharded = os.path.join(a.models, "smollm2-135m-bf16-sharded")
    for d in (fp32, bf16, sharded):
        if not os.path.isdir(d):
            sys.exit(f"{d} missing: run scripts/fetch-smollm2.sh")
    from transformers import AutoTokenizer
    ids = AutoTokenizer.from_pretrained(bf16)("The capital of France is Paris. The capital of Italy is",
                                              return_tensors="pt").input_ids
    ref_bf16 = logits(bf16, ids)
    ref_fp32 = logits(fp32, ids)
    print(f"binary: {binary}")
    with tempfile.TemporaryDirectory(prefix="replaceme-load-") as work:
        diffs = [
            run_case(binary, sharded, [], None, ref_bf16, ids, work),                           # plain copy, 4 shards
            run_case(binary, sharded, ["--max-shard-size", "1GB"], None, ref_bf16, ids, work),  # shards -> one file
            run_case(binary, bf16, ["--max-shard-size", "50MB"], None, ref_bf16, ids, work),    # one file -> 6 shards
            run_case(binary, fp32, ["--dtype", "bfloat16"], torch.bfloat16, ref_bf16, ids, work),
            run_case(binary, bf16, ["--dtype", "float32"], torch.float32, ref_bf16, ids, work),
        ]
    bad = [d for d in diffs if d != 0.0]
    print("all checks passed" if not bad else f"logit differences: {diffs}")
    sys.exit(0 if not bad else 1)


if __name__ == "__main__":
    main()
