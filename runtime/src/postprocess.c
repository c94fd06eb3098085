/* Question answering spans and classification helpers (see mbert_postprocess.h). */
#include "mbert_postprocess.h"

#include <math.h>
#include <stdbool.h>

static bool is_context_token(const mbert_encoding_t *encoding, int64_t index) {
  return encoding->token_type_ids[index] == 1 && encoding->token_begin[index] >= 0;
}

mbert_status_t mbert_qa_best_span(const float *start_logits, const float *end_logits,
                                  const mbert_encoding_t *encoding, int32_t window_count,
                                  int32_t sequence_length, int32_t max_answer_tokens,
                                  mbert_answer_t *out_answer) {
  if (!start_logits || !end_logits || !encoding || !encoding->token_type_ids ||
      !encoding->token_begin || !encoding->token_end || !out_answer || window_count < 1 ||
      sequence_length < 1 || max_answer_tokens < 1)
    return MBERT_ERROR_INVALID_ARGUMENT;
  bool found = false;
  mbert_answer_t best = {0, 0, 0, 0, 0, 0.0f};
  for (int32_t window = 0; window < window_count; ++window) {
    int64_t base = (int64_t)window * sequence_length;
    /* Context tokens are contiguous: [CLS] question [SEP] context [SEP]. */
    for (int32_t start = 0; start < sequence_length; ++start) {
      if (!is_context_token(encoding, base + start))
        continue;
      for (int32_t end = start;
           end < sequence_length && end - start < max_answer_tokens &&
           is_context_token(encoding, base + end);
           ++end) {
        float score = start_logits[base + start] + end_logits[base + end];
        if (!found || score > best.score) {
          found = true;
          best.window = window;
          best.start_token = start;
          best.end_token = end;
          best.score = score;
        }
      }
    }
  }
  if (!found)
    return MBERT_ERROR_INVALID_ARGUMENT;
  int64_t base = (int64_t)best.window * sequence_length;
  best.byte_begin = encoding->token_begin[base + best.start_token];
  best.byte_end = encoding->token_end[base + best.end_token];
  *out_answer = best;
  return MBERT_OK;
}

mbert_status_t mbert_softmax(const float *logits, int32_t count, float *out_probabilities) {
  if (!logits || !out_probabilities || count < 1)
    return MBERT_ERROR_INVALID_ARGUMENT;
  float max = logits[0];
  for (int32_t i = 1; i < count; ++i)
    if (logits[i] > max)
      max = logits[i];
  float sum = 0.0f;
  for (int32_t i = 0; i < count; ++i) {
    out_probabilities[i] = expf(logits[i] - max);
    sum += out_probabilities[i];
  }
  for (int32_t i = 0; i < count; ++i)
    out_probabilities[i] /= sum;
  return MBERT_OK;
}

/* Whether score a (at index ia) ranks before b (at ib): larger first, NaN last, ties by index. */
static bool ranks_before(float a, int32_t ia, float b, int32_t ib) {
  if (isnan(a) || isnan(b))
    return isnan(b) && (!isnan(a) || ia < ib);
  return a > b || (a == b && ia < ib);
}

mbert_status_t mbert_top_k(const float *scores, int32_t count, int32_t k, int32_t *out_indices) {
  if (!scores || !out_indices || count < 1 || k < 1 || k > count)
    return MBERT_ERROR_INVALID_ARGUMENT;
  /* Selection: the i-th pick is the best index that ranks after pick i - 1. */
  for (int32_t picked = 0; picked < k; ++picked) {
    int32_t best = -1;
    for (int32_t i = 0; i < count; ++i) {
      if (picked > 0 && !ranks_before(scores[out_indices[picked - 1]], out_indices[picked - 1],
                                      scores[i], i))
        continue;
      if (best < 0 || ranks_before(scores[i], i, scores[best], best))
        best = i;
    }
    out_indices[picked] = best;
  }
  return MBERT_OK;
}
