//===- RegisterTiledGemm.cpp - GEMM microkernels with register tiles ------===//

#include "RegisterTiledGemm.h"

#include "StructuredBuilders.h"
#include "mbert/Conversion/LowerToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using mbert::model::KernelInstruction;
using mbert::model::MicroKernelAttr;

namespace mbert {

namespace {

/// Rows per iteration of a row quantization that no GEMM partition splits
/// (rows known only at run time, or no pool): enough for the two passes over
/// them to overlap consecutive rows, few enough to spread over the pool's
/// threads at MobileBERT's lengths; even, since SMMLA stores rows in pairs.
constexpr int64_t kQuantizedChunkRows = 8;

/// Accumulator vectors per row of the kernel's tile: one vector of the whole
/// width, except where an instruction writes narrower ones (SDOT four int32
/// lanes, the x86 kernels half the row per register). SMMLA's are 2 x 2
/// blocks of two rows and two columns: nr / 2 per pair of rows.
int64_t getAccumulatorChunksPerRow(MicroKernelAttr kernel) {
  switch (kernel.getInstruction()) {
  case KernelInstruction::Sdot:
  case KernelInstruction::Smmla:
    return kernel.getNr() / 4;
  case KernelInstruction::Pmaddwd:
  case KernelInstruction::Pmaddubsw:
  case KernelInstruction::PmaddubswPair:
  case KernelInstruction::Vpdpbusd:
    return 2;
  default:
    return 1;
  }
}

/// The bits of one of the target's vector registers, as the kernel's
/// accumulators show: each holds nr / chunks lanes of its accumulator type.
int64_t getVectorRegisterBits(MicroKernelAttr kernel) {
  return kernel.getNr() / getAccumulatorChunksPerRow(kernel) *
         kernel.getAccumulator().getIntOrFloatBitWidth();
}

/// Rows [firstRow, endRow) of a GEMM's result, computed `tileRows` at a time.
struct RowTiles {
  Value firstRow, endRow;
  int64_t tileRows;
};

/// The blocks, one per thread, that a GEMM's rows are split into: `blocks`
/// blocks of whole tiles of `split` (block k starts at tile k * tiles /
/// blocks), the last one ending at row `rows`, past the split's end. The
/// row quantization before an int8 GEMM splits its rows the same way, so
/// that each thread quantizes the rows its block of the GEMM reads.
class RowBlocks {
public:
  RowBlocks(OpBuilder &b, Location loc, const RowTiles &split, int64_t rows, Value blocks)
      : split(split), rows(rows), blocks(blocks) {
    splitTiles =
        arith::DivUIOp::create(b, loc, arith::SubIOp::create(b, loc, split.endRow, split.firstRow),
                               arith::ConstantIndexOp::create(b, loc, split.tileRows));
    // One block per thread of the pool: the pool says where each starts.
    if (blocks.getDefiningOp<model::PoolThreadsOp>())
      blockStarts = model::PoolBlockStartsOp::create(b, loc);
  }

  /// Block `block`'s rows [start, end).
  std::pair<Value, Value> bounds(OpBuilder &b, Location loc, Value block) const {
    Value next = arith::AddIOp::create(b, loc, block, arith::ConstantIndexOp::create(b, loc, 1));
    Value isLast = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, next, blocks);
    Value nextShare = shareBefore(b, loc, next);
    Value whole = shareBefore(b, loc, blocks);
    Value end =
        arith::SelectOp::create(b, loc, isLast, arith::ConstantIndexOp::create(b, loc, rows),
                                start(b, loc, nextShare, whole));
    return {start(b, loc, shareBefore(b, loc, block), whole), end};
  }

private:
  /// How much of the rows the blocks before `block` take, out of
  /// shareBefore(blocks): the pool's table s[block], or `block` itself.
  Value shareBefore(OpBuilder &b, Location loc, Value block) const {
    if (!blockStarts)
      return block;
    Value start = memref::LoadOp::create(b, loc, blockStarts, ValueRange{block});
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), start);
  }

  /// The first row of a block that starts `share` / `whole` of the way
  /// through the tiles.
  Value start(OpBuilder &b, Location loc, Value share, Value whole) const {
    Value tile =
        arith::DivUIOp::create(b, loc, arith::MulIOp::create(b, loc, share, splitTiles), whole);
    Value offset = tile;
    if (split.tileRows != 1)
      offset = arith::MulIOp::create(b, loc, tile,
                                     arith::ConstantIndexOp::create(b, loc, split.tileRows));
    return arith::AddIOp::create(b, loc, split.firstRow, offset);
  }

  RowTiles split;
  int64_t rows;
  Value blocks, splitTiles;
  /// mbert.pool_block_starts when the blocks are the pool's threads.
  Value blockStarts;
};

/// How a GEMM tiles rows known at compile time: whole tiles of the kernel's
/// `mr` rows up to the last multiple of mr, then one shorter tile; fewer rows
/// than mr are one tile of all of them. `splitEnd` and `tileRows` are the
/// whole tiles its blocks are made of (RowBlocks' split).
struct StaticRowTiles {
  StaticRowTiles(int64_t rows, int64_t mr) : rows(rows) {
    int64_t fullTileRows = rows - rows % mr;
    splitEnd = fullTileRows > 0 ? fullTileRows : rows;
    tileRows = fullTileRows > 0 ? mr : rows;
  }

  model::RowPartitionAttr partition(MLIRContext *context) const {
    return model::RowPartitionAttr::get(context, rows, tileRows);
  }

  int64_t rows, splitEnd, tileRows;
};

/// The loops of one kernel shape over ranges of rows.
class GemmKernelBuilder {
public:
  GemmKernelBuilder(OpBuilder &b, Location loc, MicroKernelAttr kernel, Value lhs,
                    const QuantizedRows *quantized, Value lhsRowScale, const GemmRhs &rhs,
                    int64_t columns, int64_t depth, const GemmBounds &bounds,
                    GemmSeedBuilder buildSeed, bool relu)
      : b(b), loc(loc), kernel(kernel), instruction(kernel.getInstruction()), lhs(lhs),
        quantized(quantized), lhsRowScale(lhsRowScale), rhs(rhs), columns(columns), depth(depth),
        bounds(bounds), nr(kernel.getNr()), buildSeed(buildSeed), relu(relu),
        packed(getTensorType(rhs.matrix).getRank() == 4),
        outputType(VectorType::get({nr}, b.getF32Type())), columnsInBounds(columns % nr == 0) {
    // The packed [panels, K / kr, nr, kr] weight as [panels, K / kr, nr * kr]:
    // each step of the reduction reads one contiguous run of a panel.
    if (packed) {
      ArrayRef<int64_t> shape = getTensorType(rhs.matrix).getShape();
      panelRows = buildStaticReshape(
          b, loc, rhs.matrix,
          RankedTensorType::get({shape[0], shape[1], shape[2] * shape[3]},
                                getTensorType(rhs.matrix).getElementType()));
      if (prefetchesNextPanel()) {
        RankedTensorType type = getTensorType(panelRows);
        panelBuffer = bufferization::ToBufferOp::create(
            b, loc, MemRefType::get(type.getShape(), type.getElementType()), panelRows,
            /*read_only=*/true);
      }
    }
  }

  /// Computes the rows of `result` that `ranges` cover, each range
  /// `tileRows` at a time (tileRows divides it), in `rowBlocks` blocks of
  /// whole tiles of ranges.front() (the later ranges, the tails, go to the
  /// last block). The panel loop is outside the row loops: a panel of B is
  /// reused by every row tile of a block, the shorter tail tiles included,
  /// while it is in cache. (block, panel) pairs own disjoint parts of the
  /// result, so they run in parallel, in one parallel loop, block-major:
  /// a pool whose threads own equal contiguous shares of a loop (mbert's
  /// own) gives thread t block t of every GEMM when rowBlocks is its thread
  /// count, so that the next row-wise loops (the row quantization, the next
  /// GEMM's residual seed) read on each core the rows that core wrote.
  Value build(Value result, ArrayRef<RowTiles> ranges, Value rowBlocks) {
    Value panels = index(llvm::divideCeilSigned(columns, nr));
    if (bounds.columns)
      panels = arith::CeilDivUIOp::create(b, loc, bounds.columns, index(nr));
    int64_t rows = getTensorType(result).getDimSize(0);
    rowTileCount = std::max<int64_t>(1, llvm::divideCeilSigned(rows, kernel.getMr()));
    this->rowBlocks = rowBlocks;
    // The blocks are made of the whole tiles of the first range; the last
    // ends at the last allocated row.
    RowBlocks blocks(b, loc, ranges.front(), rows, rowBlocks);
    auto blockOf = [&](Value iteration) {
      return arith::DivUIOp::create(b, loc, iteration, panels).getResult();
    };
    auto panelOf = [&](Value iteration) {
      return arith::RemUIOp::create(b, loc, iteration, panels).getResult();
    };
    // The owned part's rows and panel, which the body reuses.
    Value firstRow, endRow, panel;
    auto ownedPart = [&](OpBuilder &, Value iteration) -> SmallVector<OwnedSlice> {
      std::tie(firstRow, endRow) = blocks.bounds(b, loc, blockOf(iteration));
      panel = panelOf(iteration);
      Value column = mulIndex(panel, nr);
      OpFoldResult width = b.getIndexAttr(nr);
      // The last panel of a width that is not a multiple of nr is narrower.
      if (!columnsInBounds)
        width = arith::MinSIOp::create(b, loc, index(nr),
                                       arith::SubIOp::create(b, loc, index(columns), column))
                    .getResult();
      auto type = RankedTensorType::get(
          {ShapedType::kDynamic, columnsInBounds ? nr : ShapedType::kDynamic}, b.getF32Type());
      Value height = arith::SubIOp::create(b, loc, endRow, firstRow);
      return {OwnedSlice{{firstRow, column}, {height, width}, type}};
    };
    return buildParallelLoop(
        b, loc, arith::MulIOp::create(b, loc, rowBlocks, panels).getResult(), result, ownedPart,
        [&](OpBuilder &, Value, ValueRange part) -> SmallVector<Value> {
          partFirstRow = firstRow;
          Value written = part[0];
          for (const RowTiles &range : ranges)
            written = scf::ForOp::create(
                          b, loc, arith::MaxUIOp::create(b, loc, range.firstRow, firstRow),
                          arith::MinUIOp::create(b, loc, range.endRow, endRow),
                          index(range.tileRows), written,
                          [&](OpBuilder &, Location, Value row, ValueRange rowCarried) {
                            scf::YieldOp::create(
                                b, loc, buildTile(rowCarried[0], panel, row, range.tileRows));
                          })
                          .getResult(0);
          return {written};
        })[0];
  }

  Value index(int64_t value) { return arith::ConstantIndexOp::create(b, loc, value); }

private:

  Value addIndex(Value base, int64_t offset) {
    return offset ? arith::AddIOp::create(b, loc, base, index(offset)).getResult() : base;
  }

  Value mulIndex(Value base, int64_t factor) {
    return factor == 1 ? base : arith::MulIOp::create(b, loc, base, index(factor)).getResult();
  }

  int64_t chunksPerRow() const { return getAccumulatorChunksPerRow(kernel); }

  int64_t accumulatorCount(int64_t tileRows) const {
    if (instruction == KernelInstruction::Smmla)
      return llvm::divideCeilSigned(tileRows, 2) * (nr / 2);
    return tileRows * chunksPerRow();
  }

  VectorType accumulatorType() {
    return VectorType::get({nr / chunksPerRow()}, kernel.getAccumulator());
  }

  /// Row r of the tile's integer accumulators as one vector of nr lanes.
  Value gatherRowAccumulator(ValueRange accumulators, int64_t r) {
    auto wideType = VectorType::get({nr}, b.getI32Type());
    if (instruction != KernelInstruction::Smmla && chunksPerRow() == 1)
      return accumulators[r];
    Value row = zeroVector(wideType);
    if (instruction == KernelInstruction::Smmla) {
      // Block q of row pair r / 2 holds [r0 c0, r0 c1, r1 c0, r1 c1] for
      // columns 2q and 2q + 1.
      int64_t half = r % 2 * 2, pairs = nr / 2;
      for (int64_t q = 0; q < pairs; ++q) {
        Value block = accumulators[(r / 2) * pairs + q];
        Value two = vector::ShuffleOp::create(b, loc, block, block,
                                              ArrayRef<int64_t>{half, half + 1});
        row = vector::InsertStridedSliceOp::create(b, loc, two, row, ArrayRef<int64_t>{2 * q},
                                                   ArrayRef<int64_t>{1});
      }
      return row;
    }
    int64_t width = accumulatorType().getNumElements();
    for (int64_t c = 0; c < chunksPerRow(); ++c)
      row = vector::InsertStridedSliceOp::create(b, loc, accumulators[r * chunksPerRow() + c],
                                                 row, ArrayRef<int64_t>{c * width},
                                                 ArrayRef<int64_t>{1});
    return row;
  }

  Value zeroVector(VectorType type) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
  }

  /// Whether the kernel prefetches the next panel (prefetchNextPanel): the
  /// x86 and portable kernels. The AArch64 kernels do not yet: they are
  /// judged in llvm-mca, where each PRFM takes a dispatch slot of the loop,
  /// and no phone here can show what it buys.
  bool prefetchesNextPanel() const {
    switch (instruction) {
    case KernelInstruction::Fma:
    case KernelInstruction::WideningMac:
    case KernelInstruction::Pmaddwd:
    case KernelInstruction::Pmaddubsw:
    case KernelInstruction::PmaddubswPair:
    case KernelInstruction::Vpdpbusd:
      return true;
    case KernelInstruction::FmaLane:
    case KernelInstruction::Sdot:
    case KernelInstruction::Smmla:
      return false;
    }
    llvm_unreachable("unknown kernel instruction");
  }

  /// At step `group` of the row tile that starts at `row`, asks for part of
  /// the panel after `panel` (the last panel asks for itself). A GEMM reads
  /// its weights once per run, and MobileBERT's f32 weights (100 MB) come
  /// from memory every run: unless asked for earlier, the first tile of each
  /// panel waits for them. Into L2 only (locality 2, PREFETCHT1 on x86): a
  /// whole panel (32 or 64 KB at K = 512) brought into L1 would evict the
  /// panel in use and the tile's rows of A. On bench/gemm.sh's 96
  /// feed-forward blocks at 128 rows (weights 48 MB), one thread, it was
  /// faster in 9 of 12 alternating pairs of runs (medians 45.1 and 42.7 ms).
  ///
  /// The requests are spread over the panel's row tiles: of T tiles, tile t
  /// asks for groups t * G / T up to (t + 1) * G / T of the next panel's G,
  /// step s for group (t * G + s) / T, so the next panel comes at an even
  /// rate while this one is computed, where asking for the whole next panel
  /// from every tile asked for all of it within the first tile (two lines
  /// per step) and again, for lines mostly in cache, from every later one.
  /// Spread, the full f32 model on one thread (Zen 5) went from 27.5-31.5 to
  /// 26.3-27.7 ms, faster in 12 of 12 alternating pairs, and int8 in 6 of 6.
  /// (Asking from the first tile alone was slower than from every tile, in a
  /// C test of the loop.)
  /// T counts the allocated rows; with fewer valid rows (a run-time sequence
  /// length) the tiles that do not run leave their groups to the hardware.
  /// Each block covers the whole next panel only when the blocks are equal
  /// (T / blocks tiles each): a block that the pool's table
  /// (mbert.pool_block_starts) made smaller asks for part of it and leaves
  /// the rest to the hardware, and a larger one asks for some groups twice.
  /// Spreading over each block's own tiles would need a division by a
  /// run-time tile count in the reduction loop; it has not been measured.
  /// A group spans several cache lines in the wide tiles (two for 32 f32
  /// columns or 32 x 4 bytes): each line gets its own request, since the
  /// hardware prefetchers do not reliably bring a line's neighbour.
  void prefetchNextPanel(Value panel, Value row, Value group) {
    RankedTensorType type = getTensorType(panelRows);
    Value lastPanel = index(type.getDimSize(0) - 1);
    Value nextPanel = arith::MinUIOp::create(b, loc, addIndex(panel, 1), lastPanel);
    int64_t groups = type.getDimSize(1);
    Value tile = arith::DivUIOp::create(b, loc, row, index(kernel.getMr()));
    Value position = arith::AddIOp::create(b, loc, mulIndex(tile, groups), group);
    Value spreadGroup = arith::RemUIOp::create(
        b, loc,
        arith::DivUIOp::create(b, loc, arith::MulIOp::create(b, loc, position, rowBlocks),
                               index(rowTileCount)),
        index(groups));
    // 64-byte lines, as on the x86 cores and the Arm cores that run the
    // prefetching kernels.
    int64_t elementsPerLine = 64 * 8 / type.getElementTypeBitWidth();
    for (int64_t offset = 0; offset < type.getDimSize(2); offset += elementsPerLine)
      memref::PrefetchOp::create(b, loc, panelBuffer,
                                 ValueRange{nextPanel, spreadGroup, index(offset)},
                                 /*isWrite=*/false, /*localityHint=*/2, /*isDataCache=*/true);
  }

  /// `width` consecutive elements of the packed panel at reduction group
  /// `group`, from element `offset` of the group's nr * kr run.
  Value readPanel(Value panel, Value group, int64_t offset, int64_t width) {
    auto type = VectorType::get({width}, getTensorType(panelRows).getElementType());
    return readRowSegment(b, loc, panelRows, {panel, group, index(offset)}, type);
  }

  /// One register tile: rows [row, row + tileRows), the columns of `panel`,
  /// written into `panelColumns` (those columns of the result).
  Value buildTile(Value panelColumns, Value panel, Value row, int64_t tileRows) {
    Value column = mulIndex(panel, nr);
    auto buildSeeds = [&] {
      SmallVector<Value> seeds(tileRows);
      for (int64_t r = 0; r < tileRows; ++r)
        seeds[r] = buildSeed(b, loc, addIndex(row, r), column, outputType);
      return seeds;
    };

    // A tile of fewer rows than mr has fewer independent accumulator chains
    // than the FMA pipes need to hide the FMA's latency (on two pipes of
    // latency 4, 8 chains). An f32 broadcast-FMA tile then keeps
    // floor(mr / tileRows) sets of accumulators, set s taking the steps of k
    // congruent to s, and sums them at the end: as many chains as a full
    // tile's, in as many registers. (A 2-row tail of a 6-row kernel ran at
    // half the FMA rate.)
    int64_t sets = instruction == KernelInstruction::Fma ? kernel.getMr() / tileRows : 1;
    int64_t perSet = accumulatorCount(tileRows);
    // f32 kernels start from the seeds (in the first set); integer ones and
    // those whose rows are scaled from zero, and add the seed after scaling.
    // Those read the seeds only after the reduction: read before it, as
    // LLVM leaves them, a tile's seeds stayed live across the loop beside
    // its accumulators (the int8 8 x 32 tile's residual rows took 16 of the
    // 32 zmm registers and spilled).
    bool startsFromSeeds = !kernel.isInteger() && !lhsRowScale;
    SmallVector<Value> seeds, initial;
    if (startsFromSeeds) {
      seeds = buildSeeds();
      for (Value seed : seeds)
        initial.push_back(seed ? seed : zeroVector(outputType));
    } else {
      initial.assign(perSet, zeroVector(accumulatorType()));
    }
    if (sets > 1)
      initial.append((sets - 1) * perSet, zeroVector(accumulatorType()));
    // Integer kernels read a padded depth; f32 ones stop at K, the steps
    // that do not fill a depth group (FMLA by element's four) or a round of
    // the sets one at a time, into the first set. A run-time depth (f32
    // kernels only) splits the same way at run time.
    int64_t depthPerStep = kernel.getDepthPerStep() * sets;
    int64_t groupsPerStep = kernel.getDepthPerStep() / kernel.getKr();
    Value steps = index(kernel.getPaddedDepth(depth) / depthPerStep);
    Value depthEnd = index(depth);
    if (bounds.depth) {
      steps = arith::DivUIOp::create(b, loc, bounds.depth, index(depthPerStep));
      depthEnd = bounds.depth;
    }
    auto reduction = scf::ForOp::create(
        b, loc, index(0), steps, index(1), initial,
        [&](OpBuilder &, Location, Value step, ValueRange accumulators) {
          SmallVector<Value> updated;
          for (int64_t set = 0; set < sets; ++set) {
            Value setStep = addIndex(mulIndex(step, sets), set);
            // A step reads groupsPerStep whole depth groups of the panel.
            if (panelBuffer)
              for (int64_t g = 0; g < groupsPerStep; ++g)
                prefetchNextPanel(panel, row, addIndex(mulIndex(setStep, groupsPerStep), g));
            llvm::append_range(updated,
                               buildReductionStep(panel, column, row, setStep, tileRows,
                                                  accumulators.slice(set * perSet, perSet)));
          }
          scf::YieldOp::create(b, loc, updated);
        });
    std::optional<int64_t> staticSteps = getConstantIntValue(steps);
    if (staticSteps ? *staticSteps * depthPerStep < depth : depthPerStep > 1)
      reduction = scf::ForOp::create(
          b, loc, staticSteps ? index(*staticSteps * depthPerStep) : mulIndex(steps, depthPerStep),
          depthEnd, index(1), reduction.getResults(),
          [&](OpBuilder &, Location, Value k, ValueRange accumulators) {
            SmallVector<Value> updated =
                stepFma(panel, column, row, k, tileRows, accumulators.take_front(perSet));
            llvm::append_range(updated, accumulators.drop_front(perSet));
            scf::YieldOp::create(b, loc, updated);
          });
    SmallVector<Value> accumulators(reduction.getResults().take_front(perSet));
    for (int64_t set = 1; set < sets; ++set)
      for (int64_t r = 0; r < tileRows; ++r)
        accumulators[r] =
            arith::AddFOp::create(b, loc, accumulators[r], reduction.getResult(set * perSet + r));

    if (!startsFromSeeds)
      seeds = buildSeeds();
    for (int64_t r = 0; r < tileRows; ++r) {
      Value tileRow = accumulators[r];
      if (kernel.isInteger())
        tileRow =
            dequantize(gatherRowAccumulator(accumulators, r), addIndex(row, r), column, seeds[r]);
      else if (lhsRowScale)
        tileRow = scaleRow(tileRow, addIndex(row, r), seeds[r]);
      // NaN-propagating, as PyTorch's ReLU; the sign of a zero output does
      // not matter (nsz), which makes it one VMAXPS on x86 instead of four
      // instructions that order -0 below +0 (AArch64's FMAX is one either way).
      if (relu)
        tileRow = arith::MaximumFOp::create(b, loc, tileRow, zeroVector(outputType),
                                            arith::FastMathFlags::nsz);
      Value partRow = arith::SubIOp::create(b, loc, addIndex(row, r), partFirstRow);
      panelColumns = vector::TransferWriteOp::create(b, loc, tileRow, panelColumns,
                                                     ValueRange{partRow, index(0)},
                                                     ArrayRef<bool>{columnsInBounds})
                         .getResult();
    }
    return panelColumns;
  }

  SmallVector<Value> buildReductionStep(Value panel, Value column, Value row, Value step,
                                        int64_t tileRows, ValueRange accumulators) {
    switch (instruction) {
    case KernelInstruction::Fma:
      return stepFma(panel, column, row, step, tileRows, accumulators);
    case KernelInstruction::FmaLane:
      return stepFmaLane(panel, column, row, step, tileRows, accumulators);
    case KernelInstruction::WideningMac:
      return stepWideningMac(panel, row, step, tileRows, accumulators);
    case KernelInstruction::Sdot:
      return stepSdot(panel, row, step, tileRows, accumulators);
    case KernelInstruction::Smmla:
      return stepSmmla(panel, row, step, tileRows, accumulators);
    case KernelInstruction::Pmaddwd:
      return stepPmaddwd(panel, row, step, tileRows, accumulators);
    case KernelInstruction::Pmaddubsw:
    case KernelInstruction::PmaddubswPair:
    case KernelInstruction::Vpdpbusd:
      return stepUnsignedByteQuads(panel, row, step, tileRows, accumulators);
    }
    llvm_unreachable("unknown kernel instruction");
  }

  /// acc[r] += A[row + r, k] * B[k, columns of the panel], a broadcast FMA per row.
  SmallVector<Value> stepFma(Value panel, Value column, Value row, Value k, int64_t tileRows,
                             ValueRange accumulators) {
    Value rhsRow = packed ? readPanel(panel, k, 0, nr)
                          : readRowSegment(b, loc, rhs.matrix, {k, column}, outputType);
    SmallVector<Value> updated;
    for (int64_t r = 0; r < tileRows; ++r) {
      Value element = tensor::ExtractOp::create(b, loc, lhs, ValueRange{addIndex(row, r), k});
      Value broadcast = vector::BroadcastOp::create(b, loc, outputType, element);
      updated.push_back(vector::FMAOp::create(b, loc, broadcast, rhsRow, accumulators[r]));
    }
    return updated;
  }

  /// Four steps of the reduction: each row of A is one 4-float load, and
  /// lane j of it, broadcast, meets B's row k + j (FMLA by element).
  SmallVector<Value> stepFmaLane(Value panel, Value column, Value row, Value step,
                                 int64_t tileRows, ValueRange accumulators) {
    auto quad = VectorType::get({4}, outputType.getElementType());
    Value firstDepth = mulIndex(step, 4);
    SmallVector<Value> lhsQuads;
    for (int64_t r = 0; r < tileRows; ++r)
      lhsQuads.push_back(readRowSegment(b, loc, lhs, {addIndex(row, r), firstDepth}, quad));
    SmallVector<Value> updated(accumulators);
    for (int64_t lane = 0; lane < 4; ++lane) {
      Value k = addIndex(firstDepth, lane);
      Value rhsRow = packed ? readPanel(panel, k, 0, nr)
                            : readRowSegment(b, loc, rhs.matrix, {k, column}, outputType);
      for (int64_t r = 0; r < tileRows; ++r) {
        Value element = vector::ExtractOp::create(b, loc, lhsQuads[r], ArrayRef<int64_t>{lane});
        Value broadcast = vector::BroadcastOp::create(b, loc, outputType, element);
        updated[r] = vector::FMAOp::create(b, loc, broadcast, rhsRow, updated[r]);
      }
    }
    return updated;
  }

  /// The portable integer kernel: int8 operands widened to int32 lanes.
  SmallVector<Value> stepWideningMac(Value panel, Value row, Value k, int64_t tileRows,
                                     ValueRange accumulators) {
    VectorType wide = accumulatorType();
    Value rhsRow = arith::ExtSIOp::create(b, loc, wide, readPanel(panel, k, 0, nr));
    SmallVector<Value> updated;
    for (int64_t r = 0; r < tileRows; ++r) {
      Value element = tensor::ExtractOp::create(b, loc, lhs, ValueRange{addIndex(row, r), k});
      Value widened = arith::ExtSIOp::create(b, loc, wide.getElementType(), element);
      Value broadcast = vector::BroadcastOp::create(b, loc, wide, widened);
      Value product = arith::MulIOp::create(b, loc, broadcast, rhsRow);
      updated.push_back(arith::AddIOp::create(b, loc, accumulators[r], product));
    }
    return updated;
  }

  /// Sixteen steps of the reduction: each row of A is one 16-byte load
  /// holding four depth groups; group g of a row, broadcast to every lane,
  /// meets the panel's 4 x 4 blocks of group g (SDOT by element).
  SmallVector<Value> stepSdot(Value panel, Value row, Value step, int64_t tileRows,
                              ValueRange accumulators) {
    auto bytes = VectorType::get({16}, b.getI8Type());
    auto lanes = VectorType::get({4}, b.getI32Type());
    Value depthOffset = mulIndex(step, 16);
    SmallVector<Value> lhsRows;
    for (int64_t r = 0; r < tileRows; ++r) {
      Value rowBytes = readRowSegment(b, loc, lhs, {addIndex(row, r), depthOffset}, bytes);
      lhsRows.push_back(vector::BitCastOp::create(b, loc, lanes, rowBytes));
    }
    SmallVector<Value> updated(accumulators);
    int64_t chunks = chunksPerRow();
    for (int64_t group = 0; group < 4; ++group) {
      Value groupIndex = addIndex(mulIndex(step, 4), group);
      SmallVector<Value> blocks;
      for (int64_t c = 0; c < chunks; ++c)
        blocks.push_back(readPanel(panel, groupIndex, c * 16, 16));
      for (int64_t r = 0; r < tileRows; ++r) {
        Value spread = vector::ShuffleOp::create(b, loc, lhsRows[r], lhsRows[r],
                                                 ArrayRef<int64_t>{group, group, group, group});
        Value operand = vector::BitCastOp::create(b, loc, bytes, spread);
        for (int64_t c = 0; c < chunks; ++c) {
          Value &accumulator = updated[r * chunks + c];
          accumulator = arm_neon::SdotOp::create(b, loc, lanes, accumulator, blocks[c], operand);
        }
      }
    }
    return updated;
  }

  /// Sixteen steps of the reduction on pairs of rows: the pair's two 2 x 8
  /// blocks (depth 0-7 and 8-15, written interleaved by the row
  /// quantization) each meet the panel's 8 x 2 blocks of columns (2q, 2q + 1)
  /// in one SMMLA, a 2 x 2 block of dot products of 8. A tile with an odd
  /// row count computes a row past it in its last pair and drops it.
  SmallVector<Value> stepSmmla(Value panel, Value row, Value step, int64_t tileRows,
                               ValueRange accumulators) {
    auto bytes = VectorType::get({16}, b.getI8Type());
    auto lanes = VectorType::get({4}, b.getI32Type());
    int64_t pairs = nr / 2;
    SmallVector<Value> updated(accumulators);
    // The tile starts at an even row: its pairs are rows / 2 on.
    Value firstPair = arith::DivUIOp::create(b, loc, row, index(2));
    for (int64_t p = 0; p < llvm::divideCeilSigned(tileRows, 2); ++p) {
      Value blocks[2];
      for (int64_t half = 0; half < 2; ++half)
        blocks[half] = readRowSegment(b, loc, lhs,
                                      {addIndex(firstPair, p), addIndex(mulIndex(step, 32), 16 * half)},
                                      bytes);
      for (int64_t half = 0; half < 2; ++half) {
        Value group = addIndex(mulIndex(step, 2), half);
        for (int64_t q = 0; q < pairs; ++q) {
          Value columns = readPanel(panel, group, q * 16, 16);
          Value &accumulator = updated[p * pairs + q];
          accumulator =
              arm_neon::SmmlaOp::create(b, loc, lanes, accumulator, blocks[half], columns);
        }
      }
    }
    return updated;
  }

  /// Two steps of the reduction: the panel's nr x 2 int8 block, widened to
  /// int16, meets each row's pair of A values repeated in every int32 lane;
  /// PMADDWD multiplies the int16 pairs and sums each pair into an int32.
  SmallVector<Value> stepPmaddwd(Value panel, Value row, Value step, int64_t tileRows,
                                 ValueRange accumulators) {
    int64_t lanes = nr / 2;
    auto pairs = VectorType::get({nr}, b.getI16Type());
    auto sums = VectorType::get({lanes}, b.getI32Type());
    StringRef intrinsic = getX86PmaddwdIntrinsic(lanes);
    SmallVector<Value> halves;
    for (int64_t half = 0; half < 2; ++half)
      halves.push_back(arith::ExtSIOp::create(b, loc, pairs, readPanel(panel, step, half * nr, nr)));
    Value depthOffset = mulIndex(step, 2);
    SmallVector<Value> updated;
    for (int64_t r = 0; r < tileRows; ++r) {
      Value pair = readRowSegment(b, loc, lhs, {addIndex(row, r), depthOffset},
                                  VectorType::get({2}, b.getI8Type()));
      Value widened = arith::ExtSIOp::create(b, loc, VectorType::get({2}, b.getI16Type()), pair);
      Value repeated = repeatInEveryLane(widened, pairs);
      for (int64_t half = 0; half < 2; ++half) {
        Value products = LLVM::CallIntrinsicOp::create(b, loc, sums, b.getStringAttr(intrinsic),
                                                       ValueRange{halves[half], repeated})
                             .getResult(0);
        updated.push_back(arith::AddIOp::create(b, loc, accumulators[r * 2 + half], products));
      }
    }
    return updated;
  }

  /// One step of the reduction on uint8 codes: in each depth group of the
  /// step, a row's four codes, repeated in every int32 lane, meet the
  /// panel's nr x 4 int8 block, half a row of the tile per register
  /// (multiplyAccumulateQuads). PMADDUBSW's pair form takes two groups per
  /// step.
  SmallVector<Value> stepUnsignedByteQuads(Value panel, Value row, Value step, int64_t tileRows,
                                           ValueRange accumulators) {
    int64_t lanes = nr / 2;
    int64_t groupsPerStep = kernel.getDepthPerStep() / kernel.getKr();
    auto bytes = VectorType::get({4 * lanes}, b.getI8Type());
    // weights[g][half]: depth group g of the step, half h of the panel's row.
    SmallVector<std::array<Value, 2>> weights(groupsPerStep);
    for (int64_t g = 0; g < groupsPerStep; ++g)
      for (int64_t half = 0; half < 2; ++half)
        weights[g][half] = readPanel(panel, addIndex(mulIndex(step, groupsPerStep), g),
                                     half * 4 * lanes, 4 * lanes);
    Value depthOffset = mulIndex(step, 4 * groupsPerStep);
    SmallVector<Value> updated;
    for (int64_t r = 0; r < tileRows; ++r) {
      SmallVector<Value> repeated;
      for (int64_t g = 0; g < groupsPerStep; ++g) {
        Value quad = readRowSegment(b, loc, lhs, {addIndex(row, r), addIndex(depthOffset, 4 * g)},
                                    VectorType::get({4}, b.getI8Type()));
        repeated.push_back(repeatInEveryLane(quad, bytes));
      }
      for (int64_t half = 0; half < 2; ++half) {
        SmallVector<Value> halfWeights;
        for (int64_t g = 0; g < groupsPerStep; ++g)
          halfWeights.push_back(weights[g][half]);
        updated.push_back(
            multiplyAccumulateQuads(accumulators[r * 2 + half], repeated, halfWeights));
      }
    }
    return updated;
  }

  /// accumulator + the sums of each int32 lane's uint8 x int8 products of
  /// `activations[g]` and `weights[g]`, four per group g. VPDPBUSD
  /// (AVX-512-VNNI, AVX-VNNI) does a group in one instruction. Without VNNI,
  /// PMADDUBSW multiplies the bytes and sums adjacent products into int16
  /// (exact: the weights are within getWeightMagnitudeLimit), PMADDWD by
  /// ones sums those pairs into int32, and an add accumulates. The pair form
  /// adds two groups' PMADDUBSW sums in int16 first (exact: the codes are
  /// within getActivationCodeRange), one PMADDWD for both.
  Value multiplyAccumulateQuads(Value accumulator, ArrayRef<Value> activations,
                                ArrayRef<Value> weights) {
    auto sums = cast<VectorType>(accumulator.getType());
    int64_t lanes = sums.getNumElements();
    auto callIntrinsic = [&](Type type, StringRef name, ValueRange operands) {
      return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(name), operands)
          .getResult(0);
    };
    if (instruction == KernelInstruction::Vpdpbusd) {
      StringRef dotProduct = lanes == 16  ? "llvm.x86.avx512.vpdpbusd.512"
                             : lanes == 8 ? "llvm.x86.avx512.vpdpbusd.256"
                                          : "llvm.x86.avx512.vpdpbusd.128";
      for (auto [groupActivations, groupWeights] : llvm::zip_equal(activations, weights))
        accumulator =
            callIntrinsic(sums, dotProduct, {accumulator, groupActivations, groupWeights});
      return accumulator;
    }
    auto words = VectorType::get({2 * lanes}, b.getI16Type());
    StringRef multiplyBytes = lanes == 16  ? "llvm.x86.avx512.pmaddubs.w.512"
                              : lanes == 8 ? "llvm.x86.avx2.pmadd.ub.sw"
                                           : "llvm.x86.ssse3.pmadd.ub.sw.128";
    Value ones = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(words, b.getIntegerAttr(b.getI16Type(), 1)));
    Value pairs;
    for (auto [groupActivations, groupWeights] : llvm::zip_equal(activations, weights)) {
      Value groupPairs = callIntrinsic(words, multiplyBytes, {groupActivations, groupWeights});
      pairs = pairs ? arith::AddIOp::create(b, loc, pairs, groupPairs).getResult() : groupPairs;
    }
    Value quads = callIntrinsic(sums, getX86PmaddwdIntrinsic(lanes), {pairs, ones});
    return arith::AddIOp::create(b, loc, accumulator, quads);
  }

  /// PMADDWD at the width of `lanes` int32 lanes.
  static StringRef getX86PmaddwdIntrinsic(int64_t lanes) {
    return lanes == 16  ? "llvm.x86.avx512.pmaddw.d.512"
           : lanes == 8 ? "llvm.x86.avx2.pmadd.wd"
                        : "llvm.x86.sse2.pmadd.wd";
  }

  /// `group` (32 bits of a row) in every int32 lane of a `type` vector: the
  /// A operand of x86's integer kernels, one load and one broadcast.
  Value repeatInEveryLane(Value group, VectorType type) {
    auto lane = VectorType::get({1}, b.getI32Type());
    Value packed = vector::ExtractOp::create(b, loc, vector::BitCastOp::create(b, loc, lane, group),
                                             ArrayRef<int64_t>{0});
    int64_t lanes = type.getNumElements() * type.getElementTypeBitWidth() / 32;
    return vector::BitCastOp::create(
        b, loc, type,
        vector::BroadcastOp::create(b, loc, VectorType::get({lanes}, b.getI32Type()), packed));
  }

  /// acc * lhsRowScale[row] + seed.
  Value scaleRow(Value accumulator, Value row, Value seed) {
    Value scale = vector::BroadcastOp::create(b, loc, outputType,
                                              tensor::ExtractOp::create(b, loc, lhsRowScale, row));
    return scaleAndSeed(accumulator, scale, seed);
  }

  /// x * scale + seed, one FMA; x * scale where there is no seed.
  Value scaleAndSeed(Value x, Value scale, Value seed) {
    if (!seed)
      return arith::MulFOp::create(b, loc, x, scale);
    return vector::FMAOp::create(b, loc, x, scale, seed);
  }

  /// (acc - zero_point[row] * column_sums) * scale[row] * column_scale + seed:
  /// the int32 accumulators of one row as f32 outputs.
  Value dequantize(Value accumulator, Value row, Value column, Value seed) {
    auto wideType = VectorType::get({nr}, b.getI32Type());
    Value zeroPoint = tensor::ExtractOp::create(b, loc, quantized->zeroPoint, row);
    Value sums = readRowSegment(b, loc, rhs.columnSums, column, wideType);
    Value offset = arith::MulIOp::create(
        b, loc, vector::BroadcastOp::create(b, loc, wideType, zeroPoint), sums);
    Value exact = arith::SubIOp::create(b, loc, accumulator, offset);
    Value asFloat = arith::SIToFPOp::create(b, loc, outputType, exact);
    Value rowScale = tensor::ExtractOp::create(b, loc, quantized->scale, row);
    Value scale = arith::MulFOp::create(
        b, loc, readRowSegment(b, loc, rhs.columnScale, column, outputType),
        vector::BroadcastOp::create(b, loc, outputType, rowScale));
    return scaleAndSeed(asFloat, scale, seed);
  }

  OpBuilder &b;
  Location loc;
  MicroKernelAttr kernel;
  KernelInstruction instruction;
  Value lhs;
  const QuantizedRows *quantized;
  Value lhsRowScale;
  const GemmRhs &rhs;
  int64_t columns, depth;
  GemmBounds bounds;
  int64_t nr;
  GemmSeedBuilder buildSeed;
  bool relu, packed;
  Value panelRows;
  /// panelRows as a buffer, which memref.prefetch needs; null when the
  /// kernel does not prefetch.
  Value panelBuffer;
  /// Row tiles of the allocated rows, over which prefetchNextPanel spreads
  /// its requests, the row blocks they are split into, and the first row of
  /// the part of the result the current iteration owns; set by build.
  int64_t rowTileCount = 1;
  Value rowBlocks, partFirstRow;
  VectorType outputType;
  bool columnsInBounds;
};

Value buildGemm(OpBuilder &b, Location loc, Value lhs, const QuantizedRows *quantized,
                Value lhsRowScale, const GemmRhs &rhs, int64_t columns, int64_t depth,
                MicroKernelAttr kernel, GemmSeedBuilder buildSeed, bool relu,
                const GemmBounds &bounds, Value rowBlocks) {
  // A quantized left-hand side has one scale per row (its int8 rows may be
  // stored in pairs).
  int64_t rows = getTensorType(quantized ? quantized->scale : lhs).getDimSize(0);
  Value result =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, columns}, b.getF32Type());
  GemmKernelBuilder builder(b, loc, kernel, lhs, quantized, lhsRowScale, rhs, columns, depth,
                            bounds, buildSeed, relu);
  auto index = [&](int64_t value) { return builder.index(value); };
  bool blocksPerThread = static_cast<bool>(rowBlocks);
  if (!rowBlocks)
    rowBlocks = index(1);
  int64_t tileRows = kernel.getMr();
  if (!bounds.rows || rows < tileRows) {
    // Fewer allocated rows than a tile: all of them, the unused ones too.
    StaticRowTiles tiles(rows, tileRows);
    SmallVector<RowTiles, 2> ranges{{index(0), index(tiles.splitEnd), tiles.tileRows}};
    if (tiles.splitEnd < rows)
      ranges.push_back({index(tiles.splitEnd), index(rows), rows - tiles.splitEnd});
    Value product = builder.build(result, ranges, rowBlocks);
    // Blocks of rows fixed at compile time, one per thread: the loop's
    // partition of its buffers' rows.
    if (blocksPerThread)
      product.getDefiningOp()->setAttr(model::kRowPartitionAttrName,
                                       tiles.partition(b.getContext()));
    return product;
  }
  // Whole tiles up to the last multiple of mr, then at most one tile that
  // ends at the last row (or starts at row 0 when there are fewer rows than
  // a tile: it then computes undefined rows, which the buffers hold).
  Value validRows = bounds.rows;
  Value fullTileRows = arith::SubIOp::create(
      b, loc, validRows, arith::RemUIOp::create(b, loc, validRows, index(tileRows)));
  RowTiles fullTiles{index(0), fullTileRows, tileRows};
  // SMMLA computes pairs of rows from an even row; with an odd number of
  // allocated rows its last tile is one row shorter, so that its pairs end
  // within them (the odd tile computes the row after it and drops it).
  bool evenStart = kernel.getInstruction() == KernelInstruction::Smmla;
  int64_t tailRows = evenStart && rows % 2 ? tileRows - 1 : tileRows;
  Value tailStart = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, validRows, index(tailRows)), index(0));
  if (evenStart)
    tailStart = arith::MulIOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, tailStart, index(2)), index(2));
  Value needsTail = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, fullTileRows,
                                          validRows);
  // One iteration from tailStart when rows remain, none otherwise.
  Value tailEnd = arith::SelectOp::create(
      b, loc, needsTail, arith::AddIOp::create(b, loc, tailStart, index(1)), tailStart);
  return builder.build(result, {fullTiles, RowTiles{tailStart, tailEnd, tailRows}}, rowBlocks);
}

/// A constant of `like`'s type (f32 or a vector of f32) with every element `value`.
Value floatConstantLike(OpBuilder &b, Location loc, Value like, float value) {
  Type type = like.getType();
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vector, b.getF32FloatAttr(value)));
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

/// round-half-to-even of `x` (f32 or a vector of f32), for |x| < 2^22, in
/// plain arithmetic: adding 1.5 * 2^23 leaves no fraction bits, so the FPU's
/// own rounding does it. (math.roundeven would be a libm call on x86-64
/// before SSE4.1.)
Value roundToNearestEven(OpBuilder &b, Location loc, Value x) {
  Value magic = floatConstantLike(b, loc, x, 12582912.0f);
  return arith::SubFOp::create(b, loc, arith::AddFOp::create(b, loc, x, magic), magic);
}

/// x clamped to [low, high]; a NaN becomes `low`, so that the float to
/// integer conversion after a clamp never meets one. The NaN-ignoring max and
/// min against a constant are one instruction each on x86 (the
/// NaN-propagating ones need a compare and a blend besides).
Value clampFloat(OpBuilder &b, Location loc, Value x, float low, float high) {
  return arith::MinNumFOp::create(
      b, loc, arith::MaxNumFOp::create(b, loc, x, floatConstantLike(b, loc, x, low)),
      floatConstantLike(b, loc, x, high));
}

/// x (a vector of i32) clamped to [low, high].
Value clampInteger(OpBuilder &b, Location loc, Value x, int64_t low, int64_t high) {
  auto type = cast<VectorType>(x.getType());
  auto splat = [&](int64_t value) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getIntegerAttr(type.getElementType(), value)));
  };
  return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, x, splat(low)), splat(high));
}

/// The bounds of a row's range, extended by the values `x`: NaN-ignoring
/// elementwise minimum and maximum, and their reduction over the lanes.
/// arith.minnumf / maxnumf say exactly that, and are one instruction each on
/// AArch64 (FMINNM, FMAXNM, FMINNMV). x86 has no NaN-ignoring minimum of two
/// variables: LLVM expands each into MINPS, a compare and a blend, and each
/// lane reduction into a scalar chain of them, which made the range loop
/// twice as long as the quantization loop. There `x < bound ? x : bound` is
/// MINPS itself (its second operand wherever either is NaN), and a tree of
/// shuffles reduces the lanes.
class RowRangeBuilder {
public:
  explicit RowRangeBuilder(MicroKernelAttr kernel) : useX86Select(kernel.usesX86Instruction()) {}

  Value extendLow(OpBuilder &b, Location loc, Value low, Value x) const {
    if (!useX86Select)
      return arith::MinNumFOp::create(b, loc, low, x);
    return selectIfOrdered(b, loc, arith::CmpFPredicate::OLT, x, low);
  }

  Value extendHigh(OpBuilder &b, Location loc, Value high, Value x) const {
    if (!useX86Select)
      return arith::MaxNumFOp::create(b, loc, high, x);
    return selectIfOrdered(b, loc, arith::CmpFPredicate::OGT, x, high);
  }

  Value reduceLow(OpBuilder &b, Location loc, Value lows) const {
    if (!useX86Select)
      return vector::ReductionOp::create(b, loc, vector::CombiningKind::MINNUMF, lows);
    return reduceByHalves(b, loc, lows, arith::CmpFPredicate::OLT);
  }

  Value reduceHigh(OpBuilder &b, Location loc, Value highs) const {
    if (!useX86Select)
      return vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXNUMF, highs);
    return reduceByHalves(b, loc, highs, arith::CmpFPredicate::OGT);
  }

private:
  /// `x` where `x predicate bound` holds (false for a NaN), else `bound`.
  static Value selectIfOrdered(OpBuilder &b, Location loc, arith::CmpFPredicate predicate, Value x,
                               Value bound) {
    Value replace = arith::CmpFOp::create(b, loc, predicate, x, bound);
    return arith::SelectOp::create(b, loc, replace, x, bound);
  }

  /// The lanes of `values` combined by selectIfOrdered, the upper half into
  /// the lower one until one lane is left.
  static Value reduceByHalves(OpBuilder &b, Location loc, Value values,
                              arith::CmpFPredicate predicate) {
    for (int64_t width = cast<VectorType>(values.getType()).getNumElements(); width > 1;
         width /= 2) {
      SmallVector<int64_t> lower(width / 2), upper(width / 2);
      for (int64_t lane = 0; lane < width / 2; ++lane)
        lower[lane] = lane, upper[lane] = width / 2 + lane;
      values = selectIfOrdered(b, loc, predicate,
                               vector::ShuffleOp::create(b, loc, values, values, upper),
                               vector::ShuffleOp::create(b, loc, values, values, lower));
    }
    return vector::ExtractOp::create(b, loc, values, ArrayRef<int64_t>{0});
  }

  bool useX86Select;
};

} // namespace

Value readRowSegment(OpBuilder &b, Location loc, Value source, ValueRange indices,
                     VectorType type) {
  int64_t rowLength = cast<ShapedType>(source.getType()).getShape().back();
  Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  bool inBounds = rowLength % type.getNumElements() == 0;
  return vector::TransferReadOp::create(b, loc, type, source, indices, padding,
                                        ArrayRef<bool>{inBounds});
}

SmallVector<Value> buildRowBlockLoop(OpBuilder &b, Location loc, int64_t rows,
                                     MicroKernelAttr kernel, Value rowBlocks, ValueRange outputs,
                                     BlockSliceBuilder blockSlices, BlockBodyBuilder blockBody) {
  StaticRowTiles tiles(rows, kernel.getMr());
  auto index = [&](OpBuilder &nested, int64_t value) {
    return arith::ConstantIndexOp::create(nested, loc, value).getResult();
  };
  RowBlocks gemmBlocks(b, loc, RowTiles{index(b, 0), index(b, tiles.splitEnd), tiles.tileRows},
                       rows, rowBlocks);
  Value firstRow, endRow;
  auto ownedBlock = [&](OpBuilder &nested, Value block) -> SmallVector<OwnedSlice> {
    std::tie(firstRow, endRow) = gemmBlocks.bounds(nested, loc, block);
    return blockSlices(nested, firstRow, arith::SubIOp::create(nested, loc, endRow, firstRow));
  };
  SmallVector<Value> results =
      buildParallelLoop(b, loc, rowBlocks, outputs, ownedBlock,
                        [&](OpBuilder &nested, Value, ValueRange blockParts) -> SmallVector<Value> {
                          return blockBody(nested, firstRow, endRow, blockParts);
                        });
  results.front().getDefiningOp()->setAttr(model::kRowPartitionAttrName,
                                           tiles.partition(b.getContext()));
  return results;
}

QuantizedRows buildRowQuantization(OpBuilder &b, Location loc, Value input, Value smoothing,
                                   MicroKernelAttr kernel, Value validRows, Value rowBlocks) {
  RankedTensorType inputType = getTensorType(input);
  int64_t rows = inputType.getDimSize(0), depth = inputType.getDimSize(1);
  int64_t paddedDepth = kernel.getPaddedDepth(depth);
  Type f32 = b.getF32Type(), i32 = b.getI32Type(), i8 = b.getI8Type();
  // Named variables, not a structured binding: the row loop's lambdas
  // capture them, which C++17 does not allow of bindings.
  std::pair<int32_t, int32_t> codeRange = kernel.getActivationCodeRange();
  int32_t lowCodeInt = codeRange.first, highCodeInt = codeRange.second;
  float lowCode = lowCodeInt, highCode = highCodeInt;
  // Rows are read 16 floats at a time; K is at least padded to a multiple of
  // the depth group, and 16-wide writes past it stay inside the padded row
  // when it is a multiple of 16 (the SDOT layout), else they are masked.
  constexpr int64_t width = 16;
  auto floats = VectorType::get({width}, f32);
  auto bytes = VectorType::get({width}, i8);
  auto index = [&](OpBuilder &nested, int64_t value) {
    return arith::ConstantIndexOp::create(nested, loc, value).getResult();
  };
  auto constant = [&](OpBuilder &nested, float value) {
    return arith::ConstantOp::create(nested, loc, nested.getF32FloatAttr(value)).getResult();
  };
  // x[row, k .. k + 16) times the smoothing of those channels.
  auto readSmoothed = [&](OpBuilder &nested, Value row, Value k) -> Value {
    Value x = readRowSegment(nested, loc, input, {row, k}, floats);
    if (!smoothing)
      return x;
    return arith::MulFOp::create(nested, loc, x,
                                 readRowSegment(nested, loc, smoothing, {k}, floats));
  };

  // SMMLA multiplies 2 x 8 blocks of two rows: its rows are written in
  // pairs, the pair's 8-byte blocks interleaved, so that one 16-byte load is
  // one block.
  bool pairedRows = kernel.getInstruction() == KernelInstruction::Smmla;
  // The pairs [rows / 2, 2 * paddedDepth] are built as [rows / 2, blocks, 2,
  // 8], in which each row's bytes are one rectangular slice.
  assert((!pairedRows || paddedDepth % width == 0) && "SMMLA pads K to whole steps of 16");
  int64_t blocks = paddedDepth / 8;
  SmallVector<int64_t> rowsShape = {rows, paddedDepth};
  if (pairedRows)
    rowsShape = {llvm::divideCeilSigned(rows, 2), blocks, 2, 8};
  Value rowsInit = tensor::EmptyOp::create(b, loc, rowsShape, i8);
  Value scaleInit = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows}, f32);
  Value zeroPointInit = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows}, i32);
  // A row's bytes, and its scale and zero point: the slices of the three
  // outputs that the row (counted from its loop's first) owns.
  auto bytesSlice = [&](OpBuilder &nested, Value row) -> OwnedSlice {
    OpFoldResult zero = nested.getIndexAttr(0), one = nested.getIndexAttr(1);
    if (!pairedRows)
      return {{row, zero},
              {one, nested.getIndexAttr(paddedDepth)},
              RankedTensorType::get({paddedDepth}, i8)};
    Value two = index(nested, 2);
    return {{arith::DivUIOp::create(nested, loc, row, two).getResult(), zero,
             arith::RemUIOp::create(nested, loc, row, two).getResult(), zero},
            {one, nested.getIndexAttr(blocks), one, nested.getIndexAttr(8)},
            RankedTensorType::get({blocks, 8}, i8)};
  };
  auto parameterSlices = [&](OpBuilder &nested, Value row) -> SmallVector<OwnedSlice> {
    OpFoldResult one = nested.getIndexAttr(1);
    return {OwnedSlice{{row}, {one}, RankedTensorType::get({1}, f32)},
            OwnedSlice{{row}, {one}, RankedTensorType::get({1}, i32)}};
  };
  RowRangeBuilder range(kernel);
  // Independent minimum and maximum chains of the range pass: as many as
  // whole steps of that many vectors cover K (MobileBERT's 128 and 512) and
  // their accumulators fit in half of 16 registers, 4 with AVX-512's 512-bit
  // registers (a 16-float vector is one). The outputs do not change (a
  // minimum does not depend on the order); on Zen 5 the int8 model on one
  // thread went from 10.54-10.84 to 10.05-10.63 ms with 4, faster in 6 of 6
  // alternating pairs. With 256-bit registers (AVX2) 4 chains held 16
  // accumulators, and LLVM spilled two of them and moved the rest from
  // register to register in every iteration of the loop.
  int64_t registersPerVector = std::max<int64_t>(1, width * 32 / getVectorRegisterBits(kernel));
  int64_t registerChains = std::max<int64_t>(1, 8 / (2 * registersPerVector));
  int64_t rangeChains = 1;
  while (rangeChains * 2 <= std::min<int64_t>(registerChains, 4) &&
         depth % (rangeChains * 2 * width) == 0)
    rangeChains *= 2;
  // The first of two passes over a row: its range (widened to include 0, so
  // that zeros such as ReLU outputs are exact), as the row's scale and zero
  // point (an integral f32).
  auto measureRow = [&](OpBuilder &nested, Value row) -> std::pair<Value, Value> {
    Value zeros = arith::ConstantOp::create(
        nested, loc, DenseElementsAttr::get(floats, nested.getF32FloatAttr(0.0f)));
    // Lows in results [0, chains), highs in [chains, 2 * chains): each
    // chain's minimum and maximum wait for the ones `chains` vectors
    // back, not for the previous vector's, so that their latency does
    // not set the pass's time.
    auto rangeLoop = scf::ForOp::create(
        nested, loc, index(nested, 0), index(nested, depth), index(nested, width * rangeChains),
        SmallVector<Value>(2 * rangeChains, zeros),
        [&](OpBuilder &inner, Location, Value k, ValueRange bounds) {
          SmallVector<Value> extended(bounds);
          for (int64_t chain = 0; chain < rangeChains; ++chain) {
            Value x = readSmoothed(
                inner, row, arith::AddIOp::create(inner, loc, k, index(inner, chain * width)));
            extended[chain] = range.extendLow(inner, loc, bounds[chain], x);
            extended[rangeChains + chain] =
                range.extendHigh(inner, loc, bounds[rangeChains + chain], x);
          }
          scf::YieldOp::create(inner, loc, extended);
        });
    Value lows = rangeLoop.getResult(0), highs = rangeLoop.getResult(rangeChains);
    for (int64_t chain = 1; chain < rangeChains; ++chain) {
      lows = range.extendLow(nested, loc, lows, rangeLoop.getResult(chain));
      highs = range.extendHigh(nested, loc, highs, rangeLoop.getResult(rangeChains + chain));
    }
    Value low = range.reduceLow(nested, loc, lows);
    Value high = range.reduceHigh(nested, loc, highs);
    // scale = range / 255 (1 for an all-zero row); the zero point maps
    // the row's minimum to the lowest code.
    Value span = arith::SubFOp::create(nested, loc, high, low);
    Value empty =
        arith::CmpFOp::create(nested, loc, arith::CmpFPredicate::OLE, span, constant(nested, 0));
    Value scale = arith::SelectOp::create(
        nested, loc, empty, constant(nested, 1),
        arith::DivFOp::create(nested, loc, span, constant(nested, highCode - lowCode)));
    Value inverse = arith::DivFOp::create(nested, loc, constant(nested, 1), scale);
    Value zeroPoint = roundToNearestEven(
        nested, loc,
        clampFloat(nested, loc,
                   arith::SubFOp::create(nested, loc, constant(nested, lowCode),
                                         arith::MulFOp::create(nested, loc, low, inverse)),
                   lowCode, highCode));
    return {scale, zeroPoint};
  };
  // The second pass: the row's codes with measureRow's scale and zero
  // point, written into `rowBytes`.
  auto encodeRow = [&](OpBuilder &nested, Value row, Value scale, Value zeroPoint,
                       Value rowBytes) -> Value {
    // q = clamp(round(x / scale) + zero_point, lowCode, highCode), stored
    // as a byte. Columns past K read as 0 and become the zero point: they
    // meet zero weights.
    Value inverse = arith::DivFOp::create(nested, loc, constant(nested, 1), scale);
    Value inverseVector = vector::BroadcastOp::create(nested, loc, floats, inverse);
    Value zeroPointVector = vector::BroadcastOp::create(nested, loc, floats, zeroPoint);
    auto quantizeLoop = scf::ForOp::create(
        nested, loc, index(nested, 0), index(nested, paddedDepth), index(nested, width),
        ValueRange{rowBytes}, [&](OpBuilder &inner, Location, Value k, ValueRange written) {
          Value x = readSmoothed(inner, row, k);
          // A separate multiply and add (not an FMA): targets without FMA
          // would call libm for it, and every target rounds the same way.
          Value shifted = arith::AddFOp::create(
              inner, loc, arith::MulFOp::create(inner, loc, x, inverseVector), zeroPointVector);
          // lrint rounds in the current mode, to nearest even unless the
          // program changed it (as the magic-number addition of
          // roundToNearestEven does): CVTPS2DQ on x86, FRINTX and FCVTZS
          // on AArch64, where the addition took three instructions.
          Value rounded = LLVM::LrintOp::create(inner, loc, VectorType::get({width}, i32),
                                                clampFloat(inner, loc, shifted, lowCode, highCode));
          // The codes are already within range; saying so again in
          // integers lets x86 narrow them with saturating packs
          // (PACKSSDW, PACKUSWB) instead of masking each lane first.
          Value values = arith::TruncIOp::create(
              inner, loc, bytes, clampInteger(inner, loc, rounded, lowCodeInt, highCodeInt));
          if (!pairedRows) {
            scf::YieldOp::create(
                inner, loc,
                vector::TransferWriteOp::create(inner, loc, values, written[0], ValueRange{k},
                                                ArrayRef<bool>{paddedDepth % width == 0})
                    .getResult());
            return;
          }
          // Depth k .. k + 15 is the row's half of blocks k / 8 and k / 8 + 1.
          Value pairBlocks = written[0];
          Value firstBlock = arith::DivUIOp::create(inner, loc, k, index(inner, 8));
          for (int64_t half = 0; half < width / 8; ++half) {
            Value block = vector::ExtractStridedSliceOp::create(
                inner, loc, values, ArrayRef<int64_t>{8 * half}, ArrayRef<int64_t>{8},
                ArrayRef<int64_t>{1});
            pairBlocks =
                vector::TransferWriteOp::create(
                    inner, loc, block, pairBlocks,
                    ValueRange{arith::AddIOp::create(inner, loc, firstBlock, index(inner, half)),
                               index(inner, 0)},
                    ArrayRef<bool>{true})
                    .getResult();
          }
          scf::YieldOp::create(inner, loc, pairBlocks);
        });
    return quantizeLoop.getResult(0);
  };
  auto insertParameters = [&](OpBuilder &nested, Value scale, Value zeroPoint,
                              ValueRange slices) -> SmallVector<Value> {
    Value zeroPointInt = arith::FPToSIOp::create(nested, loc, i32, zeroPoint);
    Value first = index(nested, 0);
    return {tensor::InsertOp::create(nested, loc, scale, slices[0], first),
            tensor::InsertOp::create(nested, loc, zeroPointInt, slices[1], first)};
  };
  // The slices of the outputs that rows [firstRow, firstRow + height) own.
  // A block starts at an even row, so a row's place in its pair is the same
  // in the block's slice as in the whole.
  auto blockSlices = [&](OpBuilder &nested, Value firstRow,
                         Value height) -> SmallVector<OwnedSlice> {
    OpFoldResult zero = nested.getIndexAttr(0);
    int64_t dynamic = ShapedType::kDynamic;
    OwnedSlice bytes{{firstRow, zero},
                     {height, nested.getIndexAttr(paddedDepth)},
                     RankedTensorType::get({dynamic, paddedDepth}, i8)};
    if (pairedRows) {
      Value two = index(nested, 2);
      bytes = {{arith::DivUIOp::create(nested, loc, firstRow, two).getResult(), zero, zero, zero},
               {arith::CeilDivUIOp::create(nested, loc, height, two).getResult(),
                nested.getIndexAttr(blocks), nested.getIndexAttr(2), nested.getIndexAttr(8)},
               RankedTensorType::get({dynamic, blocks, 2, 8}, i8)};
    }
    return {bytes, OwnedSlice{{firstRow}, {height}, RankedTensorType::get({dynamic}, f32)},
            OwnedSlice{{firstRow}, {height}, RankedTensorType::get({dynamic}, i32)}};
  };
  // Rows [firstRow, endRow) in two passes, each over all of them in turn.
  // A row's scale waits for a chain of latencies (the range's lane
  // reductions, two divisions) that its codes then wait for: with both
  // passes in one row loop, those codes fill the out-of-order window and
  // the next row's range cannot start beside the chain. A loop of ranges
  // alone overlaps the chains of consecutive rows (the int8 model on one
  // thread, Zen 5: 9.55-10.19 -> 9.55-9.70 ms, faster in 5 of 6 alternating
  // pairs; the quantization's share of the samples 13.6% -> 10.9%).
  auto quantizeRows = [&](OpBuilder &nested, Value firstRow, Value endRow,
                          ValueRange blockParts) -> SmallVector<Value> {
    SmallVector<Value> parameters =
        buildRowLoop(nested, loc, firstRow, endRow, blockParts.drop_front(), parameterSlices,
                     [&](OpBuilder &inner, Value row, ValueRange rowSlices) -> SmallVector<Value> {
                       auto [scale, zeroPoint] = measureRow(inner, row);
                       return insertParameters(inner, scale, zeroPoint, rowSlices);
                     });
    SmallVector<Value> codes = buildRowLoop(
        nested, loc, firstRow, endRow, blockParts.take_front(),
        [&](OpBuilder &inner, Value row) -> SmallVector<OwnedSlice> {
          return {bytesSlice(inner, row)};
        },
        [&](OpBuilder &inner, Value row, ValueRange rowSlices) -> SmallVector<Value> {
          Value local = arith::SubIOp::create(inner, loc, row, firstRow);
          Value scale = tensor::ExtractOp::create(inner, loc, parameters[0], local);
          Value zeroPoint = arith::SIToFPOp::create(
              inner, loc, f32, tensor::ExtractOp::create(inner, loc, parameters[1], local));
          return {encodeRow(inner, row, scale, zeroPoint, rowSlices[0])};
        });
    return {codes[0], parameters[0], parameters[1]};
  };
  SmallVector<Value> outputs{rowsInit, scaleInit, zeroPointInit};
  SmallVector<Value> quantized;
  if (!rowBlocks || validRows) {
    // Rows are independent: the loop runs on the pool, a chunk of
    // kQuantizedChunkRows rows per iteration (even, for SMMLA's pairs).
    Value rowCount = validRows ? validRows : index(b, rows);
    Value chunkRows = index(b, kQuantizedChunkRows);
    Value firstRow, endRow;
    quantized = buildParallelLoop(
        b, loc, arith::CeilDivUIOp::create(b, loc, rowCount, chunkRows).getResult(), outputs,
        [&](OpBuilder &nested, Value chunk) -> SmallVector<OwnedSlice> {
          firstRow = arith::MulIOp::create(nested, loc, chunk, chunkRows);
          endRow = arith::MinUIOp::create(
              nested, loc, arith::AddIOp::create(nested, loc, firstRow, chunkRows), rowCount);
          return blockSlices(nested, firstRow,
                             arith::SubIOp::create(nested, loc, endRow, firstRow));
        },
        [&](OpBuilder &nested, Value, ValueRange chunkParts) -> SmallVector<Value> {
          return quantizeRows(nested, firstRow, endRow, chunkParts);
        });
  } else {
    // One iteration per block of the GEMM's rows: the loop has the GEMM's
    // row partition, and a parallel region runs both without a barrier
    // between them.
    assert((!pairedRows || kernel.getMr() % 2 == 0) && "SMMLA blocks start at even rows");
    quantized =
        buildRowBlockLoop(b, loc, rows, kernel, rowBlocks, outputs, blockSlices, quantizeRows);
  }
  Value rowBytes = quantized[0];
  if (pairedRows)
    rowBytes = buildStaticReshape(
        b, loc, rowBytes,
        RankedTensorType::get({rowsShape[0], 2 * paddedDepth}, i8));
  return QuantizedRows{rowBytes, quantized[1], quantized[2]};
}

Value buildRegisterTiledGemm(OpBuilder &b, Location loc, Value lhs, const GemmRhs &rhs,
                             int64_t columns, MicroKernelAttr kernel, GemmSeedBuilder buildSeed,
                             bool relu, const GemmBounds &bounds, Value lhsRowScale,
                             Value rowBlocks) {
  int64_t depth = getTensorType(lhs).getDimSize(1);
  assert((!bounds.depth || !kernel.isInteger()) && "a run-time depth needs an f32 kernel");
  assert((!lhsRowScale || !kernel.isInteger()) && "integer kernels scale rows when dequantizing");
  return buildGemm(b, loc, lhs, nullptr, lhsRowScale, rhs, columns, depth, kernel, buildSeed, relu,
                   bounds, rowBlocks);
}

Value buildQuantizedGemm(OpBuilder &b, Location loc, const QuantizedRows &lhs, int64_t depth,
                         const GemmRhs &rhs, int64_t columns, MicroKernelAttr kernel,
                         GemmSeedBuilder buildSeed, bool relu, Value validRows, Value rowBlocks) {
  return buildGemm(b, loc, lhs.rows, &lhs, Value(), rhs, columns, depth, kernel, buildSeed, relu,
                   GemmBounds{validRows, Value(), Value()}, rowBlocks);
}

} // namespace mbert
