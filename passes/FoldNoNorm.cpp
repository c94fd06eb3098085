//===- FoldNoNorm.cpp - NoNorm into weights or linear epilogues -----------===//
//
// See Passes.td for the three ways a NoNorm disappears. NoNorms are visited
// in program order, so a fold that turns a producer into a plain linear (the
// input bottleneck) lets a later NoNorm (the attention output, whose residual
// that linear is) fold exactly too.
//
//===----------------------------------------------------------------------===//

#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxShapes.h"
#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

namespace mbert {
#define GEN_PASS_DEF_FOLDNONORMPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::Activation;
using mbert::model::EmbeddingOp;
using mbert::model::LinearOp;
using mbert::model::NoNormOp;
namespace onnx = mbert::onnx_import;

namespace {

/// The extent of the last axis; none for a scalar (rank 0), which has no
/// channels to scale.
std::optional<int64_t> lastDimension(Value value) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  return shape.empty() ? std::nullopt : std::optional(shape.back());
}

RankedTensorType tensorType(Value value) { return cast<RankedTensorType>(value.getType()); }

/// A linear whose weights ([K, N], not yet packed) and bias are constants and
/// whose output is not clamped by an activation: gamma commutes with
/// everything it computes. An int8 weight (a pre-quantized model's) takes
/// gamma in its per-column scales.
bool hasFoldableWeights(LinearOp linear) {
  bool constantWeight = linear.isQuantized() ? mbert::isFloatConstant(linear.getWeightScale())
                                             : mbert::isFloatConstant(linear.getWeight());
  return linear.getActivation() == Activation::None && !linear.hasPackedWeight() && constantWeight &&
         (!linear.getBias() || mbert::isFloatConstant(linear.getBias())) &&
         (!linear.getResidualScale() || mbert::isFloatConstant(linear.getResidualScale()));
}

/// An embedding whose projection and addends are constants: gamma scales each
/// of them (the word table comes before the projection and stays as it is).
bool hasFoldableWeights(EmbeddingOp embedding) {
  auto isConstantOrAbsent = [](Value value) { return !value || onnx::isConstant(value); };
  return onnx::isConstant(embedding.getProjection()) && isConstantOrAbsent(embedding.getBias()) &&
         isConstantOrAbsent(embedding.getPosition()) &&
         isConstantOrAbsent(embedding.getTypeTable());
}

/// Erases `op` and then every producer left without users, as long as they
/// have no side effects.
void eraseDeadChain(Operation *op) {
  // Each op is queued once: a producer feeding two erased ops must not be
  // visited after it has been erased.
  SmallVector<Operation *> worklist = {op};
  DenseSet<Operation *> queued = {op};
  while (!worklist.empty()) {
    Operation *current = worklist.pop_back_val();
    if (!current->use_empty() || !isPure(current))
      continue;
    for (Value operand : current->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        if (queued.insert(producer).second)
          worklist.push_back(producer);
    current->erase();
  }
}

class NoNormFolder {
public:
  explicit NoNormFolder(MLIRContext *context) : builder(context) {}

  /// Whether `value` can absorb a per-channel scale without any run-time
  /// work: only producers whose every contribution is a compile-time weight.
  bool canScaleExactly(Value value, int64_t channels) {
    if (lastDimension(value) != channels)
      return false;
    if (mbert::getConstantFloats(value))
      return true;
    Operation *producer = value.getDefiningOp();
    if (!producer || !value.hasOneUse())
      return false;
    if (auto linear = dyn_cast<LinearOp>(producer)) {
      if (!hasFoldableWeights(linear))
        return false;
      Value residual = linear.getResidual();
      return !residual || linear.getResidualScale() || canScaleExactly(residual, channels);
    }
    if (auto embedding = dyn_cast<EmbeddingOp>(producer))
      return hasFoldableWeights(embedding);
    if (auto add = dyn_cast<onnx::AddOp>(producer))
      return canScaleExactly(add.getLhs(), channels) && canScaleExactly(add.getRhs(), channels);
    if (auto gather = dyn_cast<onnx::GatherOp>(producer))
      return gather.getAxis() == 0 && tensorType(gather.getData()).getRank() == 2 &&
             mbert::getConstantFloats(gather.getData());
    return false;
  }

  /// Rebuilds `value` as `value * gamma (+ beta)`; canScaleExactly(value)
  /// must hold. Beta, when given, is added exactly once, at the first
  /// producer that has a constant to put it in.
  Value scaleExactly(Value value, ArrayRef<float> gamma, std::optional<ArrayRef<float>> beta) {
    if (std::optional<std::vector<float>> constant = mbert::getConstantFloats(value)) {
      builder.setInsertionPointAfterValue(value);
      return mbert::createFloatConstant(builder, value.getLoc(), tensorType(value),
                                        applyAffine(*constant, gamma, beta));
    }
    Operation *producer = value.getDefiningOp();
    builder.setInsertionPoint(producer);
    if (auto linear = dyn_cast<LinearOp>(producer)) {
      Value residual = linear.getResidual(), residualScale = linear.getResidualScale();
      if (residual && residualScale)
        residualScale = scaleColumns(residualScale, gamma);
      else if (residual)
        residual = scaleExactly(residual, gamma, std::nullopt);
      builder.setInsertionPoint(producer);
      return rebuildWithScaledColumns(linear, gamma,
                                      scaledBias(linear.getBias(), linear.getLoc(), gamma, beta),
                                      residual, residualScale);
    }
    if (auto embedding = dyn_cast<EmbeddingOp>(producer))
      return scaleEmbedding(embedding, gamma, beta);
    if (auto add = dyn_cast<onnx::AddOp>(producer)) {
      Value lhs = scaleExactly(add.getLhs(), gamma, beta);
      Value rhs = scaleExactly(add.getRhs(), gamma, std::nullopt);
      builder.setInsertionPoint(producer);
      return onnx::AddOp::create(builder, add.getLoc(), lhs, rhs);
    }
    auto gather = cast<onnx::GatherOp>(producer);
    Value table = gather.getData();
    Value scaledTable = mbert::createFloatConstant(builder, table.getLoc(), tensorType(table),
                                                   applyAffine(*mbert::getConstantFloats(table),
                                                               gamma, beta));
    return onnx::GatherOp::create(builder, gather.getLoc(), scaledTable, gather.getIndices(),
                                  gather.getAxis());
  }

  /// NoNorm(x) feeding only linears' inputs: each user reads x instead, with
  /// rows of W scaled by gamma and beta @ W added to its bias.
  bool foldForward(NoNormOp noNorm, ArrayRef<float> gamma, ArrayRef<float> beta) {
    SmallVector<LinearOp> users;
    for (OpOperand &use : noNorm->getUses()) {
      auto linear = dyn_cast<LinearOp>(use.getOwner());
      if (!linear || use.get() != linear.getInput() || linear.getResidual() == noNorm.getResult() ||
          linear.hasPackedWeight() || !mbert::isFloatConstant(linear.getWeight()) ||
          (linear.getBias() && !mbert::isFloatConstant(linear.getBias())))
        return false;
      users.push_back(linear);
    }
    if (users.empty())
      return false;
    for (LinearOp linear : users) {
      std::vector<float> weight = *mbert::getConstantFloats(linear.getWeight());
      int64_t columns = tensorType(linear.getWeight()).getShape().back();
      std::vector<float> bias(columns, 0.0f);
      if (linear.getBias())
        bias = *mbert::getConstantFloats(linear.getBias());
      for (size_t row = 0; row < gamma.size(); ++row)
        for (int64_t column = 0; column < columns; ++column) {
          float &w = weight[row * columns + column];
          bias[column] += beta[row] * w;
          w *= gamma[row];
        }
      builder.setInsertionPoint(linear);
      Location loc = linear.getLoc();
      Value newWeight = mbert::createFloatConstant(builder, loc, tensorType(linear.getWeight()), weight);
      Value newBias = mbert::createFloatConstant(
          builder, loc, RankedTensorType::get({columns}, builder.getF32Type()), bias);
      Value rebuilt = rebuildLinear(linear, noNorm.getInput(), newWeight, newBias,
                                    linear.getResidual(), linear.getResidualScale());
      linear.getResult().replaceAllUsesWith(rebuilt);
      // Not eraseDeadChain: that would also erase the NoNorm, which the
      // caller still holds; its old weights go when the caller is done.
      linear.erase();
    }
    return true;
  }

  /// NoNorm(x W + b + r) with r needed elsewhere: gamma goes into W and b and
  /// scales the residual in the epilogue.
  bool foldIntoEpilogue(NoNormOp noNorm, ArrayRef<float> gamma, ArrayRef<float> beta) {
    auto linear = noNorm.getInput().getDefiningOp<LinearOp>();
    if (!linear || !noNorm.getInput().hasOneUse() || !hasFoldableWeights(linear) ||
        !linear.getResidual() || linear.getResidualScale())
      return false;
    builder.setInsertionPoint(linear);
    Value residualScale = mbert::createFloatConstant(
        builder, linear.getLoc(), RankedTensorType::get({static_cast<int64_t>(gamma.size())},
                                                        builder.getF32Type()),
        gamma);
    Value rebuilt = rebuildWithScaledColumns(
        linear, gamma, scaledBias(linear.getBias(), linear.getLoc(), gamma, beta),
        linear.getResidual(), residualScale);
    replaceNoNorm(noNorm, rebuilt);
    return true;
  }

  void replaceNoNorm(NoNormOp noNorm, Value replacement) {
    Value input = noNorm.getInput();
    noNorm.getResult().replaceAllUsesWith(replacement);
    noNorm.erase();
    if (Operation *producer = input.getDefiningOp())
      eraseDeadChain(producer);
  }

private:
  static std::vector<float> applyAffine(std::vector<float> values, ArrayRef<float> gamma,
                                        std::optional<ArrayRef<float>> beta) {
    size_t channels = gamma.size();
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] *= gamma[i % channels];
      if (beta)
        values[i] += (*beta)[i % channels];
    }
    return values;
  }

  /// `value` (a weight [K, N], a per-channel vector [N], a position or type
  /// table [..., N]) times gamma on its last axis.
  Value scaleColumns(Value weight, ArrayRef<float> gamma) {
    return mbert::createFloatConstant(builder, weight.getLoc(), tensorType(weight),
                                      applyAffine(*mbert::getConstantFloats(weight), gamma,
                                                  std::nullopt));
  }

  /// bias * gamma + beta, or just beta without a bias, or none at all.
  Value scaledBias(Value bias, Location loc, ArrayRef<float> gamma,
                   std::optional<ArrayRef<float>> beta) {
    auto type = RankedTensorType::get({static_cast<int64_t>(gamma.size())}, builder.getF32Type());
    std::vector<float> values(gamma.size(), 0.0f);
    if (bias)
      values = *mbert::getConstantFloats(bias);
    else if (!beta)
      return {};
    return mbert::createFloatConstant(builder, loc, type, applyAffine(values, gamma, beta));
  }

  /// The embedding times gamma (+ beta): gamma scales the projection's
  /// columns and every addend, beta joins the bias.
  Value scaleEmbedding(EmbeddingOp embedding, ArrayRef<float> gamma,
                       std::optional<ArrayRef<float>> beta) {
    auto scaleIfPresent = [&](Value value) { return value ? scaleColumns(value, gamma) : Value(); };
    return EmbeddingOp::create(
        builder, embedding.getLoc(), embedding.getType(), embedding.getInputIds(),
        embedding.getWordTable(), embedding.getWordScale(), scaleColumns(embedding.getProjection(), gamma),
        scaledBias(embedding.getBias(), embedding.getLoc(), gamma, beta),
        scaleIfPresent(embedding.getPosition()), embedding.getTokenTypeIds(),
        scaleIfPresent(embedding.getTypeTable()), embedding.getLength(), embedding.getKernelAttr());
  }

  /// `linear` with its output columns times gamma and the given epilogue:
  /// gamma scales an f32 weight's columns, or an int8 weight's per-column
  /// scales (its values, column sums and smoothing stay as they are).
  Value rebuildWithScaledColumns(LinearOp linear, ArrayRef<float> gamma, Value bias,
                                 Value residual, Value residualScale) {
    if (!linear.isQuantized())
      return rebuildLinear(linear, linear.getInput(), scaleColumns(linear.getWeight(), gamma), bias,
                           residual, residualScale);
    return LinearOp::create(builder, linear.getLoc(), linear.getType(), linear.getInput(),
                            linear.getWeight(), scaleColumns(linear.getWeightScale(), gamma),
                            linear.getWeightSums(), linear.getSmoothing(), bias, residual,
                            residualScale, linear.getLength(), linear.getActivation(),
                            linear.getKernelAttr(),
                            linear.getInputRangeAttr(), linear.getPrecisionAttr(),
                            linear.getQuantizationErrorAttr());
  }

  Value rebuildLinear(LinearOp linear, Value input, Value weight, Value bias, Value residual,
                      Value residualScale) {
    return LinearOp::create(builder, linear.getLoc(), linear.getType(), input, weight, bias, residual,
                            residualScale, linear.getActivation());
  }

  OpBuilder builder;
};

struct FoldNoNormPass : mbert::impl::FoldNoNormPassBase<FoldNoNormPass> {
  using FoldNoNormPassBase::FoldNoNormPassBase;

  void runOnOperation() override {
    SmallVector<NoNormOp> noNorms;
    getOperation().walk([&](NoNormOp noNorm) { noNorms.push_back(noNorm); });
    NoNormFolder folder(&getContext());
    for (NoNormOp noNorm : noNorms) {
      std::optional<std::vector<float>> gamma = mbert::getConstantFloats(noNorm.getGamma());
      std::optional<std::vector<float>> beta = mbert::getConstantFloats(noNorm.getBeta());
      if (!gamma || !beta) {
        ++remaining;
        continue;
      }
      int64_t channels = gamma->size();
      if (folder.canScaleExactly(noNorm.getInput(), channels)) {
        Value scaled = folder.scaleExactly(noNorm.getInput(), *gamma, ArrayRef<float>(*beta));
        folder.replaceNoNorm(noNorm, scaled);
        ++exactFolds;
      } else if (folder.foldForward(noNorm, *gamma, *beta)) {
        noNorm.erase();
        ++exactFolds;
      } else if (folder.foldIntoEpilogue(noNorm, *gamma, *beta)) {
        ++epilogueFolds;
      } else {
        ++remaining;
      }
      if (releaseReplacedWeights)
        onnx::eraseUnusedConstants(getOperation());
    }
  }
};

} // namespace
