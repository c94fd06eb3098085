//===- OnnxToLinalg.cpp - the import dialect to linalg on tensors ---------===//
//
// The generic path of the compiler: every ONNX op the raising passes left in
// place lowers here, one op at a time, with ONNX semantics (numpy
// broadcasting, negative axes and indices, clamped slice bounds). Shapes must
// be static; shape operands (Slice bounds, pads) must be constants.
//
//===----------------------------------------------------------------------===//

#include "mbert/Conversion/LowerToLinalg.h"

#include "StructuredBuilders.h"
#include "dialects/Onnx/OnnxOps.h"
#include "dialects/Onnx/OnnxShapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
namespace onnx = mbert::onnx_import;

namespace mbert {

namespace {

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// Constant, Shape and ConstantOfShape are compile-time constants once shapes
/// are static; the ops' own folders compute the value, so the lowering and
/// the folding cannot disagree.
template <typename OpTy> LogicalResult lowerToFoldedConstant(OpTy op, PatternRewriter &rewriter) {
  SmallVector<OpFoldResult> folded;
  if (failed(op->fold(folded)) || folded.size() != 1)
    return rewriter.notifyMatchFailure(op, "the result is not a compile-time constant "
                                           "(is the shape it depends on dynamic?)");
  auto value = dyn_cast_if_present<TypedAttr>(dyn_cast<Attribute>(folded.front()));
  if (!value || value.getType() != op->getResult(0).getType())
    return rewriter.notifyMatchFailure(op, "the folded value does not have the result type");
  rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Builds one element of an elementwise op from its operands' elements.
using ScalarFunction = Value (*)(OpBuilder &, Location, ValueRange);

Value addScalars(OpBuilder &b, Location loc, ValueRange args) {
  return createAdd(b, loc, args[0], args[1]);
}

Value subtractScalars(OpBuilder &b, Location loc, ValueRange args) {
  if (isa<FloatType>(args[0].getType()))
    return arith::SubFOp::create(b, loc, args[0], args[1]);
  return arith::SubIOp::create(b, loc, args[0], args[1]);
}

Value multiplyScalars(OpBuilder &b, Location loc, ValueRange args) {
  return createMul(b, loc, args[0], args[1]);
}

Value divideScalars(OpBuilder &b, Location loc, ValueRange args) {
  if (isa<FloatType>(args[0].getType()))
    return arith::DivFOp::create(b, loc, args[0], args[1]);
  // ONNX integer division truncates toward zero, which is what divsi does.
  return arith::DivSIOp::create(b, loc, args[0], args[1]);
}

Value compareEqual(OpBuilder &b, Location loc, ValueRange args) {
  if (isa<FloatType>(args[0].getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, args[0], args[1]);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, args[0], args[1]);
}

Value selectScalar(OpBuilder &b, Location loc, ValueRange args) {
  return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
}

Value reluScalar(OpBuilder &b, Location loc, ValueRange args) {
  return createRelu(b, loc, args[0]);
}

Value sqrtScalar(OpBuilder &b, Location loc, ValueRange args) {
  return math::SqrtOp::create(b, loc, args[0]);
}

/// An op whose operands all broadcast to its result: one generic.
template <typename OpTy, ScalarFunction scalarFunction>
LogicalResult lowerElementwise(OpTy op, PatternRewriter &rewriter) {
  rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), getTensorType(op->getResult(0)),
                                          op->getOperands(), scalarFunction));
  return success();
}

/// Converts one element with ONNX Cast semantics: integers are signed except
/// bool, which converts as 0/1; a cast to bool tests for non-zero.
Value castScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (to.isInteger(1)) {
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(from));
    // Unordered: NaN is non-zero, so it casts to true (as in numpy).
    if (isa<FloatType>(from))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
  }
  bool fromBool = from.isInteger(1);
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (isa<FloatType>(to)) {
    if (fromBool)
      return arith::UIToFPOp::create(b, loc, to, value);
    if (isa<IntegerType>(from))
      return arith::SIToFPOp::create(b, loc, to, value);
    if (fromWidth < toWidth)
      return arith::ExtFOp::create(b, loc, to, value);
    if (fromWidth > toWidth)
      return arith::TruncFOp::create(b, loc, to, value);
    // Same width, different formats (f16 <-> bf16): f32 holds both exactly.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, to, wide);
  }
  if (isa<FloatType>(from))
    return arith::FPToSIOp::create(b, loc, to, value);
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, to, value);
  if (fromBool)
    return arith::ExtUIOp::create(b, loc, to, value);
  return arith::ExtSIOp::create(b, loc, to, value);
}

LogicalResult lowerCast(onnx::CastOp op, PatternRewriter &rewriter) {
  RankedTensorType resultType = getTensorType(op.getOutput());
  if (op.getInput().getType() == resultType) {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
  Type to = resultType.getElementType();
  rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), resultType, op.getInput(),
                                          [to](OpBuilder &b, Location loc, ValueRange args) {
                                            return castScalar(b, loc, args[0], to);
                                          }));
  return success();
}

/// ONNX Pow has the base's type. A float base is raised to the exponent
/// converted to its type; an integer base computes in f64 and truncates back,
/// which is exact wherever the integer result is representable, and is what
/// ONNX's reference (numpy's power, then a cast to the base type) computes
/// for a float exponent.
LogicalResult lowerPow(onnx::PowOp op, PatternRewriter &rewriter) {
  RankedTensorType resultType = getTensorType(op.getOutput());
  Type baseType = resultType.getElementType();
  Type computeType = isa<FloatType>(baseType) ? baseType : rewriter.getF64Type();
  rewriter.replaceOp(
      op, buildElementwise(rewriter, op.getLoc(), resultType, op->getOperands(),
                           [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                             Value power = math::PowFOp::create(
                                 b, loc, castScalar(b, loc, args[0], computeType),
                                 castScalar(b, loc, args[1], computeType));
                             return castScalar(b, loc, power, baseType);
                           }));
  return success();
}

LogicalResult lowerExpand(onnx::ExpandOp op, PatternRewriter &rewriter) {
  rewriter.replaceOp(
      op, buildElementwise(rewriter, op.getLoc(), getTensorType(op.getOutput()), op.getInput(),
                           [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

/// Numpy matmul's loops: the result's dimensions (batch, then m when lhs is a
/// matrix, n when rhs is a matrix) followed by k. A 1-D operand simply has no
/// m (or n) dimension, which is numpy's promotion and removal of the size-1
/// dimension in one step.
struct MatMulLoops {
  MatMulLoops(ArrayRef<int64_t> lhsShape, ArrayRef<int64_t> rhsShape, RankedTensorType resultType,
              MLIRContext *context)
      : resultRank(resultType.getRank()), loops(resultRank + 1), context(context) {
    bool lhsIsMatrix = lhsShape.size() > 1, rhsIsMatrix = rhsShape.size() > 1;
    batchRank = resultRank - lhsIsMatrix - rhsIsMatrix;
    ArrayRef<int64_t> batchExtents = resultType.getShape().take_front(batchRank);
    AffineExpr k = getAffineDimExpr(resultRank, context);
    SmallVector<AffineExpr> lhsExprs, rhsExprs;
    if (lhsIsMatrix) {
      lhsExprs = getBroadcastExprs(lhsShape.drop_back(2), batchExtents, context);
      lhsExprs.push_back(getAffineDimExpr(batchRank, context));
    }
    lhsExprs.push_back(k);
    if (rhsIsMatrix)
      rhsExprs = getBroadcastExprs(rhsShape.drop_back(2), batchExtents, context);
    rhsExprs.push_back(k);
    if (rhsIsMatrix)
      rhsExprs.push_back(getAffineDimExpr(resultRank - 1, context));
    lhsMap = AffineMap::get(loops, 0, lhsExprs, context);
    rhsMap = AffineMap::get(loops, 0, rhsExprs, context);
  }

  /// The m loop (a row of A) and the n loop (a column of B).
  AffineExpr getRowLoop() const { return getAffineDimExpr(batchRank, context); }
  AffineExpr getColumnLoop() const { return getAffineDimExpr(resultRank - 1, context); }

  int64_t resultRank, batchRank, loops;
  AffineMap lhsMap, rhsMap;
  MLIRContext *context;
};

/// Numpy matmul as one contraction over MatMulLoops.
LogicalResult lowerMatMul(onnx::MatMulOp op, PatternRewriter &rewriter) {
  RankedTensorType resultType = getTensorType(op.getOutput());
  MatMulLoops loops(getTensorType(op.getLhs()).getShape(), getTensorType(op.getRhs()).getShape(),
                    resultType, rewriter.getContext());
  Value zeros = createFilledTensor(rewriter, op.getLoc(), resultType,
                                   rewriter.getZeroAttr(resultType.getElementType()));
  rewriter.replaceOp(op, buildContraction(rewriter, op.getLoc(), op.getLhs(), loops.lhsMap,
                                          op.getRhs(), loops.rhsMap, zeros));
  return success();
}

/// alpha * op(A) op(B) + beta * C: the transposes are indexing maps, the
/// scaling and C an elementwise epilogue (skipped when it would be identity).
LogicalResult lowerGemm(onnx::GemmOp op, PatternRewriter &rewriter) {
  RankedTensorType resultType = getTensorType(op.getOutput());
  Type elementType = resultType.getElementType();
  double alpha = op.getAlpha().convertToDouble();
  double beta = op.getBeta().convertToDouble();
  Value c = op.getC();
  bool scalesProduct = alpha != 1.0, scalesC = c && beta != 1.0;
  if (!isa<FloatType>(elementType) && (scalesProduct || scalesC))
    return rewriter.notifyMatchFailure(op, "an integer Gemm needs alpha = beta = 1");

  // Loops (m, n, k).
  MLIRContext *context = rewriter.getContext();
  AffineExpr m = getAffineDimExpr(0, context), n = getAffineDimExpr(1, context),
             k = getAffineDimExpr(2, context);
  AffineMap aMap = AffineMap::get(3, 0, op.getTransA() ? ArrayRef{k, m} : ArrayRef{m, k}, context);
  AffineMap bMap = AffineMap::get(3, 0, op.getTransB() ? ArrayRef{n, k} : ArrayRef{k, n}, context);
  Location loc = op.getLoc();
  Value alphaValue, betaValue;
  if (scalesProduct)
    alphaValue =
        arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(elementType, alpha));
  if (scalesC)
    betaValue = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(elementType, beta));
  Value zeros = createFilledTensor(rewriter, loc, resultType, rewriter.getZeroAttr(elementType));
  Value product = buildContraction(rewriter, loc, op.getA(), aMap, op.getB(), bMap, zeros);
  if (!scalesProduct && !c) {
    rewriter.replaceOp(op, product);
    return success();
  }

  SmallVector<Value> inputs = {product};
  if (c)
    inputs.push_back(c);
  rewriter.replaceOp(
      op, buildElementwise(rewriter, loc, resultType, inputs,
                           [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
                             Value result = args[0];
                             if (alphaValue)
                               result = arith::MulFOp::create(b, bodyLoc, result, alphaValue);
                             if (!c)
                               return result;
                             Value addend = args[1];
                             if (betaValue)
                               addend = arith::MulFOp::create(b, bodyLoc, addend, betaValue);
                             return createAdd(b, bodyLoc, result, addend);
                           }));
  return success();
}

LogicalResult lowerSoftmax(onnx::SoftmaxOp op, PatternRewriter &rewriter) {
  RankedTensorType type = getTensorType(op.getInput());
  if (!isa<FloatType>(type.getElementType()))
    return rewriter.notifyMatchFailure(op, "softmax needs a float element type");
  std::optional<int64_t> axis = onnx::normalizeAxis(op.getAxis(), type.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis is out of range");
  rewriter.replaceOp(op, buildSoftmax(rewriter, op.getLoc(), op.getInput(), *axis));
  return success();
}

/// The mean of `input` over the dimensions marked in `reduced`, returned with
/// the shape of `resultType` (the reduced dimensions removed or kept as 1; the
/// elements are the same). It sums in the input's type and divides by the
/// count, as numpy's mean does; integer means truncate like ONNX's reference.
Value buildMean(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced,
                RankedTensorType resultType) {
  RankedTensorType inputType = getTensorType(input);
  Type elementType = inputType.getElementType();
  MLIRContext *context = b.getContext();
  SmallVector<int64_t> keptShape;
  SmallVector<AffineExpr> keptExprs;
  SmallVector<utils::IteratorType> iterators;
  int64_t count = 1;
  for (auto [d, dim] : llvm::enumerate(inputType.getShape())) {
    if (reduced[d]) {
      count *= dim;
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    keptShape.push_back(dim);
    keptExprs.push_back(getAffineDimExpr(d, context));
    iterators.push_back(utils::IteratorType::parallel);
  }
  auto sumType = RankedTensorType::get(keptShape, elementType);
  Value zeros = createFilledTensor(b, loc, sumType, b.getZeroAttr(elementType));
  AffineMap inputMap = b.getMultiDimIdentityMap(inputType.getRank());
  AffineMap sumMap = AffineMap::get(inputType.getRank(), 0, keptExprs, context);
  Value sum = linalg::GenericOp::create(
                  b, loc, sumType, input, zeros, {inputMap, sumMap}, iterators,
                  [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                    linalg::YieldOp::create(nested, nestedLoc,
                                            createAdd(nested, nestedLoc, args[1], args[0]));
                  })
                  .getResult(0);
  TypedAttr countAttr = isa<FloatType>(elementType)
                            ? TypedAttr(b.getFloatAttr(elementType, static_cast<double>(count)))
                            : TypedAttr(b.getIntegerAttr(elementType, count));
  Value countValue = arith::ConstantOp::create(b, loc, countAttr);
  Value mean = buildElementwise(b, loc, sumType, sum,
                                [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
                                  return divideScalars(nested, nestedLoc, {args[0], countValue});
                                });
  return buildStaticReshape(b, loc, mean, resultType);
}

LogicalResult lowerReduceMean(onnx::ReduceMeanOp op, PatternRewriter &rewriter) {
  RankedTensorType inputType = getTensorType(op.getData());
  SmallVector<bool> reduced(inputType.getRank(), !op.getAxes());
  if (std::optional<ArrayRef<int64_t>> axes = op.getAxes())
    for (int64_t axis : *axes) {
      std::optional<int64_t> normalized = onnx::normalizeAxis(axis, inputType.getRank());
      if (!normalized)
        return rewriter.notifyMatchFailure(op, "axis is out of range");
      reduced[*normalized] = true;
    }
  rewriter.replaceOp(op, buildMean(rewriter, op.getLoc(), op.getData(), reduced,
                                   getTensorType(op.getReduced())));
  return success();
}

/// Two passes like ONNX's definition: the mean, then the mean of the squared
/// deviations from it (not E[x^2] - E[x]^2, which cancels badly when the
/// mean is large against the spread).
LogicalResult lowerLayerNormalization(onnx::LayerNormalizationOp op, PatternRewriter &rewriter) {
  RankedTensorType inputType = getTensorType(op.getInput());
  RankedTensorType statisticsType = getTensorType(op.getMean());
  std::optional<int64_t> axis = onnx::normalizeAxis(op.getAxis(), inputType.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis is out of range");
  SmallVector<bool> reduced(inputType.getRank(), false);
  std::fill(reduced.begin() + *axis, reduced.end(), true);

  Location loc = op.getLoc();
  Value mean = buildMean(rewriter, loc, op.getInput(), reduced, statisticsType);
  Value centered = buildElementwise(rewriter, loc, inputType, {op.getInput(), mean},
                                    [](OpBuilder &b, Location bodyLoc, ValueRange args) -> Value {
                                      return arith::SubFOp::create(b, bodyLoc, args[0], args[1]);
                                    });
  Value squared = buildElementwise(rewriter, loc, inputType, centered,
                                   [](OpBuilder &b, Location bodyLoc, ValueRange args) -> Value {
                                     return arith::MulFOp::create(b, bodyLoc, args[0], args[0]);
                                   });
  Value variance = buildMean(rewriter, loc, squared, reduced, statisticsType);
  Value epsilon = arith::ConstantOp::create(
      rewriter, loc, rewriter.getF32FloatAttr(op.getEpsilon().convertToFloat()));
  Value one = arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(1.0f));
  Value inverseStdDev =
      buildElementwise(rewriter, loc, statisticsType, variance,
                       [&](OpBuilder &b, Location bodyLoc, ValueRange args) -> Value {
                         Value shifted = arith::AddFOp::create(b, bodyLoc, args[0], epsilon);
                         Value root = math::SqrtOp::create(b, bodyLoc, shifted);
                         return arith::DivFOp::create(b, bodyLoc, one, root);
                       });
  SmallVector<Value> inputs = {centered, inverseStdDev, op.getScale()};
  if (Value bias = op.getBias())
    inputs.push_back(bias);
  Value normalized =
      buildElementwise(rewriter, loc, inputType, inputs,
                       [](OpBuilder &b, Location bodyLoc, ValueRange args) -> Value {
                         Value scaled = arith::MulFOp::create(b, bodyLoc, args[0], args[1]);
                         scaled = arith::MulFOp::create(b, bodyLoc, scaled, args[2]);
                         if (args.size() == 3)
                           return scaled;
                         return arith::AddFOp::create(b, bodyLoc, scaled, args[3]);
                       });
  rewriter.replaceOp(op, {normalized, mean, inverseStdDev});
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// Static ranked tensors of floats or integers of any signedness: uint8 is
/// the default type of ONNX's quantized values.
LogicalResult checkStaticQuantizationTensors(Operation *op, PatternRewriter &rewriter) {
  for (Type type : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
    auto tensorType = dyn_cast<RankedTensorType>(type);
    if (!tensorType || !tensorType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "operands and results must be static tensors");
  }
  return success();
}

template <typename OpTy, StaticLowering<OpTy> lower>
void addStaticQuantizationLowering(RewritePatternSet &patterns) {
  patterns.add(+[](OpTy op, PatternRewriter &rewriter) -> LogicalResult {
    if (failed(checkStaticQuantizationTensors(op, rewriter)))
      return failure();
    return lower(op, rewriter);
  });
}

/// arith only takes signless integers. A uint8 element is read as the i8 of
/// the same bits (and written back the same way); the casts disappear when
/// the LLVM lowering maps both types to i8.
Value toSignless(OpBuilder &b, Location loc, Value value) {
  auto type = dyn_cast<IntegerType>(value.getType());
  if (!type || type.isSignless())
    return value;
  return UnrealizedConversionCastOp::create(b, loc, b.getIntegerType(type.getWidth()), value)
      .getResult(0);
}

Value fromSignless(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return UnrealizedConversionCastOp::create(b, loc, type, value).getResult(0);
}

/// An int8, uint8 or int32 element of type `type` widened to i32 by its
/// signedness.
Value extendToI32(OpBuilder &b, Location loc, Value value, Type type) {
  Value signless = toSignless(b, loc, value);
  if (type.getIntOrFloatBitWidth() == 32)
    return signless;
  if (type.isUnsignedInteger())
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), signless);
  return arith::ExtSIOp::create(b, loc, b.getI32Type(), signless);
}

/// saturate(round_half_to_even(x / scale) + zero_point) into `resultType`
/// (int8 or uint8), in f32 as ONNX Runtime computes it: a NaN saturates to
/// the lowest value, as its vector code's max does.
Value quantizeScalar(OpBuilder &b, Location loc, Value x, Value scale, Value zeroPointI32,
                     Type resultType) {
  auto [lowest, highest] = *onnx::getQuantizedRange(resultType);
  Type f32 = b.getF32Type();
  Value rounded = math::RoundEvenOp::create(b, loc, arith::DivFOp::create(b, loc, x, scale));
  if (zeroPointI32)
    rounded = arith::AddFOp::create(b, loc, rounded,
                                    arith::SIToFPOp::create(b, loc, f32, zeroPointI32));
  Value low = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(lowest));
  Value high = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(highest));
  Value saturated = arith::MinNumFOp::create(b, loc, arith::MaxNumFOp::create(b, loc, rounded, low),
                                             high);
  Value integer = arith::FPToSIOp::create(b, loc, b.getI32Type(), saturated);
  Value narrow = arith::TruncIOp::create(b, loc, b.getI8Type(), integer);
  return fromSignless(b, loc, narrow, resultType);
}

/// The indexing map of a QuantizeLinear/DequantizeLinear parameter over the
/// loops of a rank-`rank` input: one value, or the value of the loop's slice
/// along `axis`.
AffineMap getParameterMap(Value parameter, int64_t rank, int64_t axis, MLIRContext *context) {
  RankedTensorType type = getTensorType(parameter);
  if (type.getRank() == 0)
    return AffineMap::get(rank, 0, {}, context);
  if (onnx::isPerTensorQuantization(type))
    return AffineMap::get(rank, 0, getAffineConstantExpr(0, context), context);
  return AffineMap::get(rank, 0, getAffineDimExpr(*onnx::normalizeAxis(axis, rank), context));
}

template <typename OpTy>
SmallVector<AffineMap> getQuantizationMaps(OpTy op) {
  MLIRContext *context = op.getContext();
  int64_t rank = getTensorType(op.getInput()).getRank();
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, context),
                                 getParameterMap(op.getScale(), rank, op.getAxis(), context)};
  if (op.getZeroPoint())
    maps.push_back(getParameterMap(op.getZeroPoint(), rank, op.getAxis(), context));
  return maps;
}

LogicalResult lowerQuantizeLinear(onnx::QuantizeLinearOp op, PatternRewriter &rewriter) {
  RankedTensorType resultType = getTensorType(op.getOutput());
  Type elementType = resultType.getElementType();
  Value zeroPoint = op.getZeroPoint();
  Type zeroPointType = zeroPoint ? getTensorType(zeroPoint).getElementType() : Type();
  rewriter.replaceOp(
      op, buildParallelGeneric(rewriter, op.getLoc(), resultType, op->getOperands(),
                               getQuantizationMaps(op),
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 Value zeroPointI32 =
                                     zeroPoint ? extendToI32(b, loc, args[2], zeroPointType) : Value();
                                 return quantizeScalar(b, loc, args[0], args[1], zeroPointI32,
                                                       elementType);
                               }));
  return success();
}

LogicalResult lowerDequantizeLinear(onnx::DequantizeLinearOp op, PatternRewriter &rewriter) {
  // A quantized weight (on the generic path: nothing raised it) is
  // dequantized at compile time.
  if (DenseElementsAttr values = op.computeConstantResult()) {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, values);
    return success();
  }
  Type inputType = getTensorType(op.getInput()).getElementType();
  bool hasZeroPoint = static_cast<bool>(op.getZeroPoint());
  rewriter.replaceOp(
      op, buildParallelGeneric(rewriter, op.getLoc(), getTensorType(op.getOutput()),
                               op->getOperands(), getQuantizationMaps(op),
                               [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                                 // (x - zero_point) in int32, then one rounding
                                 // to f32 and the multiply, as ONNX Runtime.
                                 Value value = extendToI32(b, loc, args[0], inputType);
                                 if (hasZeroPoint)
                                   value = arith::SubIOp::create(
                                       b, loc, value, extendToI32(b, loc, args[2], inputType));
                                 Value real = arith::SIToFPOp::create(b, loc, b.getF32Type(), value);
                                 return arith::MulFOp::create(b, loc, real, args[1]);
                               }));
  return success();
}

/// Three steps: the range of x widened to include 0 (a reduction into two
/// scalars that start at 0), the scale and zero point from it, then x
/// quantized with them.
LogicalResult lowerDynamicQuantizeLinear(onnx::DynamicQuantizeLinearOp op,
                                         PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  MLIRContext *context = rewriter.getContext();
  RankedTensorType inputType = getTensorType(op.getInput());
  int64_t rank = inputType.getRank();
  auto scalarType = RankedTensorType::get({}, rewriter.getF32Type());
  Value zeros = createFilledTensor(rewriter, loc, scalarType, rewriter.getF32FloatAttr(0.0f));
  AffineMap toScalar = AffineMap::get(rank, 0, {}, context);
  auto range = linalg::GenericOp::create(
      rewriter, loc, TypeRange{scalarType, scalarType}, op.getInput(), ValueRange{zeros, zeros},
      {AffineMap::getMultiDimIdentityMap(rank, context), toScalar, toScalar},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
      [](OpBuilder &b, Location bodyLoc, ValueRange args) {
        linalg::YieldOp::create(b, bodyLoc,
                                ValueRange{arith::MinNumFOp::create(b, bodyLoc, args[1], args[0]),
                                           arith::MaxNumFOp::create(b, bodyLoc, args[2], args[0])});
      });

  RankedTensorType zeroPointType = getTensorType(op.getZeroPoint());
  Type u8 = zeroPointType.getElementType();
  Value scaleInit = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{}, rewriter.getF32Type());
  Value zeroPointInit = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{}, u8);
  AffineMap scalar = AffineMap::get(0, 0, {}, context);
  auto parameters = linalg::GenericOp::create(
      rewriter, loc, TypeRange{scalarType, zeroPointType}, range.getResults(),
      ValueRange{scaleInit, zeroPointInit}, {scalar, scalar, scalar, scalar},
      ArrayRef<utils::IteratorType>{}, [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
        Value low = args[0], high = args[1];
        auto constant = [&](float value) {
          return arith::ConstantOp::create(b, bodyLoc, b.getF32FloatAttr(value)).getResult();
        };
        Value width = arith::SubFOp::create(b, bodyLoc, high, low);
        Value empty = arith::CmpFOp::create(b, bodyLoc, arith::CmpFPredicate::OEQ, high, low);
        Value scale = arith::SelectOp::create(
            b, bodyLoc, empty, constant(1.0f),
            arith::DivFOp::create(b, bodyLoc, width, constant(255.0f)));
        Value initial = arith::NegFOp::create(b, bodyLoc, arith::DivFOp::create(b, bodyLoc, low, scale));
        Value clamped = arith::MinNumFOp::create(
            b, bodyLoc, arith::MaxNumFOp::create(b, bodyLoc, initial, constant(0.0f)),
            constant(255.0f));
        // Half away from zero, as ONNX Runtime's std::round.
        Value rounded = math::RoundOp::create(b, bodyLoc, clamped);
        Value zeroPoint = arith::TruncIOp::create(
            b, bodyLoc, b.getI8Type(), arith::FPToSIOp::create(b, bodyLoc, b.getI32Type(), rounded));
        linalg::YieldOp::create(b, bodyLoc,
                                ValueRange{scale, fromSignless(b, bodyLoc, zeroPoint, u8)});
      });

  Value scale = parameters.getResult(0), zeroPoint = parameters.getResult(1);
  Value quantized = buildParallelGeneric(
      rewriter, loc, getTensorType(op.getOutput()), {op.getInput(), scale, zeroPoint},
      {AffineMap::getMultiDimIdentityMap(rank, context), toScalar, toScalar},
      [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
        return quantizeScalar(b, bodyLoc, args[0], args[1], extendToI32(b, bodyLoc, args[2], u8), u8);
      });
  rewriter.replaceOp(op, {quantized, scale, zeroPoint});
  return success();
}

/// MatMulLoops on operands widened to int32 with their
/// zero points subtracted; a zero point is read once for its operand, per
/// row of A (the m loop) or per column of B (the n loop).
LogicalResult lowerMatMulInteger(onnx::MatMulIntegerOp op, PatternRewriter &rewriter) {
  RankedTensorType lhsType = getTensorType(op.getLhs()), rhsType = getTensorType(op.getRhs());
  RankedTensorType resultType = getTensorType(op.getOutput());
  MLIRContext *context = rewriter.getContext();
  MatMulLoops matmul(lhsType.getShape(), rhsType.getShape(), resultType, context);
  int64_t resultRank = matmul.resultRank, loops = matmul.loops;

  SmallVector<Value> inputs = {op.getLhs(), op.getRhs()};
  SmallVector<AffineMap> maps = {matmul.lhsMap, matmul.rhsMap};
  auto addZeroPoint = [&](Value zeroPoint, AffineExpr perChannelLoop) {
    if (!zeroPoint)
      return;
    RankedTensorType type = getTensorType(zeroPoint);
    SmallVector<AffineExpr> exprs;
    if (type.getRank() == 1)
      exprs.push_back(onnx::isPerTensorQuantization(type) ? getAffineConstantExpr(0, context)
                                                          : perChannelLoop);
    inputs.push_back(zeroPoint);
    maps.push_back(AffineMap::get(loops, 0, exprs, context));
  };
  addZeroPoint(op.getLhsZeroPoint(), matmul.getRowLoop());
  addZeroPoint(op.getRhsZeroPoint(), matmul.getColumnLoop());
  maps.push_back(AffineMap::getMultiDimIdentityMap(loops, context).dropResult(resultRank));

  SmallVector<utils::IteratorType> iterators(resultRank, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value zeros = createFilledTensor(rewriter, op.getLoc(), resultType, rewriter.getI32IntegerAttr(0));
  Type lhsElement = lhsType.getElementType(), rhsElement = rhsType.getElementType();
  bool hasLhsZeroPoint = static_cast<bool>(op.getLhsZeroPoint());
  bool hasRhsZeroPoint = static_cast<bool>(op.getRhsZeroPoint());
  auto product = linalg::GenericOp::create(
      rewriter, op.getLoc(), resultType, inputs, zeros, maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value lhs = extendToI32(b, loc, args[0], lhsElement);
        Value rhs = extendToI32(b, loc, args[1], rhsElement);
        size_t next = 2;
        if (hasLhsZeroPoint)
          lhs = arith::SubIOp::create(b, loc, lhs, extendToI32(b, loc, args[next++], lhsElement));
        if (hasRhsZeroPoint)
          rhs = arith::SubIOp::create(b, loc, rhs, extendToI32(b, loc, args[next++], rhsElement));
        Value sum = arith::AddIOp::create(b, loc, args.back(), arith::MulIOp::create(b, loc, lhs, rhs));
        linalg::YieldOp::create(b, loc, sum);
      });
  rewriter.replaceOp(op, product.getResult(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

/// A generic over the result that reads `data` with tensor.extract at the
/// gathered index. Indices are wrapped (negative counts from the end) and then
/// clamped into the axis, so that no input can read outside `data`: the entry
/// point rejects out-of-range token ids before computing, but the generated
/// code must be memory-safe on its own.
LogicalResult lowerGather(onnx::GatherOp op, PatternRewriter &rewriter) {
  RankedTensorType dataType = getTensorType(op.getData());
  RankedTensorType indicesType = getTensorType(op.getIndices());
  RankedTensorType resultType = getTensorType(op.getOutput());
  std::optional<int64_t> axis = onnx::normalizeAxis(op.getAxis(), dataType.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis is out of range");
  int64_t extent = dataType.getDimSize(*axis);
  if (extent == 0)
    return rewriter.notifyMatchFailure(op, "gathers from an empty axis");
  int64_t indexRank = indicesType.getRank();

  // Result dimensions axis .. axis + indexRank - 1 walk the indices.
  MLIRContext *context = rewriter.getContext();
  SmallVector<AffineExpr> indexExprs;
  for (int64_t d = 0; d < indexRank; ++d)
    indexExprs.push_back(getAffineDimExpr(*axis + d, context));
  AffineMap indicesMap = AffineMap::get(resultType.getRank(), 0, indexExprs, context);

  Location loc = op.getLoc();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value extentValue = arith::ConstantIndexOp::create(rewriter, loc, extent);
  Value lastIndex = arith::ConstantIndexOp::create(rewriter, loc, extent - 1);
  Value data = op.getData();
  auto gatherElement = [&](OpBuilder &b, Location bodyLoc, ValueRange args) -> Value {
    Value index = arith::IndexCastOp::create(b, bodyLoc, b.getIndexType(), args[0]);
    Value isNegative = arith::CmpIOp::create(b, bodyLoc, arith::CmpIPredicate::slt, index, zero);
    Value fromEnd = arith::AddIOp::create(b, bodyLoc, index, extentValue);
    Value wrapped = arith::SelectOp::create(b, bodyLoc, isNegative, fromEnd, index);
    Value clamped = arith::MinSIOp::create(
        b, bodyLoc, arith::MaxSIOp::create(b, bodyLoc, wrapped, zero), lastIndex);
    SmallVector<Value> dataIndices;
    for (int64_t d = 0; d < *axis; ++d)
      dataIndices.push_back(linalg::IndexOp::create(b, bodyLoc, d));
    dataIndices.push_back(clamped);
    for (int64_t d = *axis + 1; d < dataType.getRank(); ++d)
      dataIndices.push_back(linalg::IndexOp::create(b, bodyLoc, d - 1 + indexRank));
    return tensor::ExtractOp::create(b, bodyLoc, data, dataIndices);
  };
  rewriter.replaceOp(op, buildParallelGeneric(rewriter, loc, resultType, op.getIndices(),
                                              indicesMap, gatherElement));
  return success();
}

/// Forward slices are a strided tensor.extract_slice; a negative step walks
/// backwards, which extract_slice cannot express, so those read each element
/// with tensor.extract at start + i * step.
LogicalResult lowerSlice(onnx::SliceOp op, PatternRewriter &rewriter) {
  RankedTensorType dataType = getTensorType(op.getData());
  RankedTensorType resultType = getTensorType(op.getOutput());
  std::optional<SmallVector<onnx::SliceRange>> ranges = onnx::getConstantSliceRanges(
      dataType.getShape(), op.getStarts(), op.getEnds(), op.getAxes(), op.getSteps());
  if (!ranges)
    return rewriter.notifyMatchFailure(
        op, "starts, ends, axes and steps must be constants and consistent");
  if (!llvm::equal(*ranges, resultType.getShape(),
                   [](const onnx::SliceRange &range, int64_t dim) { return range.size == dim; }))
    return rewriter.notifyMatchFailure(op, "slice bounds disagree with the result type");

  Location loc = op.getLoc();
  if (resultType.getNumElements() == 0) {
    // An empty slice reads nothing; its clamped start may even be the extent.
    rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, resultType.getShape(),
                                                 resultType.getElementType());
    return success();
  }
  bool allForward =
      llvm::all_of(*ranges, [](const onnx::SliceRange &range) { return range.step > 0; });
  if (allForward) {
    SmallVector<int64_t> offsets, strides;
    for (const onnx::SliceRange &range : *ranges) {
      offsets.push_back(range.start);
      strides.push_back(range.step);
    }
    MLIRContext *context = rewriter.getContext();
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, resultType, op.getData(), getAsIndexOpFoldResult(context, offsets),
        getAsIndexOpFoldResult(context, resultType.getShape()),
        getAsIndexOpFoldResult(context, strides));
    return success();
  }

  // Element i of a dimension reads start + i * step; trivial terms are left out.
  SmallVector<Value> stepValues, startValues;
  for (const onnx::SliceRange &range : *ranges) {
    stepValues.push_back(
        range.step == 1 ? Value() : arith::ConstantIndexOp::create(rewriter, loc, range.step));
    startValues.push_back(
        range.start == 0 ? Value() : arith::ConstantIndexOp::create(rewriter, loc, range.start));
  }
  Value data = op.getData();
  auto readElement = [&](OpBuilder &b, Location bodyLoc, ValueRange) -> Value {
    SmallVector<Value> dataIndices;
    for (int64_t dim = 0; dim < resultType.getRank(); ++dim) {
      Value index = linalg::IndexOp::create(b, bodyLoc, dim);
      if (stepValues[dim])
        index = arith::MulIOp::create(b, bodyLoc, index, stepValues[dim]);
      if (startValues[dim])
        index = arith::AddIOp::create(b, bodyLoc, index, startValues[dim]);
      dataIndices.push_back(index);
    }
    return tensor::ExtractOp::create(b, bodyLoc, data, dataIndices);
  };
  rewriter.replaceOp(
      op, buildParallelGeneric(rewriter, loc, resultType, ValueRange(), {}, readElement));
  return success();
}

/// The unit-stride block of `source` at `offsets` with the shape of `blockType`.
Value extractBlock(OpBuilder &b, Location loc, Value source, ArrayRef<int64_t> offsets,
                   RankedTensorType blockType) {
  MLIRContext *context = b.getContext();
  return tensor::ExtractSliceOp::create(
      b, loc, blockType, source, getAsIndexOpFoldResult(context, offsets),
      getAsIndexOpFoldResult(context, blockType.getShape()),
      getAsIndexOpFoldResult(context, SmallVector<int64_t>(offsets.size(), 1)));
}

/// `destination` with `block` written at `offsets` (unit strides).
Value insertBlock(OpBuilder &b, Location loc, Value block, Value destination,
                  ArrayRef<int64_t> offsets) {
  MLIRContext *context = b.getContext();
  return tensor::InsertSliceOp::create(
      b, loc, block, destination, getAsIndexOpFoldResult(context, offsets),
      getAsIndexOpFoldResult(context, getTensorType(block).getShape()),
      getAsIndexOpFoldResult(context, SmallVector<int64_t>(offsets.size(), 1)));
}

/// Constant-mode Pad. Negative pads remove elements, so the lowering first
/// crops them with extract_slice and then pads the positive remainder.
LogicalResult lowerPad(onnx::PadOp op, PatternRewriter &rewriter) {
  if (op.getMode() != "constant")
    return rewriter.notifyMatchFailure(op, "only constant mode is supported");
  std::optional<SmallVector<int64_t>> pads = onnx::getConstantIntValues(op.getPads());
  if (!pads)
    return rewriter.notifyMatchFailure(op, "pads must be a constant");
  RankedTensorType dataType = getTensorType(op.getData());
  RankedTensorType resultType = getTensorType(op.getOutput());
  int64_t rank = dataType.getRank();
  if (static_cast<int64_t>(pads->size()) != 2 * rank)
    return rewriter.notifyMatchFailure(op, "pads must hold 2 * rank values");

  SmallVector<int64_t> cropOffsets, croppedShape, lowPads, highPads;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t low = (*pads)[d], high = (*pads)[d + rank];
    int64_t offset = std::max<int64_t>(-low, 0);
    cropOffsets.push_back(offset);
    croppedShape.push_back(dataType.getDimSize(d) - offset - std::max<int64_t>(-high, 0));
    lowPads.push_back(std::max<int64_t>(low, 0));
    highPads.push_back(std::max<int64_t>(high, 0));
  }
  if (llvm::any_of(croppedShape, [](int64_t dim) { return dim < 0; }))
    return rewriter.notifyMatchFailure(op, "negative pads remove more than the extent");
  Value constantValue = op.getConstantValue();
  if (constantValue && getTensorType(constantValue).getNumElements() != 1)
    return rewriter.notifyMatchFailure(op, "constant_value must hold one element");

  Location loc = op.getLoc();
  MLIRContext *context = rewriter.getContext();
  Value result = op.getData();
  if (croppedShape != dataType.getShape())
    result = extractBlock(rewriter, loc, result, cropOffsets,
                          RankedTensorType::get(croppedShape, dataType.getElementType()));
  if (getTensorType(result) != resultType) {
    Value padValue;
    if (constantValue) {
      SmallVector<Value> origin;
      if (int64_t valueRank = getTensorType(constantValue).getRank())
        origin.assign(valueRank, arith::ConstantIndexOp::create(rewriter, loc, 0));
      padValue = tensor::ExtractOp::create(rewriter, loc, constantValue, origin);
    } else {
      padValue = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(resultType.getElementType()));
    }
    result = tensor::PadOp::create(rewriter, loc, resultType, result,
                                   getAsIndexOpFoldResult(context, lowPads),
                                   getAsIndexOpFoldResult(context, highPads), padValue);
  }
  rewriter.replaceOp(op, result);
  return success();
}

/// Each input is inserted into an empty result at its running offset.
LogicalResult lowerConcat(onnx::ConcatOp op, PatternRewriter &rewriter) {
  RankedTensorType resultType = getTensorType(op.getOutput());
  int64_t rank = resultType.getRank();
  std::optional<int64_t> axis = onnx::normalizeAxis(op.getAxis(), rank);
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis is out of range");
  Location loc = op.getLoc();
  Value result =
      tensor::EmptyOp::create(rewriter, loc, resultType.getShape(), resultType.getElementType());
  SmallVector<int64_t> offsets(rank, 0);
  for (Value input : op.getInputs()) {
    result = insertBlock(rewriter, loc, input, result, offsets);
    offsets[*axis] += getTensorType(input).getDimSize(*axis);
  }
  rewriter.replaceOp(op, result);
  return success();
}

/// Each result is the extract_slice at its running offset; the result types
/// already carry the part sizes.
LogicalResult lowerSplit(onnx::SplitOp op, PatternRewriter &rewriter) {
  RankedTensorType inputType = getTensorType(op.getInput());
  int64_t rank = inputType.getRank();
  std::optional<int64_t> axis = onnx::normalizeAxis(op.getAxis(), rank);
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis is out of range");
  int64_t covered = 0;
  for (Value output : op.getOutputs())
    covered += getTensorType(output).getDimSize(*axis);
  if (covered != inputType.getDimSize(*axis))
    return rewriter.notifyMatchFailure(op, "the parts do not cover the split axis");
  SmallVector<int64_t> offsets(rank, 0);
  SmallVector<Value> parts;
  for (Value output : op.getOutputs()) {
    RankedTensorType partType = getTensorType(output);
    // An empty part reads nothing; its offset may even equal the extent,
    // which extract_slice rejects.
    if (partType.getNumElements() == 0)
      parts.push_back(tensor::EmptyOp::create(rewriter, op.getLoc(), partType.getShape(),
                                              partType.getElementType()));
    else
      parts.push_back(extractBlock(rewriter, op.getLoc(), op.getInput(), offsets, partType));
    offsets[*axis] += partType.getDimSize(*axis);
  }
  rewriter.replaceOp(op, parts);
  return success();
}

/// Reshape, Squeeze and Unsqueeze only change the shape, which the static
/// result type already states; the data operand is the first one.
template <typename OpTy> LogicalResult lowerReshapeLike(OpTy op, PatternRewriter &rewriter) {
  Value data = op->getOperand(0);
  RankedTensorType resultType = getTensorType(op->getResult(0));
  if (getTensorType(data).getNumElements() != resultType.getNumElements())
    return rewriter.notifyMatchFailure(op, "element counts of input and result differ");
  rewriter.replaceOp(op, buildStaticReshape(rewriter, op.getLoc(), data, resultType));
  return success();
}

LogicalResult lowerTranspose(onnx::TransposeOp op, PatternRewriter &rewriter) {
  RankedTensorType resultType = getTensorType(op.getOutput());
  int64_t rank = resultType.getRank();
  // A scalar or a vector has one order only. (A rank-0 linalg.transpose is
  // worse than useless: inverting its empty permutation asks for gigabytes.)
  if (rank <= 1) {
    rewriter.replaceOp(op, op.getData());
    return success();
  }
  // ONNX reverses the dimensions when perm is absent.
  SmallVector<int64_t> permutation =
      op.getPerm() ? SmallVector<int64_t>(*op.getPerm())
                   : llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), resultType.getShape(),
                                       resultType.getElementType());
  rewriter.replaceOp(
      op, linalg::TransposeOp::create(rewriter, op.getLoc(), op.getData(), init, permutation)
              ->getResult(0));
  return success();
}

} // namespace

void populateOnnxToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add(lowerToFoldedConstant<onnx::ConstantOp>);
  patterns.add(lowerToFoldedConstant<onnx::ShapeOp>);
  patterns.add(lowerToFoldedConstant<onnx::ConstantOfShapeOp>);
  addStaticLowering<onnx::AddOp, lowerElementwise<onnx::AddOp, addScalars>>(patterns);
  addStaticLowering<onnx::SubOp, lowerElementwise<onnx::SubOp, subtractScalars>>(patterns);
  addStaticLowering<onnx::MulOp, lowerElementwise<onnx::MulOp, multiplyScalars>>(patterns);
  addStaticLowering<onnx::DivOp, lowerElementwise<onnx::DivOp, divideScalars>>(patterns);
  addStaticLowering<onnx::EqualOp, lowerElementwise<onnx::EqualOp, compareEqual>>(patterns);
  addStaticLowering<onnx::WhereOp, lowerElementwise<onnx::WhereOp, selectScalar>>(patterns);
  addStaticLowering<onnx::ReluOp, lowerElementwise<onnx::ReluOp, reluScalar>>(patterns);
  addStaticLowering<onnx::SqrtOp, lowerElementwise<onnx::SqrtOp, sqrtScalar>>(patterns);
  addStaticLowering<onnx::PowOp, lowerPow>(patterns);
  addStaticLowering<onnx::ReduceMeanOp, lowerReduceMean>(patterns);
  addStaticLowering<onnx::LayerNormalizationOp, lowerLayerNormalization>(patterns);
  addStaticLowering<onnx::CastOp, lowerCast>(patterns);
  addStaticLowering<onnx::ExpandOp, lowerExpand>(patterns);
  addStaticLowering<onnx::MatMulOp, lowerMatMul>(patterns);
  addStaticLowering<onnx::GemmOp, lowerGemm>(patterns);
  addStaticLowering<onnx::SoftmaxOp, lowerSoftmax>(patterns);
  addStaticLowering<onnx::GatherOp, lowerGather>(patterns);
  addStaticLowering<onnx::SliceOp, lowerSlice>(patterns);
  addStaticLowering<onnx::PadOp, lowerPad>(patterns);
  addStaticLowering<onnx::ConcatOp, lowerConcat>(patterns);
  addStaticLowering<onnx::SplitOp, lowerSplit>(patterns);
  addStaticLowering<onnx::ReshapeOp, lowerReshapeLike<onnx::ReshapeOp>>(patterns);
  addStaticLowering<onnx::SqueezeOp, lowerReshapeLike<onnx::SqueezeOp>>(patterns);
  addStaticLowering<onnx::UnsqueezeOp, lowerReshapeLike<onnx::UnsqueezeOp>>(patterns);
  addStaticLowering<onnx::TransposeOp, lowerTranspose>(patterns);
  addStaticQuantizationLowering<onnx::QuantizeLinearOp, lowerQuantizeLinear>(patterns);
  addStaticQuantizationLowering<onnx::DequantizeLinearOp, lowerDequantizeLinear>(patterns);
  addStaticQuantizationLowering<onnx::DynamicQuantizeLinearOp, lowerDynamicQuantizeLinear>(
      patterns);
  addStaticQuantizationLowering<onnx::MatMulIntegerOp, lowerMatMulInteger>(patterns);
}

} // namespace mbert
