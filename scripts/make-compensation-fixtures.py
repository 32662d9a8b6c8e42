#!/usr/bin/env python3
"""Goldens for magnitude compensation (`--compensate scale`), from PyTorch, written from the method descriptions
(docs: beyond-replaceme.md, Prune&Comp and the joint closed form); our own code.

From the tiny fixture Tests/PruningTests/Fixtures/tiny-llama-8 (bf16) it writes, next to it:
  tiny-llama-8-f32/                 the same weights in float32 (so folds are not rounded to bf16)
  golden-compensation.json          per case: span, s, relative residual; calibration as the Swift tests use it
  golden-compensation.safetensors   T.<case> (F64 [32, 32], the folded T'/s) and, on the first two calibration
                                    windows (F32 [2, 32, 256]):
                                    prefix.<case>: the model with Prune&Comp's literal fold (embedding and every
                                      o_proj/down_proj before the cut × s, the tied head's final norm ÷ s, the span
                                      removed, T' in the kept block);
                                    suffix.<case>: the fold replaceme writes (prefix untouched, the kept block's
                                      down_proj ← (T'/s)ᵀ·W, every o_proj/down_proj after the span ÷ s).
  The two are the same function up to RMSNorm's ε: the script checks that with ε = 0 they agree to float32
  rounding, and prints how far apart they are with the model's ε.

Independent of the Swift route on purpose: the rows themselves are collected (float32 forward, float64 maths) and
the joint fit is P⊥-projections by least squares (torch.linalg.lstsq), not normal equations from Gram matrices:
  W = L_end − Y, R = Y (kept block's post-attention stream), X = M (its MLP output)
  a = <P⊥R, P⊥W> / ‖P⊥R‖²,  T' = lstsq(X, W − aR),  s = 1 + a
  drop: s = mean_c( mean_t |L_end[t, c]| / mean_t |L_{start−1}[t, c]| )
Usage: $(scripts/python-env.sh torch) scripts/make-compensation-fixtures.py
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replaceme_reference as ref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PruningTests", "Fixtures")
SAMPLES, SEQ_LEN = 8, 32
CASES = {"ls-3-2": ("replaceme", 3, 2), "ls-2-3": ("replaceme", 2, 3), "drop-3-2": ("drop", 3, 2),
         "drop-2-4": ("drop", 2, 4)}


def rows(model, windows, start, n):
    """X = M_{start-1}, Y = Y_{start-1}, L_{start-1}, L_end over every token row, float64 [rows, D] each."""
    layers = model.model.layers
    kept, end = start - 1, start + n - 1
    got = {"x": [], "y": [], "l0": [], "end": []}
    hooks = [
        layers[kept].mlp.register_forward_hook(lambda _m, _i, out: got["x"].append(out.detach())),
        layers[kept].post_attention_layernorm.register_forward_pre_hook(lambda _m, inp: got["y"].append(inp[0].detach())),
        layers[kept].register_forward_hook(lambda _m, _i, out: got["l0"].append(ref.layer_output(out).detach())),
        layers[end].register_forward_hook(lambda _m, _i, out: got["end"].append(ref.layer_output(out).detach())),
    ]
    with torch.no_grad():
        model.model(input_ids=windows, use_cache=False)
    for h in hooks:
        h.remove()
    d = model.config.hidden_size
    return {k: torch.cat(v).reshape(-1, d).double() for k, v in got.items()}


def joint(r):
    x, y, w = r["x"], r["y"], r["end"] - r["y"]
    perp = lambda v: v - x @ torch.linalg.lstsq(x, v).solution  # noqa: E731
    pr, pw = perp(y), perp(w)
    a = float((pr * pw).sum() / (pr * pr).sum())
    t = torch.linalg.lstsq(x, w - a * y).solution
    res = w - a * y - x @ t
    return 1 + a, t, float(res.norm() / w.norm())


def magnitude(r):
    return float((r["end"].abs().mean(0) / r["l0"].abs().mean(0)).mean())


def folded_logits(model_dir, start, n, s, t_prime, ids, fold, eps=None):
    """fold = "prefix": Prune&Comp's literal fold: embedding, o_proj and down_proj of layers < start × s (biases
    too), the kept block's down_proj ← T'ᵀ·W (T' unscaled: its MLP reads a normed input), with a tied head the
    final norm ÷ s. fold = "suffix": o_proj and down_proj of layers ≥ start + n ÷ s, the kept block's down_proj ←
    (T'/s)ᵀ·W. The span removed either way. Returns float32 logits."""
    m = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    if eps is not None:
        for mod in m.modules():
            if hasattr(mod, "variance_epsilon"):
                mod.variance_epsilon = eps
    with torch.no_grad():
        kept = start - 1
        scaled, factor = (range(start), s) if fold == "prefix" else (range(start + n, len(m.model.layers)), 1 / s)
        for k in scaled:
            layer = m.model.layers[k]
            for lin in (layer.self_attn.o_proj, layer.mlp.down_proj):
                lin.weight.mul_(factor)
                if lin.bias is not None:
                    lin.bias.mul_(factor)
        if t_prime is not None:
            down = m.model.layers[kept].mlp.down_proj
            w = down.weight.double() / (s if fold == "prefix" else 1)
            down.weight.copy_(((t_prime if fold == "prefix" else t_prime / s).T @ w).float())
        if fold == "prefix":
            m.model.embed_tokens.weight.mul_(s)
            if m.config.tie_word_embeddings:
                m.model.norm.weight.div_(s)
                m.lm_head.weight = m.model.embed_tokens.weight
        m.model.layers = torch.nn.ModuleList([l for k, l in enumerate(m.model.layers) if not start <= k < start + n])
        m.config.num_hidden_layers = len(m.model.layers)
        for i, l in enumerate(m.model.layers):
            l.self_attn.layer_idx = i
        return m(input_ids=ids, use_cache=False).logits.float()


def main():
    torch.manual_seed(0)
    src = os.path.join(ROOT, "tiny-llama-8")
    f32 = os.path.join(ROOT, "tiny-llama-8-f32")
    model = transformers.AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32).eval()
    model.save_pretrained(f32, safe_serialization=True)
    with open(os.path.join(f32, "tokenizer_config.json"), "w") as f:
        json.dump({"comment": "no tokenizer: calibration for this fixture is pre-tokenized"}, f)
    windows = ref.load_windows(os.path.join(ROOT, "calibration.jsonl"), SAMPLES, SEQ_LEN)
    golden = {"samples": SAMPLES, "seq_len": SEQ_LEN, "torch": torch.__version__,
              "transformers": transformers.__version__, "cases": {}}
    tensors = {}
    for name, (method, start, n) in CASES.items():
        r = rows(model, windows, start, n)
        if method == "replaceme":
            s, t_prime, residual = joint(r)
            tensors[f"T.{name}"] = (t_prime / s).contiguous()
        else:
            s, t_prime, residual = magnitude(r), None, None
        logits = {fold: folded_logits(f32, start, n, s, t_prime, windows[:2], fold) for fold in ("prefix", "suffix")}
        for fold, v in logits.items():
            tensors[f"{fold}.{name}"] = v.contiguous()
        rel = lambda a, b: float((a - b).norm() / b.norm())  # noqa: E731
        apart = rel(logits["suffix"], logits["prefix"])
        apart0 = rel(folded_logits(f32, start, n, s, t_prime, windows[:2], "suffix", eps=0.0),
                     folded_logits(f32, start, n, s, t_prime, windows[:2], "prefix", eps=0.0))
        if apart0 > 1e-5:
            sys.exit(f"{name}: with eps = 0 the folds differ by {apart0:.2e}: they are not the same function")
        golden["cases"][name] = {"method": method, "start": start, "n": n, "scale": s, "relative_residual": residual,
                                 "folds_apart": apart, "folds_apart_eps0": apart0}
        print(name, f"s = {s:.6f}", f"residual = {residual}", f"suffix vs prefix {apart:.2e} (eps = 0: {apart0:.2e})")
    with open(os.path.join(ROOT, "golden-compensation.json"), "w") as f:
        json.dump(golden, f, indent=1)
    save_file(tensors, os.path.join(ROOT, "golden-compensation.safetensors"))


if __name__ == "__main__":
    main()
