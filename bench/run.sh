#!/usr/bin/env bash
# Latency of the full MobileBERT (24 layers, seq 128, batch 1) compiled by
# mbert for this host, f32 and int8, against ONNX Runtime 1.30 (CPU) on the
# same ONNX file (f32) and on its dynamic int8 form, run side by side in this
# one invocation, each on 1 and on 2 threads. Prints the machine's measured
# peaks (bench/fma_peak.c, on one core and on all the threads used: the f32
# FMA's, and that of the int8 instruction sequence of mbert's x86 kernel), what
# two threads pay to hand data to each other (bench/core_handoff.c), what one
# parallel loop costs on the two-thread pool (bench/pool_overhead.c) and what
# splitting a GEMM by panels costs against splitting it by rows
# (bench/split_locality.c) and the feed-forward chain on one and two threads, split
# three ways (bench/ffn_split.c); then a markdown table of medians, each engine's
# GEMM rate as a fraction of the peak of its arithmetic (the model's GEMM
# multiply-adds from mbert-compile --stats over the median), and the ratio
# ONNX Runtime / mbert (above 1: mbert is faster). The round medians of each
# two-thread row are printed with the cache-line round trip measured just
# before each round: a VM's state can change between two rounds.
#
# The engines take turns: ROUNDS rounds of ITERATIONS timed runs each, mbert
# then ONNX Runtime, and each engine's figure is the median of its round
# medians. On a shared machine a burst of someone else's load lasting tens of
# seconds then slows one round of both engines, not every run of one of them
# (the single-block version of this script once showed ONNX Runtime's f32
# median moving by 12% between two rows of the same invocation).
#
#   bash bench/run.sh [ITERATIONS] [ROUNDS]     (defaults 10 and 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
work="$build/bench"
iterations="${1:-10}"
rounds="${2:-5}"
python=/usr/bin/python3

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

bash "$root/scripts/build.sh" > /dev/null
mkdir -p "$work"
install_onnxruntime
if [ ! -f "$work/model/model.onnx" ]; then
  "$python" "$root/python/mbert_export.py" --layers 24 --seq-len 128 --head none \
    --out "$work/model" > /dev/null
fi

inputs=(--input "input_ids=$work/model/inputs/input_ids.npy"
        --input "attention_mask=$work/model/inputs/attention_mask.npy"
        --input "token_type_ids=$work/model/inputs/token_type_ids.npy")

# ONNX Runtime's own int8 form of the same file (DynamicQuantizeLinear + MatMulInteger), the peer
# of mbert --quantize=int8.
if [ ! -f "$work/model/model-int8.onnx" ]; then
  "$python" "$root/python/quantize_onnx.py" "$work/model/model.onnx" "$work/model/model-int8.onnx" \
    --format dynamic > /dev/null
fi

measure_peaks 1 2
print_core_handoff
print_pool_overhead
print_split_locality
print_ffn_split
echo "(% of peak: the model's GEMM multiply-adds over the median, against the f32 peak for"
echo "f32 rows and the int8 peak for int8 rows, on as many threads)"
echo
echo "| configuration | threads | mbert median ms | mbert % of peak | ONNX Runtime | ONNX Runtime median ms | ONNX Runtime % of peak | ratio ORT/mbert |"
echo "|---|---|---|---|---|---|---|---|"
# name | mbert-compile options | ONNX Runtime's file | the check of mbert's outputs | peak kind
configurations=(
  "x86-64|--cpu x86-64|model.onnx|--rtol 1e-4|f32"
  "native|--cpu native|model.onnx|--rtol 1e-4|f32"
  "native-int8|--cpu native --quantize=int8|model-int8.onnx|--min-cosine 0.999|int8"
)
round_medians=()
for configuration in "${configurations[@]}"; do
  IFS='|' read -r name options ort_file check kind <<< "$configuration"
  # shellcheck disable=SC2086  # the options are words
  "$build/bin/mbert-compile" "$work/model/model.onnx" --target x86_64-linux-gnu $options \
    --emit=exe -o "$work/mobilebert-$name" --stats "$work/stats-$name.json"
  macs=$(stats_gemm_macs "$work/stats-$name.json")
  "$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" > /dev/null
  # shellcheck disable=SC2086
  "$python" "$root/python/compare_outputs.py" "$work/out-$name" "$work/model/reference" $check > /dev/null
  for threads in 1 2; do
    our_rounds=() their_rounds=() handoffs=()
    for ((round = 0; round < rounds; ++round)); do
      if [ "$threads" -gt 1 ]; then
        handoffs+=("$(handoff_round_trip_ns)")
      fi
      our_rounds+=("$("$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" \
                      --iterations "$iterations" --warmup 2 --threads "$threads" | runner_median)")
      their_rounds+=("$(ort_median "$work/model/$ort_file" "$work/model/inputs" "$iterations" "$threads")")
    done
    ours=$(median_of "${our_rounds[@]}")
    theirs=$(median_of "${their_rounds[@]}")
    round_medians+=("mbert $options, $threads thread(s): ${our_rounds[*]}; ONNX Runtime $ort_file: ${their_rounds[*]}${handoffs[*]:+; cache-line round trip before each round (ns): ${handoffs[*]}}")
    ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.3f", a / b }')
    echo "| mbert $options | $threads | $ours | $(percent_of_peak "$ours" "$macs" "$threads" "$kind") |" \
         "$ort_file | $theirs | $(percent_of_peak "$theirs" "$macs" "$threads" "$kind") | $ratio |"
  done
done
echo
echo "Round medians (ms), in the order run:"
printf '%s\n' "${round_medians[@]}"
