// The machine's own multiply-add peaks, measured: every thread runs a loop of
// independent vector operations on registers only (no loads or stores),
// enough of them in flight to cover the latency on every pipe. bench/run.sh
// prints the results beside the model's latencies, so a GEMM's efficiency is
// judged against this machine and not a data sheet.
//
// - f32: FMA chains.
// - int8 (x86 with AVX2): the instructions mbert's x86 int8 kernel runs per
//   vector of 4-deep dot products. With AVX-512-VNNI or AVX-VNNI that is one
//   VPDPBUSD (uint8 x int8, four products summed into each int32 lane);
//   without, PMADDUBSW (uint8 x int8 pairs into int16) then PMADDWD by ones
//   (pairs into int32) then PADDD. Data sheets and llvm-mca give these
//   instructions' throughput one at a time (and LLVM 22's Zen 5 model gives
//   VPDPBUSD a quarter of its measured rate); what bounds the kernel is how
//   fast they run on this core, so it is measured too.
//
//   fma_peak [THREADS]    prints "fma_peak_gflops THREADS G" and, where
//                         measured, "int8_peak_gmacs THREADS G" (best of 7
//                         runs each; a GMAC is 1e9 multiply-adds)
//
// Built by bench/run.sh with -O2 -march=native: the vector width is the
// widest this CPU has (AVX-512, AVX2+FMA or NEON).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_timing.h"

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

// The int8 sequence at the width mbert's x86 kernel uses: 512 bits with
// AVX-512BW, else 256 with AVX2. A VPDPBUSD chain waits for its accumulator
// (latency 4-5 cycles at up to two per cycle), so it needs more chains than
// the PMADDUBSW sequence, whose chains wait only for PADDD.
#if defined(__AVX512BW__)
typedef __m512i int8_vector_t;
#define INT8_LANES 64
#define SPLAT_I8(x) _mm512_set1_epi8(x)
#define SPLAT_I16(x) _mm512_set1_epi16(x)
#define SPLAT_I32(x) _mm512_set1_epi32(x)
#define INT8_REGISTER_CONSTRAINT(x) "+v"(x)
#if defined(__AVX512VNNI__)
#define INT8_STEP(acc, a, w, ones) _mm512_dpbusd_epi32(acc, a, w)
#define INT8_ACCUMULATORS 16
#else
#define INT8_STEP(acc, a, w, ones) \
  _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, w), ones))
#endif
#elif defined(__AVX2__)
typedef __m256i int8_vector_t;
#define INT8_LANES 32
#define SPLAT_I8(x) _mm256_set1_epi8(x)
#define SPLAT_I16(x) _mm256_set1_epi16(x)
#define SPLAT_I32(x) _mm256_set1_epi32(x)
#define INT8_REGISTER_CONSTRAINT(x) "+x"(x)
#if defined(__AVXVNNI__)
#define INT8_STEP(acc, a, w, ones) _mm256_dpbusd_avx_epi32(acc, a, w)
#define INT8_ACCUMULATORS 10
#else
#define INT8_STEP(acc, a, w, ones) \
  _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(a, w), ones))
#endif
#endif
#if defined(INT8_LANES) && !defined(INT8_ACCUMULATORS)
#define INT8_ACCUMULATORS 8
#endif

#if defined(INT8_LANES)
enum { kInt8Accumulators = INT8_ACCUMULATORS };

// One thread's int8 loop: kInt8Accumulators chains of INT8_STEP, each step
// INT8_LANES uint8 x int8 multiply-adds.
static void *run_int8_chains(void *sink) {
  int8_vector_t acc[kInt8Accumulators];
  for (int i = 0; i < kInt8Accumulators; ++i)
    acc[i] = SPLAT_I32(i);
  // Two activation and four weight vectors give each of the first eight
  // chains its own product (one product shared by every chain would be
  // computed once), in the 16 registers of AVX2 with the accumulators and the
  // ones. VPDPBUSD has no separate product: its further chains reuse the
  // operands.
  int8_vector_t a0 = SPLAT_I8(3), a1 = SPLAT_I8(7);
  int8_vector_t w0 = SPLAT_I8(-5), w1 = SPLAT_I8(2), w2 = SPLAT_I8(9), w3 = SPLAT_I8(-1);
  int8_vector_t ones = SPLAT_I16(1);
  (void)ones; // VPDPBUSD needs no ones
  for (long iteration = 0; iteration < kIterations; ++iteration) {
    // The operands are observed as modified, so that the products are
    // computed in every iteration and not hoisted out of the loop.
    __asm__ volatile("" : INT8_REGISTER_CONSTRAINT(a0), INT8_REGISTER_CONSTRAINT(a1),
                     INT8_REGISTER_CONSTRAINT(w0), INT8_REGISTER_CONSTRAINT(w1),
                     INT8_REGISTER_CONSTRAINT(w2), INT8_REGISTER_CONSTRAINT(w3));
    int8_vector_t activations[2] = {a0, a1}, weights[4] = {w0, w1, w2, w3};
    // Unrolled, so that the accumulators stay in registers.
#pragma unroll
    for (int i = 0; i < kInt8Accumulators; ++i)
      acc[i] = INT8_STEP(acc[i], activations[i % 2], weights[i / 2 % 4], ones);
    __asm__ volatile("" : INT8_REGISTER_CONSTRAINT(acc[0]));
  }
  int total = 0;
  for (int i = 0; i < kInt8Accumulators; ++i) {
    int lanes[sizeof(int8_vector_t) / sizeof(int)];
    __builtin_memcpy(lanes, &acc[i], sizeof lanes);
    total += lanes[0];
  }
  *(float *)sink = (float)total;
  return NULL;
}
#endif

// Written with a thread's result, so that its work is kept.
static volatile float observed_sink;

// The best rate (operations per second) of `threads` threads each running
// `chains`, which does `operations_per_thread` operations.
static double measure(int threads, void *(*chains)(void *), double operations_per_thread) {
  pthread_t workers[256];
  float sinks[256];
  double best = 0;
  for (int repeat = 0; repeat < kRepeats; ++repeat) {
    double start = bench_seconds();
    for (int t = 0; t < threads; ++t)
      if (pthread_create(&workers[t], NULL, chains, &sinks[t]) != 0) {
        fprintf(stderr, "fma_peak: cannot start thread %d\n", t);
        exit(1);
      }
    for (int t = 0; t < threads; ++t)
      pthread_join(workers[t], NULL);
    double elapsed = bench_seconds() - start;
    if (operations_per_thread * threads / elapsed > best)
      best = operations_per_thread * threads / elapsed;
  }
  observed_sink = sinks[0];
  return best;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 256) {
    fprintf(stderr, "fma_peak: thread count must be 1..256, got '%s'\n", argv[1]);
    return 2;
  }
  double flops = measure(threads, run_fma_chains, 2.0 * LANES * ACCUMULATORS * (double)kIterations);
  printf("fma_peak_gflops %d %.1f\n", threads, flops * 1e-9);
#if defined(INT8_LANES)
  double macs =
      measure(threads, run_int8_chains, (double)INT8_LANES * kInt8Accumulators * kIterations);
  printf("int8_peak_gmacs %d %.1f\n", threads, macs * 1e-9);
#endif
  return 0;
}
