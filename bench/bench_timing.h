/* The clock and the median that the C benchmarks in bench/ share. Header-only: each benchmark is
 * one C file built on its own (bench/lib.sh, bench/lengths.sh, CMake for tokenizer_bench). */
#ifndef MBERT_BENCH_TIMING_H
#define MBERT_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_seconds(void) {
  struct timespec time;
  clock_gettime(CLOCK_MONOTONIC, &time);
  return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

static inline int bench_compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts `values` in place, smallest first. */
static inline void bench_sort(double *values, int count) {
  qsort(values, (size_t)count, sizeof *values, bench_compare_doubles);
}

/* The median of `values`, which it sorts in place. */
static inline double bench_median(double *values, int count) {
  bench_sort(values, count);
  return values[count / 2];
}

#endif
