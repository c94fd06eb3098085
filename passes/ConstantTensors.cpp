//===- ConstantTensors.cpp - read and build f32 weight constants ----------===//

#include "passes/ConstantTensors.h"

#include "dialects/Onnx/OnnxOps.h"
#include "dialects/Onnx/OnnxShapes.h"

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

} // namespace mbert
