// The machine's own f32 multiply-add peak, measured: every thread runs a loop
// of independent vector FMAs on registers only (no loads or stores), enough
// of them in flight to cover the FMA latency on every pipe. bench/run.sh
// prints the result beside the model's latencies, so a GEMM's efficiency is
// judged against this machine and not a data sheet.
//
//   fma_peak [THREADS]    prints "fma_peak_gflops THREADS G" (best of 7 runs)
//
// Built by bench/run.sh with -O2 -march=native: the vector width is the
// widest this CPU has (AVX-512, AVX2+FMA or NEON).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 vector_t;
#define LANES 16
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SPLAT(x) _mm512_set1_ps(x)
#define ACCUMULATORS 24
#define REGISTER_CONSTRAINT(x) "+v"(x)
#elif defined(__FMA__)
#include <immintrin.h>
typedef __m256 vector_t;
#define LANES 8
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SPLAT(x) _mm256_set1_ps(x)
#define ACCUMULATORS 12
#define REGISTER_CONSTRAINT(x) "+x"(x)
#elif defined(__ARM_NEON)
#include <arm_neon.h>
typedef float32x4_t vector_t;
#define LANES 4
#define FMA(a, b, c) vfmaq_f32(c, a, b)
#define SPLAT(x) vdupq_n_f32(x)
#define ACCUMULATORS 24
#define REGISTER_CONSTRAINT(x) "+w"(x)
#else
#error "fma_peak needs AVX-512, FMA3 or NEON"
#endif

enum { kIterations = 20 * 1000 * 1000, kRepeats = 7 };

// One thread's loop: ACCUMULATORS chains of FMAs, each independent of the
// others. The result is returned so the compiler keeps the work.
static void *run_fma_chains(void *sink) {
  vector_t acc[ACCUMULATORS];
  for (int i = 0; i < ACCUMULATORS; ++i)
    acc[i] = SPLAT((float)i);
  // acc * m + m converges to m / (1 - m): the values stay finite and normal.
  vector_t multiplier = SPLAT(0.999999f);
  for (long iteration = 0; iteration < kIterations; ++iteration) {
    for (int i = 0; i < ACCUMULATORS; ++i)
      acc[i] = FMA(acc[i], multiplier, multiplier);
    // Keeps the compiler from hoisting or fusing iterations: the registers
    // are observed as modified.
    __asm__ volatile("" : REGISTER_CONSTRAINT(acc[0]));
  }
  float total = 0;
  for (int i = 0; i < ACCUMULATORS; ++i) {
    float lanes[LANES];
    __builtin_memcpy(lanes, &acc[i], sizeof lanes);
    total += lanes[0];
  }
  *(float *)sink = total;
  return NULL;
}

static double seconds_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 256) {
    fprintf(stderr, "fma_peak: thread count must be 1..256, got '%s'\n", argv[1]);
    return 2;
  }
  pthread_t workers[256];
  float sinks[256];
  double best = 0;
  for (int repeat = 0; repeat < kRepeats; ++repeat) {
    double start = seconds_now();
    for (int t = 0; t < threads; ++t)
      if (pthread_create(&workers[t], NULL, run_fma_chains, &sinks[t]) != 0) {
        fprintf(stderr, "fma_peak: cannot start thread %d\n", t);
        return 1;
      }
    for (int t = 0; t < threads; ++t)
      pthread_join(workers[t], NULL);
    double elapsed = seconds_now() - start;
    double flops = 2.0 * LANES * ACCUMULATORS * (double)kIterations * threads;
    if (flops / elapsed > best)
      best = flops / elapsed;
  }
  printf("fma_peak_gflops %d %.1f\n", threads, best * 1e-9);
  return sinks[0] == 12345.0f; // never true; keeps the sinks observed
}
