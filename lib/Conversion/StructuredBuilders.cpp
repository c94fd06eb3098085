//===- StructuredBuilders.cpp - linalg building blocks for the lowerings --===//

#include "StructuredBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace mbert {

namespace {

bool isLowerableTensor(Type type) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType || !tensorType.hasStaticShape())
    return false;
  Type elementType = tensorType.getElementType();
  return isa<FloatType>(elementType) || elementType.isSignlessInteger();
}

/// Reduces `input` along `axis` with `combine`, starting from `initValue`;
/// the result drops the axis so that every indexing map stays a projected
/// permutation.
Value buildReduction(OpBuilder &b, Location loc, Value input, int64_t axis, TypedAttr initValue,
                     ScalarBodyBuilder combine) {
  RankedTensorType inputType = getTensorType(input);
  int64_t rank = inputType.getRank();
  SmallVector<int64_t> reducedShape(inputType.getShape());
  reducedShape.erase(reducedShape.begin() + axis);
  auto reducedType = RankedTensorType::get(reducedShape, inputType.getElementType());
  Value init = createFilledTensor(b, loc, reducedType, initValue);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  auto reduction = linalg::GenericOp::create(
      b, loc, reducedType, input, init, {identity, identity.dropResult(axis)}, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc, combine(nested, nestedLoc, args));
      });
  return reduction.getResult(0);
}

/// Collapses a static tensor to 1-D (a rank-0 tensor expands to one element).
Value flatten(OpBuilder &b, Location loc, Value source) {
  RankedTensorType type = getTensorType(source);
  auto flatType = RankedTensorType::get({type.getNumElements()}, type.getElementType());
  if (type.getRank() == 1)
    return source;
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, flatType, source,
                                         ArrayRef<ReassociationIndices>{});
  ReassociationIndices allDims = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::CollapseShapeOp::create(b, loc, flatType, source, ArrayRef{allDims});
}

/// The inverse of flatten: a 1-D tensor to `resultType`.
Value unflatten(OpBuilder &b, Location loc, Value flat, RankedTensorType resultType) {
  if (resultType.getRank() == 1)
    return flat;
  if (resultType.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, resultType, flat,
                                           ArrayRef<ReassociationIndices>{});
  ReassociationIndices allDims = llvm::to_vector(llvm::seq<int64_t>(0, resultType.getRank()));
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat, ArrayRef{allDims});
}

} // namespace

LogicalResult checkStaticTensors(Operation *op, PatternRewriter &rewriter) {
  // An index operand is a run-time extent (a sequence length), not data.
  auto reportFirstUnlowerable = [&](StringRef kind, TypeRange types) -> LogicalResult {
    for (unsigned index = 0; index < types.size(); ++index) {
      Type type = types[index];
      if (!isLowerableTensor(type) && !(kind == "operand" && type.isIndex()))
        return rewriter.notifyMatchFailure(op, [&](Diagnostic &diag) {
          diag << kind << " #" << index << " (" << type
               << ") is not a static tensor of floats or signless integers";
        });
    }
    return success();
  };
  if (failed(reportFirstUnlowerable("operand", op->getOperandTypes())))
    return failure();
  return reportFirstUnlowerable("result", op->getResultTypes());
}

RankedTensorType getTensorType(Value value) { return cast<RankedTensorType>(value.getType()); }

Value createFilledTensor(OpBuilder &b, Location loc, RankedTensorType type, TypedAttr fillValue) {
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  Value scalar = arith::ConstantOp::create(b, loc, fillValue);
  return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{empty}).getResult(0);
}

SmallVector<AffineExpr> getBroadcastExprs(ArrayRef<int64_t> operandShape,
                                          ArrayRef<int64_t> loopExtents, MLIRContext *context) {
  assert(operandShape.size() <= loopExtents.size() && "operand outranks the loops");
  size_t firstLoop = loopExtents.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [dim, extent] : llvm::enumerate(operandShape)) {
    int64_t loop = firstLoop + dim;
    assert((extent == 1 || extent == loopExtents[loop]) && "not broadcastable");
    exprs.push_back(extent == 1 && loopExtents[loop] != 1 ? getAffineConstantExpr(0, context)
                                                          : getAffineDimExpr(loop, context));
  }
  return exprs;
}

Value buildParallelGeneric(OpBuilder &b, Location loc, RankedTensorType resultType,
                           ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                           ScalarBodyBuilder body) {
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), resultType.getElementType());
  return buildParallelGenericInto(b, loc, init, inputs, inputMaps, body);
}

Value buildParallelGenericInto(OpBuilder &b, Location loc, Value init, ValueRange inputs,
                               ArrayRef<AffineMap> inputMaps, ScalarBodyBuilder body) {
  RankedTensorType resultType = getTensorType(init);
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, inputs, init, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
                       ScalarBodyBuilder body) {
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(AffineMap::get(
        resultType.getRank(), 0,
        getBroadcastExprs(getTensorType(input).getShape(), resultType.getShape(), b.getContext()),
        b.getContext()));
  return buildParallelGeneric(b, loc, resultType, inputs, maps, body);
}

Value buildContraction(OpBuilder &b, Location loc, Value lhs, AffineMap lhsMap, Value rhs,
                       AffineMap rhsMap, Value init) {
  auto resultType = getTensorType(init);
  int64_t rank = resultType.getRank();
  int64_t reductionDim = rank;
  AffineMap outputMap =
      AffineMap::getMultiDimIdentityMap(rank + 1, b.getContext()).dropResult(reductionDim);
  SmallVector<utils::IteratorType> iterators(rank + 1, utils::IteratorType::parallel);
  iterators[reductionDim] = utils::IteratorType::reduction;
  auto contraction = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{lhs, rhs}, init, {lhsMap, rhsMap, outputMap}, iterators,
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value product = createMul(nested, nestedLoc, args[0], args[1]);
        linalg::YieldOp::create(nested, nestedLoc, createAdd(nested, nestedLoc, args[2], product));
      });
  return contraction.getResult(0);
}

/// The combine of softmax's row sums. The terms are positive exponentials,
/// so any order of summation is as accurate as the sequential one; allowing
/// reassociation lets LLVM sum a row in vector lanes (a sequential float sum
/// is one add per element on the critical path, and it was a fifth of
/// attention's time).
static Value addInAnyOrder(OpBuilder &b, Location loc, ValueRange args) {
  return arith::AddFOp::create(b, loc, args[0], args[1], arith::FastMathFlags::reassoc);
}

static Value multiply(OpBuilder &b, Location loc, ValueRange args) {
  return arith::MulFOp::create(b, loc, args[0], args[1]);
}

/// 1 / x for each row sum: a row is then normalized by multiplications, one
/// division per row instead of one per element (a vector division costs
/// several multiplications on every target).
static Value buildReciprocal(OpBuilder &b, Location loc, Value rowSums) {
  RankedTensorType type = getTensorType(rowSums);
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  return buildParallelGeneric(b, loc, type, {rowSums}, {identity},
                              [&](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
                                Value one = arith::ConstantOp::create(
                                    nested, nestedLoc,
                                    nested.getFloatAttr(type.getElementType(), 1.0));
                                return arith::DivFOp::create(nested, nestedLoc, one, args[0]);
                              });
}

SoftmaxFactors buildSoftmaxFactors(OpBuilder &b, Location loc, Value input, int64_t axis,
                                   Value validLength) {
  RankedTensorType type = getTensorType(input);
  auto elementType = cast<FloatType>(type.getElementType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), strides(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(b.getContext(), type.getShape());
  if (validLength)
    sizes[axis] = validLength;
  auto prefix = [&](Value tensor) -> Value {
    if (!validLength)
      return tensor;
    return tensor::ExtractSliceOp::create(b, loc, tensor, offsets, sizes, strides);
  };
  Value valid = prefix(input);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap reducedMap = identity.dropResult(axis);
  auto negativeInfinity = FloatAttr::get(
      elementType, APFloat::getInf(elementType.getFloatSemantics(), /*Negative=*/true));
  // The maximum only shifts exp's argument, so the sign of a zero maximum
  // does not matter (nsz): on x86 that drops the sign tests from each step
  // and from the lanes' reduction (a 128-wide row: about 40 instructions
  // instead of 85 besides its loads, the same outputs).
  Value rowMax =
      buildReduction(b, loc, valid, axis, negativeInfinity,
                     [](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
                       return arith::MaximumFOp::create(nested, nestedLoc, args[0], args[1],
                                                        arith::FastMathFlags::nsz);
                     });
  // Subtracting the row maximum keeps exp from overflowing; the quotient is
  // mathematically unchanged.
  Value storage = tensor::EmptyOp::create(b, loc, type.getShape(), elementType);
  Value exponentials =
      buildParallelGenericInto(b, loc, prefix(storage), {valid, rowMax}, {identity, reducedMap},
                               [](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
                                 Value shifted =
                                     arith::SubFOp::create(nested, nestedLoc, args[0], args[1]);
                                 return math::ExpOp::create(nested, nestedLoc, shifted);
                               });
  Value rowSum =
      buildReduction(b, loc, exponentials, axis, FloatAttr::get(elementType, 0.0), addInAnyOrder);
  if (validLength)
    exponentials =
        tensor::InsertSliceOp::create(b, loc, exponentials, storage, offsets, sizes, strides);
  return {exponentials, buildReciprocal(b, loc, rowSum)};
}

Value buildSoftmax(OpBuilder &b, Location loc, Value input, int64_t axis) {
  RankedTensorType type = getTensorType(input);
  SoftmaxFactors factors = buildSoftmaxFactors(b, loc, input, axis);
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  return buildParallelGeneric(b, loc, type, {factors.exponentials, factors.reciprocalSums},
                              {identity, identity.dropResult(axis)}, multiply);
}

SmallVector<Value> buildParallelLoop(
    OpBuilder &b, Location loc, OpFoldResult iterations, ValueRange outputs,
    function_ref<SmallVector<OwnedSlice>(OpBuilder &, Value)> ownedSlices,
    function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> body) {
  auto loop = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{iterations}, outputs, std::nullopt,
      [&](OpBuilder &nested, Location bodyLoc, ValueRange arguments) {
        Value iteration = arguments.front();
        ValueRange shared = arguments.drop_front();
        SmallVector<OwnedSlice> slices = ownedSlices(nested, iteration);
        assert(slices.size() == shared.size() && "one owned slice per output");
        SmallVector<Value> parts;
        for (auto [slice, whole] : llvm::zip(slices, shared)) {
          SmallVector<OpFoldResult> strides(slice.offsets.size(), nested.getIndexAttr(1));
          parts.push_back(tensor::ExtractSliceOp::create(nested, bodyLoc, slice.type, whole,
                                                         slice.offsets, slice.sizes, strides));
        }
        SmallVector<Value> written = body(nested, iteration, parts);
        auto terminator = scf::InParallelOp::create(nested, bodyLoc);
        OpBuilder::InsertionGuard guard(nested);
        nested.setInsertionPointToStart(&terminator.getRegion().front());
        for (auto [value, slice, whole] : llvm::zip(written, slices, shared)) {
          SmallVector<OpFoldResult> strides(slice.offsets.size(), nested.getIndexAttr(1));
          tensor::ParallelInsertSliceOp::create(nested, bodyLoc, value, whole, slice.offsets,
                                                slice.sizes, strides);
        }
      });
  return loop.getResults();
}

SmallVector<Value> buildRowLoop(OpBuilder &b, Location loc, Value firstRow, Value endRow,
                                ValueRange parts, RowSliceBuilder rowSlices,
                                RowBodyBuilder rowBody) {
  auto rowLoop = scf::ForOp::create(
      b, loc, firstRow, endRow, arith::ConstantIndexOp::create(b, loc, 1), parts,
      [&](OpBuilder &nested, Location, Value row, ValueRange current) {
        SmallVector<OwnedSlice> slices =
            rowSlices(nested, arith::SubIOp::create(nested, loc, row, firstRow));
        auto unitStrides = [&](const OwnedSlice &slice) {
          return SmallVector<OpFoldResult>(slice.offsets.size(), nested.getIndexAttr(1));
        };
        SmallVector<Value> own;
        for (auto [slice, whole] : llvm::zip_equal(slices, current))
          own.push_back(tensor::ExtractSliceOp::create(
              nested, loc, slice.type, whole, slice.offsets, slice.sizes, unitStrides(slice)));
        SmallVector<Value> written;
        for (auto [slice, whole, part] :
             llvm::zip_equal(slices, current, rowBody(nested, row, own)))
          written.push_back(tensor::InsertSliceOp::create(nested, loc, part, whole, slice.offsets,
                                                          slice.sizes, unitStrides(slice)));
        scf::YieldOp::create(nested, loc, written);
      });
  return rowLoop.getResults();
}

Value buildStaticReshape(OpBuilder &b, Location loc, Value source, RankedTensorType resultType) {
  auto sourceType = getTensorType(source);
  if (sourceType == resultType)
    return source;
  if (sourceType.getRank() > 0 && resultType.getRank() > 0)
    if (std::optional<SmallVector<ReassociationIndices>> reassociation =
            getReassociationIndicesForReshape(sourceType, resultType)) {
      if (sourceType.getRank() > resultType.getRank())
        return tensor::CollapseShapeOp::create(b, loc, resultType, source, *reassociation);
      return tensor::ExpandShapeOp::create(b, loc, resultType, source, *reassociation);
    }
  return unflatten(b, loc, flatten(b, loc, source), resultType);
}

Value createAdd(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  if (isa<FloatType>(lhs.getType()))
    return arith::AddFOp::create(b, loc, lhs, rhs);
  return arith::AddIOp::create(b, loc, lhs, rhs);
}

Value createMul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  if (isa<FloatType>(lhs.getType()))
    return arith::MulFOp::create(b, loc, lhs, rhs);
  return arith::MulIOp::create(b, loc, lhs, rhs);
}

Value createRelu(OpBuilder &b, Location loc, Value x) {
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, zero, arith::FastMathFlags::nsz);
  return arith::MaxSIOp::create(b, loc, x, zero);
}

} // namespace mbert
