/* A POSIX-threads implementation of mbert_pool_t.
 *
 * A model makes a few hundred parallel loops per run, each a few tens of microseconds long, so
 * waking workers through a condition variable for every loop would cost as much as the loop.
 * Workers therefore spin on a generation counter for a while after each loop and only then
 * sleep; the caller works on every loop itself.
 *
 * Iterations are claimed in chunks from a shared counter, not split into one fixed share per
 * thread: with fixed shares the caller spent 5-6% of a two-thread MobileBERT run waiting for its
 * worker (perf samples in parallel_for; 3-5% with chunks), since equal counts of panels are not
 * equal times when the cores are not (a worker that wakes late, another process on one core).
 * A thread that finishes early takes the next chunk, and a worker that arrives after the last
 * chunk was claimed finds nothing to do. */
#define _POSIX_C_SOURCE 200809L

#include "mbert_runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

/* Polls of the generation counter before a worker sleeps: long enough to span the gap between
 * two loops of one model run, short enough that an idle pool soon stops using the CPU. */
#define SPIN_POLLS (1 << 18)

typedef struct worker_pool_t worker_pool_t;

typedef struct worker_t {
  worker_pool_t *pool;
  pthread_t thread;
} worker_t;

struct worker_pool_t {
  mbert_pool_t base; /* first: the generated code sees only this */
  int32_t threads;
  worker_t *workers;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  /* The loop being run; written by the caller before it publishes a new generation. */
  mbert_task_fn task;
  void *context;
  int64_t count;
  int64_t chunk;                  /* iterations claimed at a time */
  atomic_int_fast64_t next_chunk; /* first iteration not yet claimed */
  atomic_uint_fast64_t generation;
  atomic_int unfinished; /* workers not yet done with the current loop */
  atomic_bool stopping;
};

/* Runs chunks of the current loop until none is left. */
static void run_chunks(worker_pool_t *pool) {
  for (;;) {
    int64_t begin = atomic_fetch_add_explicit(&pool->next_chunk, pool->chunk, memory_order_relaxed);
    if (begin >= pool->count)
      return;
    int64_t end = pool->count - begin > pool->chunk ? begin + pool->chunk : pool->count;
    pool->task(pool->context, begin, end);
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
    run_chunks(pool);
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
  pool->count = count;
  /* About eight chunks per thread: enough to even out the threads, few enough that claiming
   * (an atomic add on a line both cores write) costs little next to a chunk. A loop over 128
   * rows claims 8 at a time on two threads; one over a GEMM's 8 to 32 column panels, 1 or 2. */
  int64_t chunks = 8 * (int64_t)pool->threads;
  pool->chunk = count > chunks ? count / chunks : 1;
  atomic_store_explicit(&pool->next_chunk, 0, memory_order_relaxed);
  atomic_store_explicit(&pool->unfinished, pool->threads - 1, memory_order_relaxed);
  publish(pool);
  run_chunks(pool);
  while (atomic_load_explicit(&pool->unfinished, memory_order_acquire) != 0) {
  }
  return MBERT_OK;
}

static void stop_workers(worker_pool_t *pool, int32_t started) {
  atomic_store_explicit(&pool->stopping, true, memory_order_relaxed);
  publish(pool);
  for (int32_t i = 0; i < started; ++i)
    pthread_join(pool->workers[i].thread, NULL);
}

mbert_status_t mbert_pool_create(int32_t threads, mbert_pool_t **out_pool) {
  if (!out_pool || threads < 1)
    return MBERT_ERROR_INVALID_ARGUMENT;
  *out_pool = NULL;
  worker_pool_t *pool = calloc(1, sizeof *pool);
  worker_t *workers = threads > 1 ? calloc((size_t)threads - 1, sizeof *workers) : NULL;
  if (!pool || (threads > 1 && !workers)) {
    free(pool);
    free(workers);
    return MBERT_ERROR_OUT_OF_MEMORY;
  }
  pool->base.parallel_for = parallel_for;
  pool->threads = threads;
  pool->workers = workers;
  atomic_init(&pool->next_chunk, 0);
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->unfinished, 0);
  atomic_init(&pool->stopping, false);
  if (pthread_mutex_init(&pool->mutex, NULL) != 0) {
    free(workers);
    free(pool);
    return MBERT_ERROR_OUT_OF_MEMORY;
  }
  if (pthread_cond_init(&pool->wake, NULL) != 0) {
    pthread_mutex_destroy(&pool->mutex);
    free(workers);
    free(pool);
    return MBERT_ERROR_OUT_OF_MEMORY;
  }
  for (int32_t i = 0; i < threads - 1; ++i) {
    workers[i].pool = pool;
    if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
      stop_workers(pool, i);
      pthread_cond_destroy(&pool->wake);
      pthread_mutex_destroy(&pool->mutex);
      free(workers);
      free(pool);
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
  free(pool->workers);
  free(pool);
}
