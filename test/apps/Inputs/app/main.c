/* Runs the model `tiny` once on [CLS] [SEP] and padding, tokenizer-free, and prints what the
 * descriptor says and the status: proof that the object, header and runtime link and run. */
#include "tiny.h"

#include <stdio.h>

int main(void) {
  int64_t ids[TINY_INPUT_IDS_ELEMENTS] = {2, 3}, mask[TINY_INPUT_IDS_ELEMENTS] = {1, 1},
          types[TINY_INPUT_IDS_ELEMENTS] = {0};
  static float start[TINY_INPUT_IDS_ELEMENTS], end[TINY_INPUT_IDS_ELEMENTS];
  void *workspace;
  if (mbert_workspace_alloc(TINY_WORKSPACE_SIZE, MBERT_WORKSPACE_ALIGNMENT, &workspace) != MBERT_OK)
    return 1;
  int32_t status = tiny_run(ids, mask, types, start, end, workspace, NULL);
  mbert_workspace_free(workspace);
  printf("model %s: %d inputs, sequence length %d, status %d (%s)\n", tiny_model.name,
         (int)tiny_model.num_inputs, (int)TINY_INPUT_IDS_ELEMENTS, (int)status,
         mbert_status_string((mbert_status_t)status));
  return status;
}
