//===- RegisterTiledGemm.h - GEMM microkernels with register tiles -*- C++ -*-===//
//
// The contraction kernels that every linear layer and both attention products
// lower to, one per `#mbert.kernel` instruction. Written with vector ops on
// tensors so that they bufferize with the rest of the model and LLVM sees a
// loop whose accumulators are plain SSA vectors: it keeps them in registers
// for the whole reduction instead of reloading the output.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_CONVERSION_REGISTERTILEDGEMM_H
#define MBERT_CONVERSION_REGISTERTILEDGEMM_H

#include "StructuredBuilders.h"
#include "dialects/MBert/MBertOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mbert {

/// The right-hand side B of C = A @ B.
struct GemmRhs {
  /// [K, N] row-major, or packed in the kernel's layout
  /// [ceil(N / nr), Kpad / kr, nr, kr] (rank 4).
  mlir::Value matrix;
  /// For int8 kernels, B's per-column scale ([N] f32) and the sum of each
  /// column's int8 values ([N] i32); null for f32 kernels.
  mlir::Value columnScale = {}, columnSums = {};
};

/// A left-hand side quantized per row at run time: `rows` [M, Kpad] of 8-bit
/// codes (row-major, past K the zero point; int8, or uint8 bits in the i8
/// tensor where the kernel's getActivationCodeRange is unsigned), and per row
/// `scale` [M] f32 and `zeroPoint` [M] i32, so that A[m, k] = (rows[m, k] -
/// zeroPoint[m]) * scale[m]. For SMMLA, `rows` is [ceil(M / 2), 2 Kpad]: pairs of rows, each
/// 8 bytes of row 2p followed by the same 8 depth steps of row 2p + 1.
struct QuantizedRows {
  mlir::Value rows, scale, zeroPoint;
};

/// Extents of a GEMM known only at run time, each at most the static extent
/// of its operands, which are allocated for the largest: only rows [0,
/// rows) of the result are computed, with a reduction over [0, depth) and
/// columns [0, columns) (rounded up to whole panels). Rows and columns past
/// them are undefined. Null: the static extent.
struct GemmBounds {
  mlir::Value rows, columns, depth;
};

/// The initial accumulator of output row `row`, columns [column, column +
/// tile width): the epilogue's addends (bias, scaled residual). Null means 0.
using GemmSeedBuilder = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::Value row, mlir::Value column, mlir::VectorType)>;

/// `type`'s width of consecutive elements of `source` from `indices` on (the
/// last index a column, a multiple of the width), zero past the end of the
/// row: how seeds read bias, residual and mask rows. The read is unmasked
/// when the row length is a multiple of the width.
mlir::Value readRowSegment(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                           mlir::ValueRange indices, mlir::VectorType type);

/// The slices of a row loop's outputs that rows [firstRow, firstRow +
/// height) own.
using BlockSliceBuilder = llvm::function_ref<llvm::SmallVector<OwnedSlice>(
    mlir::OpBuilder &, mlir::Value firstRow, mlir::Value height)>;
/// The new values of a block's slices (BlockSliceBuilder's), which hold
/// rows [firstRow, endRow) of the whole output.
using BlockBodyBuilder = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Value firstRow, mlir::Value endRow, mlir::ValueRange blockSlices)>;
/// A parallel loop over the `rowBlocks` blocks that a GEMM of `rows` rows
/// (known at compile time) splits its rows into when it runs `kernel` with
/// the same `rowBlocks`: each iteration owns its block's slices of `outputs`
/// and computes them with `blockBody` (buildRowLoop over the block's rows,
/// for one pass over each row in turn). The loop states the GEMM's
/// partition (#mbert.row_partition), so that a parallel region runs it and
/// the GEMM that reads its rows without a barrier between them.
llvm::SmallVector<mlir::Value> buildRowBlockLoop(mlir::OpBuilder &b, mlir::Location loc,
                                                 int64_t rows, model::MicroKernelAttr kernel,
                                                 mlir::Value rowBlocks, mlir::ValueRange outputs,
                                                 BlockSliceBuilder blockSlices,
                                                 BlockBodyBuilder blockBody);

/// Quantizes the f32 rows of `input` [M, K], each channel k first multiplied
/// by `smoothing[k]` when `smoothing` ([K] f32) is given, to int8 with one
/// scale and zero point per row (asymmetric, the row's range widened to
/// include 0), written as `kernel` reads them: K padded to
/// kernel.getPaddedDepth(K). With `validRows`, only rows [0, validRows) are
/// quantized. With `rowBlocks` and no `validRows`, the parallel loop splits
/// the rows into the blocks buildQuantizedGemm splits them into with the same
/// `rowBlocks` (one per thread of the pool), and states that partition
/// (#mbert.row_partition), as the GEMM's loop does.
QuantizedRows buildRowQuantization(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                                   mlir::Value smoothing, model::MicroKernelAttr kernel,
                                   mlir::Value validRows = {}, mlir::Value rowBlocks = {});

/// C[M, N] = activation(seed + A[M, K] @ B) in f32, computed `kernel.mr`
/// rows by one panel of `kernel.nr` columns at a time: the tile's
/// accumulators stay in registers over the whole of K, B is read one
/// contiguous panel row per step (the x86 and portable kernels prefetch the
/// same row of the next panel), and C is written once. Rows that do not
/// fill a tile get a second, shorter kernel, right after the whole tiles of
/// each panel (the f32 broadcast-FMA one with floor(mr / rows) sets of
/// accumulators, as many independent FMA chains as a whole tile has);
/// columns past N are masked. Rows known only at run time (`bounds.rows`)
/// reuse the full tile for the rows that do not fill one: it moves back to
/// end at the last row, recomputing rows of the tile before it (the same
/// values), so that no row count costs more than one extra tile and the
/// kernel stays one function. With `lhsRowScale` ([M] f32), row m of A is
/// lhs[m] * lhsRowScale[m]: the accumulators then start at zero, and the
/// scale multiplies each result row before the seed is added (an FMA).
mlir::Value buildRegisterTiledGemm(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                                   const GemmRhs &rhs, int64_t columns,
                                   model::MicroKernelAttr kernel, GemmSeedBuilder buildSeed,
                                   bool relu, const GemmBounds &bounds = {},
                                   mlir::Value lhsRowScale = {}, mlir::Value rowBlocks = {});

/// The same with an integer kernel: A quantized per row (K = `depth` before
/// padding), B packed int8 with its column scales and sums. The int32
/// accumulators are dequantized (zero points, row and column scales) before
/// the f32 seed is added, so the epilogue is the f32 one.
mlir::Value buildQuantizedGemm(mlir::OpBuilder &b, mlir::Location loc, const QuantizedRows &lhs,
                               int64_t depth, const GemmRhs &rhs, int64_t columns,
                               model::MicroKernelAttr kernel, GemmSeedBuilder buildSeed, bool relu,
                               mlir::Value validRows = {}, mlir::Value rowBlocks = {});

} // namespace mbert

#endif // MBERT_CONVERSION_REGISTERTILEDGEMM_H
