/* Reading and writing numpy .npy files, the runner's input and output format.
 *
 * Reads format versions 1.0, 2.0 and 3.0 holding a C-order, little-endian array of one of the
 * dtypes mbert_dtype_t names ('<f4' '<f8' '<i4' '<i8' '|u1' '|i1' '|b1'); writes version 1.0.
 * Anything else (Fortran order, big-endian, structured dtypes, sizes that disagree with the
 * shape) is rejected rather than guessed at.
 *
 * Errors: every function returns an mbert_status_t and, on failure, writes a one-line,
 * NUL-terminated description into the caller's `out_message` buffer of `message_capacity` bytes
 * (truncated to fit; the buffer may be NULL when the capacity is 0). Nothing is kept in global
 * state, so the functions are safe to call from several threads. */
#ifndef MBERT_NPY_H_
#define MBERT_NPY_H_

#include "mbert_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* numpy 2's NPY_MAXDIMS: any array numpy can save fits. */
#define MBERT_NPY_MAX_RANK 64

/* A message buffer of this many bytes holds every message in full. */
#define MBERT_NPY_MESSAGE_CAPACITY 512

/* An array read from a .npy file. `data` is owned by the struct, aligned to
 * MBERT_WORKSPACE_ALIGNMENT so it can be handed to generated code as is, and NULL when the
 * array is empty. */
typedef struct mbert_npy_array_t {
  int32_t dtype; /* mbert_dtype_t */
  int32_t rank;
  int64_t shape[MBERT_NPY_MAX_RANK];
  uint64_t element_count;
  uint64_t byte_size;
  void *data;
} mbert_npy_array_t;

/* Reads the .npy file at `path` into `out_array` (zeroed on failure). Messages start with the
 * path. */
mbert_status_t mbert_npy_read_file(const char *path, mbert_npy_array_t *out_array,
                                   char *out_message, size_t message_capacity);

/* Reads a .npy image of `byte_count` bytes already in memory; the data is copied. */
mbert_status_t mbert_npy_read_memory(const void *bytes, size_t byte_count,
                                     mbert_npy_array_t *out_array, char *out_message,
                                     size_t message_capacity);

/* Frees the data of an array from mbert_npy_read_* and zeroes it; safe to call twice. */
void mbert_npy_array_release(mbert_npy_array_t *array);

/* Writes a dense C-order array as a version 1.0 .npy file, replacing `path`. `data` may be NULL
 * when the shape has no elements. On failure no file is left at `path`. Messages start with the
 * path. */
mbert_status_t mbert_npy_write_file(const char *path, int32_t dtype, const int64_t *shape,
                                    int32_t rank, const void *data, char *out_message,
                                    size_t message_capacity);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MBERT_NPY_H_ */
