//===- CopySharedResults.cpp - one value per entry-point result -----------===//
//
// Bufferization turns each result of the entry point into a caller-provided
// out-param that the result's computation writes. A result that is an input
// of the entry point, or a value returned twice, has no computation of its
// own to write it (upstream's buffer-results-to-out-params crashes on the
// second), so it gets one: a copy into a fresh buffer.
//
//===----------------------------------------------------------------------===//

#include "mbert/ModelSignature.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "llvm/ADT/DenseSet.h"

namespace mbert {
#define GEN_PASS_DEF_COPYSHAREDRESULTSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

struct CopySharedResultsPass : mbert::impl::CopySharedResultsPassBase<CopySharedResultsPass> {
  void runOnOperation() override {
    auto entry = dyn_cast_or_null<func::FuncOp>(mbert::lookupEntryFunction(getOperation()));
    if (!entry)
      return;
    IRRewriter rewriter(&getContext());
    entry.walk([&](func::ReturnOp ret) {
      llvm::DenseSet<Value> returned;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value value = operand.get();
        auto type = dyn_cast<RankedTensorType>(value.getType());
        bool shared = isa<BlockArgument>(value) || !returned.insert(value).second;
        if (!shared || !type)
          continue;
        // A copying alloc_tensor always bufferizes to a new buffer; a
        // linalg.copy into tensor.empty would be bufferized in place.
        rewriter.setInsertionPoint(ret);
        Value copy = bufferization::AllocTensorOp::create(rewriter, ret.getLoc(), type,
                                                          ValueRange(), value);
        rewriter.modifyOpInPlace(ret, [&] { operand.set(copy); });
        ++copiedResults;
      }
    });
  }
};

} // namespace
