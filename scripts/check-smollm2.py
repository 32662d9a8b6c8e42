#!/usr/bin/env python3
"""Sanity check of a converted SmolLM2 checkpoint with Hugging Face transformers (PyTorch, CPU).

Prints a greedy chat completion and the perplexity of a short encyclopedic paragraph (written for this check),
so a broken conversion (wrong q/k permutation, transposed weights, bad tokenizer) shows at once: it gives
gibberish and perplexity in the hundreds or more. With --text FILE, also the perplexity of FILE over
non-overlapping 1024-token windows (at most --max-windows of them).

Usage: check-smollm2.py [--text FILE] [--max-windows N] [checkpoint-dir ...]
"""
import argparse
import math
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TEXT = (
    "The Amazon River in South America is the largest river in the world by discharge volume of water, and it is "
    "one of the two longest rivers. The river system originates in the Andes Mountains of Peru and travels "
    "through Colombia, Ecuador and Brazil before emptying into the Atlantic Ocean. The Amazon basin covers about "
    "seven million square kilometres, roughly forty percent of the South American continent, and most of it is "
    "covered by tropical rainforest. During the wet season, parts of the river swell to a width of more than "
    "forty kilometres. Because there are no bridges across the main river, travel along it depends on boats, "
    "and cities such as Manaus and Iquitos are reached mainly by water or by air. The forest of the basin is "
    "home to millions of species of insects, plants, birds and other animals, many of which have not yet been "
    "described by scientists. Large parts of the forest have been cleared for cattle ranching and farming since "
    "the second half of the twentieth century, which has raised concern about the loss of biodiversity and the "
    "effect of deforestation on the global climate."
)


def file_perplexity(model, tok, path, window=1024, max_windows=8):
    """exp(mean token NLL) over non-overlapping windows of `window` tokens (each window scored on its own)."""
    with open(path, encoding="utf-8") as f:
        ids = tok(f.read(), return_tensors="pt").input_ids[0]
    total, count = 0.0, 0
    for start in range(0, min(len(ids) - 1, window * max_windows), window):
        chunk = ids[start:start + window].unsqueeze(0)
        if chunk.shape[1] < 2:
            break
        with torch.no_grad():
            loss = model(chunk, labels=chunk).loss.item()
        total += loss * (chunk.shape[1] - 1)
        count += chunk.shape[1] - 1
    return math.exp(total / count), count


def check(path, text_file=None, max_windows=8):
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model.eval()
    ids = tok(TEXT, return_tensors="pt").input_ids
    t0 = time.time()
    with torch.no_grad():
        loss = model(ids, labels=ids).loss.item()
    dt = time.time() - t0
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    enc = tok(prompt, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=40, do_sample=False)
    answer = tok.decode(out[0, enc.input_ids.shape[1]:], skip_special_tokens=True)
    print(f"{path}: perplexity {math.exp(loss):.2f} on {ids.shape[1]} tokens ({ids.shape[1] / dt:.0f} tokens/s)")
    print(f"  greedy answer to 'What is the capital of France?': {answer.strip()!r}")
    if text_file:
        ppl, n = file_perplexity(model, tok, text_file, max_windows=max_windows)
        print(f"  perplexity {ppl:.2f} on {n} tokens of {text_file} (1024-token windows)")
    return math.exp(loss)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="*", default=["models/smollm2-135m-fp32"])
    ap.add_argument("--text", help="a UTF-8 text file to score")
    ap.add_argument("--max-windows", type=int, default=8)
    a = ap.parse_args()
    ppl = [check(p, a.text, a.max_windows) for p in a.checkpoints]
    sys.exit(0 if all(p < 60 for p in ppl) else 1)
