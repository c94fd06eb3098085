#!/usr/bin/env bash
# The host GEMM kernels alone: MobileBERT's feed-forward GEMMs (x [S, 128] @ [128, 512], ReLU,
# @ [512, 128], with biases; 96 blocks, as many as the 24-layer model has, each with its own
# weights: python/gemm_chain.py) compiled by mbert for this CPU (--cpu native), f32 and int8,
# beside ONNX Runtime 1.30 (CPU) on the same ONNX file (f32) and on its dynamic int8 form, one
# thread each, at S = 128 and 384. Prints the machine's measured one-core peaks (bench/fma_peak.c)
# and a markdown table of medians, each as a fraction of the peak of its arithmetic, with the
# ratio ONNX Runtime / mbert (above 1: mbert is faster).
#
# This is how the f32 kernel's efficiency on the large GEMMs is judged, apart from the attention
# and the other small operations of the whole model (bench/run.sh). The engines take turns as in
# bench/run.sh: ROUNDS rounds of ITERATIONS timed runs each, and each figure is the median of its
# round medians.
#
#   bash bench/gemm.sh [ITERATIONS] [ROUNDS]     (defaults 10 and 5)
#
# MBERT_COMPILE=path/to/mbert-compile uses that compiler as is; otherwise scripts/build.sh builds
# this checkout's. Work files go to $MBERT_BUILD_DIR/bench/gemm (default build/bench/gemm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
work="$build/bench/gemm"
iterations="${1:-10}"
rounds="${2:-5}"
python=/usr/bin/python3
for count in "$iterations" "$rounds"; do
  # The runner prints a median only for two or more timed runs.
  if ! [[ "$count" =~ ^[0-9]+$ ]] || [ "$count" -lt 2 ]; then
    echo "error: ITERATIONS and ROUNDS must be whole numbers of at least 2, got '$count'" >&2
    exit 2
  fi
done

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

if [ -z "${MBERT_COMPILE:-}" ]; then
  bash "$root/scripts/build.sh" > /dev/null
  MBERT_COMPILE="$build/bin/mbert-compile"
fi
mkdir -p "$work"
install_onnxruntime

measure_peaks 1
echo "(% of peak: the chain's GEMM multiply-adds over the median, against the f32 peak for f32"
echo "rows and the int8 peak for int8 rows)"
echo
echo "| S | mbert | mbert median ms | mbert % of peak | ONNX Runtime | ONNX Runtime median ms | ONNX Runtime % of peak | ratio ORT/mbert |"
echo "|---|---|---|---|---|---|---|---|"
round_medians=()
for rows in 128 384; do
  model="$work/s$rows"
  if [ ! -f "$model/model.onnx" ]; then
    "$python" "$root/python/gemm_chain.py" --rows "$rows" --out "$model"
  fi
  if [ ! -d "$model/reference" ]; then
    "$python" "$root/python/run_onnx_numpy.py" "$model/model.onnx" "$model/inputs" "$model/reference"
  fi
  if [ ! -f "$model/model-int8.onnx" ]; then
    "$python" "$root/python/quantize_onnx.py" "$model/model.onnx" "$model/model-int8.onnx" \
      --format dynamic > /dev/null
  fi
  # kind | mbert-compile options | ONNX Runtime's file | the check of mbert's outputs against numpy
  for configuration in "f32||model.onnx|--rtol 1e-4" \
                       "int8|--quantize=int8|model-int8.onnx|--min-cosine 0.99"; do
    IFS='|' read -r kind options ort_file check <<< "$configuration"
    executable="$model/chain-$kind"
    # shellcheck disable=SC2086  # the options are words
    "$MBERT_COMPILE" "$model/model.onnx" --target x86_64-linux-gnu --cpu native $options \
      --emit=exe -o "$executable" --stats "$model/stats-$kind.json"
    macs=$(stats_gemm_macs "$model/stats-$kind.json")
    "$executable" --input "x=$model/inputs/x.npy" --output-dir "$model/out-$kind" > /dev/null
    # shellcheck disable=SC2086
    "$python" "$root/python/compare_outputs.py" "$model/out-$kind" "$model/reference" $check > /dev/null
    our_rounds=() their_rounds=()
    for ((round = 0; round < rounds; ++round)); do
      our_rounds+=("$("$executable" --input "x=$model/inputs/x.npy" --output-dir "$model/out-$kind" \
                      --iterations "$iterations" --warmup 2 --threads 1 | runner_median)")
      their_rounds+=("$(ort_median "$model/$ort_file" "$model/inputs" "$iterations" 1)")
    done
    ours=$(median_of "${our_rounds[@]}")
    theirs=$(median_of "${their_rounds[@]}")
    round_medians+=("S=$rows $kind: mbert ${our_rounds[*]}; ONNX Runtime ${their_rounds[*]}")
    ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.3f", a / b }')
    echo "| $rows | $kind $options | $ours | $(percent_of_peak "$ours" "$macs" 1 "$kind") |" \
         "$ort_file | $theirs | $(percent_of_peak "$theirs" "$macs" 1 "$kind") | $ratio |"
  done
done
echo
echo "Round medians (ms), in the order run:"
printf '%s\n' "${round_medians[@]}"
