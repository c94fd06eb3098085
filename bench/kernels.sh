#!/usr/bin/env bash
# The full MobileBERT's GEMM inner loops for AArch64, judged by llvm-mca: compiles the model (24
# layers, seq 128) to assembly three ways -- f32 for a Cortex-A76-class core, int8 with SDOT
# (--cpu cortex-a76), int8 with SMMLA (--cpu neoverse-n2) -- and prints, for every distinct
# innermost loop carrying 8 or more multiply-add instructions, the fraction of that
# instruction's peak llvm-mca reaches on neoverse-n1 (LLVM's Cortex-A76-class model; its
# cortex-a76 entry is an older one), neoverse-n2 and cortex-x1. Kernels of the same shape are
# one function, so each row is a kernel shape, not a layer. A benchmark, not a test.
#
#   bash bench/kernels.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
work="$build/bench/kernels"
python=/usr/bin/python3

bash "$root/scripts/build.sh" > /dev/null
mkdir -p "$work"
if [ ! -f "$work/model/model.onnx" ]; then
  "$python" "$root/python/mbert_export.py" --layers 24 --seq-len 128 --head qa --out "$work/model" > /dev/null
fi
compile() { "$build/bin/mbert-compile" "$work/model/model.onnx" --emit=asm -o "$work/$1.s" "${@:2}"; }
compile f32 --cpu cortex-a76
compile sdot --cpu cortex-a76 --quantize=int8
compile smmla --cpu neoverse-n2 --quantize=int8

echo "### f32 (FMLA; 2 pipes on neoverse-n1/-n2, 4 on cortex-x1)"
"$python" "$root/python/kernel_loops.py" "$work/f32.s" fmla
echo
echo "### int8, SDOT (2 pipes on neoverse-n1/-n2, 4 on cortex-x1)"
"$python" "$root/python/kernel_loops.py" "$work/sdot.s" sdot
echo
echo "### int8, SMMLA (no FEAT_I8MM on neoverse-n1: its figure is not meaningful)"
"$python" "$root/python/kernel_loops.py" "$work/smmla.s" smmla
