#!/usr/bin/env python3
"""Forward-pass throughput, side by side in one run: PyTorch fp32 (2 threads) against `replaceme`, on the same
token windows of a real text, with the vocabulary projection + NLL (perplexity) and without it (layers only,
what calibration needs). Use scripts/bench-forward.sh, which builds the release binary first.
Ours is timed by the binary itself (forward + NLL, weight conversion excluded as it is for PyTorch's load);
PyTorch gets one untimed warm-up window. On a shared machine, read the load average printed with the table.
"""
import json
import os
import subprocess
import sys
import time

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module  # noqa: E402

shared = import_module("check-perplexity")


def torch_run(model, ws, with_logits):
    start = time.time()
    with torch.no_grad():
        for w in ws:
            x = torch.tensor([w])
            if with_logits:
                logits = model(input_ids=x, use_cache=False).logits[0]
                torch.nn.functional.cross_entropy(logits[:-1], x[0, 1:])
            else:
                model.model(input_ids=x, use_cache=False)
    return len(ws) * len(ws[0]) / (time.time() - start)


def ours(binary, model, text, seq_len, max_tokens, layers_only):
    cmd = [binary, "perplexity", model, "--text", text, "--seq-len", str(seq_len), "--max-tokens", str(max_tokens),
           "--json"] + (["--layers-only"] if layers_only else [])
    print("$ " + " ".join(cmd), file=sys.stderr)
    r = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)
    return r["tokens_per_second"]


def main():
    p = shared.arguments(__doc__)
    p.add_argument("--windows", type=int, default=8)
    p.add_argument("--repeats", type=int, default=2, help="alternating runs per side; the best is reported")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    config = transformers.AutoConfig.from_pretrained(a.model)
    ids = shared.read_ids(a.model, a.text)
    max_tokens = a.windows * (a.seq_len - (1 if config.bos_token_id is not None else 0))
    ws = shared.windows(ids, a.seq_len, config.bos_token_id, max_tokens)
    assert len(ws) == a.windows, f"text too short for {a.windows} windows"
    model = transformers.AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    torch_run(model, ws[:1], True)  # warm-up (not timed)

    rows = []
    for label, logits in (("with logits + NLL", True), ("layers only", False)):
        t = o = 0.0
        for _ in range(a.repeats):  # alternate the two sides so that both see the same machine load
            t = max(t, torch_run(model, ws, logits))
            o = max(o, ours(a.bin, a.model, a.text, a.seq_len, max_tokens, not logits))
        rows.append((label, t, o))
    print(f"model {a.model}, {a.windows} windows x {a.seq_len} tokens, best of {a.repeats} alternating runs, "
          f"torch {torch.__version__} threads {a.threads}, load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"{'forward':20}{'PyTorch tok/s':>15}{'replaceme tok/s':>17}{'ratio':>8}")
    for label, t, o in rows:
        print(f"{label:20}{t:15.1f}{o:17.1f}{o / t:8.2f}x")


if __name__ == "__main__":
    main()
