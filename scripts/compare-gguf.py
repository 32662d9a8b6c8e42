#!/usr/bin/env python3
"""Compares two GGUF files (ours, a reference such as llama.cpp's convert_hf_to_gguf.py output) with gguf-py:
every tensor's name, type, shape and raw bytes, and every metadata key and value. Prints a summary; exit status 1
when a tensor differs or a key the reference has is missing or different (descriptive `general.*` keys aside).

Usage: python scripts/compare-gguf.py OURS.gguf REFERENCE.gguf
"""
import sys

import numpy as np
from gguf import GGUFReader

DESCRIPTIVE = ("general.name", "general.basename", "general.size_label", "general.finetune", "general.type",
               "general.organization", "general.license", "general.languages", "general.tags", "general.base_model")


def fields(r):
    out = {}
    for k, f in r.fields.items():
        if k.startswith("GGUF."):
            continue
        v = f.contents()
        out[k] = v
    return out


def main(ours_path, ref_path):
    ours, ref = GGUFReader(ours_path), GGUFReader(ref_path)
    a = {t.name: t for t in ours.tensors}
    b = {t.name: t for t in ref.tensors}
    ok = True
    same = 0
    for name, t in b.items():
        u = a.get(name)
        if u is None:
            print(f"  missing tensor {name}"); ok = False; continue
        if u.tensor_type != t.tensor_type or list(u.shape) != list(t.shape):
            print(f"  {name}: {u.tensor_type.name}{list(u.shape)} vs {t.tensor_type.name}{list(t.shape)}"); ok = False; continue
        if not np.array_equal(np.asarray(u.data).view(np.uint8), np.asarray(t.data).view(np.uint8)):
            print(f"  {name}: bytes differ ({t.tensor_type.name})"); ok = False; continue
        same += 1
    extra = sorted(set(a) - set(b))
    print(f"tensors: {same} of {len(b)} identical in name, type, shape and bytes; extra in ours: {extra}")
    fa, fb = fields(ours), fields(ref)
    missing = [k for k in fb if k not in fa and k not in DESCRIPTIVE]
    differ = [k for k in fb if k in fa and k not in DESCRIPTIVE and fa[k] != fb[k]]
    print(f"metadata: {len(fb)} keys in the reference; missing in ours: {missing}; different: {differ}; "
          f"only in ours: {sorted(k for k in fa if k not in fb)}")
    for k in differ[:5]:
        x, y = fa[k], fb[k]
        print(f"    {k}: ours {str(x)[:80]} / reference {str(y)[:80]}")
    ok = ok and not missing and not differ
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
