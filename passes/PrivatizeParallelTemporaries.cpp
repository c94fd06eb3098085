//===- PrivatizeParallelTemporaries.cpp - one temporary per iteration -----===//
//
// Bufferization gives a parallel loop (scf.forall) the temporaries its body
// needs as allocations inside the loop: each iteration must have its own,
// since iterations run at the same time on the thread pool. Generated code
// does not allocate at run time, so this pass turns each of them into one
// slot of a single allocation before the loop, with one slot per iteration:
// the memory planner then places that allocation like any other.
//
// Only loops at the top of the entry point run in parallel; a loop nested in
// one runs its iterations in turn within one iteration of the outer loop, so
// its temporaries take the outer loop's slot.
//
//===----------------------------------------------------------------------===//

#include "mbert/ModelSignature.h"
#include "passes/EntryFunction.h"
#include "passes/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace mbert {
#define GEN_PASS_DEF_PRIVATIZEPARALLELTEMPORARIESPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

/// Replaces every allocation in `loop` with a slot of one byte buffer
/// allocated before it.
LogicalResult privatize(scf::ForallOp loop) {
  SmallVector<memref::AllocOp> temporaries;
  loop.getBody()->walk([&](memref::AllocOp alloc) { temporaries.push_back(alloc); });
  if (temporaries.empty())
    return success();
  if (loop.getRank() != 1)
    return loop.emitError("cannot privatize the temporaries of a multi-dimensional parallel loop");
  std::optional<int64_t> lower = getConstantIntValue(loop.getMixedLowerBound()[0]);
  std::optional<int64_t> upper = getConstantIntValue(loop.getMixedUpperBound()[0]);
  std::optional<int64_t> step = getConstantIntValue(loop.getMixedStep()[0]);
  if (!lower || !upper || !step || *step <= 0)
    return loop.emitError("cannot privatize the temporaries of a parallel loop whose iteration "
                          "count is known only at run time");
  int64_t iterations = std::max<int64_t>(0, llvm::divideCeilSigned(*upper - *lower, *step));

  OpBuilder builder(loop);
  Location loc = loop.getLoc();
  Value iteration = loop.getInductionVars()[0];
  for (memref::AllocOp alloc : temporaries) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
        !type.getElementType().isIntOrFloat())
      return alloc.emitError("cannot privatize a temporary that is not a static dense buffer: ")
             << type;
    uint64_t bytes = (type.getNumElements() * type.getElementTypeBitWidth() + 7) / 8;
    int64_t slotBytes = llvm::alignTo(std::max<uint64_t>(bytes, 1), mbert::kWorkspaceAlignment);
    builder.setInsertionPoint(loop);
    auto slots = memref::AllocOp::create(
        builder, alloc.getLoc(),
        MemRefType::get({iterations * slotBytes}, builder.getI8Type()),
        builder.getI64IntegerAttr(mbert::kWorkspaceAlignment));
    // Slot (iv - lower) / step.
    builder.setInsertionPoint(alloc);
    Value index = iteration;
    if (*lower != 0)
      index = arith::SubIOp::create(builder, loc, index,
                                    arith::ConstantIndexOp::create(builder, loc, *lower));
    if (*step != 1)
      index = arith::DivUIOp::create(builder, loc, index,
                                     arith::ConstantIndexOp::create(builder, loc, *step));
    Value offset = arith::MulIOp::create(builder, loc, index,
                                         arith::ConstantIndexOp::create(builder, loc, slotBytes));
    Value slot = memref::ViewOp::create(builder, alloc.getLoc(), type, slots, offset, ValueRange{});
    alloc.replaceAllUsesWith(slot);
    alloc.erase();
  }
  return success();
}

struct PrivatizeParallelTemporariesPass
    : mbert::impl::PrivatizeParallelTemporariesPassBase<PrivatizeParallelTemporariesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp entry = mbert::lookupSingleBlockEntry(module, "privatize-parallel-temporaries");
    if (!entry)
      return signalPassFailure();
    for (auto loop : llvm::make_early_inc_range(entry.getBody().front().getOps<scf::ForallOp>()))
      if (failed(privatize(loop)))
        return signalPassFailure();
  }
};

} // namespace
