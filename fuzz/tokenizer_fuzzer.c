/* mbert-fuzz-tokenizer: the BERT tokenizer (runtime/src/tokenizer.c) on fuzzed vocabularies,
 * texts and options. One input is
 *   byte 0     bit 0 lowercase, bit 1 strip accents, bit 2 the vocabulary comes from the input,
 *              bit 3 encode a pair
 *   byte 1     overflow mode (3 is not one: the call must refuse it)
 *   byte 2     sequence length
 *   byte 3     stride
 *   byte 4     window capacity, 0 to 8
 *   the rest   [vocab.txt NUL] text, or [vocab.txt NUL] first NUL second for a pair
 * Without bit 2 a small built-in vocabulary is used, so that texts mostly meet real WordPiece
 * matches. The output arrays are exactly as large as the call is told, so AddressSanitizer sees
 * any write past them, and an accepted encoding must keep the header's promises: ids below the
 * vocabulary size, masks and token types 0 or 1, offsets inside their own segment. */
#include "mbert_tokenizer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { kHeaderBytes = 5, kMaxWindows = 8 };

static const char kVocabulary[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nquick\nbrown\nfox\n##es\n##s\n##ing\nun\n##believ\n"
    "##able\nrun\na\nb\nc\n##a\n##b\n##c\n.\n,\n!\n?\n'\n\"\n(\n)\ncafe\ncafé\nnaive\n##ve\n"
    "\xe4\xb8\xad\n\xe6\x96\x87\n\xe1\x84\x92\n##\xe1\x85\xa1\n\xc3\xa9\n123\n##45\n$\n\n"
    "hello\nworld\n##\n#\n[\n]\nİ\ni\n##̇\n\xf0\x9f\x98\x80\n";

/* The next NUL-terminated piece of [*cursor, end), or all of it when there is no NUL. */
static const char *take_piece(const char **cursor, const char *end, size_t *out_size) {
  const char *begin = *cursor;
  const char *nul = memchr(begin, 0, (size_t)(end - begin));
  *out_size = (size_t)((nul ? nul : end) - begin);
  *cursor = nul ? nul + 1 : end;
  return begin;
}

static void check_encoding(const mbert_tokenizer_t *tokenizer, const mbert_encoding_t *encoding,
                           int32_t windows, int32_t sequence_length, size_t first_size,
                           size_t second_size) {
  int32_t vocab_size = mbert_tokenizer_vocab_size(tokenizer);
  /* A window's token count is where its attention mask ends. */
  for (int32_t window = 0; window < windows; ++window) {
    int32_t tokens = encoding->window_tokens[window];
    const int64_t *mask = encoding->attention_mask + (int64_t)window * sequence_length;
    if (tokens < 2 || tokens > sequence_length || mask[tokens - 1] != 1 ||
        (tokens < sequence_length && mask[tokens] != 0))
      abort();
  }
  for (int64_t i = 0; i < (int64_t)windows * sequence_length; ++i) {
    int64_t type = encoding->token_type_ids[i];
    if (encoding->input_ids[i] < 0 || encoding->input_ids[i] >= vocab_size)
      abort();
    if ((encoding->attention_mask[i] | type) & ~(int64_t)1)
      abort();
    int32_t begin = encoding->token_begin[i], end = encoding->token_end[i];
    size_t segment_size = type ? second_size : first_size;
    if (!(begin == -1 && end == -1) &&
        !(0 <= begin && begin <= end && (size_t)end <= segment_size))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < kHeaderBytes)
    return -1;
  uint8_t flags = data[0];
  mbert_encode_options_t options = {.sequence_length = data[2], .overflow = data[1] % 4,
                                    .stride = data[3]};
  int32_t window_capacity = data[4] % (kMaxWindows + 1);
  const char *cursor = (const char *)data + kHeaderBytes;
  const char *end = (const char *)data + size;

  const char *vocab = kVocabulary;
  size_t vocab_size = sizeof(kVocabulary) - 1;
  if (flags & 4)
    vocab = take_piece(&cursor, end, &vocab_size);
  uint32_t normalization = flags & MBERT_TOKENIZER_UNCASED;
  mbert_tokenizer_t *tokenizer = NULL;
  if (mbert_tokenizer_create_from_memory(vocab, vocab_size, normalization, &tokenizer) != MBERT_OK)
    return 0;

  size_t first_size = 0, second_size = 0;
  const char *first, *second = NULL;
  if (flags & 8) {
    first = take_piece(&cursor, end, &first_size);
    second = cursor;
    second_size = (size_t)(end - cursor);
  } else {
    first = cursor;
    first_size = (size_t)(end - cursor);
  }

  int32_t token_id;
  if (mbert_tokenizer_token_id(tokenizer, first, first_size, &token_id) != MBERT_OK ||
      token_id < -1 || token_id >= mbert_tokenizer_vocab_size(tokenizer))
    abort();

  size_t elements = (size_t)(window_capacity ? window_capacity : 1) * options.sequence_length;
  mbert_encoding_t encoding = {
      .input_ids = malloc(elements * sizeof(int64_t)),
      .attention_mask = malloc(elements * sizeof(int64_t)),
      .token_type_ids = malloc(elements * sizeof(int64_t)),
      .token_begin = malloc(elements * sizeof(int32_t)),
      .token_end = malloc(elements * sizeof(int32_t)),
      .window_capacity = window_capacity,
      .window_tokens = malloc((window_capacity ? window_capacity : 1) * sizeof(int32_t)),
  };
  int32_t windows = -1;
  mbert_status_t status =
      second ? mbert_tokenizer_encode_pair(tokenizer, first, first_size, second, second_size,
                                           &options, &encoding, &windows)
             : mbert_tokenizer_encode(tokenizer, first, first_size, &options, &encoding,
                                      &windows);
  if (status == MBERT_OK) {
    if (windows < 1 || windows > window_capacity)
      abort();
    check_encoding(tokenizer, &encoding, windows, options.sequence_length, first_size,
                   second_size);
  } else if (status == MBERT_ERROR_BUFFER_TOO_SMALL) {
    if (windows <= window_capacity)
      abort();
    check_encoding(tokenizer, &encoding, window_capacity, options.sequence_length, first_size,
                   second_size);
  }
  free(encoding.input_ids);
  free(encoding.attention_mask);
  free(encoding.token_type_ids);
  free(encoding.token_begin);
  free(encoding.token_end);
  free(encoding.window_tokens);
  mbert_tokenizer_destroy(tokenizer);
  return 0;
}
