/* .npy reader and writer; format reference:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html */
#include "mbert_npy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char kNpyMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* Magic, two version bytes, then the header length as a little-endian uint16 (1.0) or uint32
 * (2.0, 3.0). */
enum { kNpyVersionedMagicSize = 8 };

/* numpy pads the preamble plus header to a multiple of this so the data is aligned. */
enum { kNpyHeaderAlignment = 64 };

/* Longest header the writer produces: the dict skeleton plus MBERT_NPY_MAX_RANK dimensions of up
 * to 19 digits and ", " each, plus alignment padding. */
enum { kNpyMaxWrittenHeaderSize = 128 + MBERT_NPY_MAX_RANK * 21 + kNpyHeaderAlignment };

static mbert_status_t report(char *out_message, size_t message_capacity, mbert_status_t status,
                             const char *format, ...) __attribute__((format(printf, 4, 5)));

static mbert_status_t report(char *out_message, size_t message_capacity, mbert_status_t status,
                             const char *format, ...) {
  if (out_message && message_capacity > 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(out_message, message_capacity, format, args);
    va_end(args);
  }
  return status;
}

/* The part of a dtype's descr after the byte-order character, e.g. "f4" in "<f4". */
typedef struct npy_dtype_code_t {
  const char *type_code;
  int32_t dtype;
} npy_dtype_code_t;

static const npy_dtype_code_t kNpyDtypeCodes[] = {
    {"f4", MBERT_DTYPE_FLOAT32}, {"f8", MBERT_DTYPE_FLOAT64}, {"i4", MBERT_DTYPE_INT32},
    {"i8", MBERT_DTYPE_INT64},   {"u1", MBERT_DTYPE_UINT8},   {"i1", MBERT_DTYPE_INT8},
    {"b1", MBERT_DTYPE_BOOL},
};

/* ---------------------------------------------------------------------------------------------
 * Header dict parsing. The header is a Python literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * followed by space padding and a newline. We parse the subset numpy writes (and any equivalent
 * spacing or quoting) rather than evaluate Python. */

typedef struct header_cursor_t {
  const char *begin;
  const char *next;
  const char *end;
} header_cursor_t;

static bool is_python_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void skip_whitespace(header_cursor_t *cursor) {
  while (cursor->next < cursor->end && is_python_whitespace(*cursor->next))
    ++cursor->next;
}

static bool consume_char(header_cursor_t *cursor, char expected) {
  skip_whitespace(cursor);
  if (cursor->next < cursor->end && *cursor->next == expected) {
    ++cursor->next;
    return true;
  }
  return false;
}

static bool peek_char(header_cursor_t *cursor, char expected) {
  skip_whitespace(cursor);
  return cursor->next < cursor->end && *cursor->next == expected;
}

static size_t cursor_offset(const header_cursor_t *cursor) {
  return (size_t)(cursor->next - cursor->begin);
}

/* A Python string literal in single or double quotes. Escapes never occur in the values we
 * accept, so a backslash simply makes the string match nothing. */
static bool parse_quoted(header_cursor_t *cursor, const char **out_text, size_t *out_length) {
  skip_whitespace(cursor);
  if (cursor->next >= cursor->end || (*cursor->next != '\'' && *cursor->next != '"'))
    return false;
  char quote = *cursor->next++;
  const char *text = cursor->next;
  while (cursor->next < cursor->end && *cursor->next != quote)
    ++cursor->next;
  if (cursor->next >= cursor->end)
    return false;
  *out_text = text;
  *out_length = (size_t)(cursor->next - text);
  ++cursor->next;
  return true;
}

static bool parse_keyword(header_cursor_t *cursor, const char *keyword) {
  skip_whitespace(cursor);
  size_t length = strlen(keyword);
  if ((size_t)(cursor->end - cursor->next) < length || memcmp(cursor->next, keyword, length) != 0)
    return false;
  /* "Falsey" is an identifier, not False. */
  const char *after = cursor->next + length;
  if (after < cursor->end && (*after == '_' || (*after >= '0' && *after <= '9') ||
                              (*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z')))
    return false;
  cursor->next = after;
  return true;
}

static bool text_equals(const char *text, size_t length, const char *literal) {
  return strlen(literal) == length && memcmp(text, literal, length) == 0;
}

static mbert_status_t parse_descr(header_cursor_t *cursor, mbert_npy_array_t *array,
                                  char *out_message, size_t message_capacity) {
  if (peek_char(cursor, '['))
    return report(out_message, message_capacity, MBERT_ERROR_UNSUPPORTED,
                  "structured dtypes are not supported");
  const char *descr = NULL;
  size_t length = 0;
  if (!parse_quoted(cursor, &descr, &length))
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: 'descr' is not a string (at byte %zu)",
                  cursor_offset(cursor));
  for (size_t i = 0; i < sizeof(kNpyDtypeCodes) / sizeof(kNpyDtypeCodes[0]); ++i) {
    const npy_dtype_code_t *code = &kNpyDtypeCodes[i];
    if (length != 3 || memcmp(descr + 1, code->type_code, 2) != 0)
      continue;
    char byte_order = descr[0];
    bool single_byte = mbert_dtype_size(code->dtype) == 1;
    /* Byte order is meaningless for one-byte types: numpy writes '|', other writers '<'. */
    if (byte_order == '<' ||
        (single_byte && (byte_order == '|' || byte_order == '>' || byte_order == '='))) {
      array->dtype = code->dtype;
      return MBERT_OK;
    }
    if (byte_order == '>')
      return report(out_message, message_capacity, MBERT_ERROR_UNSUPPORTED,
                    "big-endian dtype '%.*s' is not supported (save the array as '<%s')",
                    (int)length, descr, code->type_code);
    break;
  }
  return report(out_message, message_capacity, MBERT_ERROR_UNSUPPORTED,
                "dtype '%.*s' is not supported (expected one of <f4 <f8 <i4 <i8 |u1 |i1 |b1)",
                (int)(length > 32 ? 32 : length), descr);
}

static mbert_status_t parse_fortran_order(header_cursor_t *cursor, char *out_message,
                                          size_t message_capacity) {
  if (parse_keyword(cursor, "False"))
    return MBERT_OK;
  if (parse_keyword(cursor, "True"))
    return report(out_message, message_capacity, MBERT_ERROR_UNSUPPORTED,
                  "fortran_order arrays are not supported (save a C-contiguous array)");
  return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                "malformed header: 'fortran_order' is not True or False (at byte %zu)",
                cursor_offset(cursor));
}

static mbert_status_t parse_shape(header_cursor_t *cursor, mbert_npy_array_t *array,
                                  char *out_message, size_t message_capacity) {
  if (!consume_char(cursor, '('))
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: 'shape' is not a tuple (at byte %zu)",
                  cursor_offset(cursor));
  int32_t rank = 0;
  bool trailing_comma = false;
  while (!consume_char(cursor, ')')) {
    skip_whitespace(cursor);
    if (cursor->next < cursor->end && *cursor->next == '-')
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: negative dimension in 'shape' (at byte %zu)",
                    cursor_offset(cursor));
    if (cursor->next >= cursor->end || *cursor->next < '0' || *cursor->next > '9')
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: expected a dimension or ')' in 'shape' (at byte %zu)",
                    cursor_offset(cursor));
    if (rank == MBERT_NPY_MAX_RANK)
      return report(out_message, message_capacity, MBERT_ERROR_UNSUPPORTED,
                    "arrays of more than %d dimensions are not supported", MBERT_NPY_MAX_RANK);
    int64_t dim = 0;
    while (cursor->next < cursor->end && *cursor->next >= '0' && *cursor->next <= '9') {
      int digit = *cursor->next - '0';
      if (dim > (INT64_MAX - digit) / 10)
        return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                      "malformed header: dimension %d of 'shape' does not fit in 64 bits",
                      (int)rank);
      dim = dim * 10 + digit;
      ++cursor->next;
    }
    array->shape[rank++] = dim;
    trailing_comma = consume_char(cursor, ',');
    if (!trailing_comma && !peek_char(cursor, ')'))
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: expected ',' or ')' in 'shape' (at byte %zu)",
                    cursor_offset(cursor));
  }
  /* "(5)" is the integer 5 in Python, not a one-element tuple. */
  if (rank == 1 && !trailing_comma)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: 'shape' (%" PRId64 ") is not a tuple; write (%" PRId64
                  ",)",
                  array->shape[0], array->shape[0]);
  array->rank = rank;
  return MBERT_OK;
}

/* Parses the header dict into `array`'s dtype and shape, and fills in its sizes. */
static mbert_status_t parse_header_dict(const char *text, size_t length, mbert_npy_array_t *array,
                                        char *out_message, size_t message_capacity) {
  header_cursor_t cursor = {text, text, text + length};
  enum { kDescrSeen = 1, kFortranOrderSeen = 2, kShapeSeen = 4, kAllKeysSeen = 7 };
  int keys_seen = 0;
  if (!consume_char(&cursor, '{'))
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: expected a dict starting with '{'");
  while (!consume_char(&cursor, '}')) {
    const char *key = NULL;
    size_t key_length = 0;
    if (!parse_quoted(&cursor, &key, &key_length))
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: expected a quoted key or '}' (at byte %zu)",
                    cursor_offset(&cursor));
    int key_bit = text_equals(key, key_length, "descr")           ? kDescrSeen
                  : text_equals(key, key_length, "fortran_order") ? kFortranOrderSeen
                  : text_equals(key, key_length, "shape")         ? kShapeSeen
                                                                  : 0;
    if (key_bit == 0)
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: unexpected key '%.*s'", (int)(key_length > 32 ? 32 : key_length),
                    key);
    if (keys_seen & key_bit)
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: key '%.*s' appears twice", (int)key_length, key);
    keys_seen |= key_bit;
    if (!consume_char(&cursor, ':'))
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: expected ':' after '%.*s' (at byte %zu)", (int)key_length,
                    key, cursor_offset(&cursor));
    mbert_status_t status = key_bit == kDescrSeen ? parse_descr(&cursor, array, out_message,
                                                                message_capacity)
                            : key_bit == kFortranOrderSeen
                                ? parse_fortran_order(&cursor, out_message, message_capacity)
                                : parse_shape(&cursor, array, out_message, message_capacity);
    if (status != MBERT_OK)
      return status;
    if (!consume_char(&cursor, ',') && !peek_char(&cursor, '}'))
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "malformed header: expected ',' or '}' (at byte %zu)", cursor_offset(&cursor));
  }
  skip_whitespace(&cursor);
  if (cursor.next != cursor.end)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: unexpected text after the dict (at byte %zu)",
                  cursor_offset(&cursor));
  if (keys_seen != kAllKeysSeen)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: missing key '%s'",
                  !(keys_seen & kDescrSeen)          ? "descr"
                  : !(keys_seen & kFortranOrderSeen) ? "fortran_order"
                                                     : "shape");

  uint64_t element_count = 0;
  if (mbert_shape_element_count(array->shape, array->rank, &element_count) != MBERT_OK)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: the element count of 'shape' overflows 64 bits");
  size_t element_size = mbert_dtype_size(array->dtype);
  /* Keep sizes within ptrdiff_t so that pointer arithmetic over the data stays defined. */
  if (element_count > (uint64_t)PTRDIFF_MAX / element_size)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "malformed header: 'shape' of %" PRIu64 " %s elements is too large to address",
                  element_count, mbert_dtype_name(array->dtype));
  array->element_count = element_count;
  array->byte_size = element_count * element_size;
  return MBERT_OK;
}

/* Validates a whole .npy image and fills `array`'s metadata; `*out_data_offset` is where the
 * array data starts. The image must hold exactly the bytes the header's shape implies. */
static mbert_status_t parse_npy_image(const unsigned char *bytes, size_t byte_count,
                                      mbert_npy_array_t *array, size_t *out_data_offset,
                                      char *out_message, size_t message_capacity) {
  if (byte_count < kNpyVersionedMagicSize || memcmp(bytes, kNpyMagic, sizeof(kNpyMagic)) != 0) {
    if (byte_count >= sizeof(kNpyMagic) && memcmp(bytes, kNpyMagic, sizeof(kNpyMagic)) != 0)
      return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                    "not a .npy file (it does not start with \\x93NUMPY)");
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "truncated: %zu bytes is shorter than a .npy preamble", byte_count);
  }
  unsigned major = bytes[6], minor = bytes[7];
  size_t length_field_size = 0;
  if (major == 1 && minor == 0)
    length_field_size = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    length_field_size = 4;
  else
    return report(out_message, message_capacity, MBERT_ERROR_UNSUPPORTED,
                  ".npy format version %u.%u is not supported (expected 1.0, 2.0 or 3.0)", major,
                  minor);
  size_t preamble_size = kNpyVersionedMagicSize + length_field_size;
  if (byte_count < preamble_size)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "truncated: %zu bytes is shorter than a version %u.0 preamble", byte_count,
                  major);
  uint64_t header_size = 0;
  for (size_t i = 0; i < length_field_size; ++i)
    header_size |= (uint64_t)bytes[kNpyVersionedMagicSize + i] << (8 * i);
  if (header_size > byte_count - preamble_size)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "truncated header: it claims %" PRIu64 " bytes but only %zu follow", header_size,
                  byte_count - preamble_size);

  mbert_status_t status = parse_header_dict((const char *)bytes + preamble_size,
                                            (size_t)header_size, array, out_message,
                                            message_capacity);
  if (status != MBERT_OK)
    return status;

  size_t data_offset = preamble_size + (size_t)header_size;
  size_t data_size = byte_count - data_offset;
  if (data_size < array->byte_size)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "truncated data: the header's shape needs %" PRIu64 " bytes of %s but only %zu "
                  "follow",
                  array->byte_size, mbert_dtype_name(array->dtype), data_size);
  if (data_size > array->byte_size)
    return report(out_message, message_capacity, MBERT_ERROR_FORMAT,
                  "size mismatch: the header's shape accounts for %" PRIu64 " bytes of %s but %zu "
                  "follow",
                  array->byte_size, mbert_dtype_name(array->dtype), data_size);
  *out_data_offset = data_offset;
  return MBERT_OK;
}

mbert_status_t mbert_npy_read_memory(const void *bytes, size_t byte_count,
                                     mbert_npy_array_t *out_array, char *out_message,
                                     size_t message_capacity) {
  if (!out_array || (!bytes && byte_count > 0))
    return report(out_message, message_capacity, MBERT_ERROR_INVALID_ARGUMENT,
                  "mbert_npy_read_memory: NULL argument");
  memset(out_array, 0, sizeof(*out_array));
  mbert_npy_array_t array;
  memset(&array, 0, sizeof(array));
  size_t data_offset = 0;
  mbert_status_t status = parse_npy_image((const unsigned char *)bytes, byte_count, &array,
                                          &data_offset, out_message, message_capacity);
  if (status != MBERT_OK)
    return status;
  /* Copy rather than alias: the data offset is only 16- or 64-byte aligned in the file, and the
   * caller's image may go away. */
  void *data = NULL;
  if (mbert_workspace_alloc(array.byte_size, MBERT_WORKSPACE_ALIGNMENT, &data) != MBERT_OK)
    return report(out_message, message_capacity, MBERT_ERROR_OUT_OF_MEMORY,
                  "cannot allocate %" PRIu64 " bytes for the array data", array.byte_size);
  if (array.byte_size > 0)
    memcpy(data, (const unsigned char *)bytes + data_offset, (size_t)array.byte_size);
  array.data = data;
  *out_array = array;
  return MBERT_OK;
}

/* Reads all of `file`; works for pipes as well as regular files. */
static mbert_status_t read_whole_file(FILE *file, unsigned char **out_bytes, size_t *out_size,
                                      char *out_message, size_t message_capacity) {
  size_t capacity = 1 << 16, size = 0;
  unsigned char *bytes = malloc(capacity);
  if (!bytes)
    return report(out_message, message_capacity, MBERT_ERROR_OUT_OF_MEMORY,
                  "cannot allocate a read buffer");
  for (;;) {
    size += fread(bytes + size, 1, capacity - size, file);
    if (size < capacity)
      break;
    unsigned char *grown = capacity <= SIZE_MAX / 2 ? realloc(bytes, capacity * 2) : NULL;
    if (!grown) {
      free(bytes);
      return report(out_message, message_capacity, MBERT_ERROR_OUT_OF_MEMORY,
                    "file is larger than the memory available to read it");
    }
    bytes = grown;
    capacity *= 2;
  }
  if (ferror(file)) {
    int error = errno;
    free(bytes);
    return report(out_message, message_capacity, MBERT_ERROR_IO, "read failed: %s",
                  strerror(error));
  }
  *out_bytes = bytes;
  *out_size = size;
  return MBERT_OK;
}

/* Rewrites `out_message` as "PATH: <message>". */
static void prefix_message_with_path(const char *path, char *out_message,
                                     size_t message_capacity) {
  if (!out_message || message_capacity == 0)
    return;
  char message[MBERT_NPY_MESSAGE_CAPACITY];
  snprintf(message, sizeof(message), "%s", out_message);
  snprintf(out_message, message_capacity, "%s: %s", path, message);
}

mbert_status_t mbert_npy_read_file(const char *path, mbert_npy_array_t *out_array,
                                   char *out_message, size_t message_capacity) {
  if (!path || !out_array)
    return report(out_message, message_capacity, MBERT_ERROR_INVALID_ARGUMENT,
                  "mbert_npy_read_file: NULL argument");
  memset(out_array, 0, sizeof(*out_array));
  FILE *file = fopen(path, "rb");
  if (!file)
    return report(out_message, message_capacity, MBERT_ERROR_IO, "%s: cannot open: %s", path,
                  strerror(errno));
  /* Reading the whole image first lets one parser serve files and memory, and checks every size
   * in the header against the real file size before allocating anything it claims. Inputs to the
   * runner are small, so the extra copy does not matter. */
  unsigned char *bytes = NULL;
  size_t size = 0;
  mbert_status_t status = read_whole_file(file, &bytes, &size, out_message, message_capacity);
  fclose(file);
  if (status == MBERT_OK) {
    status = mbert_npy_read_memory(bytes, size, out_array, out_message, message_capacity);
    free(bytes);
  }
  if (status != MBERT_OK)
    prefix_message_with_path(path, out_message, message_capacity);
  return status;
}

void mbert_npy_array_release(mbert_npy_array_t *array) {
  if (!array)
    return;
  mbert_workspace_free(array->data);
  memset(array, 0, sizeof(*array));
}

/* Formats the version 1.0 preamble and header for `dtype` and `shape`, padded as numpy pads it. */
static size_t format_npy_header(int32_t dtype, const int64_t *shape, int32_t rank, char *buffer,
                                size_t capacity) {
  const char *type_code = NULL;
  for (size_t i = 0; i < sizeof(kNpyDtypeCodes) / sizeof(kNpyDtypeCodes[0]); ++i)
    if (kNpyDtypeCodes[i].dtype == dtype)
      type_code = kNpyDtypeCodes[i].type_code;
  char byte_order = mbert_dtype_size(dtype) == 1 ? '|' : '<';

  size_t preamble_size = kNpyVersionedMagicSize + 2;
  size_t length = preamble_size;
  length += (size_t)snprintf(buffer + length, capacity - length,
                             "{'descr': '%c%s', 'fortran_order': False, 'shape': (", byte_order,
                             type_code);
  for (int32_t i = 0; i < rank; ++i)
    length += (size_t)snprintf(buffer + length, capacity - length, "%s%" PRId64,
                               i == 0 ? "" : ", ", shape[i]);
  length += (size_t)snprintf(buffer + length, capacity - length, rank == 1 ? ",), }" : "), }");
  /* Pad with spaces and end with a newline so the data starts on an aligned offset. */
  size_t total = (length + 1 + kNpyHeaderAlignment - 1) / kNpyHeaderAlignment * kNpyHeaderAlignment;
  memset(buffer + length, ' ', total - 1 - length);
  buffer[total - 1] = '\n';

  memcpy(buffer, kNpyMagic, sizeof(kNpyMagic));
  buffer[6] = 1;
  buffer[7] = 0;
  size_t header_size = total - preamble_size;
  buffer[8] = (char)(header_size & 0xff);
  buffer[9] = (char)(header_size >> 8);
  return total;
}

mbert_status_t mbert_npy_write_file(const char *path, int32_t dtype, const int64_t *shape,
                                    int32_t rank, const void *data, char *out_message,
                                    size_t message_capacity) {
  if (!path)
    return report(out_message, message_capacity, MBERT_ERROR_INVALID_ARGUMENT,
                  "mbert_npy_write_file: NULL path");
  if (mbert_dtype_size(dtype) == 0)
    return report(out_message, message_capacity, MBERT_ERROR_UNSUPPORTED,
                  "%s: cannot write dtype %d", path, (int)dtype);
  if (rank < 0 || rank > MBERT_NPY_MAX_RANK)
    return report(out_message, message_capacity, MBERT_ERROR_INVALID_ARGUMENT,
                  "%s: rank %d is outside 0..%d", path, (int)rank, MBERT_NPY_MAX_RANK);
  mbert_tensor_info_t info = {path, shape, dtype, rank, -1};
  uint64_t byte_size = 0;
  if (mbert_tensor_byte_size(&info, &byte_size) != MBERT_OK)
    return report(out_message, message_capacity, MBERT_ERROR_INVALID_ARGUMENT,
                  "%s: shape has a negative dimension or too many elements", path);
  if (byte_size > 0 && !data)
    return report(out_message, message_capacity, MBERT_ERROR_INVALID_ARGUMENT,
                  "%s: NULL data for a non-empty array", path);

  char header[kNpyMaxWrittenHeaderSize];
  size_t header_size = format_npy_header(dtype, shape, rank, header, sizeof(header));

  FILE *file = fopen(path, "wb");
  if (!file)
    return report(out_message, message_capacity, MBERT_ERROR_IO, "%s: cannot create: %s", path,
                  strerror(errno));
  bool written = fwrite(header, 1, header_size, file) == header_size &&
                 (byte_size == 0 || fwrite(data, 1, (size_t)byte_size, file) == byte_size);
  int write_error = errno;
  /* fclose flushes, so a full disk may only show up here. */
  if (fclose(file) != 0 && written) {
    written = false;
    write_error = errno;
  }
  if (!written) {
    remove(path);
    return report(out_message, message_capacity, MBERT_ERROR_IO, "%s: write failed: %s", path,
                  strerror(write_error));
  }
  return MBERT_OK;
}
