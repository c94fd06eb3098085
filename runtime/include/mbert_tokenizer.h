/* mbert tokenizer: UTF-8 text -> the input_ids / attention_mask / token_type_ids a BERT model
 * takes, computed exactly as Hugging Face's BertTokenizer does (tokenizers' BertNormalizer,
 * BertPreTokenizer, WordPiece and BertProcessing), so that a model compiled by mbert sees the ids
 * it was trained on. runtime/README.md lists the known differences.
 *
 * Memory: a tokenizer allocates once, when created (its vocabulary hash table, and for
 * create_from_file the file's bytes). Encoding allocates nothing: the caller passes the output
 * buffers. A tokenizer is read-only after creation, so threads may share one. */
#ifndef MBERT_TOKENIZER_H_
#define MBERT_TOKENIZER_H_

#include "mbert_runtime.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mbert_tokenizer mbert_tokenizer_t;

/* Normalization flags, as HF's BertNormalizer options. Uncased BERT vocabularies need both
 * (MBERT_TOKENIZER_UNCASED); cased ones neither. Stripping accents means NFD followed by dropping
 * nonspacing marks, so it also splits Hangul syllables into jamo, as BERT does. */
enum {
  MBERT_TOKENIZER_LOWERCASE = 1u << 0,
  MBERT_TOKENIZER_STRIP_ACCENTS = 1u << 1,
  MBERT_TOKENIZER_UNCASED = MBERT_TOKENIZER_LOWERCASE | MBERT_TOKENIZER_STRIP_ACCENTS,
};

/* Words longer than this many characters (after normalization) become [UNK], as in BERT. */
#define MBERT_TOKENIZER_MAX_WORD_CHARS 100

/* Creates a tokenizer from the bytes of a BERT vocab.txt: one token per line, a token's id is its
 * line number from 0, continuation pieces start with "##"; trailing ASCII whitespace (including
 * "\r") is not part of a token, and when a token repeats, its last line wins (both as HF reads
 * the file). The tokenizer keeps pointers into `vocab` instead of copying it, so the bytes must
 * outlive it: this lets a compiled model embed its vocabulary as read-only data at no cost.
 * Fails with
 *   MBERT_ERROR_FORMAT                 empty, invalid UTF-8, a NUL byte, more than 2^24 lines,
 *                                      or 4 GiB or more
 *   MBERT_ERROR_UNSUPPORTED            a JSON file (first byte '{', or '[' then '"'): tokenizer.json
 *                                      or vocab.json are not read
 *   MBERT_ERROR_MISSING_SPECIAL_TOKEN  no [UNK], [CLS], [SEP] or [PAD]
 *   MBERT_ERROR_INVALID_ARGUMENT       NULL pointers or unknown flags
 *   MBERT_ERROR_OUT_OF_MEMORY */
mbert_status_t mbert_tokenizer_create_from_memory(const char *vocab, size_t vocab_size,
                                                  uint32_t flags,
                                                  mbert_tokenizer_t **out_tokenizer);

/* Reads the vocab.txt at `path` (MBERT_ERROR_IO if it cannot) into memory the tokenizer owns,
 * then as mbert_tokenizer_create_from_memory. */
mbert_status_t mbert_tokenizer_create_from_file(const char *path, uint32_t flags,
                                                mbert_tokenizer_t **out_tokenizer);

/* Frees a tokenizer; NULL is a no-op. */
void mbert_tokenizer_destroy(mbert_tokenizer_t *tokenizer);

/* Number of lines of the vocabulary (ids are below it). */
int32_t mbert_tokenizer_vocab_size(const mbert_tokenizer_t *tokenizer);

/* The id of the exact vocabulary entry `token` (no normalization), or -1 in `out_id` when there
 * is none. */
mbert_status_t mbert_tokenizer_token_id(const mbert_tokenizer_t *tokenizer, const char *token,
                                        size_t token_size, int32_t *out_id);

/* What to do with tokens that do not fit in one sequence. Budgets count tokens after WordPiece;
 * [CLS] and [SEP] come out of the sequence length first. */
typedef enum mbert_overflow_t {
  /* Keep the start of the text; for a pair, take tokens from the end of the longer segment
   * (HF's "longest_first", its default; when both are longer than half the budget, each gets
   * half, and the odd token goes to the longer, or to the second when they are equally long). */
  MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST = 0,
  /* Keep all of the first segment and the start of the second (HF's "only_second"). Single
   * texts: truncated as above. */
  MBERT_OVERFLOW_TRUNCATE_ONLY_SECOND = 1,
  /* Overlapping windows over the last segment (the context of a question/context pair, or a
   * single text), as HF's truncation="only_second" with return_overflowing_tokens and `stride`:
   * every window repeats the whole first segment; window k holds the last segment's tokens from
   * k * (budget - stride), where budget is what the sequence length leaves for it; the last window
   * is the first to reach the segment's end. This is how question answering reads long
   * contexts. */
  MBERT_OVERFLOW_WINDOWS = 2,
} mbert_overflow_t;

typedef struct mbert_encode_options_t {
  int32_t sequence_length; /* tokens per window, [CLS], [SEP] and [PAD] included */
  int32_t overflow;        /* mbert_overflow_t */
  /* MBERT_OVERFLOW_WINDOWS only: tokens of the last segment repeated at the start of the next
   * window; 0 <= stride < the segment's budget per window. Ignored by the truncating modes. */
  int32_t stride;
} mbert_encode_options_t;

/* Caller-owned outputs: each array holds `window_capacity * sequence_length` elements, window
 * after window. Every array but input_ids may be NULL when not wanted.
 *
 * A window reads [CLS] first [SEP] (second [SEP]), then [PAD] up to the sequence length.
 * attention_mask is 1 on real tokens and 0 on padding; token_type_ids is 0 up to the first [SEP]
 * and 1 after it, padding 0.
 *
 * token_begin/token_end: token i came from bytes [token_begin[i], token_end[i]) of the text of
 * its own segment (the first or the second text, as token_type_ids tells), as given, before any
 * normalization. A word split into pieces gives each piece the bytes of its characters; an [UNK]
 * word gives the whole word; a character that normalization expands (e.g. 'İ' lowercased to
 * "i̇") gives its bytes to every piece it reaches. [CLS], [SEP] and [PAD] have begin = end = -1. */
typedef struct mbert_encoding_t {
  int64_t *input_ids;
  int64_t *attention_mask;
  int64_t *token_type_ids;
  int32_t *token_begin;
  int32_t *token_end;
  int32_t window_capacity; /* windows the arrays have room for, at least 1 */
  /* Optional (may be NULL), window_capacity elements: the tokens of each window, [CLS] through
   * its last [SEP], padding excluded. It is the length to run a model compiled with
   * --max-seq-len at, which then costs that many positions, not sequence_length. */
  int32_t *window_tokens;
} mbert_encoding_t;

/* Encodes one text of `text_size` bytes (it need not be NUL-terminated; NULL with size 0 is the
 * empty text) into `*out_window_count` windows of `encoding`. Fails with
 *   MBERT_ERROR_INVALID_UTF8        the text is not valid UTF-8 (truncated or overlong sequences,
 *                                   surrogates, code points above U+10FFFF, stray continuation
 *                                   bytes); nothing is written
 *   MBERT_ERROR_BUFFER_TOO_SMALL    MBERT_OVERFLOW_WINDOWS needs more than window_capacity windows:
 *                                   `*out_window_count` is the number it needs, the windows that
 *                                   fit are written
 *   MBERT_ERROR_SEQUENCE_TOO_LONG   the windows leave the segment no more than `stride` tokens
 *   MBERT_ERROR_INVALID_ARGUMENT    NULL pointers, a sequence length below 2, unknown overflow
 *                                   mode, negative stride, a text of 2 GiB or more */
mbert_status_t mbert_tokenizer_encode(const mbert_tokenizer_t *tokenizer, const char *text,
                                      size_t text_size, const mbert_encode_options_t *options,
                                      const mbert_encoding_t *encoding,
                                      int32_t *out_window_count);

/* Encodes a pair (question, context) as [CLS] first [SEP] second [SEP]. Fails as
 * mbert_tokenizer_encode, and with MBERT_ERROR_SEQUENCE_TOO_LONG when the first segment must be
 * kept whole (ONLY_SECOND, WINDOWS) but leaves the second too little room: none at all while it
 * has tokens, or, with windows, no more than `stride` tokens per window. The sequence length
 * must be at least 3. */
mbert_status_t mbert_tokenizer_encode_pair(const mbert_tokenizer_t *tokenizer, const char *first,
                                           size_t first_size, const char *second,
                                           size_t second_size,
                                           const mbert_encode_options_t *options,
                                           const mbert_encoding_t *encoding,
                                           int32_t *out_window_count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MBERT_TOKENIZER_H_ */
