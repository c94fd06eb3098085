/* What one parallel loop costs on the runtime's two-thread pool (runtime/src/pool.c) beyond its
 * work, printed beside the two-thread results of bench/run.sh. The loop's iterations are
 * register-only FMA chains, so that neither thread waits for memory and what is left above half
 * the one-thread time is the pool's: waking the worker, the claims, the imbalance at the end and
 * the caller's wait for the worker. A compiled MobileBERT makes one such loop per GEMM, attention
 * and row quantization: about 310 per f32 run and 600 per int8 run at 128 positions.
 *
 * Prints one line per loop size, STEPS multiply-add steps per iteration, in microseconds:
 *   pool_loop_us STEPS ONE_THREAD TWO_THREADS OVERHEAD
 * where OVERHEAD = TWO_THREADS - ONE_THREAD / 2 (medians over rounds).
 *
 *   pool_overhead */
#include "bench_timing.h"
#include "mbert_runtime.h"

#include <stdio.h>
#include <stdlib.h>

enum { ITERATIONS = 16, CHAINS = 8, LOOPS = 2000, ROUNDS = 7 };

/* Multiply-add steps per iteration of the loop being timed. */
static long steps;
static volatile double sink;

/* Independent chains, so that the FMA's latency does not set the time; the compiler cannot fold
 * them, since `steps` is only known at run time. */
static void run_iterations(void *context, int64_t begin, int64_t end) {
  (void)context;
  double chains[CHAINS];
  for (int c = 0; c < CHAINS; ++c)
    chains[c] = 1e-3 * c;
  for (int64_t iteration = begin; iteration < end; ++iteration)
    for (long step = 0; step < steps; ++step)
      for (int c = 0; c < CHAINS; ++c)
        chains[c] = chains[c] * 0.999 + 1e-4;
  double sum = 0;
  for (int c = 0; c < CHAINS; ++c)
    sum += chains[c];
  sink = sum;
}

/* Microseconds per loop of LOOPS loops, on the pool or, with NULL, on this thread. */
static double time_loops_us(mbert_pool_t *pool) {
  double start = bench_seconds();
  for (int loop = 0; loop < LOOPS; ++loop) {
    if (pool)
      pool->parallel_for(pool, run_iterations, NULL, ITERATIONS);
    else
      run_iterations(NULL, 0, ITERATIONS);
  }
  return (bench_seconds() - start) / LOOPS * 1e6;
}

int main(void) {
  mbert_pool_t *pool = NULL;
  if (mbert_pool_create(2, &pool) != MBERT_OK) {
    fprintf(stderr, "pool_overhead: cannot create a pool of two threads\n");
    return 1;
  }
  /* Loops of about 5, 20 and 80 us of one-thread work: the model's range. */
  const long step_counts[] = {256, 1024, 4096};
  for (size_t size = 0; size < sizeof step_counts / sizeof *step_counts; ++size) {
    steps = step_counts[size];
    double one[ROUNDS], two[ROUNDS], overhead[ROUNDS];
    for (int round = 0; round < ROUNDS; ++round) {
      one[round] = time_loops_us(NULL);
      two[round] = time_loops_us(pool);
      overhead[round] = two[round] - one[round] / 2;
    }
    printf("pool_loop_us %ld %.2f %.2f %.2f\n", steps, bench_median(one, ROUNDS),
           bench_median(two, ROUNDS), bench_median(overhead, ROUNDS));
  }
  mbert_pool_destroy(pool);
  return 0;
}
