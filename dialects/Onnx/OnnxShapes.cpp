//===- OnnxShapes.cpp - ONNX shape rules ----------------------------------===//

#include "dialects/Onnx/OnnxShapes.h"

#include "dialects/Onnx/ConstantStorage.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;

namespace mbert::onnx_import {

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

DenseElementsAttr getConstantElements(Value value) {
  return dyn_cast_or_null<DenseElementsAttr>(getConstantAttr(value));
}

std::optional<SmallVector<int64_t>> getConstantIntValues(Value value) {
  ElementsAttr attr = getConstantAttr(value);
  if (!attr || !attr.getElementType().isInteger() || attr.getElementType().isInteger(1))
    return std::nullopt;
  // Index tables of 512 or more int64 (position ids) are held as blobs.
  if (attr.getElementType().isInteger(64))
    if (std::optional<std::vector<int64_t>> values = getConstantValues<int64_t>(value))
      return SmallVector<int64_t>(values->begin(), values->end());
  if (attr.getElementType().isInteger(32))
    if (std::optional<std::vector<int32_t>> values = getConstantValues<int32_t>(value))
      return SmallVector<int64_t>(values->begin(), values->end());
  auto elements = dyn_cast<DenseElementsAttr>(attr);
  if (!elements)
    return std::nullopt;
  SmallVector<int64_t> values;
  values.reserve(elements.getNumElements());
  for (const APInt &element : elements.getValues<APInt>())
    values.push_back(element.getSExtValue());
  return values;
}

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align trailing dimensions; missing leading dimensions act as 1.
    int64_t l = i + lhs.size() >= rank ? lhs[i + lhs.size() - rank] : 1;
    int64_t r = i + rhs.size() >= rank ? rhs[i + rhs.size() - rank] : 1;
    if (l == 1)
      result[i] = r;
    else if (r == 1)
      result[i] = l;
    else if (ShapedType::isDynamic(l))
      result[i] = r;
    else if (ShapedType::isDynamic(r) || l == r)
      result[i] = l;
    else
      return std::nullopt;
  }
  return result;
}

TensorType makeTensorType(std::optional<ArrayRef<int64_t>> shape,
                          Type elementType) {
  if (!shape)
    return UnrankedTensorType::get(elementType);
  return RankedTensorType::get(*shape, elementType);
}

std::optional<SmallVector<int64_t>>
resolveReshapeTarget(ArrayRef<int64_t> inputShape, ArrayRef<int64_t> target,
                     bool allowZero) {
  SmallVector<int64_t> result(target.begin(), target.end());
  std::optional<size_t> inferredDim;
  for (auto [i, dim] : llvm::enumerate(result)) {
    if (dim == 0 && !allowZero) {
      if (i >= inputShape.size())
        return std::nullopt;
      dim = inputShape[i];
    } else if (dim == -1) {
      if (inferredDim)
        return std::nullopt;
      inferredDim = i;
    } else if (dim < 0) {
      return std::nullopt;
    }
  }
  if (!inferredDim) {
    // Every dimension is given: the element counts must agree, compared
    // without wrapping (2^32 x 2^32 must not pass for 0 elements).
    if (llvm::any_of(inputShape, ShapedType::isDynamic) ||
        llvm::any_of(result, ShapedType::isDynamic))
      return result;
    int64_t inputElements = 1, resultElements = 1;
    for (int64_t dim : inputShape)
      if (llvm::MulOverflow(inputElements, dim, inputElements))
        return std::nullopt;
    for (int64_t dim : result)
      if (llvm::MulOverflow(resultElements, dim, resultElements))
        return std::nullopt;
    if (inputElements != resultElements)
      return std::nullopt;
    return result;
  }
  if (llvm::any_of(inputShape, ShapedType::isDynamic)) {
    result[*inferredDim] = ShapedType::kDynamic;
    return result;
  }
  int64_t inputElements = 1, knownElements = 1;
  for (int64_t dim : inputShape)
    if (llvm::MulOverflow(inputElements, dim, inputElements))
      return std::nullopt;
  for (auto [i, dim] : llvm::enumerate(result))
    if (i != *inferredDim) {
      if (ShapedType::isDynamic(dim)) {
        result[*inferredDim] = ShapedType::kDynamic;
        return result;
      }
      // A product that wraps could divide the input evenly: refuse it.
      if (llvm::MulOverflow(knownElements, dim, knownElements))
        return std::nullopt;
    }
  if (knownElements == 0 || inputElements % knownElements != 0)
    return std::nullopt;
  result[*inferredDim] = inputElements / knownElements;
  return result;
}

SliceRange computeSliceRange(int64_t start, int64_t end, int64_t step,
                             int64_t dimSize) {
  // Negative bounds count from the end; then both are clamped into the range
  // a step in that direction can reach ([0, dim] forward, [-1, dim-1] back).
  if (start < 0)
    start += dimSize;
  if (end < 0)
    end += dimSize;
  // The element count is 1 + (distance - 1) / |step|, in unsigned arithmetic:
  // steps of INT64_MAX or INT64_MIN must neither wrap nor be negated.
  int64_t size = 0;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dimSize);
    end = std::clamp<int64_t>(end, 0, dimSize);
    if (end > start)
      size = 1 + static_cast<int64_t>(static_cast<uint64_t>(end - start - 1) /
                                      static_cast<uint64_t>(step));
  } else {
    start = std::clamp<int64_t>(start, -1, dimSize - 1);
    end = std::clamp<int64_t>(end, -1, dimSize - 1);
    if (start > end)
      size = 1 + static_cast<int64_t>(static_cast<uint64_t>(start - end - 1) /
                                      (0 - static_cast<uint64_t>(step)));
  }
  // With at most one element the step is never applied; 1 keeps an extreme
  // one (INT64_MIN is MLIR's marker of a dynamic stride) out of the IR, and
  // an empty range starts at 0 rather than at a clamped -1.
  if (size <= 1)
    step = 1;
  if (size == 0)
    start = 0;
  return {start, step, size};
}

std::optional<SmallVector<SliceRange>>
computeSliceRanges(ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
                   ArrayRef<int64_t> ends, std::optional<ArrayRef<int64_t>> axes,
                   std::optional<ArrayRef<int64_t>> steps) {
  int64_t rank = shape.size();
  if (starts.size() != ends.size() || (axes && axes->size() != starts.size()) ||
      (steps && steps->size() != starts.size()))
    return std::nullopt;
  SmallVector<SliceRange> ranges;
  for (int64_t dim : shape)
    ranges.push_back({0, 1, dim});
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    std::optional<int64_t> axis =
        normalizeAxis(axes ? (*axes)[i] : static_cast<int64_t>(i), rank);
    int64_t step = steps ? (*steps)[i] : 1;
    if (!axis || seen[*axis] || step == 0 || ShapedType::isDynamic(shape[*axis]))
      return std::nullopt;
    seen[*axis] = true;
    ranges[*axis] = computeSliceRange(starts[i], ends[i], step, shape[*axis]);
  }
  return ranges;
}

std::optional<SmallVector<SliceRange>> getConstantSliceRanges(ArrayRef<int64_t> shape,
                                                              Value starts, Value ends,
                                                              Value axes, Value steps) {
  std::optional<SmallVector<int64_t>> startValues = getConstantIntValues(starts);
  std::optional<SmallVector<int64_t>> endValues = getConstantIntValues(ends);
  std::optional<SmallVector<int64_t>> axisValues, stepValues;
  if (axes && !(axisValues = getConstantIntValues(axes)))
    return std::nullopt;
  if (steps && !(stepValues = getConstantIntValues(steps)))
    return std::nullopt;
  if (!startValues || !endValues)
    return std::nullopt;
  auto asOptionalRef = [](const std::optional<SmallVector<int64_t>> &values) {
    return values ? std::optional<ArrayRef<int64_t>>(*values) : std::nullopt;
  };
  return computeSliceRanges(shape, *startValues, *endValues, asOptionalRef(axisValues),
                            asOptionalRef(stepValues));
}

bool isPerTensorQuantization(ShapedType type) {
  return type.hasRank() && (type.getRank() == 0 || (type.getRank() == 1 && type.getDimSize(0) == 1));
}

std::optional<std::pair<int64_t, int64_t>> getQuantizedRange(Type elementType) {
  if (!elementType.isInteger(8))
    return std::nullopt;
  if (elementType.isUnsignedInteger())
    return std::pair<int64_t, int64_t>(0, 255);
  return std::pair<int64_t, int64_t>(-128, 127);
}

} // namespace mbert::onnx_import
