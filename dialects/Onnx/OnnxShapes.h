//===- OnnxShapes.h - ONNX shape rules shared by inference and folding ----===//
//
// Type inference, folders and the lowering all need the same ONNX rules for
// axes, broadcasting and constant operands; they live here once.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_DIALECTS_ONNX_ONNXSHAPES_H
#define MBERT_DIALECTS_ONNX_ONNXSHAPES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace mbert::onnx_import {

/// Maps an ONNX axis in [-rank, rank) to [0, rank); nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// The int64 (or int32) values of `value` when it is produced by a constant.
std::optional<llvm::SmallVector<int64_t>> getConstantIntValues(mlir::Value value);

/// The dense elements of `value` when it is produced by a dense constant:
/// for small constants (shapes, scales); weights may be held as blobs, read
/// with ConstantStorage.h's getConstantValues.
mlir::DenseElementsAttr getConstantElements(mlir::Value value);

/// Numpy-style multidirectional broadcast of two shapes; dynamic dimensions
/// stay dynamic unless the other side fixes them. Fails on a size conflict.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// A ranked tensor type with `shape`, or an unranked one when `shape` is
/// nullopt (the rank itself is not known).
mlir::TensorType makeTensorType(std::optional<llvm::ArrayRef<int64_t>> shape,
                                mlir::Type elementType);

/// Resolves ONNX Reshape's target: 0 copies the input dimension (unless
/// allowzero), one -1 is inferred. Fails when the shape is inconsistent.
std::optional<llvm::SmallVector<int64_t>>
resolveReshapeTarget(llvm::ArrayRef<int64_t> inputShape,
                     llvm::ArrayRef<int64_t> target, bool allowZero);

/// One axis of an ONNX Slice after clamping: start, step and element count.
struct SliceRange {
  int64_t start;
  int64_t step;
  int64_t size;
};

/// Applies ONNX Slice's clamping rules to one axis of extent `dimSize`.
SliceRange computeSliceRange(int64_t start, int64_t end, int64_t step,
                             int64_t dimSize);

/// The per-axis slice ranges of a Slice whose bound operands are all known;
/// axes not named keep their full extent. Fails on bad axes or zero steps.
std::optional<llvm::SmallVector<SliceRange>>
computeSliceRanges(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> starts,
                   llvm::ArrayRef<int64_t> ends,
                   std::optional<llvm::ArrayRef<int64_t>> axes,
                   std::optional<llvm::ArrayRef<int64_t>> steps);

/// computeSliceRanges for a Slice's bound operands (`axes` and `steps` null
/// when absent); nullopt when one of them is not a constant.
std::optional<llvm::SmallVector<SliceRange>>
getConstantSliceRanges(llvm::ArrayRef<int64_t> shape, mlir::Value starts, mlir::Value ends,
                       mlir::Value axes, mlir::Value steps);

/// Whether a QuantizeLinear/DequantizeLinear scale (or zero point) of `type`
/// applies to the whole tensor: a scalar, or a 1-D tensor of one element (as
/// ONNX Runtime reads it). Otherwise it is 1-D with one value per slice
/// along the op's axis.
bool isPerTensorQuantization(mlir::ShapedType type);

/// Maps the quantized integer types of ONNX to what they hold: int8 is
/// [-128, 127], uint8 [0, 255]. nullopt for other types.
std::optional<std::pair<int64_t, int64_t>> getQuantizedRange(mlir::Type elementType);

} // namespace mbert::onnx_import

#endif // MBERT_DIALECTS_ONNX_ONNXSHAPES_H
