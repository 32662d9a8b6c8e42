#!/usr/bin/env python3
"""Perplexity parity: Hugging Face transformers (fp32) against `replaceme perplexity` on the same text,
the same tokens and the same windows (see `replaceme perplexity --help` for the window rule, mirrored here).

  $(scripts/python-env.sh torch) scripts/check-perplexity.py --bin .build/release/replaceme \
      [--model models/smollm2-135m-fp32] [--text "$(scripts/fetch-eval-text.sh)"] [--seq-len 1024] [--max-tokens 16384]

Prints both perplexities and their relative difference; exits 1 if it exceeds --tolerance (default 0.1%).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch
import transformers
from tokenizers import Tokenizer


def windows(ids, seq_len, bos, max_tokens):
    usable = min(len(ids), max_tokens) if max_tokens else len(ids)
    piece = seq_len - 1 if bos is not None else seq_len
    out = []
    for w in range(usable // piece):
        chunk = ids[w * piece:(w + 1) * piece]
        out.append(([bos] if bos is not None else []) + chunk)
    return out


def hf_perplexity(model_dir, ids, seq_len, max_tokens, threads):
    torch.set_num_threads(threads)
    config = transformers.AutoConfig.from_pretrained(model_dir)
    bos = config.bos_token_id
    model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    total, scored = 0.0, 0
    ws = windows(ids, seq_len, bos, max_tokens)
    start = time.time()
    with torch.no_grad():
        for i, w in enumerate(ws):
            x = torch.tensor([w])
            logits = model(input_ids=x, use_cache=False).logits[0].float()
            logp = torch.log_softmax(logits[:-1], dim=-1)
            nll = -logp.gather(1, x[0, 1:, None])[:, 0]
            total += nll.double().sum().item()
            scored += nll.numel()
            print(f"transformers: window {i + 1}/{len(ws)}", file=sys.stderr)
    seconds = time.time() - start
    return dict(perplexity=math.exp(total / scored), mean_nll=total / scored, tokens=scored, windows=len(ws),
                tokens_per_second=len(ws) * seq_len / seconds)


def arguments(doc):
    """The options both this script and bench-forward.py take."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--bin", required=True, help="the replaceme binary (release build)")
    p.add_argument("--model", default=os.path.join(root, "models", "smollm2-135m-fp32"))
    p.add_argument("--text", default="/work/cache/text/botchan.txt")
    p.add_argument("--seq-len", type=int, default=1024)
    p.add_argument("--threads", type=int, default=2, help="PyTorch threads")
    return p


def read_ids(model_dir, text_path):
    """The text's token ids, without special tokens, by HF tokenizers (text read byte-exact)."""
    with open(text_path, encoding="utf-8", newline="") as f:
        text = f.read()
    return Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json")).encode(text, add_special_tokens=False).ids


def main():
    p = arguments(__doc__)
    p.add_argument("--max-tokens", type=int, default=16384)
    p.add_argument("--tolerance", type=float, default=1e-3)
    a = p.parse_args()

    ids = read_ids(a.model, a.text)

    cmd = [a.bin, "perplexity", a.model, "--text", a.text, "--seq-len", str(a.seq_len),
           "--max-tokens", str(a.max_tokens), "--json"]
    print("$ " + " ".join(cmd), file=sys.stderr)
    ours = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)
    ref = hf_perplexity(a.model, ids, a.seq_len, a.max_tokens, a.threads)

    rel = abs(ours["perplexity"] - ref["perplexity"]) / ref["perplexity"]
    print(f"text: {a.text}  model: {a.model}  seq-len {a.seq_len}  max-tokens {a.max_tokens}")
    print(f"{'':14}{'perplexity':>12}{'mean NLL':>12}{'tokens':>9}{'windows':>9}{'tok/s':>9}")
    for name, r in (("transformers", ref), ("replaceme", ours)):
        print(f"{name:14}{r['perplexity']:12.5f}{r['mean_nll']:12.7f}{r['tokens']:9d}{r['windows']:9d}"
              f"{r['tokens_per_second']:9.1f}")
    print(f"relative difference of perplexity: {rel:.3e} (tolerance {a.tolerance:.1e})")
    if ours["tokens"] != ref["tokens"]:
        print(f"token counts differ: {ours['tokens']} vs {ref['tokens']} (tokenizer mismatch)")
        sys.exit(1)
    sys.exit(0 if rel <= a.tolerance else 1)


if __name__ == "__main__":
    main()
