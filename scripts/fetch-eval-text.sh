#!/usr/bin/env bash
# Prints the path of the evaluation text (fetched once): "Botchan" (Natsume Soseki, English translation,
# Project Gutenberg, public domain), shipped as test/botchan.txt in the PyPI sdist of sentencepiece 0.2.0.
# It is the perplexity/benchmark text; calibration uses other texts (KJV, Shakespeare), so they do not overlap.
set -euo pipefail
cache="${REPLACEME_CACHE:-/work/cache}/text"
out="$cache/botchan.txt"
if [ ! -s "$out" ]; then
  mkdir -p "$cache"
  sdist="$cache/sentencepiece-0.2.0.tar.gz"
  if [ ! -s "$sdist" ]; then
    python="$("$(dirname "$0")/python-env.sh")"
    "$python" -m pip download --quiet --no-deps --no-binary :all: --dest "$cache" "sentencepiece==0.2.0" >&2
  fi
  tar -xzf "$sdist" -O sentencepiece-0.2.0/test/botchan.txt > "$out.tmp"
  mv "$out.tmp" "$out"
fi
echo "$out"
