/* Calls a QA model compiled with `--max-seq-len 16 --emit=obj --name qa` (docs/ABI.md):
 * lengths outside [1, 16] give MBERT_ERROR_INVALID_SEQUENCE_LENGTH before anything is
 * written; a valid length L reads only the caller's first L positions and writes exactly L
 * logits, so that buffers sized for L are enough. Prints one line per case. */
#include "qa.h"

#include <stdio.h>
#include <string.h>

#define MAX_LENGTH QA_MAX_SEQUENCE_LENGTH

/* One more position than the model may touch: the last entry is a guard. */
static int64_t ids[MAX_LENGTH + 1], mask[MAX_LENGTH + 1], types[MAX_LENGTH + 1];
static float start[MAX_LENGTH + 1], end[MAX_LENGTH + 1];
static unsigned char workspace[QA_WORKSPACE_SIZE] __attribute__((aligned(64)));

static const float kUntouched = -12345.0f;

/* Inputs of `length` positions followed by values the model must not read: ids and types
 * out of range, which the entry point would reject if it read them. */
static void prepare(int64_t length) {
  for (int64_t i = 0; i <= MAX_LENGTH; ++i) {
    int inside = i < length;
    ids[i] = inside ? 100 + i : -1;
    mask[i] = inside ? 1 : 7;
    types[i] = inside ? 0 : 9;
    start[i] = end[i] = kUntouched;
  }
}

/* How many leading logits were written, and whether everything after them is untouched. */
static void report(const char *label, int64_t length, int32_t status) {
  int64_t written = 0;
  while (written <= MAX_LENGTH && start[written] != kUntouched && end[written] != kUntouched)
    ++written;
  int rest_untouched = 1;
  for (int64_t i = written; i <= MAX_LENGTH; ++i)
    rest_untouched &= start[i] == kUntouched && end[i] == kUntouched;
  printf("%s %lld: %s, %lld logits written%s\n", label, (long long)length,
         mbert_status_string((mbert_status_t)status), (long long)written,
         rest_untouched ? ", the rest untouched" : ", WRITES PAST THEM");
}

int main(void) {
  printf("max length %d, sequence axis %d\n", (int)QA_MAX_SEQUENCE_LENGTH,
         (int)QA_START_LOGITS_SEQUENCE_AXIS);
  const int64_t lengths[] = {0, -1, MAX_LENGTH + 1, 1, 5, MAX_LENGTH};
  for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; ++i) {
    prepare(lengths[i] > 0 ? lengths[i] : 0);
    report("run", lengths[i],
           qa_run(ids, mask, types, lengths[i], start, end, workspace, NULL));
  }
  /* The runtime's generic call passes the length through. */
  void *buffers[] = {ids, mask, types, start, end};
  prepare(3);
  report("model_run_with_length", 3,
         mbert_model_run_with_length(&qa_model, buffers, 3, workspace, sizeof workspace, NULL));
  int64_t shape[2];
  int32_t status = mbert_tensor_shape_at_length(&qa_model.outputs[0], 3, shape);
  printf("start_logits at length 3: [%lld, %lld] (%s)\n", (long long)shape[0],
         (long long)shape[1], mbert_status_string((mbert_status_t)status));
  return 0;
}
