//===- Vocabulary.cpp - a tokenizer vocabulary inside the model object ----===//
//
// `mbert-compile --vocab vocab.txt` stores the file's bytes in the object as
// NAME_vocab / NAME_vocab_size, so that an app creates its tokenizer with
// mbert_tokenizer_create_from_memory() and ships no file. The file is checked
// here by the runtime's own parser (libmbert_runtime is linked into the
// compiler): a vocabulary that compiles is one the app's tokenizer accepts.
//
//===----------------------------------------------------------------------===//

#include "mbert/Target/Target.h"

#include "mbert_tokenizer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/Support/MemoryBuffer.h"

namespace mbert {
namespace {

/// The special tokens the tokenizer needs that `contents` lacks, for the
/// error message only (the runtime's status says that one is missing, not
/// which). Lines are compared as the runtime reads them: trailing ASCII
/// whitespace is not part of a token.
std::string listMissingSpecialTokens(llvm::StringRef contents) {
  llvm::SmallVector<llvm::StringRef> lines;
  contents.split(lines, '\n');
  std::string missing;
  for (llvm::StringRef token : {"[UNK]", "[CLS]", "[SEP]", "[PAD]"}) {
    bool present = llvm::any_of(lines, [&](llvm::StringRef line) {
      return line.rtrim(" \t\r\v\f") == token;
    });
    if (!present)
      missing += (missing.empty() ? "" : ", ") + token.str();
  }
  return missing;
}

} // namespace

mlir::LogicalResult loadVocabulary(llvm::StringRef path, std::string &contents,
                                   std::string &errorMessage) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!file) {
    errorMessage = "--vocab " + path.str() + ": cannot read it: " + file.getError().message();
    return mlir::failure();
  }
  llvm::StringRef bytes = (*file)->getBuffer();
  mbert_tokenizer_t *tokenizer = nullptr;
  mbert_status_t status =
      mbert_tokenizer_create_from_memory(bytes.data(), bytes.size(), /*flags=*/0, &tokenizer);
  mbert_tokenizer_destroy(tokenizer);
  std::string prefix = "--vocab " + path.str() + ": ";
  switch (status) {
  case MBERT_OK:
    contents = bytes.str();
    return mlir::success();
  case MBERT_ERROR_UNSUPPORTED:
    errorMessage = prefix + "this is JSON (tokenizer.json or vocab.json); --vocab takes a BERT "
                            "vocab.txt, one token per line";
    break;
  case MBERT_ERROR_FORMAT:
    errorMessage = prefix + "not a BERT vocab.txt: it is empty, is not UTF-8, contains a NUL "
                            "byte, or has more than 2^24 lines";
    break;
  case MBERT_ERROR_MISSING_SPECIAL_TOKEN:
    errorMessage = prefix + "the vocabulary lacks the special token(s) " +
                   listMissingSpecialTokens(bytes) + " that the tokenizer needs";
    break;
  default:
    errorMessage = prefix + "the tokenizer rejects it: " + mbert_status_string(status);
    break;
  }
  return mlir::failure();
}

void addVocabulary(llvm::Module &llvmModule, llvm::StringRef modelName,
                   llvm::StringRef contents) {
  llvm::LLVMContext &context = llvmModule.getContext();
  // Bytes as in the file, without a terminating NUL: the size symbol says how many.
  llvm::Constant *bytes = llvm::ConstantDataArray::getString(context, contents, /*AddNull=*/false);
  auto *vocab = new llvm::GlobalVariable(llvmModule, bytes->getType(), /*isConstant=*/true,
                                         llvm::GlobalValue::ExternalLinkage, bytes,
                                         (modelName + "_vocab").str());
  vocab->setAlignment(llvm::Align(1));
  // size_t of the target: the data layout was set when the module was translated.
  llvm::IntegerType *sizeType = llvmModule.getDataLayout().getIntPtrType(context);
  new llvm::GlobalVariable(llvmModule, sizeType, /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(sizeType, contents.size()),
                           (modelName + "_vocab_size").str());
}

} // namespace mbert
