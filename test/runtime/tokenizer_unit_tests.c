/* Unit tests of the tokenizer and the task post-processing of libmbert_runtime: vocabulary
 * loading and its errors, encoding layout (specials, padding, types, byte ranges), invalid UTF-8,
 * truncation and windows, and question answering / classification on hand-made logits.
 * (Agreement with Hugging Face on a large corpus is tokenizer-hf*.test.)
 *
 * usage: mbert_tokenizer_unit_tests SCRATCH_DIR
 * Prints one line per test and a closing "N passed, M failed"; exits nonzero on any failure. */
#define _POSIX_C_SOURCE 200809L

#include "mbert_postprocess.h"
#include "mbert_tokenizer.h"
#include "unit_test_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


/* ids:             0     1     2     3     4       5  6       7  8    9       10       11 */
static const char k_vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n,\nworld\n!\nun\n##aff\n##able\n"
                              /* 12   13   14     15   16  17    18 */
                              "cafe\na\n##a\nthe\nb\nc\n\xe6\x97\xa5\r\n";
enum { PAD = 0, UNK = 1, CLS = 2, SEP = 3, HELLO = 4, COMMA = 5, WORLD = 6, BANG = 7, UN = 8,
       AFF = 9, ABLE = 10, CAFE = 11, A = 12, CONT_A = 13, THE = 14, B = 15, C = 16, SUN = 17 };

#define MAX_TOKENS 256

/* Output buffers for up to MAX_TOKENS tokens in all. */
typedef struct buffers_t {
  int64_t ids[MAX_TOKENS];
  int64_t mask[MAX_TOKENS];
  int64_t types[MAX_TOKENS];
  int32_t begin[MAX_TOKENS];
  int32_t end[MAX_TOKENS];
  int32_t window_tokens[MAX_TOKENS];
  mbert_encoding_t encoding;
} buffers_t;

static void init_buffers(buffers_t *b, int32_t windows) {
  memset(b->ids, 0x5A, sizeof(b->ids)); /* a sentinel that no write leaves */
  mbert_encoding_t encoding = {b->ids, b->mask, b->types, b->begin, b->end, windows, NULL};
  b->encoding = encoding;
}

static mbert_tokenizer_t *make_tokenizer(uint32_t flags) {
  mbert_tokenizer_t *tokenizer = NULL;
  CHECK(mbert_tokenizer_create_from_memory(k_vocab, sizeof(k_vocab) - 1, flags, &tokenizer) ==
        MBERT_OK);
  return tokenizer;
}

static int ids_equal(const int64_t *ids, const int64_t *expected, int32_t count) {
  for (int32_t i = 0; i < count; ++i)
    if (ids[i] != expected[i]) {
      fprintf(stderr, "  id %d: %lld, expected %lld\n", i, (long long)ids[i],
              (long long)expected[i]);
      return 0;
    }
  return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Vocabulary */

static void test_vocab_loading(void) {
  mbert_tokenizer_t *tokenizer = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  CHECK(mbert_tokenizer_vocab_size(tokenizer) == 18);
  int32_t id = 0;
  CHECK(mbert_tokenizer_token_id(tokenizer, "##able", 6, &id) == MBERT_OK && id == ABLE);
  CHECK(mbert_tokenizer_token_id(tokenizer, "\xe6\x97\xa5", 3, &id) == MBERT_OK && id == SUN);
  CHECK(mbert_tokenizer_token_id(tokenizer, "able", 4, &id) == MBERT_OK && id == -1);
  CHECK(mbert_tokenizer_token_id(tokenizer, "", 0, &id) == MBERT_OK && id == -1);
  mbert_tokenizer_destroy(tokenizer);

  /* A repeated token maps to its last line; an empty line still takes an id; no final newline. */
  static const char repeated[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nx\n\nx  \t";
  CHECK(mbert_tokenizer_create_from_memory(repeated, sizeof(repeated) - 1, 0, &tokenizer) ==
        MBERT_OK);
  CHECK(mbert_tokenizer_vocab_size(tokenizer) == 7);
  CHECK(mbert_tokenizer_token_id(tokenizer, "x", 1, &id) == MBERT_OK && id == 6);
  mbert_tokenizer_destroy(tokenizer);
  mbert_tokenizer_destroy(NULL);

  /* From a file. */
  char path[4096];
  snprintf(path, sizeof(path), "%s/vocab.txt", g_scratch_dir);
  FILE *file = fopen(path, "wb");
  CHECK(file != NULL);
  if (file) {
    fwrite(k_vocab, 1, sizeof(k_vocab) - 1, file);
    fclose(file);
  }
  CHECK(mbert_tokenizer_create_from_file(path, MBERT_TOKENIZER_UNCASED, &tokenizer) == MBERT_OK);
  CHECK(mbert_tokenizer_vocab_size(tokenizer) == 18);
  mbert_tokenizer_destroy(tokenizer);
  snprintf(path, sizeof(path), "%s/missing.txt", g_scratch_dir);
  tokenizer = (mbert_tokenizer_t *)1;
  CHECK(mbert_tokenizer_create_from_file(path, 0, &tokenizer) == MBERT_ERROR_IO &&
        tokenizer == NULL);
}

static void expect_vocab_error(const char *bytes, size_t size, mbert_status_t expected) {
  mbert_tokenizer_t *tokenizer = (mbert_tokenizer_t *)1;
  mbert_status_t status = mbert_tokenizer_create_from_memory(bytes, size, 0, &tokenizer);
  if (status != expected)
    fprintf(stderr, "  vocab %.20s...: status %d, expected %d\n", bytes, status, expected);
  CHECK(status == expected && tokenizer == NULL);
}

static void test_vocab_errors(void) {
  expect_vocab_error("[PAD]\n[CLS]\n[SEP]\nx\n", 20, MBERT_ERROR_MISSING_SPECIAL_TOKEN);
  expect_vocab_error("[PAD]\n[UNK]\n[SEP]\nx\n", 20, MBERT_ERROR_MISSING_SPECIAL_TOKEN);
  expect_vocab_error("[PAD]\n[UNK]\n[CLS]\nx\n", 20, MBERT_ERROR_MISSING_SPECIAL_TOKEN);
  expect_vocab_error("[UNK]\n[CLS]\n[SEP]\nx\n", 20, MBERT_ERROR_MISSING_SPECIAL_TOKEN);
  expect_vocab_error("[pad]\n[unk]\n[cls]\n[sep]", 23, MBERT_ERROR_MISSING_SPECIAL_TOKEN);
  expect_vocab_error("{\"version\": \"1.0\"}", 18, MBERT_ERROR_UNSUPPORTED); /* tokenizer.json */
  expect_vocab_error("[\"[PAD]\",\"x\"]", 13, MBERT_ERROR_UNSUPPORTED);    /* vocab.json */
  expect_vocab_error("", 0, MBERT_ERROR_FORMAT);
  expect_vocab_error("[PAD]\n[UNK]\0\n[CLS]\n[SEP]", 24, MBERT_ERROR_FORMAT);
  expect_vocab_error("[PAD]\n[UNK]\n[CLS]\n[SEP]\n\xff\xfe", 26, MBERT_ERROR_FORMAT);
  mbert_tokenizer_t *tokenizer;
  CHECK(mbert_tokenizer_create_from_memory(k_vocab, sizeof(k_vocab) - 1, 4, &tokenizer) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_tokenizer_create_from_memory(NULL, 4, 0, &tokenizer) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_tokenizer_create_from_memory(k_vocab, 4, 0, NULL) == MBERT_ERROR_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------------
 * Encoding */

static void test_encode_layout(void) {
  mbert_tokenizer_t *tokenizer = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  buffers_t b;
  init_buffers(&b, 1);
  mbert_encode_options_t options = {12, MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST, 0};
  int32_t windows = 0;
  /* "Héllo, WORLD! unaffable 日" : H=0 é=1..2 llo=3..5 ,=6 ... */
  const char *text = "H\xc3\xa9llo, WORLD! unaffable \xe6\x97\xa5";
  CHECK(mbert_tokenizer_encode(tokenizer, text, strlen(text), &options, &b.encoding, &windows) ==
        MBERT_OK);
  CHECK(windows == 1);
  const int64_t expected[12] = {CLS, HELLO, COMMA, WORLD, BANG, UN, AFF, ABLE, SUN, SEP, PAD, PAD};
  CHECK(ids_equal(b.ids, expected, 12));
  const int32_t begins[12] = {-1, 0, 6, 8, 13, 15, 17, 20, 25, -1, -1, -1};
  const int32_t ends[12] = {-1, 6, 7, 13, 14, 17, 20, 24, 28, -1, -1, -1};
  for (int i = 0; i < 12; ++i) {
    CHECK(b.begin[i] == begins[i] && b.end[i] == ends[i]);
    CHECK(b.mask[i] == (i < 10) && b.types[i] == 0);
  }
  /* The window's tokens, [CLS] to [SEP], when asked for. */
  b.encoding.window_tokens = b.window_tokens;
  CHECK(mbert_tokenizer_encode(tokenizer, text, strlen(text), &options, &b.encoding, &windows) ==
        MBERT_OK);
  CHECK(b.window_tokens[0] == 10);

  /* Pair: types 1 after the first [SEP], through the last [SEP]. */
  init_buffers(&b, 1);
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "the", 3, "a b", 3, &options, &b.encoding,
                                    &windows) == MBERT_OK);
  const int64_t pair[8] = {CLS, THE, SEP, A, B, SEP, PAD, PAD};
  const int64_t pair_types[8] = {0, 0, 0, 1, 1, 1, 0, 0};
  CHECK(ids_equal(b.ids, pair, 8) && ids_equal(b.types, pair_types, 8));
  CHECK(b.begin[3] == 0 && b.end[3] == 1 && b.begin[4] == 2 && b.end[4] == 3);

  /* Empty texts, NULL with size 0 included. */
  init_buffers(&b, 1);
  CHECK(mbert_tokenizer_encode(tokenizer, NULL, 0, &options, &b.encoding, &windows) == MBERT_OK);
  const int64_t empty[4] = {CLS, SEP, PAD, PAD};
  CHECK(ids_equal(b.ids, empty, 4) && b.mask[1] == 1 && b.mask[2] == 0);
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "", 0, "", 0, &options, &b.encoding, &windows) ==
        MBERT_OK);
  const int64_t empty_pair[4] = {CLS, SEP, SEP, PAD};
  CHECK(ids_equal(b.ids, empty_pair, 4) && b.types[2] == 1);
  /* Only removed characters and whitespace: nothing but the specials. */
  CHECK(mbert_tokenizer_encode(tokenizer, "\x01 \xe2\x80\x8b\t", 6, &options, &b.encoding,
                                &windows) == MBERT_OK);
  CHECK(ids_equal(b.ids, empty, 4));
  mbert_tokenizer_destroy(tokenizer);
}

static void test_cased_and_accents(void) {
  mbert_tokenizer_t *cased = make_tokenizer(0);
  buffers_t b;
  init_buffers(&b, 1);
  mbert_encode_options_t options = {8, MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST, 0};
  int32_t windows;
  /* Cased: "Hello" and "café" are not in the vocabulary as written. */
  CHECK(mbert_tokenizer_encode(cased, "Hello hello caf\xc3\xa9", 17, &options, &b.encoding,
                                &windows) == MBERT_OK);
  const int64_t expected_cased[5] = {CLS, UNK, HELLO, UNK, SEP};
  CHECK(ids_equal(b.ids, expected_cased, 5));
  mbert_tokenizer_destroy(cased);

  /* Uncased: precomposed and combining accents both reduce to "cafe". */
  mbert_tokenizer_t *uncased = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  CHECK(mbert_tokenizer_encode(uncased, "CAF\xc3\x89 cafe\xcc\x81", 12, &options, &b.encoding,
                                &windows) == MBERT_OK);
  const int64_t expected_uncased[4] = {CLS, CAFE, CAFE, SEP};
  CHECK(ids_equal(b.ids, expected_uncased, 4));
  /* A stripped mark leaves no character behind, so the range ends with the "e" (as in HF). */
  CHECK(b.begin[2] == 6 && b.end[2] == 10);
  mbert_tokenizer_destroy(uncased);
}

static void test_long_words(void) {
  mbert_tokenizer_t *tokenizer = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  buffers_t b;
  init_buffers(&b, 1);
  mbert_encode_options_t options = {128, MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST, 0};
  int32_t windows;
  char text[104];
  memset(text, 'a', sizeof(text));
  /* 100 characters: a ##a ##a ... (100 pieces). */
  CHECK(mbert_tokenizer_encode(tokenizer, text, 100, &options, &b.encoding, &windows) ==
        MBERT_OK);
  CHECK(b.ids[1] == A && b.ids[2] == CONT_A && b.ids[100] == CONT_A && b.ids[101] == SEP);
  CHECK(b.begin[100] == 99 && b.end[100] == 100);
  /* 101 characters, then " b": one [UNK] spanning the word. */
  memcpy(text + 101, " b", 2);
  CHECK(mbert_tokenizer_encode(tokenizer, text, 103, &options, &b.encoding, &windows) ==
        MBERT_OK);
  const int64_t expected[4] = {CLS, UNK, B, SEP};
  CHECK(ids_equal(b.ids, expected, 4) && b.begin[1] == 0 && b.end[1] == 101);
  mbert_tokenizer_destroy(tokenizer);
}

static void test_invalid_utf8(void) {
  mbert_tokenizer_t *tokenizer = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  static const struct {
    const char *bytes;
    size_t size;
  } cases[] = {
      {"\x80", 1},                 /* stray continuation byte */
      {"a\xbf" "b", 3},            /* stray continuation byte inside ASCII */
      {"\xc0\xaf", 2},             /* overlong '/' */
      {"\xc1\xbf", 2},             /* overlong */
      {"\xe0\x80\xaf", 3},         /* overlong 3-byte */
      {"\xf0\x80\x80\xaf", 4},     /* overlong 4-byte */
      {"\xed\xa0\x80", 3},         /* surrogate U+D800 */
      {"\xed\xbf\xbf", 3},         /* surrogate U+DFFF */
      {"\xf4\x90\x80\x80", 4},     /* U+110000 */
      {"\xf5\x80\x80\x80", 4},     /* lead byte beyond U+10FFFF */
      {"\xff", 1},                 /* never valid */
      {"\xe2\x82", 2},             /* truncated 3-byte sequence */
      {"\xf0\x9f\x98", 3},         /* truncated 4-byte sequence */
      {"hello \xc3", 7},           /* truncated at the very end */
      {"\xc3\x28", 2},             /* bad continuation */
      {"0123456789abcdef\xe9", 17} /* after the 8-byte ASCII fast path */
  };
  mbert_encode_options_t options = {16, MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST, 0};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    /* An exact-size heap copy, so that a sanitizer sees any read past the end. */
    char *text = malloc(cases[i].size);
    memcpy(text, cases[i].bytes, cases[i].size);
    buffers_t b;
    init_buffers(&b, 1);
    int32_t windows = -7;
    mbert_status_t status =
        mbert_tokenizer_encode(tokenizer, text, cases[i].size, &options, &b.encoding, &windows);
    if (status != MBERT_ERROR_INVALID_UTF8)
      fprintf(stderr, "  invalid utf-8 case %zu: status %d\n", i, status);
    CHECK(status == MBERT_ERROR_INVALID_UTF8);
    CHECK(b.ids[0] == 0x5A5A5A5A5A5A5A5A && windows == -7); /* nothing written */
    CHECK(mbert_tokenizer_encode_pair(tokenizer, "the", 3, text, cases[i].size, &options,
                                      &b.encoding, &windows) == MBERT_ERROR_INVALID_UTF8);
    CHECK(mbert_tokenizer_encode_pair(tokenizer, text, cases[i].size, "the", 3, &options,
                                      &b.encoding, &windows) == MBERT_ERROR_INVALID_UTF8);
    free(text);
  }
  /* The largest valid forms of each length pass. */
  buffers_t b;
  init_buffers(&b, 1);
  int32_t windows;
  CHECK(mbert_tokenizer_encode(tokenizer, "\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf", 10,
                               &options, &b.encoding, &windows) == MBERT_OK);
  mbert_tokenizer_destroy(tokenizer);
}

/* Random bytes, and valid UTF-8 with random bytes overwritten: every text either encodes, with
 * byte ranges inside the text, or is rejected as invalid UTF-8. Run under a sanitizer, this is
 * the check that no input reads or writes out of bounds. */
static void test_random_bytes(void) {
  mbert_tokenizer_t *tokenizer = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  static const char sample[] = "Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac un-affable! \xf0\x9f\x98\x80 "
                               "e\xcc\x81 \xea\xb0\x80 \x01\t\xe2\x80\x8b hello, world";
  uint32_t state = 12345;
  int valid = 0, invalid = 0;
  for (int round = 0; round < 4000; ++round) {
    char text[96];
    size_t size = sizeof(sample) - 1;
    memcpy(text, sample, size);
    state = state * 1664525u + 1013904223u;
    int random_length = (state >> 8) % 2 == 0;
    if (random_length)
      size = (state >> 16) % sizeof(text);
    for (size_t i = 0; i < size; ++i) {
      state = state * 1664525u + 1013904223u;
      if (random_length || (state >> 24) < 8)
        text[i] = (char)(state >> 16);
    }
    char *exact = malloc(size ? size : 1);
    memcpy(exact, text, size);
    buffers_t b;
    init_buffers(&b, 4);
    mbert_encode_options_t options = {12, MBERT_OVERFLOW_WINDOWS, 3};
    int32_t windows = 0;
    mbert_status_t status =
        mbert_tokenizer_encode_pair(tokenizer, "q", 1, exact, size, &options, &b.encoding,
                                    &windows);
    CHECK(status == MBERT_OK || status == MBERT_ERROR_INVALID_UTF8 ||
          status == MBERT_ERROR_BUFFER_TOO_SMALL);
    if (status == MBERT_ERROR_INVALID_UTF8) {
      ++invalid;
    } else {
      ++valid;
      int32_t stored = windows < 4 ? windows : 4;
      for (int32_t i = 0; i < stored * 12; ++i) {
        int32_t segment_size = b.types[i] == 1 ? (int32_t)size : 1; /* context or "q" */
        CHECK(b.begin[i] >= -1 && b.begin[i] <= b.end[i] && b.end[i] <= segment_size);
      }
    }
    free(exact);
  }
  CHECK(valid > 100 && invalid > 100); /* both paths exercised */
  mbert_tokenizer_destroy(tokenizer);
}

static void test_truncation_and_windows(void) {
  mbert_tokenizer_t *tokenizer = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  buffers_t b;
  int32_t windows;
  /* Question "the the" (2 tokens), context "a b c a b c a" (7 tokens), 9 per window: the
   * context gets 4 per window, windows advance by 4 - 1 = 3: [0,4) [3,7). */
  const char *context = "a b c a b c a";
  mbert_encode_options_t options = {9, MBERT_OVERFLOW_WINDOWS, 1};
  init_buffers(&b, 4);
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "the the", 7, context, strlen(context), &options,
                                    &b.encoding, &windows) == MBERT_OK);
  CHECK(windows == 2);
  const int64_t expected[18] = {CLS, THE, THE, SEP, A, B, C, A, SEP,
                                CLS, THE, THE, SEP, A, B, C, A, SEP};
  CHECK(ids_equal(b.ids, expected, 18));
  CHECK(b.begin[13] == 6 && b.types[13] == 1 && b.types[12] == 0 && b.begin[10] == 0);
  /* One context token fewer: the last window holds 3 of them and ends one token early. */
  init_buffers(&b, 4);
  b.encoding.window_tokens = b.window_tokens;
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "the the", 7, context, strlen(context) - 2,
                                    &options, &b.encoding, &windows) == MBERT_OK);
  CHECK(windows == 2 && b.window_tokens[0] == 9 && b.window_tokens[1] == 8);
  CHECK(b.mask[9 + 7] == 1 && b.mask[9 + 8] == 0);

  /* One window only: MBERT_ERROR_BUFFER_TOO_SMALL, the needed count, the first window done. */
  init_buffers(&b, 1);
  windows = 0;
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "the the", 7, context, strlen(context), &options,
                                    &b.encoding, &windows) == MBERT_ERROR_BUFFER_TOO_SMALL);
  CHECK(windows == 2 && ids_equal(b.ids, expected, 9));

  /* A question with no room left: only_second and windows refuse, longest_first cuts it. */
  init_buffers(&b, 4);
  const char *question = "the the the the the the";
  options.overflow = MBERT_OVERFLOW_TRUNCATE_ONLY_SECOND;
  CHECK(mbert_tokenizer_encode_pair(tokenizer, question, strlen(question), "a", 1, &options,
                                    &b.encoding, &windows) == MBERT_ERROR_SEQUENCE_TOO_LONG);
  options.overflow = MBERT_OVERFLOW_WINDOWS;
  CHECK(mbert_tokenizer_encode_pair(tokenizer, question, strlen(question), "a", 1, &options,
                                    &b.encoding, &windows) == MBERT_ERROR_SEQUENCE_TOO_LONG);
  /* The question fits but leaves the context no more than the stride. */
  options.stride = 4;
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "the the", 7, context, strlen(context), &options,
                                    &b.encoding, &windows) == MBERT_ERROR_SEQUENCE_TOO_LONG);
  options.overflow = MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST;
  CHECK(mbert_tokenizer_encode_pair(tokenizer, question, strlen(question), "a b c", 5, &options,
                                    &b.encoding, &windows) == MBERT_OK);
  /* 6 budget tokens: the shorter (3) keeps all, the question gets the other 3. */
  const int64_t longest_first[9] = {CLS, THE, THE, THE, SEP, A, B, C, SEP};
  CHECK(windows == 1 && ids_equal(b.ids, longest_first, 9));

  /* A single text in windows: the same rule with no first segment. */
  mbert_encode_options_t single = {6, MBERT_OVERFLOW_WINDOWS, 1};
  init_buffers(&b, 4);
  CHECK(mbert_tokenizer_encode(tokenizer, context, strlen(context), &single, &b.encoding,
                               &windows) == MBERT_OK);
  const int64_t single_windows[12] = {CLS, A, B, C, A, SEP, CLS, A, B, C, A, SEP};
  CHECK(windows == 2 && ids_equal(b.ids, single_windows, 12));
  CHECK(b.begin[7] == 6 && b.types[7] == 0 && b.mask[11] == 1);

  /* Single text truncation keeps the start. */
  options.sequence_length = 4;
  CHECK(mbert_tokenizer_encode(tokenizer, "a b c", 5, &options, &b.encoding, &windows) ==
        MBERT_OK);
  const int64_t truncated[4] = {CLS, A, B, SEP};
  CHECK(ids_equal(b.ids, truncated, 4));

  /* Invalid arguments. */
  options.sequence_length = 1;
  CHECK(mbert_tokenizer_encode(tokenizer, "a", 1, &options, &b.encoding, &windows) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  options.sequence_length = 2;
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "a", 1, "b", 1, &options, &b.encoding,
                                    &windows) == MBERT_ERROR_INVALID_ARGUMENT);
  options.sequence_length = 8;
  options.stride = -1;
  CHECK(mbert_tokenizer_encode(tokenizer, "a", 1, &options, &b.encoding, &windows) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  options.stride = 0;
  options.overflow = 3;
  CHECK(mbert_tokenizer_encode(tokenizer, "a", 1, &options, &b.encoding, &windows) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  options.overflow = MBERT_OVERFLOW_WINDOWS;
  CHECK(mbert_tokenizer_encode(tokenizer, "a", 1, &options, &b.encoding, NULL) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_tokenizer_encode(tokenizer, NULL, 1, &options, &b.encoding, &windows) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  b.encoding.window_capacity = 0;
  CHECK(mbert_tokenizer_encode(tokenizer, "a", 1, &options, &b.encoding, &windows) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  mbert_tokenizer_destroy(tokenizer);
}

/* ---------------------------------------------------------------------------------------------
 * Post-processing */

static void test_question_answering(void) {
  mbert_tokenizer_t *tokenizer = make_tokenizer(MBERT_TOKENIZER_UNCASED);
  buffers_t b;
  init_buffers(&b, 4);
  int32_t windows;
  /* Windows of 9: [CLS] the [SEP] <5 context tokens> [SEP], advancing by 3. Context bytes:
   * "hello world a b c the a" -> hello 0-5, world 6-11, a 12-13, b 14-15, c 16-17, the 18-21,
   * a 22-23. Windows: tokens [0,5) [3,7)...: hello world a b c | b c the a */
  const char *context = "hello world a b c the a";
  mbert_encode_options_t options = {9, MBERT_OVERFLOW_WINDOWS, 2};
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "the", 3, context, strlen(context), &options,
                                    &b.encoding, &windows) == MBERT_OK);
  CHECK(windows == 2);
  const int64_t second_window[9] = {CLS, THE, SEP, B, C, THE, A, SEP, PAD};
  CHECK(ids_equal(b.ids + 9, second_window, 9));

  float start[18] = {0}, end[18] = {0};
  /* Tempting but invalid: [CLS] and the question score highest, and an end before its start. */
  start[0] = 50;
  end[0] = 50;
  start[1] = 40;
  end[1] = 40;
  end[3] = 30;  /* "hello" ends a span only if it starts there */
  start[5] = 20; /* "a" (bytes 12-13) */
  end[6] = 5;    /* "b" */
  mbert_answer_t answer;
  CHECK(mbert_qa_best_span(start, end, &b.encoding, windows, 9, 30, &answer) == MBERT_OK);
  CHECK(answer.window == 0 && answer.start_token == 3 && answer.end_token == 3);
  CHECK(answer.score == 30.0f && answer.byte_begin == 0 && answer.byte_end == 5);

  /* The best span lies in the second window: "the a" (bytes 18-23). */
  start[9 + 5] = 40;
  end[9 + 6] = 10;
  CHECK(mbert_qa_best_span(start, end, &b.encoding, windows, 9, 30, &answer) == MBERT_OK);
  CHECK(answer.window == 1 && answer.start_token == 5 && answer.end_token == 6);
  CHECK(answer.byte_begin == 18 && answer.byte_end == 23);
  CHECK(memcmp(context + answer.byte_begin, "the a", 5) == 0 && answer.score == 50.0f);

  /* A maximum of one token forbids that span: the best single token wins. */
  CHECK(mbert_qa_best_span(start, end, &b.encoding, windows, 9, 1, &answer) == MBERT_OK);
  CHECK(answer.window == 1 && answer.start_token == 5 && answer.end_token == 5 &&
        answer.score == 40.0f);

  /* Only the first window considered: its best span is "a b" (20 + 5). */
  CHECK(mbert_qa_best_span(start, end, &b.encoding, 1, 9, 30, &answer) == MBERT_OK);
  CHECK(answer.start_token == 3 && answer.end_token == 3 && answer.score == 30.0f);
  end[3] = 0;
  CHECK(mbert_qa_best_span(start, end, &b.encoding, 1, 9, 30, &answer) == MBERT_OK);
  CHECK(answer.start_token == 5 && answer.end_token == 6 && answer.score == 25.0f);
  CHECK(answer.byte_begin == 12 && answer.byte_end == 15);

  /* No context at all, and bad arguments. */
  CHECK(mbert_tokenizer_encode_pair(tokenizer, "the", 3, "", 0, &options, &b.encoding,
                                    &windows) == MBERT_OK);
  CHECK(mbert_qa_best_span(start, end, &b.encoding, windows, 9, 30, &answer) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_qa_best_span(start, end, &b.encoding, 1, 9, 0, &answer) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_qa_best_span(NULL, end, &b.encoding, 1, 9, 30, &answer) ==
        MBERT_ERROR_INVALID_ARGUMENT);
  mbert_tokenizer_destroy(tokenizer);
}

static void test_classification(void) {
  const float logits[4] = {1.0f, 3.0f, 3.0f, -2.0f};
  float probabilities[4];
  CHECK(mbert_softmax(logits, 4, probabilities) == MBERT_OK);
  float sum = probabilities[0] + probabilities[1] + probabilities[2] + probabilities[3];
  CHECK(fabsf(sum - 1.0f) < 1e-6f);
  CHECK(fabsf(probabilities[0] - expf(1.0f) / (expf(1) + 2 * expf(3) + expf(-2))) < 1e-6f);
  const float huge[2] = {1000.0f, 999.0f}; /* exp(1000) overflows without the max shift */
  CHECK(mbert_softmax(huge, 2, probabilities) == MBERT_OK);
  CHECK(fabsf(probabilities[0] - 1.0f / (1.0f + expf(-1.0f))) < 1e-6f);
  CHECK(mbert_softmax(logits, 0, probabilities) == MBERT_ERROR_INVALID_ARGUMENT);

  int32_t top[4];
  CHECK(mbert_top_k(logits, 4, 4, top) == MBERT_OK);
  CHECK(top[0] == 1 && top[1] == 2 && top[2] == 0 && top[3] == 3);
  const float with_nan[3] = {NAN, -1.0f, 2.0f};
  CHECK(mbert_top_k(with_nan, 3, 3, top) == MBERT_OK);
  CHECK(top[0] == 2 && top[1] == 1 && top[2] == 0);
  CHECK(mbert_top_k(logits, 4, 5, top) == MBERT_ERROR_INVALID_ARGUMENT);
  CHECK(mbert_top_k(logits, 4, 0, top) == MBERT_ERROR_INVALID_ARGUMENT);
}

int main(int argc, char **argv) {
  static const unit_test_t tests[] = {
      {"vocab_loading", test_vocab_loading},
      {"vocab_errors", test_vocab_errors},
      {"encode_layout", test_encode_layout},
      {"cased_and_accents", test_cased_and_accents},
      {"long_words", test_long_words},
      {"invalid_utf8", test_invalid_utf8},
      {"random_bytes", test_random_bytes},
      {"truncation_and_windows", test_truncation_and_windows},
      {"question_answering", test_question_answering},
      {"classification", test_classification},
  };
  return run_unit_tests(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
