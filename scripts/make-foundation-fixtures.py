#!/usr/bin/env python3
"""Regenerates the small fixtures of the SafeTensors and Llama tests with Hugging Face's own libraries.

  Tests/SafeTensorsTests/Fixtures/reference.safetensors   written by `safetensors.torch.save_file`: F32, F16 and
      BF16 tensors with awkward values (subnormals, ±0, ±Inf, NaN, extremes), a scalar, an empty tensor, I64, U8, BOOL
  Tests/SafeTensorsTests/Fixtures/reference.json           per tensor: dtype, shape, and the float32 bit patterns
      torch gets when widening the F32/F16/BF16 tensors (or the raw bytes in hex for the others)
  Tests/LlamaTests/Fixtures/tiny-llama-sharded/            a tiny random LlamaForCausalLM saved by
      `save_pretrained(max_shard_size=...)` (bf16, 3 shards + index), untied
  Tests/LlamaTests/Fixtures/configs/*.json                 config.json as transformers writes them for llama
      (incl. Llama-3 rope_scaling), mistral, qwen2, a TinyLlama-shaped and a SmolLM2-shaped config.

Run: $(scripts/python-env.sh torch) scripts/make-foundation-fixtures.py
"""
import json
import os
import shutil

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ST = os.path.join(ROOT, "Tests/SafeTensorsTests/Fixtures")
LL = os.path.join(ROOT, "Tests/LlamaTests/Fixtures")


def reference_safetensors():
    g = torch.Generator().manual_seed(7)
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, float("inf"), float("-inf"), float("nan"),
                            1e-40, -3e-39, 3.0e38, 6.0e-8, 65504.0, 1.0 / 3.0])
    tensors = {
        "f32.matrix": torch.randn(3, 5, generator=g),
        "f32.special": special.clone(),
        "f16.values": torch.cat([special, torch.randn(7, generator=g)]).to(torch.float16),
        "bf16.values": torch.cat([special, torch.randn(11, generator=g) * 1000]).to(torch.bfloat16).reshape(4, 6),
        "bf16.scalar": torch.tensor(3.140625, dtype=torch.bfloat16),
        "f32.empty": torch.zeros(0, 4),
        "i64.ids": torch.tensor([[1, -2, 3], [2**40, -(2**40), 0]], dtype=torch.int64),
        "u8.bytes": torch.arange(0, 250, 37, dtype=torch.uint8),
        "bool.mask": torch.tensor([True, False, True]),
    }
    save_file(tensors, os.path.join(ST, "reference.safetensors"), metadata={"format": "pt"})
    expected = {}
    for name, t in tensors.items():
        entry = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape)}
        if t.is_floating_point():
            bits = t.to(torch.float32).contiguous().numpy().view(np.uint32).ravel()
            entry["float32_bits"] = [int(b) for b in bits]
        else:
            entry["hex"] = t.contiguous().numpy().tobytes().hex()
        expected[name] = entry
    with open(os.path.join(ST, "reference.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


def tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    cfg = LlamaConfig(hidden_size=16, intermediate_size=40, num_hidden_layers=3, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=64, max_position_embeddings=128, rms_norm_eps=1e-6,
                      rope_theta=10000.0, tie_word_embeddings=False)
    model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    out = os.path.join(LL, "tiny-llama-sharded")
    shutil.rmtree(out, ignore_errors=True)
    model.save_pretrained(out, max_shard_size="6KB", safe_serialization=True)


def configs():
    from transformers import LlamaConfig, MistralConfig, Qwen2Config
    d = os.path.join(LL, "configs")
    os.makedirs(d, exist_ok=True)
    made = {
        # Llama-3.2-1B shape, with its llama3 rope scaling.
        "llama3.json": LlamaConfig(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                                   num_attention_heads=32, num_key_value_heads=8, head_dim=64, vocab_size=128256,
                                   max_position_embeddings=131072, rms_norm_eps=1e-5, tie_word_embeddings=True,
                                   rope_theta=500000.0, bos_token_id=128000, eos_token_id=128001,
                                   rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                                   architectures=["LlamaForCausalLM"]),
        # Mistral-7B-v0.1 shape.
        "mistral.json": MistralConfig(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                      num_attention_heads=32, num_key_value_heads=8, vocab_size=32000,
                                      sliding_window=4096, rope_theta=10000.0, architectures=["MistralForCausalLM"]),
        # Qwen2.5-0.5B shape (q/k/v biases, tied, per-layer types).
        "qwen2.json": Qwen2Config(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                                  num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                                  max_window_layers=21, rope_theta=1000000.0, rms_norm_eps=1e-6,
                                  tie_word_embeddings=True, use_sliding_window=False, sliding_window=32768,
                                  architectures=["Qwen2ForCausalLM"]),
        # TinyLlama-1.1B shape.
        "tinyllama.json": LlamaConfig(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
                                      num_attention_heads=32, num_key_value_heads=4, vocab_size=32000,
                                      max_position_embeddings=2048, rms_norm_eps=1e-5,
                                      architectures=["LlamaForCausalLM"]),
    }
    for name, cfg in made.items():
        cfg.to_json_file(os.path.join(d, name), use_diff=False)
    # As the original repositories (transformers 4.x) spell them: top-level rope_theta, rope_scaling, torch_dtype.
    real = {
        "llama3.2-1b-hf4.json": {
            "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu",
            "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
            "max_position_embeddings": 131072, "mlp_bias": False, "model_type": "llama",
            "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1,
            "rms_norm_eps": 1e-05,
            "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                             "original_max_position_embeddings": 8192, "rope_type": "llama3"},
            "rope_theta": 500000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
            "transformers_version": "4.45.0.dev0", "use_cache": True, "vocab_size": 128256},
        "qwen2.5-0.5b-hf4.json": {
            "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
            "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
            "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24,
            "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
            "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True,
            "torch_dtype": "bfloat16", "transformers_version": "4.40.1", "use_cache": True, "use_mrope": False,
            "use_sliding_window": False, "vocab_size": 151936},
    }
    for name, obj in real.items():
        with open(os.path.join(d, name), "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True)
            f.write("\n")
    # SmolLM2-135M as the original repository (transformers 4.42) spells it: rope_theta at top level,
    # torch_dtype, and keys transformers does not know (is_llama_config, rope_interleaved).
    shutil.copyfile(os.path.join(ROOT, "models/smollm2-135m-bf16/config.json"), os.path.join(d, "smollm2.json"))


if __name__ == "__main__":
    os.makedirs(ST, exist_ok=True)
    os.makedirs(LL, exist_ok=True)
    reference_safetensors()
    tiny_llama()
    configs()
    print("fixtures written")
