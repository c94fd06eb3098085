//===- QuantizeLinears.cpp - int8 weights per output channel --------------===//

#include "mbert/Conversion/MicroKernels.h"
#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

#include "dialects/Onnx/ConstantStorage.h"

#include <cmath>

namespace mbert {
#define GEN_PASS_DEF_QUANTIZELINEARSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::LinearOp;

namespace {

/// A [K, N] f32 matrix quantized per column: symmetric int8 in [-limit, limit].
struct ColumnQuantized {
  std::vector<int8_t> values;
  std::vector<float> scales;
  std::vector<int32_t> sums;
};

ColumnQuantized quantizeColumns(ArrayRef<float> weight, int64_t depth, int64_t columns,
                                int32_t magnitudeLimit) {
  ColumnQuantized result;
  result.values.resize(weight.size());
  result.scales.assign(columns, 0.0f);
  result.sums.assign(columns, 0);
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t n = 0; n < columns; ++n)
      result.scales[n] = std::max(result.scales[n], std::fabs(weight[k * columns + n]));
  for (float &scale : result.scales)
    scale = mbert::getSymmetricInt8Scale(scale, magnitudeLimit);
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t n = 0; n < columns; ++n) {
      int8_t value =
          mbert::quantizeToInt8(weight[k * columns + n], result.scales[n], magnitudeLimit);
      result.values[k * columns + n] = value;
      result.sums[n] += value;
    }
  return result;
}

/// SmoothQuant's per-channel factors (Xiao et al., arXiv 2211.10438): input
/// channel k is divided by s_k = range_k^a / wmax_k^(1 - a) and weight row k
/// of `weight` multiplied by it in place, where range_k is the largest |x_k|
/// seen on calibration inputs and wmax_k the largest |W[k, n]|. a = 0.5 gives
/// the channel and its weight row the same range; a channel that never moved
/// keeps s_k = 1. Returns the input's multipliers 1 / s_k, or nothing when
/// every s_k is 1.
std::optional<std::vector<float>> smoothWeightRows(std::vector<float> &weight,
                                                   ArrayRef<float> inputRange, int64_t columns,
                                                   double strength) {
  std::vector<float> multipliers(inputRange.size(), 1.0f);
  bool smoothed = false;
  for (auto [k, range] : llvm::enumerate(inputRange)) {
    MutableArrayRef<float> row(weight.data() + k * columns, columns);
    float weightMax = 0.0f;
    for (float w : row)
      weightMax = std::max(weightMax, std::fabs(w));
    if (!(range > 0.0f) || weightMax == 0.0f || !std::isfinite(range))
      continue;
    auto divisor = static_cast<float>(std::pow(range, strength) /
                                      std::pow(weightMax, 1.0 - strength));
    for (float &w : row)
      w *= divisor;
    multipliers[k] = 1.0f / divisor;
    smoothed = true;
  }
  if (!smoothed)
    return std::nullopt;
  return multipliers;
}

struct QuantizeLinearsPass : mbert::impl::QuantizeLinearsPassBase<QuantizeLinearsPass> {
  using QuantizeLinearsPassBase::QuantizeLinearsPassBase;

  void runOnOperation() override {
    // The weights are rounded for the kernel that will multiply them: some
    // multiply only a narrower range than int8's exactly.
    FailureOr<mbert::MicroKernels> kernels = mbert::selectMicroKernels(
        getOperation(), mbert::KernelTarget{triple, cpu, features, int8ActivationBits});
    if (failed(kernels))
      return signalPassFailure();
    int32_t magnitudeLimit = kernels->int8.getWeightMagnitudeLimit();
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](LinearOp linear) {
      if (linear.isQuantized() || linear.hasPackedWeight() ||
          !mbert::isFloatConstant(linear.getWeight()))
        return;
      int64_t depth = linear.getDepth(), columns = linear.getColumns();
      if (columns < minColumns || linear.getPrecision() == mbert::model::Precision::F32) {
        ++floatLinears;
        return;
      }
      std::optional<std::vector<float>> weight = mbert::getConstantFloats(linear.getWeight());
      std::optional<std::vector<float>> multipliers;
      if (std::optional<DenseElementsAttr> range = linear.getInputRange();
          range && smoothingStrength > 0) {
        auto values = range->getValues<float>();
        multipliers = smoothWeightRows(*weight, std::vector<float>(values.begin(), values.end()),
                                       columns, smoothingStrength);
        if (multipliers)
          ++smoothedLinears;
      }
      ColumnQuantized quantized = quantizeColumns(*weight, depth, columns, magnitudeLimit);
      rewriter.setInsertionPoint(linear);
      Location loc = linear.getWeight().getLoc();
      auto constant = [&](ShapedType type, const auto &values) {
        return mbert::onnx_import::ConstantOp::create(
                   rewriter, loc, mbert::onnx_import::createConstantAttr(type, ArrayRef(values)))
            .getResult();
      };
      auto weightType = RankedTensorType::get({depth, columns}, rewriter.getI8Type());
      auto scaleType = RankedTensorType::get({columns}, rewriter.getF32Type());
      auto sumsType = RankedTensorType::get({columns}, rewriter.getI32Type());
      Value values = constant(weightType, quantized.values);
      Value scales = constant(scaleType, quantized.scales);
      Value sums = constant(sumsType, quantized.sums);
      Value smoothing;
      if (multipliers) {
        auto smoothingType = RankedTensorType::get({depth}, rewriter.getF32Type());
        smoothing = constant(smoothingType, *multipliers);
      }
      rewriter.modifyOpInPlace(linear, [&] {
        linear.getWeightMutable().assign(values);
        linear.getWeightScaleMutable().assign(scales);
        linear.getWeightSumsMutable().assign(sums);
        if (smoothing)
          linear.getSmoothingMutable().assign(smoothing);
      });
      ++quantizedLinears;
    });
  }
};

} // namespace
