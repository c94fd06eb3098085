//===- MBertToLinalg.cpp - the mbert model dialect to linalg on tensors ---===//
//
// The model-level ops lower to the same structured building blocks as the
// import dialect, arranged so that each op makes as few passes over memory
// as the math allows: a linear is one register-tiled GEMM whose bias and
// residual seed its accumulators, and attention keeps the heads as a
// separate dimension instead of transposing.
//
//===----------------------------------------------------------------------===//

#include "mbert/Conversion/LowerToLinalg.h"

#include "RegisterTiledGemm.h"
#include "StructuredBuilders.h"
#include "dialects/MBert/MBertOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
namespace model = mbert::model;

namespace mbert {

namespace {

/// Query rows handled together by the attention lowering: a block's scores
/// stay in cache from their first write to their last read. The largest of
/// 32, 16, ... dividing `rows`.
int64_t chooseRowBlock(int64_t rows) {
  for (int64_t block : {32, 16, 8, 4, 2})
    if (rows % block == 0)
      return block;
  return 1;
}

/// A slice of `source` at `offsets` with static `sizes`, typed `resultShape`
/// (the sizes with unit dimensions dropped where the caller wants a lower rank).
Value extractTile(OpBuilder &b, Location loc, Value source, ArrayRef<OpFoldResult> offsets,
                  ArrayRef<int64_t> sizes, ArrayRef<int64_t> resultShape) {
  auto sourceType = getTensorType(source);
  SmallVector<OpFoldResult> sizeAttrs, strides(sizes.size(), b.getIndexAttr(1));
  for (int64_t size : sizes)
    sizeAttrs.push_back(b.getIndexAttr(size));
  auto type = RankedTensorType::get(resultShape, sourceType.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, type, source, offsets, sizeAttrs, strides);
}

/// activation(input @ weight + bias + residual * residual_scale) as one
/// register-tiled GEMM: the bias and scaled residual seed the accumulators
/// and the activation is applied before the single write, so no epilogue
/// step is a separate pass over the output.
struct LowerLinear : OpRewritePattern<model::LinearOp> {
  LowerLinear(MLIRContext *context, const GemmTile &tile)
      : OpRewritePattern(context), tile(tile) {}

  LogicalResult matchAndRewrite(model::LinearOp op, PatternRewriter &rewriter) const override {
    if (failed(checkStaticTensors(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = getTensorType(op.getResult());
    Type elementType = resultType.getElementType();
    int64_t columns = op.getColumns(), depth = op.getDepth();
    int64_t rows = resultType.getNumElements() / std::max<int64_t>(columns, 1);

    // Work on [rows, K] and [rows, N] views of the operands.
    auto asMatrix = [&](Value value, int64_t width) {
      return buildStaticReshape(rewriter, loc, value,
                                RankedTensorType::get({rows, width}, elementType));
    };
    Value input = asMatrix(op.getInput(), depth);
    Value bias = op.getBias(), residualScale = op.getResidualScale();
    Value residual = op.getResidual() ? asMatrix(op.getResidual(), columns) : Value();
    bool columnsInBounds = [&] {
      int64_t width = op.hasPackedWeight() ? *op.getWeightPanelWidth() : tile.columns;
      return columns % width == 0;
    }();

    auto buildSeed = [&](OpBuilder &b, Location seedLoc, Value row, Value column,
                         VectorType type) -> Value {
      Value padding = arith::ConstantOp::create(b, seedLoc, b.getZeroAttr(elementType));
      auto read = [&](Value source, ValueRange indices) -> Value {
        return vector::TransferReadOp::create(b, seedLoc, type, source, indices, padding,
                                              ArrayRef<bool>{columnsInBounds});
      };
      Value seed = bias ? read(bias, column) : Value();
      if (residual) {
        Value scaled = read(residual, {row, column});
        if (residualScale)
          scaled = arith::MulFOp::create(b, seedLoc, scaled, read(residualScale, column));
        seed = seed ? arith::AddFOp::create(b, seedLoc, seed, scaled).getResult() : scaled;
      }
      return seed;
    };
    GemmRhs weight{op.getWeight(), static_cast<int64_t>(op.getWeightPanelWidth().value_or(0))};
    Value result = buildRegisterTiledGemm(rewriter, loc, input, weight, columns, tile, buildSeed,
                                          op.getActivation() == model::Activation::Relu);
    rewriter.replaceOp(op, buildStaticReshape(rewriter, loc, result, resultType));
    return success();
  }

  GemmTile tile;
};

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

/// softmax(scale * Q K^T + mask_bias) V, one block of query rows of one head
/// at a time: the scores never exist for the whole [B, H, Sq, Sk] tensor,
/// only for the block being computed. Q, K and V are viewed as [B, S, H, D]
/// (a free expand_shape of the interleaved channels). Both products run on
/// the register-tiled GEMM kernel: K is transposed once per head so that
/// Q K^T reads it as a row-major [D, Sk] operand, and the mask bias seeds
/// the score accumulators.
struct LowerAttention : OpRewritePattern<model::AttentionOp> {
  LowerAttention(MLIRContext *context, const GemmTile &tile)
      : OpRewritePattern(context), tile(tile) {}

  LogicalResult matchAndRewrite(model::AttentionOp op, PatternRewriter &rewriter) const override {
    if (failed(checkStaticTensors(op, rewriter)))
      return failure();
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
    int64_t blockRows = chooseRowBlock(queryLength);

    auto splitHeads = [&](Value value, int64_t length) {
      auto type = RankedTensorType::get({batch, length, heads, headSize}, elementType);
      return buildStaticReshape(rewriter, loc, value, type);
    };
    Value query = splitHeads(op.getQuery(), queryLength);
    Value key = splitHeads(op.getKey(), keyLength);
    Value value = splitHeads(op.getValue(), keyLength);
    // The mask as [Bm, Hm, Qm, Sk] with each of Bm, Hm, Qm either 1 or full.
    Value mask = op.getMaskBias();
    if (mask) {
      RankedTensorType maskType = getTensorType(mask);
      SmallVector<int64_t> shape(4 - maskType.getRank(), 1);
      llvm::append_range(shape, maskType.getShape());
      mask = buildStaticReshape(rewriter, loc, mask, RankedTensorType::get(shape, elementType));
    }

    FloatAttr scaleAttr = op.getScaleAttr();
    Value scale = arith::ConstantOp::create(rewriter, loc, scaleAttr);
    auto index = [&](int64_t value) { return arith::ConstantIndexOp::create(rewriter, loc, value); };
    auto contextType = RankedTensorType::get({batch, queryLength, heads, headSize}, elementType);
    Value init = tensor::EmptyOp::create(rewriter, loc, contextType.getShape(), elementType);
    bool keysInBounds = keyLength % tile.columns == 0;

    auto computeBlock = [&](OpBuilder &b, Value batchIndex, Value head, Value keyHeadT, Value row,
                            Value result) {
      OpFoldResult zeroIndex = b.getIndexAttr(0);
      Value queryBlock = extractTile(b, loc, query, {batchIndex, row, head, zeroIndex},
                                     {1, blockRows, 1, headSize}, {blockRows, headSize});
      if (!scaleAttr.getValue().isExactlyValue(1.0))
        queryBlock = buildElementwise(
            b, loc, getTensorType(queryBlock), queryBlock,
            [&](OpBuilder &nested, Location bodyLoc, ValueRange args) {
              return arith::MulFOp::create(nested, bodyLoc, args[0], scale).getResult();
            });
      Value valueHead = extractTile(b, loc, value, {batchIndex, zeroIndex, head, zeroIndex},
                                    {1, keyLength, 1, headSize}, {keyLength, headSize});
      // scores = (scale * Q) K^T + mask, the mask row seeding the accumulators.
      Value maskBlock;
      if (mask) {
        RankedTensorType maskType = getTensorType(mask);
        auto pick = [&](int64_t dim, Value position) -> OpFoldResult {
          return maskType.getDimSize(dim) == 1 ? zeroIndex : OpFoldResult(position);
        };
        int64_t maskRows = maskType.getDimSize(2) == 1 ? 1 : blockRows;
        maskBlock = extractTile(b, loc, mask,
                                {pick(0, batchIndex), pick(1, head), pick(2, row), zeroIndex},
                                {1, 1, maskRows, keyLength}, {maskRows, keyLength});
      }
      auto maskSeed = [&](OpBuilder &nested, Location seedLoc, Value scoreRow, Value column,
                          VectorType type) -> Value {
        if (!maskBlock)
          return Value();
        Value maskRow = getTensorType(maskBlock).getDimSize(0) == 1
                            ? arith::ConstantIndexOp::create(nested, seedLoc, 0).getResult()
                            : scoreRow;
        Value padding = arith::ConstantOp::create(nested, seedLoc, nested.getZeroAttr(elementType));
        return vector::TransferReadOp::create(nested, seedLoc, type, maskBlock,
                                              ValueRange{maskRow, column}, padding,
                                              ArrayRef<bool>{keysInBounds});
      };
      Value scores = buildRegisterTiledGemm(b, loc, queryBlock, GemmRhs{keyHeadT, 0}, keyLength,
                                            tile, maskSeed, /*relu=*/false);
      Value probabilities = buildSoftmax(b, loc, scores, /*axis=*/1);
      Value attended = buildRegisterTiledGemm(
          b, loc, probabilities, GemmRhs{valueHead, 0}, headSize, tile,
          [](OpBuilder &, Location, Value, Value, VectorType) { return Value(); },
          /*relu=*/false);
      SmallVector<OpFoldResult> offsets = {batchIndex, row, head, zeroIndex};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(blockRows),
                                         b.getIndexAttr(1), b.getIndexAttr(headSize)};
      SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
      return tensor::InsertSliceOp::create(b, loc, attended, result, offsets, sizes, strides)
          .getResult();
    };

    Value one = index(1);
    auto batchLoop = scf::ForOp::create(
        rewriter, loc, index(0), index(batch), one, ValueRange{init},
        [&](OpBuilder &b0, Location, Value batchIndex, ValueRange batchCarried) {
          auto headLoop = scf::ForOp::create(
              b0, loc, index(0), index(heads), one, batchCarried,
              [&](OpBuilder &b1, Location, Value head, ValueRange headCarried) {
                // K^T of this head, [D, Sk]: each step of the score kernel's
                // reduction then reads a contiguous row of keys.
                OpFoldResult zeroIndex = b1.getIndexAttr(0);
                Value keyHead = extractTile(b1, loc, key, {batchIndex, zeroIndex, head, zeroIndex},
                                            {1, keyLength, 1, headSize}, {keyLength, headSize});
                Value keyHeadT = linalg::TransposeOp::create(
                                     b1, loc, keyHead,
                                     tensor::EmptyOp::create(b1, loc,
                                                             ArrayRef<int64_t>{headSize, keyLength},
                                                             elementType),
                                     ArrayRef<int64_t>{1, 0})
                                     .getResult()[0];
                auto rowLoop = scf::ForOp::create(
                    b1, loc, index(0), index(queryLength), index(blockRows), headCarried,
                    [&](OpBuilder &b2, Location, Value row, ValueRange rowCarried) {
                      scf::YieldOp::create(
                          b2, loc, computeBlock(b2, batchIndex, head, keyHeadT, row, rowCarried[0]));
                    });
                scf::YieldOp::create(b1, loc, rowLoop.getResults());
              });
          scf::YieldOp::create(b0, loc, headLoop.getResults());
        });
    rewriter.replaceOp(op, buildStaticReshape(rewriter, loc, batchLoop.getResult(0),
                                              getTensorType(op.getResult())));
    return success();
  }

  GemmTile tile;
};

} // namespace

void populateMBertToLinalgPatterns(RewritePatternSet &patterns, const GemmTile &tile) {
  patterns.add<LowerLinear>(patterns.getContext(), tile);
  addStaticLowering<model::NoNormOp, lowerNoNorm>(patterns);
  patterns.add<LowerAttention>(patterns.getContext(), tile);
}

} // namespace mbert
