/* Umbrella header of the Swift module MBertQA (module.modulemap): the generated model header,
 * the runtime, the tokenizer and the post-processing. Header search paths must reach the
 * package's include/ and the folder mbert_add_model writes qa_model.h to. */
#ifndef MBERT_QA_MODULE_H_
#define MBERT_QA_MODULE_H_

#include "mbert_postprocess.h"
#include "mbert_runtime.h"
#include "mbert_tokenizer.h"
#include "qa_model.h"

/* Swift does not import C arrays of unknown size such as qa_model_vocab[]; these give it the
 * embedded vocabulary and the compiled shapes as plain values. */
static inline const char *mbert_qa_vocab(void) { return qa_model_vocab; }
static inline size_t mbert_qa_vocab_size(void) { return qa_model_vocab_size; }
static inline int32_t mbert_qa_sequence_length(void) { return QA_MODEL_MAX_SEQUENCE_LENGTH; }
static inline size_t mbert_qa_workspace_size(void) { return QA_MODEL_WORKSPACE_SIZE; }

#endif /* MBERT_QA_MODULE_H_ */
