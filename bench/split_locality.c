/* What splitting a GEMM by column panels costs on two threads when the next loop works by rows,
 * against splitting it by rows, on the runtime's pool (runtime/src/pool.c).
 *
 * Split by column panels alone (as mbert did before it split each GEMM's rows into one block
 * per pool thread), both threads write every row of the result, and the next loop (another
 * GEMM, or the int8 row quantization) reads whole rows, so each thread reads the half of every
 * row the other wrote and keeps a copy. The next time a thread writes those lines, the other
 * core's copies must first be invalidated. Splitting by rows instead keeps each row on one
 * thread from loop to loop. This measures one pair of loops shaped like MobileBERT's
 * feed-forward up-projection at 128 positions: C[128, 512] = relu(A[128, 128] @ B[128, 512]) in
 * f32, then a loop that reads C row by row.
 *
 * Prints one line per way of running the pair, the median microseconds of the GEMM alone and of
 * the consumer:
 *   split_locality one_thread GEMM CONSUMER
 *   split_locality columns GEMM CONSUMER       panels split, rows read back by row blocks
 *   split_locality rows GEMM CONSUMER          rows split the same way in both loops
 *
 *   split_locality */
#include "bench_timing.h"
#include "mbert_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 128, DEPTH = 128, COLUMNS = 512, PANEL = 32, PANELS = COLUMNS / PANEL };
enum { PAIRS = 400 };

static float *lhs, *rhs, *result;
static volatile float sink;

/* Rows [first, last) of C in the columns of one panel, four rows at a time so that the compiler
 * keeps the accumulators in registers. */
static void compute_panel_rows(int panel, int first, int last) {
  for (int row = first; row < last; row += 4) {
    float accumulators[4][PANEL];
    memset(accumulators, 0, sizeof accumulators);
    for (int k = 0; k < DEPTH; ++k) {
      const float *weights = rhs + (size_t)k * COLUMNS + panel * PANEL;
      for (int r = 0; r < 4; ++r) {
        float a = lhs[(size_t)(row + r) * DEPTH + k];
        for (int c = 0; c < PANEL; ++c)
          accumulators[r][c] += a * weights[c];
      }
    }
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < PANEL; ++c) {
        float value = accumulators[r][c];
        result[(size_t)(row + r) * COLUMNS + panel * PANEL + c] = value > 0 ? value : 0;
      }
  }
}

/* Iterations are panels: every row of one panel each. */
static void gemm_by_panels(void *context, int64_t begin, int64_t end) {
  (void)context;
  for (int64_t panel = begin; panel < end; ++panel)
    compute_panel_rows((int)panel, 0, ROWS);
}

/* Two iterations, one half of the rows each, every panel. */
static void gemm_by_row_halves(void *context, int64_t begin, int64_t end) {
  (void)context;
  for (int64_t half = begin; half < end; ++half)
    for (int panel = 0; panel < PANELS; ++panel)
      compute_panel_rows(panel, (int)half * ROWS / 2, ((int)half + 1) * ROWS / 2);
}

/* Reads C row by row, as the row quantization does; two iterations, one half of the rows each,
 * so that with gemm_by_row_halves each thread reads only what it wrote. */
static void read_row_halves(void *context, int64_t begin, int64_t end) {
  (void)context;
  /* Sixteen partial sums: one would make the additions' latency, not the reads, the time. */
  float sums[16] = {0};
  for (int64_t row = begin * ROWS / 2; row < end * ROWS / 2; ++row)
    for (int c = 0; c < COLUMNS; c += 16)
      for (int lane = 0; lane < 16; ++lane)
        sums[lane] += result[(size_t)row * COLUMNS + c + lane];
  float sum = 0;
  for (int lane = 0; lane < 16; ++lane)
    sum += sums[lane];
  sink = sum;
}

static void run(mbert_pool_t *pool, mbert_task_fn task, int64_t count) {
  if (pool)
    pool->parallel_for(pool, task, NULL, count);
  else
    task(NULL, 0, count);
}

/* Times PAIRS pairs of the GEMM and the consumer and prints their medians. */
static void time_pairs(const char *name, mbert_pool_t *pool, mbert_task_fn gemm,
                       int64_t gemm_count) {
  static double gemm_us[PAIRS], consumer_us[PAIRS];
  for (int pair = 0; pair < PAIRS; ++pair) {
    double start = bench_seconds();
    run(pool, gemm, gemm_count);
    double middle = bench_seconds();
    run(pool, read_row_halves, 2);
    gemm_us[pair] = (middle - start) * 1e6;
    consumer_us[pair] = (bench_seconds() - middle) * 1e6;
  }
  printf("split_locality %s %.2f %.2f\n", name, bench_median(gemm_us, PAIRS),
         bench_median(consumer_us, PAIRS));
}

int main(void) {
  lhs = aligned_alloc(64, sizeof(float) * ROWS * DEPTH);
  rhs = aligned_alloc(64, sizeof(float) * DEPTH * COLUMNS);
  result = aligned_alloc(64, sizeof(float) * ROWS * COLUMNS);
  mbert_pool_t *pool = NULL;
  if (!lhs || !rhs || !result || mbert_pool_create(2, &pool) != MBERT_OK) {
    fprintf(stderr, "split_locality: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < (size_t)ROWS * DEPTH; ++i)
    lhs[i] = (float)(i % 17) * 0.25f - 2.0f;
  for (size_t i = 0; i < (size_t)DEPTH * COLUMNS; ++i)
    rhs[i] = (float)(i % 13) * 0.125f - 0.75f;
  memset(result, 0, sizeof(float) * ROWS * COLUMNS);
  time_pairs("one_thread", NULL, gemm_by_panels, PANELS);
  time_pairs("columns", pool, gemm_by_panels, PANELS);
  time_pairs("rows", pool, gemm_by_row_halves, 2);
  mbert_pool_destroy(pool);
  free(lhs);
  free(rhs);
  free(result);
  return 0;
}
