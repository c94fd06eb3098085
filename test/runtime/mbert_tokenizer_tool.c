/* The tokenizer as a command, for comparing it against Hugging Face tokenizers
 * (Inputs/compare_tokenizer.js).
 *
 * usage: mbert_tokenizer_tool VOCAB_TXT uncased|cased single|longest_first|only_second|windows
 *                             SEQUENCE_LENGTH STRIDE < RECORDS
 *
 * Each input line is one record: the text as hex, or for pairs the first and second text as hex
 * separated by a tab. Hex keeps arbitrary bytes (newlines, NUL, invalid UTF-8) on one line.
 * Prints one JSON line per record:
 *   {"status":S,"windows":[{"ids":[...],"types":[...],"mask":[...],"begin":[...],"end":[...]}]}
 * with the windows trimmed to their real tokens (padding is checked here instead: a record whose
 * padding is wrong prints "status":-1). "single" encodes single texts with overlapping windows
 * when STRIDE > 0 and truncates otherwise. */
#include "mbert_tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WINDOWS 512

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Decodes hex from `hex` up to the first character that is not a hex digit, in place. */
static size_t decode_hex(char *hex, char **out_end) {
  size_t size = 0;
  char *p = hex;
  while (hex_value(p[0]) >= 0 && hex_value(p[1]) >= 0) {
    hex[size++] = (char)(hex_value(p[0]) * 16 + hex_value(p[1]));
    p += 2;
  }
  *out_end = p;
  return size;
}

static void print_array64(const char *name, const int64_t *values, int32_t count) {
  printf("\"%s\":[", name);
  for (int32_t i = 0; i < count; ++i)
    printf(i ? ",%lld" : "%lld", (long long)values[i]);
  printf("]");
}

static void print_array32(const char *name, const int32_t *values, int32_t count) {
  printf("\"%s\":[", name);
  for (int32_t i = 0; i < count; ++i)
    printf(i ? ",%d" : "%d", values[i]);
  printf("]");
}

/* Whether positions from `used` on are exactly [PAD] with mask 0, type 0 and no bytes. */
static int padding_is_correct(const mbert_encoding_t *encoding, int64_t base, int32_t used,
                              int32_t length, int32_t pad_id) {
  for (int32_t i = used; i < length; ++i)
    if (encoding->input_ids[base + i] != pad_id || encoding->attention_mask[base + i] != 0 ||
        encoding->token_type_ids[base + i] != 0 || encoding->token_begin[base + i] != -1 ||
        encoding->token_end[base + i] != -1)
      return 0;
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s VOCAB_TXT uncased|cased "
                    "single|longest_first|only_second|windows SEQUENCE_LENGTH STRIDE\n",
            argv[0]);
    return 2;
  }
  uint32_t flags = strcmp(argv[2], "uncased") == 0 ? MBERT_TOKENIZER_UNCASED : 0;
  const char *mode = argv[3];
  int single = strcmp(mode, "single") == 0;
  mbert_encode_options_t options = {atoi(argv[4]), MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST,
                                    atoi(argv[5])};
  if (strcmp(mode, "only_second") == 0)
    options.overflow = MBERT_OVERFLOW_TRUNCATE_ONLY_SECOND;
  else if (strcmp(mode, "windows") == 0 || (single && options.stride > 0))
    options.overflow = MBERT_OVERFLOW_WINDOWS;

  mbert_tokenizer_t *tokenizer;
  mbert_status_t status = mbert_tokenizer_create_from_file(argv[1], flags, &tokenizer);
  if (status != MBERT_OK) {
    fprintf(stderr, "error: %s: %s\n", argv[1], mbert_status_string(status));
    return 1;
  }
  int32_t pad_id;
  mbert_tokenizer_token_id(tokenizer, "[PAD]", 5, &pad_id);

  size_t elements = (size_t)MAX_WINDOWS * (size_t)options.sequence_length;
  mbert_encoding_t encoding = {malloc(elements * 8), malloc(elements * 8), malloc(elements * 8),
                               malloc(elements * 4), malloc(elements * 4), MAX_WINDOWS, NULL};
  size_t line_capacity = 1 << 20;
  char *line = malloc(line_capacity);
  if (!encoding.input_ids || !encoding.attention_mask || !encoding.token_type_ids ||
      !encoding.token_begin || !encoding.token_end || !line) {
    fprintf(stderr, "error: out of memory\n");
    return 1;
  }
  while (fgets(line, (int)line_capacity, stdin)) {
    char *end;
    char *first = line;
    size_t first_size = decode_hex(line, &end);
    int32_t window_count = 0;
    if (single) {
      status = mbert_tokenizer_encode(tokenizer, first, first_size, &options, &encoding,
                                      &window_count);
    } else {
      char *second = end + 1;
      size_t second_size = decode_hex(second, &end);
      status = mbert_tokenizer_encode_pair(tokenizer, first, first_size, second, second_size,
                                           &options, &encoding, &window_count);
    }
    int printed_status = status;
    if (status != MBERT_OK)
      window_count = 0;
    for (int32_t w = 0; w < window_count; ++w) {
      int64_t base = (int64_t)w * options.sequence_length;
      int32_t used = 0;
      while (used < options.sequence_length && encoding.attention_mask[base + used])
        ++used;
      if (!padding_is_correct(&encoding, base, used, options.sequence_length, pad_id))
        printed_status = -1;
    }
    printf("{\"status\":%d,\"windows\":[", printed_status);
    for (int32_t w = 0; w < window_count; ++w) {
      int64_t base = (int64_t)w * options.sequence_length;
      int32_t used = 0;
      while (used < options.sequence_length && encoding.attention_mask[base + used])
        ++used;
      printf(w ? ",{" : "{");
      print_array64("ids", encoding.input_ids + base, used);
      printf(",");
      print_array64("types", encoding.token_type_ids + base, used);
      printf(",");
      print_array64("mask", encoding.attention_mask + base, used);
      printf(",");
      print_array32("begin", encoding.token_begin + base, used);
      printf(",");
      print_array32("end", encoding.token_end + base, used);
      printf("}");
    }
    printf("]}\n");
  }
  mbert_tokenizer_destroy(tokenizer);
  free(line);
  free(encoding.input_ids);
  free(encoding.attention_mask);
  free(encoding.token_type_ids);
  free(encoding.token_begin);
  free(encoding.token_end);
  return 0;
}
