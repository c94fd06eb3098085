//===- OnnxFolding.cpp - constant folding of the import dialect -----------===//
//
// Exports compute reshape targets at run time (Shape -> Gather -> Unsqueeze ->
// Concat -> Reshape) and build masks from constants. Once input shapes are
// fixed all of that is constant; these folders collapse it, so no shape
// computation survives into generated code. Folding is limited to what data
// movement and small integer/float arithmetic need, and no folder builds a
// constant larger than limits::kMaxFoldedElements: a crafted graph could
// otherwise make the compiler materialize gigabytes (an Expand or a
// ConstantOfShape to 2^30 elements). Larger results are computed at run time.
//
//===----------------------------------------------------------------------===//

#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxOps.h"
#include "dialects/Onnx/OnnxShapes.h"
#include "mbert/Limits.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APSInt.h"

#include <cmath>

using namespace mlir;
using namespace mbert::onnx_import;

namespace {

/// Row-major strides of a static shape.
SmallVector<int64_t> computeStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Builds a constant of `resultType` whose element at each multi-index is the
/// source element at `sourceIndexOf(index)` (a linear index into `source`).
/// This one routine implements every data-movement folder.
DenseElementsAttr
remapElements(DenseElementsAttr source, RankedTensorType resultType,
              llvm::function_ref<int64_t(ArrayRef<int64_t>)> sourceIndexOf) {
  if (source.isSplat())
    return DenseElementsAttr::get(resultType, source.getSplatValue<Attribute>());
  ArrayRef<int64_t> shape = resultType.getShape();
  int64_t count = resultType.getNumElements();
  SmallVector<int64_t> index(shape.size(), 0);
  auto advance = [&] {
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        return;
      index[d] = 0;
    }
  };
  Type elementType = source.getElementType();
  if (elementType.isInteger(1)) {
    auto values = llvm::to_vector(source.getValues<bool>());
    SmallVector<bool> result;
    result.reserve(count);
    for (int64_t i = 0; i < count; ++i, advance())
      result.push_back(values[sourceIndexOf(index)]);
    return DenseElementsAttr::get(resultType, result);
  }
  unsigned bytes = elementType.getIntOrFloatBitWidth() / 8;
  ArrayRef<char> raw = source.getRawData();
  std::vector<char> buffer(count * bytes);
  for (int64_t i = 0; i < count; ++i, advance())
    std::memcpy(buffer.data() + i * bytes, raw.data() + sourceIndexOf(index) * bytes, bytes);
  return DenseElementsAttr::getFromRawBuffer(resultType, buffer);
}

/// Linear index into an operand of `operandShape` broadcast to the result:
/// size-1 (and missing leading) dimensions always read index 0.
int64_t broadcastSourceIndex(ArrayRef<int64_t> resultIndex,
                             ArrayRef<int64_t> operandShape,
                             ArrayRef<int64_t> operandStrides) {
  size_t offset = resultIndex.size() - operandShape.size();
  int64_t linear = 0;
  for (size_t d = 0; d < operandShape.size(); ++d)
    if (operandShape[d] != 1)
      linear += resultIndex[d + offset] * operandStrides[d];
  return linear;
}

/// The result type of `op` when it is static and small enough to fold into.
RankedTensorType staticResultType(Operation *op, unsigned index = 0) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(index).getType());
  return type && type.hasStaticShape() && mbert::limits::isFoldable(type.getShape())
             ? type
             : RankedTensorType();
}

/// Materializes the operands of an elementwise op broadcast to `resultType`
/// as lists of values of type T (APInt or APFloat).
template <typename T>
SmallVector<SmallVector<T>> broadcastOperands(ArrayRef<DenseElementsAttr> operands,
                                              RankedTensorType resultType) {
  SmallVector<SmallVector<T>> broadcast;
  for (DenseElementsAttr operand : operands) {
    auto type = RankedTensorType::get(resultType.getShape(), operand.getElementType());
    ArrayRef<int64_t> shape = operand.getType().getShape();
    SmallVector<int64_t> strides = computeStrides(shape);
    DenseElementsAttr expanded = remapElements(operand, type, [&](ArrayRef<int64_t> index) {
      return broadcastSourceIndex(index, shape, strides);
    });
    broadcast.push_back(llvm::to_vector(expanded.getValues<T>()));
  }
  return broadcast;
}

/// Folds an elementwise binary op on two constants. `intOp` and `floatOp`
/// return nullopt when a value cannot be folded (say, integer division by 0).
OpFoldResult foldBinary(
    Operation *op, ArrayRef<Attribute> operands,
    llvm::function_ref<std::optional<APInt>(const APInt &, const APInt &)> intOp,
    llvm::function_ref<std::optional<APFloat>(const APFloat &, const APFloat &)> floatOp) {
  auto lhs = dyn_cast_or_null<DenseElementsAttr>(operands[0]);
  auto rhs = dyn_cast_or_null<DenseElementsAttr>(operands[1]);
  RankedTensorType resultType = staticResultType(op);
  if (!lhs || !rhs || !resultType)
    return {};
  Type elementType = lhs.getElementType();
  if (isa<IntegerType>(elementType) && !elementType.isInteger(1) && intOp) {
    auto values = broadcastOperands<APInt>({lhs, rhs}, resultType);
    SmallVector<APInt> result;
    for (auto [l, r] : llvm::zip(values[0], values[1])) {
      std::optional<APInt> value = intOp(l, r);
      if (!value)
        return {};
      result.push_back(*value);
    }
    return DenseElementsAttr::get(resultType, result);
  }
  if (isa<FloatType>(elementType) && floatOp) {
    auto values = broadcastOperands<APFloat>({lhs, rhs}, resultType);
    SmallVector<APFloat> result;
    for (auto [l, r] : llvm::zip(values[0], values[1])) {
      std::optional<APFloat> value = floatOp(l, r);
      if (!value)
        return {};
      result.push_back(*value);
    }
    return DenseElementsAttr::get(resultType, result);
  }
  return {};
}

OpFoldResult reshapeConstant(Attribute operand, Operation *op) {
  RankedTensorType resultType = staticResultType(op);
  if (!resultType)
    return {};
  // A blob keeps its bytes: the reshaped constant refers to the same ones.
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(operand))
    return DenseResourceElementsAttr::get(resultType, resource.getRawHandle());
  auto elements = dyn_cast_or_null<DenseElementsAttr>(operand);
  if (!elements)
    return {};
  return elements.reshape(resultType);
}

} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto inputType = dyn_cast<RankedTensorType>(getData().getType());
  RankedTensorType resultType = staticResultType(*this);
  if (!inputType || !inputType.hasStaticShape() || !resultType)
    return {};
  int64_t rank = inputType.getRank();
  // I64Attr getters return uint64_t; convert before looking at the sign.
  int64_t start = static_cast<int64_t>(getStart());
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  ArrayRef<int64_t> dims = inputType.getShape().slice(start, resultType.getDimSize(0));
  return DenseElementsAttr::get(resultType, dims);
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  RankedTensorType resultType = staticResultType(*this);
  if (!resultType)
    return {};
  if (std::optional<ElementsAttr> value = getValue())
    return DenseElementsAttr::get(resultType, *value->getValues<Attribute>().begin());
  return DenseElementsAttr::get(resultType, FloatAttr::get(resultType.getElementType(), 0.0));
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto input = getDenseElements(adaptor.getInput());
  RankedTensorType resultType = staticResultType(*this);
  if (!input || !resultType)
    return {};
  Type from = input.getElementType(), to = resultType.getElementType();
  auto isInt = [](Type t) { return isa<IntegerType>(t); };
  if (isInt(from) && isInt(to)) {
    unsigned width = to.getIntOrFloatBitWidth();
    bool toBool = to.isInteger(1), fromBool = from.isInteger(1);
    return input.mapValues(to, [&](const APInt &v) {
      // ONNX casts to bool test for non-zero rather than truncating, and
      // true is 1 (not -1) in every wider type.
      if (toBool)
        return APInt(1, !v.isZero());
      return fromBool ? v.zextOrTrunc(width) : v.sextOrTrunc(width);
    });
  }
  if (isInt(from) && isa<FloatType>(to)) {
    bool isBool = from.isInteger(1);
    SmallVector<APFloat> values;
    for (const APInt &v : input.getValues<APInt>()) {
      APFloat value(cast<FloatType>(to).getFloatSemantics());
      value.convertFromAPInt(v, /*IsSigned=*/!isBool, APFloat::rmNearestTiesToEven);
      values.push_back(value);
    }
    return DenseElementsAttr::get(resultType, values);
  }
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    SmallVector<APFloat> values;
    bool losesInfo = false;
    for (APFloat v : input.getValues<APFloat>()) {
      v.convert(cast<FloatType>(to).getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      values.push_back(v);
    }
    return DenseElementsAttr::get(resultType, values);
  }
  if (isa<FloatType>(from) && isInt(to)) {
    SmallVector<APInt> values;
    unsigned width = to.getIntOrFloatBitWidth();
    for (const APFloat &v : input.getValues<APFloat>()) {
      if (to.isInteger(1)) {
        values.push_back(APInt(1, !v.isZero()));
        continue;
      }
      APSInt integer(width, /*isUnsigned=*/false);
      bool exact = false;
      // Out-of-range or NaN inputs are undefined in ONNX: leave them to run time.
      if (v.convertToInteger(integer, APFloat::rmTowardZero, &exact) & APFloat::opInvalidOp)
        return {};
      values.push_back(integer);
    }
    return DenseElementsAttr::get(resultType, values);
  }
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(),
                    [](const APInt &l, const APInt &r) { return std::optional(l + r); },
                    [](const APFloat &l, const APFloat &r) { return std::optional(l + r); });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(),
                    [](const APInt &l, const APInt &r) { return std::optional(l - r); },
                    [](const APFloat &l, const APFloat &r) { return std::optional(l - r); });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(),
                    [](const APInt &l, const APInt &r) { return std::optional(l * r); },
                    [](const APFloat &l, const APFloat &r) { return std::optional(l * r); });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      *this, adaptor.getOperands(),
      [](const APInt &l, const APInt &r) -> std::optional<APInt> {
        if (r.isZero())
          return std::nullopt;
        return l.sdiv(r);
      },
      [](const APFloat &l, const APFloat &r) { return std::optional(l / r); });
}

OpFoldResult EqualOp::fold(FoldAdaptor adaptor) {
  auto lhs = dyn_cast_or_null<DenseElementsAttr>(adaptor.getLhs());
  auto rhs = dyn_cast_or_null<DenseElementsAttr>(adaptor.getRhs());
  RankedTensorType resultType = staticResultType(*this);
  if (!lhs || !rhs || !resultType)
    return {};
  SmallVector<bool> result;
  if (isa<FloatType>(lhs.getElementType())) {
    auto values = broadcastOperands<APFloat>({lhs, rhs}, resultType);
    for (auto [l, r] : llvm::zip(values[0], values[1]))
      result.push_back(l.compare(r) == APFloat::cmpEqual);
  } else {
    auto values = broadcastOperands<APInt>({lhs, rhs}, resultType);
    for (auto [l, r] : llvm::zip(values[0], values[1]))
      result.push_back(l == r);
  }
  return DenseElementsAttr::get(resultType, result);
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  auto condition = dyn_cast_or_null<DenseElementsAttr>(adaptor.getCondition());
  auto x = dyn_cast_or_null<DenseElementsAttr>(adaptor.getX());
  auto y = dyn_cast_or_null<DenseElementsAttr>(adaptor.getY());
  RankedTensorType resultType = staticResultType(*this);
  if (!condition || !x || !y || !resultType)
    return {};
  auto expand = [&](DenseElementsAttr operand) {
    ArrayRef<int64_t> shape = operand.getType().getShape();
    SmallVector<int64_t> strides = computeStrides(shape);
    auto type = RankedTensorType::get(resultType.getShape(), operand.getElementType());
    return remapElements(operand, type, [&](ArrayRef<int64_t> index) {
      return broadcastSourceIndex(index, shape, strides);
    });
  };
  auto conditions = llvm::to_vector(expand(condition).getValues<bool>());
  auto xs = llvm::to_vector(expand(x).getValues<Attribute>());
  auto ys = llvm::to_vector(expand(y).getValues<Attribute>());
  SmallVector<Attribute> result;
  for (size_t i = 0; i < conditions.size(); ++i)
    result.push_back(conditions[i] ? xs[i] : ys[i]);
  return DenseElementsAttr::get(resultType, result);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = staticResultType(*this);
  std::optional<SmallVector<int64_t>> indices = getConstantIntValues(getIndices());
  // Indices first: a table is copied out of its blob only when a fold is due.
  if (!indices || !resultType)
    return {};
  auto data = getDenseElements(adaptor.getData());
  if (!data)
    return {};
  ArrayRef<int64_t> dataShape = data.getType().getShape();
  int64_t axis = *normalizeAxis(getAxis(), dataShape.size());
  int64_t extent = dataShape[axis];
  int64_t indexRank = cast<RankedTensorType>(getIndices().getType()).getRank();
  ArrayRef<int64_t> indexShape = cast<RankedTensorType>(getIndices().getType()).getShape();
  SmallVector<int64_t> dataStrides = computeStrides(dataShape);
  SmallVector<int64_t> indexStrides = computeStrides(indexShape);
  for (int64_t index : *indices)
    if (index < -extent || index >= extent)
      return {};
  return remapElements(data, resultType, [&](ArrayRef<int64_t> resultIndex) {
    int64_t linear = 0, indexLinear = 0;
    for (int64_t d = 0; d < axis; ++d)
      linear += resultIndex[d] * dataStrides[d];
    for (int64_t d = 0; d < indexRank; ++d)
      indexLinear += resultIndex[axis + d] * indexStrides[d];
    int64_t gathered = (*indices)[indexLinear];
    linear += (gathered < 0 ? gathered + extent : gathered) * dataStrides[axis];
    for (size_t d = axis + 1; d < dataShape.size(); ++d)
      linear += resultIndex[d - 1 + indexRank] * dataStrides[d];
    return linear;
  });
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto data = getDenseElements(adaptor.getData());
  RankedTensorType resultType = staticResultType(*this);
  if (!data || !resultType)
    return {};
  ArrayRef<int64_t> shape = data.getType().getShape();
  std::optional<SmallVector<SliceRange>> ranges =
      getConstantSliceRanges(shape, getStarts(), getEnds(), getAxes(), getSteps());
  if (!ranges)
    return {};
  SmallVector<int64_t> strides = computeStrides(shape);
  return remapElements(data, resultType, [&](ArrayRef<int64_t> index) {
    int64_t linear = 0;
    for (size_t d = 0; d < index.size(); ++d)
      linear += ((*ranges)[d].start + index[d] * (*ranges)[d].step) * strides[d];
    return linear;
  });
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  RankedTensorType resultType = staticResultType(*this);
  if (!resultType || llvm::any_of(adaptor.getInputs(), [](Attribute a) {
        return !isa_and_nonnull<DenseElementsAttr>(a);
      }))
    return {};
  int64_t axis = *normalizeAxis(getAxis(), resultType.getRank());
  // Concatenate as attribute lists: constant concats are small (shape vectors).
  SmallVector<SmallVector<Attribute>> inputs;
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Attribute input : adaptor.getInputs()) {
    auto elements = cast<DenseElementsAttr>(input);
    inputs.push_back(llvm::to_vector(elements.getValues<Attribute>()));
    shapes.push_back(elements.getType().getShape());
  }
  SmallVector<Attribute> result;
  result.reserve(resultType.getNumElements());
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= resultType.getDimSize(d);
  for (int64_t o = 0; o < outer; ++o)
    for (auto [values, shape] : llvm::zip(inputs, shapes)) {
      int64_t chunk = 1;
      for (size_t d = axis; d < shape.size(); ++d)
        chunk *= shape[d];
      result.append(values.begin() + o * chunk, values.begin() + (o + 1) * chunk);
    }
  return DenseElementsAttr::get(resultType, result);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getData().getType() == getType() && cast<ShapedType>(getType()).hasStaticShape())
    return getData();
  return reshapeConstant(adaptor.getData(), *this);
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return reshapeConstant(adaptor.getData(), *this);
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  if (getData().getType() == getType() && cast<ShapedType>(getType()).hasStaticShape())
    return getData();
  return reshapeConstant(adaptor.getData(), *this);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  auto inputType = cast<ShapedType>(getData().getType());
  std::optional<ArrayRef<int64_t>> perm = getPerm();
  if (perm && llvm::equal(*perm, llvm::seq<int64_t>(0, perm->size())))
    return getData();
  auto data = getDenseElements(adaptor.getData());
  RankedTensorType resultType = staticResultType(*this);
  if (!data || !resultType)
    return {};
  int64_t rank = inputType.getRank();
  SmallVector<int64_t> permutation =
      perm ? SmallVector<int64_t>(*perm) : llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  SmallVector<int64_t> strides = computeStrides(inputType.getShape());
  return remapElements(data, resultType, [&](ArrayRef<int64_t> index) {
    int64_t linear = 0;
    for (int64_t d = 0; d < rank; ++d)
      linear += index[d] * strides[permutation[d]];
    return linear;
  });
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && cast<ShapedType>(getType()).hasStaticShape())
    return getInput();
  auto input = getDenseElements(adaptor.getInput());
  RankedTensorType resultType = staticResultType(*this);
  if (!input || !resultType)
    return {};
  ArrayRef<int64_t> shape = input.getType().getShape();
  SmallVector<int64_t> strides = computeStrides(shape);
  return remapElements(input, resultType, [&](ArrayRef<int64_t> index) {
    return broadcastSourceIndex(index, shape, strides);
  });
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

namespace {

/// For each element of a `shape` tensor in row-major order, the index of the
/// scale (and zero point) it uses: 0 per tensor, its position along `axis`
/// per axis.
SmallVector<int64_t> getParameterIndices(ArrayRef<int64_t> shape, ShapedType scaleType,
                                         int64_t axis) {
  int64_t count = ShapedType::getNumElements(shape);
  SmallVector<int64_t> indices(count, 0);
  if (isPerTensorQuantization(scaleType))
    return indices;
  int64_t normalized = *normalizeAxis(axis, shape.size());
  int64_t inner = ShapedType::getNumElements(shape.drop_front(normalized + 1));
  for (int64_t i = 0; i < count; ++i)
    indices[i] = (i / inner) % shape[normalized];
  return indices;
}

/// The zero points as int64 (0 when absent), one per scale.
std::optional<SmallVector<int64_t>> getZeroPoints(Attribute zeroPoint, Value zeroPointValue,
                                                  int64_t count) {
  if (!zeroPointValue)
    return SmallVector<int64_t>(count, 0);
  auto elements = dyn_cast_or_null<DenseElementsAttr>(zeroPoint);
  if (!elements)
    return std::nullopt;
  bool isUnsigned = elements.getElementType().isUnsignedInteger();
  SmallVector<int64_t> values;
  for (const APInt &value : elements.getValues<APInt>())
    values.push_back(isUnsigned ? value.getZExtValue() : value.getSExtValue());
  return values;
}

} // namespace

OpFoldResult QuantizeLinearOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  auto scale = dyn_cast_or_null<DenseElementsAttr>(adaptor.getScale());
  RankedTensorType resultType = staticResultType(*this);
  if (!input || !scale || !resultType)
    return {};
  SmallVector<float> scales = llvm::to_vector(scale.getValues<float>());
  std::optional<SmallVector<int64_t>> zeroPoints =
      getZeroPoints(adaptor.getZeroPoint(), getZeroPoint(), scales.size());
  if (!zeroPoints)
    return {};
  auto [lowest, highest] = *getQuantizedRange(resultType.getElementType());
  SmallVector<int64_t> parameter = getParameterIndices(resultType.getShape(), scale.getType(), getAxis());
  SmallVector<APInt> values;
  for (auto [i, x] : llvm::enumerate(input.getValues<float>())) {
    // As ONNX Runtime computes it: divide, round half to even, add the zero
    // point and saturate, all in float (a NaN saturates to the lowest value).
    float rounded = std::nearbyint(x / scales[parameter[i]]) + static_cast<float>((*zeroPoints)[parameter[i]]);
    float saturated = std::fmin(std::fmax(rounded, static_cast<float>(lowest)), static_cast<float>(highest));
    values.push_back(APInt(8, static_cast<int64_t>(saturated), /*isSigned=*/lowest < 0,
                           /*implicitTrunc=*/true));
  }
  return DenseElementsAttr::get(resultType, values);
}

DenseElementsAttr DequantizeLinearOp::computeConstantResult() {
  DenseElementsAttr input = getConstantElements(getInput());
  DenseElementsAttr scale = getConstantElements(getScale());
  RankedTensorType resultType = staticResultType(*this);
  if (!input || !scale || !resultType)
    return {};
  SmallVector<float> scales = llvm::to_vector(scale.getValues<float>());
  std::optional<SmallVector<int64_t>> zeroPoints = getZeroPoints(
      getZeroPoint() ? getConstantElements(getZeroPoint()) : Attribute(), getZeroPoint(), scales.size());
  if (!zeroPoints)
    return {};
  bool isUnsigned = input.getElementType().isUnsignedInteger();
  SmallVector<int64_t> parameter = getParameterIndices(resultType.getShape(), scale.getType(), getAxis());
  SmallVector<float> values;
  values.reserve(parameter.size());
  for (auto [i, q] : llvm::enumerate(input.getValues<APInt>())) {
    int64_t integer = isUnsigned ? q.getZExtValue() : q.getSExtValue();
    values.push_back(static_cast<float>(integer - (*zeroPoints)[parameter[i]]) * scales[parameter[i]]);
  }
  return DenseElementsAttr::get(resultType, ArrayRef<float>(values));
}
