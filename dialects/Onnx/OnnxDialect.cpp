//===- OnnxDialect.cpp - the ONNX-level import dialect --------------------===//

#include "dialects/Onnx/OnnxOps.h"

using namespace mlir;
using namespace mbert::onnx_import;

#include "dialects/Onnx/OnnxOpsDialect.cpp.inc"

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Onnx/OnnxOps.cpp.inc"
      >();
}

Operation *OnnxDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
