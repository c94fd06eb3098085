//===- RegisterTiledGemm.cpp - GEMM microkernels with register tiles ------===//

#include "RegisterTiledGemm.h"

#include "StructuredBuilders.h"
#include "mbert/Conversion/LowerToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using mbert::model::KernelInstruction;
using mbert::model::MicroKernelAttr;

namespace mbert {

namespace {

/// The loops of one kernel shape over a range of rows.
class GemmKernelBuilder {
public:
  GemmKernelBuilder(OpBuilder &b, Location loc, MicroKernelAttr kernel, Value lhs,
                    const QuantizedRows *quantized, const GemmRhs &rhs, int64_t columns,
                    int64_t depth, GemmSeedBuilder buildSeed, bool relu)
      : b(b), loc(loc), kernel(kernel), instruction(kernel.getInstruction()), lhs(lhs),
        quantized(quantized), rhs(rhs), columns(columns), depth(depth), nr(kernel.getNr()),
        buildSeed(buildSeed), relu(relu), packed(getTensorType(rhs.matrix).getRank() == 4),
        outputType(VectorType::get({nr}, b.getF32Type())),
        columnsInBounds(columns % nr == 0) {
    // The packed [panels, K / kr, nr, kr] weight as [panels, K / kr, nr * kr]:
    // each step of the reduction reads one contiguous run of a panel.
    if (packed) {
      ArrayRef<int64_t> shape = getTensorType(rhs.matrix).getShape();
      panelRows = buildStaticReshape(
          b, loc, rhs.matrix,
          RankedTensorType::get({shape[0], shape[1], shape[2] * shape[3]},
                                getTensorType(rhs.matrix).getElementType()));
    }
  }

  /// Computes rows [firstRow, endRow) of `result`, `tileRows` at a time
  /// (tileRows divides the range). The panel loop is outside the row loop:
  /// a panel of B is reused by every row tile while it is in cache.
  Value build(Value result, int64_t firstRow, int64_t endRow, int64_t tileRows) {
    int64_t panels = llvm::divideCeilSigned(columns, nr);
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

  Value mulIndex(Value base, int64_t factor) {
    return factor == 1 ? base : arith::MulIOp::create(b, loc, base, index(factor)).getResult();
  }

  /// Accumulator vectors per row of the tile, and their type: one vector of
  /// the whole width, except where an instruction writes narrower ones (SDOT
  /// four int32 lanes, PMADDWD half the row per x86 register).
  int64_t chunksPerRow() const {
    switch (instruction) {
    case KernelInstruction::Sdot:
      return nr / 4;
    case KernelInstruction::Pmaddwd:
      return 2;
    default:
      return 1;
    }
  }

  VectorType accumulatorType() {
    return VectorType::get({nr / chunksPerRow()}, kernel.getAccumulator());
  }

  /// Reduction steps of the tile's loop and the depth each consumes.
  int64_t depthPerStep() const {
    switch (instruction) {
    case KernelInstruction::Sdot:
      return 16;
    case KernelInstruction::Pmaddwd:
      return 2;
    default:
      return 1;
    }
  }

  Value zeroVector(VectorType type) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getZeroAttr(type.getElementType())));
  }

  /// `width` consecutive elements of the packed panel at reduction group
  /// `group`, from element `offset` of the group's nr * kr run.
  Value readPanel(Value panel, Value group, int64_t offset, int64_t width) {
    auto type = VectorType::get({width}, getTensorType(panelRows).getElementType());
    return readRowSegment(b, loc, panelRows, {panel, group, index(offset)}, type);
  }

  /// One register tile: rows [row, row + tileRows), the columns of `panel`.
  Value buildTile(Value result, Value panel, Value row, int64_t tileRows) {
    Value column = mulIndex(panel, nr);
    SmallVector<Value> seeds(tileRows);
    for (int64_t r = 0; r < tileRows; ++r)
      seeds[r] = buildSeed(b, loc, addIndex(row, r), column, outputType);

    // f32 kernels start from the seeds; integer ones from zero, and add the
    // seed after dequantizing.
    SmallVector<Value> initial;
    for (int64_t r = 0; r < tileRows; ++r)
      for (int64_t c = 0; c < chunksPerRow(); ++c)
        initial.push_back(instruction == KernelInstruction::Fma && seeds[r]
                              ? seeds[r]
                              : zeroVector(accumulatorType()));
    int64_t steps = kernel.isInteger() ? kernel.getPaddedDepth(depth) / depthPerStep() : depth;
    auto reduction = scf::ForOp::create(
        b, loc, index(0), index(steps), index(1), initial,
        [&](OpBuilder &, Location, Value step, ValueRange accumulators) {
          scf::YieldOp::create(
              b, loc, buildReductionStep(panel, column, row, step, tileRows, accumulators));
        });

    for (int64_t r = 0; r < tileRows; ++r) {
      Value tileRow = kernel.isInteger()
                          ? dequantize(reduction.getResults().slice(r * chunksPerRow(),
                                                                    chunksPerRow()),
                                       addIndex(row, r), column, seeds[r])
                          : reduction.getResult(r);
      if (relu)
        tileRow = arith::MaximumFOp::create(b, loc, tileRow, zeroVector(outputType));
      result = vector::TransferWriteOp::create(b, loc, tileRow, result,
                                               ValueRange{addIndex(row, r), column},
                                               ArrayRef<bool>{columnsInBounds})
                   .getResult();
    }
    return result;
  }

  SmallVector<Value> buildReductionStep(Value panel, Value column, Value row, Value step,
                                        int64_t tileRows, ValueRange accumulators) {
    switch (instruction) {
    case KernelInstruction::Fma:
      return stepFma(panel, column, row, step, tileRows, accumulators);
    case KernelInstruction::WideningMac:
      return stepWideningMac(panel, row, step, tileRows, accumulators);
    case KernelInstruction::Sdot:
      return stepSdot(panel, row, step, tileRows, accumulators);
    case KernelInstruction::Pmaddwd:
      return stepPmaddwd(panel, row, step, tileRows, accumulators);
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

  /// Two steps of the reduction: the panel's nr x 2 int8 block, widened to
  /// int16, meets each row's pair of A values repeated in every int32 lane;
  /// PMADDWD multiplies the int16 pairs and sums each pair into an int32.
  SmallVector<Value> stepPmaddwd(Value panel, Value row, Value step, int64_t tileRows,
                                 ValueRange accumulators) {
    int64_t lanes = nr / 2;
    auto pairs = VectorType::get({nr}, b.getI16Type());
    auto sums = VectorType::get({lanes}, b.getI32Type());
    StringRef intrinsic = lanes == 16  ? "llvm.x86.avx512.pmaddw.d.512"
                          : lanes == 8 ? "llvm.x86.avx2.pmadd.wd"
                                       : "llvm.x86.sse2.pmadd.wd";
    SmallVector<Value> halves;
    for (int64_t half = 0; half < 2; ++half)
      halves.push_back(arith::ExtSIOp::create(b, loc, pairs, readPanel(panel, step, half * nr, nr)));
    Value depthOffset = mulIndex(step, 2);
    SmallVector<Value> updated;
    for (int64_t r = 0; r < tileRows; ++r) {
      Value pair = readRowSegment(b, loc, lhs, {addIndex(row, r), depthOffset},
                                  VectorType::get({2}, b.getI8Type()));
      Value widened = arith::ExtSIOp::create(b, loc, VectorType::get({2}, b.getI16Type()), pair);
      Value packedPair = vector::ExtractOp::create(
          b, loc, vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()), widened),
          ArrayRef<int64_t>{0});
      Value repeated = vector::BitCastOp::create(
          b, loc, pairs, vector::BroadcastOp::create(b, loc, sums, packedPair));
      for (int64_t half = 0; half < 2; ++half) {
        Value products = LLVM::CallIntrinsicOp::create(b, loc, sums, b.getStringAttr(intrinsic),
                                                       ValueRange{halves[half], repeated})
                             .getResult(0);
        updated.push_back(arith::AddIOp::create(b, loc, accumulators[r * 2 + half], products));
      }
    }
    return updated;
  }

  /// (acc - zero_point[row] * column_sums) * scale[row] * column_scale + seed:
  /// the int32 accumulators of one row as f32 outputs.
  Value dequantize(ValueRange chunks, Value row, Value column, Value seed) {
    auto wideType = VectorType::get({nr}, b.getI32Type());
    Value accumulator = chunks.front();
    if (chunks.size() > 1) {
      accumulator = zeroVector(wideType);
      int64_t width = accumulatorType().getNumElements();
      for (auto [c, chunk] : llvm::enumerate(chunks))
        accumulator = vector::InsertStridedSliceOp::create(
            b, loc, chunk, accumulator, ArrayRef<int64_t>{static_cast<int64_t>(c) * width},
            ArrayRef<int64_t>{1});
    }
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
    if (!seed)
      return arith::MulFOp::create(b, loc, asFloat, scale);
    return vector::FMAOp::create(b, loc, asFloat, scale, seed);
  }

  OpBuilder &b;
  Location loc;
  MicroKernelAttr kernel;
  KernelInstruction instruction;
  Value lhs;
  const QuantizedRows *quantized;
  const GemmRhs &rhs;
  int64_t columns, depth, nr;
  GemmSeedBuilder buildSeed;
  bool relu, packed;
  Value panelRows;
  VectorType outputType;
  bool columnsInBounds;
};

Value buildGemm(OpBuilder &b, Location loc, Value lhs, const QuantizedRows *quantized,
                const GemmRhs &rhs, int64_t columns, int64_t depth, MicroKernelAttr kernel,
                GemmSeedBuilder buildSeed, bool relu) {
  int64_t rows = getTensorType(lhs).getDimSize(0);
  Value result =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, columns}, b.getF32Type());
  GemmKernelBuilder builder(b, loc, kernel, lhs, quantized, rhs, columns, depth, buildSeed, relu);
  int64_t tileRows = kernel.getMr();
  int64_t fullTileRows = rows - rows % tileRows;
  if (fullTileRows > 0)
    result = builder.build(result, 0, fullTileRows, tileRows);
  if (fullTileRows < rows)
    result = builder.build(result, fullTileRows, rows, rows - fullTileRows);
  return result;
}

/// round-half-to-even of `x`, for |x| < 2^22, in plain arithmetic: adding
/// 1.5 * 2^23 leaves no fraction bits, so the FPU's own rounding does it.
/// (math.roundeven would be a libm call on x86-64 before SSE4.1.)
Value roundToNearestEven(OpBuilder &b, Location loc, Value x) {
  Value magic = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(12582912.0f));
  return arith::SubFOp::create(b, loc, arith::AddFOp::create(b, loc, x, magic), magic);
}

Value clampFloat(OpBuilder &b, Location loc, Value x, float low, float high) {
  Value lowValue = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(low));
  Value highValue = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(high));
  return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, lowValue),
                                   highValue);
}

} // namespace

Value readRowSegment(OpBuilder &b, Location loc, Value source, ValueRange indices,
                     VectorType type) {
  int64_t rowLength = cast<ShapedType>(source.getType()).getShape().back();
  Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  bool inBounds = rowLength % type.getNumElements() == 0;
  return vector::TransferReadOp::create(b, loc, type, source, indices, padding,
                                        ArrayRef<bool>{inBounds});
}

QuantizedRows buildRowQuantization(OpBuilder &b, Location loc, Value input,
                                   MicroKernelAttr kernel) {
  MLIRContext *context = b.getContext();
  RankedTensorType inputType = getTensorType(input);
  int64_t rows = inputType.getDimSize(0), depth = inputType.getDimSize(1);
  int64_t paddedDepth = kernel.getPaddedDepth(depth);
  Type f32 = b.getF32Type(), i32 = b.getI32Type(), i8 = b.getI8Type();
  auto perRow = RankedTensorType::get({rows}, f32);

  // The row's range, widened to include 0 so that zeros (ReLU outputs,
  // padding) are exact.
  Value zero = createFilledTensor(b, loc, perRow, b.getF32FloatAttr(0.0f));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, context);
  AffineMap rowMap = AffineMap::get(2, 0, getAffineDimExpr(0, context), context);
  auto range = linalg::GenericOp::create(
      b, loc, TypeRange{perRow, perRow}, input, ValueRange{zero, zero},
      ArrayRef<AffineMap>{identity, rowMap, rowMap},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel, utils::IteratorType::reduction},
      [](OpBuilder &nested, Location bodyLoc, ValueRange args) {
        Value low = arith::MinimumFOp::create(nested, bodyLoc, args[0], args[1]);
        Value high = arith::MaximumFOp::create(nested, bodyLoc, args[0], args[2]);
        linalg::YieldOp::create(nested, bodyLoc, ValueRange{low, high});
      });

  // scale = range / 255 (1 for an all-zero row); the zero point maps the
  // row's minimum to -128.
  auto rowsI32 = RankedTensorType::get({rows}, i32);
  auto parameters = linalg::GenericOp::create(
      b, loc, TypeRange{perRow, perRow, rowsI32}, range.getResults(),
      ValueRange{tensor::EmptyOp::create(b, loc, perRow.getShape(), f32),
                 tensor::EmptyOp::create(b, loc, perRow.getShape(), f32),
                 tensor::EmptyOp::create(b, loc, rowsI32.getShape(), i32)},
      SmallVector<AffineMap>(5, AffineMap::getMultiDimIdentityMap(1, context)),
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [](OpBuilder &nested, Location bodyLoc, ValueRange args) {
        auto constant = [&](float value) {
          return arith::ConstantOp::create(nested, bodyLoc, nested.getF32FloatAttr(value));
        };
        Value span = arith::SubFOp::create(nested, bodyLoc, args[1], args[0]);
        Value empty = arith::CmpFOp::create(nested, bodyLoc, arith::CmpFPredicate::OLE, span,
                                            constant(0.0f));
        Value scale = arith::SelectOp::create(
            nested, bodyLoc, empty, constant(1.0f),
            arith::DivFOp::create(nested, bodyLoc, span, constant(255.0f)));
        Value inverse = arith::DivFOp::create(nested, bodyLoc, constant(1.0f), scale);
        Value shifted = arith::SubFOp::create(
            nested, bodyLoc, constant(-128.0f),
            arith::MulFOp::create(nested, bodyLoc, args[0], inverse));
        Value zeroPoint = roundToNearestEven(
            nested, bodyLoc, clampFloat(nested, bodyLoc, shifted, -128.0f, 127.0f));
        linalg::YieldOp::create(
            nested, bodyLoc,
            ValueRange{scale, inverse,
                       arith::FPToSIOp::create(nested, bodyLoc, nested.getI32Type(), zeroPoint)});
      });
  Value scale = parameters.getResult(0), inverse = parameters.getResult(1);
  Value zeroPoint = parameters.getResult(2);

  // q = clamp(round(x / scale) + zero_point, -128, 127), zero past K.
  auto quantizedType = RankedTensorType::get({rows, paddedDepth}, i8);
  auto quantizeElement = [&](OpBuilder &nested, Location bodyLoc, ValueRange args) -> Value {
    Value row = linalg::IndexOp::create(nested, bodyLoc, 0);
    Value k = linalg::IndexOp::create(nested, bodyLoc, 1);
    Value last = arith::ConstantIndexOp::create(nested, bodyLoc, depth - 1);
    Value x = tensor::ExtractOp::create(
        nested, bodyLoc, input,
        ValueRange{row, depth == paddedDepth
                            ? k
                            : arith::MinUIOp::create(nested, bodyLoc, k, last).getResult()});
    Value zeroPointFloat = arith::SIToFPOp::create(nested, bodyLoc, nested.getF32Type(), args[1]);
    Value shifted = arith::AddFOp::create(
        nested, bodyLoc, arith::MulFOp::create(nested, bodyLoc, x, args[0]), zeroPointFloat);
    Value rounded =
        roundToNearestEven(nested, bodyLoc, clampFloat(nested, bodyLoc, shifted, -128.0f, 127.0f));
    Value value = arith::TruncIOp::create(
        nested, bodyLoc, nested.getI8Type(),
        arith::FPToSIOp::create(nested, bodyLoc, nested.getI32Type(), rounded));
    if (depth == paddedDepth)
      return value;
    Value depthValue = arith::ConstantIndexOp::create(nested, bodyLoc, depth);
    Value inside =
        arith::CmpIOp::create(nested, bodyLoc, arith::CmpIPredicate::ult, k, depthValue);
    Value zeroByte = arith::ConstantOp::create(nested, bodyLoc, nested.getI8IntegerAttr(0));
    return arith::SelectOp::create(nested, bodyLoc, inside, value, zeroByte);
  };
  Value quantizedRows = buildParallelGeneric(b, loc, quantizedType, ValueRange{inverse, zeroPoint},
                                             {rowMap, rowMap}, quantizeElement);
  return QuantizedRows{quantizedRows, scale, zeroPoint};
}

Value buildRegisterTiledGemm(OpBuilder &b, Location loc, Value lhs, const GemmRhs &rhs,
                             int64_t columns, MicroKernelAttr kernel, GemmSeedBuilder buildSeed,
                             bool relu) {
  int64_t depth = getTensorType(lhs).getDimSize(1);
  return buildGemm(b, loc, lhs, nullptr, rhs, columns, depth, kernel, buildSeed, relu);
}

Value buildQuantizedGemm(OpBuilder &b, Location loc, const QuantizedRows &lhs, int64_t depth,
                         const GemmRhs &rhs, int64_t columns, MicroKernelAttr kernel,
                         GemmSeedBuilder buildSeed, bool relu) {
  return buildGemm(b, loc, lhs.rows, &lhs, rhs, columns, depth, kernel, buildSeed, relu);
}

} // namespace mbert
