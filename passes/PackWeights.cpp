//===- PackWeights.cpp - lay out linear weights as GEMM kernel panels -----===//

#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

namespace mbert {
#define GEN_PASS_DEF_PACKWEIGHTSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::LinearOp;

namespace {

/// [K, N] row-major -> [ceil(N / width), K, width], zero past column N: the
/// kernel computing columns [p*width, (p+1)*width) then reads panel p front
/// to back, one contiguous `width`-float row per step of k.
std::vector<float> packIntoPanels(ArrayRef<float> weight, int64_t depth, int64_t columns,
                                  int64_t width) {
  int64_t panels = llvm::divideCeilSigned(columns, width);
  std::vector<float> packed(panels * depth * width, 0.0f);
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t n = 0; n < columns; ++n)
      packed[((n / width) * depth + k) * width + n % width] = weight[k * columns + n];
  return packed;
}

struct PackWeightsPass : mbert::impl::PackWeightsPassBase<PackWeightsPass> {
  using PackWeightsPassBase::PackWeightsPassBase;

  void runOnOperation() override {
    if (panelWidth <= 0) {
      getOperation().emitError("mbert-pack-weights: panel-width must be positive, got ")
          << static_cast<int64_t>(panelWidth);
      return signalPassFailure();
    }
    OpBuilder builder(&getContext());
    getOperation().walk([&](LinearOp linear) {
      if (linear.hasPackedWeight())
        return;
      std::optional<std::vector<float>> weight = mbert::getConstantFloats(linear.getWeight());
      if (!weight)
        return;
      int64_t depth = linear.getDepth(), columns = linear.getColumns(), width = panelWidth;
      auto packedType = RankedTensorType::get(
          {llvm::divideCeilSigned(columns, width), depth, width}, builder.getF32Type());
      builder.setInsertionPoint(linear);
      Value packed = mbert::createFloatConstant(
          builder, linear.getWeight().getLoc(), packedType,
          packIntoPanels(*weight, depth, columns, width));
      linear.getWeightMutable().assign(packed);
      linear.setWeightPanelWidth(width);
      ++packedLinears;
    });
  }
};

} // namespace
