//===- AnnotateIndexInputs.cpp - find graph inputs used as gather indices -===//

#include "dialects/Onnx/OnnxShapes.h"
#include "mbert/ModelSignature.h"
#include "passes/Passes.h"

#include "mlir/IR/TypeUtilities.h"

namespace mbert {
#define GEN_PASS_DEF_ANNOTATEINDEXINPUTSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using namespace mbert::onnx_import;

namespace {

/// The smallest table extent among the Gathers that index with `value`,
/// looking through ops that move integer values without changing them.
std::optional<int64_t> findIndexBound(Value value) {
  std::optional<int64_t> bound;
  auto merge = [&](std::optional<int64_t> other) {
    if (other)
      bound = bound ? std::min(*bound, *other) : *other;
  };
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (auto gather = dyn_cast<GatherOp>(user)) {
      if (use.get() != gather.getIndices())
        continue;
      auto dataType = dyn_cast<RankedTensorType>(gather.getData().getType());
      if (!dataType)
        continue;
      int64_t axis = *normalizeAxis(gather.getAxis(), dataType.getRank());
      if (!ShapedType::isDynamic(dataType.getDimSize(axis)))
        merge(dataType.getDimSize(axis));
      continue;
    }
    bool preservesValues = isa<ReshapeOp, SqueezeOp, UnsqueezeOp, ExpandOp>(user) ||
                           (isa<CastOp>(user) &&
                            isa<IntegerType>(getElementTypeOrSelf(user->getResult(0))));
    if (preservesValues && use.getOperandNumber() == 0)
      merge(findIndexBound(user->getResult(0)));
  }
  return bound;
}

struct AnnotateIndexInputsPass
    : mbert::impl::AnnotateIndexInputsPassBase<AnnotateIndexInputsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<mbert::ModelSignature> signature = mbert::getModelSignature(module);
    auto entry = dyn_cast_or_null<func::FuncOp>(mbert::lookupEntryFunction(module));
    if (failed(signature) || !entry) {
      module.emitError("no mbert entry function to annotate");
      return signalPassFailure();
    }
    for (auto [argument, input] : llvm::zip(entry.getArguments(), signature->inputs)) {
      Type elementType = getElementTypeOrSelf(argument.getType());
      if (isa<IntegerType>(elementType) && !elementType.isInteger(1))
        input.indexBound = findIndexBound(argument);
    }
    mbert::setModelSignature(module, *signature);
  }
};

} // namespace
