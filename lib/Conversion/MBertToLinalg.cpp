//===- MBertToLinalg.cpp - the mbert model dialect to linalg on tensors ---===//
//
// The model-level ops lower to the same structured building blocks as the
// import dialect, arranged so that each op makes as few passes over memory
// as the math allows: a linear's bias and residual seed its accumulator, and
// attention keeps the heads as a separate dimension instead of transposing.
//
//===----------------------------------------------------------------------===//

#include "mbert/Conversion/LowerToLinalg.h"

#include "StructuredBuilders.h"
#include "dialects/MBert/MBertOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
namespace model = mbert::model;

namespace mbert {

namespace {

/// activation(input @ weight + bias + residual * residual_scale) as: an
/// accumulator initialized to the epilogue's addends (zeros without them), one
/// contraction over K into it, and a relu pass when asked for.
LogicalResult lowerLinear(model::LinearOp op, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  RankedTensorType resultType = getTensorType(op.getResult());
  int64_t rank = resultType.getRank();

  // Operands of the accumulator's initializer, in this order when present:
  // bias, residual, residual_scale.
  SmallVector<Value> addends;
  Value bias = op.getBias(), residual = op.getResidual(), residualScale = op.getResidualScale();
  for (Value operand : {bias, residual, residualScale})
    if (operand)
      addends.push_back(operand);
  Value accumulator;
  if (addends.empty())
    accumulator = createFilledTensor(rewriter, loc, resultType,
                                     rewriter.getZeroAttr(resultType.getElementType()));
  else
    accumulator = buildElementwise(
        rewriter, loc, resultType, addends, [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
          unsigned next = 0;
          Value sum;
          if (bias)
            sum = args[next++];
          if (residual) {
            Value scaled = args[next++];
            if (residualScale)
              scaled = createMul(b, bodyLoc, scaled, args[next++]);
            sum = sum ? createAdd(b, bodyLoc, sum, scaled) : scaled;
          }
          return sum;
        });

  // Loops: the input's row dimensions, k, then n innermost, so the inner loop
  // streams a row of W ([K, N], row-major) into a row of the output.
  MLIRContext *context = rewriter.getContext();
  AffineExpr k = getAffineDimExpr(rank - 1, context);
  AffineExpr n = getAffineDimExpr(rank, context);
  SmallVector<AffineExpr> inputExprs;
  for (int64_t d = 0; d + 1 < rank; ++d)
    inputExprs.push_back(getAffineDimExpr(d, context));
  inputExprs.push_back(k);
  AffineMap inputMap = AffineMap::get(rank + 1, 0, inputExprs, context);
  AffineMap weightMap = AffineMap::get(rank + 1, 0, {k, n}, context);
  Value result = buildContraction(rewriter, loc, op.getInput(), inputMap, op.getWeight(), weightMap,
                                  accumulator, ReductionLoop::BeforeLastOutputDim);

  if (op.getActivation() == model::Activation::Relu)
    result = buildElementwise(rewriter, loc, resultType, result,
                              [](OpBuilder &b, Location bodyLoc, ValueRange args) {
                                return createRelu(b, bodyLoc, args[0]);
                              });
  rewriter.replaceOp(op, result);
  return success();
}

/// x * gamma + beta with gamma and beta broadcast along the last axis.
LogicalResult lowerNoNorm(model::NoNormOp op, PatternRewriter &rewriter) {
  rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), getTensorType(op.getResult()),
                                          {op.getInput(), op.getGamma(), op.getBeta()},
                                          [](OpBuilder &b, Location loc, ValueRange args) {
                                            Value scaled = createMul(b, loc, args[0], args[1]);
                                            return createAdd(b, loc, scaled, args[2]);
                                          }));
  return success();
}

/// softmax(scale * Q K^T + mask_bias) V per batch and head. Q, K and V are
/// viewed as [B, S, H, D] (a free expand_shape of the interleaved channels),
/// so both contractions index the head as its own loop and every indexing map
/// is a projected permutation; no transpose is materialized.
LogicalResult lowerAttention(model::AttentionOp op, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  RankedTensorType queryType = getTensorType(op.getQuery());
  RankedTensorType keyType = getTensorType(op.getKey());
  Type elementType = queryType.getElementType();
  int64_t batch = queryType.getDimSize(0), queryLength = queryType.getDimSize(1);
  int64_t keyLength = keyType.getDimSize(1), channels = queryType.getDimSize(2);
  int64_t heads = op.getNumHeads();
  if (channels % heads != 0)
    return rewriter.notifyMatchFailure(op, "channels are not divisible by num_heads");
  int64_t headSize = channels / heads;

  Value scale = arith::ConstantOp::create(rewriter, loc, op.getScaleAttr());
  auto splitHeads = [&](Value value, int64_t length) {
    auto type = RankedTensorType::get({batch, length, heads, headSize}, elementType);
    return buildStaticReshape(rewriter, loc, value, type);
  };
  Value query = splitHeads(op.getQuery(), queryLength);
  Value key = splitHeads(op.getKey(), keyLength);
  Value value = splitHeads(op.getValue(), keyLength);

  // Both contractions run five loops; an operand map lists the loops it reads.
  MLIRContext *context = rewriter.getContext();
  auto loopMap = [context](ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned dim : dims)
      exprs.push_back(getAffineDimExpr(dim, context));
    return AffineMap::get(5, 0, exprs, context);
  };
  TypedAttr zero = rewriter.getZeroAttr(elementType);

  // scores[b, h, i, j] = sum_e query[b, i, h, e] * key[b, j, h, e];
  // loops (b, h, i, j, e).
  auto scoresType = RankedTensorType::get({batch, heads, queryLength, keyLength}, elementType);
  Value dotProducts =
      buildContraction(rewriter, loc, query, loopMap({0, 2, 1, 4}), key, loopMap({0, 3, 1, 4}),
                       createFilledTensor(rewriter, loc, scoresType, zero));

  SmallVector<Value> scoreInputs = {dotProducts};
  Value maskBias = op.getMaskBias();
  if (maskBias)
    scoreInputs.push_back(maskBias);
  Value scores = buildElementwise(rewriter, loc, scoresType, scoreInputs,
                                  [&](OpBuilder &b, Location bodyLoc, ValueRange args) -> Value {
                                    Value scaled =
                                        arith::MulFOp::create(b, bodyLoc, args[0], scale);
                                    if (!maskBias)
                                      return scaled;
                                    return arith::AddFOp::create(b, bodyLoc, scaled, args[1]);
                                  });
  Value probabilities = buildSoftmax(rewriter, loc, scores, /*axis=*/3);

  // context[b, i, h, e] = sum_j probabilities[b, h, i, j] * value[b, j, h, e];
  // loops (b, i, h, j, e): e innermost walks a head's row of V contiguously.
  auto contextType = RankedTensorType::get({batch, queryLength, heads, headSize}, elementType);
  Value attended = buildContraction(rewriter, loc, probabilities, loopMap({0, 2, 1, 3}), value,
                                    loopMap({0, 3, 2, 4}),
                                    createFilledTensor(rewriter, loc, contextType, zero),
                                    ReductionLoop::BeforeLastOutputDim);
  rewriter.replaceOp(op,
                     buildStaticReshape(rewriter, loc, attended, getTensorType(op.getResult())));
  return success();
}

} // namespace

void populateMBertToLinalgPatterns(RewritePatternSet &patterns) {
  addStaticLowering<model::LinearOp, lowerLinear>(patterns);
  addStaticLowering<model::NoNormOp, lowerNoNorm>(patterns);
  addStaticLowering<model::AttentionOp, lowerAttention>(patterns);
}

} // namespace mbert
