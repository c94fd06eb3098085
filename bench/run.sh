#!/usr/bin/env bash
# Latency of the full MobileBERT (24 layers, seq 128, batch 1) compiled by
# mbert for this host, f32 and int8, against ONNX Runtime 1.30 (CPU) on the
# same ONNX file (f32) and on its dynamic int8 form, run side by side in this
# one invocation, each on 1 and on 2 threads. Prints the machine's measured
# peaks (bench/fma_peak.c, on one core and on all the threads used: the f32
# FMA's, and that of the int8 instruction sequence of mbert's x86 kernel),
# then a markdown table of medians, each engine's GEMM rate as a fraction of
# the peak of its arithmetic (the model's GEMM multiply-adds from
# mbert-compile --stats over the median), and the ratio ONNX Runtime / mbert
# (above 1: mbert is faster).
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
# The median of the numbers given as arguments.
median_of() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
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
# this CPU (-march=native), on 1 and on 2 threads: the median of ROUNDS
# measurements.
clang-22 -O2 -march=native -pthread "$root/bench/fma_peak.c" -o "$work/fma_peak"
# Peaks in multiply-adds per second (GMAC/s), by kind ("f32" or "int8") and
# thread count: the f32 FMA's, and the int8 sequence's of the x86 kernel
# (PMADDUBSW, PMADDWD, PADDD; see bench/fma_peak.c).
declare -A peak_gmacs
for threads in 1 2; do
  f32_peaks=() int8_peaks=()
  for ((round = 0; round < rounds; ++round)); do
    measured=$("$work/fma_peak" "$threads")
    f32_peaks+=("$(awk '$1 == "fma_peak_gflops" { print $3 / 2 }' <<< "$measured")")
    int8_peaks+=("$(awk '$1 == "int8_peak_gmacs" { print $3 }' <<< "$measured")")
  done
  peak_gmacs[f32,$threads]=$(median_of "${f32_peaks[@]}")
  peak_gmacs[int8,$threads]=$(median_of "${int8_peaks[@]}")
  echo "measured peaks, $threads thread(s): f32 FMA ${peak_gmacs[f32,$threads]} GMAC/s" \
       "(median of ${f32_peaks[*]}), int8 ${peak_gmacs[int8,$threads]} GMAC/s" \
       "(median of ${int8_peaks[*]})"
done
echo "(% of peak: the model's GEMM multiply-adds over the median, against the f32 peak for"
echo "f32 rows and the int8 peak for int8 rows, on as many threads)"
echo
# Percent of the $4 ("f32" or "int8") peak that a median of $1 ms is, for $2 multiply-adds on $3
# threads.
# "n/a" where fma_peak has no measurement of that kind (its int8 loop needs AVX2).
percent_of_peak() {
  awk -v ms="$1" -v macs="$2" -v peak="${peak_gmacs[$4,$3]}" \
    'BEGIN { if (peak + 0 <= 0) print "n/a"; else printf "%.0f%%", 100 * macs / (ms * 1e-3) / (peak * 1e9) }'
}

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
  macs=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['quantization']['gemm_macs'])" \
           "$work/stats-$name.json")
  "$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" > /dev/null
  # shellcheck disable=SC2086
  "$python" "$root/python/compare_outputs.py" "$work/out-$name" "$work/model/reference" $check > /dev/null
  for threads in 1 2; do
    our_rounds=() their_rounds=()
    for ((round = 0; round < rounds; ++round)); do
      our_rounds+=("$("$work/mobilebert-$name" "${inputs[@]}" --output-dir "$work/out-$name" \
                      --iterations "$iterations" --warmup 2 --threads "$threads" | median)")
      their_rounds+=("$(ort "$ort_file" "$threads")")
    done
    ours=$(median_of "${our_rounds[@]}")
    theirs=$(median_of "${their_rounds[@]}")
    round_medians+=("mbert $options, $threads thread(s): ${our_rounds[*]}; ONNX Runtime $ort_file: ${their_rounds[*]}")
    ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.3f", a / b }')
    echo "| mbert $options | $threads | $ours | $(percent_of_peak "$ours" "$macs" "$threads" "$kind") |" \
         "$ort_file | $theirs | $(percent_of_peak "$theirs" "$macs" "$threads" "$kind") | $ratio |"
  done
done
echo
echo "Round medians (ms), in the order run:"
printf '%s\n' "${round_medians[@]}"
