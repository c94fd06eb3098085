//===- LowerStridedCopies.cpp - strided memref.copy to linalg.copy --------===//

#include "passes/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mbert {
#define GEN_PASS_DEF_LOWERSTRIDEDCOPIESPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

bool isDense(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return type.getLayout().isIdentity() || type.areTrailingDimsContiguous(type.getRank());
}

struct LowerStridedCopiesPass : mbert::impl::LowerStridedCopiesPassBase<LowerStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> stridedCopies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (!isDense(copy.getSource()) || !isDense(copy.getTarget()))
        stridedCopies.push_back(copy);
    });
    for (memref::CopyOp copy : stridedCopies) {
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace
