//===- PlanMemory.cpp - one workspace arena for every intermediate --------===//
//
// After bufferization the entry function allocates each intermediate tensor.
// Generated code must not allocate, so this pass places every allocation at
// an offset in one caller-provided workspace. Two buffers may share bytes when
// their lifetimes do not overlap; offsets are chosen greedily, largest buffer
// first, at the lowest aligned offset that no conflicting buffer occupies. A
// buffer sized by the run-time sequence length gets the bytes of the largest
// length.
//
// Lifetimes are read on a clock that ticks once per op of the entry block and
// once per loop of an mbert.parallel_region. The loops of a region do not
// wait for each other: while thread b runs block b of a later loop, another
// thread may still run its block of an earlier one. So two buffers that the
// region's loops use at different ticks share bytes only where that cannot
// race: when both are laid out in the rows of the region's
// #mbert.row_partition with the same bytes per row and start at the same
// offset, block b's rows of one are exactly block b's rows of the other, which
// only thread b touches, in order.
//
// The pass also completes the entry point's arguments: bufferization's out
// parameters become its outputs, and it adds the workspace.
//
//===----------------------------------------------------------------------===//

#include "dialects/MBert/EntryPoint.h"
#include "dialects/MBert/MBertOps.h"
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

/// The ticks of one mbert.parallel_region: one per loop, in order.
struct RegionSpan {
  unsigned first, last;
  /// The partition all of its loops share; null if they do not.
  model::RowPartitionAttr partition;
};

/// When each op of the entry block runs: the tick of an op nested in a
/// loop is the loop's, which keeps a buffer alive for the whole loop.
struct Timeline {
  explicit Timeline(Block &block) : block(block) {
    unsigned tick = 0;
    for (Operation &op : block) {
      auto region = dyn_cast<model::ParallelRegionOp>(op);
      if (!region) {
        ticks[&op] = tick++;
        continue;
      }
      Block &body = region.getBody().front();
      auto partition =
          body.empty()
              ? model::RowPartitionAttr()
              : body.front().getAttrOfType<model::RowPartitionAttr>(model::kRowPartitionAttrName);
      RegionSpan span{tick, tick, partition};
      for (Operation &loop : body) {
        if (loop.getAttrOfType<model::RowPartitionAttr>(model::kRowPartitionAttrName) != partition)
          span.partition = {};
        span.last = tick;
        ticks[&loop] = tick++;
      }
      regionOf[region] = regions.size();
      regions.push_back(span);
    }
    tickCount = tick;
  }

  /// The tick of `op`, nested anywhere in the entry block, and the index of
  /// the region it runs in, if any.
  std::pair<unsigned, std::optional<unsigned>> locate(Operation &op) const {
    Operation *ancestor = block.findAncestorOpInBlock(op);
    auto region = dyn_cast<model::ParallelRegionOp>(ancestor);
    if (!region)
      return {ticks.lookup(ancestor), std::nullopt};
    Operation *loop = region.getBody().front().findAncestorOpInBlock(op);
    return {ticks.lookup(loop), regionOf.lookup(region)};
  }

  /// The region whose ticks meet both [begin, end] intervals, if any. There
  /// is at most one for two disjoint intervals.
  std::optional<unsigned> findRegionMeeting(unsigned aBegin, unsigned aEnd, unsigned bBegin,
                                            unsigned bEnd) const {
    for (auto [index, span] : llvm::enumerate(regions))
      if (span.first <= aEnd && aBegin <= span.last && span.first <= bEnd && bBegin <= span.last)
        return index;
    return std::nullopt;
  }

  Block &block;
  DenseMap<Operation *, unsigned> ticks;
  DenseMap<Operation *, unsigned> regionOf;
  SmallVector<RegionSpan> regions;
  unsigned tickCount;
};

/// How a region's loops see a buffer: `rowBytes` bytes per row of the
/// region's partition, row r at bytes [r * rowBytes, (r + 1) * rowBytes);
/// none when some loop of the region sees it otherwise.
struct RegionLayout {
  unsigned region;
  std::optional<uint64_t> rowBytes;
};

struct Buffer {
  Buffer(memref::AllocOp alloc, uint64_t size) : alloc(alloc), size(size) {}

  memref::AllocOp alloc;
  uint64_t size;
  /// Ticks of the first and last op that reads or writes it.
  unsigned begin = 0;
  unsigned end = 0;
  SmallVector<RegionLayout, 1> regionLayouts;
  uint64_t offset = 0;

  std::optional<uint64_t> getRowBytes(unsigned region) const {
    for (const RegionLayout &layout : regionLayouts)
      if (layout.region == region)
        return layout.rowBytes;
    return std::nullopt;
  }
};

uint64_t alignTo(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// The bytes per row of the partition's rows in a buffer of `bufferBytes`
/// that a loop reaches through a view of type `type`, when row r of the view
/// is bytes [r * rowBytes, (r + 1) * rowBytes) of the buffer (or, for a view
/// that stores rows in pairs, pair p is [2p * rowBytes, (2p + 2) *
/// rowBytes)). The rows are the view's first dimension whose extent is not 1
/// (#mbert.row_partition).
std::optional<uint64_t> getPartitionRowBytes(MemRefType type, model::RowPartitionAttr partition,
                                             uint64_t bufferBytes) {
  SmallVector<int64_t> strides;
  int64_t offset;
  unsigned bits = type.getElementTypeBitWidth();
  if (!type.hasStaticShape() || bits % 8 != 0 ||
      failed(type.getStridesAndOffset(strides, offset)) || ShapedType::isDynamic(offset) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return std::nullopt;
  ArrayRef<int64_t> shape = type.getShape();
  const auto *rowDim = llvm::find_if(shape, [](int64_t extent) { return extent != 1; });
  if (rowDim == shape.end())
    return std::nullopt;
  unsigned rowAxis = rowDim - shape.begin();
  int64_t elementBytes = bits / 8;
  int64_t strideBytes = strides[rowAxis] * elementBytes;
  // Everything of one row (or pair) lies within its stride.
  int64_t rowEnd = offset + 1;
  for (unsigned axis = rowAxis + 1; axis < shape.size(); ++axis)
    rowEnd += (shape[axis] - 1) * strides[axis];
  if (offset < 0 || rowEnd * elementBytes > strideBytes)
    return std::nullopt;
  int64_t rows = partition.getRows();
  if (*rowDim == rows && static_cast<uint64_t>(rows * strideBytes) == bufferBytes)
    return strideBytes;
  int64_t pairs = (rows + 1) / 2;
  if (rows > 2 && *rowDim == pairs && partition.getTileRows() % 2 == 0 &&
      static_cast<uint64_t>(pairs * strideBytes) == bufferBytes && strideBytes % 2 == 0)
    return strideBytes / 2;
  return std::nullopt;
}

/// Fills in when `buffer` is read or written, through views, and how each
/// region that uses it lays out its rows.
void traceUses(Buffer &buffer, const Timeline &timeline) {
  std::optional<std::pair<unsigned, unsigned>> span;
  auto recordLayout = [&](unsigned region, std::optional<uint64_t> rowBytes) {
    for (RegionLayout &layout : buffer.regionLayouts)
      if (layout.region == region) {
        if (layout.rowBytes != rowBytes)
          layout.rowBytes = std::nullopt;
        return;
      }
    buffer.regionLayouts.push_back({region, rowBytes});
  };
  // Views made outside regions; a region's loops make their own views of
  // these, which count as uses of them.
  SmallVector<Value> worklist = {buffer.alloc};
  while (!worklist.empty()) {
    Value current = worklist.pop_back_val();
    for (Operation *user : current.getUsers()) {
      // The dealloc goes away with the alloc; it must not extend the lifetime.
      if (isa<memref::DeallocOp>(user))
        continue;
      auto [tick, region] = timeline.locate(*user);
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (!region && view && view.getViewSource() == current) {
        // A view touches no memory: its users do.
        llvm::append_range(worklist, user->getResults());
        continue;
      }
      span = span ? std::make_pair(std::min(span->first, tick), std::max(span->second, tick))
                  : std::make_pair(tick, tick);
      if (!region)
        continue;
      model::RowPartitionAttr partition = timeline.regions[*region].partition;
      auto type = dyn_cast<MemRefType>(current.getType());
      recordLayout(*region, partition && type ? getPartitionRowBytes(type, partition, buffer.size)
                                              : std::nullopt);
    }
  }
  unsigned allocTick = timeline.ticks.lookup(buffer.alloc);
  std::tie(buffer.begin, buffer.end) = span.value_or(std::make_pair(allocTick, allocTick));
}

/// Where two buffers may lie relative to each other.
enum class Overlap {
  /// Anywhere: one is dead before the other is first touched, with a
  /// barrier between.
  Allowed,
  /// On disjoint bytes, or on the same bytes from the same offset: a
  /// region's loops use them at different ticks, row by row alike.
  AtSameOffset,
  Forbidden,
};

Overlap getAllowedOverlap(const Buffer &a, const Buffer &b, const Timeline &timeline) {
  if (a.begin <= b.end && b.begin <= a.end)
    return Overlap::Forbidden;
  std::optional<unsigned> region = timeline.findRegionMeeting(a.begin, a.end, b.begin, b.end);
  if (!region)
    return Overlap::Allowed;
  std::optional<uint64_t> rowBytes = a.getRowBytes(*region);
  return rowBytes && rowBytes == b.getRowBytes(*region) ? Overlap::AtSameOffset
                                                        : Overlap::Forbidden;
}

/// Lowest aligned offset for `buffer` that every placed buffer allows.
uint64_t findOffset(const Buffer &buffer, ArrayRef<const Buffer *> placed,
                    const Timeline &timeline) {
  SmallVector<std::pair<const Buffer *, Overlap>> constraints;
  SmallVector<uint64_t> candidates = {0};
  for (const Buffer *other : placed) {
    Overlap overlap = getAllowedOverlap(buffer, *other, timeline);
    if (overlap == Overlap::Allowed)
      continue;
    constraints.push_back({other, overlap});
    candidates.push_back(alignTo(other->offset + other->size, mbert::kWorkspaceAlignment));
    if (overlap == Overlap::AtSameOffset)
      candidates.push_back(other->offset);
  }
  llvm::sort(candidates);
  auto allows = [&](uint64_t offset) {
    return llvm::all_of(constraints, [&](auto constraint) {
      auto [other, overlap] = constraint;
      bool disjoint =
          offset + buffer.size <= other->offset || other->offset + other->size <= offset;
      return disjoint || (overlap == Overlap::AtSameOffset && offset == other->offset);
    });
  };
  // The end of the highest constraint is always allowed.
  return *llvm::find_if(candidates, allows);
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

    SmallVector<Buffer> buffers;
    for (Operation &op : block) {
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
      buffers.emplace_back(alloc, (bits + 7) / 8);
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
    Timeline timeline(block);
    for (Buffer &buffer : buffers) {
      traceUses(buffer, timeline);
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
      buffer->offset = findOffset(*buffer, placed, timeline);
      workspaceSize = std::max(workspaceSize, buffer->offset + buffer->size);
      placed.push_back(buffer);
    }
    workspaceSize = alignTo(workspaceSize, mbert::kWorkspaceAlignment);

    // The peak of simultaneously live bytes is the lower bound any plan can
    // reach; it is recorded next to the plan's size to judge the packing.
    uint64_t peakLiveBytes = 0;
    for (unsigned tick = 0; tick < timeline.tickCount; ++tick) {
      uint64_t live = 0;
      for (const Buffer &buffer : buffers)
        if (buffer.begin <= tick && tick <= buffer.end)
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
