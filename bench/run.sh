#!/usr/bin/env bash
# Latency of the full MobileBERT (24 layers, seq 128, batch 1) compiled by
# mbert for this host, f32 and int8, against ONNX Runtime 1.30 (CPU) on the
# same ONNX file (f32) and on its dynamic int8 form, run side by side in this
# one invocation, each on 1 and on 2 threads. Prints
# a markdown table of medians
# and the ratio ONNX Runtime / mbert (above 1: mbert is faster).
#
#   bash bench/run.sh [ITERATIONS]        (default 20 timed runs per engine)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
work="$build/bench"
iterations="${1:-20}"
python=/usr/bin/python3

bash "$root/scripts/build.sh" > /dev/null
mkdir -p "$work"
if [ ! -d "$work/ort/node_modules/onnxruntime-node" ]; then
  # The package's install script downloads extras and fails offline; the CPU
  # libraries ship inside the package itself.
  npm install --ignore-scripts --prefix "$work/ort" onnxruntime-node@1.30.0 > /dev/null
fi
if [ ! -f "$work/model/model.onnx" ]; then
  "$python" "$root/python/mbert_export.py" --layers 24 --seq-len 128 --head none \
    --out "$work/model" > /dev/null
fi

inputs=(--input "input_ids=$work/model/inputs/input_ids.npy"
        --input "attention_mask=$work/model/inputs/attention_mask.npy"
        --input "token_type_ids=$work/model/inputs/token_type_ids.npy")
median() { sed -n 's/^median_ms: //p'; }
ort() { NODE_PATH="$work/ort/node_modules" node "$root/bench/ort_bench.js" \
          "$work/model/$1" "$work/model/inputs" "$iterations" "$2" |
        sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p'; }

# ONNX Runtime's own int8 form of the same file (DynamicQuantizeLinear + MatMulInteger), the peer
# of mbert --quantize=int8.
if [ ! -f "$work/model/model-int8.onnx" ]; then
  "$python" "$root/python/quantize_onnx.py" "$work/model/model.onnx" "$work/model/model-int8.onnx" \
    --format dynamic > /dev/null
fi

echo "| configuration | threads | mbert median ms | ONNX Runtime | ONNX Runtime median ms | ratio ORT/mbert |"
echo "|---|---|---|---|---|---|"
# name | mbert-compile options | ONNX Runtime's file | the check of mbert's outputs
configurations=(
  "x86-64|--cpu x86-64|model.onnx|--rtol 1e-4"
  "native|--cpu native|model.onnx|--rtol 1e-4"
  "native-int8|--cpu native --quantize=int8|model-int8.onnx|--min-cosine 0.999"
)
for configuration in "${configurations[@]}"; do
  IFS='|' read -r name options ort_file check <<< "$configuration"
  # shellcheck disable=SC2086  # the options are words
  "$build/bin/mbert-compile" "$work/model/model.onnx" --target x86_64-linux-gnu $options \
    --emit=exe -o "$work/mobilebert-$name"
  "$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" > /dev/null
  # shellcheck disable=SC2086
  "$python" "$root/python/compare_outputs.py" "$work/out-$name" "$work/model/reference" $check > /dev/null
  for threads in 1 2; do
    ours=$("$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" \
             --iterations "$iterations" --warmup 2 --threads "$threads" | median)
    theirs=$(ort "$ort_file" "$threads")
    ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.3f", a / b }')
    echo "| mbert $options | $threads | $ours | $ort_file | $theirs | $ratio |"
  done
done
