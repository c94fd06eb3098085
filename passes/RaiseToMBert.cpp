//===- RaiseToMBert.cpp - import-level subgraphs to mbert ops -------------===//
//
// Each pattern recognizes one ONNX idiom of a MobileBERT export and replaces
// it with the model op that says what it computes. Patterns compose: a MatMul
// with a constant weight becomes a linear, then a following bias Add or Relu
// is absorbed into that linear's epilogue.
//
//===----------------------------------------------------------------------===//

#include "dialects/Onnx/OnnxShapes.h"
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mbert {
#define GEN_PASS_DEF_RAISETOMBERTPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using namespace mbert::onnx_import;
using mbert::model::Activation;
using mbert::model::LinearOp;
using mbert::model::NoNormOp;

namespace {

/// A constant that holds one value per channel of the last axis of a
/// `channels`-wide tensor, returned as a 1-D constant (shapes like [C] or
/// [1, 1, C] are all per-channel).
Value getPerChannelConstant(PatternRewriter &rewriter, Value value, int64_t channels) {
  DenseElementsAttr elements = getConstantElements(value);
  if (!elements || !elements.getElementType().isF32())
    return {};
  ArrayRef<int64_t> shape = elements.getType().getShape();
  if (shape.empty() || shape.back() != channels ||
      llvm::any_of(shape.drop_back(), [](int64_t dim) { return dim != 1; }))
    return {};
  if (shape.size() == 1)
    return value;
  auto vectorType = RankedTensorType::get({channels}, elements.getElementType());
  return ConstantOp::create(rewriter, value.getLoc(), elements.reshape(vectorType));
}

int64_t lastDimension(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape().back();
}

bool isStaticF32(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getRank() >= 1 && type.getElementType().isF32();
}

/// A linear whose epilogue is still empty and whose result has no other user,
/// so that absorbing the next elementwise op changes nothing else.
LinearOp getBareSingleUseLinear(Value value) {
  auto linear = value.getDefiningOp<LinearOp>();
  if (!linear || !linear->hasOneUse() || linear.getBias() || linear.getResidual() ||
      linear.getActivation() != Activation::None)
    return {};
  return linear;
}

struct RaiseMatMulToLinear : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp matmul, PatternRewriter &rewriter) const override {
    if (!isStaticF32(matmul.getLhs()) || !isStaticF32(matmul.getResult()))
      return rewriter.notifyMatchFailure(matmul, "input or result is not a static f32 tensor");
    auto weightType = dyn_cast<RankedTensorType>(matmul.getRhs().getType());
    if (!weightType || weightType.getRank() != 2)
      return rewriter.notifyMatchFailure(matmul, "weight is not 2-D");
    if (!getConstantElements(matmul.getRhs()))
      return rewriter.notifyMatchFailure(matmul, "weight is not a constant");
    rewriter.replaceOpWithNewOp<LinearOp>(matmul, matmul.getType(), matmul.getLhs(),
                                          matmul.getRhs(), /*bias=*/Value(),
                                          /*residual=*/Value(), Activation::None);
    return success();
  }
};

struct AbsorbBiasIntoLinear : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [linearSide, biasSide] :
         {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())}) {
      LinearOp linear = getBareSingleUseLinear(linearSide);
      if (!linear || add.getType() != linear.getType())
        continue;
      Value bias = getPerChannelConstant(rewriter, biasSide, lastDimension(linear));
      if (!bias)
        continue;
      rewriter.replaceOpWithNewOp<LinearOp>(add, linear.getType(), linear.getInput(),
                                            linear.getWeight(), bias, /*residual=*/Value(),
                                            Activation::None);
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "no operand is a bare single-use linear plus a per-channel constant");
  }
};

struct AbsorbReluIntoLinear : OpRewritePattern<ReluOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReluOp relu, PatternRewriter &rewriter) const override {
    auto linear = relu.getInput().getDefiningOp<LinearOp>();
    if (!linear || !linear->hasOneUse() || linear.getActivation() != Activation::None)
      return rewriter.notifyMatchFailure(relu, "input is not a single-use linear without activation");
    rewriter.replaceOpWithNewOp<LinearOp>(relu, linear.getType(), linear.getInput(),
                                          linear.getWeight(), linear.getBias(),
                                          linear.getResidual(), Activation::Relu);
    return success();
  }
};

/// NoNorm exports as `Add(Mul(x, gamma), beta)` with per-channel constants.
struct RaiseNoNorm : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    if (!isStaticF32(add.getResult()))
      return rewriter.notifyMatchFailure(add, "result is not a static f32 tensor");
    int64_t channels = lastDimension(add);
    for (auto [mulSide, betaSide] :
         {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())}) {
      auto mul = mulSide.getDefiningOp<MulOp>();
      if (!mul || !mul->hasOneUse() || mul.getType() != add.getType())
        continue;
      Value beta = getPerChannelConstant(rewriter, betaSide, channels);
      if (!beta)
        continue;
      for (auto [input, gammaSide] :
           {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
        if (input.getType() != add.getType())
          continue;
        Value gamma = getPerChannelConstant(rewriter, gammaSide, channels);
        if (!gamma)
          continue;
        rewriter.replaceOpWithNewOp<NoNormOp>(add, add.getType(), input, gamma, beta);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(
        add, "not Add(Mul(x, per-channel gamma), per-channel beta) with a single-use Mul");
  }
};

struct RaiseToMBertPass : mbert::impl::RaiseToMBertPassBase<RaiseToMBertPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseMatMulToLinear, AbsorbBiasIntoLinear, AbsorbReluIntoLinear, RaiseNoNorm>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
