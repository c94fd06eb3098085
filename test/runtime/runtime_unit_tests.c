/* Unit tests of libmbert_runtime: status and dtype helpers, sizes, workspace allocation, and the
 * thread pool, and the .npy reader/writer including every malformed-file case it must reject.
 *
 * usage: mbert_runtime_unit_tests SCRATCH_DIR
 * Prints one line per test and a closing "N passed, M failed"; exits nonzero on any failure. */
#define _POSIX_C_SOURCE 200809L

#include "mbert_npy.h"
#include "mbert_runtime.h"
#include "unit_test_harness.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>


#define CHECK_CONTAINS(text, fragment)                                                          \
  do {                                                                                          \
    if (!strstr((text), (fragment))) {                                                          \
      fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, (text),        \
              (fragment));                                                                      \
      ++g_failed_checks;                                                                        \
    }                                                                                           \
  } while (0)

static char *scratch_path(const char *file_name) {
  static char path[4096];
  snprintf(path, sizeof(path), "%s/%s", g_scratch_dir, file_name);
  return path;
}

/* ---------------------------------------------------------------------------------------------
 * Status, dtype, sizes, workspace */

static void test_status_strings(void) {
  CHECK(MBERT_OK == 0);
  CHECK(MBERT_ERROR_INPUT_OUT_OF_RANGE == 2); /* fixed by docs/ABI.md */
  CHECK(MBERT_ERROR_UNSUPPORTED == 8 && MBERT_ERROR_MISSING_SPECIAL_TOKEN == 12);
  CHECK(MBERT_ERROR_NULL_BUFFER == 13 && MBERT_ERROR_WORKSPACE_TOO_SMALL == 14);
  CHECK(MBERT_ERROR_WORKSPACE_MISALIGNED == 15 && MBERT_ERROR_POOL_FAILED == 16);
  CHECK(MBERT_ERROR_INVALID_SEQUENCE_LENGTH == 17);
  CHECK(strcmp(mbert_status_string(MBERT_OK), "ok") == 0);
  CHECK_CONTAINS(mbert_status_string(MBERT_ERROR_INPUT_OUT_OF_RANGE), "out of range");
  CHECK(strcmp(mbert_status_string((mbert_status_t)12345), "unknown status") == 0);
  CHECK(strcmp(mbert_status_string((mbert_status_t)-1), "unknown status") == 0);
  /* Every known code has its own description. */
  for (int a = MBERT_OK; a <= MBERT_STATUS_LAST; ++a) {
    CHECK(strcmp(mbert_status_string((mbert_status_t)a), "unknown status") != 0);
    for (int b = a + 1; b <= MBERT_STATUS_LAST; ++b)
      CHECK(strcmp(mbert_status_string((mbert_status_t)a),
                   mbert_status_string((mbert_status_t)b)) != 0);
  }
}

static void test_dtypes(void) {
  /* ONNX TensorProto.DataType numbering. */
  CHECK(MBERT_DTYPE_FLOAT32 == 1 && MBERT_DTYPE_UINT8 == 2 && MBERT_DTYPE_INT8 == 3);
  CHECK(MBERT_DTYPE_INT32 == 6 && MBERT_DTYPE_INT64 == 7 && MBERT_DTYPE_BOOL == 9);
  CHECK(MBERT_DTYPE_FLOAT64 == 11);
  CHECK(mbert_dtype_size(MBERT_DTYPE_FLOAT32) == 4 && mbert_dtype_size(MBERT_DTYPE_FLOAT64) == 8);
  CHECK(mbert_dtype_size(MBERT_DTYPE_INT32) == 4 && mbert_dtype_size(MBERT_DTYPE_INT64) == 8);
  CHECK(mbert_dtype_size(MBERT_DTYPE_UINT8) == 1 && mbert_dtype_size(MBERT_DTYPE_INT8) == 1);
  CHECK(mbert_dtype_size(MBERT_DTYPE_BOOL) == 1);
  CHECK(mbert_dtype_size(MBERT_DTYPE_INVALID) == 0 && mbert_dtype_size(10) == 0);
  CHECK(strcmp(mbert_dtype_name(MBERT_DTYPE_INT64), "int64") == 0);
  CHECK(strcmp(mbert_dtype_name(MBERT_DTYPE_BOOL), "bool") == 0);
  CHECK(strcmp(mbert_dtype_name(42), "unknown") == 0);
}

static void test_element_counts(void) {
  uint64_t count = 99;
  CHECK(mbert_shape_element_count(NULL, 0, &count) == MBERT_OK && count == 1);
  const int64_t matrix[] = {2, 3};
  CHECK(mbert_shape_element_count(matrix, 2, &count) == MBERT_OK && count == 6);
  const int64_t empty[] = {0, 5};
  CHECK(mbert_shape_element_count(empty, 2, &count) == MBERT_OK && count == 0);
  const int64_t negative[] = {2, -1};
  CHECK(mbert_shape_element_count(negative, 2, &count) == MBERT_ERROR_INVALID_ARGUMENT);
  const int64_t overflowing[] = {INT64_C(1) << 32, INT64_C(1) << 32};
  CHECK(mbert_shape_element_count(overflowing, 2, &count) == MBERT_ERROR_INVALID_ARGUMENT);
  const int64_t zero_then_huge[] = {0, INT64_MAX, INT64_MAX};
  CHECK(mbert_shape_element_count(zero_then_huge, 3, &count) == MBERT_OK && count == 0);
  CHECK(mbert_shape_element_count(matrix, -1, &count) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_shape_element_count(NULL, 2, &count) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_shape_element_count(matrix, 2, NULL) == MBERT_ERROR_INVALID_ARGUMENT);

  const int64_t tokens[] = {1, 128};
  mbert_tensor_info_t input_ids = {"input_ids", tokens, MBERT_DTYPE_INT64, 2, -1};
  uint64_t byte_size = 0;
  CHECK(mbert_tensor_element_count(&input_ids, &count) == MBERT_OK && count == 128);
  CHECK(mbert_tensor_byte_size(&input_ids, &byte_size) == MBERT_OK && byte_size == 1024);
  /* Along a sequence axis the shape follows the run-time length, within 1 to the maximum. */
  int64_t shape[2];
  CHECK(mbert_tensor_shape_at_length(&input_ids, 5, shape) == MBERT_OK && shape[1] == 128);
  input_ids.sequence_axis = 1;
  CHECK(mbert_tensor_shape_at_length(&input_ids, 5, shape) == MBERT_OK && shape[0] == 1 &&
        shape[1] == 5);
  CHECK(mbert_tensor_shape_at_length(&input_ids, 0, shape) == MBERT_ERROR_INVALID_SEQUENCE_LENGTH);
  CHECK(mbert_tensor_shape_at_length(&input_ids, 129, shape) ==
        MBERT_ERROR_INVALID_SEQUENCE_LENGTH);
  input_ids.sequence_axis = 2;
  CHECK(mbert_tensor_shape_at_length(&input_ids, 5, shape) == MBERT_ERROR_INVALID_ARGUMENT);
  mbert_tensor_info_t scalar = {"scale", NULL, MBERT_DTYPE_FLOAT32, 0, -1};
  CHECK(mbert_tensor_byte_size(&scalar, &byte_size) == MBERT_OK && byte_size == 4);
  mbert_tensor_info_t unknown_dtype = {"x", tokens, 10, 2, -1};
  CHECK(mbert_tensor_byte_size(&unknown_dtype, &byte_size) == MBERT_ERROR_INVALID_ARGUMENT);
  const int64_t huge[] = {INT64_C(1) << 62};
  mbert_tensor_info_t too_big = {"x", huge, MBERT_DTYPE_INT64, 1, -1};
  CHECK(mbert_tensor_byte_size(&too_big, &byte_size) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_tensor_element_count(NULL, &count) == MBERT_ERROR_INVALID_ARGUMENT);
}

static void test_workspace_alloc(void) {
  void *workspace = (void *)1;
  CHECK(mbert_workspace_alloc(0, 0, &workspace) == MBERT_OK && workspace == NULL);
  CHECK(mbert_workspace_alloc(100, 0, &workspace) == MBERT_OK && workspace != NULL);
  CHECK((uintptr_t)workspace % MBERT_WORKSPACE_ALIGNMENT == 0);
  memset(workspace, 0xab, 100);
  mbert_workspace_free(workspace);
  CHECK(mbert_workspace_alloc(1, 4096, &workspace) == MBERT_OK);
  CHECK(workspace != NULL && (uintptr_t)workspace % 4096 == 0);
  mbert_workspace_free(workspace);
  /* A smaller alignment than the ABI's is raised to it. */
  CHECK(mbert_workspace_alloc(8, 8, &workspace) == MBERT_OK);
  CHECK((uintptr_t)workspace % MBERT_WORKSPACE_ALIGNMENT == 0);
  mbert_workspace_free(workspace);
  CHECK(mbert_workspace_alloc(64, 48, &workspace) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(workspace == NULL);
  CHECK(mbert_workspace_alloc(UINT64_MAX - 8, 0, &workspace) == MBERT_ERROR_OUT_OF_MEMORY);
  CHECK(mbert_workspace_alloc(64, 0, NULL) == MBERT_ERROR_INVALID_ARGUMENT);
  mbert_workspace_free(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Thread pool */

enum { kPoolIterations = 257 };

typedef struct pool_visits_t {
  _Atomic int counts[kPoolIterations];
} pool_visits_t;

static void count_visits(void *context, int64_t begin, int64_t end) {
  pool_visits_t *visits = context;
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add(&visits->counts[i], 1);
}

/* A stand-in for a compiled model's packed entry: records what it was called with. */
static void *const *seen_buffers;
static void *seen_workspace;
static int64_t seen_length;
static int32_t recording_run_packed(void *const *buffers, int64_t sequence_length, void *workspace,
                                    mbert_pool_t *pool) {
  (void)pool;
  seen_buffers = buffers;
  seen_length = sequence_length;
  seen_workspace = workspace;
  return MBERT_ERROR_INPUT_OUT_OF_RANGE;
}

/* mbert_model_run refuses what the entry cannot check (no model, no buffer array, a workspace
 * below the model's size) without calling it, and otherwise returns the entry's own status. */
static void test_model_run_checks_before_calling(void) {
  mbert_model_t model = {.name = "recording", .workspace_size = 128,
                         .workspace_alignment = MBERT_WORKSPACE_ALIGNMENT,
                         .run_packed = recording_run_packed};
  void *buffers[1] = {NULL};
  char workspace[1];
  seen_buffers = NULL;
  CHECK(mbert_model_run(NULL, buffers, workspace, 128, NULL) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_model_run(&model, NULL, workspace, 128, NULL) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_model_run(&model, buffers, workspace, 127, NULL) == MBERT_ERROR_WORKSPACE_TOO_SMALL);
  CHECK(seen_buffers == NULL);
  CHECK(mbert_model_run(&model, buffers, workspace, 128, NULL) == MBERT_ERROR_INPUT_OUT_OF_RANGE);
  CHECK(seen_buffers == buffers && seen_workspace == workspace && seen_length == 0);
  /* A model with a run-time length: mbert_model_run runs it at its largest, the other call at
   * the length given. */
  model.max_sequence_length = 384;
  CHECK(mbert_model_run(&model, buffers, workspace, 128, NULL) == MBERT_ERROR_INPUT_OUT_OF_RANGE);
  CHECK(seen_length == 384);
  CHECK(mbert_model_run_with_length(&model, buffers, 17, workspace, 128, NULL) ==
        MBERT_ERROR_INPUT_OUT_OF_RANGE);
  CHECK(seen_length == 17);
  model.run_packed = NULL;
  CHECK(mbert_model_run(&model, buffers, workspace, 128, NULL) == MBERT_ERROR_INVALID_ARGUMENT);
}

/* Every iteration runs exactly once, whatever the split: counts below, equal to and above the
 * number of threads, back to back (workers spinning) and after the workers fell asleep. */
static double monotonic_seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* A loop of `threads` iterations whose iteration b is block b of some rows, as a parallel region
 * of generated code is: it works for as long as its block's share of the rows (from the pool's
 * table) times the cost of a row of that block. */
typedef struct weighted_blocks_t {
  const mbert_pool_t *pool;
  double seconds_per_share[2];
} weighted_blocks_t;

static void work_through_block(void *context, int64_t begin, int64_t end) {
  const weighted_blocks_t *blocks = context;
  const uint32_t *starts = blocks->pool->block_starts;
  for (int64_t b = begin; b < end; ++b) {
    double share = (double)(starts[b + 1] - starts[b]) / starts[blocks->pool->threads];
    double until = monotonic_seconds() + share * blocks->seconds_per_share[b];
    while (monotonic_seconds() < until) {
    }
  }
}

/* A block whose rows take three times as long (a slower core, in effect) loses rows to the
 * other until both take as long: at three quarters of the rows for the faster block, which
 * the pool approaches by halving the distance every few measured loops. A loop in which one
 * thread took another's block is not measured, and on a loaded machine (the other tests) many
 * are not, so the loops go on until the division is near the balance, or for at most about a
 * second: without the pool's rebalancing it stays at one half. Loops of another count leave
 * the table alone. */
static void test_pool_moves_rows_to_the_faster_thread(void) {
  mbert_pool_t *pool = NULL;
  CHECK(mbert_pool_create(2, &pool) == MBERT_OK && pool != NULL);
  if (!pool)
    return;
  weighted_blocks_t blocks = {pool, {200e-6, 600e-6}};
  double faster_share = 0.5;
  bool near_balance = false;
  for (int loop = 0; loop < 3000 && !near_balance; ++loop) {
    CHECK(pool->parallel_for(pool, work_through_block, &blocks, 2) == MBERT_OK);
    faster_share = (double)pool->block_starts[1] / pool->block_starts[2];
    near_balance = faster_share > 0.7 && faster_share < 0.8;
  }
  if (!near_balance)
    fprintf(stderr, "the faster block has %.3f of the rows\n", faster_share);
  CHECK(near_balance);
  uint32_t settled = pool->block_starts[1];
  pool_visits_t visits;
  for (int i = 0; i < kPoolIterations; ++i)
    atomic_init(&visits.counts[i], 0);
  for (int loop = 0; loop < 20; ++loop)
    CHECK(pool->parallel_for(pool, count_visits, &visits, 7) == MBERT_OK);
  CHECK(pool->block_starts[1] == settled);
  mbert_pool_destroy(pool);
}

static void test_pool_runs_each_iteration_once(void) {
  static const int32_t kThreadCounts[] = {1, 2, 3, 8};
  static const int64_t kCounts[] = {0, 1, 2, 3, 7, kPoolIterations};
  for (size_t t = 0; t < sizeof kThreadCounts / sizeof kThreadCounts[0]; ++t) {
    mbert_pool_t *pool = NULL;
    CHECK(mbert_pool_create(kThreadCounts[t], &pool) == MBERT_OK && pool != NULL);
    if (!pool)
      continue;
    /* The generated code splits each GEMM's rows into this many blocks, at first equal ones:
     * entry b of the table is b / threads of the last, exactly. */
    CHECK(pool->threads == kThreadCounts[t]);
    CHECK(pool->block_starts != NULL);
    if (pool->block_starts) {
      CHECK(pool->block_starts[0] == 0 && pool->block_starts[kThreadCounts[t]] > 0);
      for (int32_t b = 0; b <= kThreadCounts[t]; ++b)
        CHECK((int64_t)pool->block_starts[b] * kThreadCounts[t] ==
              (int64_t)b * pool->block_starts[kThreadCounts[t]]);
    }
    for (int round = 0; round < 200; ++round) {
      if (round == 199) {
        struct timespec nap = {0, 50 * 1000 * 1000};
        nanosleep(&nap, NULL);
      }
      int64_t count = kCounts[round % (sizeof kCounts / sizeof kCounts[0])];
      pool_visits_t visits;
      for (int i = 0; i < kPoolIterations; ++i)
        atomic_init(&visits.counts[i], 0);
      CHECK(pool->parallel_for(pool, count_visits, &visits, count) == MBERT_OK);
      for (int64_t i = 0; i < kPoolIterations; ++i)
        CHECK(atomic_load(&visits.counts[i]) == (i < count ? 1 : 0));
    }
    mbert_pool_destroy(pool);
  }
  mbert_pool_t *pool = (mbert_pool_t *)1;
  CHECK(mbert_pool_create(0, &pool) == MBERT_ERROR_INVALID_ARGUMENT && pool == (mbert_pool_t *)1);
  CHECK(mbert_pool_create(2, NULL) == MBERT_ERROR_INVALID_ARGUMENT);
  mbert_pool_destroy(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * npy round trips */

static bool arrays_have_shape(const mbert_npy_array_t *array, const int64_t *shape, int32_t rank) {
  if (array->rank != rank)
    return false;
  for (int32_t i = 0; i < rank; ++i)
    if (array->shape[i] != shape[i])
      return false;
  return true;
}

/* Writes `data` as `dtype`/`shape`, reads it back, and checks that nothing changed. */
static void check_round_trip(const char *file_name, int32_t dtype, const int64_t *shape,
                             int32_t rank, const void *data, size_t byte_size) {
  char message[MBERT_NPY_MESSAGE_CAPACITY] = "";
  const char *path = scratch_path(file_name);
  mbert_status_t status = mbert_npy_write_file(path, dtype, shape, rank, data, message,
                                               sizeof(message));
  CHECK(status == MBERT_OK);
  if (status != MBERT_OK) {
    fprintf(stderr, "  write %s: %s\n", file_name, message);
    return;
  }
  /* numpy pads the preamble and header to 64 bytes; so must we, for aligned mmap readers. */
  struct stat info;
  CHECK(stat(path, &info) == 0 && ((size_t)info.st_size - byte_size) % 64 == 0);

  mbert_npy_array_t array;
  status = mbert_npy_read_file(path, &array, message, sizeof(message));
  CHECK(status == MBERT_OK);
  if (status != MBERT_OK) {
    fprintf(stderr, "  read %s: %s\n", file_name, message);
    return;
  }
  CHECK(array.dtype == dtype);
  CHECK(arrays_have_shape(&array, shape, rank));
  CHECK(array.byte_size == byte_size);
  CHECK(array.element_count * mbert_dtype_size(dtype) == byte_size);
  CHECK(byte_size == 0 ? array.data == NULL
                       : (array.data && (uintptr_t)array.data % MBERT_WORKSPACE_ALIGNMENT == 0 &&
                          memcmp(array.data, data, byte_size) == 0));
  mbert_npy_array_release(&array);
  CHECK(array.data == NULL);
  mbert_npy_array_release(&array);
}

static void test_npy_round_trip_every_dtype(void) {
  const int64_t matrix[] = {2, 3};
  const float f32[] = {0.0f, -1.5f, 3.25f, 1e30f, -0.0f, 7.0f};
  check_round_trip("f32.npy", MBERT_DTYPE_FLOAT32, matrix, 2, f32, sizeof(f32));
  const double f64[] = {0.1, -2.0, 1e300, 4.0, 5.5, -6.25};
  check_round_trip("f64.npy", MBERT_DTYPE_FLOAT64, matrix, 2, f64, sizeof(f64));
  const int32_t i32[] = {0, -1, INT32_MAX, INT32_MIN, 42, 7};
  check_round_trip("i32.npy", MBERT_DTYPE_INT32, matrix, 2, i32, sizeof(i32));
  const int64_t i64[] = {0, -1, INT64_MAX, INT64_MIN, 30522, 101};
  check_round_trip("i64.npy", MBERT_DTYPE_INT64, matrix, 2, i64, sizeof(i64));
  const uint8_t u8[] = {0, 1, 127, 128, 255, 9};
  check_round_trip("u8.npy", MBERT_DTYPE_UINT8, matrix, 2, u8, sizeof(u8));
  const int8_t i8[] = {0, -1, 127, -128, 5, -5};
  check_round_trip("i8.npy", MBERT_DTYPE_INT8, matrix, 2, i8, sizeof(i8));
  const uint8_t booleans[] = {1, 0, 0, 1, 1, 0};
  check_round_trip("bool.npy", MBERT_DTYPE_BOOL, matrix, 2, booleans, sizeof(booleans));
}

static void test_npy_round_trip_shapes(void) {
  const float scalar = 2.5f;
  check_round_trip("scalar.npy", MBERT_DTYPE_FLOAT32, NULL, 0, &scalar, sizeof(scalar));
  const int64_t vector_shape[] = {4};
  const int64_t vector[] = {1, 2, 3, 4};
  check_round_trip("vector.npy", MBERT_DTYPE_INT64, vector_shape, 1, vector, sizeof(vector));
  const int64_t empty_shape[] = {3, 0, 2};
  check_round_trip("empty.npy", MBERT_DTYPE_FLOAT32, empty_shape, 3, NULL, 0);
  int64_t deep_shape[MBERT_NPY_MAX_RANK];
  for (int i = 0; i < MBERT_NPY_MAX_RANK; ++i)
    deep_shape[i] = 1;
  const int8_t one = 3;
  check_round_trip("deep.npy", MBERT_DTYPE_INT8, deep_shape, MBERT_NPY_MAX_RANK, &one, 1);
  /* Big enough for the reader's buffer to grow several times. */
  enum { kLargeCount = 300000 };
  const int64_t large_shape[] = {kLargeCount};
  float *large = malloc(kLargeCount * sizeof(float));
  for (int i = 0; i < kLargeCount; ++i)
    large[i] = (float)i * 0.5f;
  check_round_trip("large.npy", MBERT_DTYPE_FLOAT32, large_shape, 1, large,
                   kLargeCount * sizeof(float));
  free(large);
}

static void test_npy_written_header_matches_numpy(void) {
  const int64_t shape[] = {2, 3};
  const float data[6] = {0};
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  const char *path = scratch_path("header.npy");
  CHECK(mbert_npy_write_file(path, MBERT_DTYPE_FLOAT32, shape, 2, data, message,
                             sizeof(message)) == MBERT_OK);
  char bytes[128];
  FILE *file = fopen(path, "rb");
  CHECK(file && fread(bytes, 1, sizeof(bytes), file) == sizeof(bytes));
  if (file)
    fclose(file);
  /* What numpy 1.24's np.save writes for np.zeros((2, 3), np.float32). */
  static const char kExpected[] = "\x93NUMPY\x01\x00\x76\x00"
                                  "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  CHECK(memcmp(bytes, kExpected, sizeof(kExpected) - 1) == 0);
  for (size_t i = sizeof(kExpected) - 1; i < 127; ++i)
    CHECK(bytes[i] == ' ');
  CHECK(bytes[127] == '\n');
}

/* ---------------------------------------------------------------------------------------------
 * npy parsing from memory, including malformed images */

/* Builds a .npy image of format `major`.0 around `header` (used verbatim, no padding) and
 * `data_size` bytes of data. Returns its size. */
static size_t make_npy_image(unsigned char *image, size_t capacity, int major, const char *header,
                             size_t data_size) {
  size_t header_size = strlen(header);
  size_t length_field_size = major == 1 ? 2 : 4;
  size_t size = 8 + length_field_size + header_size + data_size;
  if (size > capacity)
    abort();
  memcpy(image, "\x93NUMPY", 6);
  image[6] = (unsigned char)major;
  image[7] = 0;
  for (size_t i = 0; i < length_field_size; ++i)
    image[8 + i] = (unsigned char)(header_size >> (8 * i));
  memcpy(image + 8 + length_field_size, header, header_size);
  for (size_t i = 0; i < data_size; ++i)
    image[8 + length_field_size + header_size + i] = (unsigned char)i;
  return size;
}

static void test_npy_reads_format_variants(void) {
  unsigned char image[1024];
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  mbert_npy_array_t array;
  /* Versions 2.0 and 3.0 only widen the header length field. */
  for (int major = 1; major <= 3; ++major) {
    size_t size = make_npy_image(image, sizeof(image), major,
                                 "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n",
                                 16);
    CHECK(mbert_npy_read_memory(image, size, &array, message, sizeof(message)) == MBERT_OK);
    CHECK(array.dtype == MBERT_DTYPE_INT64 && array.rank == 1 && array.shape[0] == 2);
    CHECK(array.data && ((unsigned char *)array.data)[15] == 15);
    mbert_npy_array_release(&array);
  }
  /* Any key order, double quotes, no trailing comma, extra whitespace, '<' on a byte type. */
  size_t size = make_npy_image(image, sizeof(image), 1,
                               "{ \"shape\" : ( 3 , 1 ) ,\n \"fortran_order\":False,"
                               "'descr':'<u1'}   \n",
                               3);
  CHECK(mbert_npy_read_memory(image, size, &array, message, sizeof(message)) == MBERT_OK);
  CHECK(array.dtype == MBERT_DTYPE_UINT8 && array.rank == 2 && array.shape[0] == 3 &&
        array.shape[1] == 1);
  mbert_npy_array_release(&array);
  /* Scalar. */
  size = make_npy_image(image, sizeof(image), 1,
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", 8);
  CHECK(mbert_npy_read_memory(image, size, &array, message, sizeof(message)) == MBERT_OK);
  CHECK(array.rank == 0 && array.element_count == 1 && array.byte_size == 8);
  mbert_npy_array_release(&array);
}

typedef struct malformed_case_t {
  const char *what;
  int major;
  const char *header;
  size_t data_size;
  mbert_status_t expected_status;
  const char *expected_message;
} malformed_case_t;

static const malformed_case_t kMalformedCases[] = {
    {"fortran order", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", 16,
     MBERT_ERROR_UNSUPPORTED, "fortran_order arrays are not supported"},
    {"big-endian", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", 8,
     MBERT_ERROR_UNSUPPORTED, "big-endian dtype '>f4' is not supported"},
    {"big-endian int64", 1, "{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }\n", 8,
     MBERT_ERROR_UNSUPPORTED, "big-endian"},
    {"float16", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }\n", 4,
     MBERT_ERROR_UNSUPPORTED, "dtype '<f2' is not supported"},
    {"native byte order", 1, "{'descr': '=f4', 'fortran_order': False, 'shape': (1,), }\n", 4,
     MBERT_ERROR_UNSUPPORTED, "dtype '=f4' is not supported"},
    {"structured dtype", 1,
     "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", 4,
     MBERT_ERROR_UNSUPPORTED, "structured dtypes"},
    {"missing shape", 1, "{'descr': '<f4', 'fortran_order': False, }\n", 4, MBERT_ERROR_FORMAT,
     "missing key 'shape'"},
    {"missing descr", 1, "{'fortran_order': False, 'shape': (1,), }\n", 4, MBERT_ERROR_FORMAT,
     "missing key 'descr'"},
    {"duplicate key", 1,
     "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", 4,
     MBERT_ERROR_FORMAT, "key 'descr' appears twice"},
    {"unknown key", 1,
     "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1, }\n", 4,
     MBERT_ERROR_FORMAT, "unexpected key 'extra'"},
    {"negative dimension", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }\n",
     0, MBERT_ERROR_FORMAT, "negative dimension"},
    {"dimension beyond int64", 1,
     "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n", 0,
     MBERT_ERROR_FORMAT, "does not fit in 64 bits"},
    {"element count overflow", 1,
     "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", 0,
     MBERT_ERROR_FORMAT, "element count of 'shape' overflows"},
    {"byte size overflow", 1,
     "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }\n", 0,
     MBERT_ERROR_FORMAT, "too large to address"},
    {"shape is an int", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5), }\n", 20,
     MBERT_ERROR_FORMAT, "'shape' (5) is not a tuple"},
    {"shape is a list", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': [5], }\n", 20,
     MBERT_ERROR_FORMAT, "'shape' is not a tuple"},
    {"shape is not numeric", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }\n", 4,
     MBERT_ERROR_FORMAT, "expected a dimension"},
    {"rank above the maximum", 1,
     "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
     "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
     "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), }\n",
     1, MBERT_ERROR_UNSUPPORTED, "more than 64 dimensions"},
    {"truncated data", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 20,
     MBERT_ERROR_FORMAT, "truncated data: the header's shape needs 24 bytes of float32 but only 20"},
    {"header understates the data", 1,
     "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 28, MBERT_ERROR_FORMAT,
     "size mismatch: the header's shape accounts for 24 bytes of float32 but 28 follow"},
    {"not a dict", 1, "['descr', '<f4']\n", 0, MBERT_ERROR_FORMAT, "expected a dict"},
    {"text after the dict", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), } x\n", 4,
     MBERT_ERROR_FORMAT, "unexpected text after the dict"},
    {"fortran_order not a bool", 1,
     "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,), }\n", 4, MBERT_ERROR_FORMAT,
     "'fortran_order' is not True or False"},
    {"unterminated string", 1, "{'descr': '<f4\n", 0, MBERT_ERROR_FORMAT,
     "'descr' is not a string"},
    {"missing colon", 1, "{'descr' '<f4', 'fortran_order': False, 'shape': (1,), }\n", 4,
     MBERT_ERROR_FORMAT, "expected ':' after 'descr'"},
    {"missing comma", 1, "{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }\n", 4,
     MBERT_ERROR_FORMAT, "expected ',' or '}'"},
    {"descr not a string", 1, "{'descr': 4, 'fortran_order': False, 'shape': (1,), }\n", 4,
     MBERT_ERROR_FORMAT, "'descr' is not a string"},
    {"unterminated dict", 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", 4,
     MBERT_ERROR_FORMAT, "malformed header"},
};

static void test_npy_rejects_malformed_headers(void) {
  unsigned char image[2048];
  for (size_t i = 0; i < sizeof(kMalformedCases) / sizeof(kMalformedCases[0]); ++i) {
    const malformed_case_t *test_case = &kMalformedCases[i];
    size_t size = make_npy_image(image, sizeof(image), test_case->major, test_case->header,
                                 test_case->data_size);
    char message[MBERT_NPY_MESSAGE_CAPACITY] = "";
    mbert_npy_array_t array;
    memset(&array, 0x5a, sizeof(array));
    mbert_status_t status = mbert_npy_read_memory(image, size, &array, message, sizeof(message));
    if (status != test_case->expected_status)
      fprintf(stderr, "  case '%s': status %d, message '%s'\n", test_case->what, (int)status,
              message);
    CHECK(status == test_case->expected_status);
    CHECK_CONTAINS(message, test_case->expected_message);
    CHECK(strchr(message, '\n') == NULL);
    /* A failed read leaves nothing to release. */
    CHECK(array.data == NULL && array.rank == 0);
  }
}

static void test_npy_rejects_malformed_preambles(void) {
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  mbert_npy_array_t array;
  CHECK(mbert_npy_read_memory("", 0, &array, message, sizeof(message)) == MBERT_ERROR_FORMAT);
  CHECK_CONTAINS(message, "truncated");
  CHECK(mbert_npy_read_memory("\x93NUMPY\x01", 7, &array, message, sizeof(message)) ==
        MBERT_ERROR_FORMAT);
  CHECK_CONTAINS(message, "shorter than a .npy preamble");
  CHECK(mbert_npy_read_memory("PK\x03\x04 this is a zip", 19, &array, message, sizeof(message)) ==
        MBERT_ERROR_FORMAT);
  CHECK_CONTAINS(message, "not a .npy file");

  unsigned char image[256];
  size_t size = make_npy_image(image, sizeof(image), 1, "{}", 0);
  image[6] = 4;
  CHECK(mbert_npy_read_memory(image, size, &array, message, sizeof(message)) ==
        MBERT_ERROR_UNSUPPORTED);
  CHECK_CONTAINS(message, "version 4.0 is not supported");
  image[6] = 1;
  image[7] = 1;
  CHECK(mbert_npy_read_memory(image, size, &array, message, sizeof(message)) ==
        MBERT_ERROR_UNSUPPORTED);
  CHECK_CONTAINS(message, "version 1.1");

  /* Header length larger than the file: must not read past the image. */
  size = make_npy_image(image, sizeof(image), 2, "{}", 0);
  image[8] = 0xff;
  image[9] = 0xff;
  image[10] = 0xff;
  image[11] = 0x7f;
  CHECK(mbert_npy_read_memory(image, size, &array, message, sizeof(message)) ==
        MBERT_ERROR_FORMAT);
  CHECK_CONTAINS(message, "truncated header: it claims 2147483647 bytes but only 2 follow");
  CHECK(mbert_npy_read_memory(image, 9, &array, message, sizeof(message)) == MBERT_ERROR_FORMAT);
  CHECK_CONTAINS(message, "shorter than a version 2.0 preamble");

  CHECK(mbert_npy_read_memory(NULL, 10, &array, message, sizeof(message)) ==
        MBERT_ERROR_INVALID_ARGUMENT);
}

static void test_npy_messages_fit_small_buffers(void) {
  char message[8];
  memset(message, 'x', sizeof(message));
  mbert_npy_array_t array;
  CHECK(mbert_npy_read_memory("garbage!", 8, &array, message, sizeof(message)) ==
        MBERT_ERROR_FORMAT);
  CHECK(message[7] == '\0' && strlen(message) == 7);
  /* No buffer at all is fine too. */
  CHECK(mbert_npy_read_memory("garbage!", 8, &array, NULL, 0) == MBERT_ERROR_FORMAT);
}

/* ---------------------------------------------------------------------------------------------
 * npy file errors */

static void test_npy_file_errors(void) {
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  mbert_npy_array_t array;
  const char *missing = scratch_path("does-not-exist.npy");
  CHECK(mbert_npy_read_file(missing, &array, message, sizeof(message)) == MBERT_ERROR_IO);
  CHECK(strncmp(message, missing, strlen(missing)) == 0);
  CHECK_CONTAINS(message, "cannot open");

  /* A directory opens but cannot be read. */
  CHECK(mbert_npy_read_file(g_scratch_dir, &array, message, sizeof(message)) != MBERT_OK);

  /* Parse errors name the file. */
  const char *garbage = scratch_path("garbage.npy");
  FILE *file = fopen(garbage, "wb");
  CHECK(file != NULL);
  if (file) {
    fputs("not numpy at all", file);
    fclose(file);
  }
  CHECK(mbert_npy_read_file(garbage, &array, message, sizeof(message)) == MBERT_ERROR_FORMAT);
  CHECK(strncmp(message, garbage, strlen(garbage)) == 0);
  CHECK_CONTAINS(message, ": not a .npy file");

  const int64_t shape[] = {2};
  const int64_t negative_shape[] = {-2};
  const float data[2] = {1, 2};
  const char *unwritable = scratch_path("no-such-dir/out.npy");
  CHECK(mbert_npy_write_file(unwritable, MBERT_DTYPE_FLOAT32, shape, 1, data, message,
                             sizeof(message)) == MBERT_ERROR_IO);
  CHECK_CONTAINS(message, "cannot create");
  const char *out = scratch_path("out.npy");
  CHECK(mbert_npy_write_file(out, 10, shape, 1, data, message, sizeof(message)) ==
        MBERT_ERROR_UNSUPPORTED);
  CHECK(mbert_npy_write_file(out, MBERT_DTYPE_FLOAT32, negative_shape, 1, data, message,
                             sizeof(message)) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_npy_write_file(out, MBERT_DTYPE_FLOAT32, shape, 1, NULL, message,
                             sizeof(message)) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_npy_write_file(out, MBERT_DTYPE_FLOAT32, shape, MBERT_NPY_MAX_RANK + 1, data,
                             message, sizeof(message)) == MBERT_ERROR_INVALID_ARGUMENT);
  /* None of the rejected writes created the file. */
  struct stat info;
  CHECK(stat(out, &info) != 0);
}

/* ---------------------------------------------------------------------------------------------
 * main */

static const unit_test_t kTests[] = {
    {"status_strings", test_status_strings},
    {"dtypes", test_dtypes},
    {"element_counts", test_element_counts},
    {"workspace_alloc", test_workspace_alloc},
    {"pool_runs_each_iteration_once", test_pool_runs_each_iteration_once},
    {"pool_moves_rows_to_the_faster_thread", test_pool_moves_rows_to_the_faster_thread},
    {"model_run_checks_before_calling", test_model_run_checks_before_calling},
    {"npy_round_trip_every_dtype", test_npy_round_trip_every_dtype},
    {"npy_round_trip_shapes", test_npy_round_trip_shapes},
    {"npy_written_header_matches_numpy", test_npy_written_header_matches_numpy},
    {"npy_reads_format_variants", test_npy_reads_format_variants},
    {"npy_rejects_malformed_headers", test_npy_rejects_malformed_headers},
    {"npy_rejects_malformed_preambles", test_npy_rejects_malformed_preambles},
    {"npy_messages_fit_small_buffers", test_npy_messages_fit_small_buffers},
    {"npy_file_errors", test_npy_file_errors},
};

int main(int argc, char **argv) {
  return run_unit_tests(argc, argv, kTests, sizeof(kTests) / sizeof(kTests[0]));
}
