/* Hand-written stand-ins for compiled models, so the runtime and the runner can be tested
 * without the compiler. They follow docs/ABI.md exactly as generated code does: validate index
 * inputs first, then compute, never allocate.
 *
 * fake_model: sum = lhs + rhs, floor_sum = floor(sum) as int64,
 *             combined_ids = token_ids * 2 + token_types.
 *   Returns MBERT_ERROR_INPUT_OUT_OF_RANGE when lhs or rhs holds a negative value, a token id is
 *   outside [0, 100) or a token type outside [0, 2); MBERT_ERROR_INVALID_ARGUMENT when the
 *   workspace is missing or misaligned.
 * edge_model: scalars, empty tensors, an output name with a path separator, no workspace. */
#include "mbert_runtime.h"

#include <math.h>
#include <stdint.h>

enum { kFakeRows = 2, kFakeColumns = 3, kFakeTokens = 3, kFakeVocabulary = 100 };

static const int64_t kMatrixShape[] = {kFakeRows, kFakeColumns};
static const int64_t kTokenShape[] = {kFakeTokens};

static const mbert_tensor_info_t kFakeInputs[] = {
    {"lhs", kMatrixShape, MBERT_DTYPE_FLOAT32, 2, -1},
    {"rhs", kMatrixShape, MBERT_DTYPE_FLOAT32, 2, -1},
    {"token_ids", kTokenShape, MBERT_DTYPE_INT64, 1, -1},
    {"token_types", kTokenShape, MBERT_DTYPE_INT32, 1, -1},
};

static const mbert_tensor_info_t kFakeOutputs[] = {
    {"sum", kMatrixShape, MBERT_DTYPE_FLOAT32, 2, -1},
    {"floor_sum", kMatrixShape, MBERT_DTYPE_INT64, 2, -1},
    {"combined_ids", kTokenShape, MBERT_DTYPE_INT64, 1, -1},
};

static int32_t fake_model_run_packed(void *const *buffers, int64_t sequence_length, void *workspace,
                                     mbert_pool_t *pool) {
  (void)sequence_length;
  (void)pool;
  const float *lhs = buffers[0];
  const float *rhs = buffers[1];
  const int64_t *token_ids = buffers[2];
  const int32_t *token_types = buffers[3];
  float *sum = buffers[4];
  int64_t *floor_sum = buffers[5];
  int64_t *combined_ids = buffers[6];
  if (!workspace || (uintptr_t)workspace % MBERT_WORKSPACE_ALIGNMENT != 0)
    return MBERT_ERROR_INVALID_ARGUMENT;

  for (int i = 0; i < kFakeRows * kFakeColumns; ++i)
    if (lhs[i] < 0 || rhs[i] < 0)
      return MBERT_ERROR_INPUT_OUT_OF_RANGE;
  for (int i = 0; i < kFakeTokens; ++i)
    if (token_ids[i] < 0 || token_ids[i] >= kFakeVocabulary || token_types[i] < 0 ||
        token_types[i] > 1)
      return MBERT_ERROR_INPUT_OUT_OF_RANGE;

  /* Go through the workspace, as generated code does with intermediates, so that a runner
   * handing out too small a workspace shows up under a sanitizer. */
  float *partial_sum = workspace;
  for (int i = 0; i < kFakeRows * kFakeColumns; ++i)
    partial_sum[i] = lhs[i] + rhs[i];
  for (int i = 0; i < kFakeRows * kFakeColumns; ++i) {
    sum[i] = partial_sum[i];
    floor_sum[i] = (int64_t)floorf(partial_sum[i]);
  }
  for (int i = 0; i < kFakeTokens; ++i)
    combined_ids[i] = token_ids[i] * 2 + token_types[i];
  return MBERT_OK;
}

const mbert_model_t fake_model = {
    .name = "fake",
    .inputs = kFakeInputs,
    .outputs = kFakeOutputs,
    .num_inputs = 4,
    .num_outputs = 3,
    .workspace_size = kFakeRows * kFakeColumns * sizeof(float),
    .workspace_alignment = MBERT_WORKSPACE_ALIGNMENT,
    .run_packed = fake_model_run_packed,
};

static const int64_t kEmptyShape[] = {0, 4};
static const int64_t kNothingShape[] = {0};

static const mbert_tensor_info_t kEdgeInputs[] = {
    {"scale", NULL, MBERT_DTYPE_FLOAT32, 0, -1},
    {"empty", kEmptyShape, MBERT_DTYPE_FLOAT32, 2, -1},
};

static const mbert_tensor_info_t kEdgeOutputs[] = {
    {"scaled/half", NULL, MBERT_DTYPE_FLOAT32, 0, -1},
    {"nothing", kNothingShape, MBERT_DTYPE_INT8, 1, -1},
};

static int32_t edge_model_run_packed(void *const *buffers, int64_t sequence_length, void *workspace,
                                     mbert_pool_t *pool) {
  (void)sequence_length;
  (void)workspace;
  (void)pool;
  const float *scale = buffers[0];
  float *half = buffers[2];
  *half = *scale / 2;
  return MBERT_OK;
}

const mbert_model_t edge_model = {
    .name = "edge",
    .inputs = kEdgeInputs,
    .outputs = kEdgeOutputs,
    .num_inputs = 2,
    .num_outputs = 2,
    .workspace_size = 0,
    .workspace_alignment = MBERT_WORKSPACE_ALIGNMENT,
    .run_packed = edge_model_run_packed,
};
