/* What it costs two threads of this machine to hand data to each other, printed beside the
 * two-thread results of bench/run.sh: a parallel loop's threads meet at its end, and each reads
 * rows that the other wrote in the loop before.
 *
 * On a VM the two virtual CPUs may sit on cores that share a last-level cache or on cores that do
 * not, and the hypervisor may move them between runs. On one two-core AMD Zen 5 VM the same
 * two-thread MobileBERT runs took 15.5 ms (f32) and 6.0 ms (int8) for a while, and 18.3 and 10.4
 * ms at other times, while the FMA peak of two threads stayed the same. These figures are printed
 * so that a table can be read with its state: in the slow one a cache line's round trip took
 * 435-490 ns, and 256 KB written by the other thread took 6.7-9.6 us to read against 2.3 us for
 * the thread's own (the fast state's figures are not measured yet).
 *
 * Prints two lines:
 *   handoff_round_trip_ns N   one cache line passed to the other thread and back (median)
 *   handoff_read_us N M       reading 256 KB that the other thread wrote (N), and that this
 *                             thread wrote itself (M) (medians)
 *
 *   core_handoff */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_timing.h"

enum { ROUND_TRIPS = 100000, ROUNDS = 9, BUFFER_FLOATS = 256 * 1024 / sizeof(float) };

/* The two threads take turns through `turn`: the main thread moves it to odd values, the other
 * thread to even ones. */
static _Alignas(64) atomic_long turn;
static float *buffer;
static volatile float sink;

static void wait_for_turn(long value) {
  while (atomic_load_explicit(&turn, memory_order_acquire) != value) {
  }
}

/* The two CPUs the threads run on, one each. */
static int cpus[2];

static void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void write_buffer(float value) {
  for (size_t i = 0; i < BUFFER_FLOATS; ++i)
    buffer[i] = value;
}

/* Reads one float per 64-byte line, into four sums: with one, the additions' latency, not the
 * reads, would set the time of the thread's own lines. */
static double timed_read_us(void) {
  double start = bench_seconds();
  float sums[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < BUFFER_FLOATS; i += 4 * 16)
    for (int s = 0; s < 4; ++s)
      sums[s] += buffer[i + 16 * (size_t)s];
  sink = sums[0] + sums[1] + sums[2] + sums[3];
  return (bench_seconds() - start) * 1e6;
}

/* The other thread: answers every round trip, then writes the buffer whenever asked. */
static void *partner(void *unused) {
  (void)unused;
  pin_to_cpu(cpus[1]);
  long value = 1;
  for (int i = 0; i < ROUNDS * ROUND_TRIPS; ++i, value += 2) {
    wait_for_turn(value);
    atomic_store_explicit(&turn, value + 1, memory_order_release);
  }
  for (int round = 0; round < ROUNDS; ++round, value += 2) {
    wait_for_turn(value);
    write_buffer((float)round);
    atomic_store_explicit(&turn, value + 1, memory_order_release);
  }
  return NULL;
}

int main(void) {
  /* The first two CPUs this process may use; with one, every turn would wait for the scheduler
   * to switch threads. */
  cpu_set_t allowed;
  int found = 0;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; ++cpu)
      if (CPU_ISSET(cpu, &allowed))
        cpus[found++] = cpu;
  if (found < 2) {
    printf("handoff_round_trip_ns n/a\nhandoff_read_us n/a n/a\n");
    return 0;
  }
  buffer = aligned_alloc(64, BUFFER_FLOATS * sizeof(float));
  if (!buffer)
    return 1;
  memset(buffer, 0, BUFFER_FLOATS * sizeof(float));
  pin_to_cpu(cpus[0]);
  pthread_t thread;
  if (pthread_create(&thread, NULL, partner, NULL) != 0)
    return 1;

  double round_trip_ns[ROUNDS], remote_us[ROUNDS], local_us[ROUNDS];
  long value = 0;
  for (int round = 0; round < ROUNDS; ++round) {
    double start = bench_seconds();
    for (int i = 0; i < ROUND_TRIPS; ++i, value += 2) {
      atomic_store_explicit(&turn, value + 1, memory_order_release);
      wait_for_turn(value + 2);
    }
    round_trip_ns[round] = (bench_seconds() - start) / ROUND_TRIPS * 1e9;
  }
  for (int round = 0; round < ROUNDS; ++round, value += 2) {
    atomic_store_explicit(&turn, value + 1, memory_order_release);
    wait_for_turn(value + 2);
    remote_us[round] = timed_read_us();
    write_buffer((float)round);
    local_us[round] = timed_read_us();
  }
  pthread_join(thread, NULL);
  printf("handoff_round_trip_ns %.0f\n", bench_median(round_trip_ns, ROUNDS));
  printf("handoff_read_us %.1f %.1f\n", bench_median(remote_us, ROUNDS),
         bench_median(local_us, ROUNDS));
  free(buffer);
  return 0;
}
