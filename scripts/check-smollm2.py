#!/usr/bin/env python3
"""Sanity check of a converted SmolLM2 checkpoint with Hugging Face transformers (PyTorch, CPU).

Prints a greedy chat completion and the perplexity of a short encyclopedic paragraph (written for this check),
so a broken conversion (wrong q/k permutation, transposed weights, bad tokenizer) shows at once: it gives
gibberish and perplexity in the hundreds or more. Usage: check-smollm2.py [checkpoint-dir ...]
"""
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


def check(path):
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
    return math.exp(loss)


if __name__ == "__main__":
    paths = sys.argv[1:] or ["models/smollm2-135m-fp32"]
    ppl = [check(p) for p in paths]
    sys.exit(0 if all(p < 60 for p in ppl) else 1)
