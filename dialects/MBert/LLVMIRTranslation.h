//===- LLVMIRTranslation.h - mbert attributes in LLVM IR translation -*- C++ -*-===//
//
// The mbert dialect's attributes that stay on LLVM dialect functions until
// translation: the entry point's argument roles (#mbert.entry_argument), which
// the header writer reads after code generation, and the kernels' iteration
// ranges (#mbert.kernel_argument). They describe the C ABI to this project's
// passes; LLVM IR has nothing to carry them, and without a translation
// interface for the dialect MLIR's translation warns of every one of them.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_DIALECTS_MBERT_LLVMIRTRANSLATION_H
#define MBERT_DIALECTS_MBERT_LLVMIRTRANSLATION_H

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace mbert::model {

/// Registers, for `context`, the mbert dialect's translation to LLVM IR,
/// which accepts its function-argument attributes and translates them to
/// nothing.
void registerMBertDialectTranslation(mlir::MLIRContext &context);

} // namespace mbert::model

#endif // MBERT_DIALECTS_MBERT_LLVMIRTRANSLATION_H
