//===- RaiseToMBert.cpp - import-level subgraphs to mbert ops -------------===//
//
// Each pattern recognizes one ONNX idiom of a MobileBERT export and replaces
// it with the model op that says what it computes. Patterns compose: a MatMul
// with a constant weight becomes a linear, then a following bias Add or Relu
// is absorbed into that linear's epilogue.
//
//===----------------------------------------------------------------------===//

#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxShapes.h"
#include "passes/ConstantTensors.h"
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
using mbert::model::EmbeddingOp;
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

/// Replaces `root` with `linear` given a new epilogue; the weight with its
/// quantization (scales, column sums, smoothing) stays as it is.
void replaceWithEpilogue(PatternRewriter &rewriter, Operation *root, LinearOp linear, Value bias,
                         Value residual, Value residualScale, Activation activation) {
  rewriter.replaceOpWithNewOp<LinearOp>(
      root, linear.getType(), linear.getInput(), linear.getWeight(), linear.getWeightScale(),
      linear.getWeightSums(), linear.getSmoothing(), bias, residual, residualScale,
      linear.getLength(), activation, linear.getKernelAttr(), linear.getInputRangeAttr(), linear.getPrecisionAttr(),
      linear.getQuantizationErrorAttr());
}

struct RaiseMatMulToLinear : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp matmul, PatternRewriter &rewriter) const override {
    if (!isStaticF32(matmul.getLhs()) || !isStaticF32(matmul.getResult()))
      return rewriter.notifyMatchFailure(matmul, "input or result is not a static f32 tensor");
    auto weightType = dyn_cast<RankedTensorType>(matmul.getRhs().getType());
    if (!weightType || weightType.getRank() != 2)
      return rewriter.notifyMatchFailure(matmul, "weight is not 2-D");
    if (!isConstant(matmul.getRhs()))
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
      replaceWithEpilogue(rewriter, add, linear, bias, /*residual=*/Value(),
                          /*residualScale=*/Value(), Activation::None);
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
      replaceWithEpilogue(rewriter, add, linear, linear.getBias(), residual,
                          /*residualScale=*/Value(), Activation::None);
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
    replaceWithEpilogue(rewriter, relu, linear, linear.getBias(), linear.getResidual(),
                        linear.getResidualScale(), Activation::Relu);
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
        rewriter, merge.getLoc(), resultType, query, key, value, maskBias, /*length=*/Value(),
        rewriter.getI64IntegerAttr(heads), rewriter.getF32FloatAttr(scale),
        mbert::model::MicroKernelAttr());
    rewriter.replaceOp(merge, attention.getResult());
    return success();
  }
};

/// What an mbert.embedding is built from, collected while matching.
struct EmbeddingParts {
  Value inputIds, wordTable, projection, bias, position, tokenTypeIds, typeTable;
};

EmbeddingParts getEmbeddingParts(EmbeddingOp embedding) {
  return {embedding.getInputIds(), embedding.getWordTable(), embedding.getProjection(),
          embedding.getBias(),     embedding.getPosition(),  embedding.getTokenTypeIds(),
          embedding.getTypeTable()};
}

Value createEmbedding(PatternRewriter &rewriter, Location loc, Type resultType,
                      const EmbeddingParts &parts) {
  return EmbeddingOp::create(rewriter, loc, resultType, parts.inputIds, parts.wordTable,
                             /*word_scale=*/Value(), parts.projection, parts.bias, parts.position, parts.tokenTypeIds,
                             parts.typeTable, /*length=*/Value(), mbert::model::MicroKernelAttr());
}

bool isIdTensor(Value value, ArrayRef<int64_t> shape) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getShape() == shape &&
         (type.getElementType().isSignlessInteger(32) ||
          type.getElementType().isSignlessInteger(64));
}

/// Rows of a constant f32 [rows, width] table gathered along its first axis.
bool isConstantTableGather(GatherOp gather, int64_t width) {
  auto tableType = dyn_cast<RankedTensorType>(gather.getData().getType());
  return tableType && tableType.hasStaticShape() && tableType.getRank() == 2 &&
         tableType.getDimSize(0) > 0 && tableType.getDimSize(1) == width &&
         tableType.getElementType().isF32() && normalizeAxis(gather.getAxis(), 2) == 0 &&
         isConstant(gather.getData());
}

/// The elementwise sum of two f32 constants with the same elements, typed
/// like `lhs`.
Value addConstants(PatternRewriter &rewriter, Location loc, Value lhs, Value rhs) {
  std::vector<float> sum = *mbert::getConstantFloats(lhs);
  std::vector<float> other = *mbert::getConstantFloats(rhs);
  for (size_t i = 0; i < sum.size(); ++i)
    sum[i] += other[i];
  return mbert::createFloatConstant(rewriter, loc, cast<RankedTensorType>(lhs.getType()), sum);
}

/// Puts `addend`, added to an embedding of type [B, S, H], where the
/// embedding op holds such a term: a per-channel constant joins the bias, a
/// constant [S, H] or [1, S, H] (the same for every batch row) joins the
/// position, and rows gathered from a constant [T, H] table by [B, S] ids
/// become the token types. Constants that meet are summed at compile time.
/// Returns false, changing nothing, for any other addend.
bool addToEmbedding(EmbeddingParts &parts, Value addend, RankedTensorType resultType,
                    PatternRewriter &rewriter, Location loc) {
  int64_t length = resultType.getDimSize(1), channels = resultType.getDimSize(2);
  if (Value bias = getPerChannelConstant(rewriter, addend, channels)) {
    parts.bias = parts.bias ? addConstants(rewriter, loc, parts.bias, bias) : bias;
    return true;
  }
  auto addendType = dyn_cast<RankedTensorType>(addend.getType());
  bool sequenceShaped =
      addendType && (addendType.getShape() == ArrayRef<int64_t>{length, channels} ||
                     addendType.getShape() == ArrayRef<int64_t>{1, length, channels});
  if (sequenceShaped && addendType.getElementType().isF32() && isConstant(addend)) {
    parts.position = parts.position ? addConstants(rewriter, loc, parts.position, addend) : addend;
    return true;
  }
  auto gather = addend.getDefiningOp<GatherOp>();
  if (!gather || parts.typeTable || gather.getType() != resultType ||
      !isConstantTableGather(gather, channels) ||
      !isIdTensor(gather.getIndices(), resultType.getShape().take_front(2)))
    return false;
  parts.tokenTypeIds = gather.getIndices();
  parts.typeTable = gather.getData();
  return true;
}

/// Pad constant values of zero: absent, or a constant whose one element is 0.
bool padsWithZero(PadOp pad) {
  Value padValue = pad.getConstantValue();
  if (!padValue)
    return true;
  DenseElementsAttr elements = getConstantElements(padValue);
  return elements && elements.getNumElements() == 1 &&
         isa<FloatType>(elements.getElementType()) &&
         (*elements.value_begin<APFloat>()).isZero();
}

/// How far `shifted` moves `rows` ([B, S, E]) along the sequence when it is
/// Pad(Slice(rows)) dropping rows at one end and zero-filling as many at the
/// other: shifted[:, t] = rows[:, t + offset] where t + offset is inside the
/// sequence, zero elsewhere. Nothing else may read the Slice or the Pad.
std::optional<int64_t> getZeroFilledShift(Value shifted, Value rows) {
  constexpr int64_t kSequenceAxis = 1;
  auto pad = shifted.getDefiningOp<PadOp>();
  if (!pad || !pad->hasOneUse() || pad.getType() != rows.getType() || !padsWithZero(pad))
    return std::nullopt;
  auto slice = pad.getData().getDefiningOp<SliceOp>();
  if (!slice || slice.getData() != rows || !slice->hasOneUse())
    return std::nullopt;
  ArrayRef<int64_t> shape = cast<RankedTensorType>(rows.getType()).getShape();
  int64_t rank = shape.size();
  std::optional<SmallVector<SliceRange>> ranges = getConstantSliceRanges(
      shape, slice.getStarts(), slice.getEnds(), slice.getAxes(), slice.getSteps());
  std::optional<SmallVector<int64_t>> pads = getConstantIntValues(pad.getPads());
  if (!ranges || !pads || static_cast<int64_t>(pads->size()) != 2 * rank)
    return std::nullopt;
  for (int64_t d = 0; d < rank; ++d) {
    const SliceRange &range = (*ranges)[d];
    if (d != kSequenceAxis && (range.start != 0 || range.step != 1 || range.size != shape[d] ||
                               (*pads)[d] != 0 || (*pads)[d + rank] != 0))
      return std::nullopt;
  }
  const SliceRange &kept = (*ranges)[kSequenceAxis];
  int64_t before = (*pads)[kSequenceAxis], after = (*pads)[kSequenceAxis + rank];
  int64_t offset = kept.start - before;
  // Zeros exactly where t + offset leaves the sequence, data everywhere else.
  if (kept.step != 1 || before != std::max<int64_t>(0, -offset) ||
      after != std::max<int64_t>(0, offset) || before + kept.size + after != shape[kSequenceAxis])
    return std::nullopt;
  return offset;
}

/// Fills the word ids and table of `parts` when `value` is MobileBERT's
/// trigram, Concat(next, rows, previous) on the feature axis, where rows =
/// Gather(constant table, ids) and next/previous are its zero-filled shifts
/// by +1/-1 along the sequence, each used only there.
LogicalResult matchTrigram(Value value, EmbeddingParts &parts, PatternRewriter &rewriter,
                           Operation *root) {
  auto concat = value.getDefiningOp<ConcatOp>();
  if (!concat)
    return rewriter.notifyMatchFailure(root, "input is not a Concat");
  auto type = dyn_cast<RankedTensorType>(concat.getType());
  if (!type || !type.hasStaticShape() || type.getRank() != 3 ||
      normalizeAxis(concat.getAxis(), 3) != 2 || concat.getInputs().size() != 3)
    return rewriter.notifyMatchFailure(
        root, "input is not a static [B, S, 3E] Concat of three parts on the last axis");
  if (!concat->hasOneUse())
    return rewriter.notifyMatchFailure(root, "the Concat has users besides the projection");
  Value rows = concat.getInputs()[1];
  auto gather = rows.getDefiningOp<GatherOp>();
  int64_t width = type.getDimSize(2) / 3;
  if (!gather)
    return rewriter.notifyMatchFailure(root, "the Concat's middle part is not a Gather");
  if (!isConstantTableGather(gather, width))
    return rewriter.notifyMatchFailure(
        root, "the middle part does not gather rows of a constant f32 [V, E] table: only a "
              "model's own weights make an embedding");
  if (!isIdTensor(gather.getIndices(), type.getShape().take_front(2)))
    return rewriter.notifyMatchFailure(root, "the word ids are not [B, S] int32 or int64");
  if (!llvm::hasNItems(rows.getUses(), 3))
    return rewriter.notifyMatchFailure(root, "the gathered rows have users outside the trigram");
  if (getZeroFilledShift(concat.getInputs()[0], rows) != 1 ||
      getZeroFilledShift(concat.getInputs()[2], rows) != -1)
    return rewriter.notifyMatchFailure(
        root, "the outer parts are not the next (first) and previous (last) rows, zero-filled "
              "at the sequence ends, each used only by the Concat");
  parts.inputIds = gather.getIndices();
  parts.wordTable = gather.getData();
  return success();
}

/// The f32 [K, N] weight an int8 linear with constant operands computes
/// with, `weight[k, n] * weight_scale[n] * smoothing[k]`; null when an
/// operand is not a constant. The embedding's projection is f32 (its input
/// rows are table rows, not activations worth quantizing), so a
/// pre-quantized projection runs with the model's own weights, dequantized.
Value dequantizeWeight(PatternRewriter &rewriter, LinearOp linear) {
  std::optional<std::vector<int8_t>> values = getConstantValues<int8_t>(linear.getWeight());
  std::optional<std::vector<float>> scales = mbert::getConstantFloats(linear.getWeightScale());
  std::optional<std::vector<float>> smoothing;
  if (linear.getSmoothing())
    smoothing = mbert::getConstantFloats(linear.getSmoothing());
  if (!values || !scales || (linear.getSmoothing() && !smoothing) || linear.hasPackedWeight())
    return {};
  int64_t columns = scales->size();
  std::vector<float> weight;
  weight.reserve(values->size());
  for (auto [index, value] : llvm::enumerate(*values)) {
    int64_t k = index / columns, n = index % columns;
    weight.push_back(value * (*scales)[n] * (smoothing ? (*smoothing)[k] : 1.0f));
  }
  auto type = RankedTensorType::get(cast<ShapedType>(linear.getWeight().getType()).getShape(),
                                    rewriter.getF32Type());
  return mbert::createFloatConstant(rewriter, linear.getWeight().getLoc(), type, weight);
}

/// A linear over the trigram of gathered word rows is MobileBERT's embedding
/// projection: together they become one mbert.embedding, which keeps the
/// linear's bias and takes its residual (the position or token-type rows).
/// A residual the embedding cannot hold stays an Add after it, so the result
/// does not depend on whether the linear absorbed that Add first.
struct RaiseTrigramEmbedding : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp linear, PatternRewriter &rewriter) const override {
    if (linear.getActivation() != Activation::None || linear.getResidualScale())
      return rewriter.notifyMatchFailure(linear, "has an activation or a residual scale");
    EmbeddingParts parts;
    if (failed(matchTrigram(linear.getInput(), parts, rewriter, linear)))
      return failure();
    parts.projection = linear.isQuantized() ? dequantizeWeight(rewriter, linear) : linear.getWeight();
    if (!parts.projection)
      return rewriter.notifyMatchFailure(linear, "the quantized projection is not constant");
    parts.bias = linear.getBias();
    Location loc = linear.getLoc();
    auto resultType = cast<RankedTensorType>(linear.getType());
    Value residual = linear.getResidual();
    if (residual && addToEmbedding(parts, residual, resultType, rewriter, loc))
      residual = Value();
    Value embedding = createEmbedding(rewriter, loc, resultType, parts);
    if (residual)
      embedding = AddOp::create(rewriter, loc, embedding, residual);
    rewriter.replaceOp(linear, embedding);
    return success();
  }
};

/// Add(embedding, addend): the export adds the position and token-type rows
/// after the projection (and the bias, when the embedding was raised before
/// the projection's bias reached the linear).
struct AbsorbAddendIntoEmbedding : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (auto [embeddingSide, addend] :
         {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())}) {
      auto embedding = embeddingSide.getDefiningOp<EmbeddingOp>();
      if (!embedding || !embedding->hasOneUse() || add.getType() != embedding.getType())
        continue;
      EmbeddingParts parts = getEmbeddingParts(embedding);
      auto resultType = cast<RankedTensorType>(embedding.getType());
      if (!addToEmbedding(parts, addend, resultType, rewriter, add.getLoc()))
        continue;
      rewriter.replaceOp(add, createEmbedding(rewriter, add.getLoc(), resultType, parts));
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "no operand is a single-use embedding of the Add's type plus a term it holds: a "
             "per-channel constant, a constant [S, H] or [1, S, H], or rows of a constant "
             "[T, H] table gathered by [B, S] ids");
  }
};

struct RaiseToMBertPass : mbert::impl::RaiseToMBertPassBase<RaiseToMBertPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseMatMulToLinear, AbsorbBiasIntoLinear, AbsorbResidualIntoLinear,
                 AbsorbReluIntoLinear, RaiseNoNorm, RaiseAttention, RaiseTrigramEmbedding,
                 AbsorbAddendIntoEmbedding>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
