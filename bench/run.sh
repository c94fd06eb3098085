#!/usr/bin/env bash
# Latency of the full MobileBERT (24 layers, seq 128, batch 1) compiled by
# mbert for this host, against ONNX Runtime 1.30 (CPU) on the same ONNX file,
# run side by side in this one invocation, each on 1 and on 2 threads. Prints
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
          "$work/model/model.onnx" "$work/model/inputs" "$iterations" "$1" |
        sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p'; }

echo "| configuration | threads | mbert median ms | ONNX Runtime median ms | ratio ORT/mbert |"
echo "|---|---|---|---|---|"
for cpu in x86-64 native; do
  "$build/bin/mbert-compile" "$work/model/model.onnx" --target x86_64-linux-gnu --cpu "$cpu" \
    --emit=exe -o "$work/mobilebert-$cpu"
  "$work/mobilebert-$cpu" "${inputs[@]}" --output-dir "$work/out-$cpu" > /dev/null
  "$python" "$root/python/compare_outputs.py" "$work/out-$cpu" "$work/model/reference" > /dev/null
  for threads in 1 2; do
    ours=$("$work/mobilebert-$cpu" "${inputs[@]}" --output-dir "$work/out-$cpu" \
             --iterations "$iterations" --warmup 2 --threads "$threads" | median)
    theirs=$(ort "$threads")
    ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.3f", a / b }')
    echo "| mbert --cpu=$cpu | $threads | $ours | $theirs | $ratio |"
  done
done
