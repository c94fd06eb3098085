//===- FoldAttentionScale.cpp - score scale into the query weights --------===//

#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

namespace mbert {
#define GEN_PASS_DEF_FOLDATTENTIONSCALEPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::Activation;
using mbert::model::AttentionOp;
using mbert::model::LinearOp;

namespace {

struct FoldAttentionScalePass : mbert::impl::FoldAttentionScalePassBase<FoldAttentionScalePass> {
  void runOnOperation() override {
    OpBuilder builder(&getContext());
    getOperation().walk([&](AttentionOp attention) {
      float scale = attention.getScale().convertToFloat();
      auto query = attention.getQuery().getDefiningOp<LinearOp>();
      // Q K^T * s = (s Q) K^T: only exact when Q is nothing but x W + b.
      if (scale == 1.0f || !query || !attention.getQuery().hasOneUse() || query.getResidual() ||
          query.getActivation() != Activation::None || query.hasPackedWeight())
        return;
      // An int8 weight (a pre-quantized model's) takes the scale in its
      // per-column scales; its values stay.
      Value scaledOperand = query.isQuantized() ? query.getWeightScale() : query.getWeight();
      std::optional<std::vector<float>> weight = mbert::getConstantFloats(scaledOperand);
      std::optional<std::vector<float>> bias;
      if (query.getBias() && !(bias = mbert::getConstantFloats(query.getBias())))
        return;
      if (!weight)
        return;
      auto scaled = [scale](std::vector<float> values) {
        for (float &value : values)
          value *= scale;
        return values;
      };
      builder.setInsertionPoint(query);
      Location loc = query.getLoc();
      Value newScaled = mbert::createFloatConstant(
          builder, loc, cast<RankedTensorType>(scaledOperand.getType()), scaled(*weight));
      Value newBias;
      if (bias)
        newBias = mbert::createFloatConstant(
            builder, loc, cast<RankedTensorType>(query.getBias().getType()), scaled(*bias));
      LinearOp newQuery =
          query.isQuantized()
              ? LinearOp::create(builder, loc, query.getType(), query.getInput(), query.getWeight(),
                                 newScaled, query.getWeightSums(), query.getSmoothing(), newBias,
                                 Value(), Value(), query.getLength(), Activation::None,
                                 query.getKernelAttr(),
                                 query.getInputRangeAttr(), query.getPrecisionAttr(),
                                 query.getQuantizationErrorAttr())
              : LinearOp::create(builder, loc, query.getType(), query.getInput(), newScaled,
                                 newBias, Value(), Value(), Activation::None);
      query.getResult().replaceAllUsesWith(newQuery.getResult());
      query.erase();
      attention.setScaleAttr(builder.getF32FloatAttr(1.0f));
    });
  }
};

} // namespace
