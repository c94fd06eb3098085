/* qa QUESTION CONTEXT: extractive question answering with a compiled MobileBERT.
 *
 * Text -> tokens (the vocabulary is inside the model object: mbert-compile --vocab) -> one model
 * run per window of the context -> the best span over all windows -> that span of the context.
 * Prints the answer, its score and where it was found. */
#include "qa_model.h"

#include "mbert_postprocess.h"
#include "mbert_tokenizer.h"

#include <stdio.h>
#include <string.h>

/* Windows hold up to QA_MODEL_MAX_SEQUENCE_LENGTH tokens (batch 1); the model runs at each
 * window's own length (mbert_add_model MAX_SEQ_LEN), so a short question and context cost
 * their tokens, not the whole window. */
#define SEQUENCE_LENGTH QA_MODEL_MAX_SEQUENCE_LENGTH
/* Long contexts are read in overlapping windows; this many fit in the buffers below. */
#define MAX_WINDOWS 16
/* Context tokens a window repeats from the previous one, so that an answer cut by a window's
 * edge is whole in the next. */
#define STRIDE (SEQUENCE_LENGTH / 4)
#define MAX_ANSWER_TOKENS 30

static int64_t input_ids[MAX_WINDOWS * SEQUENCE_LENGTH];
static int64_t attention_mask[MAX_WINDOWS * SEQUENCE_LENGTH];
static int64_t token_type_ids[MAX_WINDOWS * SEQUENCE_LENGTH];
static int32_t token_begin[MAX_WINDOWS * SEQUENCE_LENGTH];
static int32_t token_end[MAX_WINDOWS * SEQUENCE_LENGTH];
static float start_logits[MAX_WINDOWS * SEQUENCE_LENGTH];
static float end_logits[MAX_WINDOWS * SEQUENCE_LENGTH];
static int32_t window_tokens[MAX_WINDOWS];

static int fail(const char *what, mbert_status_t status) {
  fprintf(stderr, "error: %s: %s\n", what, mbert_status_string(status));
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s QUESTION CONTEXT\n", argv[0]);
    return 2;
  }
  const char *question = argv[1], *context = argv[2];
  if (strspn(context, " \t\r\n") == strlen(context)) {
    fprintf(stderr, "error: the context is empty\n");
    return 1;
  }

  mbert_tokenizer_t *tokenizer;
  mbert_status_t status = mbert_tokenizer_create_from_memory(
      qa_model_vocab, qa_model_vocab_size, MBERT_TOKENIZER_UNCASED, &tokenizer);
  if (status != MBERT_OK)
    return fail("loading the embedded vocabulary", status);

  mbert_encoding_t encoding = {input_ids,   attention_mask, token_type_ids, token_begin,
                               token_end,   MAX_WINDOWS,    window_tokens};
  mbert_encode_options_t options = {SEQUENCE_LENGTH, MBERT_OVERFLOW_WINDOWS, STRIDE};
  int32_t windows;
  status = mbert_tokenizer_encode_pair(tokenizer, question, strlen(question), context,
                                       strlen(context), &options, &encoding, &windows);
  mbert_tokenizer_destroy(tokenizer);
  if (status == MBERT_ERROR_BUFFER_TOO_SMALL) {
    fprintf(stderr, "error: the context needs %d windows of %d tokens; this program reads %d\n",
            windows, SEQUENCE_LENGTH, MAX_WINDOWS);
    return 1;
  }
  if (status != MBERT_OK)
    return fail("tokenizing", status);

  void *workspace;
  status = mbert_workspace_alloc(QA_MODEL_WORKSPACE_SIZE, MBERT_WORKSPACE_ALIGNMENT, &workspace);
  if (status != MBERT_OK)
    return fail("allocating the workspace", status);
  for (int32_t window = 0; window < windows && status == MBERT_OK; ++window) {
    size_t offset = (size_t)window * SEQUENCE_LENGTH;
    /* The logits of the padding are not written; mbert_qa_best_span never reads them. */
    status = qa_model_run(input_ids + offset, attention_mask + offset, token_type_ids + offset,
                          window_tokens[window], start_logits + offset,
                          end_logits + offset, workspace, NULL);
  }
  mbert_workspace_free(workspace);
  if (status != MBERT_OK)
    return fail("running the model", status);

  mbert_answer_t answer;
  status = mbert_qa_best_span(start_logits, end_logits, &encoding, windows, SEQUENCE_LENGTH,
                              MAX_ANSWER_TOKENS, &answer);
  if (status != MBERT_OK)
    return fail("finding the answer", status);
  printf("answer: %.*s\n", (int)(answer.byte_end - answer.byte_begin),
         context + answer.byte_begin);
  printf("score: %.4f\n", answer.score);
  printf("bytes: %d %d\n", answer.byte_begin, answer.byte_end);
  printf("window: %d of %d, tokens %d-%d\n", answer.window + 1, windows, answer.start_token,
         answer.end_token);
  return 0;
}
