//===- ConstantStorage.h - how constant tensors are held ---------*- C++ -*-===//
//
// A DenseElementsAttr lives as long as its MLIR context: every pass that
// rewrites the weights (NoNorm folds, fusion, packing, quantization) would
// leave one more copy of them behind, four for the full model. Large
// constants are therefore held as dense_resource blobs, which are freed once
// nothing refers to them (releaseUnusedConstantBlobs). Small ones (shapes,
// scales, NoNorm vectors) stay dense, so folders and tests read them as
// before.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_DIALECTS_ONNX_CONSTANTSTORAGE_H
#define MBERT_DIALECTS_ONNX_CONSTANTSTORAGE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace mbert::onnx_import {

/// Constants of at least this many bytes are held as blobs.
constexpr size_t kMinBlobBytes = 4096;

/// An attribute holding elements of `type` whose bytes, in memory order, are
/// `bytes`: a blob of its own when large, dense otherwise. Element types of
/// whole bytes only (i1 is bit-packed in dense attributes).
mlir::ElementsAttr createConstantAttr(mlir::ShapedType type, llvm::ArrayRef<char> bytes);

template <typename T>
mlir::ElementsAttr createConstantAttr(mlir::ShapedType type, llvm::ArrayRef<T> values) {
  return createConstantAttr(type,
                            llvm::ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                                                 values.size() * sizeof(T)));
}

/// Whether `value` is produced by a constant, however it is held.
bool isConstant(mlir::Value value);

/// The attribute of the constant producing `value`, however it is held.
mlir::ElementsAttr getConstantAttr(mlir::Value value);

/// The bytes of a blob-held constant attribute (none for anything else).
std::optional<llvm::ArrayRef<char>> getBlobBytes(mlir::Attribute attr);

/// `attr` as a dense attribute: itself, or a dense copy of a blob, which then
/// lives as long as the context. For folders and rare paths that read
/// elements one by one; passes read weights with getConstantValues.
mlir::DenseElementsAttr getDenseElements(mlir::Attribute attr);

/// The elements of the constant producing `value` as T, the C++ type stored
/// for its element type (float for f32, int8_t for i8, int32_t for i32);
/// nothing when it is not a constant or its element type is not T's.
template <typename T>
std::optional<std::vector<T>> getConstantValues(mlir::Value value) {
  mlir::ElementsAttr attr = getConstantAttr(value);
  if (!attr)
    return std::nullopt;
  if (auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(attr)) {
    auto values = dense.tryGetValues<T>();
    if (mlir::failed(values))
      return std::nullopt;
    return std::vector<T>(values->begin(), values->end());
  }
  // The rule DenseElementsAttr::tryGetValues applies: a signless integer
  // reads as either signedness.
  mlir::Type elementType = attr.getElementType();
  bool sameKind =
      std::is_floating_point_v<T>
          ? llvm::isa<mlir::FloatType>(elementType)
          : elementType.isSignlessInteger() ||
                (elementType.isInteger() && elementType.isSignedInteger() == std::is_signed_v<T>);
  std::optional<llvm::ArrayRef<char>> bytes = getBlobBytes(attr);
  if (!bytes || !sameKind || elementType.getIntOrFloatBitWidth() != 8 * sizeof(T) ||
      bytes->size() != attr.getNumElements() * sizeof(T))
    return std::nullopt;
  std::vector<T> values(attr.getNumElements());
  std::memcpy(values.data(), bytes->data(), bytes->size());
  return values;
}

/// Frees the blobs of constants that no attribute in `root` refers to
/// anymore. Blobs this file did not create are left alone.
void releaseUnusedConstantBlobs(mlir::Operation *root);

/// Erases the constant ops in `root` that have no uses, then frees the blobs
/// they held: for passes that replace weights one tensor at a time.
void eraseUnusedConstants(mlir::Operation *root);

/// Moves the bytes of every blob `root` refers to into one temporary file
/// mapped read-only, which the blobs then view: once the weights are final,
/// their pages are the system's to drop until the object is written.
mlir::LogicalResult mapConstantBlobsFromFile(mlir::Operation *root, std::string &errorMessage);

} // namespace mbert::onnx_import

#endif // MBERT_DIALECTS_ONNX_CONSTANTSTORAGE_H
