#!/usr/bin/env python3
"""Side-by-side tokenizer throughput: Hugging Face `tokenizers` (single thread) vs `replaceme tokenize`.

Usage (see scripts/bench-tokenizer.sh, which prepares the text and runs the Swift side):
  python bench-tokenizer.py <tokenizer-dir> <text-file> <swift-ids-file> <swift-summary-json>...

Both sides encode the same text the same way: split on "\\n", every line encoded separately with
add_special_tokens=False. HF runs `encode_batch` and `encode_batch_fast` on one thread (RAYON_NUM_THREADS=1, TOKENIZERS_PARALLELISM=false
must be set before Python starts), best of 3 with a fresh tokenizer each time (no warm BPE cache carried over).
The Swift side's ids (written by its last run) must equal HF's ids on every line.
"""
import json
import os
import sys
import time

assert os.environ.get("RAYON_NUM_THREADS") == "1", "run with RAYON_NUM_THREADS=1 (single thread)"
import tokenizers
from tokenizers import Tokenizer

tok_dir, text_path, swift_ids_path = sys.argv[1:4]
swift_summaries = [json.load(open(p)) for p in sys.argv[4:]]
with open(text_path, encoding="utf-8") as f:
    text = f.read()
lines = text.split("\n")
nbytes = len(text.encode("utf-8"))

def best_of_3(method):
    best = None
    for _ in range(3):
        tok = Tokenizer.from_file(os.path.join(tok_dir, "tokenizer.json"))
        t0 = time.perf_counter()
        encs = getattr(tok, method)(lines, add_special_tokens=False)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, [e.ids for e in encs]


# encode_batch_fast skips offset tracking (HF's fastest path); encode_batch is the usual call. The anchor is the
# faster of the two.
best_full, hf_ids = best_of_3("encode_batch")
best_fast, hf_ids_fast = best_of_3("encode_batch_fast")
assert hf_ids_fast == hf_ids
best = min(best_full, best_fast)

with open(swift_ids_path) as f:
    swift_lines = f.read().split("\n")[:-1]
swift_ids = [[int(x) for x in l.split()] for l in swift_lines]
mismatches = [i for i, (a, b) in enumerate(zip(hf_ids, swift_ids)) if a != b]
identical = len(hf_ids) == len(swift_ids) and not mismatches

swift_best = min(s["seconds"] for s in swift_summaries)
hf_mbps = nbytes / 1e6 / best
swift_mbps = nbytes / 1e6 / swift_best
tokens = sum(len(i) for i in hf_ids)
print(f"text: {text_path}: {nbytes} bytes, {len(lines)} lines, {tokens} tokens")
print(f"HF tokenizers {tokenizers.__version__} (1 thread): encode_batch {best_full:.3f} s "
      f"({nbytes / 1e6 / best_full:.2f} MB/s), encode_batch_fast {best_fast:.3f} s ({nbytes / 1e6 / best_fast:.2f} MB/s), best of 3 each")
print(f"replaceme (release, 1 thread):          {swift_best:.3f} s  {swift_mbps:.2f} MB/s  (best of {len(swift_summaries)}; "
      f"tokenizer load {min(s['load_seconds'] for s in swift_summaries):.3f} s)")
print(f"ratio replaceme / HF (faster of the two HF calls, {hf_mbps:.2f} MB/s): {swift_mbps / hf_mbps:.2f}x")
print(f"ids identical on every line: {identical}" + ("" if identical else f" (first mismatching lines: {mismatches[:5]}, "
      f"line counts {len(hf_ids)} vs {len(swift_ids)})"))
sys.exit(0 if identical else 1)
