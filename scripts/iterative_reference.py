#!/usr/bin/env python3
"""Iterative ReplaceMe (`replaceme prune --iterative STEP [--targets edited|dense]`) in PyTorch, our own port
written from the description (docs: beyond-replaceme.md, iterative removal), on replaceme_reference.py's stages.

Each round, on the model pruned so far (a real, shorter transformers model: earlier spans physically removed and
their T folded into down_proj), removes STEP blocks (the last round fewer): the distance table for windows of
that length, the lowest window, least-squares statistics (X = M_{s-1}, Z = target - Y_{s-1}) and T by Cholesky,
T folded (float64 product, cast to the model's dtype), the window's layers removed.
  targets edited: the target is the pruned-so-far model's own L_{s+n-1}
  targets dense:  the target is the dense model's output at the same original layer (both models run per batch)
Returns per round: the original layers removed, the original kept layer, the distance, the relative residual.
"""
import copy
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replaceme_reference as ref  # noqa: E402


def dense_statistics(cur, dense, windows, s, n, kept):
    """G, C, ||Z||^2, ||L||^2 with X, Y from `cur` and the target from `dense` at original layer kept[s + n - 1]."""
    d = cur.config.hidden_size
    st = {"G": torch.zeros(d, d, dtype=torch.float64), "C": torch.zeros(d, d, dtype=torch.float64),
          "zz": 0.0, "ll": 0.0, "rows": 0}
    got = {}
    hooks = [
        dense.model.layers[kept[s + n - 1]].register_forward_hook(lambda _m, _i, out: got.__setitem__("t", ref.layer_output(out))),
        cur.model.layers[s - 1].mlp.register_forward_hook(lambda _m, _i, out: got.__setitem__("m", out)),
        cur.model.layers[s - 1].post_attention_layernorm.register_forward_pre_hook(lambda _m, inp: got.__setitem__("y", inp[0])),
    ]
    with torch.no_grad():
        for b in ref.batches(windows):
            dense.model(input_ids=b, use_cache=False)
            cur.model(input_ids=b, use_cache=False)
            x = got["m"].reshape(-1, d).double()
            t = got["t"].reshape(-1, d).double()
            z = t - got["y"].reshape(-1, d).double()
            st["G"] += x.T @ x
            st["C"] += x.T @ z
            st["zz"] += float((z ** 2).sum())
            st["ll"] += float((t ** 2).sum())
            st["rows"] += x.shape[0]
    for h in hooks:
        h.remove()
    return st


def iterate(model, windows, total, step, targets="edited"):
    """Returns (rounds, pruned model)."""
    cur = copy.deepcopy(model)
    kept = list(range(len(model.model.layers)))
    rounds, removed = [], 0
    while removed < total:
        n = min(step, total - removed)
        L = len(cur.model.layers)
        table = ref.distance_table(cur, windows, n, False, False)
        [[s, _]] = ref.select_spans(table[n - 1], n, 1, L)
        if targets == "dense" and removed > 0:
            st = dense_statistics(cur, model, windows, s, n, kept)
        else:
            st = ref.ls_statistics(cur, windows, [(s, n)], False)[0]
        t, info = ref.solve(st, 0.0)
        with torch.no_grad():
            w = cur.model.layers[s - 1].mlp.down_proj.weight
            w.data = (t.T @ w.data.double()).to(w.dtype)
        rounds.append({"layers": kept[s:s + n], "kept": kept[s - 1], "distance": table[n - 1][s - 1],
                       "relative_residual": info["relative_residual"]})
        cur.model.layers = torch.nn.ModuleList([l for j, l in enumerate(cur.model.layers) if not s <= j < s + n])
        for i, l in enumerate(cur.model.layers):
            l.self_attn.layer_idx = i
        cur.config.num_hidden_layers = len(cur.model.layers)
        kept = kept[:s] + kept[s + n:]
        removed += n
    return rounds, cur
