/* Command-line access to the runtime's .npy reader and writer, so that lit tests can check them
 * against files numpy itself wrote and reads back.
 *
 *   mbert_npy_tool describe FILE   prints "dtype=float32 shape=[2,3] bytes=24"
 *   mbert_npy_tool copy IN OUT     reads IN and writes it again as OUT
 * Errors: the reader's message on stderr, exit status 1. */
#include "mbert_npy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int describe(const char *path) {
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  mbert_npy_array_t array;
  mbert_status_t status = mbert_npy_read_file(path, &array, message, sizeof(message));
  if (status != MBERT_OK) {
    fprintf(stderr, "error: %s [%s]\n", message, mbert_status_string(status));
    return 1;
  }
  printf("dtype=%s shape=[", mbert_dtype_name(array.dtype));
  for (int32_t i = 0; i < array.rank; ++i)
    printf("%s%" PRId64, i == 0 ? "" : ",", array.shape[i]);
  printf("] bytes=%" PRIu64 "\n", array.byte_size);
  mbert_npy_array_release(&array);
  return 0;
}

static int copy(const char *input_path, const char *output_path) {
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  mbert_npy_array_t array;
  mbert_status_t status = mbert_npy_read_file(input_path, &array, message, sizeof(message));
  if (status == MBERT_OK) {
    status = mbert_npy_write_file(output_path, array.dtype, array.shape, array.rank, array.data,
                                  message, sizeof(message));
    mbert_npy_array_release(&array);
  }
  if (status != MBERT_OK) {
    fprintf(stderr, "error: %s [%s]\n", message, mbert_status_string(status));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "describe") == 0)
    return describe(argv[2]);
  if (argc == 4 && strcmp(argv[1], "copy") == 0)
    return copy(argv[2], argv[3]);
  fprintf(stderr, "usage: %s describe FILE | copy IN OUT\n", argc > 0 ? argv[0] : "npy_tool");
  return 2;
}
