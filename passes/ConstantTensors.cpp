//===- ConstantTensors.cpp - read and build f32 weight constants ----------===//

#include "passes/ConstantTensors.h"

#include "dialects/Onnx/OnnxOps.h"
#include "dialects/Onnx/OnnxShapes.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace mbert {

std::optional<std::vector<float>> getConstantFloats(Value value) {
  DenseElementsAttr elements = onnx_import::getConstantElements(value);
  if (!elements || !elements.getElementType().isF32())
    return std::nullopt;
  if (elements.isSplat())
    return std::vector<float>(elements.getNumElements(), elements.getSplatValue<float>());
  auto values = elements.getValues<float>();
  return std::vector<float>(values.begin(), values.end());
}

bool isFloatConstant(Value value) {
  DenseElementsAttr elements = onnx_import::getConstantElements(value);
  return elements && elements.getElementType().isF32();
}

Value createFloatConstant(OpBuilder &builder, Location loc, RankedTensorType type,
                          ArrayRef<float> values) {
  return onnx_import::ConstantOp::create(builder, loc, DenseElementsAttr::get(type, values));
}

float getSymmetricInt8Scale(float largest, int32_t magnitudeLimit) {
  return largest > 0.0f ? largest / static_cast<float>(magnitudeLimit) : 1.0f;
}

int8_t quantizeToInt8(float value, float scale, int32_t magnitudeLimit) {
  auto limit = static_cast<float>(magnitudeLimit);
  // nearbyint rounds half to even in the default rounding mode.
  return static_cast<int8_t>(std::clamp(std::nearbyint(value / scale), -limit, limit));
}

std::optional<int32_t> getLargestInt8Magnitude(Value value) {
  DenseElementsAttr elements = onnx_import::getConstantElements(value);
  if (!elements || !elements.getElementType().isSignlessInteger(8))
    return std::nullopt;
  int32_t largest = 0;
  for (int8_t element : elements.getValues<int8_t>())
    largest = std::max(largest, std::abs(static_cast<int32_t>(element)));
  return largest;
}

} // namespace mbert
