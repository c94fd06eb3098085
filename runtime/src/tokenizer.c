/* BERT tokenization (see mbert_tokenizer.h). Text flows through in one pass, character by
 * character: each code point is normalized (control characters dropped, whitespace unified, CJK
 * ideographs isolated, NFD + nonspacing marks dropped, lowercased), its normalized characters
 * are grouped into words (split on whitespace and around punctuation), and each finished word is
 * split into WordPiece tokens that go straight into the caller's output windows. Nothing is
 * allocated: the current word lives on the stack, and words longer than
 * MBERT_TOKENIZER_MAX_WORD_CHARS, which become [UNK] whatever they hold, are only measured. */
#include "mbert_tokenizer.h"

#include "unicode_tables.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Far beyond any BERT vocabulary (30k-250k entries); keeps ids, offsets and the table in 32 bits. */
#define MAX_VOCAB_LINES (1 << 24)
#define MAX_UTF8_BYTES 4

typedef struct vocab_entry_t {
  uint32_t offset; /* within the vocab bytes */
  uint32_t size;
} vocab_entry_t;

struct mbert_tokenizer {
  const char *vocab;
  char *owned_vocab; /* the file's bytes when created from a file; freed with the tokenizer */
  vocab_entry_t *entries; /* by id */
  int32_t entry_count;
  /* Open addressing, linear probing, at most half full. slot_ids holds an id or -1 (empty);
   * slot_hashes the id's hash, so that most probes of other tokens compare no bytes. */
  int32_t *slot_ids;
  uint32_t *slot_hashes;
  uint32_t slot_mask;
  uint32_t longest_entry; /* bytes: longer candidates are not looked up */
  int32_t unk_id;
  int32_t cls_id;
  int32_t sep_id;
  int32_t pad_id;
  uint32_t flags;
};

/* ---------------------------------------------------------------------------------------------
 * Vocabulary */

/* FNV-1a: tokens are short, so a byte-at-a-time hash is cheap, and it extends incrementally,
 * which lets a continuation piece be hashed as "##" followed by its bytes without copying. */
#define FNV_OFFSET_BASIS 2166136261u
#define FNV_PRIME 16777619u

static uint32_t hash_bytes(uint32_t hash, const char *bytes, size_t size) {
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ (unsigned char)bytes[i]) * FNV_PRIME;
  return hash;
}

static const char continuation_prefix[] = "##";
#define CONTINUATION_PREFIX_SIZE 2

/* The id of the entry spelled `prefix` + `bytes` (prefix is "" or "##"), or -1. */
static int32_t find_entry(const mbert_tokenizer_t *tokenizer, const char *prefix,
                          size_t prefix_size, const char *bytes, size_t size) {
  uint32_t hash = hash_bytes(hash_bytes(FNV_OFFSET_BASIS, prefix, prefix_size), bytes, size);
  for (uint32_t slot = hash & tokenizer->slot_mask;; slot = (slot + 1) & tokenizer->slot_mask) {
    int32_t id = tokenizer->slot_ids[slot];
    if (id < 0)
      return -1;
    if (tokenizer->slot_hashes[slot] != hash)
      continue;
    const vocab_entry_t *entry = &tokenizer->entries[id];
    const char *spelling = tokenizer->vocab + entry->offset;
    if (entry->size == prefix_size + size && memcmp(spelling, prefix, prefix_size) == 0 &&
        memcmp(spelling + prefix_size, bytes, size) == 0)
      return id;
  }
}

/* Adds entry `id`; a later entry with the same spelling replaces the earlier one. */
static void insert_entry(mbert_tokenizer_t *tokenizer, int32_t id) {
  const vocab_entry_t *entry = &tokenizer->entries[id];
  const char *spelling = tokenizer->vocab + entry->offset;
  uint32_t hash = hash_bytes(FNV_OFFSET_BASIS, spelling, entry->size);
  uint32_t slot = hash & tokenizer->slot_mask;
  for (;; slot = (slot + 1) & tokenizer->slot_mask) {
    int32_t other = tokenizer->slot_ids[slot];
    if (other < 0)
      break;
    const vocab_entry_t *other_entry = &tokenizer->entries[other];
    if (tokenizer->slot_hashes[slot] == hash && other_entry->size == entry->size &&
        memcmp(tokenizer->vocab + other_entry->offset, spelling, entry->size) == 0)
      break;
  }
  tokenizer->slot_ids[slot] = id;
  tokenizer->slot_hashes[slot] = hash;
}

/* Whether bytes [0, size) are valid UTF-8: shortest forms only, no surrogates, nothing above
 * U+10FFFF, no sequence cut short by the end. Everything after this check may decode without
 * bounds checks of its own. */
static bool is_valid_utf8(const unsigned char *bytes, size_t size) {
  size_t i = 0;
  while (i < size) {
    /* Most text is ASCII: test 8 bytes at once. */
    if (size - i >= 8) {
      uint64_t word;
      memcpy(&word, bytes + i, sizeof(word));
      if ((word & UINT64_C(0x8080808080808080)) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    unsigned second_min = 0x80, second_max = 0xBF; /* the second byte carries the range checks */
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0)
        second_min = 0xA0; /* overlong */
      else if (lead == 0xED)
        second_max = 0x9F; /* surrogates */
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0)
        second_min = 0x90; /* overlong */
      else if (lead == 0xF4)
        second_max = 0x8F; /* above U+10FFFF */
    } else {
      return false; /* continuation byte, overlong 2-byte lead, or above U+10FFFF */
    }
    if (size - i < length || bytes[i + 1] < second_min || bytes[i + 1] > second_max)
      return false;
    for (size_t k = 2; k < length; ++k)
      if ((bytes[i + k] & 0xC0) != 0x80)
        return false;
    i += length;
  }
  return true;
}

/* Decodes the code point at `bytes` of text already checked by is_valid_utf8. */
static uint32_t decode_utf8(const unsigned char *bytes, int32_t *out_length) {
  unsigned lead = bytes[0];
  if (lead < 0x80) {
    *out_length = 1;
    return lead;
  }
  if (lead < 0xE0) {
    *out_length = 2;
    return ((lead & 0x1Fu) << 6) | (bytes[1] & 0x3Fu);
  }
  if (lead < 0xF0) {
    *out_length = 3;
    return ((lead & 0x0Fu) << 12) | ((bytes[1] & 0x3Fu) << 6) | (bytes[2] & 0x3Fu);
  }
  *out_length = 4;
  return ((lead & 0x07u) << 18) | ((bytes[1] & 0x3Fu) << 12) | ((bytes[2] & 0x3Fu) << 6) |
         (bytes[3] & 0x3Fu);
}

static int32_t encode_utf8(uint32_t code_point, char *out) {
  if (code_point < 0x80) {
    out[0] = (char)code_point;
    return 1;
  }
  if (code_point < 0x800) {
    out[0] = (char)(0xC0 | (code_point >> 6));
    out[1] = (char)(0x80 | (code_point & 0x3F));
    return 2;
  }
  if (code_point < 0x10000) {
    out[0] = (char)(0xE0 | (code_point >> 12));
    out[1] = (char)(0x80 | ((code_point >> 6) & 0x3F));
    out[2] = (char)(0x80 | (code_point & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (code_point >> 18));
  out[1] = (char)(0x80 | ((code_point >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((code_point >> 6) & 0x3F));
  out[3] = (char)(0x80 | (code_point & 0x3F));
  return 4;
}

static bool is_trailing_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

mbert_status_t mbert_tokenizer_create_from_memory(const char *vocab, size_t vocab_size,
                                                  uint32_t flags,
                                                  mbert_tokenizer_t **out_tokenizer) {
  if (!vocab || !out_tokenizer || (flags & ~(uint32_t)MBERT_TOKENIZER_UNCASED))
    return MBERT_ERROR_INVALID_ARGUMENT;
  *out_tokenizer = NULL;
  if (vocab_size == 0 || vocab_size > UINT32_MAX || memchr(vocab, '\0', vocab_size))
    return MBERT_ERROR_FORMAT;
  if (vocab[0] == '{' || (vocab[0] == '[' && vocab_size > 1 && vocab[1] == '"'))
    return MBERT_ERROR_UNSUPPORTED;
  if (!is_valid_utf8((const unsigned char *)vocab, vocab_size))
    return MBERT_ERROR_FORMAT;

  /* As Rust's lines(): a final newline does not start another (empty) line. */
  size_t line_count = 0;
  for (const char *p = vocab; (p = memchr(p, '\n', vocab_size - (size_t)(p - vocab))); ++p)
    ++line_count;
  if (vocab[vocab_size - 1] != '\n')
    ++line_count;
  if (line_count > MAX_VOCAB_LINES)
    return MBERT_ERROR_FORMAT;

  uint32_t slot_count = 2;
  while (slot_count < 2 * line_count)
    slot_count *= 2;
  mbert_tokenizer_t *tokenizer = calloc(1, sizeof(*tokenizer));
  if (!tokenizer)
    return MBERT_ERROR_OUT_OF_MEMORY;
  tokenizer->vocab = vocab;
  tokenizer->flags = flags;
  tokenizer->entries = malloc(line_count * sizeof(*tokenizer->entries));
  tokenizer->slot_ids = malloc(slot_count * sizeof(*tokenizer->slot_ids));
  tokenizer->slot_hashes = malloc(slot_count * sizeof(*tokenizer->slot_hashes));
  if (!tokenizer->entries || !tokenizer->slot_ids || !tokenizer->slot_hashes) {
    mbert_tokenizer_destroy(tokenizer);
    return MBERT_ERROR_OUT_OF_MEMORY;
  }
  memset(tokenizer->slot_ids, 0xFF, slot_count * sizeof(*tokenizer->slot_ids));
  tokenizer->slot_mask = slot_count - 1;
  tokenizer->entry_count = (int32_t)line_count;

  size_t line_start = 0;
  for (int32_t id = 0; id < tokenizer->entry_count; ++id) {
    const char *newline = memchr(vocab + line_start, '\n', vocab_size - line_start);
    size_t line_end = newline ? (size_t)(newline - vocab) : vocab_size;
    size_t token_end = line_end;
    while (token_end > line_start && is_trailing_space(vocab[token_end - 1]))
      --token_end;
    tokenizer->entries[id].offset = (uint32_t)line_start;
    tokenizer->entries[id].size = (uint32_t)(token_end - line_start);
    if (tokenizer->entries[id].size > tokenizer->longest_entry)
      tokenizer->longest_entry = tokenizer->entries[id].size;
    insert_entry(tokenizer, id);
    line_start = line_end + 1;
  }

  tokenizer->unk_id = find_entry(tokenizer, "", 0, "[UNK]", 5);
  tokenizer->cls_id = find_entry(tokenizer, "", 0, "[CLS]", 5);
  tokenizer->sep_id = find_entry(tokenizer, "", 0, "[SEP]", 5);
  tokenizer->pad_id = find_entry(tokenizer, "", 0, "[PAD]", 5);
  if (tokenizer->unk_id < 0 || tokenizer->cls_id < 0 || tokenizer->sep_id < 0 ||
      tokenizer->pad_id < 0) {
    mbert_tokenizer_destroy(tokenizer);
    return MBERT_ERROR_MISSING_SPECIAL_TOKEN;
  }
  *out_tokenizer = tokenizer;
  return MBERT_OK;
}

mbert_status_t mbert_tokenizer_create_from_file(const char *path, uint32_t flags,
                                                mbert_tokenizer_t **out_tokenizer) {
  if (!path || !out_tokenizer)
    return MBERT_ERROR_INVALID_ARGUMENT;
  *out_tokenizer = NULL;
  FILE *file = fopen(path, "rb");
  if (!file)
    return MBERT_ERROR_IO;
  char *bytes = NULL;
  size_t size = 0, capacity = 0;
  mbert_status_t status = MBERT_OK;
  for (;;) {
    if (size == capacity) {
      capacity = capacity ? 2 * capacity : 1 << 16;
      char *grown = realloc(bytes, capacity);
      if (!grown) {
        status = MBERT_ERROR_OUT_OF_MEMORY;
        break;
      }
      bytes = grown;
    }
    size_t read = fread(bytes + size, 1, capacity - size, file);
    size += read;
    if (read == 0) {
      if (ferror(file))
        status = MBERT_ERROR_IO;
      break;
    }
  }
  fclose(file);
  if (status == MBERT_OK)
    status = mbert_tokenizer_create_from_memory(bytes, size, flags, out_tokenizer);
  if (status != MBERT_OK) {
    free(bytes);
    return status;
  }
  (*out_tokenizer)->owned_vocab = bytes;
  return MBERT_OK;
}

void mbert_tokenizer_destroy(mbert_tokenizer_t *tokenizer) {
  if (!tokenizer)
    return;
  free(tokenizer->entries);
  free(tokenizer->slot_ids);
  free(tokenizer->slot_hashes);
  free(tokenizer->owned_vocab);
  free(tokenizer);
}

int32_t mbert_tokenizer_vocab_size(const mbert_tokenizer_t *tokenizer) {
  return tokenizer ? tokenizer->entry_count : 0;
}

mbert_status_t mbert_tokenizer_token_id(const mbert_tokenizer_t *tokenizer, const char *token,
                                        size_t token_size, int32_t *out_id) {
  if (!tokenizer || (!token && token_size) || !out_id)
    return MBERT_ERROR_INVALID_ARGUMENT;
  *out_id = find_entry(tokenizer, "", 0, token ? token : "", token_size);
  return MBERT_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Token sinks: where a segment's tokens go */

/* Receives the tokens of one segment and writes them into the windows of an encoding, at
 * `first_position` onwards in each window, `budget` tokens per window at most. A sink without an
 * encoding only counts. */
typedef struct token_sink_t {
  const mbert_encoding_t *encoding;
  int32_t sequence_length;
  int32_t first_position;
  int32_t budget;
  bool windows; /* open another window when one is full; otherwise stop there */
  int32_t stride;
  int32_t window;
  int32_t filled; /* tokens in the current window */
  int64_t total;  /* tokens the segment produced so far */
  /* A token arrived with the budget used up: truncated (or, with windows, an overlap that
   * leaves no room); tokenization stops. */
  bool stopped;
} token_sink_t;

static token_sink_t make_sink(const mbert_encoding_t *encoding, int32_t sequence_length,
                              int32_t first_position, int32_t budget, bool windows,
                              int32_t stride) {
  token_sink_t sink = {encoding, sequence_length, first_position, budget, windows, stride,
                       0,        0,               0,              false};
  return sink;
}

static void store_token(const mbert_encoding_t *encoding, int64_t index, int32_t id,
                        int32_t begin, int32_t end) {
  encoding->input_ids[index] = id;
  if (encoding->token_begin)
    encoding->token_begin[index] = begin;
  if (encoding->token_end)
    encoding->token_end[index] = end;
}

static void copy_token(const mbert_encoding_t *encoding, int64_t from, int64_t to) {
  encoding->input_ids[to] = encoding->input_ids[from];
  if (encoding->token_begin)
    encoding->token_begin[to] = encoding->token_begin[from];
  if (encoding->token_end)
    encoding->token_end[to] = encoding->token_end[from];
}

static void sink_token(token_sink_t *sink, int32_t id, int32_t begin, int32_t end) {
  if (sink->filled == sink->budget) {
    if (!sink->windows || sink->stride >= sink->budget) {
      sink->stopped = true;
      return;
    }
    ++sink->window;
    sink->filled = sink->stride;
    /* Past the caller's capacity the windows are only counted (see windows_needed). */
    if (sink->encoding && sink->window < sink->encoding->window_capacity) {
      int64_t from = (int64_t)(sink->window - 1) * sink->sequence_length + sink->first_position +
                     sink->budget - sink->stride;
      int64_t to = (int64_t)sink->window * sink->sequence_length + sink->first_position;
      for (int32_t i = 0; i < sink->stride; ++i)
        copy_token(sink->encoding, from + i, to + i);
    }
  }
  if (sink->encoding && sink->window < sink->encoding->window_capacity)
    store_token(sink->encoding,
                (int64_t)sink->window * sink->sequence_length + sink->first_position +
                    sink->filled,
                id, begin, end);
  ++sink->filled;
  ++sink->total;
}

/* ---------------------------------------------------------------------------------------------
 * Words and WordPiece */

/* The word being built: its normalized characters (UTF-8) and, for each, the bytes of the
 * original character it came from. */
typedef struct word_t {
  char bytes[MBERT_TOKENIZER_MAX_WORD_CHARS * MAX_UTF8_BYTES];
  int32_t char_starts[MBERT_TOKENIZER_MAX_WORD_CHARS + 1]; /* in `bytes`; [count] = end */
  int32_t source_begin[MBERT_TOKENIZER_MAX_WORD_CHARS];
  int32_t source_end[MBERT_TOKENIZER_MAX_WORD_CHARS];
  int32_t char_count;
  bool too_long; /* more than MBERT_TOKENIZER_MAX_WORD_CHARS characters: [UNK] */
  int32_t begin; /* the whole word's source bytes, for [UNK] */
  int32_t end;
} word_t;

static void word_add_char(word_t *word, uint32_t code_point, int32_t source_begin,
                          int32_t source_end) {
  if (word->char_count == 0 && !word->too_long)
    word->begin = source_begin;
  word->end = source_end;
  if (word->too_long)
    return;
  if (word->char_count == MBERT_TOKENIZER_MAX_WORD_CHARS) {
    word->too_long = true;
    return;
  }
  int32_t index = word->char_count++;
  word->source_begin[index] = source_begin;
  word->source_end[index] = source_end;
  int32_t start = word->char_starts[index];
  word->char_starts[index + 1] = start + encode_utf8(code_point, word->bytes + start);
}

/* Greedy longest-match-first WordPiece over the word, then empties it. A word with a part no
 * entry matches becomes one [UNK]. */
static void finish_word(const mbert_tokenizer_t *tokenizer, word_t *word, token_sink_t *sink) {
  if (word->char_count == 0 && !word->too_long)
    return;
  int32_t piece_ids[MBERT_TOKENIZER_MAX_WORD_CHARS];
  int32_t piece_ends[MBERT_TOKENIZER_MAX_WORD_CHARS]; /* in characters */
  int32_t piece_count = 0;
  bool unknown = word->too_long;
  for (int32_t start = 0; start < word->char_count && !unknown;) {
    size_t prefix_size = start > 0 ? CONTINUATION_PREFIX_SIZE : 0;
    int32_t id = -1, end = word->char_count;
    for (; end > start; --end) {
      size_t size = (size_t)(word->char_starts[end] - word->char_starts[start]);
      if (prefix_size + size > tokenizer->longest_entry)
        continue;
      id = find_entry(tokenizer, continuation_prefix, prefix_size,
                      word->bytes + word->char_starts[start], size);
      if (id >= 0)
        break;
    }
    if (id < 0) {
      unknown = true;
      break;
    }
    piece_ids[piece_count] = id;
    piece_ends[piece_count++] = end;
    start = end;
  }
  if (unknown) {
    sink_token(sink, tokenizer->unk_id, word->begin, word->end);
  } else {
    for (int32_t i = 0, start = 0; i < piece_count && !sink->stopped; start = piece_ends[i++])
      sink_token(sink, piece_ids[i], word->source_begin[start],
                 word->source_end[piece_ends[i] - 1]);
  }
  word->char_count = 0;
  word->too_long = false;
}

/* ---------------------------------------------------------------------------------------------
 * Normalization and pre-tokenization */

#define HANGUL_FIRST 0xAC00u
#define HANGUL_COUNT 11172u
#define HANGUL_LEADING_FIRST 0x1100u
#define HANGUL_VOWEL_FIRST 0x1161u
#define HANGUL_TRAILING_FIRST 0x11A7u /* one before the first trailing consonant */
#define HANGUL_VOWELS 21u
#define HANGUL_TRAILINGS 28u

/* Looks `code_point` up in a generated mapping; returns its sequence's length (0: absent). */
static int32_t find_mapping(uint32_t code_point, uint32_t count, const uint32_t *keys,
                            const uint16_t *starts, const uint32_t *pool, uint32_t *out) {
  uint32_t low = 0, high = count;
  while (low < high) {
    uint32_t middle = low + (high - low) / 2;
    if (keys[middle] < code_point) {
      low = middle + 1;
    } else if (keys[middle] > code_point) {
      high = middle;
    } else {
      int32_t length = starts[middle + 1] - starts[middle];
      memcpy(out, pool + starts[middle], (size_t)length * sizeof(*out));
      return length;
    }
  }
  return 0;
}

/* Canonical decomposition of one code point (NFD without reordering across characters). */
static int32_t decompose(uint32_t code_point, uint32_t flags, uint32_t *out) {
  if (code_point - HANGUL_FIRST < HANGUL_COUNT) {
    uint32_t index = code_point - HANGUL_FIRST;
    uint32_t trailing = index % HANGUL_TRAILINGS;
    out[0] = HANGUL_LEADING_FIRST + index / (HANGUL_VOWELS * HANGUL_TRAILINGS);
    out[1] = HANGUL_VOWEL_FIRST + (index % (HANGUL_VOWELS * HANGUL_TRAILINGS)) / HANGUL_TRAILINGS;
    out[2] = HANGUL_TRAILING_FIRST + trailing;
    return trailing ? 3 : 2;
  }
  if (flags & MBERT_UNICODE_HAS_DECOMPOSITION)
    return find_mapping(code_point, mbert_unicode_decomposition_count,
                        mbert_unicode_decomposition_keys, mbert_unicode_decomposition_starts,
                        mbert_unicode_decomposition_pool, out);
  out[0] = code_point;
  return 1;
}

/* Adds one normalized character to the current word, or as a word of its own if punctuation. */
static void add_normalized_char(const mbert_tokenizer_t *tokenizer, word_t *word,
                                token_sink_t *sink, uint32_t code_point, int32_t begin,
                                int32_t end) {
  if (mbert_unicode_flags(code_point) & MBERT_UNICODE_PUNCTUATION) {
    finish_word(tokenizer, word, sink);
    word_add_char(word, code_point, begin, end);
    finish_word(tokenizer, word, sink);
  } else {
    word_add_char(word, code_point, begin, end);
  }
}

/* Normalizes the original character `code_point` at bytes [begin, end) into the word. */
static void add_char(const mbert_tokenizer_t *tokenizer, word_t *word, token_sink_t *sink,
                     uint32_t code_point, uint32_t flags, int32_t begin, int32_t end) {
  /* ASCII, most of most text, has no decompositions or marks, and lowercases arithmetically. */
  if (code_point < 0x80) {
    if ((tokenizer->flags & MBERT_TOKENIZER_LOWERCASE) && code_point - 'A' < 26u)
      code_point += 'a' - 'A';
    add_normalized_char(tokenizer, word, sink, code_point, begin, end);
    return;
  }
  uint32_t decomposed[MBERT_UNICODE_MAX_DECOMPOSITION];
  int32_t decomposed_count = 1;
  decomposed[0] = code_point;
  bool strip_accents = tokenizer->flags & MBERT_TOKENIZER_STRIP_ACCENTS;
  if (strip_accents)
    decomposed_count = decompose(code_point, flags, decomposed);
  for (int32_t i = 0; i < decomposed_count; ++i) {
    uint32_t part = decomposed[i];
    uint32_t part_flags = mbert_unicode_flags(part);
    if (strip_accents && (part_flags & MBERT_UNICODE_NONSPACING_MARK))
      continue;
    uint32_t lowered[MBERT_UNICODE_MAX_LOWERCASE];
    int32_t lowered_count = 0;
    if ((tokenizer->flags & MBERT_TOKENIZER_LOWERCASE) &&
        (part_flags & MBERT_UNICODE_HAS_LOWERCASE))
      lowered_count = find_mapping(part, mbert_unicode_lowercase_count,
                                   mbert_unicode_lowercase_keys, mbert_unicode_lowercase_starts,
                                   mbert_unicode_lowercase_pool, lowered);
    if (lowered_count == 0)
      add_normalized_char(tokenizer, word, sink, part, begin, end);
    for (int32_t k = 0; k < lowered_count; ++k)
      add_normalized_char(tokenizer, word, sink, lowered[k], begin, end);
  }
}

/* Tokenizes valid UTF-8 `text` into `sink`, stopping early once the sink stops. */
static void tokenize(const mbert_tokenizer_t *tokenizer, const unsigned char *text, int32_t size,
                     token_sink_t *sink) {
  word_t word;
  word.char_count = 0;
  word.char_starts[0] = 0;
  word.too_long = false;
  for (int32_t i = 0, length = 1; i < size && !sink->stopped; i += length) {
    uint32_t code_point;
    if (text[i] < 0x80) {
      code_point = text[i];
      length = 1;
    } else {
      code_point = decode_utf8(text + i, &length);
    }
    uint32_t flags = mbert_unicode_flags(code_point);
    if (flags & MBERT_UNICODE_REMOVED)
      continue;
    if (flags & MBERT_UNICODE_WHITESPACE) {
      finish_word(tokenizer, &word, sink);
    } else if (flags & MBERT_UNICODE_CJK) {
      finish_word(tokenizer, &word, sink);
      add_char(tokenizer, &word, sink, code_point, flags, i, i + length);
      finish_word(tokenizer, &word, sink);
    } else {
      add_char(tokenizer, &word, sink, code_point, flags, i, i + length);
    }
  }
  if (!sink->stopped)
    finish_word(tokenizer, &word, sink);
}

/* ---------------------------------------------------------------------------------------------
 * Encoding */

static mbert_status_t check_encode_arguments(const mbert_tokenizer_t *tokenizer,
                                             const char *text, size_t text_size,
                                             const mbert_encode_options_t *options,
                                             const mbert_encoding_t *encoding,
                                             const int32_t *out_window_count) {
  if (!tokenizer || (!text && text_size) || !options || !encoding || !encoding->input_ids ||
      encoding->window_capacity < 1 || !out_window_count || options->stride < 0 ||
      options->overflow < MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST ||
      options->overflow > MBERT_OVERFLOW_WINDOWS || text_size >= (size_t)INT32_MAX)
    return MBERT_ERROR_INVALID_ARGUMENT;
  if (!is_valid_utf8((const unsigned char *)text, text_size))
    return MBERT_ERROR_INVALID_UTF8;
  return MBERT_OK;
}

/* Windows the last segment needs: the first holds `budget` tokens, each further one advances
 * by budget - stride. */
static int32_t windows_needed(const token_sink_t *sink) {
  if (sink->total <= sink->budget)
    return 1;
  int64_t step = sink->budget - sink->stride;
  int64_t more = (sink->total - sink->budget + step - 1) / step;
  return more >= INT32_MAX ? INT32_MAX : (int32_t)(1 + more);
}

static void set_special(const mbert_encoding_t *encoding, int64_t index, int32_t id) {
  store_token(encoding, index, id, -1, -1);
}

/* Writes around the tokens the sinks stored: [CLS], the first segment's copy in later windows,
 * the [SEP]s, padding, attention mask and token types. `first_count` is the first segment's
 * length for a pair, or -1 for a single text. */
static void complete_windows(const mbert_tokenizer_t *tokenizer, const mbert_encoding_t *encoding,
                             const token_sink_t *last, int32_t window_count,
                             int32_t first_count) {
  int32_t length = last->sequence_length;
  int32_t stored = window_count < encoding->window_capacity ? window_count
                                                            : encoding->window_capacity;
  for (int32_t window = 0; window < stored; ++window) {
    int64_t base = (int64_t)window * length;
    int32_t last_count = window == window_count - 1 ? last->filled : last->budget;
    set_special(encoding, base, tokenizer->cls_id);
    if (first_count >= 0) {
      for (int32_t i = 1; i <= first_count && window > 0; ++i)
        copy_token(encoding, i, base + i);
      set_special(encoding, base + first_count + 1, tokenizer->sep_id);
    }
    int32_t used = last->first_position + last_count + 1;
    if (encoding->window_tokens)
      encoding->window_tokens[window] = used;
    set_special(encoding, base + used - 1, tokenizer->sep_id);
    for (int32_t i = used; i < length; ++i)
      set_special(encoding, base + i, tokenizer->pad_id);
    for (int32_t i = 0; i < length; ++i) {
      if (encoding->attention_mask)
        encoding->attention_mask[base + i] = i < used;
      if (encoding->token_type_ids)
        encoding->token_type_ids[base + i] = first_count >= 0 && i > first_count + 1 && i < used;
    }
  }
}

/* Finishes an encoding whose last segment went through `last`. */
static mbert_status_t finish_encoding(const mbert_tokenizer_t *tokenizer,
                                      const mbert_encoding_t *encoding, const token_sink_t *last,
                                      int32_t first_count, int32_t *out_window_count) {
  if (last->stopped && last->windows)
    return MBERT_ERROR_SEQUENCE_TOO_LONG; /* the overlap leaves no room for new tokens */
  int32_t window_count = last->windows ? windows_needed(last) : 1;
  complete_windows(tokenizer, encoding, last, window_count, first_count);
  *out_window_count = window_count;
  return window_count > encoding->window_capacity ? MBERT_ERROR_BUFFER_TOO_SMALL : MBERT_OK;
}

mbert_status_t mbert_tokenizer_encode(const mbert_tokenizer_t *tokenizer, const char *text,
                                      size_t text_size, const mbert_encode_options_t *options,
                                      const mbert_encoding_t *encoding,
                                      int32_t *out_window_count) {
  mbert_status_t status =
      check_encode_arguments(tokenizer, text, text_size, options, encoding, out_window_count);
  if (status != MBERT_OK)
    return status;
  if (options->sequence_length < 2)
    return MBERT_ERROR_INVALID_ARGUMENT;
  bool windows = options->overflow == MBERT_OVERFLOW_WINDOWS;
  token_sink_t sink = make_sink(encoding, options->sequence_length, 1,
                                options->sequence_length - 2, windows, options->stride);
  tokenize(tokenizer, (const unsigned char *)text, (int32_t)text_size, &sink);
  return finish_encoding(tokenizer, encoding, &sink, -1, out_window_count);
}

/* HF's longest_first split of `budget` tokens between segments of `first` and `second` tokens. */
static void split_longest_first(int64_t first, int64_t second, int32_t budget,
                                int32_t *out_first, int32_t *out_second) {
  if (first + second <= budget) {
    *out_first = (int32_t)first;
    *out_second = (int32_t)second;
    return;
  }
  bool first_is_longer = first > second;
  int64_t shorter = first_is_longer ? second : first;
  int64_t shorter_keeps = shorter, longer_keeps;
  if (shorter > budget)
    longer_keeps = shorter;
  else
    longer_keeps = shorter > budget - shorter ? shorter : budget - shorter;
  if (shorter_keeps + longer_keeps > budget) {
    shorter_keeps = budget / 2;
    longer_keeps = budget / 2 + budget % 2;
  }
  *out_first = (int32_t)(first_is_longer ? longer_keeps : shorter_keeps);
  *out_second = (int32_t)(first_is_longer ? shorter_keeps : longer_keeps);
}

mbert_status_t mbert_tokenizer_encode_pair(const mbert_tokenizer_t *tokenizer, const char *first,
                                           size_t first_size, const char *second,
                                           size_t second_size,
                                           const mbert_encode_options_t *options,
                                           const mbert_encoding_t *encoding,
                                           int32_t *out_window_count) {
  mbert_status_t status =
      check_encode_arguments(tokenizer, first, first_size, options, encoding, out_window_count);
  if (status == MBERT_OK)
    status = check_encode_arguments(tokenizer, second, second_size, options, encoding,
                                    out_window_count);
  if (status != MBERT_OK)
    return status;
  int32_t length = options->sequence_length;
  if (length < 3)
    return MBERT_ERROR_INVALID_ARGUMENT;
  int32_t budget = length - 3;
  const unsigned char *first_text = (const unsigned char *)first;
  const unsigned char *second_text = (const unsigned char *)second;

  int32_t first_budget = budget, second_budget = 0;
  if (options->overflow == MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST) {
    /* The split depends on both full lengths, so count before writing. */
    token_sink_t first_counter = make_sink(NULL, length, 0, INT32_MAX, false, 0);
    token_sink_t second_counter = first_counter;
    tokenize(tokenizer, first_text, (int32_t)first_size, &first_counter);
    tokenize(tokenizer, second_text, (int32_t)second_size, &second_counter);
    split_longest_first(first_counter.total, second_counter.total, budget, &first_budget,
                        &second_budget);
  }
  token_sink_t first_sink = make_sink(encoding, length, 1, first_budget, false, 0);
  tokenize(tokenizer, first_text, (int32_t)first_size, &first_sink);
  if (options->overflow != MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST) {
    if (first_sink.stopped)
      return MBERT_ERROR_SEQUENCE_TOO_LONG;
    second_budget = budget - first_sink.filled;
  }
  bool windows = options->overflow == MBERT_OVERFLOW_WINDOWS;
  token_sink_t second_sink = make_sink(encoding, length, first_sink.filled + 2, second_budget,
                                       windows, options->stride);
  tokenize(tokenizer, second_text, (int32_t)second_size, &second_sink);
  /* Only-second truncation must leave the second segment something (HF fails likewise). */
  if (options->overflow == MBERT_OVERFLOW_TRUNCATE_ONLY_SECOND && second_sink.stopped &&
      second_budget == 0)
    return MBERT_ERROR_SEQUENCE_TOO_LONG;
  return finish_encoding(tokenizer, encoding, &second_sink, first_sink.filled, out_window_count);
}
