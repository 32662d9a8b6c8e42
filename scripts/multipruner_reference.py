#!/usr/bin/env python3
"""Our PyTorch port of MultiPruner's search (and BlockPruner's, its first stage), written from
../shared/reference/multipruner-algorithm.md (what IntelLabs' run_multipruner.py computes), not from its code.

On a Hugging Face Llama/Qwen2 checkpoint, in float32 on the CPU, with transformers' own modules:
  importance (once, weight-only, float64): MLP channel j: |W_gate[j]|_1 + |W_up[j]|_1; KV group G: the mean over
    its g*hd query rows r of |W_q[r]|_1 + |W_k[kv(r)]|_1 + |W_v[kv(r)]|_1 (kv(r) = G*hd + r mod hd); orders by
    descending score, ties by the lower index; a layer keeping m channels keeps the first m of its order;
  a removed attention / MLP sub-block is replaced by a module returning zeros (h = h + 0: the sub-block and its
    residual skipped); kept channels / KV groups are slices of the Linear layers (eager attention; the query heads
    of a kept group with it);
  PPL = exp(mean over windows of the mean NLL of tokens 1..T-1 of each window);
  stage 1 candidates: attention of every layer still having it, then MLP, by layer; stage 2: one group of
    `mlp_group` channels from every layer whose MLP remains and keeps more than one group; stage 3: `kv_groups`
    KV groups from every layer whose attention remains and keeps more; argmin with strict <, NaN never chosen;
  cumulative targets T1 = R d0, T2 = R (d0 + d1), T3 = R; parameters as MultiPruner counts them (every norm,
    embeddings, untied head).
Usage: $(scripts/python-env.sh torch) scripts/multipruner_reference.py MODEL_DIR --ratio R --windows ids.jsonl
       [--distribution 44:52:4] [--mlp-group N] [--kv-groups 1] [--variant multipruner|blockpruner] [--json OUT]
ids.jsonl: one {"ids": [...]} per calibration window (`replaceme prune --export-ids` writes it).
"""
import argparse
import copy
import json
import math
import time

import torch
import transformers


class Zero(torch.nn.Module):
    """A removed sub-block: contributes nothing to the residual stream."""

    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, hidden_states, *args, **kwargs):
        z = torch.zeros_like(hidden_states)
        return (z, None) if self.attention else z


def importance(model):
    cfg = model.config
    hd = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    kv, g = cfg.num_key_value_heads, cfg.num_attention_heads // cfg.num_key_value_heads
    mlp_order, kv_order = [], []
    for layer in model.model.layers:
        l1 = lambda lin: lin.weight.double().abs().sum(1)  # noqa: E731
        s = l1(layer.mlp.gate_proj) + l1(layer.mlp.up_proj)
        q, k, v = l1(layer.self_attn.q_proj), l1(layer.self_attn.k_proj), l1(layer.self_attn.v_proj)
        groups = []
        for G in range(kv):
            qm = q[G * g * hd:(G + 1) * g * hd].mean()
            kvm = (k[G * hd:(G + 1) * hd] + v[G * hd:(G + 1) * hd]).mean()
            groups.append(float(qm + kvm))
        desc = lambda vals: sorted(range(len(vals)), key=lambda i: (-vals[i], i))  # noqa: E731
        mlp_order.append(desc([float(x) for x in s]))
        kv_order.append(desc(groups))
    return mlp_order, kv_order, hd, g


def sliced(lin, rows=None, cols=None):
    """A new Linear holding rows `rows` (outputs) or columns `cols` (inputs) of `lin`."""
    w = lin.weight.data
    w = w[rows] if rows is not None else w[:, cols]
    new = torch.nn.Linear(w.shape[1], w.shape[0], bias=lin.bias is not None)
    new.weight.data = w.clone()
    if lin.bias is not None:
        new.bias.data = (lin.bias.data[rows] if rows is not None else lin.bias.data).clone()
    return new


def build(dense, state, orders):
    """Edits `dense` in place to the model `state` describes (modules swapped, as MultiPruner masks them) and
    returns a function restoring it."""
    mlp_order, kv_order, hd, g = orders
    cfg = dense.config
    saved = []

    def swap(obj, name, new):
        saved.append((obj, name, getattr(obj, name)))
        setattr(obj, name, new)

    for l, layer in enumerate(dense.model.layers):
        if not state["attn"][l]:
            swap(layer, "self_attn", Zero(True))
        elif state["kv"][l] < cfg.num_key_value_heads:
            groups = sorted(kv_order[l][:state["kv"][l]])
            qrows = [G * g * hd + i for G in groups for i in range(g * hd)]
            kvrows = [G * hd + i for G in groups for i in range(hd)]
            a = layer.self_attn
            swap(a, "q_proj", sliced(a.q_proj, rows=qrows))
            swap(a, "k_proj", sliced(a.k_proj, rows=kvrows))
            swap(a, "v_proj", sliced(a.v_proj, rows=kvrows))
            swap(a, "o_proj", sliced(a.o_proj, cols=qrows))
        if not state["mlp"][l]:
            swap(layer, "mlp", Zero(False))
        elif state["width"][l] < cfg.intermediate_size:
            ch = sorted(mlp_order[l][:state["width"][l]])
            mlp = layer.mlp
            swap(mlp, "gate_proj", sliced(mlp.gate_proj, rows=ch))
            swap(mlp, "up_proj", sliced(mlp.up_proj, rows=ch))
            swap(mlp, "down_proj", sliced(mlp.down_proj, cols=ch))

    def restore():
        for obj, name, old in reversed(saved):
            setattr(obj, name, old)
    return restore


def ppl(model, windows, batch=4):
    """exp(mean over windows of each window's mean NLL of tokens 1..T-1), windows in batches of `batch`."""
    nll = []
    with torch.no_grad():
        for b in range(0, len(windows), batch):
            ids = torch.tensor(windows[b:b + batch])
            logits = model(input_ids=ids, use_cache=False).logits[:, :-1].double()
            per_token = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none")
            nll.extend(float(x) for x in per_token.mean(1))
    mean = sum(nll) / len(nll)
    return math.exp(mean) if math.isfinite(mean) else float("nan")


def parameters(cfg, state, hd, g):
    h, v = cfg.hidden_size, cfg.vocab_size
    qkv_bias = bool(getattr(cfg, "attention_bias", False)) or cfg.model_type == "qwen2"
    o_bias = bool(getattr(cfg, "attention_bias", False)) and cfg.model_type != "qwen2"
    mlp_bias = bool(getattr(cfg, "mlp_bias", False))
    total = v * h * (1 if cfg.tie_word_embeddings else 2) + h
    for l in range(cfg.num_hidden_layers):
        total += 2 * h
        if state["attn"][l]:
            w = state["kv"][l] * g * hd
            total += 2 * h * w + 2 * h * (w // g) + ((w + 2 * (w // g)) if qkv_bias else 0) + (h if o_bias else 0)
        if state["mlp"][l]:
            m = state["width"][l]
            total += 3 * h * m + ((2 * m + h) if mlp_bias else 0)
    return total


def search(dense, windows, ratio, distribution, mlp_group, kv_step, variant):
    cfg = dense.config
    orders = importance(dense)
    _, _, hd, g = orders
    L = cfg.num_hidden_layers
    state = {"attn": [True] * L, "mlp": [True] * L, "width": [cfg.intermediate_size] * L, "kv": [cfg.num_key_value_heads] * L}
    p0 = parameters(cfg, state, hd, g)
    removed = lambda s: 1 - parameters(cfg, s, hd, g) / p0  # noqa: E731
    d = [x / sum(distribution) for x in distribution]
    targets = [ratio] if variant == "blockpruner" else [ratio * d[0], ratio * (d[0] + d[1]), ratio]
    steps, evaluations = [], 0
    for stage, target in enumerate(targets, 1):
        while removed(state) < target:
            if stage == 1:
                cands = [("attn", l) for l in range(L) if state["attn"][l]] + [("mlp", l) for l in range(L) if state["mlp"][l]]
                cands = [c for c in cands if sum(1 for l in range(L) if (state["attn"][l] or state["mlp"][l]) and
                                                 not (l == c[1] and not (state["mlp" if c[0] == "attn" else "attn"][l]))) > 0]
            elif stage == 2:
                cands = [("width", l) for l in range(L) if state["mlp"][l] and state["width"][l] - mlp_group > 0]
            else:
                cands = [("kv", l) for l in range(L) if state["attn"][l] and state["kv"][l] - kv_step > 0]
            if not cands:
                break
            best, best_ppl = None, float("inf")
            for kind, l in cands:
                trial = copy.deepcopy(state)
                if kind in ("attn", "mlp"):
                    trial[kind][l] = False
                else:
                    trial[kind][l] -= mlp_group if kind == "width" else kv_step
                restore = build(dense, trial, orders)
                p = ppl(dense, windows)
                restore()
                evaluations += 1
                if p < best_ppl:
                    best, best_ppl = (kind, l, trial), p
            if best is None:
                break
            kind, l, state = best
            steps.append({"stage": stage, "kind": {"attn": "attention", "mlp": "mlp", "width": "mlp_channels", "kv": "kv_groups"}[kind],
                          "layer": l, "perplexity": best_ppl, "ratio": removed(state)})
    return state, steps, evaluations


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--ratio", type=float, required=True)
    ap.add_argument("--windows", required=True)
    ap.add_argument("--distribution", default="44:52:4")
    ap.add_argument("--mlp-group", type=int)
    ap.add_argument("--kv-groups", type=int, default=1)
    ap.add_argument("--variant", default="multipruner", choices=["multipruner", "blockpruner"])
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    dense = transformers.AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32, attn_implementation="eager").eval()
    windows = [json.loads(line)["ids"] for line in open(a.windows) if line.strip()]
    group = a.mlp_group or dense.config.intermediate_size // 8
    t = time.time()
    state, steps, evaluations = search(dense, windows, a.ratio, [float(x) for x in a.distribution.split(":")], group,
                                       a.kv_groups, a.variant)
    seconds = time.time() - t
    out = {"steps": steps, "state": state, "evaluations": evaluations, "seconds": seconds,
           "dense_perplexity": ppl(dense, windows), "torch": torch.__version__, "transformers": transformers.__version__}
    for i, s in enumerate(steps, 1):
        print(f"{i:3d}. stage {s['stage']}: {s['kind']} {s['layer']}  ppl {s['perplexity']:.4f}  {100 * s['ratio']:.2f}%")
    print(f"{evaluations} evaluations in {seconds:.1f} s ({evaluations / seconds:.2f} candidates/s)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
