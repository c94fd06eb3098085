//===- ConstantTensors.cpp - read and build f32 weight constants ----------===//

#include "passes/ConstantTensors.h"

#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxOps.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace mbert {

std::optional<std::vector<float>> getConstantFloats(Value value) {
  return onnx_import::getConstantValues<float>(value);
}

bool isFloatConstant(Value value) {
  ElementsAttr elements = onnx_import::getConstantAttr(value);
  return elements && elements.getElementType().isF32();
}

Value createFloatConstant(OpBuilder &builder, Location loc, RankedTensorType type,
                          ArrayRef<float> values) {
  return onnx_import::ConstantOp::create(builder, loc,
                                         onnx_import::createConstantAttr(type, values));
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
  std::optional<std::vector<int8_t>> elements = onnx_import::getConstantValues<int8_t>(value);
  if (!elements)
    return std::nullopt;
  int32_t largest = 0;
  for (int8_t element : *elements)
    largest = std::max(largest, std::abs(static_cast<int32_t>(element)));
  return largest;
}

} // namespace mbert
