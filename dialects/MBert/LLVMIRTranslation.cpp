//===- LLVMIRTranslation.cpp - mbert attributes in LLVM IR translation ----===//

#include "dialects/MBert/LLVMIRTranslation.h"

#include "dialects/MBert/MBertOps.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/LLVMTranslationInterface.h"

using namespace mlir;

namespace mbert::model {
namespace {

class MBertDialectLLVMIRTranslationInterface : public LLVMTranslationDialectInterface {
public:
  using LLVMTranslationDialectInterface::LLVMTranslationDialectInterface;

  /// The argument roles have been read by the passes that needed them (and
  /// are read again from the MLIR module by the header writer), so the LLVM
  /// function gets nothing from them.
  LogicalResult convertParameterAttr(LLVM::LLVMFuncOp function, int argIndex,
                                     NamedAttribute attribute,
                                     LLVM::ModuleTranslation &translation) const override {
    return success();
  }
};

} // namespace

void registerMBertDialectTranslation(MLIRContext &context) {
  DialectRegistry registry;
  registry.addExtension(+[](MLIRContext *, MBertDialect *dialect) {
    dialect->addInterfaces<MBertDialectLLVMIRTranslationInterface>();
  });
  context.appendDialectRegistry(registry);
}

} // namespace mbert::model
