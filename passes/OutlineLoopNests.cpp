//===- OutlineLoopNests.cpp - one function per top-level loop nest --------===//

#include "dialects/MBert/EntryPoint.h"
#include "passes/EntryFunction.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mbert {
#define GEN_PASS_DEF_OUTLINELOOPNESTSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

/// Values a kernel recomputes instead of taking as arguments: constants and
/// strided views, which the bare-pointer calling convention could not pass
/// anyway. Views of the workspace are dense and are passed, and so are the
/// weights (globals): kernels of the same shape then differ in their
/// arguments only, and LLVM merges them into one function.
bool isRematerializable(Operation *op) {
  if (isa<memref::ViewOp, memref::GetGlobalOp>(op))
    return false;
  return isa<arith::ConstantOp>(op) || (isa<ViewLikeOpInterface>(op) && isMemoryEffectFree(op));
}

/// Arguments of the bare-pointer convention: scalars and dense static buffers.
bool isPassable(Value value) {
  if (auto type = dyn_cast<MemRefType>(value.getType()))
    return type.hasStaticShape() && type.getLayout().isIdentity();
  return value.getType().isIntOrIndexOrFloat();
}

/// Splits the values `nest` reads from outside into kernel arguments and the
/// ops to clone into the kernel (in dependency order). Fails when a value can
/// be neither passed nor rebuilt.
LogicalResult partitionCaptures(Operation *nest, SetVector<Value> &arguments,
                                SetVector<Operation *> &clones) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(nest->getRegions(), captured);
  captured.insert(nest->getOperands().begin(), nest->getOperands().end());
  std::function<LogicalResult(Value)> visit = [&](Value value) -> LogicalResult {
    Operation *definingOp = value.getDefiningOp();
    if (definingOp && isRematerializable(definingOp)) {
      if (clones.contains(definingOp))
        return success();
      for (Value operand : definingOp->getOperands())
        if (failed(visit(operand)))
          return failure();
      clones.insert(definingOp);
      return success();
    }
    if (!isPassable(value))
      return failure();
    arguments.insert(value);
    return success();
  };
  for (Value value : captured)
    if (failed(visit(value)))
      return failure();
  return success();
}

/// The iteration count of a parallel loop (a one-dimensional scf.forall)
/// that a thread pool can split, computed before the loop: a constant step,
/// and only buffers and indices captured (they travel to the pool's threads
/// as an array of pointer-sized values). Bounds known only at run time (a
/// sequence length) give a count computed at run time (0 when the range is
/// empty); a range known to be empty is not split.
std::optional<Value> buildSplittableTripCount(OpBuilder &builder, scf::ForallOp loop,
                                              const SetVector<Value> &arguments) {
  if (loop.getRank() != 1 || !llvm::all_of(arguments, [](Value value) {
        return isa<MemRefType>(value.getType()) || value.getType().isIndex();
      }))
    return std::nullopt;
  std::optional<int64_t> step = getConstantIntValue(loop.getMixedStep()[0]);
  if (!step || *step <= 0)
    return std::nullopt;
  Location loc = loop.getLoc();
  OpFoldResult lowerBound = loop.getMixedLowerBound()[0];
  OpFoldResult upperBound = loop.getMixedUpperBound()[0];
  std::optional<int64_t> lower = getConstantIntValue(lowerBound);
  std::optional<int64_t> upper = getConstantIntValue(upperBound);
  if (lower && upper) {
    if (*upper <= *lower)
      return std::nullopt;
    return arith::ConstantIndexOp::create(builder, loc,
                                          llvm::divideCeilSigned(*upper - *lower, *step))
        .getResult();
  }
  Value span = arith::SubIOp::create(builder, loc,
                                     getValueOrCreateConstantIndexOp(builder, loc, upperBound),
                                     getValueOrCreateConstantIndexOp(builder, loc, lowerBound));
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value stepValue = arith::ConstantIndexOp::create(builder, loc, *step);
  return arith::CeilDivSIOp::create(builder, loc, arith::MaxSIOp::create(builder, loc, span, zero),
                                    stepValue)
      .getResult();
}

/// Makes the cloned `loop` run only iterations [begin, end) of its range.
void restrictToIterations(OpBuilder &builder, scf::ForOp loop, Value begin, Value end) {
  Location loc = loop.getLoc();
  builder.setInsertionPoint(loop);
  Value lower = loop.getLowerBound(), step = loop.getStep();
  auto boundAt = [&](Value iteration) {
    Value offset = arith::MulIOp::create(builder, loc, iteration, step);
    return arith::AddIOp::create(builder, loc, lower, offset).getResult();
  };
  Value upper = arith::MinSIOp::create(builder, loc, boundAt(end), loop.getUpperBound());
  loop.getLowerBoundMutable().assign(boundAt(begin));
  loop.getUpperBoundMutable().assign(upper);
}

struct OutlineLoopNestsPass : mbert::impl::OutlineLoopNestsPassBase<OutlineLoopNestsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp entry = mbert::lookupSingleBlockEntry(module, "outline-loop-nests");
    if (!entry)
      return signalPassFailure();
    // Loop nests of the entry block, and those of its parallel regions,
    // whose kernels run in turn within each of the region's slots.
    SmallVector<Operation *> nests;
    DenseMap<Operation *, SmallVector<Operation *>> regionNests;
    for (Operation &op : entry.getBody().front()) {
      if (isa<scf::ForOp, scf::ForallOp>(op))
        nests.push_back(&op);
      if (auto region = dyn_cast<mbert::model::ParallelRegionOp>(op))
        for (Operation &loop : region.getBody().front()) {
          nests.push_back(&loop);
          regionNests[region].push_back(&loop);
        }
    }
    // The nests that became kernels with an iteration range (compared by
    // address only: they are erased as they are outlined).
    DenseSet<Operation *> splitNests;
    IRRewriter builder(&getContext());
    SymbolTable symbols(module);
    auto noInline = builder.getArrayAttr({builder.getStringAttr("noinline")});
    for (auto [index, nest] : llvm::enumerate(nests)) {
      SetVector<Value> arguments;
      SetVector<Operation *> clones;
      if (failed(partitionCaptures(nest, arguments, clones)) || nest->getNumResults() != 0)
        continue;

      // A parallel loop's kernel runs a range [begin, end) of its iterations,
      // so that a thread pool can hand each thread a share.
      builder.setInsertionPoint(nest);
      auto parallelLoop = dyn_cast<scf::ForallOp>(nest);
      std::optional<Value> tripCount;
      if (parallelLoop)
        tripCount = buildSplittableTripCount(builder, parallelLoop, arguments);
      SmallVector<Type> argumentTypes(ValueRange(arguments.getArrayRef()).getTypes());
      if (tripCount)
        argumentTypes.append(2, builder.getIndexType());

      builder.setInsertionPoint(entry);
      auto type = builder.getFunctionType(argumentTypes, {});
      auto kernel = func::FuncOp::create(builder, nest->getLoc(),
                                         entry.getSymName().str() + "_kernel" + std::to_string(index),
                                         type);
      kernel.setPrivate();
      // Private symbols still lower to external LLVM linkage; kernels are not
      // part of the object's ABI, so keep them internal.
      kernel->setAttr("llvm.linkage",
                      LLVM::LinkageAttr::get(&getContext(), LLVM::Linkage::Internal));
      // Left to itself LLVM would inline every single-call kernel back.
      kernel->setAttr("passthrough", noInline);
      symbols.insert(kernel);
      Block *body = kernel.addEntryBlock();
      IRMapping mapping;
      for (auto [outer, inner] : llvm::zip(arguments, body->getArguments()))
        mapping.map(outer, inner);
      builder.setInsertionPointToStart(body);
      for (Operation *op : clones)
        builder.clone(*op, mapping);
      Operation *clonedNest = builder.clone(*nest, mapping);
      func::ReturnOp::create(builder, nest->getLoc());
      SmallVector<Value> callOperands(arguments.begin(), arguments.end());
      if (tripCount) {
        // The kernel runs its share of the iterations in turn.
        SmallVector<Operation *> sequential;
        if (failed(scf::forallToForLoop(builder, cast<scf::ForallOp>(clonedNest), &sequential)))
          return signalPassFailure();
        mbert::model::setIterationRange(
            kernel, {static_cast<unsigned>(arguments.size()),
                     static_cast<unsigned>(arguments.size() + 1)});
        restrictToIterations(builder, cast<scf::ForOp>(sequential.front()),
                             body->getArgument(arguments.size()),
                             body->getArgument(arguments.size() + 1));
        builder.setInsertionPoint(nest);
        callOperands.push_back(arith::ConstantIndexOp::create(builder, nest->getLoc(), 0));
        callOperands.push_back(*tripCount);
      }
      builder.setInsertionPoint(nest);
      func::CallOp::create(builder, nest->getLoc(), kernel, callOperands);
      if (tripCount)
        splitNests.insert(nest);
      nest->erase();
    }
    // A region runs kernels with iteration ranges only; if one of its loops
    // did not become one, its ops run in turn like any others.
    for (auto region : llvm::make_early_inc_range(
             entry.getBody().front().getOps<mbert::model::ParallelRegionOp>())) {
      if (llvm::all_of(regionNests[region],
                       [&](Operation *nest) { return splitNests.contains(nest); }))
        continue;
      Block &body = region.getBody().front();
      entry.getBody().front().getOperations().splice(region->getIterator(), body.getOperations());
      region->erase();
    }
  }
};

} // namespace
