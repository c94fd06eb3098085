/* A POSIX-threads implementation of mbert_pool_t.
 *
 * A model makes a few hundred parallel loops per run, each a few tens of microseconds long, so
 * waking workers through a condition variable for every loop would cost as much as the loop.
 * Workers therefore spin on a generation counter for a while after each loop and only then
 * sleep; the caller works on every loop itself.
 *
 * Each thread owns a contiguous share of every loop's iterations, the same share in every run,
 * and claims it in chunks; a thread that has finished its share claims chunks from the others'.
 * The fixed shares give a thread the same work in every loop of every run: since the pool sets
 * `threads`, the same block of rows of every GEMM (the generated code splits a GEMM's rows into
 * `threads` blocks, block-major), which the row quantization after it reads in the same
 * thread's share (at 128 rows the same rows exactly); and the same heads of attention. Chunks
 * claimed from one shared counter moved the work between the cores at random. On a two-core
 * AVX-512 VM (AMD Zen 5) two-thread MobileBERT runs got 11-16% faster with the shares (int8
 * 12.5 -> 10.5 ms, f32 22.2 -> 19.8 ms, medians of nine alternating pairs). The stealing keeps
 * what the shared counter was for: equal counts of panels are not equal times when the cores
 * are not (a worker that wakes late, another process on one core), and with fixed shares alone
 * the caller spent 5-6% of a two-thread run waiting for its worker (on the AVX2 machine
 * before).
 *
 * Stealing cannot even out the loops of exactly `threads` iterations, which in generated code
 * are the parallel regions (each iteration a block of rows through a dozen GEMMs): a thread that
 * finishes early has nothing of the same size to take. There the pool moves rows instead. It
 * times each thread on its own block, and every LOOPS_PER_REBALANCE such loops gives each block
 * rows in proportion to its thread's measured speed (block_starts, which the generated code reads
 * at the start of each call). Two vCPUs of a Zen 5 VM run the same work at speeds that differ by
 * up to a fifth and change from minute to minute, and on a phone a big and a little core differ
 * by more. A loop of `threads` iterations that the table does not divide (attention with as many
 * heads as threads) gives each thread the same work whatever the table says; it then counts the
 * faster thread a little faster than it is, which the regions' far longer times outweigh. */
#define _POSIX_C_SOURCE 200809L

#include "mbert_runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* Polls of the generation counter before a worker sleeps: long enough to span the gap between
 * two loops of one model run, short enough that an idle pool soon stops using the CPU. */
#define SPIN_POLLS (1 << 18)

/* About how many units the rows are handed out in: block_starts[threads] is the largest multiple
 * of `threads` not above it, so that equal blocks (the first division) are exactly the generated
 * code's own equal split. */
#define BLOCK_UNITS 65536
/* Measured loops whose times are added up before the blocks move: a region lasts a few hundred
 * microseconds, and one slot that an interrupt or a page fault delayed should move few rows. */
#define LOOPS_PER_REBALANCE 8
/* No block gets less than 1 / SMALLEST_SHARE_DIVISOR of an equal share: a thread that was once
 * stalled keeps rows to be measured on, and gets its share back as soon as it runs at speed. */
#define SMALLEST_SHARE_DIVISOR 4

typedef struct worker_pool_t worker_pool_t;

typedef struct worker_t {
  worker_pool_t *pool;
  int32_t index; /* of its share; the caller's is 0 */
  pthread_t thread;
} worker_t;

/* One thread's share of the current loop: iterations [next, end) are not yet claimed. On a cache
 * line of its own, since its owner claims from it while the other threads read the others'. In a
 * measured loop its owner also records how long it took over the share and how many of the
 * share's iterations it ran itself (fewer when another thread took some). */
typedef struct share_t {
  _Alignas(64) atomic_int_fast64_t next;
  int64_t begin, end;
  double owner_seconds;
  int64_t owner_iterations;
} share_t;

struct worker_pool_t {
  mbert_pool_t base; /* first: the generated code sees only this */
  int32_t threads;
  worker_t *workers;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  /* The loop being run; written by the caller before it publishes a new generation. */
  mbert_task_fn task;
  void *context;
  int64_t chunk;  /* iterations claimed at a time */
  share_t *shares; /* one per thread */
  bool measuring;  /* whether the current loop is one of `threads` iterations */
  /* The published division of the rows (mbert_pool_t.block_starts), threads + 1 entries; each
   * thread's time on its own block summed over the `measured_loops` since it last moved; and
   * room for the next shares while rebalance computes them. */
  uint32_t *block_starts;
  double *block_seconds, *next_shares;
  int32_t measured_loops;
  atomic_uint_fast64_t generation;
  atomic_int unfinished; /* workers not yet done with the current loop */
  atomic_bool stopping;
};

static double seconds_now(void) {
  struct timespec time;
  clock_gettime(CLOCK_MONOTONIC, &time);
  return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

/* Runs chunks of thread `self`'s share of the current loop, then of the other threads' shares,
 * until none is left. */
static void run_chunks(worker_pool_t *pool, int32_t self) {
  double started = pool->measuring ? seconds_now() : 0;
  for (int32_t offset = 0; offset < pool->threads; ++offset) {
    share_t *share = &pool->shares[(self + offset) % pool->threads];
    int64_t ran = 0;
    for (;;) {
      int64_t begin = atomic_fetch_add_explicit(&share->next, pool->chunk, memory_order_relaxed);
      if (begin >= share->end)
        break;
      int64_t end = share->end - begin > pool->chunk ? begin + pool->chunk : share->end;
      pool->task(pool->context, begin, end);
      ran += end - begin;
    }
    if (offset == 0 && pool->measuring) {
      share->owner_seconds = seconds_now() - started;
      share->owner_iterations = ran;
    }
  }
}

static uint_fast64_t wait_for_new_generation(worker_pool_t *pool, uint_fast64_t seen) {
  for (int poll = 0; poll < SPIN_POLLS; ++poll) {
    uint_fast64_t current = atomic_load_explicit(&pool->generation, memory_order_acquire);
    if (current != seen || atomic_load_explicit(&pool->stopping, memory_order_relaxed))
      return current;
  }
  pthread_mutex_lock(&pool->mutex);
  uint_fast64_t current;
  while ((current = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
         !atomic_load_explicit(&pool->stopping, memory_order_relaxed))
    pthread_cond_wait(&pool->wake, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
  return current;
}

static void *worker_main(void *argument) {
  worker_t *worker = argument;
  worker_pool_t *pool = worker->pool;
  uint_fast64_t seen = 0;
  for (;;) {
    seen = wait_for_new_generation(pool, seen);
    if (atomic_load_explicit(&pool->stopping, memory_order_relaxed))
      return NULL;
    run_chunks(pool, worker->index);
    atomic_fetch_sub_explicit(&pool->unfinished, 1, memory_order_release);
  }
}

/* Publishes a new generation and wakes sleeping workers. Taking the mutex orders the wake-up
 * after any worker's check-then-wait, so none can miss it. */
static void publish(worker_pool_t *pool) {
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
  pthread_mutex_lock(&pool->mutex);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
}

/* Block t's rows per second of its thread over the last measured loops, in units. */
static double block_speed(const worker_pool_t *pool, int32_t t) {
  return (pool->block_starts[t + 1] - pool->block_starts[t]) / pool->block_seconds[t];
}

/* The share of the rows block t gets next: halfway from its present share to the one that would
 * have given every block the same time, so that one slow stretch moves few rows, and not below
 * the smallest share. `total_speed` is the sum of the blocks' speeds. */
static double next_share(const worker_pool_t *pool, int32_t t, double total_speed) {
  double units = pool->block_starts[pool->threads];
  double present = pool->block_starts[t + 1] - pool->block_starts[t];
  double balanced = units * block_speed(pool, t) / total_speed;
  double share = (present + balanced) / 2;
  double smallest = units / (SMALLEST_SHARE_DIVISOR * pool->threads);
  return share > smallest ? share : smallest;
}

/* Rewrites block_starts from the measurements: each block's next share, scaled so that they add
 * up to the units. */
static void rebalance(worker_pool_t *pool) {
  int32_t threads = pool->threads;
  double total_speed = 0;
  for (int32_t t = 0; t < threads; ++t) {
    if (pool->block_seconds[t] <= 0)
      return;
    total_speed += block_speed(pool, t);
  }
  double total_share = 0;
  for (int32_t t = 0; t < threads; ++t) {
    pool->next_shares[t] = next_share(pool, t, total_speed);
    total_share += pool->next_shares[t];
  }
  double units = pool->block_starts[threads], before = 0;
  for (int32_t t = 1; t < threads; ++t) {
    before += pool->next_shares[t - 1];
    pool->block_starts[t] = (uint32_t)(units * before / total_share + 0.5);
  }
}

/* Adds the loop that just ended to the measurements if every thread ran exactly its own share
 * (no stealing, which would time a thread on another's rows), and moves the blocks every
 * LOOPS_PER_REBALANCE measured loops. */
static void record_measurement(worker_pool_t *pool) {
  for (int32_t t = 0; t < pool->threads; ++t) {
    const share_t *share = &pool->shares[t];
    if (share->owner_iterations != share->end - share->begin)
      return;
  }
  for (int32_t t = 0; t < pool->threads; ++t)
    pool->block_seconds[t] += pool->shares[t].owner_seconds;
  if (++pool->measured_loops < LOOPS_PER_REBALANCE)
    return;
  rebalance(pool);
  pool->measured_loops = 0;
  for (int32_t t = 0; t < pool->threads; ++t)
    pool->block_seconds[t] = 0;
}

static int32_t parallel_for(mbert_pool_t *base, mbert_task_fn task, void *context,
                            int64_t count) {
  worker_pool_t *pool = (worker_pool_t *)base;
  if (count <= 0)
    return MBERT_OK;
  if (pool->threads == 1 || count == 1) {
    task(context, 0, count);
    return MBERT_OK;
  }
  pool->task = task;
  pool->context = context;
  /* About eight chunks per thread: enough to even out the threads, few enough that claiming
   * (an atomic add) costs little next to a chunk. A loop over 128 rows claims 8 at a time on two
   * threads; one over a GEMM's 4 to 32 column panels, 1 or 2. */
  int64_t chunks = 8 * (int64_t)pool->threads;
  pool->chunk = count > chunks ? count / chunks : 1;
  pool->measuring = count == pool->threads;
  for (int32_t t = 0; t < pool->threads; ++t) {
    share_t *share = &pool->shares[t];
    share->begin = count * t / pool->threads;
    share->end = count * (t + 1) / pool->threads;
    atomic_store_explicit(&share->next, share->begin, memory_order_relaxed);
  }
  atomic_store_explicit(&pool->unfinished, pool->threads - 1, memory_order_relaxed);
  publish(pool);
  run_chunks(pool, 0);
  while (atomic_load_explicit(&pool->unfinished, memory_order_acquire) != 0) {
  }
  if (pool->measuring)
    record_measurement(pool);
  return MBERT_OK;
}

static void stop_workers(worker_pool_t *pool, int32_t started) {
  atomic_store_explicit(&pool->stopping, true, memory_order_relaxed);
  publish(pool);
  for (int32_t i = 0; i < started; ++i)
    pthread_join(pool->workers[i].thread, NULL);
}

/* Frees what mbert_pool_create allocated; the workers must have stopped. */
static void free_pool(worker_pool_t *pool) {
  free(pool->workers);
  free(pool->shares);
  free(pool->block_starts);
  free(pool->block_seconds);
  free(pool->next_shares);
  free(pool);
}

mbert_status_t mbert_pool_create(int32_t threads, mbert_pool_t **out_pool) {
  if (!out_pool || threads < 1)
    return MBERT_ERROR_INVALID_ARGUMENT;
  *out_pool = NULL;
  worker_pool_t *pool = calloc(1, sizeof *pool);
  if (!pool)
    return MBERT_ERROR_OUT_OF_MEMORY;
  void *shares = NULL;
  pool->workers = threads > 1 ? calloc((size_t)threads - 1, sizeof *pool->workers) : NULL;
  pool->block_starts = calloc((size_t)threads + 1, sizeof *pool->block_starts);
  pool->block_seconds = calloc((size_t)threads, sizeof *pool->block_seconds);
  pool->next_shares = calloc((size_t)threads, sizeof *pool->next_shares);
  if ((threads > 1 && !pool->workers) || !pool->block_starts || !pool->block_seconds ||
      !pool->next_shares ||
      posix_memalign(&shares, _Alignof(share_t), (size_t)threads * sizeof(share_t)) != 0) {
    free_pool(pool);
    return MBERT_ERROR_OUT_OF_MEMORY;
  }
  pool->shares = shares;
  pool->base.parallel_for = parallel_for;
  pool->base.threads = threads;
  pool->threads = threads;
  uint32_t units_per_block =
      BLOCK_UNITS / (uint32_t)threads > 0 ? BLOCK_UNITS / (uint32_t)threads : 1;
  for (int32_t t = 0; t <= threads; ++t)
    pool->block_starts[t] = units_per_block * (uint32_t)t;
  pool->base.block_starts = pool->block_starts;
  for (int32_t t = 0; t < threads; ++t)
    atomic_init(&pool->shares[t].next, 0);
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->unfinished, 0);
  atomic_init(&pool->stopping, false);
  if (pthread_mutex_init(&pool->mutex, NULL) != 0) {
    free_pool(pool);
    return MBERT_ERROR_OUT_OF_MEMORY;
  }
  if (pthread_cond_init(&pool->wake, NULL) != 0) {
    pthread_mutex_destroy(&pool->mutex);
    free_pool(pool);
    return MBERT_ERROR_OUT_OF_MEMORY;
  }
  for (int32_t i = 0; i < threads - 1; ++i) {
    pool->workers[i].pool = pool;
    pool->workers[i].index = i + 1;
    if (pthread_create(&pool->workers[i].thread, NULL, worker_main, &pool->workers[i]) != 0) {
      stop_workers(pool, i);
      pthread_cond_destroy(&pool->wake);
      pthread_mutex_destroy(&pool->mutex);
      free_pool(pool);
      return MBERT_ERROR_OUT_OF_MEMORY;
    }
  }
  *out_pool = &pool->base;
  return MBERT_OK;
}

void mbert_pool_destroy(mbert_pool_t *base) {
  if (!base)
    return;
  worker_pool_t *pool = (worker_pool_t *)base;
  stop_workers(pool, pool->threads - 1);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->mutex);
  free_pool(pool);
}
