# shellcheck shell=bash
# Helpers shared by the host benchmarks that set their engines side by side (bench/run.sh,
# bench/gemm.sh). Source it after setting `root` (the checkout), `build` (its build directory),
# `work` (a scratch directory), `rounds` and `python`.
# shellcheck disable=SC2154  # those five are the sourcing script's

# The median of the numbers given as arguments.
median_of() {
  printf '%s\n' "$@" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The median_ms line of an mbert runner's output.
runner_median() { sed -n 's/^median_ms: //p'; }

# ONNX Runtime's median over ITERATIONS timed runs of MODEL on the .npy inputs in INPUT_DIR:
#   ort_median MODEL INPUT_DIR ITERATIONS THREADS
ort_median() {
  NODE_PATH="$build/bench/ort/node_modules" node "$root/bench/ort_bench.js" "$1" "$2" "$3" "$4" |
    sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p'
}

# Installs ONNX Runtime for node under $build/bench/ort unless it is there.
install_onnxruntime() {
  if [ ! -d "$build/bench/ort/node_modules/onnxruntime-node" ]; then
    # The package's install script downloads extras and fails offline; the CPU libraries ship
    # inside the package itself.
    npm install --ignore-scripts --prefix "$build/bench/ort" onnxruntime-node@1.30.0 > /dev/null
  fi
}

# Measures this machine's peaks (bench/fma_peak.c, built for this CPU) on each thread count given,
# while nothing else runs: the median of `rounds` measurements each. Fills peak_gmacs[KIND,THREADS]
# in multiply-adds per second (GMAC/s), KIND "f32" (the FMA's) or "int8" (that of the x86 int8
# kernel: VPDPBUSD where the CPU has VNNI, otherwise PMADDUBSW, PMADDWD, PADDD), and prints one
# line per thread count.
declare -A peak_gmacs
measure_peaks() {
  clang-22 -O2 -march=native -pthread "$root/bench/fma_peak.c" -o "$work/fma_peak"
  local threads round measured
  for threads in "$@"; do
    local f32_peaks=() int8_peaks=()
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
}

# Prints what two threads of this machine pay to hand data to each other (bench/core_handoff.c):
# on a VM it changes with where the hypervisor puts the two virtual CPUs, and the two-thread rows
# with it.
print_core_handoff() {
  clang-22 -O2 -march=native -pthread "$root/bench/core_handoff.c" -o "$work/core_handoff"
  "$work/core_handoff" | awk '
    $1 == "handoff_round_trip_ns" { round_trip = $2 }
    $1 == "handoff_read_us" { remote = $2; local_read = $3 }
    END { printf "two threads: a cache line to the other thread and back %s ns; 256 KB written by the other thread read in %s us (by itself: %s us)\n", round_trip, remote, local_read }'
}

# Prints what one parallel loop costs on the runtime's two-thread pool beyond its work
# (bench/pool_overhead.c), for loops of about 5, 20 and 80 us of one-thread work.
print_pool_overhead() {
  clang-22 -O2 -march=native -pthread -I"$root/runtime/include" "$root/bench/pool_overhead.c" \
    "$build/lib/x86_64-linux-gnu/libmbert_runtime.a" -lm -o "$work/pool_overhead"
  "$work/pool_overhead" | awk '
    $1 == "pool_loop_us" { sizes = sizes sep sprintf("%s us of work: %s us (%s above half)", $3, $4, $5); sep = "; " }
    END { print "a parallel loop on the two-thread pool: " sizes }'
}

# Prints what a GEMM split by column panels costs on two threads when the next loop reads its
# result by rows, against one split by rows (bench/split_locality.c).
print_split_locality() {
  clang-22 -O2 -march=native -pthread -I"$root/runtime/include" "$root/bench/split_locality.c" \
    "$build/lib/x86_64-linux-gnu/libmbert_runtime.a" -lm -o "$work/split_locality"
  "$work/split_locality" | awk '
    $1 == "split_locality" { gemm[$2] = $3; consumer[$2] = $4 }
    END { printf "a 128 x 128 x 512 f32 GEMM and a loop reading its rows, us: one thread %s + %s; two threads, GEMM split by panels %s + %s, by rows %s + %s\n", gemm["one_thread"], consumer["one_thread"], gemm["columns"], consumer["columns"], gemm["rows"], consumer["rows"] }'
}

# Prints the feed-forward chain (96 blocks, weights from memory) in C on one thread (128 rows, and
# 64) and on two split by rows as mbert splits it, by rows with no synchronization, and the
# tensor-parallel way, in which no weight is read by both threads (bench/ffn_split.c).
print_ffn_split() {
  clang-22 -O2 -march=native -pthread -I"$root/runtime/include" "$root/bench/ffn_split.c" \
    "$build/lib/x86_64-linux-gnu/libmbert_runtime.a" -lm -o "$work/ffn_split"
  "$work/ffn_split" | awk '
    $1 == "ffn_split" { times[$2] = times[$2] sep[$2] $3; sep[$2] = ", " }
    END { printf "the feed-forward chain in C (96 blocks, 128 rows), ms: one thread %s (64 rows: %s); two threads split by rows %s, by rows unsynchronized %s, tensor-parallel %s\n", times["one_thread"], times["one_thread_64_rows"], times["rows"], times["rows_unsynchronized"], times["tensor_parallel"] }'
}

# The round trip of a cache line between two threads now, in ns (bench/core_handoff.c, built by
# print_core_handoff): on a VM it can change between two rounds of the same row.
handoff_round_trip_ns() {
  "$work/core_handoff" | awk '$1 == "handoff_round_trip_ns" { print $2 }'
}

# Percent of the KIND ("f32" or "int8") peak on THREADS threads that MACS multiply-adds in a median
# of MS milliseconds are; "n/a" where fma_peak has no measurement of that kind (its int8 loop needs
# AVX2):
#   percent_of_peak MS MACS THREADS KIND
percent_of_peak() {
  awk -v ms="$1" -v macs="$2" -v peak="${peak_gmacs[$4,$3]}" \
    'BEGIN { if (peak + 0 <= 0) print "n/a"; else printf "%.0f%%", 100 * macs / (ms * 1e-3) / (peak * 1e9) }'
}

# The GEMM multiply-adds of a model, from the JSON that mbert-compile --stats wrote.
stats_gemm_macs() {
  "$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['quantization']['gemm_macs'])" "$1"
}
