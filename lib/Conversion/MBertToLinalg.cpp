//===- MBertToLinalg.cpp - the mbert model dialect to linalg on tensors ---===//
//
// The model-level ops lower to the same structured building blocks as the
// import dialect, arranged so that each op makes as few passes over memory
// as the math allows: a linear is one register-tiled GEMM whose bias and
// residual seed its accumulators, attention keeps the heads as a separate
// dimension instead of transposing, and the embedding gathers its trigram
// straight from the word table.
//
//===----------------------------------------------------------------------===//

#include "mbert/Conversion/LowerToLinalg.h"

#include "RegisterTiledGemm.h"
#include "StructuredBuilders.h"
#include "dialects/MBert/MBertOps.h"
#include "mbert/Conversion/MicroKernels.h"

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

/// Side of the square blocks transposeInBlocks moves at a time.
constexpr int64_t kTransposeBlock = 8;

/// The 8 x 8 block whose rows are `rows` (eight vectors of eight), as its
/// eight columns: three rounds of two-input shuffles that interleave
/// elements, then pairs, then halves (each round is one instruction per
/// vector on AVX and two on NEON, against an element insert per value).
SmallVector<Value> transposeBlock(OpBuilder &b, Location loc, ArrayRef<Value> rows) {
  auto shuffle = [&](Value x, Value y, ArrayRef<int64_t> mask) -> Value {
    return vector::ShuffleOp::create(b, loc, x, y, mask);
  };
  // t[2i], t[2i + 1]: rows 2i and 2i + 1 interleaved element by element,
  // within each half (elements 0-1 and 4-5, then 2-3 and 6-7).
  SmallVector<Value> interleaved, paired, columns(kTransposeBlock);
  for (int64_t i = 0; i < kTransposeBlock; i += 2) {
    interleaved.push_back(shuffle(rows[i], rows[i + 1], {0, 8, 1, 9, 4, 12, 5, 13}));
    interleaved.push_back(shuffle(rows[i], rows[i + 1], {2, 10, 3, 11, 6, 14, 7, 15}));
  }
  // Four rows' elements c and c + 4 of one column pair per vector.
  for (int64_t i = 0; i < kTransposeBlock; i += 4)
    for (int64_t j = 0; j < 2; ++j) {
      paired.push_back(
          shuffle(interleaved[i + j], interleaved[i + j + 2], {0, 1, 8, 9, 4, 5, 12, 13}));
      paired.push_back(
          shuffle(interleaved[i + j], interleaved[i + j + 2], {2, 3, 10, 11, 6, 7, 14, 15}));
    }
  // paired[c] (c < 4) holds rows 0-3 of columns c and c + 4, paired[c + 4]
  // rows 4-7 of the same columns.
  for (int64_t c = 0; c < 4; ++c) {
    columns[c] = shuffle(paired[c], paired[c + 4], {0, 1, 2, 3, 8, 9, 10, 11});
    columns[c + 4] = shuffle(paired[c], paired[c + 4], {4, 5, 6, 7, 12, 13, 14, 15});
  }
  return columns;
}

/// `dest` [C, R] with dest[c, r] = source[r, c] for the rows r < rowEnd of
/// `source` [R, C], both multiples of kTransposeBlock (rowEnd may be a
/// run-time value, rounded up to a block). A linalg.transpose becomes a
/// scalar load and insert per element; this moves vectors.
Value transposeInBlocks(OpBuilder &b, Location loc, Value source, Value dest, Value rowEnd) {
  Type elementType = getTensorType(source).getElementType();
  int64_t columns = getTensorType(source).getDimSize(1);
  auto rowType = VectorType::get({kTransposeBlock}, elementType);
  auto index = [&](int64_t value) { return arith::ConstantIndexOp::create(b, loc, value); };
  auto step = index(kTransposeBlock);
  auto blockRows = scf::ForOp::create(
      b, loc, index(0), rowEnd, step, ValueRange{dest},
      [&](OpBuilder &, Location, Value row, ValueRange rowCarried) {
        auto blockColumns = scf::ForOp::create(
            b, loc, index(0), index(columns), step, rowCarried,
            [&](OpBuilder &, Location, Value column, ValueRange columnCarried) {
              SmallVector<Value> rows;
              for (int64_t r = 0; r < kTransposeBlock; ++r)
                rows.push_back(readRowSegment(
                    b, loc, source, {arith::AddIOp::create(b, loc, row, index(r)), column},
                    rowType));
              Value written = columnCarried[0];
              for (auto [c, vector] : llvm::enumerate(transposeBlock(b, loc, rows)))
                written = vector::TransferWriteOp::create(
                              b, loc, vector, written,
                              ValueRange{arith::AddIOp::create(b, loc, column,
                                                               index(static_cast<int64_t>(c))),
                                         row},
                              ArrayRef<bool>{true})
                              .getResult();
              scf::YieldOp::create(b, loc, written);
            });
        scf::YieldOp::create(b, loc, blockColumns.getResults());
      });
  return blockRows.getResult(0);
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
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(model::LinearOp op, PatternRewriter &rewriter) const override {
    if (failed(checkStaticTensors(op, rewriter)))
      return failure();
    if (op.isQuantized() && !op.hasPackedWeight())
      return rewriter.notifyMatchFailure(op, "an int8 weight must be packed for its kernel");
    Location loc = op.getLoc();
    RankedTensorType resultType = getTensorType(op.getResult());
    Type elementType = resultType.getElementType();
    int64_t columns = op.getColumns(), depth = op.getDepth();
    int64_t rows = resultType.getNumElements() / std::max<int64_t>(columns, 1);
    MicroKernels portable = getPortableMicroKernels(getContext());
    model::MicroKernelAttr kernel = op.getKernelAttr();
    if (!kernel)
      kernel = op.isQuantized() ? portable.int8 : portable.f32;

    // Work on [rows, K] and [rows, N] views of the operands.
    auto asMatrix = [&](Value value, int64_t width) {
      return buildStaticReshape(rewriter, loc, value,
                                RankedTensorType::get({rows, width}, elementType));
    };
    Value input = asMatrix(op.getInput(), depth);
    Value bias = op.getBias(), residualScale = op.getResidualScale();
    Value residual = op.getResidual() ? asMatrix(op.getResidual(), columns) : Value();

    auto buildSeed = [&](OpBuilder &b, Location seedLoc, Value row, Value column,
                         VectorType type) -> Value {
      auto read = [&](Value source, ValueRange indices) {
        return readRowSegment(b, seedLoc, source, indices, type);
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
    GemmRhs weight{op.getWeight(), op.getWeightScale(), op.getWeightSums()};
    bool relu = op.getActivation() == model::Activation::Relu;
    Value result;
    // The verifier makes the rows one sequence: its valid length is the
    // valid row count.
    Value validRows = op.getLength();
    // One block of rows per thread of the pool (mbert.pool_threads). On two
    // threads of a Zen 5 VM, against the same executables split by column
    // panels alone, the f32 model went from 18.29-18.69 to 17.75-18.21 ms and
    // int8 from 10.34-10.72 to 9.93-10.10 ms, faster in 4 of 4 alternating
    // pairs each.
    Value rowBlocks = model::PoolThreadsOp::create(rewriter, loc, rewriter.getIndexType());
    if (op.isQuantized()) {
      QuantizedRows quantized = buildRowQuantization(rewriter, loc, input, op.getSmoothing(),
                                                     kernel, validRows, rowBlocks);
      result = buildQuantizedGemm(rewriter, loc, quantized, depth, weight, columns, kernel,
                                  buildSeed, relu, validRows, rowBlocks);
    } else {
      result = buildRegisterTiledGemm(rewriter, loc, input, weight, columns, kernel, buildSeed,
                                      relu, GemmBounds{validRows, Value(), Value()},
                                      /*lhsRowScale=*/Value(), rowBlocks);
    }
    rewriter.replaceOp(op, buildStaticReshape(rewriter, loc, result, resultType));
    return success();
  }
};

/// `index` clamped into [0, extent).
Value clampIndex(OpBuilder &b, Location loc, Value index, int64_t extent) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value last = arith::ConstantIndexOp::create(b, loc, extent - 1);
  return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, index, zero), last);
}

/// The row of a `rows`-row table that the integer `id` selects, clamped so
/// that no id reads outside the table. The compiled model's entry point
/// rejects out-of-range ids before anything runs; the clamp guards memory.
Value getTableRow(OpBuilder &b, Location loc, Value id, int64_t rows) {
  return clampIndex(b, loc, arith::IndexCastOp::create(b, loc, b.getIndexType(), id), rows);
}

/// Where part `part` (0, 1, 2: next, own and previous token) of the trigram
/// of position `position` of sequence `batchIndex` is read from: row `word`
/// of the word table where `inside`, that is where position + 1 - part is
/// inside the sequence (which ends at the op's run-time length when it has
/// one), and zeros elsewhere. The neighbour and the id are clamped into
/// range, so that `word` is always a row of the table.
struct TrigramSource {
  Value inside, word;
};

TrigramSource locateTrigramPart(OpBuilder &b, Location loc, model::EmbeddingOp op, Value batchIndex,
                                Value position, Value part) {
  int64_t length = getTensorType(op.getInputIds()).getDimSize(1);
  int64_t vocabulary = getTensorType(op.getWordTable()).getDimSize(0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value lengthValue = op.getLength();
  if (!lengthValue)
    lengthValue = arith::ConstantIndexOp::create(b, loc, length);
  Value neighbour =
      arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, position, one), part);
  // neighbour is in [-1, S]; as an unsigned number -1 is huge, so one
  // comparison tells whether it is inside the sequence.
  Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, neighbour, lengthValue);
  Value clampedNeighbour = clampIndex(b, loc, neighbour, length);
  Value id =
      tensor::ExtractOp::create(b, loc, op.getInputIds(), ValueRange{batchIndex, clampedNeighbour});
  return {inside, getTableRow(b, loc, id, vocabulary)};
}

/// `trigramRow` [3, E] with the trigram of position `position` of sequence
/// `sequence` written in, each part's table row read 16 channels at a time:
/// the id is looked up once per part, not once per element (per element,
/// LLVM kept the conditional copy scalar: one masked VMOVSS per value on x86).
Value gatherTrigramRow(OpBuilder &b, Location loc, model::EmbeddingOp op, Value sequence,
                       Value position, Value trigramRow) {
  Value table = op.getWordTable();
  int64_t width = getTensorType(table).getDimSize(1);
  Type elementType = getTensorType(op.getResult()).getElementType();
  int64_t lanes = std::min<int64_t>(width, 16);
  auto tableSegment = VectorType::get({lanes}, getTensorType(table).getElementType());
  auto segment = VectorType::get({lanes}, elementType);
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(segment, b.getZeroAttr(elementType)));
  auto index = [&](int64_t value) { return arith::ConstantIndexOp::create(b, loc, value); };
  for (int64_t part = 0; part < 3; ++part) {
    TrigramSource source = locateTrigramPart(b, loc, op, sequence, position, index(part));
    Value scale;
    if (Value rowScales = op.getWordScale())
      scale = vector::BroadcastOp::create(
          b, loc, segment, tensor::ExtractOp::create(b, loc, rowScales, source.word));
    for (int64_t column = 0; column < width; column += lanes) {
      Value values = readRowSegment(b, loc, table, {source.word, index(column)}, tableSegment);
      if (scale)
        values =
            arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, segment, values), scale);
      values = arith::SelectOp::create(b, loc, source.inside, values, zeros);
      trigramRow = vector::TransferWriteOp::create(b, loc, values, trigramRow,
                                                   ValueRange{index(part), index(column)},
                                                   ArrayRef<bool>{width % lanes == 0})
                       .getResult();
    }
  }
  return trigramRow;
}

/// The trigram of every position as the rows of a [B*S, 3E] matrix, one
/// sequence per iteration of a parallel loop and its positions in turn
/// (gatherTrigramRow). With a run-time length only the positions before it
/// are gathered: the projection reads no later row. Collapsing (s, k, e)
/// into rows of 3E is free.
Value gatherTrigram(OpBuilder &b, Location loc, model::EmbeddingOp op) {
  RankedTensorType idsType = getTensorType(op.getInputIds());
  int64_t batch = idsType.getDimSize(0), length = idsType.getDimSize(1);
  int64_t width = getTensorType(op.getWordTable()).getDimSize(1);
  Type elementType = getTensorType(op.getResult()).getElementType();
  Value trigram =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{batch, length, 3, width}, elementType);
  auto sequenceSlice = [&](OpBuilder &nested, Value sequence) -> SmallVector<OwnedSlice> {
    OpFoldResult zero = nested.getIndexAttr(0);
    return {{{sequence, zero, zero, zero},
             {nested.getIndexAttr(1), nested.getIndexAttr(length), nested.getIndexAttr(3),
              nested.getIndexAttr(width)},
             RankedTensorType::get({length, 3, width}, elementType)}};
  };
  auto gatherSequence = [&](OpBuilder &nested, Value sequence,
                            ValueRange slices) -> SmallVector<Value> {
    Value end = op.getLength();
    if (!end)
      end = arith::ConstantIndexOp::create(nested, loc, length);
    auto positionSlice = [&](OpBuilder &inner, Value position) -> SmallVector<OwnedSlice> {
      OpFoldResult zero = inner.getIndexAttr(0);
      return {{{position, zero, zero},
               {inner.getIndexAttr(1), inner.getIndexAttr(3), inner.getIndexAttr(width)},
               RankedTensorType::get({3, width}, elementType)}};
    };
    auto gatherPosition = [&](OpBuilder &inner, Value position,
                              ValueRange row) -> SmallVector<Value> {
      return {gatherTrigramRow(inner, loc, op, sequence, position, row.front())};
    };
    return buildRowLoop(nested, loc, arith::ConstantIndexOp::create(nested, loc, 0), end, slices,
                        positionSlice, gatherPosition);
  };
  trigram = buildParallelLoop(b, loc, b.getIndexAttr(batch), trigram, sequenceSlice, gatherSequence)
                .front();
  return buildStaticReshape(b, loc, trigram,
                            RankedTensorType::get({batch * length, 3 * width}, elementType));
}

/// position + type_table[token_type_ids] as a [B, S, H] tensor, the addend
/// that seeds the projection's accumulator; null when there is neither.
Value buildEmbeddingSeed(OpBuilder &b, Location loc, model::EmbeddingOp op) {
  RankedTensorType resultType = getTensorType(op.getResult());
  Value position = op.getPosition(), typeIds = op.getTokenTypeIds();
  if (!typeIds) {
    if (!position)
      return {};
    if (getTensorType(position).getNumElements() == resultType.getNumElements())
      return buildStaticReshape(b, loc, position, resultType);
  }
  MLIRContext *context = b.getContext();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (typeIds) {
    inputs.push_back(typeIds);
    maps.push_back(AffineMap::get(3, 0, {getAffineDimExpr(0, context), getAffineDimExpr(1, context)},
                                  context));
  }
  if (position) {
    inputs.push_back(position);
    maps.push_back(AffineMap::get(
        3, 0, getBroadcastExprs(getTensorType(position).getShape(), resultType.getShape(), context),
        context));
  }
  Value typeTable = op.getTypeTable();
  auto addRows = [&](OpBuilder &nested, Location bodyLoc, ValueRange args) -> Value {
    if (!typeIds)
      return args[0];
    Value channel = linalg::IndexOp::create(nested, bodyLoc, 2);
    Value row = getTableRow(nested, bodyLoc, args[0], getTensorType(typeTable).getDimSize(0));
    Value typeRow = tensor::ExtractOp::create(nested, bodyLoc, typeTable, ValueRange{row, channel});
    return position ? createAdd(nested, bodyLoc, typeRow, args[1]) : typeRow;
  };
  return buildParallelGeneric(b, loc, resultType, inputs, maps, addRows);
}

/// The trigram rows [S, 3E] and, when the op has token types, the seed rows
/// [S, H] (position + type row) of a one-sequence embedding whose length is
/// known at compile time, computed in the blocks of rows that the projection
/// GEMM (with `kernel` and `rowBlocks`) splits its rows into, and stating
/// that partition: a parallel region then runs the gathers with the GEMM,
/// each thread gathering the rows its block of the GEMM reads, instead of
/// the caller gathering every row before the GEMM starts.
std::pair<Value, Value> gatherRowsInBlocks(OpBuilder &b, Location loc, model::EmbeddingOp op,
                                           model::MicroKernelAttr kernel, Value rowBlocks) {
  RankedTensorType resultType = getTensorType(op.getResult());
  int64_t rows = resultType.getDimSize(1), hidden = resultType.getDimSize(2);
  int64_t width = getTensorType(op.getWordTable()).getDimSize(1);
  Type elementType = resultType.getElementType();
  Value typeIds = op.getTokenTypeIds(), position = op.getPosition();
  auto zeroIndex = [&](OpBuilder &nested) {
    return arith::ConstantIndexOp::create(nested, loc, 0).getResult();
  };
  SmallVector<Value> outputs = {
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, 3, width}, elementType)};
  if (typeIds)
    outputs.push_back(
        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, hidden}, elementType));
  int64_t dynamic = ShapedType::kDynamic;
  auto blockSlices = [&](OpBuilder &nested, Value firstRow,
                         Value height) -> SmallVector<OwnedSlice> {
    OpFoldResult zero = nested.getIndexAttr(0);
    SmallVector<OwnedSlice> slices = {{{firstRow, zero, zero},
                                       {height, nested.getIndexAttr(3), nested.getIndexAttr(width)},
                                       RankedTensorType::get({dynamic, 3, width}, elementType)}};
    if (typeIds)
      slices.push_back({{firstRow, zero},
                        {height, nested.getIndexAttr(hidden)},
                        RankedTensorType::get({dynamic, hidden}, elementType)});
    return slices;
  };
  auto rowSlices = [&](OpBuilder &nested, Value row) -> SmallVector<OwnedSlice> {
    OpFoldResult zero = nested.getIndexAttr(0), one = nested.getIndexAttr(1);
    SmallVector<OwnedSlice> slices = {{{row, zero, zero},
                                       {one, nested.getIndexAttr(3), nested.getIndexAttr(width)},
                                       RankedTensorType::get({3, width}, elementType)}};
    if (typeIds)
      slices.push_back({{row, zero},
                        {one, nested.getIndexAttr(hidden)},
                        RankedTensorType::get({hidden}, elementType)});
    return slices;
  };
  auto rowBody = [&](OpBuilder &nested, Value row, ValueRange parts) -> SmallVector<Value> {
    SmallVector<Value> written = {
        gatherTrigramRow(nested, loc, op, zeroIndex(nested), row, parts[0])};
    if (!typeIds)
      return written;
    // type_table[token_type_ids[row]] + position[row], the position read
    // where it broadcasts along the sequence or the batch.
    Value typeTable = op.getTypeTable();
    Value typeRow = getTableRow(
        nested, loc,
        tensor::ExtractOp::create(nested, loc, typeIds, ValueRange{zeroIndex(nested), row}),
        getTensorType(typeTable).getDimSize(0));
    written.push_back(buildParallelGenericInto(
        nested, loc, parts[1], ValueRange{}, {},
        [&](OpBuilder &inner, Location bodyLoc, ValueRange) -> Value {
          Value channel = linalg::IndexOp::create(inner, bodyLoc, 0);
          Value sum =
              tensor::ExtractOp::create(inner, bodyLoc, typeTable, ValueRange{typeRow, channel});
          if (!position)
            return sum;
          ArrayRef<int64_t> shape = getTensorType(position).getShape();
          // position's dimensions against the result's [1, S, H], from the right.
          SmallVector<Value> resultIndices = {zeroIndex(inner), row, channel};
          SmallVector<Value> indices;
          for (auto [dim, extent] : llvm::enumerate(shape))
            indices.push_back(extent == 1 ? zeroIndex(inner)
                                          : resultIndices[3 - shape.size() + dim]);
          return createAdd(inner, bodyLoc, sum,
                           tensor::ExtractOp::create(inner, bodyLoc, position, indices));
        }));
    return written;
  };
  SmallVector<Value> gathered = buildRowBlockLoop(
      b, loc, rows, kernel, rowBlocks, outputs, blockSlices,
      [&](OpBuilder &nested, Value firstRow, Value endRow, ValueRange blockParts) {
        return buildRowLoop(nested, loc, firstRow, endRow, blockParts, rowSlices, rowBody);
      });
  Value trigram = buildStaticReshape(b, loc, gathered[0],
                                     RankedTensorType::get({rows, 3 * width}, elementType));
  return {trigram, typeIds ? gathered[1] : Value()};
}

/// trigram @ projection + bias + position + type rows, as an mbert.linear of
/// the gathered trigram rows whose accumulator starts at bias + seed (the
/// position and type rows): the linear lowering then owns the GEMM, and the
/// whole embedding is two gathers and one GEMM.
LogicalResult lowerEmbedding(model::EmbeddingOp op, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  RankedTensorType resultType = getTensorType(op.getResult());
  int64_t rows = resultType.getDimSize(0) * resultType.getDimSize(1);
  auto rowsType =
      RankedTensorType::get({rows, resultType.getDimSize(2)}, resultType.getElementType());
  model::MicroKernelAttr kernel = op.getKernelAttr();
  if (!kernel)
    kernel = getPortableMicroKernels(rewriter.getContext()).f32;
  Value trigram, seed;
  if (resultType.getDimSize(0) == 1 && !op.getLength()) {
    // The linear lowering splits a GEMM of static rows into one block per
    // thread of the pool; the gathers take the same blocks.
    std::tie(trigram, seed) =
        gatherRowsInBlocks(rewriter, loc, op, kernel,
                           model::PoolThreadsOp::create(rewriter, loc, rewriter.getIndexType()));
    if (!seed && op.getPosition())
      seed = buildEmbeddingSeed(rewriter, loc, op);
  } else {
    trigram = gatherTrigram(rewriter, loc, op);
    seed = buildEmbeddingSeed(rewriter, loc, op);
  }
  if (seed)
    seed = buildStaticReshape(rewriter, loc, seed, rowsType);
  auto projected = model::LinearOp::create(rewriter, loc, rowsType, trigram, op.getProjection(),
                                           op.getBias(), seed, /*residual_scale=*/Value(),
                                           model::Activation::None);
  projected.setKernelAttr(kernel);
  if (Value length = op.getLength())
    projected.getLengthMutable().assign(length);
  rewriter.replaceOp(op, buildStaticReshape(rewriter, loc, projected, resultType));
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

/// softmax(scale * Q K^T + mask_bias) V, one block of query rows of one head
/// at a time: the scores never exist for the whole [B, H, Sq, Sk] tensor,
/// only for the block being computed. Q, K and V are viewed as [B, S, H, D]
/// (a free expand_shape of the interleaved channels). Both products run on
/// the register-tiled GEMM kernel: K is transposed once per head so that
/// Q K^T reads it as a row-major [D, Sk] operand, and the mask bias seeds
/// the score accumulators. The softmax is left unnormalized: the product
/// with V divides its D outputs per row by the row's sum, instead of its Sk
/// probabilities.
struct LowerAttention : OpRewritePattern<model::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

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
    // Valid queries and keys, when known only at run time (the verifier
    // makes both the same sequence).
    Value length = op.getLength();
    model::MicroKernelAttr kernel = op.getKernelAttr();
    if (!kernel)
      kernel = getPortableMicroKernels(getContext()).f32;

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

    // Writes the block's rows of the head's [Sq, D] context, `headContext`.
    auto computeBlock = [&](OpBuilder &b, Value batchIndex, Value head, Value keyHeadT, Value row,
                            Value headContext) {
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
        return readRowSegment(nested, seedLoc, maskBlock, {maskRow, column}, type);
      };
      // With a run-time length only its keys are scored and weighted.
      Value scores = buildRegisterTiledGemm(b, loc, queryBlock, GemmRhs{keyHeadT}, keyLength,
                                            kernel, maskSeed, /*relu=*/false,
                                            GemmBounds{Value(), length, Value()});
      // softmax(scores) V with each row's normalization applied to its D
      // outputs instead of its Sk probabilities.
      SoftmaxFactors weights = buildSoftmaxFactors(b, loc, scores, /*axis=*/1, length);
      Value attended = buildRegisterTiledGemm(
          b, loc, weights.exponentials, GemmRhs{valueHead}, headSize, kernel,
          [](OpBuilder &, Location, Value, Value, VectorType) { return Value(); },
          /*relu=*/false, GemmBounds{Value(), Value(), length}, weights.reciprocalSums);
      SmallVector<OpFoldResult> offsets = {row, zeroIndex};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(blockRows), b.getIndexAttr(headSize)};
      SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
      return tensor::InsertSliceOp::create(b, loc, attended, headContext, offsets, sizes, strides)
          .getResult();
    };

    // One loop over (batch, head) pairs: each owns its head's channels of
    // the context and shares nothing else with another pair (bufferization
    // gives each its own temporaries), so the pairs run in parallel.
    int64_t pairs = batch * heads;
    auto batchOf = [&](OpBuilder &b, Value pair) -> Value {
      return arith::DivUIOp::create(b, loc, pair, arith::ConstantIndexOp::create(b, loc, heads));
    };
    auto headOf = [&](OpBuilder &b, Value pair) -> Value {
      return arith::RemUIOp::create(b, loc, pair, arith::ConstantIndexOp::create(b, loc, heads));
    };
    auto headChannels = [&](OpBuilder &b, Value pair) -> SmallVector<OwnedSlice> {
      Value batchIndex = batchOf(b, pair), head = headOf(b, pair);
      OpFoldResult zeroIndex = b.getIndexAttr(0), one = b.getIndexAttr(1);
      return {OwnedSlice{{batchIndex, zeroIndex, head, zeroIndex},
                         {one, b.getIndexAttr(queryLength), one, b.getIndexAttr(headSize)},
                         RankedTensorType::get({queryLength, headSize}, elementType)}};
    };
    SmallVector<Value> context = buildParallelLoop(
        rewriter, loc, rewriter.getIndexAttr(pairs), init, headChannels,
        [&](OpBuilder &b, Value pair, ValueRange pairCarried) -> SmallVector<Value> {
          Value batchIndex = batchOf(b, pair), head = headOf(b, pair);
          // K^T of this head, [D, Sk]: each step of the score kernel's
          // reduction then reads a contiguous row of keys.
          OpFoldResult zeroIndex = b.getIndexAttr(0);
          Value keyHead = extractTile(b, loc, key, {batchIndex, zeroIndex, head, zeroIndex},
                                      {1, keyLength, 1, headSize}, {keyLength, headSize});
          Value keyHeadT =
              tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{headSize, keyLength}, elementType);
          if (keyLength % kTransposeBlock == 0 && headSize % kTransposeBlock == 0) {
            // Only the blocks that hold valid keys.
            Value keyEnd = index(keyLength);
            if (length)
              keyEnd = arith::MulIOp::create(
                  b, loc, arith::CeilDivUIOp::create(b, loc, length, index(kTransposeBlock)),
                  index(kTransposeBlock));
            keyHeadT = transposeInBlocks(b, loc, keyHead, keyHeadT, keyEnd);
          } else if (length) {
            // Only the valid keys, into the first columns of K^T.
            OpFoldResult one = b.getIndexAttr(1);
            SmallVector<OpFoldResult> keySizes = {length, b.getIndexAttr(headSize)};
            SmallVector<OpFoldResult> columnSizes = {b.getIndexAttr(headSize), length};
            Value validKeys = tensor::ExtractSliceOp::create(
                b, loc, keyHead, {zeroIndex, zeroIndex}, keySizes, {one, one});
            Value validColumns = tensor::ExtractSliceOp::create(
                b, loc, keyHeadT, {zeroIndex, zeroIndex}, columnSizes, {one, one});
            Value transposed = linalg::TransposeOp::create(b, loc, validKeys, validColumns,
                                                           ArrayRef<int64_t>{1, 0})
                                   .getResult()[0];
            keyHeadT = tensor::InsertSliceOp::create(b, loc, transposed, keyHeadT,
                                                     {zeroIndex, zeroIndex}, columnSizes,
                                                     {one, one});
          } else {
            keyHeadT = linalg::TransposeOp::create(b, loc, keyHead, keyHeadT,
                                                   ArrayRef<int64_t>{1, 0})
                           .getResult()[0];
          }
          auto blockLoop = [&](Value begin, Value end, Value carried) {
            return scf::ForOp::create(
                       b, loc, begin, end, index(blockRows), ValueRange{carried},
                       [&](OpBuilder &, Location, Value row, ValueRange rowCarried) {
                         scf::YieldOp::create(b, loc,
                                              computeBlock(b, batchIndex, head, keyHeadT, row,
                                                           rowCarried[0]));
                       })
                .getResult(0);
          };
          if (!length)
            return {blockLoop(index(0), index(queryLength), pairCarried[0])};
          // Whole blocks, then at most one block that ends at the last valid
          // query (recomputing rows of the block before it, the same values),
          // or starts at 0 when the length is below a block.
          Value blockCount = index(blockRows);
          Value wholeRows = arith::SubIOp::create(
              b, loc, length, arith::RemUIOp::create(b, loc, length, blockCount));
          Value wholeBlocks = blockLoop(index(0), wholeRows, pairCarried[0]);
          Value tailStart = arith::MaxSIOp::create(
              b, loc, arith::SubIOp::create(b, loc, length, blockCount), index(0));
          Value needsTail =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, wholeRows, length);
          Value tailEnd = arith::SelectOp::create(
              b, loc, needsTail, arith::AddIOp::create(b, loc, tailStart, index(1)), tailStart);
          return {blockLoop(tailStart, tailEnd, wholeBlocks)};
        });
    rewriter.replaceOp(op, buildStaticReshape(rewriter, loc, context.front(),
                                              getTensorType(op.getResult())));
    return success();
  }
};

} // namespace

void populateMBertToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLinear>(patterns.getContext());
  addStaticLowering<model::EmbeddingOp, lowerEmbedding>(patterns);
  addStaticLowering<model::NoNormOp, lowerNoNorm>(patterns);
  patterns.add<LowerAttention>(patterns.getContext());
}

} // namespace mbert
