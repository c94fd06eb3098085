//===- ConstantTensors.h - read and build f32 weight constants --*- C++ -*-===//
//
// The model passes rewrite weights at compile time (fold NoNorms, scales,
// concatenate bottleneck GEMMs, quantize). They share these helpers to read a
// constant operand as floats, to materialize a new one, and to round weights
// to symmetric int8.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_PASSES_CONSTANTTENSORS_H
#define MBERT_PASSES_CONSTANTTENSORS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cstdint>
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

/// The scale of symmetric int8 values in [-limit, limit] for numbers of
/// magnitude up to `largest`: largest / limit, or 1 when everything is 0.
/// The limit is 127 unless a kernel multiplies only smaller weights exactly
/// (MicroKernelAttr::getWeightMagnitudeLimit).
float getSymmetricInt8Scale(float largest, int32_t magnitudeLimit = 127);

/// `value / scale` rounded half to even (as the run-time quantization of
/// activations rounds) and clamped to [-limit, limit].
int8_t quantizeToInt8(float value, float scale, int32_t magnitudeLimit = 127);

/// The largest |element| of an int8 constant (nothing for anything else).
std::optional<int32_t> getLargestInt8Magnitude(mlir::Value value);

} // namespace mbert

#endif // MBERT_PASSES_CONSTANTTENSORS_H
