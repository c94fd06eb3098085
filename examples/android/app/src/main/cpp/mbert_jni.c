/* JNI bridge for com.example.mbert.QuestionAnswerer: the qa example (examples/qa/qa.c) behind
 * three native methods. Texts cross as UTF-8 byte arrays, not Java strings: JNI's "modified
 * UTF-8" differs from UTF-8 for NUL and characters outside the BMP, and the answer comes back as
 * byte offsets into exactly the bytes that were tokenized. One QuestionAnswerer holds its buffers
 * and is used by one thread at a time (the Kotlin class synchronizes). */
#include "qa_model.h"

#include "mbert_postprocess.h"
#include "mbert_tokenizer.h"

#include <jni.h>
#include <stdio.h>
#include <stdlib.h>

/* Windows hold up to this many tokens; the model runs at each window's own token count
 * (mbert_add_model MAX_SEQ_LEN), so a short question and context cost their tokens only. */
#define SEQUENCE_LENGTH QA_MODEL_MAX_SEQUENCE_LENGTH
#define MAX_WINDOWS 8
#define STRIDE (SEQUENCE_LENGTH / 4)
#define MAX_ANSWER_TOKENS 30
#define WINDOW_ELEMENTS (MAX_WINDOWS * SEQUENCE_LENGTH)

typedef struct answerer {
  mbert_tokenizer_t *tokenizer;
  void *workspace;
  int64_t input_ids[WINDOW_ELEMENTS], attention_mask[WINDOW_ELEMENTS],
      token_type_ids[WINDOW_ELEMENTS];
  int32_t token_begin[WINDOW_ELEMENTS], token_end[WINDOW_ELEMENTS];
  float start_logits[WINDOW_ELEMENTS], end_logits[WINDOW_ELEMENTS];
  int32_t window_tokens[MAX_WINDOWS];
} answerer_t;

static void throw_status(JNIEnv *env, const char *what, mbert_status_t status) {
  char message[160];
  snprintf(message, sizeof message, "mbert: %s: %s", what, mbert_status_string(status));
  jclass exception = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
  if (exception)
    (*env)->ThrowNew(env, exception, message);
}

static void destroy(answerer_t *answerer) {
  if (!answerer)
    return;
  mbert_tokenizer_destroy(answerer->tokenizer);
  mbert_workspace_free(answerer->workspace);
  free(answerer);
}

JNIEXPORT jlong JNICALL Java_com_example_mbert_QuestionAnswerer_nativeCreate(JNIEnv *env,
                                                                            jclass cls) {
  (void)cls;
  answerer_t *answerer = calloc(1, sizeof *answerer);
  if (!answerer) {
    throw_status(env, "creating the answerer", MBERT_ERROR_OUT_OF_MEMORY);
    return 0;
  }
  mbert_status_t status = mbert_tokenizer_create_from_memory(
      qa_model_vocab, qa_model_vocab_size, MBERT_TOKENIZER_UNCASED, &answerer->tokenizer);
  if (status == MBERT_OK)
    status = mbert_workspace_alloc(QA_MODEL_WORKSPACE_SIZE, MBERT_WORKSPACE_ALIGNMENT,
                                   &answerer->workspace);
  if (status != MBERT_OK) {
    destroy(answerer);
    throw_status(env, "creating the answerer", status);
    return 0;
  }
  return (jlong)(intptr_t)answerer;
}

JNIEXPORT void JNICALL Java_com_example_mbert_QuestionAnswerer_nativeDestroy(JNIEnv *env,
                                                                            jclass cls,
                                                                            jlong handle) {
  (void)env, (void)cls;
  destroy((answerer_t *)(intptr_t)handle);
}

/* Returns {byte_begin, byte_end} of the answer in `context` and stores its score in
 * out_score[0]; throws IllegalArgumentException (invalid UTF-8, a question too long for the
 * sequence, a context needing more than MAX_WINDOWS windows, no context). */
JNIEXPORT jintArray JNICALL Java_com_example_mbert_QuestionAnswerer_nativeAnswer(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray question, jbyteArray context,
    jfloatArray out_score) {
  (void)cls;
  answerer_t *answerer = (answerer_t *)(intptr_t)handle;
  if (!answerer || !question || !context || !out_score ||
      (*env)->GetArrayLength(env, out_score) < 1) {
    throw_status(env, "answer", MBERT_ERROR_INVALID_ARGUMENT);
    return NULL;
  }
  jsize question_size = (*env)->GetArrayLength(env, question);
  jsize context_size = (*env)->GetArrayLength(env, context);
  jbyte *question_bytes = (*env)->GetByteArrayElements(env, question, NULL);
  jbyte *context_bytes = (*env)->GetByteArrayElements(env, context, NULL);
  mbert_status_t status = MBERT_ERROR_OUT_OF_MEMORY;
  int32_t windows = 0;
  mbert_encoding_t encoding = {answerer->input_ids,   answerer->attention_mask,
                               answerer->token_type_ids, answerer->token_begin,
                               answerer->token_end,   MAX_WINDOWS,
                               answerer->window_tokens};
  if (question_bytes && context_bytes) {
    mbert_encode_options_t options = {SEQUENCE_LENGTH, MBERT_OVERFLOW_WINDOWS, STRIDE};
    status = mbert_tokenizer_encode_pair(answerer->tokenizer, (const char *)question_bytes,
                                         (size_t)question_size, (const char *)context_bytes,
                                         (size_t)context_size, &options, &encoding, &windows);
  }
  if (question_bytes)
    (*env)->ReleaseByteArrayElements(env, question, question_bytes, JNI_ABORT);
  if (context_bytes)
    (*env)->ReleaseByteArrayElements(env, context, context_bytes, JNI_ABORT);
  if (status != MBERT_OK) {
    throw_status(env, "tokenizing", status);
    return NULL;
  }
  for (int32_t window = 0; window < windows && status == MBERT_OK; ++window) {
    size_t offset = (size_t)window * SEQUENCE_LENGTH;
    status = qa_model_run(answerer->input_ids + offset, answerer->attention_mask + offset,
                          answerer->token_type_ids + offset, answerer->window_tokens[window],
                          answerer->start_logits + offset,
                          answerer->end_logits + offset, answerer->workspace, NULL);
  }
  mbert_answer_t answer;
  if (status == MBERT_OK)
    status = mbert_qa_best_span(answerer->start_logits, answerer->end_logits, &encoding, windows,
                                SEQUENCE_LENGTH, MAX_ANSWER_TOKENS, &answer);
  if (status != MBERT_OK) {
    throw_status(env, "answering", status);
    return NULL;
  }
  (*env)->SetFloatArrayRegion(env, out_score, 0, 1, &answer.score);
  jint range[2] = {answer.byte_begin, answer.byte_end};
  jintArray result = (*env)->NewIntArray(env, 2);
  if (result)
    (*env)->SetIntArrayRegion(env, result, 0, 2, range);
  return result;
}
