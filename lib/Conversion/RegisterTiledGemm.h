//===- RegisterTiledGemm.h - a GEMM kernel with register tiles --*- C++ -*-===//
//
// The contraction kernel that every linear layer lowers to. Written with
// vector ops on tensors so that it bufferizes with the rest of the model and
// LLVM sees a loop whose accumulators are plain SSA vectors: it keeps them in
// registers for the whole reduction instead of reloading the output.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_CONVERSION_REGISTERTILEDGEMM_H
#define MBERT_CONVERSION_REGISTERTILEDGEMM_H

#include "mbert/Conversion/LowerToLinalg.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mbert {

/// How the kernel reads the right-hand side B of C = A @ B.
struct GemmRhs {
  /// [K, N] row-major, or packed as [ceil(N / panelWidth), K, panelWidth]
  /// (see mbert.linear's weight_panel_width).
  mlir::Value matrix;
  /// 0 when `matrix` is [K, N]; otherwise the panel width, which is then also
  /// the width of the register tile.
  int64_t panelWidth = 0;
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

/// C[M, N] = activation(seed + A[M, K] @ B), computed `tile.rows` rows by one
/// panel of columns at a time: the tile's accumulators stay in registers over
/// the whole of K, B is read one contiguous panel row per step of k, A one
/// broadcast element per row per step, and C is written once. Rows that do not
/// fill a tile get a second, shorter kernel; columns past N are masked.
mlir::Value buildRegisterTiledGemm(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                                   const GemmRhs &rhs, int64_t columns, const GemmTile &tile,
                                   GemmSeedBuilder buildSeed, bool relu);

} // namespace mbert

#endif // MBERT_CONVERSION_REGISTERTILEDGEMM_H
