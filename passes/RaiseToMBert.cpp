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
                                          /*residual=*/Value(), /*residual_scale=*/Value(),
                                          Activation::None);
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
                                            /*residual_scale=*/Value(), Activation::None);
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "no operand is a bare single-use linear plus a per-channel constant");
  }
};

/// `Add(linear, r)` where r has the linear's type: the residual connections
/// of MobileBERT, which the linear's epilogue adds for free.
struct AbsorbResidualIntoLinear : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [linearSide, residual] :
         {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())}) {
      auto linear = linearSide.getDefiningOp<LinearOp>();
      if (!linear || !linear->hasOneUse() || linear.getResidual() ||
          linear.getActivation() != Activation::None || residual.getType() != linear.getType() ||
          add.getType() != linear.getType())
        continue;
      rewriter.replaceOpWithNewOp<LinearOp>(add, linear.getType(), linear.getInput(),
                                            linear.getWeight(), linear.getBias(), residual,
                                            /*residual_scale=*/Value(), Activation::None);
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "no operand is a single-use linear without residual and activation whose type "
             "matches the other operand");
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
                                          linear.getResidual(), linear.getResidualScale(),
                                          Activation::Relu);
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

/// The [B, S, H*D] tensor that `value` splits into heads, when `value` is
/// `Transpose(Reshape(x, [B, S, H, D]), perm)`; `heads` receives H.
Value matchHeadSplit(Value value, ArrayRef<int64_t> perm, int64_t &heads) {
  auto transpose = value.getDefiningOp<TransposeOp>();
  if (!transpose || !transpose.getPerm() || *transpose.getPerm() != perm)
    return {};
  auto reshape = transpose.getData().getDefiningOp<ReshapeOp>();
  if (!reshape)
    return {};
  auto split = cast<RankedTensorType>(reshape.getType());
  auto merged = dyn_cast<RankedTensorType>(reshape.getData().getType());
  if (!merged || split.getRank() != 4 || merged.getRank() != 3 ||
      merged.getDimSize(0) != split.getDimSize(0) || merged.getDimSize(1) != split.getDimSize(1) ||
      merged.getDimSize(2) != split.getDimSize(2) * split.getDimSize(3))
    return {};
  heads = split.getDimSize(2);
  return reshape.getData();
}

/// Whether `mask` broadcasts to the [B, H, Sq, Sk] scores.
bool broadcastsToScores(Value mask, int64_t batch, int64_t heads, int64_t queryLength,
                        int64_t keyLength) {
  auto type = dyn_cast<RankedTensorType>(mask.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > 4 || !type.getElementType().isF32())
    return false;
  int64_t scores[] = {batch, heads, queryLength, keyLength};
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t dim = type.getDimSize(type.getRank() - 1 - d);
    if (dim != 1 && dim != scores[3 - d])
      return false;
  }
  return true;
}

/// The constant scalar float of `value`, if it is one.
std::optional<float> getScalarConstant(Value value) {
  DenseElementsAttr elements = getConstantElements(value);
  if (!elements || !elements.isSplat() || !elements.getElementType().isF32())
    return std::nullopt;
  return elements.getSplatValue<float>();
}

/// Multi-head attention as exports spell it, matched from its last op:
///   Reshape(Transpose(MatMul(Softmax(scores), V_heads), [0,2,1,3]), [B,S,H*D])
/// with scores = (Q_heads K_heads^T) scaled by Div or Mul and optionally plus a
/// mask bias, and Q/K/V_heads = Transpose(Reshape(x, [B,S,H,D])).
struct RaiseAttention : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp merge, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(merge.getType());
    if (!resultType || resultType.getRank() != 3 || !resultType.getElementType().isF32())
      return rewriter.notifyMatchFailure(merge, "not a head merge to [B, S, H*D] f32");
    auto transpose = merge.getData().getDefiningOp<TransposeOp>();
    if (!transpose || !transpose.getPerm() ||
        *transpose.getPerm() != ArrayRef<int64_t>{0, 2, 1, 3})
      return rewriter.notifyMatchFailure(merge, "input is not a [0,2,1,3] transpose");
    auto context = transpose.getData().getDefiningOp<MatMulOp>();
    if (!context)
      return rewriter.notifyMatchFailure(merge, "no probabilities @ values matmul");
    auto softmax = context.getLhs().getDefiningOp<SoftmaxOp>();
    if (!softmax || (static_cast<int64_t>(softmax.getAxis()) != -1 && softmax.getAxis() != 3))
      return rewriter.notifyMatchFailure(merge, "probabilities are not a last-axis softmax");
    int64_t heads = 0, keyHeads = 0, valueHeads = 0;
    Value value = matchHeadSplit(context.getRhs(), {0, 2, 1, 3}, valueHeads);
    if (!value)
      return rewriter.notifyMatchFailure(merge, "values are not split into heads");

    Value scores = softmax.getInput();
    Value maskBias;
    if (auto add = scores.getDefiningOp<AddOp>()) {
      // Either operand may be the mask; the scaled scores come from Div/Mul/MatMul.
      bool lhsIsScores = add.getLhs().getDefiningOp<DivOp>() || add.getLhs().getDefiningOp<MulOp>() ||
                         add.getLhs().getDefiningOp<MatMulOp>();
      scores = lhsIsScores ? add.getLhs() : add.getRhs();
      maskBias = lhsIsScores ? add.getRhs() : add.getLhs();
    }
    float scale = 1.0f;
    if (auto div = scores.getDefiningOp<DivOp>()) {
      std::optional<float> divisor = getScalarConstant(div.getRhs());
      if (!divisor || *divisor == 0.0f)
        return rewriter.notifyMatchFailure(merge, "scores are divided by a non-constant");
      scale = 1.0f / *divisor;
      scores = div.getLhs();
    } else if (auto mul = scores.getDefiningOp<MulOp>()) {
      std::optional<float> factor = getScalarConstant(mul.getRhs());
      if (!factor)
        return rewriter.notifyMatchFailure(merge, "scores are multiplied by a non-constant");
      scale = *factor;
      scores = mul.getLhs();
    }
    auto dot = scores.getDefiningOp<MatMulOp>();
    if (!dot)
      return rewriter.notifyMatchFailure(merge, "no query @ key^T matmul");
    Value query = matchHeadSplit(dot.getLhs(), {0, 2, 1, 3}, heads);
    Value key = matchHeadSplit(dot.getRhs(), {0, 2, 3, 1}, keyHeads);
    if (!query || !key)
      return rewriter.notifyMatchFailure(merge, "query or key is not split into heads");
    if (heads != keyHeads || heads != valueHeads || query.getType() != resultType ||
        key.getType() != value.getType())
      return rewriter.notifyMatchFailure(merge, "query, key and value disagree in shape or heads");

    if (maskBias && !broadcastsToScores(maskBias, resultType.getDimSize(0), heads,
                                        resultType.getDimSize(1),
                                        cast<RankedTensorType>(key.getType()).getDimSize(1)))
      return rewriter.notifyMatchFailure(merge, "mask bias does not broadcast to the scores");
    auto attention = mbert::model::AttentionOp::create(
        rewriter, merge.getLoc(), resultType, query, key, value, maskBias,
        rewriter.getI64IntegerAttr(heads), rewriter.getF32FloatAttr(scale));
    rewriter.replaceOp(merge, attention.getResult());
    return success();
  }
};

struct RaiseToMBertPass : mbert::impl::RaiseToMBertPassBase<RaiseToMBertPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseMatMulToLinear, AbsorbBiasIntoLinear, AbsorbResidualIntoLinear,
                 AbsorbReluIntoLinear, RaiseNoNorm, RaiseAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
