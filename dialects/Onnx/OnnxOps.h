//===- OnnxOps.h - the ONNX-level import dialect ----------------*- C++ -*-===//

#ifndef MBERT_DIALECTS_ONNX_ONNXOPS_H
#define MBERT_DIALECTS_ONNX_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Onnx/OnnxOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/Onnx/OnnxOps.h.inc"

#endif // MBERT_DIALECTS_ONNX_ONNXOPS_H
