/* Calls a QA model compiled with `--emit=obj --name qa` through its header only: reads the three
 * inputs from DIR/inputs, runs qa_run and qa_run_packed, writes start_logits and end_logits to
 * OUT_DIR, and checks the descriptor against the header's macros and the out-of-range status.
 * Prints one line per check; exits 1 on the first failure. */
#include "qa.h"
#include "mbert_npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(condition)                                                                        \
  do {                                                                                          \
    if (!(condition)) {                                                                         \
      fprintf(stderr, "FAILED: %s (line %d)\n", #condition, __LINE__);                          \
      exit(1);                                                                                  \
    }                                                                                           \
  } while (0)

static void read_input(const char *dir, const char *name, int64_t expected_elements,
                       mbert_npy_array_t *array) {
  char path[4096], message[MBERT_NPY_MESSAGE_CAPACITY];
  snprintf(path, sizeof path, "%s/inputs/%s.npy", dir, name);
  mbert_status_t status = mbert_npy_read_file(path, array, message, sizeof message);
  if (status != MBERT_OK) {
    fprintf(stderr, "FAILED: %s\n", message);
    exit(1);
  }
  CHECK(array->dtype == MBERT_DTYPE_INT64);
  CHECK((int64_t)array->element_count == expected_elements);
}

static void write_output(const char *dir, const char *name, const float *data) {
  static const int64_t shape[] = QA_START_LOGITS_SHAPE;
  char path[4096], message[MBERT_NPY_MESSAGE_CAPACITY];
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  if (mbert_npy_write_file(path, MBERT_DTYPE_FLOAT32, shape, QA_START_LOGITS_RANK, data, message,
                           sizeof message) != MBERT_OK) {
    fprintf(stderr, "FAILED: %s\n", message);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s EXPORT_DIR OUT_DIR\n", argv[0]);
    return 2;
  }

  /* The descriptor agrees with the header. */
  static const int64_t ids_shape[] = QA_INPUT_IDS_SHAPE;
  CHECK(strcmp(qa_model.name, "qa") == 0);
  CHECK(qa_model.num_inputs == QA_NUM_INPUTS && qa_model.num_outputs == QA_NUM_OUTPUTS);
  CHECK(qa_model.workspace_size == QA_WORKSPACE_SIZE);
  CHECK(qa_model.workspace_alignment == MBERT_WORKSPACE_ALIGNMENT);
  CHECK(qa_model.run_packed == qa_run_packed);
  CHECK(strcmp(qa_model.inputs[0].name, "input_ids") == 0);
  CHECK(qa_model.inputs[0].dtype == QA_INPUT_IDS_DTYPE);
  CHECK(qa_model.inputs[0].rank == QA_INPUT_IDS_RANK);
  CHECK(memcmp(qa_model.inputs[0].shape, ids_shape, sizeof ids_shape) == 0);
  CHECK(strcmp(qa_model.outputs[1].name, "end_logits") == 0);
  CHECK(qa_model.outputs[1].dtype == QA_END_LOGITS_DTYPE);
  printf("descriptor: ok\n");

  mbert_npy_array_t ids, mask, types;
  read_input(argv[1], "input_ids", QA_INPUT_IDS_ELEMENTS, &ids);
  read_input(argv[1], "attention_mask", QA_ATTENTION_MASK_ELEMENTS, &mask);
  read_input(argv[1], "token_type_ids", QA_TOKEN_TYPE_IDS_ELEMENTS, &types);

  void *workspace = NULL;
  CHECK(mbert_workspace_alloc(QA_WORKSPACE_SIZE, 0, &workspace) == MBERT_OK);
  static float start[QA_START_LOGITS_ELEMENTS], end[QA_END_LOGITS_ELEMENTS];
  CHECK(qa_run(ids.data, mask.data, types.data, start, end, workspace, NULL) == MBERT_OK);
  write_output(argv[2], "start_logits", start);
  write_output(argv[2], "end_logits", end);
  printf("run: ok\n");

  /* The packed entry computes the same outputs (a model of fixed shapes does not read the
   * sequence length). */
  static float packed_start[QA_START_LOGITS_ELEMENTS], packed_end[QA_END_LOGITS_ELEMENTS];
  void *const buffers[] = {ids.data, mask.data, types.data, packed_start, packed_end};
  CHECK(qa_model.max_sequence_length == 0);
  CHECK(qa_model.run_packed(buffers, 0, workspace, NULL) == MBERT_OK);
  CHECK(memcmp(start, packed_start, sizeof start) == 0);
  CHECK(memcmp(end, packed_end, sizeof end) == 0);
  printf("run_packed: ok\n");

  /* A token id at the bound and a negative token type are both rejected before anything is
   * computed: the outputs keep their previous contents. */
  int64_t *id_values = ids.data, *type_values = types.data;
  memset(start, 0x7f, sizeof start);
  memcpy(packed_start, start, sizeof start);
  id_values[3] = QA_INPUT_IDS_BOUND;
  CHECK(qa_run(ids.data, mask.data, types.data, start, end, workspace, NULL) ==
        MBERT_ERROR_INPUT_OUT_OF_RANGE);
  CHECK(memcmp(start, packed_start, sizeof start) == 0);
  id_values[3] = QA_INPUT_IDS_BOUND - 1;
  type_values[0] = -1;
  CHECK(qa_run(ids.data, mask.data, types.data, start, end, workspace, NULL) ==
        MBERT_ERROR_INPUT_OUT_OF_RANGE);
  type_values[0] = QA_TOKEN_TYPE_IDS_BOUND - 1;
  CHECK(qa_run(ids.data, mask.data, types.data, start, end, workspace, NULL) == MBERT_OK);
  printf("out of range: %s\n", mbert_status_string(MBERT_ERROR_INPUT_OUT_OF_RANGE));

  mbert_workspace_free(workspace);
  mbert_npy_array_release(&ids);
  mbert_npy_array_release(&mask);
  mbert_npy_array_release(&types);
  return 0;
}
