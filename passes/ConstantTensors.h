//===- ConstantTensors.h - read and build f32 weight constants --*- C++ -*-===//
//
// The model passes rewrite weights at compile time (fold NoNorms, scales,
// concatenate bottleneck GEMMs). They share these helpers to read a constant
// operand as floats and to materialize a new one.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_PASSES_CONSTANTTENSORS_H
#define MBERT_PASSES_CONSTANTTENSORS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include <vector>

namespace mbert {

/// The elements of `value` when it is an f32 constant (splats expanded).
std::optional<std::vector<float>> getConstantFloats(mlir::Value value);

/// Whether `value` is an f32 constant (without copying its elements).
bool isFloatConstant(mlir::Value value);

/// An f32 constant of `type` holding `values`, as an import-dialect constant
/// so that folders and the raising patterns keep recognizing it.
mlir::Value createFloatConstant(mlir::OpBuilder &builder, mlir::Location loc,
                                mlir::RankedTensorType type, llvm::ArrayRef<float> values);

} // namespace mbert

#endif // MBERT_PASSES_CONSTANTTENSORS_H
