#!/usr/bin/env bash
# The full MobileBERT's GEMM inner loops for AArch64, judged by llvm-mca and weighted by the work
# they do: compiles the model (24 layers, seq 128) to an AArch64 runner three ways -- f32 for a
# Cortex-A76-class core, int8 with SDOT (--cpu cortex-a76), int8 with SMMLA (--cpu
# neoverse-n2) -- runs each once under qemu-aarch64 counting how often every translation block
# runs (-d exec,nochain), and prints for every innermost loop with 16 or more multiply-add
# instructions the share of the run's multiply-adds it did and the fraction of that
# instruction's peak llvm-mca reaches on neoverse-n1 (LLVM's Cortex-A76-class model; its
# cortex-a76 entry is an older one), neoverse-n2 and cortex-x1, then the total weighted by
# multiply-adds. Kernels of the same shape are one function, so each row is a kernel shape, not a
# layer. qemu's time is not measured: it only counts. A benchmark, not a test.
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
inputs=(--input "input_ids=$work/model/inputs/input_ids.npy"
        --input "attention_mask=$work/model/inputs/attention_mask.npy"
        --input "token_type_ids=$work/model/inputs/token_type_ids.npy")

# judge NAME MNEMONIC MBERT-COMPILE-OPTIONS...
judge() {
  local name="$1" mnemonic="$2"
  "$build/bin/mbert-compile" "$work/model/model.onnx" --name model --emit=exe -o "$work/$name" "${@:3}"
  # Executions of each block of the model's code, by guest address (-d exec logs one line per
  # block run once chaining is off; the runner's own output is dropped).
  qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu -d exec,nochain "$work/$name" "${inputs[@]}" \
      --output-dir "$work/out-$name" 2>&1 > /dev/null |
    awk -F'[][/]' '/^Trace/ && / model_/ { count[$3]++ }
                   END { for (address in count) print address, count[address] }' > "$work/$name.counts"
  "$python" "$root/python/kernel_loops.py" "$work/$name" "$mnemonic" --counts "$work/$name.counts"
}

echo "### f32 (FMLA; 2 pipes on neoverse-n1/-n2, 4 on cortex-x1)"
judge f32 fmla --cpu cortex-a76
echo
echo "### int8, SDOT (2 pipes on neoverse-n1/-n2, 4 on cortex-x1)"
judge sdot sdot --cpu cortex-a76 --quantize=int8
echo
echo "### int8, SMMLA (no FEAT_I8MM on neoverse-n1: its figure is not meaningful)"
judge smmla smmla --cpu neoverse-n2 --quantize=int8
