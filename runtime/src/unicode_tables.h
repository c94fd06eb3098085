/* Unicode data for the tokenizer, generated into unicode_tables.c by
 * runtime/tools/gen_unicode_tables.py (see there for where each property comes from and why
 * categories stop at Unicode 8.0). Internal to the runtime: not installed. */
#ifndef MBERT_UNICODE_TABLES_H_
#define MBERT_UNICODE_TABLES_H_

#include <stdint.h>

/* Per-code-point flags; the generator uses the same bit values. */
enum {
  /* NUL, U+FFFD and control/format/private-use characters: the normalizer drops them. */
  MBERT_UNICODE_REMOVED = 1 << 0,
  MBERT_UNICODE_WHITESPACE = 1 << 1,
  /* Unicode punctuation (P*) or any ASCII symbol: split off as a token of its own. */
  MBERT_UNICODE_PUNCTUATION = 1 << 2,
  /* General category Mn: dropped after NFD when stripping accents. */
  MBERT_UNICODE_NONSPACING_MARK = 1 << 3,
  /* CJK ideograph: always a word of its own. */
  MBERT_UNICODE_CJK = 1 << 4,
  /* Listed in mbert_unicode_decomposition_* (Hangul syllables are computed instead). */
  MBERT_UNICODE_HAS_DECOMPOSITION = 1 << 5,
  /* Listed in mbert_unicode_lowercase_*. */
  MBERT_UNICODE_HAS_LOWERCASE = 1 << 6,
};

#define MBERT_UNICODE_BLOCK_SHIFT 7
#define MBERT_UNICODE_MAX_DECOMPOSITION 4 /* code points in the longest full decomposition */
#define MBERT_UNICODE_MAX_LOWERCASE 2     /* code points in the longest lowercase mapping */

extern const uint16_t mbert_unicode_block_index[0x110000 >> MBERT_UNICODE_BLOCK_SHIFT];
extern const uint8_t mbert_unicode_block_flags[];

/* A mapping: `keys` sorted ascending; key i maps to pool[starts[i] .. starts[i + 1]). */
extern const uint32_t mbert_unicode_decomposition_count;
extern const uint32_t mbert_unicode_decomposition_keys[];
extern const uint16_t mbert_unicode_decomposition_starts[];
extern const uint32_t mbert_unicode_decomposition_pool[];
extern const uint32_t mbert_unicode_lowercase_count;
extern const uint32_t mbert_unicode_lowercase_keys[];
extern const uint16_t mbert_unicode_lowercase_starts[];
extern const uint32_t mbert_unicode_lowercase_pool[];

/* Flags of `code_point`, which must be below 0x110000. */
static inline uint32_t mbert_unicode_flags(uint32_t code_point) {
  uint32_t block = mbert_unicode_block_index[code_point >> MBERT_UNICODE_BLOCK_SHIFT];
  return mbert_unicode_block_flags[(block << MBERT_UNICODE_BLOCK_SHIFT) |
                                   (code_point & ((1u << MBERT_UNICODE_BLOCK_SHIFT) - 1))];
}

#endif /* MBERT_UNICODE_TABLES_H_ */
