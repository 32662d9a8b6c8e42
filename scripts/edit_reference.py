"""Pruning-plan edits done by hand on a Hugging Face Llama/Qwen2 model in PyTorch: the independent reference for
`replaceme perplexity --plan` (LlamaModel.forward(edit:)). Physically smaller modules, not masks:

  drop block k        the decoder layer is deleted from model.model.layers
  drop attention k    layer.self_attn returns zeros (the residual passes through)
  drop mlp k          layer.mlp returns zeros
  mlp_channels C      gate/up keep rows C, down keeps columns C (new, narrower nn.Linear modules)
  kv_groups K         k/v keep the rows of groups K, q the rows of their query heads, o_proj the matching columns
  transform T, s      folded as the plan format defines it: W_down <- s*T^T*W_down, b_down <- s*T^T*b_down,
                      W_o <- s*W_o, b_o <- s*b_o, in float64, then rounded once to the checkpoint's dtype

A plan is the JSON format of Sources/Pruning/Planning/PruningPlan.swift (version 1); transforms are read from
the safetensors file it names.
"""
import json
import os

import torch
from safetensors.torch import load_file


class Zero(torch.nn.Module):
    """Returns zeros shaped like the input (a dropped sub-block); for attention, HF unpacks (output, weights)."""

    def __init__(self, attention):
        super().__init__()
        self.attention = attention

    def forward(self, hidden_states=None, *args, **kwargs):
        z = torch.zeros_like(hidden_states)
        return (z, None) if self.attention else z


def narrowed(linear, rows=None, cols=None):
    w = linear.weight.data
    b = linear.bias.data if linear.bias is not None else None
    if rows is not None:
        w = w[rows]
        b = b[rows] if b is not None else None
    if cols is not None:
        w = w[:, cols]
    out = torch.nn.Linear(w.shape[1], w.shape[0], bias=b is not None, dtype=w.dtype)
    out.weight.data = w.clone()
    if b is not None:
        out.bias.data = b.clone()
    return out


def fold(linear, scale, t, storage_dtype):
    """W <- s*T^T*W (or s*W), b likewise, in float64, rounded once to storage_dtype, kept in the module's dtype."""
    w = linear.weight.data.double()
    w = scale * (t.T @ w if t is not None else w)
    linear.weight.data = w.to(storage_dtype).to(linear.weight.dtype)
    if linear.bias is not None:
        b = linear.bias.data.double()
        b = scale * (t.T @ b if t is not None else b)
        linear.bias.data = b.to(storage_dtype).to(linear.bias.dtype)


def read_plan(path):
    with open(path) as f:
        plan = json.load(f)
    transforms = {}
    if "transforms" in plan:
        transforms = load_file(os.path.join(os.path.dirname(path), plan["transforms"]))
    return plan, transforms


def apply_plan(model, plan, transforms, storage_dtype):
    """Edits `model` in place as `plan` says and returns it."""
    cfg = model.config
    heads, kv = cfg.num_attention_heads, cfg.num_key_value_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // heads
    group = heads // kv
    layers = model.model.layers
    dropped = []
    for e in plan["layers"]:
        k = e["layer"]
        layer = layers[k]
        drop = e.get("drop")
        if drop == "block":
            dropped.append(k)
            continue
        if drop == "attention":
            layer.self_attn = Zero(attention=True)
        if drop == "mlp":
            layer.mlp = Zero(attention=False)
        if "mlp_channels" in e:
            c = torch.tensor(e["mlp_channels"])
            layer.mlp.gate_proj = narrowed(layer.mlp.gate_proj, rows=c)
            layer.mlp.up_proj = narrowed(layer.mlp.up_proj, rows=c)
            layer.mlp.down_proj = narrowed(layer.mlp.down_proj, cols=c)
        if "kv_groups" in e:
            g = e["kv_groups"]
            kv_rows = torch.tensor([r for x in g for r in range(x * head_dim, (x + 1) * head_dim)])
            q_rows = torch.tensor([r for x in g for h in range(x * group, (x + 1) * group)
                                   for r in range(h * head_dim, (h + 1) * head_dim)])
            a = layer.self_attn
            a.q_proj = narrowed(a.q_proj, rows=q_rows)
            a.k_proj = narrowed(a.k_proj, rows=kv_rows)
            a.v_proj = narrowed(a.v_proj, rows=kv_rows)
            a.o_proj = narrowed(a.o_proj, cols=q_rows)
        scale = e.get("residual_scale", 1.0)
        t = transforms[e["transform"]].double() if "transform" in e else None
        if scale != 1.0 or t is not None:
            if scale != 1.0 and drop != "attention":
                fold(layer.self_attn.o_proj, scale, None, storage_dtype)
            if drop != "mlp":
                fold(layer.mlp.down_proj, scale, t, storage_dtype)
    for k in sorted(dropped, reverse=True):
        del layers[k]
    model.config.num_hidden_layers = len(layers)
    return model
