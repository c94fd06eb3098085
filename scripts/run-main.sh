#!/usr/bin/env bash
# The main job, from a fresh machine: export the full-size MobileBERT (24
# layers, sequence length 128) with PyTorch, compile it to an AArch64 object
# and header, link it into the npy runner, run it under qemu-aarch64 and
# check its output against PyTorch's.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
work="$build/mobilebert"
python=/usr/bin/python3

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"

echo "== exporting MobileBERT (24 layers, seq 128) to $work"
"$python" "$root/python/mbert_export.py" --layers 24 --seq-len 128 --head none --out "$work"

echo "== compiling to an AArch64 object"
start=$(date +%s%N)
"$build/bin/mbert-compile" "$work/model.onnx" --target aarch64-linux-gnu --name mobilebert \
  -o "$work/mobilebert.o"
end=$(date +%s%N)
printf 'compiled in %d ms: %s (%s bytes) and %s\n' $(( (end - start) / 1000000 )) \
  "$work/mobilebert.o" "$(stat -c %s "$work/mobilebert.o")" "$work/mobilebert.h"
grep -E "WORKSPACE_SIZE|int32_t mobilebert_run\(" "$work/mobilebert.h"

echo "== linking the runner and running under qemu-aarch64"
"$build/bin/mbert-compile" "$work/model.onnx" --target aarch64-linux-gnu --name mobilebert \
  --emit=exe -o "$work/mobilebert-aarch64"
rm -rf "$work/out"
qemu-aarch64 "$work/mobilebert-aarch64" \
  --input input_ids="$work/inputs/input_ids.npy" \
  --input attention_mask="$work/inputs/attention_mask.npy" \
  --input token_type_ids="$work/inputs/token_type_ids.npy" \
  --output-dir "$work/out"

echo "== comparing with the PyTorch reference (rtol 1e-4 of the output's max magnitude)"
"$python" "$root/python/compare_outputs.py" "$work/out" "$work/reference" --rtol 1e-4
