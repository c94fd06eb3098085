#!/usr/bin/env bash
# Configures (once) and builds mbert into build/ with Debian's LLVM/MLIR 22.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
# Two jobs fit the 2-core machines this project is built on; more only thrash.
ninja -C "$build" -j "${MBERT_JOBS:-2}" mbert-opt mbert-compile mbert_runtime_test_depends \
  mbert_runtime mbert_runner
