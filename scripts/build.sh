#!/usr/bin/env bash
# Configures (once) and builds mbert into build/ with Debian's LLVM/MLIR 22.
#
#   scripts/build.sh              the compiler, runtime, runner and test tools, in build/
#   scripts/build.sh --sanitize   the same with AddressSanitizer and UndefinedBehaviorSanitizer,
#                                 plus the libFuzzer targets (MBERT_FUZZ), in build-sanitize/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
options=()
targets=(mbert-opt mbert-compile mbert_runtime_test_depends mbert_runtime mbert_runner)
if [ "${1:-}" = "--sanitize" ]; then
  build="${MBERT_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
  options=(-DMBERT_FUZZ=ON)
  targets+=(mbert-fuzz-targets)
else
  build="${MBERT_BUILD_DIR:-$root/build}"
fi

# ccache, when installed, makes a fresh worktree's first build a cache hit (sources are hashed
# relative to the repository, see CCACHE_BASEDIR); CI machines without it build as before.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$root")}"
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" "${launcher[@]}" "${options[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
# Two jobs fit the 2-core machines this project is built on; more only thrash.
ninja -C "$build" -j "${MBERT_JOBS:-2}" "${targets[@]}"
