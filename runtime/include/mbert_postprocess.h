/* Turning model outputs into answers: extractive question answering over the windows of an
 * encoding (mbert_tokenizer.h), and classification. Nothing here allocates. */
#ifndef MBERT_POSTPROCESS_H_
#define MBERT_POSTPROCESS_H_

#include "mbert_runtime.h"
#include "mbert_tokenizer.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The best answer span of a question/context encoding. */
typedef struct mbert_answer_t {
  int32_t window;      /* the window it was found in */
  int32_t start_token; /* token positions within that window, start <= end */
  int32_t end_token;
  int32_t byte_begin; /* the answer is bytes [byte_begin, byte_end) of the context text */
  int32_t byte_end;
  float score; /* start_logits[start] + end_logits[end] */
} mbert_answer_t;

/* Finds the span maximizing start_logits[start] + end_logits[end] over every window of an
 * encoding from mbert_tokenizer_encode_pair: start <= end, both on context tokens (token type 1,
 * real bytes: never [CLS], [SEP], padding or the question), at most `max_answer_tokens` tokens
 * long. Logits are `window_count * sequence_length` floats, window after window, as the model's
 * start_logits/end_logits outputs for a batch of windows. Ties go to the earliest window, then
 * the earliest start, then the shortest span. `encoding` must have token_type_ids, token_begin
 * and token_end. Because windows overlap, the same span may be seen twice: its bytes are the
 * same, so either answer is correct. Fails with MBERT_ERROR_INVALID_ARGUMENT on NULL pointers,
 * counts below 1, or an encoding without any context token. */
mbert_status_t mbert_qa_best_span(const float *start_logits, const float *end_logits,
                                  const mbert_encoding_t *encoding, int32_t window_count,
                                  int32_t sequence_length, int32_t max_answer_tokens,
                                  mbert_answer_t *out_answer);

/* out_probabilities[i] = exp(logits[i]) / sum_j exp(logits[j]), computed stably (max
 * subtracted first). `count` >= 1; out_probabilities may alias logits. */
mbert_status_t mbert_softmax(const float *logits, int32_t count, float *out_probabilities);

/* The `k` indices of the largest scores, largest first (ties: lower index first); NaN scores
 * rank last. 1 <= k <= count. Runs in O(count * k), meant for a classifier's few classes. */
mbert_status_t mbert_top_k(const float *scores, int32_t count, int32_t k, int32_t *out_indices);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MBERT_POSTPROCESS_H_ */
