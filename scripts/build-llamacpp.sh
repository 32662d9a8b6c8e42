#!/usr/bin/env bash
# Builds llama.cpp (CPU: llama-perplexity, llama-quantize) once from the llama-cpp-python 0.3.36 sdist's vendored
# tree (../shared MODELS.md) into $REPLACEME_CACHE/llamacpp, and prints the source directory (its build/bin holds
# the tools, its convert_hf_to_gguf.py and gguf-py the converter). Needs cmake and a C++ compiler; ~15 minutes once.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${REPLACEME_CACHE:-$HOME/.cache/replaceme}"
src="$cache/llamacpp/llama_cpp_python-0.3.36/vendor/llama.cpp"
if [ ! -x "$src/build/bin/llama-perplexity" ] || [ ! -x "$src/build/bin/llama-quantize" ]; then
  mkdir -p "$cache/llamacpp"
  [ -d "$src" ] || { python3 "$root/../shared/tools/fetch-sdist.py" llama-cpp-python "$cache/llamacpp" >&2 \
                     && tar xzf "$cache/llamacpp/llama_cpp_python-0.3.36.tar.gz" -C "$cache/llamacpp"; }
  cmake -S "$src" -B "$src/build" -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DGGML_OPENMP=OFF -DLLAMA_BUILD_SERVER=OFF \
        -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$src/build" --target llama-perplexity llama-quantize -j2 >&2
fi
echo "$src"
