#!/usr/bin/env python3
"""The edited model on a real checkpoint against PyTorch with the same edits done by hand
(scripts/edit_reference.py): plans that drop only attention sub-blocks, only MLP sub-blocks, and keep half the
MLP channels of one layer. For each: `replaceme perplexity CKPT --plan PLAN` against transformers (fp32) on the
edited model, same tokens and windows; the dense model's own parity is printed first as the floor.

  $(scripts/python-env.sh torch) scripts/check-edits-torch.py --bin .build/release/replaceme \
      [--model models/smollm2-135m-fp32] [--text calibration-samples/eval/botchan.txt] [--max-tokens 4092]
"""
import copy
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile

import torch
import transformers

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import edit_reference as er  # noqa: E402

spec = importlib.util.spec_from_file_location("check_perplexity", os.path.join(here, "check-perplexity.py"))
cp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cp)


def torch_perplexity(model, ids, seq_len, bos, max_tokens):
    total, scored = 0.0, 0
    with torch.no_grad():
        for w in cp.windows(ids, seq_len, bos, max_tokens):
            x = torch.tensor([w])
            logp = torch.log_softmax(model(input_ids=x, use_cache=False).logits[0, :-1].float(), dim=-1)
            nll = -logp.gather(1, x[0, 1:, None])[:, 0]
            total += nll.double().sum().item()
            scored += nll.numel()
    return math.exp(total / scored)


def main():
    p = cp.arguments(__doc__)
    p.set_defaults(model=os.path.join(here, "..", "models", "smollm2-135m-fp32"),
                   text=os.path.join(here, "..", "calibration-samples", "eval", "botchan.txt"))
    p.add_argument("--max-tokens", type=int, default=4092)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    n_layers, inter = cfg["num_hidden_layers"], cfg["intermediate_size"]
    dims = {k: cfg[k] for k in ("num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads",
                                "num_key_value_heads")}
    mid = n_layers // 2
    plans = {
        "attention-only": [{"layer": k, "drop": "attention"} for k in (mid - 5, mid, mid + 5)],
        "mlp-only": [{"layer": k, "drop": "mlp"} for k in (mid - 3, mid + 3)],
        "half-channels": [{"layer": mid - 1, "mlp_channels": list(range(0, inter, 2))}],
    }
    ids = cp.read_ids(a.model, a.text)
    bos = cfg.get("bos_token_id")
    base = transformers.AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    storage = {"float32": torch.float32, "bfloat16": torch.bfloat16}.get(cfg.get("torch_dtype") or cfg.get("dtype"), torch.float32)

    def ours(extra):
        cmd = [a.bin, "perplexity", a.model, "--text", a.text, "--seq-len", str(a.seq_len),
               "--max-tokens", str(a.max_tokens), "--json"] + extra
        return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout)["perplexity"]

    rows = [("dense", ours([]), torch_perplexity(base, ids, a.seq_len, bos, a.max_tokens))]
    with tempfile.TemporaryDirectory() as tmp:
        for name, layers in plans.items():
            path = os.path.join(tmp, name + ".json")
            with open(path, "w") as f:
                json.dump({"format": "replaceme-plan", "version": 1, "model": dims, "method": "by-hand",
                           "layers": layers}, f)
            plan, transforms = er.read_plan(path)
            edited = er.apply_plan(copy.deepcopy(base), plan, transforms, storage)
            rows.append((name, ours(["--plan", path]), torch_perplexity(edited, ids, a.seq_len, bos, a.max_tokens)))
    print(f"model {a.model}, text {a.text}, {a.max_tokens} tokens in windows of {a.seq_len}")
    print(f"{'plan':16}{'replaceme':>12}{'PyTorch':>12}{'relative':>11}")
    for name, x, y in rows:
        print(f"{name:16}{x:12.5f}{y:12.5f}{abs(x - y) / y:11.2e}")


if __name__ == "__main__":
    main()
