//===- FormParallelRegions.cpp - row-partitioned loops without barriers ---===//
//
// Every parallel loop of the entry point is a call of the thread pool, which
// returns once all of the loop's iterations are done: a barrier. Between two
// GEMMs split into the same blocks of rows, one block per thread
// (#mbert.row_partition), that barrier orders nothing: block b of the second
// reads, of what the first wrote, only block b's rows, which block b of the
// first wrote. Running block b of both on one thread, in turn, gives the same
// results with one barrier less.
//
// This pass puts each run of two or more such loops that follow one another
// in the entry block into an mbert.parallel_region. Ops between them that
// neither read nor write memory (constants, views, allocations) move before
// the region. The memory plan then lets two buffers of the region share bytes
// only where block b's bytes of one are block b's bytes of the other, so that
// no slot of the region writes bytes that another slot may still be reading.
//
// A loop belongs to a run only if its iteration count is T * m with T the
// mbert.pool_threads that the partition's blocks are counted in (T itself
// when m = 1).
//
//===----------------------------------------------------------------------===//

#include "dialects/MBert/MBertOps.h"
#include "passes/EntryFunction.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mbert {
#define GEN_PASS_DEF_FORMPARALLELREGIONSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

namespace model = mbert::model;

/// A loop a region can take: a one-dimensional scf.forall from 0 by 1 with
/// a #mbert.row_partition, whose count is an mbert.pool_threads or a
/// multiple of one.
struct PartitionedLoop {
  model::RowPartitionAttr partition;
  /// The pool_threads the count multiplies: the partition's T.
  Value threads;
};

std::optional<PartitionedLoop> getPartitionedLoop(Operation *op) {
  auto loop = dyn_cast<scf::ForallOp>(op);
  if (!loop || loop.getRank() != 1 || !loop.getResults().empty())
    return std::nullopt;
  auto partition = loop->getAttrOfType<model::RowPartitionAttr>(model::kRowPartitionAttrName);
  if (!partition || !isConstantIntValue(loop.getMixedLowerBound()[0], 0) ||
      !isConstantIntValue(loop.getMixedStep()[0], 1))
    return std::nullopt;
  auto count = dyn_cast_if_present<Value>(loop.getMixedUpperBound()[0]);
  if (!count)
    return std::nullopt;
  // T itself (m = 1: a loop over the blocks, such as a row quantization's).
  if (count.getDefiningOp<model::PoolThreadsOp>())
    return PartitionedLoop{partition, count};
  auto product = count.getDefiningOp<arith::MulIOp>();
  if (!product)
    return std::nullopt;
  for (Value factor : product->getOperands())
    if (factor.getDefiningOp<model::PoolThreadsOp>())
      return PartitionedLoop{partition, factor};
  return std::nullopt;
}

/// Ops that may move from between two loops of a run to before its first:
/// allocations, and ops that neither read nor write memory.
bool canMoveBeforeRegion(Operation &op) {
  if (op.getNumRegions() != 0)
    return false;
  return isa<memref::AllocOp>(op) || isMemoryEffectFree(&op);
}

/// Wraps `loops` (two or more, in block order) into one region of
/// `threads` slots, after moving `between`, the ops among them, before the
/// first.
void formRegion(ArrayRef<Operation *> loops, ArrayRef<Operation *> between, Value threads) {
  Operation *first = loops.front();
  for (Operation *op : between)
    op->moveBefore(first);
  OpBuilder builder(first);
  Location loc = first->getLoc();
  Value threadCount =
      arith::IndexCastOp::create(builder, loc, builder.getI64Type(), threads).getResult();
  auto region = model::ParallelRegionOp::create(builder, loc, threadCount);
  Block *body = builder.createBlock(&region.getBody());
  for (Operation *loop : loops)
    loop->moveBefore(body, body->end());
}

struct FormParallelRegionsPass : mbert::impl::FormParallelRegionsPassBase<FormParallelRegionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp entry = mbert::lookupSingleBlockEntry(module, "form-parallel-regions");
    if (!entry)
      return signalPassFailure();
    // The run's loops, the ops between them, and those after its last loop
    // so far (which move only if another loop joins the run).
    SmallVector<Operation *> loops, between, pending;
    model::RowPartitionAttr runPartition;
    Value runThreads;
    auto closeRun = [&] {
      if (loops.size() >= 2) {
        formRegion(loops, between, runThreads);
        ++regions;
        loopsInRegions += loops.size();
      }
      loops.clear();
      between.clear();
      pending.clear();
      runPartition = {};
    };
    for (Operation &op : llvm::make_early_inc_range(entry.getBody().front())) {
      if (std::optional<PartitionedLoop> loop = getPartitionedLoop(&op)) {
        if (loop->partition != runPartition)
          closeRun();
        if (loops.empty())
          runThreads = loop->threads;
        runPartition = loop->partition;
        llvm::append_range(between, pending);
        pending.clear();
        loops.push_back(&op);
        continue;
      }
      if (!loops.empty() && canMoveBeforeRegion(op)) {
        pending.push_back(&op);
        continue;
      }
      closeRun();
    }
    closeRun();
  }
};

} // namespace
