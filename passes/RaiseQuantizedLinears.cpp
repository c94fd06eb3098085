//===- RaiseQuantizedLinears.cpp - pre-quantized MatMuls to int8 linears --===//
//
// A pre-quantized ONNX model states its int8 weights and their scales; this
// pass keeps them. Two spellings of a quantized MatMul become an int8
// `mbert.linear` (weights per output channel, input rows quantized at run
// time, f32 epilogue):
//
//   ONNX Runtime's dynamic quantization
//     (x_q, x_scale, x_zero_point) = DynamicQuantizeLinear(x)
//     y = Mul(Cast<f32>(MatMulInteger(x_q, W_q, x_zero_point, W_zero_point)),
//             Mul(x_scale, W_scale))
//   QDQ
//     y = MatMul(x', DequantizeLinear(W_q, W_scale, W_zero_point))
//     where x' is x or DequantizeLinear(QuantizeLinear(x, s, z), s, z)
//
// The model's per-tensor activation quantization is replaced by the
// linear's per-row one (docs/QUANTIZATION.md measures both). A quantized
// weight the patterns do not take (quantized per row, or whose zero point
// cannot be shifted out exactly) becomes an f32 constant afterwards and runs
// on the f32 path, which computes exactly what the model says.
//
//===----------------------------------------------------------------------===//

#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxShapes.h"
#include "passes/Passes.h"

#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mbert {
#define GEN_PASS_DEF_RAISEQUANTIZEDLINEARSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using namespace mbert::onnx_import;
using mbert::model::Activation;
using mbert::model::LinearOp;

namespace {

/// One value per output column of `columns` from a constant that holds one
/// value for the whole weight or one per column; nullopt otherwise.
template <typename T>
std::optional<SmallVector<T>> getPerColumnValues(DenseElementsAttr values, int64_t columns,
                                                 llvm::function_ref<T(DenseElementsAttr, int64_t)> read) {
  if (isPerTensorQuantization(values.getType()))
    return SmallVector<T>(columns, read(values, 0));
  if (values.getType().getRank() != 1 || values.getNumElements() != columns)
    return std::nullopt;
  SmallVector<T> result;
  for (int64_t n = 0; n < columns; ++n)
    result.push_back(read(values, n));
  return result;
}

float readFloat(DenseElementsAttr values, int64_t index) {
  return *(values.value_begin<float>() + index);
}

int64_t readInteger(DenseElementsAttr values, int64_t index) {
  APInt value = *(values.value_begin<APInt>() + index);
  return values.getElementType().isUnsignedInteger() ? value.getZExtValue() : value.getSExtValue();
}

/// The operands of an int8 linear: the weight's values minus their zero
/// points as int8 [K, N], the per-column scales and the columns' sums.
struct Int8Weight {
  Value values, scales, sums;
};

/// Builds the int8 linear's weight from a model's quantized [K, N] weight,
/// its scale and zero point (null: 0), each one value or one per column.
/// uint8 weights, or int8 ones with a zero point, are shifted by their zero
/// point, which is exact when every shifted value fits int8; otherwise the
/// match fails and the weight runs dequantized on the f32 path.
FailureOr<Int8Weight> buildInt8Weight(PatternRewriter &rewriter, Operation *root, Value weight,
                                      Value scale, Value zeroPoint) {
  auto weightType = dyn_cast<RankedTensorType>(weight.getType());
  if (!weightType || weightType.getRank() != 2 || !getQuantizedRange(weightType.getElementType()))
    return rewriter.notifyMatchFailure(root, "weight is not a 2-D int8 or uint8 constant");
  std::optional<std::vector<int64_t>> weightValues;
  auto widen = [&](const auto &narrow) {
    if (narrow)
      weightValues = std::vector<int64_t>(narrow->begin(), narrow->end());
  };
  if (weightType.getElementType().isUnsignedInteger())
    widen(getConstantValues<uint8_t>(weight));
  else
    widen(getConstantValues<int8_t>(weight));
  DenseElementsAttr scaleValues = getConstantElements(scale);
  DenseElementsAttr zeroPointValues = zeroPoint ? getConstantElements(zeroPoint) : DenseElementsAttr();
  if (!weightValues || !scaleValues || (zeroPoint && !zeroPointValues))
    return rewriter.notifyMatchFailure(root, "weight, scale or zero point is not a constant");
  int64_t depth = weightType.getDimSize(0), columns = weightType.getDimSize(1);
  std::optional<SmallVector<float>> scales =
      getPerColumnValues<float>(scaleValues, columns, readFloat);
  std::optional<SmallVector<int64_t>> zeroPoints =
      zeroPointValues ? getPerColumnValues<int64_t>(zeroPointValues, columns, readInteger)
                      : SmallVector<int64_t>(columns, 0);
  if (!scales || !zeroPoints)
    return rewriter.notifyMatchFailure(
        root, "scale or zero point is neither one value nor one per output column");

  std::vector<int8_t> values(depth * columns);
  std::vector<int32_t> sums(columns, 0);
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t n = 0; n < columns; ++n) {
      int64_t shifted = (*weightValues)[k * columns + n] - (*zeroPoints)[n];
      if (shifted < -128 || shifted > 127)
        return rewriter.notifyMatchFailure(
            root, "a weight minus its zero point leaves the int8 range; it runs dequantized");
      values[k * columns + n] = static_cast<int8_t>(shifted);
      sums[n] += static_cast<int32_t>(shifted);
    }
  Location loc = weight.getLoc();
  auto constant = [&](ShapedType type, auto values) {
    return ConstantOp::create(rewriter, loc, createConstantAttr(type, values)).getResult();
  };
  return Int8Weight{
      constant(RankedTensorType::get({depth, columns}, rewriter.getI8Type()),
               ArrayRef<int8_t>(values)),
      constant(RankedTensorType::get({columns}, rewriter.getF32Type()), ArrayRef<float>(*scales)),
      constant(RankedTensorType::get({columns}, rewriter.getI32Type()), ArrayRef<int32_t>(sums))};
}

bool isStaticF32(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getRank() >= 1 && type.getElementType().isF32();
}

LinearOp createInt8Linear(PatternRewriter &rewriter, Location loc, Type resultType, Value input,
                          const Int8Weight &weight) {
  return LinearOp::create(rewriter, loc, resultType, input, weight.values, weight.scales,
                          weight.sums, /*smoothing=*/Value(), /*bias=*/Value(),
                          /*residual=*/Value(), /*residual_scale=*/Value(), /*length=*/Value(),
                          Activation::None,
                          mbert::model::MicroKernelAttr(), DenseElementsAttr(),
                          mbert::model::PrecisionAttr(), FloatAttr());
}

/// Whether two quantization parameters are the same: one value, or equal
/// constants (an exporter may repeat an initializer for each node).
bool isSameParameter(Value lhs, Value rhs) {
  if (lhs == rhs)
    return true;
  ElementsAttr l = getConstantAttr(lhs), r = getConstantAttr(rhs);
  return l && r && l == r;
}

/// x when `value` is DequantizeLinear(QuantizeLinear(x, s, z), s, z), the
/// model's static activation quantization; `value` itself otherwise.
Value skipActivationQuantization(Value value) {
  auto dequantize = value.getDefiningOp<DequantizeLinearOp>();
  if (!dequantize)
    return value;
  auto quantize = dequantize.getInput().getDefiningOp<QuantizeLinearOp>();
  if (!quantize || !isSameParameter(quantize.getScale(), dequantize.getScale()) ||
      !isSameParameter(quantize.getZeroPoint(), dequantize.getZeroPoint()) ||
      !isPerTensorQuantization(cast<ShapedType>(quantize.getScale().getType())))
    return value;
  return quantize.getInput();
}

/// MatMul(x', DequantizeLinear(W_q, scale, zero_point)) with a constant
/// [K, N] weight quantized per tensor or per column (axis 1).
struct RaiseDequantizedWeightMatMul : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp matmul, PatternRewriter &rewriter) const override {
    auto dequantize = matmul.getRhs().getDefiningOp<DequantizeLinearOp>();
    if (!dequantize)
      return rewriter.notifyMatchFailure(matmul, "weight is not a DequantizeLinear");
    Value input = skipActivationQuantization(matmul.getLhs());
    if (!isStaticF32(input) || !isStaticF32(matmul.getResult()))
      return rewriter.notifyMatchFailure(matmul, "input or result is not a static f32 tensor");
    auto weightType = dyn_cast<RankedTensorType>(dequantize.getInput().getType());
    if (!weightType || weightType.getRank() != 2)
      return rewriter.notifyMatchFailure(matmul, "weight is not 2-D");
    if (!isPerTensorQuantization(cast<ShapedType>(dequantize.getScale().getType())) &&
        normalizeAxis(dequantize.getAxis(), 2) != 1)
      return rewriter.notifyMatchFailure(
          matmul, "the weight is quantized per row (axis 0), not per output column");
    FailureOr<Int8Weight> weight = buildInt8Weight(rewriter, matmul, dequantize.getInput(),
                                                   dequantize.getScale(), dequantize.getZeroPoint());
    if (failed(weight))
      return failure();
    rewriter.replaceOp(matmul, createInt8Linear(rewriter, matmul.getLoc(), matmul.getType(), input,
                                                *weight));
    return success();
  }
};

/// ONNX Runtime's dynamic pattern, matched from its last Mul.
struct RaiseDynamicQuantizedMatMul : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (auto [productSide, scaleSide] :
         {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
      auto cast = productSide.getDefiningOp<CastOp>();
      auto product = cast ? cast.getInput().getDefiningOp<MatMulIntegerOp>() : MatMulIntegerOp();
      if (!product || !getElementTypeOrSelf(cast.getType()).isF32())
        continue;
      auto dynamic = product.getLhs().getDefiningOp<DynamicQuantizeLinearOp>();
      if (!dynamic || product.getLhs() != dynamic.getOutput() ||
          product.getLhsZeroPoint() != dynamic.getZeroPoint())
        return rewriter.notifyMatchFailure(
            mul, "A of the MatMulInteger is not DynamicQuantizeLinear's output and zero point");
      auto scales = scaleSide.getDefiningOp<MulOp>();
      if (!scales)
        return rewriter.notifyMatchFailure(mul, "the scale is not Mul(x_scale, W_scale)");
      Value weightScale = scales.getLhs() == dynamic.getScale()   ? scales.getRhs()
                          : scales.getRhs() == dynamic.getScale() ? scales.getLhs()
                                                                   : Value();
      if (!weightScale)
        return rewriter.notifyMatchFailure(mul, "the scale does not multiply the input's scale");
      Value input = dynamic.getInput();
      if (!isStaticF32(input) || !isStaticF32(mul.getResult()) ||
          cast.getType() != mul.getType())
        return rewriter.notifyMatchFailure(mul, "input or result is not a static f32 tensor");
      FailureOr<Int8Weight> weight = buildInt8Weight(rewriter, mul, product.getRhs(), weightScale,
                                                     product.getRhsZeroPoint());
      if (failed(weight))
        return failure();
      rewriter.replaceOp(mul,
                         createInt8Linear(rewriter, mul.getLoc(), mul.getType(), input, *weight));
      return success();
    }
    return rewriter.notifyMatchFailure(mul, "no operand is Cast<f32>(MatMulInteger)");
  }
};

struct RaiseQuantizedLinearsPass
    : mbert::impl::RaiseQuantizedLinearsPassBase<RaiseQuantizedLinearsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseDequantizedWeightMatMul, RaiseDynamicQuantizedMatMul>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      signalPassFailure();
      return;
    }
    // The quantized weights left are f32 weights from now on, which the f32
    // raising and the weight folds read as constants.
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](DequantizeLinearOp dequantize) {
      if (DenseElementsAttr values = dequantize.computeConstantResult()) {
        rewriter.setInsertionPoint(dequantize);
        rewriter.replaceOpWithNewOp<ConstantOp>(dequantize, values);
      }
    });
  }
};

} // namespace
