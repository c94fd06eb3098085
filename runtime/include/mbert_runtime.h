/* mbert runtime: the C side of the object ABI described in docs/ABI.md.
 *
 * A compiled model (NAME.o + NAME.h) needs only the types in this header; the functions are
 * conveniences for the app that calls it. Every buffer is owned by the caller: nothing here keeps
 * global state, and the generated code never allocates. */
#ifndef MBERT_RUNTIME_H_
#define MBERT_RUNTIME_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. The generated code returns them as int32_t, so the values are part of the ABI
 * and never change; new codes are only ever appended. */
typedef enum mbert_status_t {
  MBERT_OK = 0,
  MBERT_ERROR_INVALID_ARGUMENT = 1,
  /* An index input (token ids, token types) lies outside its table, or an attention mask
   * holds a value other than 0 and 1 (docs/ABI.md). */
  MBERT_ERROR_INPUT_OUT_OF_RANGE = 2,
  MBERT_ERROR_IO = 3,
  /* A file is not what its format says it must be (malformed or inconsistent). */
  MBERT_ERROR_FORMAT = 4,
  MBERT_ERROR_SHAPE_MISMATCH = 5,
  MBERT_ERROR_DTYPE_MISMATCH = 6,
  MBERT_ERROR_OUT_OF_MEMORY = 7,
  /* Well-formed, but outside what the runtime handles (e.g. a big-endian npy file). */
  MBERT_ERROR_UNSUPPORTED = 8,
  /* Text given to the tokenizer is not valid UTF-8. */
  MBERT_ERROR_INVALID_UTF8 = 9,
  /* Caller-provided output buffers are too small; the call reports the size it needs. */
  MBERT_ERROR_BUFFER_TOO_SMALL = 10,
  /* A tokenized text does not fit the sequence length and may not be truncated (e.g. the
   * question of a question/context pair). */
  MBERT_ERROR_SEQUENCE_TOO_LONG = 11,
  /* A vocabulary lacks a token the tokenizer needs ([UNK], [CLS], [SEP], [PAD]). */
  MBERT_ERROR_MISSING_SPECIAL_TOKEN = 12,
  /* A model was called with a NULL input or output buffer, or a NULL workspace although the
   * model needs one. */
  MBERT_ERROR_NULL_BUFFER = 13,
  /* The workspace size the caller passed (mbert_model_run) is below the model's. */
  MBERT_ERROR_WORKSPACE_TOO_SMALL = 14,
  /* The workspace is not aligned to MBERT_WORKSPACE_ALIGNMENT. */
  MBERT_ERROR_WORKSPACE_MISALIGNED = 15,
  /* The thread pool's parallel_for reported a failure; the outputs are unspecified. */
  MBERT_ERROR_POOL_FAILED = 16,
  /* A model compiled with --max-seq-len was called with a sequence length below 1 or above its
   * maximum (or a runtime call's inputs disagree on the length). */
  MBERT_ERROR_INVALID_SEQUENCE_LENGTH = 17,
} mbert_status_t;

/* The last status code, for code that iterates over all of them. */
#define MBERT_STATUS_LAST MBERT_ERROR_INVALID_SEQUENCE_LENGTH

/* A short lowercase description of `status`; never NULL, also for unknown codes. */
const char *mbert_status_string(mbert_status_t status);

/* Element types, numbered as ONNX's TensorProto.DataType so that the compiler can copy the
 * number straight from the model. */
typedef enum mbert_dtype_t {
  MBERT_DTYPE_INVALID = 0,
  MBERT_DTYPE_FLOAT32 = 1,
  MBERT_DTYPE_UINT8 = 2,
  MBERT_DTYPE_INT8 = 3,
  MBERT_DTYPE_INT32 = 6,
  MBERT_DTYPE_INT64 = 7,
  MBERT_DTYPE_BOOL = 9,
  MBERT_DTYPE_FLOAT64 = 11,
} mbert_dtype_t;

/* Bytes per element of `dtype`, or 0 when the runtime does not know the dtype. */
size_t mbert_dtype_size(int32_t dtype);

/* numpy-style name of `dtype` ("float32", "int64", ...), or "unknown". Never NULL. */
const char *mbert_dtype_name(int32_t dtype);

/* Alignment, in bytes, the generated code assumes for its workspace. */
#define MBERT_WORKSPACE_ALIGNMENT 64

/* Thread pools. The generated code splits its parallel loops (GEMM row blocks and column
 * panels, attention heads) into ranges of iterations and hands them to the pool the caller
 * passes; with NULL it runs them on the calling thread. */
typedef struct mbert_pool mbert_pool_t;

/* The most threads the generated code splits a GEMM's rows among (mbert_pool_t.threads). */
#define MBERT_POOL_MAX_THREADS 1024

/* Runs iterations [begin, end) of one parallel loop; `context` is the loop's captured buffers. */
typedef void (*mbert_task_fn)(void *context, int64_t begin, int64_t end);

/* What generated code requires of a pool, and all it touches: parallel_for must call `task` on
 * disjoint ranges that together cover [0, count), from any threads, return once every call
 * has returned, and return MBERT_OK. A pool that cannot run the loop (say, its scheduler
 * refused the work) returns any other value without calling `task` for the iterations it
 * skipped; the generated code then stops and returns MBERT_ERROR_POOL_FAILED. An app can bring
 * its own scheduler by making this struct the first member of its pool; mbert_pool_create makes
 * one from POSIX threads. A pool runs one model at a time. */
struct mbert_pool {
  int32_t (*parallel_for)(mbert_pool_t *pool, mbert_task_fn task, void *context, int64_t count);
  /* How many threads run a loop's iterations at once (values outside [1,
   * MBERT_POOL_MAX_THREADS] count as the nearer bound). The generated code splits each GEMM's
   * rows into this many blocks, block-major in its parallel loop: a pool that gives thread t
   * the t-th of `threads` equal contiguous shares of every loop's iterations then keeps each
   * row on one thread from loop to loop, so that the rows one GEMM writes are read by the same
   * core in the next. Any value computes the same bits; 1 splits no GEMM by rows. */
  int32_t threads;
  /* How the rows are divided among those blocks: NULL for equal blocks, or T + 1 nondecreasing
   * values, T being `threads` as clamped above, with block_starts[0] = 0 and block_starts[T] > 0.
   * Of a GEMM's `tiles` whole row tiles, block b then gets
   *   [tiles * block_starts[b] / block_starts[T], tiles * block_starts[b + 1] / block_starts[T])
   * (NULL: [b * tiles / T, (b + 1) * tiles / T)), so that a pool can give its faster cores more
   * rows. The generated code copies the table at the start of each call and, when it is not such
   * a table, returns MBERT_ERROR_INVALID_ARGUMENT before running anything. Any table computes
   * the same bits. */
  const uint32_t *block_starts;
};

/* Creates a pool of `threads` threads in all, the caller's included: threads - 1 workers start
 * now and, between parallel loops, spin briefly and then sleep. `threads` must be at least 1.
 * The pool times each thread on its own block of the loops of exactly `threads` iterations (the
 * generated code's row-partitioned loops) and moves rows to the threads that finish first, through
 * block_starts, so that a core that runs slower (a little core of a phone, a busy or throttled
 * one) does not hold the others back at every loop's end. */
mbert_status_t mbert_pool_create(int32_t threads, mbert_pool_t **out_pool);

/* Stops and joins the workers of a pool from mbert_pool_create; NULL is a no-op. */
void mbert_pool_destroy(mbert_pool_t *pool);

/* One input or output of a model. The generated object reproduces this layout field by field:
 * do not reorder. */
typedef struct mbert_tensor_info_t {
  const char *name;
  const int64_t *shape; /* `rank` dimensions, row-major; NULL when rank is 0 */
  int32_t dtype;        /* mbert_dtype_t */
  int32_t rank;
  /* The axis whose extent is the run-time sequence length (`shape` holds the model's maximum
   * there), or -1 for a tensor of fixed shape. */
  int32_t sequence_axis;
} mbert_tensor_info_t;

/* `buffers` holds one pointer per input then one per output, in signature order. The sequence
 * length is read only by a model with max_sequence_length > 0. Returns an mbert_status_t. */
typedef int32_t (*mbert_entry_packed_fn)(void *const *buffers, int64_t sequence_length,
                                         void *workspace, mbert_pool_t *pool);

/* The signature of a compiled model (`NAME_model`). Layout reproduced by the generated object:
 * do not reorder. */
typedef struct mbert_model_t {
  const char *name;
  const mbert_tensor_info_t *inputs;
  const mbert_tensor_info_t *outputs;
  int32_t num_inputs;
  int32_t num_outputs;
  uint64_t workspace_size;
  uint64_t workspace_alignment;
  mbert_entry_packed_fn run_packed;
  /* The largest sequence length of a model compiled with --max-seq-len, which takes the actual
   * length at run time; 0 for a model of fixed shapes. */
  int64_t max_sequence_length;
} mbert_model_t;

/* Calls `model->run_packed` after checking what the generated entry cannot know: `model`,
 * `buffers` and the workspace size. `buffers` holds num_inputs + num_outputs pointers, inputs
 * then outputs. Returns MBERT_ERROR_INVALID_ARGUMENT for a NULL model or buffers array,
 * MBERT_ERROR_WORKSPACE_TOO_SMALL when `workspace_size` is below model->workspace_size, and
 * otherwise whatever the model returns (which checks NULL buffers, the workspace's alignment
 * and the index inputs before computing). */
mbert_status_t mbert_model_run(const mbert_model_t *model, void *const *buffers, void *workspace,
                               uint64_t workspace_size, mbert_pool_t *pool);

/* mbert_model_run at `sequence_length` positions, for a model compiled with --max-seq-len
 * (max_sequence_length > 0): every tensor with a sequence axis holds that many positions there
 * (mbert_tensor_shape_at_length). The model returns MBERT_ERROR_INVALID_SEQUENCE_LENGTH when
 * the length is not in [1, max_sequence_length]. A model of fixed shapes does not read it, and
 * mbert_model_run is this call at the model's largest length. */
mbert_status_t mbert_model_run_with_length(const mbert_model_t *model, void *const *buffers,
                                           int64_t sequence_length, void *workspace,
                                           uint64_t workspace_size, mbert_pool_t *pool);

/* The shape of `info` (rank entries into `out_shape`) when the model runs at `sequence_length`:
 * its shape with the sequence axis, if it has one, set to the length. Fails with
 * MBERT_ERROR_INVALID_SEQUENCE_LENGTH when the length is not in [1, the maximum there]. */
mbert_status_t mbert_tensor_shape_at_length(const mbert_tensor_info_t *info,
                                            int64_t sequence_length, int64_t *out_shape);

/* Number of elements of a dense tensor of `rank` dimensions (1 for rank 0). Fails with
 * MBERT_ERROR_INVALID_ARGUMENT on a negative dimension or when the count overflows. */
mbert_status_t mbert_shape_element_count(const int64_t *shape, int32_t rank, uint64_t *out_count);

/* mbert_shape_element_count of `info`'s shape. */
mbert_status_t mbert_tensor_element_count(const mbert_tensor_info_t *info, uint64_t *out_count);

/* Bytes of a dense buffer holding `info`; fails on an unknown dtype or when the size overflows
 * size_t. */
mbert_status_t mbert_tensor_byte_size(const mbert_tensor_info_t *info, uint64_t *out_size);

/* Allocates `size` bytes aligned to max(`alignment`, MBERT_WORKSPACE_ALIGNMENT) (0 means the
 * default; otherwise a power of two). Writes NULL when `size` is 0, which the ABI accepts for an
 * empty workspace. Release with mbert_workspace_free. Generated code never calls this: it is for
 * apps, which may equally use their own memory. */
mbert_status_t mbert_workspace_alloc(uint64_t size, uint64_t alignment, void **out_workspace);

/* Releases memory from mbert_workspace_alloc; NULL is a no-op. */
void mbert_workspace_free(void *workspace);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MBERT_RUNTIME_H_ */
