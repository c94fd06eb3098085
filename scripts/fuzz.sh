#!/usr/bin/env bash
# Runs one libFuzzer target of the sanitized build (scripts/build.sh --sanitize) for a while.
#
#   scripts/fuzz.sh --list                      the targets, one a line
#   scripts/fuzz.sh TARGET SECONDS [ARGS...]    fuzz TARGET; ARGS go to libFuzzer
#
# The run starts from the target's seeds in fuzz/corpus/ plus what earlier runs added in
# build-sanitize/fuzz/corpus/TARGET/ (the repository's seeds are never written to). A crash,
# sanitizer report, timeout or out-of-memory ends the run with a non-zero status and leaves the
# input in build-sanitize/fuzz/artifacts/TARGET/; reproduce it with
#   build-sanitize/bin/mbert-fuzz-TARGET FILE
# The last line is "TARGET: N executions in S s" (the count libFuzzer reported last).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MBERT_SANITIZE_BUILD_DIR:-$root/build-sanitize}"

# TARGET  seeds in fuzz/corpus/  largest input in bytes  seconds one input may take (wall clock,
# generous: a hang is what this catches, and on a shared 2-core machine a fuzzer at low
# priority was starved for over 60 s on inputs that take 1.5 s alone)
targets=(
  "onnx             onnx       65536  300"
  "onnx-structured  onnx       65536  300"
  "npy              npy         4096  10"
  "tokenizer        tokenizer   4096  10"
)

if [ "${1:-}" = "--list" ]; then
  for entry in "${targets[@]}"; do
    read -r name _ <<< "$entry"
    echo "$name"
  done
  exit 0
fi
if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh --list | TARGET SECONDS [libFuzzer args...]" >&2
  exit 2
fi
target="$1" seconds="$2"
shift 2
seeds="" max_len="" timeout=""
for entry in "${targets[@]}"; do
  read -r name seed_folder length limit <<< "$entry"
  if [ "$name" = "$target" ]; then
    seeds="$root/fuzz/corpus/$seed_folder" max_len="$length" timeout="$limit"
  fi
done
if [ -z "$max_len" ]; then
  echo "error: unknown fuzz target '$target' (scripts/fuzz.sh --list names them)" >&2
  exit 2
fi
binary="$build/bin/mbert-fuzz-$target"
if [ ! -x "$binary" ]; then
  echo "error: $binary is missing: run scripts/build.sh --sanitize first" >&2
  exit 2
fi

corpus="$build/fuzz/corpus/$target"
artifacts="$build/fuzz/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
log="$build/fuzz/$target.log"
# The same settings as the sanitized lit run (test/lit.cfg.py): every report is fatal, and
# MLIR's uninstrumented allocator is not mistaken for a use-after-poison.
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:allow_user_poisoning=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
status=0
start=$SECONDS
# New-coverage lines are many; the log keeps them, the terminal shows the rest.
"$binary" "$corpus" "$seeds" -max_total_time="$seconds" -max_len="$max_len" \
  -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$@" 2>&1 | tee "$log" | grep -v -e '^#[0-9]*.*\(NEW\|REDUCE\)' || status=${PIPESTATUS[0]}
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
echo "$target: ${executions:-?} executions in $((SECONDS - start)) s (log: $log)"
exit "$status"
