#!/usr/bin/env bash
# Latency against sequence length of one MobileBERT-QA object (24 layers, batch 1) compiled by
# mbert for this host with --max-seq-len 384, run at lengths 16, 32, ..., 384, beside ONNX
# Runtime 1.30 (CPU) on the same dynamic-axes ONNX file at the same lengths, one thread each.
# The inputs at length L are L real tokens (mask all ones, no padding), and at every length the
# object's outputs are first checked against PyTorch run on exactly those L tokens
# (mbert_export.py --reference-lengths).
#
# Prints the machine's measured single-thread f32 FMA peak (bench/fma_peak.c), a markdown table
# of medians with the ratio ONNX Runtime / mbert (above 1: mbert is faster), then the spec's two
# checks: the 384 object against objects compiled for one fixed length (--seq-len 32 and
# --seq-len 384) on the same inputs, within 15% at L=32 and 5% at L=384. Writes the medians to
# $work/latency.csv and plots them to $work/latency.png (python/plot_lengths.py).
#
#   bash bench/lengths.sh [ITERATIONS] [--plot FILE]
#       ITERATIONS   timed runs per engine and length (default 10, at least 2)
#       --plot FILE  also copy the plot to FILE
#
# MBERT_COMPILE=path/to/mbert-compile uses that compiler as is; otherwise scripts/build.sh builds
# this checkout's. LAYERS=N exports N blocks instead of 24, for a quick run of the script itself.
# Work files go to $MBERT_BUILD_DIR/bench/lengths (default build/bench/lengths).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
work="$build/bench/lengths"
layers="${LAYERS:-24}"
python=/usr/bin/python3
ort_modules="$build/bench/ort/node_modules"

iterations=10
plot_copy=""
while [ $# -gt 0 ]; do
  case "$1" in
    --plot) plot_copy="${2:?--plot needs a file name}"; shift 2 ;;
    *) iterations="$1"; shift ;;
  esac
done
# The runner prints a median only for two or more timed runs.
if ! [[ "$iterations" =~ ^[0-9]+$ ]] || [ "$iterations" -lt 2 ]; then
  echo "error: ITERATIONS must be a whole number of at least 2, got '$iterations'" >&2
  exit 2
fi

max_length=384
mapfile -t lengths < <(seq 16 16 "$max_length")
# Objects compiled for one length only, and how much slower the $max_length object may be there.
declare -A allowed_slowdown=([32]=1.15 [384]=1.05)
mapfile -t fixed_lengths < <(printf '%s\n' "${!allowed_slowdown[@]}" | sort -n)

if [ -z "${MBERT_COMPILE:-}" ]; then
  bash "$root/scripts/build.sh" > /dev/null
  MBERT_COMPILE="$build/bin/mbert-compile"
fi
mkdir -p "$work"
if [ ! -d "$ort_modules/onnxruntime-node" ]; then
  # The package's install script downloads extras and fails offline; the CPU
  # libraries ship inside the package itself.
  npm install --ignore-scripts --prefix "$build/bench/ort" onnxruntime-node@1.30.0 > /dev/null
fi
# One folder per block count, so that a quick LAYERS run does not stand in for the full model;
# config.json is the exporter's last file, so its presence means a complete export.
model="$work/qa-$layers-layers"
if [ ! -f "$model/config.json" ]; then
  "$python" "$root/python/mbert_export.py" --layers "$layers" --head qa --dynamic-axes \
    --seq-len "$max_length" --reference-lengths "$(IFS=,; echo "${lengths[*]}")" --out "$model" > /dev/null
fi

# The peak is measured before the timed runs, with the vector width of this CPU.
clang-22 -O2 -march=native -pthread "$root/bench/fma_peak.c" -o "$work/fma_peak"
echo "measured f32 FMA peak, 1 thread: $("$work/fma_peak" 1 | awk '{ print $3 }') GFLOP/s"
echo

# Compiles $work/mobilebert-NAME from the dynamic-axes file: compile NAME OPTIONS...
compile() {
  local name="$1"; shift
  "$MBERT_COMPILE" "$model/model.onnx" --target x86_64-linux-gnu --cpu native --emit=exe \
    -o "$work/mobilebert-$name" "$@"
}
compile "max-$max_length" --max-seq-len "$max_length"
for length in "${fixed_lengths[@]}"; do
  compile "seq-$length" --seq-len "$length"
done

# Median ms of $work/mobilebert-NAME on the inputs of length L, after checking the outputs of
# those runs against PyTorch's: mbert_ms NAME L. The runner takes L from the inputs' shapes.
mbert_ms() {
  local name="$1" length="$2"
  local inputs="$model/lengths/$length/inputs" out="$work/out/$name-$length"
  local ms
  ms=$("$work/mobilebert-$name" --input "input_ids=$inputs/input_ids.npy" \
         --input "attention_mask=$inputs/attention_mask.npy" \
         --input "token_type_ids=$inputs/token_type_ids.npy" --output-dir "$out" \
         --iterations "$iterations" --warmup 2 --threads 1 | sed -n 's/^median_ms: //p')
  if ! "$python" "$root/python/compare_outputs.py" "$out" "$model/lengths/$length/reference" --rtol 1e-4 \
       > "$out.log"; then
    echo "error: mobilebert-$name at length $length does not match PyTorch; see $out.log" >&2
    exit 1
  fi
  if [ -z "$ms" ]; then
    echo "error: mobilebert-$name printed no median_ms at length $length" >&2
    exit 1
  fi
  echo "$ms"
}
# Median ms of ONNX Runtime on the inputs of length L: onnxruntime_ms L.
onnxruntime_ms() {
  NODE_PATH="$ort_modules" node "$root/bench/ort_bench.js" "$model/model.onnx" \
    "$model/lengths/$1/inputs" "$iterations" 1 |
    sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p' | awk '{ printf "%.3f", $1 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

declare -A max_object_ms fixed_object_ms
echo "length,mbert_ms,onnxruntime_ms" > "$work/latency.csv"
echo "| length | mbert max-seq-len $max_length (ms) | ONNX Runtime (ms) | ratio ORT/mbert |"
echo "|---|---|---|---|"
for length in "${lengths[@]}"; do
  ours=$(mbert_ms "max-$max_length" "$length")
  # A fixed-length object runs right after the $max_length object at its length, so that both
  # see the same load on this shared machine.
  if [ -n "${allowed_slowdown[$length]:-}" ]; then
    max_object_ms[$length]=$ours
    fixed_object_ms[$length]=$(mbert_ms "seq-$length" "$length")
  fi
  theirs=$(onnxruntime_ms "$length")
  echo "$length,$ours,$theirs" >> "$work/latency.csv"
  echo "| $length | $ours | $theirs | $(ratio "$theirs" "$ours") |"
done
echo

fixed_points=()
for length in "${fixed_lengths[@]}"; do
  fixed_points+=(--fixed-object "$length=${fixed_object_ms[$length]}")
  slowdown=$(ratio "${max_object_ms[$length]}" "${fixed_object_ms[$length]}")
  verdict=$(awk -v r="$slowdown" -v g="${allowed_slowdown[$length]}" 'BEGIN { print (r <= g ? "met" : "NOT met") }')
  echo "$max_length-object at L=$length vs $length-object: ${max_object_ms[$length]} ms vs" \
       "${fixed_object_ms[$length]} ms = $slowdown (goal <= ${allowed_slowdown[$length]}: $verdict)"
done

"$python" "$root/python/plot_lengths.py" "$work/latency.csv" "$work/latency.png" "${fixed_points[@]}" \
  --title "MobileBERT-QA, $layers layers, batch 1, 1 thread: median of $iterations runs"
echo "plot: $work/latency.png"
if [ -n "$plot_copy" ]; then
  mkdir -p "$(dirname "$plot_copy")"
  cp "$work/latency.png" "$plot_copy"
  echo "plot copied to $plot_copy"
fi
