#!/usr/bin/env bash
# int8 fidelity and latency of MobileBERT-QA (24 layers, seq 128, batch 1), plain and with outlier
# channels (mbert_export.py --outlier-channels 2), for every engine in the list below: each
# engine's outputs on the same random inputs against ONNX Runtime fp32 on the same model (cosine
# min/median over unmasked positions, start/end argmax agreement), with its 1-thread median
# latency beside them. One markdown table per model.
#
#   bash bench/quant.sh [SAMPLES] [ITERATIONS]     (default 100 samples, 20 timed runs per engine)
#
# MBERT_COMPILE=path/to/mbert-compile uses that compiler as is; otherwise scripts/build.sh builds
# this checkout's. Work files go to $MBERT_BUILD_DIR/bench/quant (default build/bench/quant).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_BUILD_DIR:-$root/build}"
work="$build/bench/quant"
samples_count="${1:-100}"
iterations="${2:-20}"
python=/usr/bin/python3
ort_modules="$build/bench/ort/node_modules"

if [ -z "${MBERT_COMPILE:-}" ]; then
  bash "$root/scripts/build.sh" > /dev/null
  MBERT_COMPILE="$build/bin/mbert-compile"
fi
if [ ! -x "$MBERT_COMPILE" ]; then
  echo "error: $MBERT_COMPILE is not an executable; set MBERT_COMPILE to a built mbert-compile" >&2
  exit 1
fi
mkdir -p "$work"
if [ ! -d "$ort_modules/onnxruntime-node" ]; then
  # The package's install script downloads extras and fails offline; the CPU
  # libraries ship inside the package itself.
  npm install --ignore-scripts --prefix "$build/bench/ort" onnxruntime-node@1.30.0 > /dev/null
fi

# Model variants: directory name and exporter options.
declare -A variants=(
  [plain]=""
  [outliers]="--outlier-channels 2"
)
# Writes $model/FILE, the dynamic int8 form of $model/model.onnx: quantize FILE [OPTIONS].
quantize() {
  "$python" "$root/python/quantize_onnx.py" "$model/model.onnx" "$model/$1" --format dynamic "${@:2}" > /dev/null
}
for variant in plain outliers; do
  model="$work/$variant"
  if [ ! -f "$model/model.onnx" ]; then
    # shellcheck disable=SC2086  # the options are words
    "$python" "$root/python/mbert_export.py" --layers 24 --seq-len 128 --head qa \
      ${variants[$variant]} --out "$model" > /dev/null
  fi
  quantize int8-dynamic-per-tensor.onnx
  quantize int8-dynamic-per-channel.onnx --per-channel
  quantize int8-dynamic-per-channel-7bit.onnx --per-channel --reduce-range
done
# Both variants share one input set; the compiler's calibration set is drawn apart from it, so
# that calibrated engines are not measured on the inputs they were calibrated on.
samples="$work/samples"
calibration="$work/calibration"
rm -rf "$samples" "$calibration"
"$python" "$root/python/fidelity.py" generate "$work/plain/model.onnx" "$samples" --count "$samples_count" \
  --seed 0 > /dev/null
"$python" "$root/python/fidelity.py" generate "$work/plain/model.onnx" "$calibration" --count 32 \
  --seed 1 > /dev/null

# Runs one engine on $model over $samples into $work/out/$variant/NAME and times it on the
# export's test input; appends its compare arguments to `compare`.
#   ort NAME FILE          ONNX Runtime on $model/FILE
#   mbert NAME FLAGS...    mbert-compile FLAGS... for this host (--cpu native), run by its runner
ort() {
  local name="$1" file="$model/$2"
  echo "quant.sh: $variant: $name" >&2
  "$python" "$root/python/fidelity.py" run-ort "$file" "$samples" "$work/out/$variant/$name" \
    --ort-modules "$ort_modules"
  local ms
  ms=$(NODE_PATH="$ort_modules" node "$root/bench/ort_bench.js" "$file" "$model/inputs" "$iterations" 1 |
       sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p')
  compare+=(--engine "$name=$work/out/$variant/$name" --latency "$name=$ms")
}
mbert() {
  local name="$1"; shift
  local exe="$work/exe/$variant-$name"
  echo "quant.sh: $variant: $name" >&2
  mkdir -p "$work/exe"
  # The compiler is the thing under development: a failing configuration is reported and left
  # out of the table rather than hiding every other engine's figures.
  if ! "$MBERT_COMPILE" "$model/model.onnx" --target x86_64-linux-gnu --cpu native --emit=exe -o "$exe" "$@" \
       > "$exe.log" 2>&1 ||
     ! "$python" "$root/python/fidelity.py" run-exe "$exe" "$samples" "$work/out/$variant/$name" >> "$exe.log" 2>&1; then
    echo "quant.sh: $variant: $name failed; see $exe.log" >&2
    failed+=("$variant/$name")
    return
  fi
  local ms
  ms=$("$exe" --input "input_ids=$model/inputs/input_ids.npy" \
         --input "attention_mask=$model/inputs/attention_mask.npy" \
         --input "token_type_ids=$model/inputs/token_type_ids.npy" --output-dir "$work/out/$variant/$name-timing" \
         --iterations "$iterations" --warmup 2 --threads 1 | sed -n 's/^median_ms: //p')
  compare+=(--engine "$name=$work/out/$variant/$name" --latency "$name=$ms")
}

failed=()
for variant in plain outliers; do
  model="$work/$variant"
  compare=()
  # The engines, one line each; ort-fp32 is also every table's reference.
  ort ort-fp32 model.onnx
  ort ort-int8 int8-dynamic-per-tensor.onnx
  ort ort-int8-per-channel int8-dynamic-per-channel.onnx
  ort ort-int8-per-channel-7bit int8-dynamic-per-channel-7bit.onnx
  mbert mbert-fp32
  mbert mbert-int8 --quantize=int8 --calibration "$calibration"
  # 7-bit activation codes: on x86 CPUs without VNNI, PMADDUBSW's faster pair form.
  mbert mbert-int8-7bit-activations --quantize=int8 --calibration "$calibration" \
    --int8-activation-bits=7
  mbert mbert-int8-generated-calibration --quantize=int8
  mbert mbert-int8-no-smoothing --quantize=int8 --calibration "$calibration" --smoothing-strength=0

  echo
  echo "### $variant: MobileBERT-QA, 24 layers, S=128 ${variants[$variant]}"
  "$python" "$root/python/fidelity.py" compare "$samples" --reference "ort-fp32=$work/out/$variant/ort-fp32" \
    "${compare[@]}" --latency-label "1 thread, $iterations runs" --json "$work/fidelity-$variant.json"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed engines (left out above): ${failed[*]}" >&2
  exit 1
fi
