#!/usr/bin/env python3
"""Checks `replaceme convert MODEL.gguf DIR` (F32) against the Python route, three ways:

1. tensors: every tensor of DIR/model.safetensors equals gguf-py's GGUFReader + gguf.quants.dequantize (with
   llama.cpp's q/k row permutation undone for `llama` files), bit for bit;
2. model: transformers loads DIR unchanged, and its logits on a held-out text window equal those of transformers
   loading the GGUF itself (`from_pretrained(..., gguf_file=)`), Float32, max |difference| printed;
3. tokenizer: the ids of DIR/tokenizer.json (Hugging Face `tokenizers`) against transformers' own GGUF tokenizer,
   on every text of Tests/TokenizationTests/Fixtures/texts.json and, line by line, on the benchmark text.

4. replaceme's own tokenizer (`replaceme tokenize DIR --per-line`) on the benchmark text, when REPLACEME is given.

Usage: .venv/bin/python scripts/check-gguf-import.py MODEL.gguf DIR BENCH_TEXT [REPLACEME]   (torch profile)
Exit status 1 when a tensor differs or transformers fails to load; tokenizer differences are counted and shown.
"""
import json
import os
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def field(reader, key):
    return reader.fields[key].contents()


def unpermute(w, n_head):
    rows, cols = w.shape if w.ndim == 2 else (w.shape[0], 1)
    return w.reshape(n_head, rows // n_head // 2, 2, cols).swapaxes(1, 2).reshape(w.shape)


def check_tensors(gguf_path, out):
    reader = GGUFReader(gguf_path)
    arch = field(reader, "general.architecture")
    heads, kv = int(field(reader, f"{arch}.attention.head_count")), int(field(reader, f"{arch}.attention.head_count_kv"))
    ours = load_file(os.path.join(out, "model.safetensors"))
    names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
             "output.weight": "lm_head.weight"}
    layer = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
             "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    bad, types = 0, {}
    for t in reader.tensors:
        if t.name in names:
            hf = names[t.name]
        else:
            _, i, part, kind = t.name.split(".")
            hf = f"model.layers.{i}.{layer[part]}.{kind}"
        a = np.ascontiguousarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        if arch == "llama" and ".attn_q." in t.name:
            a = unpermute(a, heads)
        elif arch == "llama" and ".attn_k." in t.name:
            a = unpermute(a, kv)
        b = ours.pop(hf)
        types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
        if a.shape != b.shape or not np.array_equal(a.view(np.uint32), b.view(np.uint32)):
            bad += 1
            print(f"  DIFFERENT {t.name} -> {hf}: {a.shape} vs {b.shape}")
    print(f"tensors: {len(reader.tensors) - bad} of {len(reader.tensors)} bit-identical ({types}); "
          f"extra in ours: {sorted(ours)}")
    return bad == 0 and not ours


def check_model(gguf_path, out, text):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(out)
    ids = tok(text[:20000], return_tensors="pt").input_ids[:, :512]
    ours = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
    with torch.no_grad():
        a = ours(ids).logits
    del ours
    ref = AutoModelForCausalLM.from_pretrained(os.path.dirname(gguf_path), gguf_file=os.path.basename(gguf_path),
                                               dtype=torch.float32)
    with torch.no_grad():
        b = ref(ids).logits
    diff = (a - b).abs().max().item()
    print(f"model: transformers loads {out}; logits on {ids.shape[1]} tokens vs transformers' GGUF load: "
          f"max |diff| {diff:.3g} (scale {b.abs().max().item():.3g})")
    return diff <= 1e-3


def check_replaceme_tokenizer(gguf_path, out, bench_text, binary):
    """replaceme's own tokenizer on DIR (`tokenize --per-line`) against transformers' GGUF tokenizer, per line."""
    import subprocess
    import tempfile
    from transformers import AutoTokenizer
    ref = AutoTokenizer.from_pretrained(os.path.dirname(gguf_path), gguf_file=os.path.basename(gguf_path))
    with tempfile.TemporaryDirectory() as tmp:
        ids_path = os.path.join(tmp, "ids")
        subprocess.run([binary, "tokenize", out, "--file", bench_text, "--per-line", "--no-special-tokens",
                        "--ids-out", ids_path, "--json"], check=True, stdout=subprocess.DEVNULL)
        ours = [list(map(int, l.split())) for l in open(ids_path).read().split("\n")]
    lines = open(bench_text, encoding="utf-8").read().split("\n")
    same = sum(1 for a, t in zip(ours, lines) if a == ref.encode(t, add_special_tokens=False))
    print(f"replaceme tokenize: {same} of {len(lines)} benchmark lines give the same ids as transformers' GGUF tokenizer")


def check_tokenizer(gguf_path, out, bench_text):
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer
    ours = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
    ref = AutoTokenizer.from_pretrained(os.path.dirname(gguf_path), gguf_file=os.path.basename(gguf_path))
    texts = json.load(open(os.path.join(ROOT, "Tests/TokenizationTests/Fixtures/texts.json")))
    lines = open(bench_text, encoding="utf-8").read().split("\n")
    for name, items in (("texts.json", texts), ("benchmark lines", lines)):
        diff = [t for t in items if ours.encode(t, add_special_tokens=False).ids != ref.encode(t, add_special_tokens=False)]
        print(f"tokenizer: {len(items) - len(diff)} of {len(items)} {name} give the same ids as transformers' GGUF tokenizer")
        for t in diff[:3]:
            print(f"    differs: {t[:70]!r}: ours {ours.encode(t, add_special_tokens=False).ids[:12]} "
                  f"transformers {ref.encode(t, add_special_tokens=False)[:12]}")


if __name__ == "__main__":
    gguf_path, out, bench = sys.argv[1], sys.argv[2], sys.argv[3]
    ok = check_tensors(gguf_path, out)
    ok = check_model(gguf_path, out, open(os.path.join(ROOT, "calibration-samples/eval/botchan.txt")).read()) and ok
    check_tokenizer(gguf_path, out, bench)
    if len(sys.argv) > 4:
        check_replaceme_tokenizer(gguf_path, out, bench, sys.argv[4])
    sys.exit(0 if ok else 1)
