/* Latency of mbert_tokenizer_encode_pair on a question/context pair that fills a 384-token
 * sequence (the SQuAD setting of MobileBERT), byte ranges included: once truncated to one
 * sequence (only_second), once as overlapping windows over the whole context (stride 128).
 *
 * usage: mbert_tokenizer_bench VOCAB_TXT [ITERATIONS]   (bench/tokenizer.sh runs it)
 * Prints, per mode, the real tokens of the first window, the window count, and the median and
 * minimum microseconds per encoding (monotonic clock, after 100 untimed runs). */
#define _POSIX_C_SOURCE 200809L

#include "bench_timing.h"
#include "mbert_tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQUENCE_LENGTH 384
#define MAX_WINDOWS 8

static const char k_question[] = "Which architecture did the compiler lower the attention "
                                 "layers to, and how many threads did it use?";
/* Mixed prose with numbers, punctuation, accents and a few rare words that WordPiece splits;
 * repeated until the context overflows one window. */
static const char k_paragraph[] =
    "MobileBERT is a thin version of BERT-large, equipped with bottleneck structures and a "
    "carefully designed balance between self-attentions and feed-forward networks. On the SQuAD "
    "v1.1/v2.0 question answering datasets, MobileBERT achieves a dev F1 score of 90.0/79.2, "
    "which is 1.5/2.1 higher than BERT-base; the café's résumé-writing workshop (held in "
    "Zürich, 2019) was unaffected. Its 24 layers run in 62 ms on a Pixel 4 phone! ";

static int64_t g_ids[MAX_WINDOWS * SEQUENCE_LENGTH];
static int64_t g_mask[MAX_WINDOWS * SEQUENCE_LENGTH];
static int64_t g_types[MAX_WINDOWS * SEQUENCE_LENGTH];
static int32_t g_begin[MAX_WINDOWS * SEQUENCE_LENGTH];
static int32_t g_end[MAX_WINDOWS * SEQUENCE_LENGTH];
static const mbert_encoding_t g_encoding = {g_ids, g_mask, g_types, g_begin, g_end, MAX_WINDOWS, NULL};

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s VOCAB_TXT [ITERATIONS]\n", argv[0]);
    return 2;
  }
  int iterations = argc == 3 ? atoi(argv[2]) : 2000;
  if (iterations < 1) {
    fprintf(stderr, "error: ITERATIONS must be positive\n");
    return 2;
  }
  mbert_tokenizer_t *tokenizer;
  mbert_status_t status =
      mbert_tokenizer_create_from_file(argv[1], MBERT_TOKENIZER_UNCASED, &tokenizer);
  if (status != MBERT_OK) {
    fprintf(stderr, "error: %s: %s\n", argv[1], mbert_status_string(status));
    return 1;
  }
  /* About 2 windows' worth of context: enough that the first window is full. */
  char context[8 * sizeof(k_paragraph)];
  context[0] = '\0';
  for (int i = 0; i < 8; ++i)
    strcat(context, k_paragraph);

  double *samples = malloc((size_t)iterations * sizeof(*samples));
  if (!samples)
    return 1;
  const mbert_encode_options_t modes[] = {
      {SEQUENCE_LENGTH, MBERT_OVERFLOW_TRUNCATE_ONLY_SECOND, 0},
      {SEQUENCE_LENGTH, MBERT_OVERFLOW_WINDOWS, 128},
  };
  const char *mode_names[] = {"only_second", "windows_stride_128"};
  for (int mode = 0; mode < 2; ++mode) {
    int32_t windows = 0;
    for (int i = -100; i < iterations; ++i) {
      double start = bench_seconds();
      status = mbert_tokenizer_encode_pair(tokenizer, k_question, sizeof(k_question) - 1,
                                           context, strlen(context), &modes[mode], &g_encoding,
                                           &windows);
      double elapsed = (bench_seconds() - start) * 1e6;
      if (status != MBERT_OK) {
        fprintf(stderr, "error: encode: %s\n", mbert_status_string(status));
        return 1;
      }
      if (i >= 0)
        samples[i] = elapsed;
    }
    bench_sort(samples, iterations);
    int32_t tokens = 0;
    while (tokens < SEQUENCE_LENGTH && g_mask[tokens])
      ++tokens;
    printf("%s: tokens %d, windows %d, median_us %.2f, min_us %.2f\n", mode_names[mode], tokens,
           windows, samples[iterations / 2], samples[0]);
  }
  free(samples);
  mbert_tokenizer_destroy(tokenizer);
  return 0;
}
