//===- PlanMemory.cpp - one workspace arena for every intermediate --------===//
//
// After bufferization the entry function allocates each intermediate tensor.
// Generated code must not allocate, so this pass places every allocation at
// an offset in one caller-provided workspace. Two buffers may share bytes when
// their lifetimes do not overlap; offsets are chosen greedily, largest buffer
// first, at the lowest aligned offset that no overlapping buffer occupies. A
// buffer sized by the run-time sequence length gets the bytes of the largest
// length.
//
// The pass also completes the entry point's arguments: bufferization's out
// parameters become its outputs, and it adds the workspace.
//
//===----------------------------------------------------------------------===//

#include "dialects/MBert/EntryPoint.h"
#include "mbert/ModelSignature.h"
#include "passes/EntryFunction.h"
#include "passes/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mbert {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

namespace model = mbert::model;

/// What buffer-results-to-out-params{add-result-attr} puts on the
/// parameters it appends.
constexpr llvm::StringLiteral kOutParameterAttr = "bufferize.result";

struct Buffer {
  memref::AllocOp alloc;
  uint64_t size;
  /// Positions in the entry block of the first and last op touching it.
  unsigned begin;
  unsigned end;
  uint64_t offset = 0;
};

uint64_t alignTo(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// Position of the last op in `block` that uses `value` or a view of it.
/// Uses inside loops count at the loop, which keeps the buffer alive for the
/// whole loop; uses inside an mbert.parallel_region count at the region,
/// whose loops may run at the same time on different threads.
unsigned findLastUse(Value value, Block &block, const DenseMap<Operation *, unsigned> &positions) {
  unsigned last = 0;
  SmallVector<Value> worklist = {value};
  while (!worklist.empty()) {
    Value current = worklist.pop_back_val();
    for (Operation *user : current.getUsers()) {
      // The dealloc goes away with the alloc; it must not extend the lifetime.
      if (isa<memref::DeallocOp>(user))
        continue;
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (ancestor)
        last = std::max(last, positions.lookup(ancestor));
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == current)
          llvm::append_range(worklist, user->getResults());
    }
  }
  return last;
}

/// Lowest aligned offset for `buffer` that overlaps no placed buffer whose
/// lifetime intersects its own.
uint64_t findOffset(const Buffer &buffer, ArrayRef<const Buffer *> placed) {
  SmallVector<const Buffer *> conflicts;
  for (const Buffer *other : placed)
    if (other->begin <= buffer.end && buffer.begin <= other->end)
      conflicts.push_back(other);
  llvm::sort(conflicts, [](const Buffer *a, const Buffer *b) { return a->offset < b->offset; });
  uint64_t offset = 0;
  for (const Buffer *other : conflicts) {
    if (offset + buffer.size <= other->offset)
      break;
    offset = std::max(offset, alignTo(other->offset + other->size, mbert::kWorkspaceAlignment));
  }
  return offset;
}

struct PlanMemoryPass : mbert::impl::PlanMemoryPassBase<PlanMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp entry = mbert::lookupSingleBlockEntry(module, "plan-memory");
    if (!entry)
      return signalPassFailure();
    Block &block = entry.getBody().front();
    // buffer-results-to-out-params marks the parameters it appends.
    for (BlockArgument argument : entry.getArguments())
      if (entry.getArgAttr(argument.getArgNumber(), kOutParameterAttr)) {
        entry.removeArgAttr(argument.getArgNumber(), kOutParameterAttr);
        model::setEntryArgumentKind(entry, argument.getArgNumber(),
                                    model::EntryArgumentKind::Output);
      }
    SmallVector<BlockArgument> lengths =
        model::getEntryArguments(entry, model::EntryArgumentKind::SequenceLength);
    Value length = lengths.empty() ? Value() : Value(lengths.front());
    auto maxLength = module->getAttrOfType<IntegerAttr>(mbert::kMaxSequenceLengthAttr);

    DenseMap<Operation *, unsigned> positions;
    SmallVector<Buffer> buffers;
    for (auto [index, op] : llvm::enumerate(block)) {
      positions[&op] = index;
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      MemRefType type = alloc.getType();
      // Dynamic extents must be the sequence length, whose largest value
      // sizes the buffer.
      bool boundedBySequence =
          length && maxLength &&
          llvm::all_of(alloc.getDynamicSizes(), [&](Value size) { return size == length; });
      if (!type.getLayout().isIdentity() || !type.getElementType().isIntOrFloat() ||
          (!type.hasStaticShape() && !boundedBySequence)) {
        alloc.emitError("cannot plan a non-identity buffer or one whose dynamic extents are not "
                        "the sequence length: ")
            << type;
        return signalPassFailure();
      }
      uint64_t elements = 1;
      for (int64_t extent : type.getShape())
        elements *= ShapedType::isDynamic(extent) ? maxLength.getInt() : extent;
      uint64_t bits = elements * type.getElementTypeBitWidth();
      buffers.push_back({alloc, (bits + 7) / 8, static_cast<unsigned>(index), 0});
    }
    // An allocation left inside a loop would become a heap allocation at run
    // time, which the ABI forbids.
    WalkResult nested = entry.walk([&](memref::AllocOp alloc) {
      if (alloc->getBlock() != &block) {
        alloc.emitError("cannot plan an allocation nested in a loop or region");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (nested.wasInterrupted())
      return signalPassFailure();
    // Views of an allocation can escape the entry block only through the
    // terminator, which buffer-results-to-out-params has already removed.
    for (Buffer &buffer : buffers) {
      buffer.end = std::max(buffer.begin, findLastUse(buffer.alloc, block, positions));
      SmallVector<Operation *> deallocs;
      for (Operation *user : buffer.alloc->getUsers())
        if (isa<memref::DeallocOp>(user))
          deallocs.push_back(user);
      for (Operation *dealloc : deallocs)
        dealloc->erase();
    }

    SmallVector<Buffer *> bySize;
    for (Buffer &buffer : buffers)
      bySize.push_back(&buffer);
    // Largest first; ties in program order so the plan is deterministic.
    llvm::sort(bySize, [](const Buffer *a, const Buffer *b) {
      return a->size != b->size ? a->size > b->size : a->begin < b->begin;
    });
    SmallVector<const Buffer *> placed;
    uint64_t workspaceSize = 0;
    for (Buffer *buffer : bySize) {
      buffer->offset = findOffset(*buffer, placed);
      workspaceSize = std::max(workspaceSize, buffer->offset + buffer->size);
      placed.push_back(buffer);
    }
    workspaceSize = alignTo(workspaceSize, mbert::kWorkspaceAlignment);

    // The peak of simultaneously live bytes is the lower bound any plan can
    // reach; it is recorded next to the plan's size to judge the packing.
    uint64_t peakLiveBytes = 0;
    for (unsigned position = 0; position < block.getOperations().size(); ++position) {
      uint64_t live = 0;
      for (const Buffer &buffer : buffers)
        if (buffer.begin <= position && position <= buffer.end)
          live += buffer.size;
      peakLiveBytes = std::max(peakLiveBytes, live);
    }

    OpBuilder builder(entry.getContext());
    auto workspaceType = MemRefType::get({static_cast<int64_t>(workspaceSize)}, builder.getI8Type());
    unsigned workspaceIndex = entry.getNumArguments();
    if (failed(entry.insertArgument(workspaceIndex, workspaceType, {}, entry.getLoc())))
      return signalPassFailure();
    model::setEntryArgumentKind(entry, workspaceIndex, model::EntryArgumentKind::Workspace);
    Value workspace = entry.getArgument(workspaceIndex);
    for (Buffer &buffer : buffers) {
      builder.setInsertionPoint(buffer.alloc);
      Location loc = buffer.alloc.getLoc();
      Value offset = arith::ConstantIndexOp::create(builder, loc, buffer.offset);
      Value view = memref::ViewOp::create(builder, loc, buffer.alloc.getType(), workspace, offset,
                                          buffer.alloc.getDynamicSizes());
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    module->setAttr(mbert::kWorkspaceSizeAttr, builder.getI64IntegerAttr(workspaceSize));
    module->setAttr(mbert::kPeakLiveBytesAttr, builder.getI64IntegerAttr(peakLiveBytes));
  }
};

} // namespace
