#!/usr/bin/env bash
# Latency of the full MobileBERT (24 layers, seq 128, batch 1) compiled by
# mbert for this host, f32 and int8, against ONNX Runtime 1.30 (CPU) on the
# same ONNX file (f32) and on its dynamic int8 form, run side by side in this
# one invocation, each on 1 and on 2 threads. Prints the machine's measured
# f32 FMA peak (bench/fma_peak.c: one core, and all the threads used), then a
# markdown table of medians, each engine's GEMM rate as a fraction of that
# peak (the model's GEMM multiply-adds from mbert-compile --stats, two flops
# each, over the median), and the ratio ONNX Runtime / mbert (above 1: mbert
# is faster).
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

# The peak is measured while nothing else runs, with the vector width of
# this CPU (-march=native), on 1 and on 2 threads.
clang-22 -O2 -march=native -pthread "$root/bench/fma_peak.c" -o "$work/fma_peak"
declare -A peak_gflops
for threads in 1 2; do
  peak_gflops[$threads]=$("$work/fma_peak" "$threads" | awk '{ print $3 }')
  echo "measured f32 FMA peak, $threads thread(s): ${peak_gflops[$threads]} GFLOP/s"
done
echo
# Percent of the measured peak that a median of $1 ms is, for $2 multiply-adds on $3 threads.
percent_of_peak() {
  awk -v ms="$1" -v macs="$2" -v peak="${peak_gflops[$3]}" \
    'BEGIN { printf "%.0f%%", 100 * 2 * macs / (ms * 1e-3) / (peak * 1e9) }'
}

echo "| configuration | threads | mbert median ms | mbert % of peak | ONNX Runtime | ONNX Runtime median ms | ONNX Runtime % of peak | ratio ORT/mbert |"
echo "|---|---|---|---|---|---|---|---|"
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
    --emit=exe -o "$work/mobilebert-$name" --stats "$work/stats-$name.json"
  macs=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['quantization']['gemm_macs'])" \
           "$work/stats-$name.json")
  "$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" > /dev/null
  # shellcheck disable=SC2086
  "$python" "$root/python/compare_outputs.py" "$work/out-$name" "$work/model/reference" $check > /dev/null
  for threads in 1 2; do
    ours=$("$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" \
             --iterations "$iterations" --warmup 2 --threads "$threads" | median)
    theirs=$(ort "$ort_file" "$threads")
    ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.3f", a / b }')
    echo "| mbert $options | $threads | $ours | $(percent_of_peak "$ours" "$macs" "$threads") |" \
         "$ort_file | $theirs | $(percent_of_peak "$theirs" "$macs" "$threads") | $ratio |"
  done
done
