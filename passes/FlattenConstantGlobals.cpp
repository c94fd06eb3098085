//===- FlattenConstantGlobals.cpp - constants as flat LLVM arrays ---------===//
//
// A constant global lowered from a memref of rank > 1 is a nested LLVM array
// (!llvm.array<K x array<N x f32>>), which the translation to LLVM IR builds
// as one LLVM constant per innermost row. MobileBERT's packed weights have
// rows of 8 to 64 values, so the objects around the rows take several times
// the weights' own bytes: on the full model the translation alone grew the
// compiler's memory by about five copies of the weights.
//
// A nested array of scalars has the bytes of the flat array, and every user
// reaches a global through its address (memref descriptors carry their own
// strides), so each such global becomes one flat array. A dense initializer
// is viewed in place (an unmanaged dense_resource blob: the attribute and the
// blob live as long as the context); a dense_resource one (large weights,
// dialects/Onnx/ConstantStorage.h) keeps its blob. The translation then makes
// a single constant of them.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mbert {
#define GEN_PASS_DEF_FLATTENCONSTANTGLOBALSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

/// The scalar type and element count of a nest of LLVM arrays of scalars
/// with at least two levels, if `type` is one.
std::optional<std::pair<Type, int64_t>> getNestedArrayElements(Type type) {
  int64_t count = 1, levels = 0;
  while (auto array = dyn_cast<LLVM::LLVMArrayType>(type)) {
    count *= array.getNumElements();
    type = array.getElementType();
    ++levels;
  }
  if (levels < 2 || !type.isIntOrFloat())
    return std::nullopt;
  return std::make_pair(type, count);
}

struct FlattenConstantGlobalsPass
    : mbert::impl::FlattenConstantGlobalsPassBase<FlattenConstantGlobalsPass> {
  void runOnOperation() override {
    for (auto global : getOperation().getOps<LLVM::GlobalOp>()) {
      auto value = dyn_cast_or_null<ElementsAttr>(global.getValueOrNull());
      std::optional<std::pair<Type, int64_t>> elements =
          getNestedArrayElements(global.getGlobalType());
      // i1 values are stored bit-packed: their bytes are not the array's.
      if (!global.getConstant() || !value || !elements ||
          elements->first.getIntOrFloatBitWidth() % 8 != 0 ||
          value.getElementType() != elements->first)
        continue;
      auto [scalar, count] = *elements;
      auto flatType = RankedTensorType::get({count}, scalar);
      Attribute flatValue;
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
        // A blob is already flat bytes.
        flatValue = DenseResourceElementsAttr::get(flatType, resource.getRawHandle());
      } else if (auto dense = dyn_cast<DenseElementsAttr>(value); dense && dense.isSplat()) {
        // A splat stores its one value; the reshaped splat is as small.
        flatValue = dense.reshape(flatType);
      } else if (dense) {
        size_t alignment = scalar.getIntOrFloatBitWidth() / 8;
        flatValue = DenseResourceElementsAttr::get(
            flatType, global.getSymName(),
            UnmanagedAsmResourceBlob::allocateWithAlign(dense.getRawData(), alignment));
      } else {
        continue;
      }
      global.setGlobalTypeAttr(TypeAttr::get(LLVM::LLVMArrayType::get(scalar, count)));
      global.setValueAttr(flatValue);
    }
  }
};

} // namespace
