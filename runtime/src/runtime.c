/* posix_memalign is POSIX, not C11: ask the C library to declare it. */
#define _POSIX_C_SOURCE 200112L

#include "mbert_runtime.h"

#include <stddef.h>
#include <stdlib.h>

/* The compiler emits mbert_tensor_info_t and mbert_model_t as plain LLVM structs. These checks
 * pin the layout it reproduces on the 64-bit targets we support, so that a change to the header
 * cannot silently desynchronize the two. */
#if UINTPTR_MAX == UINT64_MAX
_Static_assert(offsetof(mbert_tensor_info_t, name) == 0, "tensor_info.name offset");
_Static_assert(offsetof(mbert_tensor_info_t, shape) == 8, "tensor_info.shape offset");
_Static_assert(offsetof(mbert_tensor_info_t, dtype) == 16, "tensor_info.dtype offset");
_Static_assert(offsetof(mbert_tensor_info_t, rank) == 20, "tensor_info.rank offset");
_Static_assert(offsetof(mbert_tensor_info_t, sequence_axis) == 24,
               "tensor_info.sequence_axis offset");
_Static_assert(sizeof(mbert_tensor_info_t) == 32, "tensor_info size");
_Static_assert(offsetof(mbert_model_t, name) == 0, "model.name offset");
_Static_assert(offsetof(mbert_model_t, inputs) == 8, "model.inputs offset");
_Static_assert(offsetof(mbert_model_t, outputs) == 16, "model.outputs offset");
_Static_assert(offsetof(mbert_model_t, num_inputs) == 24, "model.num_inputs offset");
_Static_assert(offsetof(mbert_model_t, num_outputs) == 28, "model.num_outputs offset");
_Static_assert(offsetof(mbert_model_t, workspace_size) == 32, "model.workspace_size offset");
_Static_assert(offsetof(mbert_model_t, workspace_alignment) == 40,
               "model.workspace_alignment offset");
_Static_assert(offsetof(mbert_model_t, run_packed) == 48, "model.run_packed offset");
_Static_assert(offsetof(mbert_model_t, max_sequence_length) == 56,
               "model.max_sequence_length offset");
_Static_assert(sizeof(mbert_model_t) == 64, "model size");
#endif

const char *mbert_status_string(mbert_status_t status) {
  switch (status) {
  case MBERT_OK:
    return "ok";
  case MBERT_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case MBERT_ERROR_INPUT_OUT_OF_RANGE:
    return "input out of range (an index outside its table, or a mask value other than 0 and 1)";
  case MBERT_ERROR_IO:
    return "i/o error";
  case MBERT_ERROR_FORMAT:
    return "malformed file";
  case MBERT_ERROR_SHAPE_MISMATCH:
    return "shape mismatch";
  case MBERT_ERROR_DTYPE_MISMATCH:
    return "dtype mismatch";
  case MBERT_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case MBERT_ERROR_UNSUPPORTED:
    return "unsupported";
  case MBERT_ERROR_INVALID_UTF8:
    return "invalid utf-8 text";
  case MBERT_ERROR_BUFFER_TOO_SMALL:
    return "output buffer too small";
  case MBERT_ERROR_SEQUENCE_TOO_LONG:
    return "sequence too long to fit without truncating what may not be truncated";
  case MBERT_ERROR_MISSING_SPECIAL_TOKEN:
    return "vocabulary lacks a special token ([UNK], [CLS], [SEP] or [PAD])";
  case MBERT_ERROR_NULL_BUFFER:
    return "null buffer (an input, output or needed workspace pointer is NULL)";
  case MBERT_ERROR_WORKSPACE_TOO_SMALL:
    return "workspace smaller than the model needs";
  case MBERT_ERROR_WORKSPACE_MISALIGNED:
    return "workspace not aligned to MBERT_WORKSPACE_ALIGNMENT";
  case MBERT_ERROR_POOL_FAILED:
    return "the thread pool failed to run a parallel loop";
  case MBERT_ERROR_INVALID_SEQUENCE_LENGTH:
    return "sequence length outside 1 to the model's maximum";
  }
  return "unknown status";
}

mbert_status_t mbert_model_run_with_length(const mbert_model_t *model, void *const *buffers,
                                           int64_t sequence_length, void *workspace,
                                           uint64_t workspace_size, mbert_pool_t *pool) {
  if (!model || !model->run_packed || !buffers)
    return MBERT_ERROR_INVALID_ARGUMENT;
  if (workspace_size < model->workspace_size)
    return MBERT_ERROR_WORKSPACE_TOO_SMALL;
  return (mbert_status_t)model->run_packed(buffers, sequence_length, workspace, pool);
}

mbert_status_t mbert_model_run(const mbert_model_t *model, void *const *buffers, void *workspace,
                               uint64_t workspace_size, mbert_pool_t *pool) {
  int64_t length = model ? model->max_sequence_length : 0;
  return mbert_model_run_with_length(model, buffers, length, workspace, workspace_size, pool);
}

mbert_status_t mbert_tensor_shape_at_length(const mbert_tensor_info_t *info,
                                            int64_t sequence_length, int64_t *out_shape) {
  if (!info || !out_shape || info->rank < 0 || (info->rank > 0 && !info->shape))
    return MBERT_ERROR_INVALID_ARGUMENT;
  for (int32_t i = 0; i < info->rank; ++i)
    out_shape[i] = info->shape[i];
  if (info->sequence_axis < 0)
    return MBERT_OK;
  if (info->sequence_axis >= info->rank)
    return MBERT_ERROR_INVALID_ARGUMENT;
  if (sequence_length < 1 || sequence_length > info->shape[info->sequence_axis])
    return MBERT_ERROR_INVALID_SEQUENCE_LENGTH;
  out_shape[info->sequence_axis] = sequence_length;
  return MBERT_OK;
}

size_t mbert_dtype_size(int32_t dtype) {
  switch (dtype) {
  case MBERT_DTYPE_FLOAT32:
  case MBERT_DTYPE_INT32:
    return 4;
  case MBERT_DTYPE_FLOAT64:
  case MBERT_DTYPE_INT64:
    return 8;
  case MBERT_DTYPE_UINT8:
  case MBERT_DTYPE_INT8:
  case MBERT_DTYPE_BOOL:
    return 1;
  }
  return 0;
}

const char *mbert_dtype_name(int32_t dtype) {
  switch (dtype) {
  case MBERT_DTYPE_FLOAT32:
    return "float32";
  case MBERT_DTYPE_FLOAT64:
    return "float64";
  case MBERT_DTYPE_INT32:
    return "int32";
  case MBERT_DTYPE_INT64:
    return "int64";
  case MBERT_DTYPE_UINT8:
    return "uint8";
  case MBERT_DTYPE_INT8:
    return "int8";
  case MBERT_DTYPE_BOOL:
    return "bool";
  }
  return "unknown";
}

mbert_status_t mbert_shape_element_count(const int64_t *shape, int32_t rank, uint64_t *out_count) {
  if (!out_count || rank < 0 || (rank > 0 && !shape))
    return MBERT_ERROR_INVALID_ARGUMENT;
  uint64_t count = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return MBERT_ERROR_INVALID_ARGUMENT;
    uint64_t dim = (uint64_t)shape[i];
    /* A zero dimension makes the product zero whatever follows, so only a nonzero dim can
     * overflow it. Counts are kept within int64 so they stay valid as dimensions themselves. */
    if (dim != 0 && count > (uint64_t)INT64_MAX / dim)
      return MBERT_ERROR_INVALID_ARGUMENT;
    count *= dim;
  }
  *out_count = count;
  return MBERT_OK;
}

mbert_status_t mbert_tensor_element_count(const mbert_tensor_info_t *info, uint64_t *out_count) {
  if (!info)
    return MBERT_ERROR_INVALID_ARGUMENT;
  return mbert_shape_element_count(info->shape, info->rank, out_count);
}

mbert_status_t mbert_tensor_byte_size(const mbert_tensor_info_t *info, uint64_t *out_size) {
  if (!out_size)
    return MBERT_ERROR_INVALID_ARGUMENT;
  uint64_t count = 0;
  mbert_status_t status = mbert_tensor_element_count(info, &count);
  if (status != MBERT_OK)
    return status;
  size_t element_size = mbert_dtype_size(info->dtype);
  if (element_size == 0)
    return MBERT_ERROR_INVALID_ARGUMENT;
  if (count > SIZE_MAX / element_size)
    return MBERT_ERROR_INVALID_ARGUMENT;
  *out_size = count * element_size;
  return MBERT_OK;
}

mbert_status_t mbert_workspace_alloc(uint64_t size, uint64_t alignment, void **out_workspace) {
  if (!out_workspace)
    return MBERT_ERROR_INVALID_ARGUMENT;
  *out_workspace = NULL;
  if (alignment == 0)
    alignment = MBERT_WORKSPACE_ALIGNMENT;
  if ((alignment & (alignment - 1)) != 0 || alignment > SIZE_MAX)
    return MBERT_ERROR_INVALID_ARGUMENT;
  if (alignment < MBERT_WORKSPACE_ALIGNMENT)
    alignment = MBERT_WORKSPACE_ALIGNMENT;
  if (size == 0)
    return MBERT_OK;
  if (size > SIZE_MAX)
    return MBERT_ERROR_OUT_OF_MEMORY;
  /* posix_memalign rather than C11's aligned_alloc: Android has aligned_alloc only from API 28,
   * and the runtime targets API 24. The alignment is a power of two >= 64, as it requires. */
  void *workspace = NULL;
  if (posix_memalign(&workspace, (size_t)alignment, (size_t)size) != 0)
    return MBERT_ERROR_OUT_OF_MEMORY;
  *out_workspace = workspace;
  return MBERT_OK;
}

void mbert_workspace_free(void *workspace) { free(workspace); }
