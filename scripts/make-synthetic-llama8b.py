#!/usr/bin/env python3
"""Writes a synthetic checkpoint with Llama-3-8B shapes (random bf16 weights, ~16 GB, 4 shards + index) for the
memory test of layer streaming. Never commit it; delete it afterwards.

  $(scripts/python-env.sh torch) scripts/make-synthetic-llama8b.py [OUT_DIR]   (default /work/cache/synthetic-llama3-8b)
  /usr/bin/time -v .build/release/replaceme perplexity OUT_DIR --text "$(scripts/fetch-eval-text.sh)" \
      --seq-len 256 --max-tokens 256

The tokenizer is SmolLM2's (all its ids are < 128256), copied from models/smollm2-135m-bf16, so that
`perplexity` can tokenize text; the perplexity itself is meaningless (random weights).
Written with numpy only: values are N(0, 0.02) (norm weights 1), converted to bf16 by truncation, drawn from one
64 Mi-value random pool read at random offsets so that writing 16 GB takes about a minute.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

D, I, L, H, KV, HD, V = 4096, 14336, 32, 32, 8, 128, 128256
CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": D, "intermediate_size": I,
    "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV, "head_dim": HD,
    "vocab_size": V, "max_position_embeddings": 131072, "rms_norm_eps": 1e-5, "hidden_act": "silu",
    "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                               "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
    "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": False, "bos_token_id": 1,
    "eos_token_id": 2, "torch_dtype": "bfloat16",
}


def tensors():
    """(name, shape) in shard order."""
    yield "model.embed_tokens.weight", (V, D)
    for k in range(L):
        p = f"model.layers.{k}."
        yield p + "input_layernorm.weight", (D,)
        yield p + "self_attn.q_proj.weight", (H * HD, D)
        yield p + "self_attn.k_proj.weight", (KV * HD, D)
        yield p + "self_attn.v_proj.weight", (KV * HD, D)
        yield p + "self_attn.o_proj.weight", (D, H * HD)
        yield p + "post_attention_layernorm.weight", (D,)
        yield p + "mlp.gate_proj.weight", (I, D)
        yield p + "mlp.up_proj.weight", (I, D)
        yield p + "mlp.down_proj.weight", (D, I)
    yield "model.norm.weight", (D,)
    yield "lm_head.weight", (V, D)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/work/cache/synthetic-llama3-8b"
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(8)
    pool = (rng.standard_normal(1 << 26, dtype=np.float32) * 0.02).view(np.uint32) >> 16
    pool = pool.astype(np.uint16)
    one = np.full(D, 0x3F80, dtype=np.uint16)  # bf16 1.0

    items = list(tensors())
    shards, current, size = [], [], 0
    limit = 4_500_000_000
    for name, shape in items:
        n = int(np.prod(shape)) * 2
        if current and size + n > limit:
            shards.append(current)
            current, size = [], 0
        current.append((name, shape))
        size += n
    shards.append(current)

    weight_map, total = {}, 0
    for s, shard in enumerate(shards):
        fname = f"model-{s + 1:05d}-of-{len(shards):05d}.safetensors"
        header, offset = {"__metadata__": {"format": "pt"}}, 0
        for name, shape in shard:
            n = int(np.prod(shape)) * 2
            header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + n]}
            offset += n
            weight_map[name] = fname
        total += offset
        hb = json.dumps(header, separators=(",", ":")).encode()
        hb += b" " * (-len(hb) % 8)
        with open(os.path.join(out, fname), "wb") as f:
            f.write(struct.pack("<Q", len(hb)))
            f.write(hb)
            for name, shape in shard:
                count = int(np.prod(shape))
                if name.endswith("norm.weight"):
                    f.write(one.tobytes())
                    continue
                written = 0
                while written < count:
                    n = min(count - written, 1 << 24)
                    start = int(rng.integers(0, pool.size - n))
                    f.write(pool[start:start + n].tobytes())
                    written += n
        print(f"wrote {fname}", file=sys.stderr)
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    shutil.copy(os.path.join(root, "models", "smollm2-135m-bf16", "tokenizer.json"), out)
    print(out)


if __name__ == "__main__":
    main()
