#!/usr/bin/env python3
"""ReplaceMe's cosine estimator in PyTorch, written from the method description (docs: replaceme-algorithm.md,
cosine variant; the published `adam_method`): our own port, to check `replaceme prune --estimator cosine` against.

  surrogate:  loss(T) = 1 - mean_i cos(x_i T, z_i),        z = L_end - Y
  accurate:   loss(T) = 1 - mean_i cos(x_i T + y_i, l_i),  l = L_end
  torch.optim.Adam(lr, betas (0.9, 0.999), eps 1e-8) on T with autograd (not the Swift tool's analytic
  gradient), minibatches of `batch` rows in the order of RowShuffle (SplitMix64 Fisher-Yates, below; a fresh
  permutation of 0..N-1 every epoch), the last batch partial; T0 = I (the published start) or given.

As a command it runs the published procedure (or --start ls) on rows collected from a Hugging Face model with
the calibration windows `replaceme prune --export-ids` wrote, and prints T's loss before/after (and writes T):
  $(scripts/python-env.sh torch) scripts/cosine_reference.py MODEL --ids ids.jsonl --samples 64 --seq-len 1024 \
      --start-layer S --layers N [--start identity|ls] [--objective surrogate|accurate] [--dtype float32|float64] \
      [--transform-out T.safetensors]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replaceme_reference as ref  # noqa: E402

MASK = (1 << 64) - 1


class RowShuffle:
    """SplitMix64 driving Fisher-Yates, as Sources/Pruning/Estimation/RowShuffle.swift documents it."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.next() % (i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def cosine_loss(u, v):
    return 1 - ((u / u.norm(dim=1, keepdim=True)) * (v / v.norm(dim=1, keepdim=True))).sum(dim=1).mean()


def fit(x, target, residual=None, t0=None, lr=1e-4, epochs=10, batch=1024, seed=0, dtype=torch.float64):
    """T minimising the cosine loss; x, target, residual: [N, D] (residual given: the accurate objective, with
    target = L_end; else target = Z). Returns (T, loss at T0, loss at T) over all rows."""
    x, target = x.to(dtype), target.to(dtype)
    residual = None if residual is None else residual.to(dtype)
    n, d = x.shape
    t = (torch.eye(d, dtype=dtype) if t0 is None else t0.to(dtype).clone()).requires_grad_(True)
    opt = torch.optim.Adam([t], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    shuffle = RowShuffle(seed)

    def predict(idx, tt):
        u = x[idx] @ tt
        return u if residual is None else u + residual[idx]

    with torch.no_grad():
        start = float(cosine_loss(predict(slice(None), t), target))
    for _ in range(epochs):
        order = torch.tensor(shuffle.permutation(n))
        for first in range(0, n, batch):
            idx = order[first:first + batch]
            opt.zero_grad()
            loss = cosine_loss(predict(idx, t), target[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        end = float(cosine_loss(predict(slice(None), t), target))
    return t.detach(), start, end


def least_squares(x, z):
    """T0 = argmin ||X T - Z|| in float64 (torch.linalg.lstsq, not normal equations)."""
    return torch.linalg.lstsq(x.double(), z.double()).solution


def rescale(x, z, t):
    """alpha = <X T, Z> / ||X T||^2 (float64, from the rows): the scalar fitting alpha X T to Z by least squares."""
    u = x.double() @ t.double()
    return float((u * z.double()).sum() / (u * u).sum())


def span_rows(model, windows, start, n, final_norm_quirk=False):
    """x = M_{start-1}, y = Y_{start-1}, end = L_{start+n-1} over every token row of `windows`, float32 [rows, D]."""
    layers = model.model.layers
    kept, last = start - 1, start + n - 1
    got = {"x": [], "y": [], "end": []}
    hooks = [
        layers[kept].mlp.register_forward_hook(lambda _m, _i, out: got["x"].append(out.detach())),
        layers[kept].post_attention_layernorm.register_forward_pre_hook(lambda _m, inp: got["y"].append(inp[0].detach())),
        layers[last].register_forward_hook(lambda _m, _i, out: got["end"].append(ref.layer_output(out).detach())),
    ]
    with torch.no_grad():
        for b in ref.batches(windows):
            model.model(input_ids=b, use_cache=False)
    for h in hooks:
        h.remove()
    d = model.config.hidden_size
    rows = {k: torch.cat([t.reshape(-1, d) for t in v]).float() for k, v in got.items()}
    if final_norm_quirk and last == len(layers) - 1:
        with torch.no_grad():
            rows["end"] = model.model.norm(rows["end"])
    return rows


def main():
    import transformers
    from safetensors.torch import save_file
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--ids", required=True)
    p.add_argument("--samples", type=int, default=64)
    p.add_argument("--seq-len", type=int, default=1024)
    p.add_argument("--start-layer", type=int, required=True, help="first removed layer (0-based)")
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--start", choices=["identity", "ls"], default="identity")
    p.add_argument("--objective", choices=["surrogate", "accurate"], default="surrogate")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rescale", action="store_true", help="multiply the surrogate's T by rescale() (ours by default)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--transform-out")
    p.add_argument("--dump")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    began = time.time()
    model = transformers.AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    windows = ref.load_windows(a.ids, a.samples, a.seq_len)
    rows = span_rows(model, windows, a.start_layer, a.layers)
    z = rows["end"] - rows["y"]
    t0 = least_squares(rows["x"], z) if a.start == "ls" else None
    collected = time.time()
    dtype = getattr(torch, a.dtype)
    if a.objective == "surrogate":
        t, start, end = fit(rows["x"], z, t0=t0, lr=a.lr, epochs=a.epochs, batch=a.batch, seed=a.seed, dtype=dtype)
    else:
        t, start, end = fit(rows["x"], rows["end"], rows["y"], t0=t0, lr=a.lr, epochs=a.epochs, batch=a.batch,
                            seed=a.seed, dtype=dtype)
    fitted = time.time()
    result = {"loss_start": start, "loss_end": end, "rows": rows["x"].shape[0], "collect_seconds": collected - began,
              "fit_seconds": fitted - collected}
    if a.rescale and a.objective == "surrogate":
        result["alpha"] = rescale(rows["x"], z, t)
        t = t.double() * result["alpha"]
    print(json.dumps(result))
    if a.transform_out:
        save_file({"T.0": t.double().contiguous()}, a.transform_out)
    if a.dump:
        with open(a.dump, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
