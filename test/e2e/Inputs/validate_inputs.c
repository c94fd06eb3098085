/* Calls a QA model compiled with `--emit=obj --name qa` with every kind of bad argument the
 * generated entry point and the runtime check (docs/ABI.md) and prints one line per case:
 * the status, and whether the outputs were left untouched (for the checks made before any
 * computation). Inputs are made up here: ids 1..N, a mask of ones, token types 0. */
#include "qa.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t ids[QA_INPUT_IDS_ELEMENTS], mask[QA_ATTENTION_MASK_ELEMENTS],
    types[QA_TOKEN_TYPE_IDS_ELEMENTS];
static float start[QA_START_LOGITS_ELEMENTS], end[QA_END_LOGITS_ELEMENTS];
static float reference_start[QA_START_LOGITS_ELEMENTS];

static void reset_inputs(void) {
  for (int64_t i = 0; i < QA_INPUT_IDS_ELEMENTS; ++i)
    ids[i] = 1 + i;
  for (int64_t i = 0; i < QA_ATTENTION_MASK_ELEMENTS; ++i)
    mask[i] = 1;
  memset(types, 0, sizeof types);
}

/* Fills the outputs with a pattern no model computes, so that "untouched" can be seen. */
static void poison_outputs(void) {
  memset(start, 0x7f, sizeof start);
  memset(end, 0x7f, sizeof end);
}

static int outputs_untouched(void) {
  float pattern[QA_START_LOGITS_ELEMENTS];
  memset(pattern, 0x7f, sizeof pattern);
  return memcmp(start, pattern, sizeof start) == 0;
}

static void report(const char *label, int32_t status) {
  printf("%s: %s%s\n", label, mbert_status_string((mbert_status_t)status),
         status != MBERT_OK && outputs_untouched() ? " (outputs untouched)" : "");
}

/* A pool whose scheduler refuses every loop. */
static int32_t refusing_parallel_for(mbert_pool_t *pool, mbert_task_fn task, void *context,
                                     int64_t count) {
  (void)pool, (void)task, (void)context, (void)count;
  return MBERT_ERROR_OUT_OF_MEMORY;
}

/* A pool that runs every loop on the caller's thread in two halves, to show that a working
 * custom pool computes what the NULL pool does. */
static int32_t halving_parallel_for(mbert_pool_t *pool, mbert_task_fn task, void *context,
                                    int64_t count) {
  (void)pool;
  task(context, 0, count / 2);
  task(context, count / 2, count);
  return MBERT_OK;
}

int main(void) {
  /* Twice the size, so that a misaligned pointer inside it still has the size. */
  void *allocation = NULL;
  if (mbert_workspace_alloc(2 * QA_WORKSPACE_SIZE + MBERT_WORKSPACE_ALIGNMENT, 0, &allocation) !=
      MBERT_OK)
    return 1;
  char *workspace = allocation;

  reset_inputs();
  poison_outputs();
  report("valid", qa_run(ids, mask, types, start, end, workspace, NULL));
  memcpy(reference_start, start, sizeof start);

  poison_outputs();
  report("null input", qa_run(ids, NULL, types, start, end, workspace, NULL));
  report("null output", qa_run(ids, mask, types, start, NULL, workspace, NULL));
  report("null workspace", qa_run(ids, mask, types, start, end, NULL, NULL));
  report("misaligned workspace", qa_run(ids, mask, types, start, end, workspace + 8, NULL));

  types[3] = QA_TOKEN_TYPE_IDS_BOUND;
  report("token type at the bound", qa_run(ids, mask, types, start, end, workspace, NULL));
  types[3] = -1;
  report("negative token type", qa_run(ids, mask, types, start, end, workspace, NULL));
  reset_inputs();
  ids[0] = INT64_MIN;
  report("token id INT64_MIN", qa_run(ids, mask, types, start, end, workspace, NULL));
  reset_inputs();
  mask[5] = 2;
  report("mask value 2", qa_run(ids, mask, types, start, end, workspace, NULL));
  mask[5] = -1;
  report("mask value -1", qa_run(ids, mask, types, start, end, workspace, NULL));
  reset_inputs();
  printf("mask bounds: [%lld, %lld)\n", (long long)QA_ATTENTION_MASK_LOWEST,
         (long long)QA_ATTENTION_MASK_BOUND);

  void *buffers[] = {ids, mask, types, start, end};
  report("model_run, workspace one byte short",
         mbert_model_run(&qa_model, buffers, workspace, QA_WORKSPACE_SIZE - 1, NULL));
  report("model_run, no model", mbert_model_run(NULL, buffers, workspace, QA_WORKSPACE_SIZE, NULL));
  report("model_run, no buffers",
         mbert_model_run(&qa_model, NULL, workspace, QA_WORKSPACE_SIZE, NULL));
  buffers[2] = NULL;
  report("model_run, null input",
         mbert_model_run(&qa_model, buffers, workspace, QA_WORKSPACE_SIZE, NULL));
  buffers[2] = types;

  mbert_pool_t refusing = {.parallel_for = refusing_parallel_for, .threads = 1};
  report("refusing pool", qa_run(ids, mask, types, start, end, workspace, &refusing));

  /* Any `threads` computes the same bits: 2 splits every GEMM's rows in two blocks, one per
   * half of the loop; the generated code clamps the others into [1, MBERT_POOL_MAX_THREADS]. */
  static const int32_t kThreads[] = {2, 0, -7, 1 << 30};
  for (size_t i = 0; i < sizeof kThreads / sizeof kThreads[0]; ++i) {
    mbert_pool_t halving = {.parallel_for = halving_parallel_for, .threads = kThreads[i]};
    poison_outputs();
    char label[64];
    snprintf(label, sizeof label, "halving pool, threads %d", (int)kThreads[i]);
    report(label, mbert_model_run(&qa_model, buffers, workspace, QA_WORKSPACE_SIZE, &halving));
    printf("halving pool, threads %d, matches: %s\n", (int)kThreads[i],
           memcmp(start, reference_start, sizeof start) == 0 ? "yes" : "no");
  }

  /* Any division of the rows computes the same bits too: blocks of unequal sizes, and empty
   * ones (16 rows are two tiles of 8; 1 / 7 of them is no tile). */
  static const struct {
    int32_t threads;
    uint32_t starts[4];
  } kDivisions[] = {{2, {0, 1, 7}}, {2, {0, 5, 6}}, {2, {0, 0, 3}}, {3, {0, 5, 5, 9}}};
  for (size_t i = 0; i < sizeof kDivisions / sizeof kDivisions[0]; ++i) {
    mbert_pool_t divided = {.parallel_for = halving_parallel_for,
                            .threads = kDivisions[i].threads,
                            .block_starts = kDivisions[i].starts};
    poison_outputs();
    char label[64];
    snprintf(label, sizeof label, "blocks from %u/%u", kDivisions[i].starts[1],
             kDivisions[i].starts[kDivisions[i].threads]);
    report(label, mbert_model_run(&qa_model, buffers, workspace, QA_WORKSPACE_SIZE, &divided));
    printf("%s, matches: %s\n", label,
           memcmp(start, reference_start, sizeof start) == 0 ? "yes" : "no");
  }

  /* A table that is not one would send blocks outside the rows: the first entry is not 0, an
   * entry is below the one before it, or the last is 0. */
  static const uint32_t kBadStarts[][3] = {{1, 2, 3}, {0, 5, 4}, {0, 0, 0}};
  for (size_t i = 0; i < sizeof kBadStarts / sizeof kBadStarts[0]; ++i) {
    mbert_pool_t bad = {
        .parallel_for = halving_parallel_for, .threads = 2, .block_starts = kBadStarts[i]};
    poison_outputs();
    char label[64];
    snprintf(label, sizeof label, "block starts %u %u %u", kBadStarts[i][0], kBadStarts[i][1],
             kBadStarts[i][2]);
    report(label, qa_run(ids, mask, types, start, end, workspace, &bad));
  }

  mbert_workspace_free(allocation);
  return 0;
}
