#!/usr/bin/env python3
"""ReplaceMe in PyTorch/numpy, written from the method description (docs: replaceme-algorithm.md), to check and
time the Swift tool against. Our own code; no reference implementation is copied.

Pipeline (same choices as `replaceme prune`, see Sources/Pruning):
  calibration  pre-tokenized JSONL ({"ids": [...]} per line), concatenated and cut into --samples windows of
               --seq-len ids (export the Swift tool's exact windows with `replaceme prune ... --export-ids FILE`)
  pass 1       forward of model.model (no lm_head) with hooks on every decoder layer; angular distance
               arccos(clamp(cos, -1, 1))/pi between L_{s-1} and L_{s+n-1} at each sample's last token (or all
               tokens), averaged over samples, for every n in 1..max-n and start s in 1..L-n
  selection    K lowest non-overlapping windows (stable ties), adjacent ones merged; or --start
  pass 2       forward up to the last removed layer; X = M_{s-1} (output of layers[s-1].mlp), Y = input of
               layers[s-1].post_attention_layernorm, L_end = output of layers[s+n-1]; every token row;
               G = sum X^T X, C = sum X^T (L_end - Y) in float64; T = solve(G + ridge*I, C) by Cholesky
  fold         down_proj(s-1) <- T^T . W in float64, cast to the checkpoint dtype; drop the span's layers;
               save_pretrained (transformers renumbers layers and rewrites num_hidden_layers)
Quirk options: --final-norm-quirk uses RMSNorm_final(L_{L-1}) for the last layer (HF hidden_states[-1]).

Usage:
  $(scripts/python-env.sh torch) scripts/replaceme_reference.py MODEL_DIR --ids calib.jsonl --samples 64 --seq-len 1024 \
      --layers 8 [--output OUT_DIR] [--dump result.json] [--transform-out T.safetensors] [--threads 2]
Prints phase timings, total wall time and peak RSS (also in --dump).
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import torch


class StopForward(Exception):
    """Raised by a hook to end a forward pass early (after the last layer pass 2 needs)."""


def layer_output(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def load_windows(path, samples, seq_len):
    stream = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            stream.extend(int(i) for i in obj["ids"])
            if len(stream) >= samples * seq_len:
                break
    if len(stream) < samples * seq_len:
        sys.exit(f"calibration has {len(stream)} ids, fewer than {samples} x {seq_len}")
    return torch.tensor(stream[: samples * seq_len], dtype=torch.long).view(samples, seq_len)


def batches(windows, target_rows=8192):
    per = max(1, target_rows // windows.shape[1])
    for i in range(0, windows.shape[0], per):
        yield windows[i: i + per]


def angular(a, b):
    """arccos(clamp(cos(a, b), -1, 1)) / pi for rows of a and b, computed in float64."""
    a = a.double()
    b = b.double()
    cos = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))
    return torch.arccos(cos.clamp(-1, 1)) / np.pi


def distance_table(model, windows, max_n, all_tokens, final_norm_quirk):
    layers = model.model.layers
    L = len(layers)
    sums = [np.zeros(L - n) for n in range(1, max_n + 1)]
    count = 0
    states = {}

    def hook(k):
        def fn(_m, _i, out):
            h = layer_output(out)
            if final_norm_quirk and k == L - 1:
                h = model.model.norm(h)
            states[k] = (h if all_tokens else h[:, -1, :]).detach()
        return fn

    handles = [layers[k].register_forward_hook(hook(k)) for k in range(L)]
    try:
        with torch.no_grad():
            for b in batches(windows):
                states.clear()
                model.model(input_ids=b, use_cache=False)
                for n in range(1, max_n + 1):
                    for s in range(1, L - n + 1):
                        sums[n - 1][s - 1] += angular(states[s - 1], states[s + n - 1]).sum().item()
                count += b.shape[0] * (b.shape[1] if all_tokens else 1)
    finally:
        for h in handles:
            h.remove()
    return [(row / count).tolist() for row in sums]


def select_spans(dist_row, n, k, num_layers):
    order = sorted(range(len(dist_row)), key=lambda i: (dist_row[i], i))
    used, accepted = set(), []
    for i in order:
        if len(accepted) == k:
            break
        start = i + 1
        span = set(range(start, start + n))
        if not span & used:
            accepted.append([start, n])
            used |= span
    if len(accepted) < k:
        sys.exit(f"could place only {len(accepted)} of {k} spans of {n} layers in {num_layers}")
    merged = []
    for start, cnt in sorted(accepted):
        if merged and merged[-1][0] + merged[-1][1] == start:
            merged[-1][1] += cnt
        else:
            merged.append([start, cnt])
    return merged


def ls_statistics(model, windows, spans, final_norm_quirk):
    layers = model.model.layers
    L = len(layers)
    d = model.config.hidden_size
    stats = [{"G": torch.zeros(d, d, dtype=torch.float64), "C": torch.zeros(d, d, dtype=torch.float64),
              "zz": 0.0, "ll": 0.0, "rows": 0} for _ in spans]
    last_needed = max(s + n - 1 for s, n in spans)
    cur = {}
    handles = []
    for j, (s, n) in enumerate(spans):
        kept, end = s - 1, s + n - 1

        def mlp_hook(_m, _i, out, j=j):
            cur[("m", j)] = out.detach()

        def y_hook(_m, inp, j=j):
            cur[("y", j)] = inp[0].detach()

        def end_hook(_m, _i, out, j=j, end=end):
            target = layer_output(out)
            if final_norm_quirk and end == L - 1:
                target = model.model.norm(target)
            x = cur.pop(("m", j)).reshape(-1, d)
            z = (target.reshape(-1, d) - cur.pop(("y", j)).reshape(-1, d))
            x64 = x.double()
            st = stats[j]
            st["G"] += x64.T @ x64
            st["C"] += x64.T @ z.double()
            st["zz"] += float((z.double() ** 2).sum())
            st["ll"] += float((target.double() ** 2).sum())
            st["rows"] += x.shape[0]

        handles.append(layers[kept].mlp.register_forward_hook(mlp_hook))
        handles.append(layers[kept].post_attention_layernorm.register_forward_pre_hook(y_hook))
        handles.append(layers[end].register_forward_hook(end_hook))

    def stop(_m, _i, _o):
        raise StopForward()

    handles.append(layers[last_needed].register_forward_hook(stop))  # registered last: runs after end_hook
    try:
        with torch.no_grad():
            for b in batches(windows):
                try:
                    model.model(input_ids=b, use_cache=False)
                except StopForward:
                    pass
    finally:
        for h in handles:
            h.remove()
    return stats


def solve(st, ridge):
    G, C = st["G"], st["C"]
    d = G.shape[0]
    A = G + ridge * torch.eye(d, dtype=torch.float64)
    L, info = torch.linalg.cholesky_ex(A)
    used = ridge
    if info.item() != 0:  # not positive definite: raise the ridge relative to the mean diagonal until it is
        used = max(ridge, 1e-10 * float(torch.diagonal(G).mean()))
        while True:
            L, info = torch.linalg.cholesky_ex(G + used * torch.eye(d, dtype=torch.float64))
            if info.item() == 0:
                break
            used *= 10
    T = torch.cholesky_solve(C, L)

    def res(t):
        return float((t * (G @ t)).sum() - 2 * (t * C).sum() + st["zz"])

    I = torch.eye(d, dtype=torch.float64)
    r, ri = res(T), res(I)
    return T, {"ridge": used, "relative_residual": max(r, 0) ** 0.5 / st["zz"] ** 0.5,
               "identity_relative_residual": max(ri, 0) ** 0.5 / st["zz"] ** 0.5,
               "stream_relative_error": max(r, 0) ** 0.5 / st["ll"] ** 0.5}


def write_pruned(model_dir, spans, transforms, method, out_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype="auto")
    layers = model.model.layers
    if method == "replaceme":
        for (s, _n), T in zip(spans, transforms):
            w = layers[s - 1].mlp.down_proj.weight
            w.data = (T.T @ w.data.double()).to(w.dtype)
    removed = {k for s, n in spans for k in range(s, s + n)}
    kept = [layers[k] for k in range(len(layers)) if k not in removed]
    for i, layer in enumerate(kept):
        if hasattr(layer.self_attn, "layer_idx"):
            layer.self_attn.layer_idx = i
    model.model.layers = torch.nn.ModuleList(kept)
    model.config.num_hidden_layers = len(kept)
    model.save_pretrained(out_dir, safe_serialization=True)
    try:
        AutoTokenizer.from_pretrained(model_dir).save_pretrained(out_dir)
    except Exception as e:  # tiny fixtures have no tokenizer
        print(f"(no tokenizer copied: {e})", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--ids", required=True, help="pre-tokenized JSONL calibration ({\"ids\": [...]} per line)")
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--seq-len", type=int, default=1024)
    ap.add_argument("--layers", type=int, required=True, help="layers to remove in total (n x spans)")
    ap.add_argument("--spans", type=int, default=1)
    ap.add_argument("--start", type=int)
    ap.add_argument("--max-n", type=int, help="distance table up to this n (default: the span length)")
    ap.add_argument("--distance-tokens", choices=["last", "all"], default="last")
    ap.add_argument("--ridge", type=float, default=0.0)
    ap.add_argument("--final-norm-quirk", action="store_true")
    ap.add_argument("--method", choices=["replaceme", "drop"], default="replaceme")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="activation dtype")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--output")
    ap.add_argument("--dump", help="write distances, spans, residuals, timings as JSON")
    ap.add_argument("--transform-out", help="write the transforms (F64) as safetensors T.0, T.1, ...")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    t0 = time.time()
    timings = {}
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=getattr(torch, args.dtype))
    model.eval()
    L = model.config.num_hidden_layers
    windows = load_windows(args.ids, args.samples, args.seq_len)
    timings["load"] = time.time() - t0

    if args.layers % args.spans:
        sys.exit("--layers must be a multiple of --spans")
    n = args.layers // args.spans
    if not 1 <= n <= L - 2:
        sys.exit(f"n must be in 1..{L - 2}")
    max_n = max(args.max_n or n, n)
    t = time.time()
    table = distance_table(model, windows, max_n, args.distance_tokens == "all", args.final_norm_quirk)
    timings["distances"] = time.time() - t
    if args.start is not None:
        spans = [[args.start, n]]
    else:
        spans = select_spans(table[n - 1], n, args.spans, L)

    transforms, fits = [], []
    if args.method == "replaceme":
        t = time.time()
        stats = ls_statistics(model, windows, spans, args.final_norm_quirk)
        timings["statistics"] = time.time() - t
        t = time.time()
        for st in stats:
            T, fit = solve(st, args.ridge)
            transforms.append(T)
            fits.append(fit)
        timings["solve"] = time.time() - t
    del model
    if args.output:
        t = time.time()
        write_pruned(args.model, spans, transforms, args.method, args.output)
        timings["write"] = time.time() - t
    timings["total"] = time.time() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"spans": spans, "distances": table, "fits": fits, "timings": timings, "peak_rss_mib": peak_mib,
              "torch": torch.__version__, "samples": args.samples, "seq_len": args.seq_len}
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump(result, f, indent=1)
    if args.transform_out and transforms:
        from safetensors.torch import save_file
        save_file({f"T.{j}": T.contiguous() for j, T in enumerate(transforms)}, args.transform_out)
    print(f"spans (start, count): {spans}")
    for (s, c), fit in zip(spans, fits):
        print(f"  layers {s}..{s + c - 1}: residual {fit['relative_residual']:.4f} (T = I: "
              f"{fit['identity_relative_residual']:.4f}), ridge {fit['ridge']:g}")
    print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
    print(f"peak RSS: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
