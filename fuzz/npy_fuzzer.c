/* mbert-fuzz-npy: one input is a .npy image, read by mbert_npy_read_memory (mbert_npy_read_file
 * reads the file and calls it). An accepted array must describe exactly the bytes it owns: its
 * shape's element count, its byte size and its data agree, and every byte is read here so that
 * AddressSanitizer sees any that are not. */
#include "mbert_npy.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mbert_npy_array_t array;
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  if (mbert_npy_read_memory(data, size, &array, message, sizeof(message)) != MBERT_OK)
    return 0;
  uint64_t element_size = mbert_dtype_size(array.dtype);
  if (element_size == 0)
    abort();
  if (array.rank < 0 || array.rank > MBERT_NPY_MAX_RANK)
    abort();
  uint64_t elements = 1;
  for (int32_t i = 0; i < array.rank; ++i) {
    if (array.shape[i] < 0 || __builtin_mul_overflow(elements, (uint64_t)array.shape[i], &elements))
      abort();
  }
  if (elements != array.element_count || elements * element_size != array.byte_size)
    abort();
  if ((array.data == NULL) != (array.byte_size == 0))
    abort();
  volatile uint8_t sum = 0;
  for (uint64_t i = 0; i < array.byte_size; ++i)
    sum += ((const uint8_t *)array.data)[i];
  mbert_npy_array_release(&array);
  return 0;
}
