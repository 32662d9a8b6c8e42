#!/usr/bin/env python3
"""Tiny random LLaMA-family checkpoints plus golden activations from Hugging Face transformers (fp32).

Run with the project venv:  $(scripts/python-env.sh torch) scripts/make-llama-fixtures.py
Writes Tests/LlamaTests/Fixtures/<name>/ (an HF checkpoint dir from save_pretrained(safe_serialization=True))
and Tests/LlamaTests/Fixtures/<name>/golden.safetensors holding, for each prompt p (token ids fixed below):

  prompt.<p>.input_ids        I32 [T]
  prompt.<p>.attn_residuals   F32 [L, T, D]  Y_k: input of post_attention_layernorm of layer k (pre-hook)
  prompt.<p>.mlp_outputs      F32 [L, T, D]  M_k: output of layer k's mlp module (after down_proj)
  prompt.<p>.layer_outputs    F32 [L, T, D]  L_k: output of decoder layer k (raw residual stream)
  prompt.<p>.hidden_states    F32 [L+1, T, D] HF output_hidden_states: [0] = embeddings = L_{-1}, [k+1] = L_k
                                             for k < L-1, [L] = final-normed L_{L-1} (so L_{k-1} = [k])
  prompt.<p>.logits           F32 [T, V]

tiny-llama also gets a byte-level tokenizer.json (id = byte value, 256 ids) for the CLI tests of `perplexity`.
Each prompt runs alone (batch 1, no padding), positions 0..T-1. Seeds are fixed, so the output is reproducible
for a given torch/transformers version (recorded in each golden file's metadata).
"""
import json
import os
import shutil
import sys

import torch
import transformers
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "LlamaTests", "Fixtures")

# Prompt lengths: 1 token, a short one, one longer than a 64-row attention block.
PROMPT_LENGTHS = [1, 9, 83]


def prompts(vocab, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, vocab, (n,), generator=g) for n in PROMPT_LENGTHS]


def base_llama(**over):
    cfg = dict(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
               num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
               rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
               bos_token_id=1, eos_token_id=2)
    cfg.update(over)
    rope_theta = cfg.pop("rope_theta")
    rope_scaling = cfg.pop("rope_scaling", None)
    rp = {"rope_type": "default", "rope_theta": rope_theta}
    if rope_scaling:
        rp.update(rope_scaling)
    cfg["rope_parameters"] = rp
    return cfg


FIXTURES = {
    # Plain GQA llama, untied head, default rope.
    "tiny-llama": ("llama", base_llama()),
    # Explicit head_dim (16 ≠ 32/4), tied head, every bias (attention_bias adds q/k/v/o biases) and mlp_bias.
    "tiny-llama-headdim-bias": ("llama", base_llama(head_dim=16, num_key_value_heads=1, tie_word_embeddings=True,
                                                    attention_bias=True, mlp_bias=True, rms_norm_eps=1e-6)),
    # Llama-3 rope scaling; original context 32 so that the scaled band matters within 83 tokens.
    "tiny-llama3-rope": ("llama", base_llama(rope_theta=500000.0, rope_scaling={
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 32})),
    # Qwen2: q/k/v biases (no o bias), tied head.
    "tiny-qwen2": ("qwen2", dict(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                                  rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
                                  tie_word_embeddings=True, use_sliding_window=False,
                                  bos_token_id=1, eos_token_id=2)),
}


def build(name, kind, cfg, seed):
    torch.manual_seed(seed)
    if kind == "llama":
        config = transformers.LlamaConfig(**cfg)
        model = transformers.LlamaForCausalLM(config)
    else:
        config = transformers.Qwen2Config(**cfg)
        model = transformers.Qwen2ForCausalLM(config)
    model = model.float().eval()
    # Random init has zero biases and unit norms; make them non-trivial so they are really tested.
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if pname.endswith("bias"):
                p.normal_(0, 0.1)
            elif "norm" in pname:
                p.uniform_(0.5, 1.5)
            elif "embed_tokens" in pname or "lm_head" in pname:
                p.normal_(0, 0.5)

    out_dir = os.path.join(ROOT, name)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    model.save_pretrained(out_dir, safe_serialization=True)
    for extra in ("generation_config.json",):
        path = os.path.join(out_dir, extra)
        if os.path.exists(path):
            os.remove(path)

    layers = model.model.layers
    captured = {}

    def keep(key):
        def hook(_module, args, output=None):
            t = output if output is not None else args[0]
            if isinstance(t, tuple):
                t = t[0]
            captured.setdefault(key, []).append(t.detach()[0].clone())
        return hook

    handles = []
    for k, layer in enumerate(layers):
        handles.append(layer.post_attention_layernorm.register_forward_pre_hook(
            lambda m, a: keep("attn_residuals")(m, a)))
        handles.append(layer.mlp.register_forward_hook(lambda m, a, o: keep("mlp_outputs")(m, a, o)))
        handles.append(layer.register_forward_hook(lambda m, a, o: keep("layer_outputs")(m, a, o)))

    tensors = {}
    for p, ids in enumerate(prompts(cfg["vocab_size"], seed + 1)):
        captured.clear()
        with torch.no_grad():
            out = model(input_ids=ids[None, :], output_hidden_states=True, use_cache=False)
        tensors[f"prompt.{p}.input_ids"] = ids.to(torch.int32).contiguous()
        for key in ("attn_residuals", "mlp_outputs", "layer_outputs"):
            assert len(captured[key]) == len(layers), key
            tensors[f"prompt.{p}.{key}"] = torch.stack(captured[key]).contiguous()
        tensors[f"prompt.{p}.hidden_states"] = torch.stack([h[0] for h in out.hidden_states]).contiguous()
        tensors[f"prompt.{p}.logits"] = out.logits[0].contiguous()
    for h in handles:
        h.remove()
    meta = {"format": "pt", "transformers": transformers.__version__, "torch": torch.__version__,
            "prompts": json.dumps(PROMPT_LENGTHS)}
    save_file(tensors, os.path.join(out_dir, "golden.safetensors"), metadata=meta)
    size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    print(f"{name}: {size / 1024:.0f} KiB", file=sys.stderr)


def byte_tokenizer(out_dir):
    """A byte-level tokenizer.json with exactly 256 ids (one per byte, no merges), for CLI tests of `perplexity`
    on a tiny model whose vocabulary is 256."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    # GPT-2 byte-level alphabet: printable Latin-1 bytes stand for themselves, the others for chr(256 + n).
    printable = set(range(ord("!"), ord("~") + 1)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    chars, extra = [], 0
    for b in range(256):
        if b in printable:
            chars.append(chr(b))
        else:
            chars.append(chr(256 + extra))
            extra += 1
    vocab = {ch: i for i, ch in enumerate(chars)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.save(os.path.join(out_dir, "tokenizer.json"))


def main():
    for i, (name, (kind, cfg)) in enumerate(FIXTURES.items()):
        build(name, kind, cfg, seed=1000 + 17 * i)
    byte_tokenizer(os.path.join(ROOT, "tiny-llama"))


if __name__ == "__main__":
    main()
