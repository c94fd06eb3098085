//===- QuantizeLinears.cpp - int8 weights per output channel --------------===//

#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

#include <cmath>

namespace mbert {
#define GEN_PASS_DEF_QUANTIZELINEARSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::LinearOp;

namespace {

/// A [K, N] f32 matrix quantized per column: symmetric int8 in [-127, 127].
struct ColumnQuantized {
  std::vector<int8_t> values;
  std::vector<float> scales;
  std::vector<int32_t> sums;
};

ColumnQuantized quantizeColumns(ArrayRef<float> weight, int64_t depth, int64_t columns) {
  ColumnQuantized result;
  result.values.resize(weight.size());
  result.scales.assign(columns, 0.0f);
  result.sums.assign(columns, 0);
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t n = 0; n < columns; ++n)
      result.scales[n] = std::max(result.scales[n], std::fabs(weight[k * columns + n]));
  for (float &scale : result.scales)
    scale = scale > 0.0f ? scale / 127.0f : 1.0f;
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t n = 0; n < columns; ++n) {
      // nearbyint rounds half to even in the default rounding mode, as the
      // run-time quantization of activations does.
      float q = std::nearbyint(weight[k * columns + n] / result.scales[n]);
      auto value = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
      result.values[k * columns + n] = value;
      result.sums[n] += value;
    }
  return result;
}

struct QuantizeLinearsPass : mbert::impl::QuantizeLinearsPassBase<QuantizeLinearsPass> {
  using QuantizeLinearsPassBase::QuantizeLinearsPassBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](LinearOp linear) {
      if (linear.isQuantized() || linear.hasPackedWeight() ||
          !mbert::isFloatConstant(linear.getWeight()))
        return;
      int64_t depth = linear.getDepth(), columns = linear.getColumns();
      if (columns < minColumns) {
        ++floatLinears;
        return;
      }
      std::optional<std::vector<float>> weight = mbert::getConstantFloats(linear.getWeight());
      ColumnQuantized quantized = quantizeColumns(*weight, depth, columns);
      rewriter.setInsertionPoint(linear);
      Location loc = linear.getWeight().getLoc();
      auto constant = [&](DenseElementsAttr values) {
        return mbert::onnx_import::ConstantOp::create(rewriter, loc, values).getResult();
      };
      auto weightType = RankedTensorType::get({depth, columns}, rewriter.getI8Type());
      auto scaleType = RankedTensorType::get({columns}, rewriter.getF32Type());
      auto sumsType = RankedTensorType::get({columns}, rewriter.getI32Type());
      Value values = constant(DenseElementsAttr::get(
                                              weightType, ArrayRef<int8_t>(quantized.values)));
      Value scales = constant(DenseElementsAttr::get(
                                             scaleType, ArrayRef<float>(quantized.scales)));
      Value sums = constant(DenseElementsAttr::get(sumsType, ArrayRef<int32_t>(quantized.sums)));
      rewriter.modifyOpInPlace(linear, [&] {
        linear.getWeightMutable().assign(values);
        linear.getWeightScaleMutable().assign(scales);
        linear.getWeightSumsMutable().assign(sums);
      });
      ++quantizedLinears;
    });
  }
};

} // namespace
