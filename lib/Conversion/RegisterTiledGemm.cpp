//===- RegisterTiledGemm.cpp - a GEMM kernel with register tiles ----------===//

#include "RegisterTiledGemm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace mbert {

namespace {

/// The loops of one kernel shape over a range of rows.
class GemmKernelBuilder {
public:
  GemmKernelBuilder(OpBuilder &b, Location loc, Value lhs, const GemmRhs &rhs, int64_t columns,
                    int64_t panelWidth, GemmSeedBuilder buildSeed, bool relu)
      : b(b), loc(loc), lhs(lhs), rhs(rhs), columns(columns), panelWidth(panelWidth),
        buildSeed(buildSeed), relu(relu),
        vectorType(VectorType::get({panelWidth}, cast<ShapedType>(lhs.getType()).getElementType())),
        columnsInBounds(columns % panelWidth == 0) {}

  /// Computes rows [firstRow, endRow) of `result`, `tileRows` at a time
  /// (tileRows divides the range). The panel loop is outside the row loop:
  /// a panel of B is reused by every row tile while it is in cache.
  Value build(Value result, int64_t firstRow, int64_t endRow, int64_t tileRows) {
    int64_t panels = llvm::divideCeilSigned(columns, panelWidth);
    auto panelLoop = scf::ForOp::create(
        b, loc, index(0), index(panels), index(1), ValueRange{result},
        [&](OpBuilder &, Location, Value panel, ValueRange panelCarried) {
          auto rowLoop = scf::ForOp::create(
              b, loc, index(firstRow), index(endRow), index(tileRows), panelCarried,
              [&](OpBuilder &, Location, Value row, ValueRange rowCarried) {
                scf::YieldOp::create(b, loc, buildTile(rowCarried[0], panel, row, tileRows));
              });
          scf::YieldOp::create(b, loc, rowLoop.getResults());
        });
    // Panels write disjoint columns of the result.
    panelLoop->setAttr(kParallelLoopAttr, b.getUnitAttr());
    return panelLoop.getResult(0);
  }

private:
  Value index(int64_t value) { return arith::ConstantIndexOp::create(b, loc, value); }

  Value addIndex(Value base, int64_t offset) {
    return offset ? arith::AddIOp::create(b, loc, base, index(offset)).getResult() : base;
  }

  /// One register tile: rows [row, row + tileRows), the columns of `panel`.
  Value buildTile(Value result, Value panel, Value row, int64_t tileRows) {
    Value column = arith::MulIOp::create(b, loc, panel, index(panelWidth));
    Value zero = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(
        vectorType, b.getZeroAttr(vectorType.getElementType())));
    SmallVector<Value> seeds;
    for (int64_t r = 0; r < tileRows; ++r) {
      Value seed = buildSeed(b, loc, addIndex(row, r), column, vectorType);
      seeds.push_back(seed ? seed : zero);
    }
    int64_t depth = cast<ShapedType>(lhs.getType()).getDimSize(1);
    auto reduction = scf::ForOp::create(
        b, loc, index(0), index(depth), index(1), seeds,
        [&](OpBuilder &, Location, Value k, ValueRange accumulators) {
          Value rhsRow = readRhsRow(panel, column, k);
          SmallVector<Value> updated;
          for (int64_t r = 0; r < tileRows; ++r) {
            Value element = tensor::ExtractOp::create(b, loc, lhs, ValueRange{addIndex(row, r), k});
            Value broadcast = vector::BroadcastOp::create(b, loc, vectorType, element);
            updated.push_back(
                vector::FMAOp::create(b, loc, broadcast, rhsRow, accumulators[r]));
          }
          scf::YieldOp::create(b, loc, updated);
        });
    for (int64_t r = 0; r < tileRows; ++r) {
      Value tileRow = reduction.getResult(r);
      if (relu)
        tileRow = arith::MaximumFOp::create(b, loc, tileRow, zero);
      result = vector::TransferWriteOp::create(b, loc, tileRow, result,
                                               ValueRange{addIndex(row, r), column},
                                               ArrayRef<bool>{columnsInBounds})
                   .getResult();
    }
    return result;
  }

  /// B[k, column .. column + panelWidth): a contiguous run of the packed
  /// panel (always whole), or of row k of the row-major matrix (zero past N).
  Value readRhsRow(Value panel, Value column, Value k) {
    if (rhs.panelWidth)
      return readRowSegment(b, loc, rhs.matrix, {panel, k, index(0)}, vectorType);
    return readRowSegment(b, loc, rhs.matrix, {k, column}, vectorType);
  }

  OpBuilder &b;
  Location loc;
  Value lhs;
  const GemmRhs &rhs;
  int64_t columns, panelWidth;
  GemmSeedBuilder buildSeed;
  bool relu;
  VectorType vectorType;
  bool columnsInBounds;
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

Value buildRegisterTiledGemm(OpBuilder &b, Location loc, Value lhs, const GemmRhs &rhs,
                             int64_t columns, const GemmTile &tile, GemmSeedBuilder buildSeed,
                             bool relu) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  int64_t rows = lhsType.getDimSize(0);
  int64_t panelWidth = rhs.panelWidth ? rhs.panelWidth : tile.columns;
  Value result = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, columns},
                                         lhsType.getElementType());
  GemmKernelBuilder kernel(b, loc, lhs, rhs, columns, panelWidth, buildSeed, relu);
  int64_t fullTileRows = rows - rows % tile.rows;
  if (fullTileRows > 0)
    result = kernel.build(result, 0, fullTileRows, tile.rows);
  if (fullTileRows < rows)
    result = kernel.build(result, fullTileRows, rows, rows - fullTileRows);
  return result;
}

} // namespace mbert
