//===- PackWeights.cpp - lay out linear weights for their kernels ---------===//

#include "passes/Passes.h"

#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxOps.h"

namespace mbert {
#define GEN_PASS_DEF_PACKWEIGHTSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::LinearOp;
using mbert::model::MicroKernelAttr;

namespace {

/// [K, N] row-major -> [ceil(N / nr), Kpad / kr, nr, kr], zero past K and N:
/// the kernel computing columns [p*nr, (p+1)*nr) then reads panel p front to
/// back, nr * kr elements per step of its reduction.
template <typename T>
std::optional<ElementsAttr> packForKernel(Value weight, MicroKernelAttr kernel, int64_t depth,
                                          int64_t columns) {
  std::optional<std::vector<T>> values = mbert::onnx_import::getConstantValues<T>(weight);
  if (!values)
    return std::nullopt;
  SmallVector<int64_t, 4> shape = kernel.getPackedWeightShape(depth, columns);
  int64_t groups = shape[1], nr = kernel.getNr(), kr = kernel.getKr();
  std::vector<T> packed(shape[0] * groups * nr * kr, T(0));
  auto element = values->begin();
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t n = 0; n < columns; ++n, ++element)
      packed[(((n / nr) * groups + k / kr) * nr + n % nr) * kr + k % kr] = *element;
  auto type = RankedTensorType::get(shape, getElementTypeOrSelf(weight.getType()));
  return mbert::onnx_import::createConstantAttr(type, ArrayRef<T>(packed));
}

struct PackWeightsPass : mbert::impl::PackWeightsPassBase<PackWeightsPass> {
  using PackWeightsPassBase::PackWeightsPassBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<LinearOp> linears;
    getOperation().walk([&](LinearOp linear) { linears.push_back(linear); });
    for (LinearOp linear : linears) {
      MicroKernelAttr kernel = linear.getKernelAttr();
      if (!kernel || linear.hasPackedWeight())
        continue;
      Value weight = linear.getWeight();
      int64_t depth = linear.getDepth(), columns = linear.getColumns();
      std::optional<ElementsAttr> packed =
          kernel.isInteger() ? packForKernel<int8_t>(weight, kernel, depth, columns)
                             : packForKernel<float>(weight, kernel, depth, columns);
      if (!packed)
        continue;
      rewriter.setInsertionPoint(linear);
      Value packedWeight =
          mbert::onnx_import::ConstantOp::create(rewriter, weight.getLoc(), *packed);
      rewriter.modifyOpInPlace(linear, [&] { linear.getWeightMutable().assign(packedWeight); });
      ++packedLinears;
      if (releaseReplacedWeights)
        mbert::onnx_import::eraseUnusedConstants(getOperation());
    }
  }
};

} // namespace
