#!/usr/bin/env python3
"""Regenerates the GGUF fixtures of Tests/GGUFTests/Fixtures with the Python `gguf` package (the reference
reader/writer of llama.cpp's project), numpy, safetensors and, for the tokenizer goldens, transformers.

  all-types.gguf          one [2, 256] tensor of every type replaceme dequantizes (F32, F16, BF16, Q4_0, Q4_1,
                          Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K): random blocks with finite float16
                          factors; plus one metadata key of every GGUF value type
  all-types.expected.f32  gguf.quants.dequantize of each tensor, concatenated in file order (little-endian f32)
  tiny-llama.gguf         Tests/LlamaTests/Fixtures/tiny-llama as llama.cpp's converter writes it: F32, q/k rows
                          permuted (convert_hf_to_gguf.py's LlamaModel.permute), llama.* keys, its byte vocabulary
  tiny-qwen2.gguf         Tests/LlamaTests/Fixtures/tiny-qwen2 (no permutation for qwen2), with the 1501-token BPE
                          of Tests/TokenizationTests/Fixtures/qwen2 (tokenizer.ggml.pre = qwen2), plus
                          <|endoftext|> as a CONTROL token (as real Qwen2 files have it)
  tiny-llama-spm.gguf     tokenizer metadata only: a SentencePiece-style (llama) vocabulary with scores, no merges
  *.tokens.json           transformers' own GGUF tokenizer (AutoTokenizer gguf_file=) on every text of
                          Tests/TokenizationTests/Fixtures/texts.json: the ids replaceme's import must give

Run with the torch profile's venv (scripts/torch-env.sh): `.venv/bin/python scripts/make-gguf-fixtures.py`.
"""
import json
import os
import sys

import numpy as np
from gguf import GGUFWriter, GGMLQuantizationType as T, GGUFValueType as V
from gguf.quants import dequantize
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/GGUFTests/Fixtures")

# (type, bytes per block, byte offsets of float16 factors) for the block types.
BLOCKS = [(T.Q4_0, 18, [0]), (T.Q4_1, 20, [0, 2]), (T.Q5_0, 22, [0]), (T.Q5_1, 24, [0, 2]), (T.Q8_0, 34, [0]),
          (T.Q2_K, 84, [80, 82]), (T.Q3_K, 110, [108]), (T.Q4_K, 144, [0, 2]), (T.Q5_K, 176, [0, 2]),
          (T.Q6_K, 210, [208])]


def random_blocks(rng, qtype, block_bytes, factors, rows, cols):
    per_row = cols // (256 if "K" in qtype.name else 32)
    raw = rng.integers(0, 256, size=(rows * per_row, block_bytes), dtype=np.uint8)
    for off in factors:
        raw[:, off:off + 2] = rng.normal(0, 0.05, size=rows * per_row).astype(np.float16).view(np.uint8).reshape(-1, 2)
    return raw.reshape(rows, per_row * block_bytes)


def all_types():
    rng = np.random.default_rng(20261202)
    w = GGUFWriter(os.path.join(OUT, "all-types.gguf"), "llama")
    w.add_uint8("test.u8", 200); w.add_int8("test.i8", -100); w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000); w.add_uint32("test.u32", 4000000000); w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.1); w.add_bool("test.bool", True); w.add_string("test.string", "héllo wörld")
    w.add_uint64("test.u64", 2 ** 63 + 5); w.add_int64("test.i64", -(2 ** 62)); w.add_float64("test.f64", 1e-300)
    w.add_array("test.strings", ["a", "", "ŝ"])
    w.add_key_value("test.ints", [1, -2, 3], V.ARRAY, sub_type=V.INT32)
    expected = []
    rows, cols = 2, 256
    x = rng.normal(0, 1, size=(rows, cols)).astype(np.float32)
    for name, arr, qt in [("t.F32", x, T.F32), ("t.F16", x.astype(np.float16), T.F16)]:
        w.add_tensor(name, arr, raw_dtype=qt)
        expected.append(dequantize(arr.view(np.uint8), qt))
    bf16 = (x.view(np.uint32) >> 16).astype(np.uint16)
    w.add_tensor("t.BF16", bf16.view(np.uint8).reshape(rows, cols * 2), raw_dtype=T.BF16)
    expected.append(dequantize(bf16.view(np.uint8).reshape(rows, cols * 2), T.BF16))
    for qt, nbytes, factors in BLOCKS:
        raw = random_blocks(rng, qt, nbytes, factors, rows, cols)
        w.add_tensor("t." + qt.name, raw, raw_dtype=qt)
        expected.append(dequantize(raw, qt))
    write(w)
    out = np.concatenate([e.astype("<f4").reshape(-1) for e in expected])
    assert np.isfinite(out).all()
    out.tofile(os.path.join(OUT, "all-types.expected.f32"))


def permute(w, n_head):
    """llama.cpp convert_hf_to_gguf.py LlamaModel.permute (n_head = KV heads for k)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


GGUF_NAMES = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
              "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
              "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
              "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias",
              "self_attn.v_proj.bias": "attn_v.bias", "mlp.gate_proj.weight": "ffn_gate.weight",
              "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}


def gguf_name(hf):
    top = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
           "lm_head.weight": "output.weight"}
    if hf in top:
        return top[hf]
    _, _, i, rest = hf.split(".", 3)
    return f"blk.{i}.{GGUF_NAMES[rest]}"


def model_gguf(src, dst, arch, tokenizer_json, pre):
    cfg = json.load(open(os.path.join(src, "config.json")))
    tensors = load_file(os.path.join(src, "model.safetensors"))
    w = GGUFWriter(dst, arch)
    w.add_block_count(cfg["num_hidden_layers"]); w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"]); w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"]); w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_rope_freq_base(cfg["rope_parameters"]["rope_theta"]); w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_vocab_size(cfg["vocab_size"])
    head_dim = cfg.get("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    w.add_rope_dimension_count(head_dim)
    tok = json.load(open(tokenizer_json))
    vocab = sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])
    tokens = [t for t, _ in vocab]
    for a in tok["added_tokens"]:
        if a["id"] >= len(tokens):
            tokens += [None] * (a["id"] + 1 - len(tokens))
        tokens[a["id"]] = a["content"]
    types = [1] * len(tokens)
    for a in tok["added_tokens"]:
        types[a["id"]] = 3 if a["special"] else 4
    # transformers' GGUF route (GPT2Tokenizer) adds its default special token <|endoftext|> when the vocabulary
    # lacks it, at an id beyond the file's; real byte-level GGUFs carry it as a CONTROL token, so this one does too.
    if "<|endoftext|>" not in tokens:
        tokens.append("<|endoftext|>")
        types.append(3)
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre(pre); w.add_token_list(tokens); w.add_token_types(types)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    if merges:
        w.add_token_merges(merges)
    w.add_bos_token_id(cfg["bos_token_id"]); w.add_eos_token_id(cfg["eos_token_id"]); w.add_add_bos_token(False)
    for hf, a in tensors.items():
        a = a.astype(np.float32)
        if arch == "llama" and hf.endswith("q_proj.weight"):
            a = permute(a, cfg["num_attention_heads"])
        elif arch == "llama" and hf.endswith("k_proj.weight"):
            a = permute(a, cfg["num_key_value_heads"])
        w.add_tensor(gguf_name(hf), np.ascontiguousarray(a))
    write(w)


def write(w):
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def sentencepiece_gguf():
    """A SentencePiece-style (tokenizer.ggml.model = llama) vocabulary as llama.cpp's converter writes one: tokens
    with scores and types (UNKNOWN 2, CONTROL 3, BYTE 6, NORMAL 1), no merges (transformers rebuilds them from the
    scores), BOS added. From the 1470-token BPE of Tests/TokenizationTests/Fixtures/llama2-config; score = -id."""
    tok = json.load(open(os.path.join(ROOT, "Tests/TokenizationTests/Fixtures/llama2-config/tokenizer.json")))
    tokens = [t for t, _ in sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])]
    special = {a["id"] for a in tok["added_tokens"]}
    types = [2 if t == "<unk>" else 3 if i in special else 6 if t.startswith("<0x") and len(t) == 6 else 1
             for i, t in enumerate(tokens)]
    scores = [0.0 if ty != 1 else -float(i) for i, ty in enumerate(types)]
    w = GGUFWriter(os.path.join(OUT, "tiny-llama-spm.gguf"), "llama")
    w.add_tokenizer_model("llama"); w.add_tokenizer_pre("default"); w.add_token_list(tokens)
    w.add_token_scores(scores); w.add_token_types(types)
    w.add_bos_token_id(1); w.add_eos_token_id(2); w.add_unk_token_id(0)
    w.add_add_bos_token(True); w.add_add_eos_token(False); w.add_add_space_prefix(True)
    write(w)


def tokenizer_goldens():
    from transformers import AutoTokenizer
    texts = json.load(open(os.path.join(ROOT, "Tests/TokenizationTests/Fixtures/texts.json")))
    for name in ("tiny-qwen2", "tiny-llama-spm"):
        tok = AutoTokenizer.from_pretrained(OUT, gguf_file=f"{name}.gguf")
        ids = [tok.encode(t, add_special_tokens=True) for t in texts]
        with open(os.path.join(OUT, f"{name}.tokens.json"), "w") as f:
            json.dump({"source": f"transformers AutoTokenizer(gguf_file='{name}.gguf'), texts.json", "ids": ids}, f)
            f.write("\n")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    all_types()
    fx = os.path.join(ROOT, "Tests/LlamaTests/Fixtures")
    model_gguf(os.path.join(fx, "tiny-llama"), os.path.join(OUT, "tiny-llama.gguf"), "llama",
               os.path.join(fx, "tiny-llama/tokenizer.json"), "gpt-2")
    model_gguf(os.path.join(fx, "tiny-qwen2"), os.path.join(OUT, "tiny-qwen2.gguf"), "qwen2",
               os.path.join(ROOT, "Tests/TokenizationTests/Fixtures/qwen2/tokenizer.json"), "qwen2")
    sentencepiece_gguf()
    tokenizer_goldens()
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)), file=sys.stderr)
