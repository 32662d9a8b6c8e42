#!/usr/bin/env python3
"""Checks a checkpoint written by `replaceme prune` with Hugging Face transformers, unchanged:

1. it loads with AutoModelForCausalLM / AutoTokenizer with no missing, unexpected or mismatched tensors, and
   config.num_hidden_layers equals the number of decoder layers;
2. its perplexity computed by transformers (float32) equals `replaceme perplexity` on it within --tolerance
   (relative, default 0.1%), on each --text.

Windows are those of `replaceme perplexity`: the text is tokenized without special tokens, cut into pieces of
seq-len - 1 tokens, each window is [BOS] + piece (BOS = config.bos_token_id), every piece token is scored;
a trailing partial piece is dropped.

Usage: $(scripts/python-env.sh torch) scripts/check-pruned.py OUT_DIR --text calibration-samples/eval/botchan.txt \
           [--text ...] [--seq-len 1024] [--max-tokens N] [--replaceme .build/release/replaceme]
Prints one line per text; exits 1 if a check fails.
"""
import argparse
import json
import math
import subprocess
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def hf_perplexity(model, tokenizer, text, seq_len, max_tokens, bos):
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if max_tokens:
        ids = ids[:max_tokens]
    piece = seq_len - 1 if bos is not None else seq_len
    count = len(ids) // piece
    if count == 0:
        sys.exit(f"text too short: {len(ids)} tokens for one window of {piece}")
    windows = [([bos] if bos is not None else []) + ids[w * piece:(w + 1) * piece] for w in range(count)]
    nll, scored = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(windows), 4):
            batch = torch.tensor(windows[i:i + 4])
            logits = model(input_ids=batch).logits.double()
            logp = torch.log_softmax(logits[:, :-1, :], dim=-1)
            target = batch[:, 1:]
            nll -= logp.gather(-1, target.unsqueeze(-1)).sum().item()
            scored += target.numel()
    return math.exp(nll / scored), scored, count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--text", action="append", required=True)
    ap.add_argument("--seq-len", type=int, default=1024)
    ap.add_argument("--max-tokens", type=int)
    ap.add_argument("--replaceme", default=".build/release/replaceme")
    ap.add_argument("--tolerance", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    model, info = AutoModelForCausalLM.from_pretrained(args.checkpoint, dtype=torch.float32, output_loading_info=True)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(args.checkpoint)
    problems = {k: v for k, v in info.items() if v}
    layers = len(model.model.layers)
    ok = not problems and layers == model.config.num_hidden_layers
    print(f"{args.checkpoint}: loads in transformers {'cleanly' if not problems else 'WITH PROBLEMS ' + str(problems)}; "
          f"{layers} layers (config says {model.config.num_hidden_layers})")
    bos = model.config.bos_token_id
    for text_path in args.text:
        text = open(text_path, encoding="utf-8").read()
        t = time.time()
        hf, scored, windows = hf_perplexity(model, tokenizer, text, args.seq_len, args.max_tokens, bos)
        hf_s = time.time() - t
        cmd = [args.replaceme, "perplexity", args.checkpoint, "--text", text_path, "--seq-len", str(args.seq_len), "--json"]
        if args.max_tokens:
            cmd += ["--max-tokens", str(args.max_tokens)]
        ours = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        rel = abs(ours["perplexity"] - hf) / hf
        good = rel <= args.tolerance and ours["tokens"] == scored
        ok &= good
        print(f"  {text_path}: transformers {hf:.4f} ({scored} tokens, {windows} windows, {hf_s:.0f} s), "
              f"replaceme {ours['perplexity']:.4f} ({ours['tokens']} tokens, {ours['seconds']:.0f} s): "
              f"relative difference {rel:.2e} {'OK' if good else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
