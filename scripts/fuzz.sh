#!/usr/bin/env bash
# libFuzzer harnesses for every parser (Fuzz/Package.swift): json, safetensors, config, tokenizer, jsonl, plan, gguf.
#
#   scripts/fuzz.sh TARGET|all SECONDS [MAX_RUNS]
#
# Builds the harnesses once (release, AddressSanitizer, libFuzzer coverage: about 3 minutes), then runs each for
# SECONDS or MAX_RUNS executions (default 1000000), whichever comes first, starting from the committed seeds in
# Fuzz/Corpus/TARGET (new inputs go to a scratch corpus, not into the repository). Prints per harness the runs,
# the time and the outcome; a crash, leak, timeout (> 10 s per input) or sanitizer report stops that harness, keeps
# the input in Fuzz/Artifacts/, and makes the script exit 1. Replay an input: .build-fuzz/.../fuzz-TARGET FILE.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
all=(json safetensors config tokenizer jsonl plan gguf)
target="${1:?usage: scripts/fuzz.sh TARGET|all SECONDS [MAX_RUNS]}"
seconds="${2:?usage: scripts/fuzz.sh TARGET|all SECONDS [MAX_RUNS]}"
runs="${3:-1000000}"
if [ "$target" = all ]; then targets=("${all[@]}"); else targets=("$target"); fi
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t' (${all[*]} or all)" >&2; exit 64; }
done
fuzzer_lib="$(ls "$(dirname "$(dirname "$(command -v swiftc)")")"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)"
# -sanitize=fuzzer would link libFuzzer's own main beside SwiftPM's; instead: coverage + ASan when compiling, and
# libFuzzer without its main, driven by each harness through LLVMFuzzerRunDriver.
flags=(-c release --package-path "$root/Fuzz" --scratch-path "$root/.build-fuzz"
       -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
       -Xlinker --whole-archive -Xlinker "$fuzzer_lib" -Xlinker --no-whole-archive -Xlinker -lstdc++)
swift build "${flags[@]}" >&2
bin="$(swift build "${flags[@]}" --show-bin-path)"
mkdir -p "$root/Fuzz/Artifacts"
status=0
for t in "${targets[@]}"; do
  corpus="$(mktemp -d)"
  log="$(mktemp)"
  start=$(date +%s)
  set +e
  "$bin/fuzz-$t" "$corpus" "$root/Fuzz/Corpus/$t" -max_total_time="$seconds" -runs="$runs" -timeout=10 \
    -rss_limit_mb=4096 -artifact_prefix="$root/Fuzz/Artifacts/$t-" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  done_runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$" || echo "?")
  if [ $rc -eq 0 ]; then outcome="0 crashes, hangs or sanitizer reports"; else outcome="FAILED (exit $rc)"; status=1; fi
  printf 'fuzz-%-12s %10s runs in %4ss: %s\n' "$t" "$done_runs" "$(( $(date +%s) - start ))" "$outcome"
  [ $rc -eq 0 ] || grep -m5 -E "ERROR|SUMMARY|Fatal error|Test unit written" "$log" | sed 's/^/    /'
  rm -rf "$corpus" "$log"
done
exit $status
