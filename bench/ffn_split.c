/* How two threads should share MobileBERT's feed-forward GEMMs when the weights come from memory
 * every run, and what holds two threads back there. The chain runs
 *   - on one thread, all 128 rows, and only the first 64 (what each of two threads computes);
 *   - split by rows, as mbert splits it: each thread computes its block of rows of every GEMM,
 *     two parallel loops per block, so both threads read every weight;
 *   - split by rows with no synchronization at all: one parallel loop in which each thread takes
 *     its rows through all 96 blocks (a row of the chain needs no other row), which is what
 *     fusing every loop of the chain into one would reach;
 *   - split the tensor-parallel way: each thread computes half of the up-projection's columns
 *     and multiplies them by its half of the down-projection's depth, so no weight is read by
 *     both threads; the two partial sums are then added by rows, and the activations cross
 *     between the cores instead (each thread reads every row of a block's input, and half of
 *     each partial sum: at 128 rows a quarter of the bytes of the weights).
 *
 * The chain: 96 blocks, as many as the 24-layer model has, each
 *   y = x + relu(x @ up [128, 512] + b) @ down [512, 128],
 * with its own weights (50 MB in all, more than a last-level cache), at 128 rows, f32, on the
 * runtime's pool (runtime/src/pool.c). The kernel is an 8 x 32 register tile with the weights
 * packed in 32-column panels and the next panel asked for while the present one is computed, as
 * in mbert's generated code; it is written in GNU C vectors, so it is near the FMA peak only on
 * AVX-512 (64-byte vectors).
 *
 * Prints one line per way of running the chain: the median milliseconds of one pass (after a
 * warm-up pass) and, for the two-thread ways, the largest difference of the output from the
 * one-thread output, relative to the largest output. The two-thread ways take turns, three times
 * each:
 *   ffn_split one_thread MS
 *   ffn_split one_thread_64_rows MS
 *   ffn_split rows MS DIFFERENCE
 *   ffn_split rows_unsynchronized MS DIFFERENCE
 *   ffn_split tensor_parallel MS DIFFERENCE
 *
 *   ffn_split [PASSES]     (default 30) */
#include "bench_timing.h"
#include "mbert_runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 128, HIDDEN = 128, INTERMEDIATE = 512, PANEL = 32, TILE_ROWS = 8, BLOCKS = 96 };
enum { THREADS = 2 };

typedef float vector16 __attribute__((vector_size(64)));

/* One block's weights, packed: panel p of a [K, N] matrix holds its columns [32p, 32p + 32) as K
 * rows of 32, so a reduction step reads 128 contiguous bytes. */
typedef struct block_t {
  float *up;   /* [INTERMEDIATE / PANEL][HIDDEN][PANEL] */
  float *down; /* [HIDDEN / PANEL][INTERMEDIATE][PANEL] */
  float *up_bias;
} block_t;

static block_t blocks[BLOCKS];
static float *input;             /* [ROWS, HIDDEN] */
static float *activations[2];    /* [ROWS, HIDDEN], the chain's ping-pong */
static float *expanded;          /* [ROWS, INTERMEDIATE] */
static float *partials[THREADS]; /* [ROWS, HIDDEN] per thread */
static float *reference_output;
static float random_float(unsigned *state) {
  *state = *state * 1664525u + 1013904223u;
  return (float)(*state >> 8) / (float)(1u << 24) - 0.5f;
}

static float *allocate(size_t floats) {
  float *memory = aligned_alloc(64, floats * sizeof(float));
  if (!memory) {
    fprintf(stderr, "ffn_split: out of memory\n");
    exit(1);
  }
  return memory;
}

/* Rows [first, first + 8) of lhs (row stride lhs_stride), columns [depth_first, depth_first +
 * depth), times the same depth steps of one packed panel, into the panel's 32 columns of out
 * (row stride out_stride). Step s of tile `tile` of `tiles` also asks for group
 * (tile * depth + s) / tiles of the next panel (mbert's spread), into L2. */
static void tile_8x32(const float *lhs, int lhs_stride, const float *panel, int depth_first,
                      int depth, const float *next_panel, int tile, int tiles, float *out,
                      int out_stride, int first) {
  vector16 sums[TILE_ROWS][2];
  memset(sums, 0, sizeof sums);
  /* The group as a quotient and remainder carried from step to step: a division per step would
   * cost more than the step's FMAs. */
  int group = tile * depth / tiles, remainder = tile * depth % tiles;
  for (int s = 0; s < depth; ++s) {
    const float *weights = panel + (size_t)(depth_first + s) * PANEL;
    vector16 low = *(const vector16 *)weights, high = *(const vector16 *)(weights + 16);
    const float *ahead = next_panel + (size_t)(depth_first + group) * PANEL;
    __builtin_prefetch(ahead, 0, 2);
    __builtin_prefetch(ahead + 16, 0, 2);
    for (int r = 0; r < TILE_ROWS; ++r) {
      float a = lhs[(size_t)(first + r) * lhs_stride + depth_first + s];
      sums[r][0] += a * low;
      sums[r][1] += a * high;
    }
    if (++remainder == tiles) {
      remainder = 0;
      ++group;
    }
  }
  for (int r = 0; r < TILE_ROWS; ++r) {
    memcpy(out + (size_t)(first + r) * out_stride, &sums[r][0], 64);
    memcpy(out + (size_t)(first + r) * out_stride + 16, &sums[r][1], 64);
  }
}

/* Panels [panel_first, panel_end) of `packed` ([panels][depth_total][32]) over rows [row_first,
 * row_end) and depth [depth_first, depth_first + depth): out[rows, 32p..] = lhs @ panel. */
static void gemm(const float *lhs, int lhs_stride, const float *packed, int depth_total,
                 int depth_first, int depth, int panel_first, int panel_end, int panels,
                 int row_first, int row_end, float *out, int out_stride) {
  int tiles = (row_end - row_first) / TILE_ROWS;
  for (int p = panel_first; p < panel_end; ++p) {
    const float *panel = packed + (size_t)p * depth_total * PANEL;
    const float *next = packed + (size_t)(p + 1 < panels ? p + 1 : p) * depth_total * PANEL;
    for (int t = 0; t < tiles; ++t)
      tile_8x32(lhs, lhs_stride, panel, depth_first, depth, next, t, tiles, out + p * PANEL,
                out_stride, row_first + t * TILE_ROWS);
  }
}

static void relu_with_bias(float *rows, int row_first, int row_end, int column_first,
                           int column_end, const float *bias) {
  for (int r = row_first; r < row_end; ++r)
    for (int c = column_first; c < column_end; ++c) {
      float value = rows[(size_t)r * INTERMEDIATE + c] + bias[c];
      rows[(size_t)r * INTERMEDIATE + c] = value > 0 ? value : 0;
    }
}

/* Rows [first, end) of a block's up-projection, then of its down-projection: what one thread of
 * the row split does in each of the block's two loops. */
static void up_rows(const block_t *block, const float *x, int first, int end) {
  gemm(x, HIDDEN, block->up, HIDDEN, 0, HIDDEN, 0, INTERMEDIATE / PANEL, INTERMEDIATE / PANEL,
       first, end, expanded, INTERMEDIATE);
  relu_with_bias(expanded, first, end, 0, INTERMEDIATE, block->up_bias);
}

static void down_rows(const block_t *block, const float *x, float *y, int first, int end) {
  gemm(expanded, INTERMEDIATE, block->down, INTERMEDIATE, 0, INTERMEDIATE, 0, HIDDEN / PANEL,
       HIDDEN / PANEL, first, end, y, HIDDEN);
  for (int r = first; r < end; ++r)
    for (int c = 0; c < HIDDEN; ++c)
      y[(size_t)r * HIDDEN + c] += x[(size_t)r * HIDDEN + c];
}

typedef struct chain_state_t {
  int block;
  const float *x;
  float *y;
} chain_state_t;

static void rows_up_task(void *context, int64_t begin, int64_t end) {
  chain_state_t *state = context;
  for (int64_t part = begin; part < end; ++part)
    up_rows(&blocks[state->block], state->x, (int)part * ROWS / THREADS,
            (int)(part + 1) * ROWS / THREADS);
}

static void rows_down_task(void *context, int64_t begin, int64_t end) {
  chain_state_t *state = context;
  for (int64_t part = begin; part < end; ++part)
    down_rows(&blocks[state->block], state->x, state->y, (int)part * ROWS / THREADS,
              (int)(part + 1) * ROWS / THREADS);
}

/* Part `part` of the tensor-parallel split: its half of the up-projection's columns for every
 * row, then those columns times its half of the down-projection's depth, into its partial. */
static void tensor_parallel_task(void *context, int64_t begin, int64_t end) {
  chain_state_t *state = context;
  const block_t *block = &blocks[state->block];
  for (int64_t part = begin; part < end; ++part) {
    int panels = INTERMEDIATE / PANEL / THREADS;
    int column_first = (int)part * panels * PANEL, column_end = column_first + panels * PANEL;
    gemm(state->x, HIDDEN, block->up, HIDDEN, 0, HIDDEN, (int)part * panels,
         (int)(part + 1) * panels, INTERMEDIATE / PANEL, 0, ROWS, expanded, INTERMEDIATE);
    relu_with_bias(expanded, 0, ROWS, column_first, column_end, block->up_bias);
    gemm(expanded, INTERMEDIATE, block->down, INTERMEDIATE, column_first, panels * PANEL, 0,
         HIDDEN / PANEL, HIDDEN / PANEL, 0, ROWS, partials[part], HIDDEN);
  }
}

/* y = x + the partials, by rows. */
static void sum_partials_task(void *context, int64_t begin, int64_t end) {
  chain_state_t *state = context;
  for (int64_t part = begin; part < end; ++part)
    for (int r = (int)part * ROWS / THREADS; r < (int)(part + 1) * ROWS / THREADS; ++r)
      for (int c = 0; c < HIDDEN; ++c) {
        size_t at = (size_t)r * HIDDEN + c;
        float sum = state->x[at];
        for (int t = 0; t < THREADS; ++t)
          sum += partials[t][at];
        state->y[at] = sum;
      }
}

/* Part `part` of the rows through every block of the chain; returns the output buffer. */
static const float *chain_rows(int64_t part) {
  int first = (int)part * ROWS / THREADS, end = (int)(part + 1) * ROWS / THREADS;
  const float *x = input;
  for (int b = 0; b < BLOCKS; ++b) {
    float *y = activations[b % 2];
    up_rows(&blocks[b], x, first, end);
    down_rows(&blocks[b], x, y, first, end);
    x = y;
  }
  return x;
}

static void unsynchronized_rows_task(void *context, int64_t begin, int64_t end) {
  (void)context;
  for (int64_t part = begin; part < end; ++part)
    chain_rows(part);
}

typedef enum {
  ONE_THREAD,
  ONE_THREAD_FIRST_ROWS,
  ROW_SPLIT,
  UNSYNCHRONIZED_ROWS,
  TENSOR_PARALLEL
} split_t;

/* One pass of the chain; returns the output buffer. */
static const float *run_chain(mbert_pool_t *pool, split_t split) {
  if (split == ONE_THREAD_FIRST_ROWS)
    return chain_rows(0);
  if (split == UNSYNCHRONIZED_ROWS) {
    pool->parallel_for(pool, unsynchronized_rows_task, NULL, THREADS);
    return activations[(BLOCKS - 1) % 2];
  }
  const float *x = input;
  for (int b = 0; b < BLOCKS; ++b) {
    float *y = activations[b % 2];
    chain_state_t state = {b, x, y};
    if (split == ONE_THREAD) {
      up_rows(&blocks[b], x, 0, ROWS);
      down_rows(&blocks[b], x, y, 0, ROWS);
    } else if (split == ROW_SPLIT) {
      pool->parallel_for(pool, rows_up_task, &state, THREADS);
      pool->parallel_for(pool, rows_down_task, &state, THREADS);
    } else {
      pool->parallel_for(pool, tensor_parallel_task, &state, THREADS);
      pool->parallel_for(pool, sum_partials_task, &state, THREADS);
    }
    x = y;
  }
  return x;
}

static double largest_relative_difference(const float *output) {
  double largest = 0, scale = 0;
  for (int i = 0; i < ROWS * HIDDEN; ++i)
    scale = fmax(scale, fabs(reference_output[i]));
  for (int i = 0; i < ROWS * HIDDEN; ++i)
    largest = fmax(largest, fabs(output[i] - reference_output[i]) / scale);
  return largest;
}

static double median_ms(mbert_pool_t *pool, split_t split, int passes) {
  double *times = malloc((size_t)passes * sizeof(double));
  run_chain(pool, split);
  for (int i = 0; i < passes; ++i) {
    double start = bench_seconds();
    run_chain(pool, split);
    times[i] = (bench_seconds() - start) * 1e3;
  }
  double median = bench_median(times, passes);
  free(times);
  return median;
}

int main(int argc, char **argv) {
  int passes = argc > 1 ? atoi(argv[1]) : 30;
  if (passes < 1) {
    fprintf(stderr, "usage: ffn_split [PASSES]\n");
    return 2;
  }
  unsigned state = 1;
  float up_scale = 2.0f / sqrtf(HIDDEN), down_scale = 2.0f / sqrtf(INTERMEDIATE);
  for (int b = 0; b < BLOCKS; ++b) {
    blocks[b].up = allocate((size_t)HIDDEN * INTERMEDIATE);
    blocks[b].down = allocate((size_t)INTERMEDIATE * HIDDEN);
    blocks[b].up_bias = allocate(INTERMEDIATE);
    for (size_t i = 0; i < (size_t)HIDDEN * INTERMEDIATE; ++i) {
      blocks[b].up[i] = random_float(&state) * up_scale;
      blocks[b].down[i] = random_float(&state) * down_scale;
    }
    for (int i = 0; i < INTERMEDIATE; ++i)
      blocks[b].up_bias[i] = 0.1f * random_float(&state);
  }
  input = allocate((size_t)ROWS * HIDDEN);
  for (int i = 0; i < ROWS * HIDDEN; ++i)
    input[i] = random_float(&state);
  for (int i = 0; i < 2; ++i)
    activations[i] = allocate((size_t)ROWS * HIDDEN);
  expanded = allocate((size_t)ROWS * INTERMEDIATE);
  for (int t = 0; t < THREADS; ++t)
    partials[t] = allocate((size_t)ROWS * HIDDEN);
  reference_output = allocate((size_t)ROWS * HIDDEN);

  mbert_pool_t *pool;
  if (mbert_pool_create(THREADS, &pool) != MBERT_OK) {
    fprintf(stderr, "ffn_split: no pool\n");
    return 1;
  }
  memcpy(reference_output, run_chain(pool, ONE_THREAD), sizeof(float) * ROWS * HIDDEN);
  /* The first passes after the weights are written run slower (the pages' first reads); the
   * one-thread chain is therefore timed after a whole untimed measurement. */
  median_ms(pool, ONE_THREAD, passes);
  printf("ffn_split one_thread %.2f\n", median_ms(pool, ONE_THREAD, passes));
  printf("ffn_split one_thread_64_rows %.2f\n", median_ms(pool, ONE_THREAD_FIRST_ROWS, passes));
  static const struct {
    split_t split;
    const char *name;
  } splits[] = {{ROW_SPLIT, "rows"},
                {UNSYNCHRONIZED_ROWS, "rows_unsynchronized"},
                {TENSOR_PARALLEL, "tensor_parallel"}};
  for (int round = 0; round < 3; ++round)
    for (size_t s = 0; s < sizeof splits / sizeof splits[0]; ++s) {
      double ms = median_ms(pool, splits[s].split, passes);
      double difference = largest_relative_difference(run_chain(pool, splits[s].split));
      printf("ffn_split %s %.2f %.1e\n", splits[s].name, ms, difference);
    }
  mbert_pool_destroy(pool);
  return 0;
}
