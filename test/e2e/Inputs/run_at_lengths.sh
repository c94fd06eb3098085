#!/usr/bin/env bash
# run_at_lengths.sh COMPARE EXPORT_DIR MODEL [LAUNCHER...]: runs the executable MODEL (built
# with --max-seq-len) on the unpadded inputs of every length that mbert_export.py
# --reference-lengths wrote under EXPORT_DIR/lengths/, and compares each output with PyTorch's
# on exactly that length with COMPARE (compare_outputs.py and its tolerance flags, one word
# list). Prints "L=<length> <compare line>"; LAUNCHER (e.g. qemu-aarch64) runs MODEL, on
# RUN_AT_LENGTHS_THREADS threads (default 1).
set -euo pipefail
compare="$1" export_dir="$2" model="$3"
threads="${RUN_AT_LENGTHS_THREADS:-1}"
shift 3
for length in $(ls "$export_dir/lengths" | sort -n); do
  folder="$export_dir/lengths/$length/"
  inputs=()
  for input in "$folder"inputs/*.npy; do
    inputs+=(--input "$(basename "$input" .npy)=$input")
  done
  "$@" "$model" "${inputs[@]}" --threads "$threads" --output-dir "$export_dir/out-$length" \
    > /dev/null
  $compare "$export_dir/out-$length" "$folder/reference" | sed "s/^/L=$length /"
done
