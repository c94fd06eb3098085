/* classify TEXT [LABEL...]: sequence classification with a compiled MobileBERT.
 *
 * Text -> tokens (the vocabulary is inside the model object: mbert-compile --vocab), truncated to
 * the compiled sequence length -> one model run -> softmax over the classes, printed best first
 * under the given label names (or LABEL_i). */
#include "classifier.h"

#include "mbert_postprocess.h"
#include "mbert_tokenizer.h"

#include <stdio.h>
#include <string.h>

/* At most this many tokens; the model runs at the text's own length (MAX_SEQ_LEN). */
#define SEQUENCE_LENGTH CLASSIFIER_MAX_SEQUENCE_LENGTH
#define CLASSES CLASSIFIER_LOGITS_ELEMENTS

static int fail(const char *what, mbert_status_t status) {
  fprintf(stderr, "error: %s: %s\n", what, mbert_status_string(status));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s TEXT [LABEL...] (%d labels)\n", argv[0], CLASSES);
    return 2;
  }
  if (argc > 2 && argc - 2 != CLASSES) {
    fprintf(stderr, "error: %d label names given; the model has %d classes\n", argc - 2, CLASSES);
    return 2;
  }
  const char *text = argv[1];

  mbert_tokenizer_t *tokenizer;
  mbert_status_t status = mbert_tokenizer_create_from_memory(
      classifier_vocab, classifier_vocab_size, MBERT_TOKENIZER_UNCASED, &tokenizer);
  if (status != MBERT_OK)
    return fail("loading the embedded vocabulary", status);
  int64_t input_ids[SEQUENCE_LENGTH], attention_mask[SEQUENCE_LENGTH],
      token_type_ids[SEQUENCE_LENGTH];
  int32_t tokens;
  mbert_encoding_t encoding = {input_ids, attention_mask, token_type_ids, NULL, NULL, 1, &tokens};
  mbert_encode_options_t options = {SEQUENCE_LENGTH, MBERT_OVERFLOW_TRUNCATE_LONGEST_FIRST, 0};
  int32_t windows;
  status = mbert_tokenizer_encode(tokenizer, text, strlen(text), &options, &encoding, &windows);
  mbert_tokenizer_destroy(tokenizer);
  if (status != MBERT_OK)
    return fail("tokenizing", status);

  float logits[CLASSES], probabilities[CLASSES];
  void *workspace;
  status = mbert_workspace_alloc(CLASSIFIER_WORKSPACE_SIZE, MBERT_WORKSPACE_ALIGNMENT, &workspace);
  if (status != MBERT_OK)
    return fail("allocating the workspace", status);
  status = classifier_run(input_ids, attention_mask, token_type_ids, tokens, logits, workspace,
                          NULL);
  mbert_workspace_free(workspace);
  if (status != MBERT_OK)
    return fail("running the model", status);

  int32_t order[CLASSES];
  if ((status = mbert_softmax(logits, CLASSES, probabilities)) != MBERT_OK ||
      (status = mbert_top_k(probabilities, CLASSES, CLASSES, order)) != MBERT_OK)
    return fail("scoring", status);
  for (int32_t rank = 0; rank < CLASSES; ++rank) {
    int32_t label = order[rank];
    if (argc > 2)
      printf("%s: %.4f (logit %.4f)\n", argv[2 + label], probabilities[label], logits[label]);
    else
      printf("LABEL_%d: %.4f (logit %.4f)\n", label, probabilities[label], logits[label]);
  }
  return 0;
}
