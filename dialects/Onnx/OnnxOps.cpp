//===- OnnxOps.cpp - type inference and verifiers of the import dialect ---===//
//
// Inference follows the ONNX operator specifications. A dimension that depends
// on a non-constant operand is dynamic; the importer fixes graph input shapes
// and folds shape plumbing as it goes, so real models end up fully static.
//
//===----------------------------------------------------------------------===//

#include "dialects/Onnx/OnnxOps.h"
#include "dialects/Onnx/OnnxShapes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mbert::onnx_import;

#define GET_OP_CLASSES
#include "dialects/Onnx/OnnxOps.cpp.inc"

namespace {

/// The shape of `value` when it is ranked.
std::optional<ArrayRef<int64_t>> rankedShape(Value value) {
  if (auto type = dyn_cast<RankedTensorType>(value.getType()))
    return type.getShape();
  return std::nullopt;
}

/// Every op accepts a result type at least as static as the inferred one, so
/// that IR written with refined types (or parsed from a test) verifies.
bool allCompatible(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [l, r] : llvm::zip(inferred, actual))
    if (getElementTypeOrSelf(l) != getElementTypeOrSelf(r) ||
        failed(verifyCompatibleShape(l, r)))
      return false;
  return true;
}

/// Verifiers run before result types are inferred, so they cannot assume the
/// axis attribute was already checked: this reports it instead.
FailureOr<int64_t> verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (std::optional<int64_t> normalized = normalizeAxis(axis, rank))
    return *normalized;
  return op->emitOpError("axis ") << axis << " is out of range for rank " << rank;
}

LogicalResult emitInferenceError(std::optional<Location> loc, const Twine &message) {
  if (loc)
    return mlir::emitError(*loc, message);
  return failure();
}

} // namespace

#define MBERT_ONNX_COMPATIBLE_RESULTS(OpName)                                  \
  bool OpName::isCompatibleReturnTypes(TypeRange l, TypeRange r) {             \
    return allCompatible(l, r);                                                \
  }
MBERT_ONNX_COMPATIBLE_RESULTS(ConstantOp)
MBERT_ONNX_COMPATIBLE_RESULTS(ShapeOp)
MBERT_ONNX_COMPATIBLE_RESULTS(ConstantOfShapeOp)
MBERT_ONNX_COMPATIBLE_RESULTS(CastOp)
MBERT_ONNX_COMPATIBLE_RESULTS(AddOp)
MBERT_ONNX_COMPATIBLE_RESULTS(SubOp)
MBERT_ONNX_COMPATIBLE_RESULTS(MulOp)
MBERT_ONNX_COMPATIBLE_RESULTS(DivOp)
MBERT_ONNX_COMPATIBLE_RESULTS(EqualOp)
MBERT_ONNX_COMPATIBLE_RESULTS(WhereOp)
MBERT_ONNX_COMPATIBLE_RESULTS(ReluOp)
MBERT_ONNX_COMPATIBLE_RESULTS(SqrtOp)
MBERT_ONNX_COMPATIBLE_RESULTS(PowOp)
MBERT_ONNX_COMPATIBLE_RESULTS(ReduceMeanOp)
MBERT_ONNX_COMPATIBLE_RESULTS(LayerNormalizationOp)
MBERT_ONNX_COMPATIBLE_RESULTS(MatMulOp)
MBERT_ONNX_COMPATIBLE_RESULTS(GemmOp)
MBERT_ONNX_COMPATIBLE_RESULTS(SoftmaxOp)
MBERT_ONNX_COMPATIBLE_RESULTS(GatherOp)
MBERT_ONNX_COMPATIBLE_RESULTS(SliceOp)
MBERT_ONNX_COMPATIBLE_RESULTS(PadOp)
MBERT_ONNX_COMPATIBLE_RESULTS(ConcatOp)
MBERT_ONNX_COMPATIBLE_RESULTS(SplitOp)
MBERT_ONNX_COMPATIBLE_RESULTS(ReshapeOp)
MBERT_ONNX_COMPATIBLE_RESULTS(TransposeOp)
MBERT_ONNX_COMPATIBLE_RESULTS(UnsqueezeOp)
MBERT_ONNX_COMPATIBLE_RESULTS(SqueezeOp)
MBERT_ONNX_COMPATIBLE_RESULTS(ExpandOp)
MBERT_ONNX_COMPATIBLE_RESULTS(QuantizeLinearOp)
MBERT_ONNX_COMPATIBLE_RESULTS(DequantizeLinearOp)
MBERT_ONNX_COMPATIBLE_RESULTS(DynamicQuantizeLinearOp)
MBERT_ONNX_COMPATIBLE_RESULTS(MatMulIntegerOp)
#undef MBERT_ONNX_COMPATIBLE_RESULTS

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  results.push_back(cast<TypedAttr>(adaptor.getValue()).getType());
  return success();
}

LogicalResult ShapeOp::inferReturnTypes(MLIRContext *context,
                                        std::optional<Location>, Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  auto i64 = IntegerType::get(context, 64);
  std::optional<ArrayRef<int64_t>> shape = rankedShape(adaptor.getData());
  if (!shape) {
    results.push_back(RankedTensorType::get({ShapedType::kDynamic}, i64));
    return success();
  }
  int64_t rank = shape->size();
  // Shape's start and end clamp into [0, rank] after counting negatives from the end.
  auto clampBound = [rank](int64_t bound) {
    return std::clamp<int64_t>(bound < 0 ? bound + rank : bound, 0, rank);
  };
  int64_t start = clampBound(adaptor.getStart());
  int64_t end = clampBound(adaptor.getEnd().value_or(rank));
  results.push_back(RankedTensorType::get({std::max<int64_t>(end - start, 0)}, i64));
  return success();
}

LogicalResult ConstantOfShapeOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location>, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  Type elementType = Float32Type::get(context);
  if (std::optional<ElementsAttr> value = adaptor.getValue())
    elementType = value->getElementType();
  if (std::optional<SmallVector<int64_t>> shape =
          getConstantIntValues(adaptor.getInput())) {
    results.push_back(RankedTensorType::get(*shape, elementType));
    return success();
  }
  std::optional<ArrayRef<int64_t>> inputShape = rankedShape(adaptor.getInput());
  if (inputShape && inputShape->size() == 1 && !ShapedType::isDynamic((*inputShape)[0]))
    results.push_back(RankedTensorType::get(
        SmallVector<int64_t>((*inputShape)[0], ShapedType::kDynamic), elementType));
  else
    results.push_back(UnrankedTensorType::get(elementType));
  return success();
}

LogicalResult ConstantOfShapeOp::verify() {
  if (std::optional<ElementsAttr> value = getValue())
    if (value->getNumElements() != 1)
      return emitOpError("value must hold exactly one element, got ")
             << value->getNumElements();
  if (std::optional<SmallVector<int64_t>> shape = getConstantIntValues(getInput()))
    if (llvm::any_of(*shape, [](int64_t dim) { return dim < 0; }))
      return emitOpError("shape has a negative dimension");
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  results.push_back(makeTensorType(rankedShape(adaptor.getInput()), adaptor.getTo()));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

namespace {

std::optional<SmallVector<int64_t>> broadcastAll(ValueRange values) {
  SmallVector<int64_t> shape;
  for (Value value : values) {
    std::optional<ArrayRef<int64_t>> operandShape = rankedShape(value);
    if (!operandShape)
      return std::nullopt;
    std::optional<SmallVector<int64_t>> merged = broadcastShapes(shape, *operandShape);
    if (!merged)
      return std::nullopt;
    shape = *merged;
  }
  return shape;
}

LogicalResult inferBroadcastResult(std::optional<Location> loc, ValueRange operands,
                                   Type elementType, SmallVectorImpl<Type> &results) {
  bool allRanked = llvm::all_of(operands, [](Value v) { return rankedShape(v).has_value(); });
  std::optional<SmallVector<int64_t>> shape = broadcastAll(operands);
  if (allRanked && !shape)
    return emitInferenceError(loc, "operand shapes are not broadcastable");
  results.push_back(shape ? Type(RankedTensorType::get(*shape, elementType))
                          : Type(UnrankedTensorType::get(elementType)));
  return success();
}

LogicalResult verifyBinaryOperands(Operation *op) {
  Type lhs = getElementTypeOrSelf(op->getOperand(0));
  Type rhs = getElementTypeOrSelf(op->getOperand(1));
  if (lhs != rhs)
    return op->emitOpError("operand element types differ: ") << lhs << " vs " << rhs;
  return success();
}

} // namespace

#define MBERT_ONNX_BINARY_OP(OpName, ResultElementType)                        \
  LogicalResult OpName::inferReturnTypes(MLIRContext *context,                 \
                                         std::optional<Location> loc,          \
                                         Adaptor adaptor,                      \
                                         SmallVectorImpl<Type> &results) {     \
    (void)context;                                                             \
    return inferBroadcastResult(loc, adaptor.getOperands(), ResultElementType, \
                                results);                                      \
  }                                                                            \
  LogicalResult OpName::verify() { return verifyBinaryOperands(*this); }
MBERT_ONNX_BINARY_OP(AddOp, getElementTypeOrSelf(adaptor.getLhs()))
MBERT_ONNX_BINARY_OP(SubOp, getElementTypeOrSelf(adaptor.getLhs()))
MBERT_ONNX_BINARY_OP(MulOp, getElementTypeOrSelf(adaptor.getLhs()))
MBERT_ONNX_BINARY_OP(DivOp, getElementTypeOrSelf(adaptor.getLhs()))
MBERT_ONNX_BINARY_OP(EqualOp, IntegerType::get(context, 1))
#undef MBERT_ONNX_BINARY_OP

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  return inferBroadcastResult(loc, adaptor.getOperands(),
                              getElementTypeOrSelf(adaptor.getX()), results);
}

LogicalResult WhereOp::verify() {
  if (getElementTypeOrSelf(getX()) != getElementTypeOrSelf(getY()))
    return emitOpError("x and y element types differ");
  return success();
}

LogicalResult ReluOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult SqrtOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult SqrtOp::verify() {
  if (!isa<FloatType>(getElementTypeOrSelf(getInput())))
    return emitOpError("needs a float tensor, got ") << getInput().getType();
  return success();
}

LogicalResult PowOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  return inferBroadcastResult(loc, adaptor.getOperands(),
                              getElementTypeOrSelf(adaptor.getBase()), results);
}

LogicalResult PowOp::verify() {
  for (Value operand : {getBase(), getExponent()}) {
    Type elementType = getElementTypeOrSelf(operand);
    if ((!isa<FloatType>(elementType) && !elementType.isSignlessInteger()) ||
        elementType.isInteger(1))
      return emitOpError("operands must be float or signed integer tensors, got ")
             << operand.getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

namespace {

/// Numpy matmul result shape: 1-D operands get a dimension prepended (lhs) or
/// appended (rhs) that is removed again afterwards; batch dims broadcast.
std::optional<SmallVector<int64_t>> inferMatMulShape(ArrayRef<int64_t> lhs,
                                                     ArrayRef<int64_t> rhs) {
  if (lhs.empty() || rhs.empty())
    return std::nullopt;
  SmallVector<int64_t> a(lhs), b(rhs);
  if (a.size() == 1)
    a.insert(a.begin(), 1);
  if (b.size() == 1)
    b.push_back(1);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> batch =
      broadcastShapes(ArrayRef(a).drop_back(2), ArrayRef(b).drop_back(2));
  if (!batch)
    return std::nullopt;
  SmallVector<int64_t> result = *batch;
  if (lhs.size() > 1)
    result.push_back(a[a.size() - 2]);
  if (rhs.size() > 1)
    result.push_back(b.back());
  return result;
}

} // namespace

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getLhs());
  std::optional<ArrayRef<int64_t>> lhs = rankedShape(adaptor.getLhs());
  std::optional<ArrayRef<int64_t>> rhs = rankedShape(adaptor.getRhs());
  if (!lhs || !rhs) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  std::optional<SmallVector<int64_t>> shape = inferMatMulShape(*lhs, *rhs);
  if (!shape)
    return emitInferenceError(loc, "matmul operand shapes are incompatible");
  results.push_back(RankedTensorType::get(*shape, elementType));
  return success();
}

LogicalResult MatMulOp::verify() { return verifyBinaryOperands(*this); }

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getA());
  std::optional<ArrayRef<int64_t>> a = rankedShape(adaptor.getA());
  std::optional<ArrayRef<int64_t>> b = rankedShape(adaptor.getB());
  if (!a || !b || a->size() != 2 || b->size() != 2)
    return emitInferenceError(loc, "Gemm operands must be 2-D");
  int64_t m = adaptor.getTransA() ? (*a)[1] : (*a)[0];
  int64_t n = adaptor.getTransB() ? (*b)[0] : (*b)[1];
  results.push_back(RankedTensorType::get({m, n}, elementType));
  return success();
}

LogicalResult GemmOp::verify() {
  auto a = cast<RankedTensorType>(getA().getType());
  auto b = cast<RankedTensorType>(getB().getType());
  int64_t ka = getTransA() ? a.getDimSize(0) : a.getDimSize(1);
  int64_t kb = getTransB() ? b.getDimSize(1) : b.getDimSize(0);
  if (!ShapedType::isDynamic(ka) && !ShapedType::isDynamic(kb) && ka != kb)
    return emitOpError("contraction sizes differ: ") << ka << " vs " << kb;
  if (Value c = getC()) {
    auto cType = dyn_cast<RankedTensorType>(c.getType());
    if (cType && !broadcastShapes(getType().getShape(), cType.getShape()))
      return emitOpError("C is not broadcastable to the result");
  }
  return verifyBinaryOperands(*this);
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult SoftmaxOp::verify() {
  if (auto type = dyn_cast<RankedTensorType>(getInput().getType()))
    if (!normalizeAxis(getAxis(), type.getRank()))
      return emitOpError("axis ") << static_cast<int64_t>(getAxis()) << " is out of range for rank "
                                  << type.getRank();
  return success();
}

namespace {

/// The set of dimensions ReduceMean reduces: `axes` normalized, or all of
/// them when absent. Fails on an axis out of range or named twice.
std::optional<SmallVector<bool>> getReducedDims(std::optional<ArrayRef<int64_t>> axes,
                                                int64_t rank) {
  SmallVector<bool> reduced(rank, !axes);
  if (!axes)
    return reduced;
  for (int64_t axis : *axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized || reduced[*normalized])
      return std::nullopt;
    reduced[*normalized] = true;
  }
  return reduced;
}

} // namespace

LogicalResult ReduceMeanOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  if (!data) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  std::optional<SmallVector<bool>> reduced = getReducedDims(adaptor.getAxes(), data->size());
  if (!reduced)
    return emitInferenceError(loc, "ReduceMean axes are out of range or repeated");
  SmallVector<int64_t> shape;
  for (auto [dim, isReduced] : llvm::zip(*data, *reduced)) {
    if (!isReduced)
      shape.push_back(dim);
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult ReduceMeanOp::verify() {
  Type elementType = getElementTypeOrSelf(getData());
  if (!isa<FloatType>(elementType) && !elementType.isSignlessInteger())
    return emitOpError("needs a float or signed integer tensor, got ") << getData().getType();
  if (elementType.isInteger(1))
    return emitOpError("cannot average bool values");
  return success();
}

LogicalResult LayerNormalizationOp::inferReturnTypes(MLIRContext *context,
                                                     std::optional<Location> loc,
                                                     Adaptor adaptor,
                                                     SmallVectorImpl<Type> &results) {
  Type inputType = adaptor.getInput().getType();
  auto statisticsElementType = Float32Type::get(context);
  std::optional<ArrayRef<int64_t>> input = rankedShape(adaptor.getInput());
  results.push_back(inputType);
  if (!input) {
    results.append(2, UnrankedTensorType::get(statisticsElementType));
    return success();
  }
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), input->size());
  if (!axis)
    return emitInferenceError(loc, "LayerNormalization axis out of range");
  SmallVector<int64_t> statisticsShape(input->take_front(*axis));
  statisticsShape.append(input->size() - *axis, 1);
  results.append(2, RankedTensorType::get(statisticsShape, statisticsElementType));
  return success();
}

LogicalResult LayerNormalizationOp::verify() {
  auto inputType = dyn_cast<RankedTensorType>(getInput().getType());
  if (!getElementTypeOrSelf(getInput()).isF32())
    return emitOpError("only float32 input is supported, got ") << getInput().getType();
  std::optional<int64_t> axis;
  if (inputType) {
    FailureOr<int64_t> verified = verifyAxis(*this, getAxis(), inputType.getRank());
    if (failed(verified))
      return failure();
    axis = *verified;
  }
  SmallVector<Value> parameters = {getScale()};
  if (getBias())
    parameters.push_back(getBias());
  for (Value parameter : parameters) {
    if (getElementTypeOrSelf(parameter) != getElementTypeOrSelf(getInput()))
      return emitOpError("scale and bias must have the input's element type");
    auto type = dyn_cast<RankedTensorType>(parameter.getType());
    if (!inputType || !type)
      continue;
    // Scale and bias broadcast to the normalized dimensions, not to the
    // whole input: their rank may not exceed the normalized rank.
    ArrayRef<int64_t> normalized = inputType.getShape().drop_front(*axis);
    std::optional<SmallVector<int64_t>> merged = broadcastShapes(normalized, type.getShape());
    if (type.getRank() > static_cast<int64_t>(normalized.size()) || !merged ||
        ArrayRef<int64_t>(*merged) != normalized)
      return emitOpError("scale and bias must broadcast to the normalized shape");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  std::optional<ArrayRef<int64_t>> indices = rankedShape(adaptor.getIndices());
  if (!data || !indices) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), data->size());
  if (!axis)
    return emitInferenceError(loc, "Gather axis out of range");
  SmallVector<int64_t> shape(data->take_front(*axis));
  llvm::append_range(shape, *indices);
  llvm::append_range(shape, data->drop_front(*axis + 1));
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult GatherOp::verify() {
  if (!isa<IntegerType>(getElementTypeOrSelf(getIndices())) ||
      getElementTypeOrSelf(getIndices()).isInteger(1))
    return emitOpError("indices must be int32 or int64");
  auto dataType = dyn_cast<RankedTensorType>(getData().getType());
  if (!dataType)
    return success();
  FailureOr<int64_t> axis = verifyAxis(*this, getAxis(), dataType.getRank());
  if (failed(axis))
    return failure();
  int64_t extent = dataType.getDimSize(*axis);
  if (std::optional<SmallVector<int64_t>> indices = getConstantIntValues(getIndices()))
    if (!ShapedType::isDynamic(extent))
      for (int64_t index : *indices)
        if (index < -extent || index >= extent)
          return emitOpError("index ") << index << " is out of range [" << -extent
                                       << ", " << extent << ")";
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  if (!data) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  auto starts = getConstantIntValues(adaptor.getStarts());
  auto ends = getConstantIntValues(adaptor.getEnds());
  auto axes = adaptor.getAxes() ? getConstantIntValues(adaptor.getAxes())
                                : std::optional<SmallVector<int64_t>>();
  auto steps = adaptor.getSteps() ? getConstantIntValues(adaptor.getSteps())
                                  : std::optional<SmallVector<int64_t>>();
  bool boundsKnown = starts && ends && (!adaptor.getAxes() || axes) &&
                     (!adaptor.getSteps() || steps);
  if (!boundsKnown) {
    results.push_back(RankedTensorType::get(
        SmallVector<int64_t>(data->size(), ShapedType::kDynamic), elementType));
    return success();
  }
  auto optionalRef = [](const std::optional<SmallVector<int64_t>> &values) {
    return values ? std::optional<ArrayRef<int64_t>>(*values) : std::nullopt;
  };
  std::optional<SmallVector<SliceRange>> ranges =
      computeSliceRanges(*data, *starts, *ends, optionalRef(axes), optionalRef(steps));
  if (!ranges) {
    if (llvm::any_of(*data, ShapedType::isDynamic)) {
      results.push_back(RankedTensorType::get(
          SmallVector<int64_t>(data->size(), ShapedType::kDynamic), elementType));
      return success();
    }
    return emitInferenceError(loc, "Slice has inconsistent starts/ends/axes/steps");
  }
  SmallVector<int64_t> shape;
  for (const SliceRange &range : *ranges)
    shape.push_back(range.size);
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  if (!data) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  SmallVector<int64_t> shape(data->size(), ShapedType::kDynamic);
  if (std::optional<SmallVector<int64_t>> pads = getConstantIntValues(adaptor.getPads())) {
    if (pads->size() != 2 * data->size())
      return emitInferenceError(loc, "Pad needs 2 * rank pad values");
    for (auto [i, dim] : llvm::enumerate(*data)) {
      if (ShapedType::isDynamic(dim))
        continue;
      int64_t padded;
      if (llvm::AddOverflow(dim, (*pads)[i], padded) ||
          llvm::AddOverflow(padded, (*pads)[i + data->size()], padded) || padded < 0)
        return emitInferenceError(loc, "Pad makes dimension " + Twine(i) +
                                           " negative or overflows it");
      shape[i] = padded;
    }
  }
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult PadOp::verify() {
  if (getMode() != "constant")
    return emitOpError("mode '") << getMode() << "' is not supported (only 'constant')";
  if (Value value = getConstantValue())
    if (getElementTypeOrSelf(value) != getElementTypeOrSelf(getData()))
      return emitOpError("constant_value element type differs from data");
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (adaptor.getInputs().empty())
    return emitInferenceError(loc, "Concat needs at least one input");
  Type elementType = getElementTypeOrSelf(adaptor.getInputs().front());
  std::optional<ArrayRef<int64_t>> first = rankedShape(adaptor.getInputs().front());
  if (!first) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), first->size());
  if (!axis)
    return emitInferenceError(loc, "Concat axis out of range");
  SmallVector<int64_t> shape(*first);
  shape[*axis] = 0;
  for (Value input : adaptor.getInputs()) {
    std::optional<ArrayRef<int64_t>> inputShape = rankedShape(input);
    if (!inputShape || inputShape->size() != shape.size())
      return emitInferenceError(loc, "Concat inputs must have the same rank");
    int64_t dim = (*inputShape)[*axis];
    shape[*axis] = ShapedType::isDynamic(dim) || ShapedType::isDynamic(shape[*axis])
                       ? ShapedType::kDynamic
                       : shape[*axis] + dim;
  }
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult ConcatOp::verify() {
  auto resultType = dyn_cast<RankedTensorType>(getType());
  if (!resultType)
    return success();
  FailureOr<int64_t> verifiedAxis = verifyAxis(*this, getAxis(), resultType.getRank());
  if (failed(verifiedAxis))
    return failure();
  int64_t axis = *verifiedAxis;
  for (Value input : getInputs()) {
    if (getElementTypeOrSelf(input) != resultType.getElementType())
      return emitOpError("inputs have different element types");
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type)
      continue;
    if (type.getRank() != resultType.getRank())
      return emitOpError("inputs must have the result's rank");
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != axis && !ShapedType::isDynamic(type.getDimSize(d)) &&
          !ShapedType::isDynamic(resultType.getDimSize(d)) &&
          type.getDimSize(d) != resultType.getDimSize(d))
        return emitOpError("inputs differ in dimension ") << d << " off the concat axis";
  }
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getInput());
  int64_t count = adaptor.getNumOutputs();
  if (count < 1)
    return emitInferenceError(loc, "Split needs at least one output");
  std::optional<ArrayRef<int64_t>> input = rankedShape(adaptor.getInput());
  if (!input) {
    results.append(count, UnrankedTensorType::get(elementType));
    return success();
  }
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), input->size());
  if (!axis)
    return emitInferenceError(loc, "Split axis out of range");
  SmallVector<int64_t> sizes(count, ShapedType::kDynamic);
  int64_t extent = (*input)[*axis];
  if (adaptor.getSplit()) {
    if (std::optional<SmallVector<int64_t>> split = getConstantIntValues(adaptor.getSplit())) {
      if (static_cast<int64_t>(split->size()) != count)
        return emitInferenceError(loc, "Split sizes do not match the number of outputs");
      sizes = *split;
    }
  } else if (!ShapedType::isDynamic(extent)) {
    int64_t part = (extent + count - 1) / count;
    for (int64_t i = 0; i < count; ++i)
      sizes[i] = std::max<int64_t>(std::min(part, extent - i * part), 0);
  }
  for (int64_t size : sizes) {
    SmallVector<int64_t> shape(*input);
    shape[*axis] = size;
    results.push_back(RankedTensorType::get(shape, elementType));
  }
  return success();
}

LogicalResult SplitOp::verify() {
  auto inputType = dyn_cast<RankedTensorType>(getInput().getType());
  if (!inputType)
    return success();
  FailureOr<int64_t> axis = verifyAxis(*this, getAxis(), inputType.getRank());
  if (failed(axis))
    return failure();
  int64_t extent = inputType.getDimSize(*axis);
  if (std::optional<SmallVector<int64_t>> split = getConstantIntValues(getSplit())) {
    int64_t total = 0;
    for (int64_t size : *split) {
      if (size < 0)
        return emitOpError("split sizes must be non-negative");
      total += size;
    }
    if (!ShapedType::isDynamic(extent) && total != extent)
      return emitOpError("split sizes sum to ") << total << ", axis extent is " << extent;
  }
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<SmallVector<int64_t>> target = getConstantIntValues(adaptor.getShape());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  if (target && data) {
    std::optional<SmallVector<int64_t>> shape =
        resolveReshapeTarget(*data, *target, adaptor.getAllowzero() != 0);
    if (!shape)
      return emitInferenceError(loc, "Reshape target shape is inconsistent with the input");
    results.push_back(RankedTensorType::get(*shape, elementType));
    return success();
  }
  std::optional<ArrayRef<int64_t>> shapeShape = rankedShape(adaptor.getShape());
  if (shapeShape && shapeShape->size() == 1 && !ShapedType::isDynamic((*shapeShape)[0]))
    results.push_back(RankedTensorType::get(
        SmallVector<int64_t>((*shapeShape)[0], ShapedType::kDynamic), elementType));
  else
    results.push_back(UnrankedTensorType::get(elementType));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  if (!data) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  SmallVector<int64_t> shape;
  if (std::optional<ArrayRef<int64_t>> perm = adaptor.getPerm()) {
    if (perm->size() != data->size())
      return emitInferenceError(loc, "Transpose perm size differs from the rank");
    for (int64_t p : *perm) {
      if (p < 0 || p >= static_cast<int64_t>(data->size()))
        return emitInferenceError(loc, "Transpose perm entry out of range");
      shape.push_back((*data)[p]);
    }
  } else {
    shape.assign(data->rbegin(), data->rend());
  }
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult TransposeOp::verify() {
  if (std::optional<ArrayRef<int64_t>> perm = getPerm()) {
    SmallVector<bool> seen(perm->size(), false);
    for (int64_t p : *perm) {
      if (seen[p])
        return emitOpError("perm is not a permutation");
      seen[p] = true;
    }
  }
  return success();
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  std::optional<SmallVector<int64_t>> axes = getConstantIntValues(adaptor.getAxes());
  if (!data || !axes) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  int64_t outputRank = data->size() + axes->size();
  SmallVector<bool> isNewAxis(outputRank, false);
  for (int64_t axis : *axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, outputRank);
    if (!normalized || isNewAxis[*normalized])
      return emitInferenceError(loc, "Unsqueeze axes are out of range or repeated");
    isNewAxis[*normalized] = true;
  }
  SmallVector<int64_t> shape;
  auto nextInputDim = data->begin();
  for (bool isNew : isNewAxis)
    shape.push_back(isNew ? 1 : *nextInputDim++);
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getData());
  std::optional<ArrayRef<int64_t>> data = rankedShape(adaptor.getData());
  if (!data) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  SmallVector<bool> removed(data->size(), false);
  if (adaptor.getAxes()) {
    std::optional<SmallVector<int64_t>> axes = getConstantIntValues(adaptor.getAxes());
    if (!axes) {
      results.push_back(UnrankedTensorType::get(elementType));
      return success();
    }
    for (int64_t axis : *axes) {
      std::optional<int64_t> normalized = normalizeAxis(axis, data->size());
      if (!normalized || (*data)[*normalized] != 1)
        return emitInferenceError(loc, "Squeeze axis is out of range or not of size 1");
      removed[*normalized] = true;
    }
  } else {
    if (llvm::any_of(*data, ShapedType::isDynamic)) {
      results.push_back(UnrankedTensorType::get(elementType));
      return success();
    }
    for (auto [i, dim] : llvm::enumerate(*data))
      removed[i] = dim == 1;
  }
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(*data))
    if (!removed[i])
      shape.push_back(dim);
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Type elementType = getElementTypeOrSelf(adaptor.getInput());
  std::optional<ArrayRef<int64_t>> input = rankedShape(adaptor.getInput());
  std::optional<SmallVector<int64_t>> target = getConstantIntValues(adaptor.getShape());
  if (!input || !target) {
    results.push_back(UnrankedTensorType::get(elementType));
    return success();
  }
  std::optional<SmallVector<int64_t>> shape = broadcastShapes(*input, *target);
  if (!shape)
    return emitInferenceError(loc, "Expand shape is not broadcastable with the input");
  results.push_back(RankedTensorType::get(*shape, elementType));
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

namespace {

bool isQuantizedType(Type elementType) { return getQuantizedRange(elementType).has_value(); }

/// A scale as a reader of the error wants it: 0, -0.5, NaN, +inf.
std::string describeScale(float value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value > 0 ? "+inf" : "-inf";
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", value);
  return text;
}

/// Checks the scale and zero point of QuantizeLinear/DequantizeLinear against
/// the input and `axis`: shapes (per tensor, or one value per slice along the
/// axis), the scale's type, and a constant scale's values. A bad scale would
/// not fail at run time, it would silently produce infinities or NaNs.
LogicalResult verifyQuantizationParameters(Operation *op, Value input, Value scale,
                                           Value zeroPoint, int64_t axis) {
  if (!getElementTypeOrSelf(scale).isF32())
    return op->emitOpError("scale must be float32, got ") << scale.getType();
  auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
  if (!scaleType)
    return success();
  if (scaleType.getRank() > 1)
    return op->emitOpError("scale must be a scalar or 1-D, got ") << scaleType;
  if (zeroPoint) {
    auto zeroPointType = dyn_cast<RankedTensorType>(zeroPoint.getType());
    if (zeroPointType && zeroPointType.getShape() != scaleType.getShape())
      return op->emitOpError("zero_point shape ")
             << zeroPointType << " does not match the scale's " << scaleType;
  }
  if (!isPerTensorQuantization(scaleType)) {
    if (auto inputType = dyn_cast<RankedTensorType>(input.getType())) {
      FailureOr<int64_t> normalized = verifyAxis(op, axis, inputType.getRank());
      if (failed(normalized))
        return failure();
      int64_t channels = inputType.getDimSize(*normalized);
      if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic(scaleType.getDimSize(0)) &&
          channels != scaleType.getDimSize(0))
        return op->emitOpError("scale has ")
               << scaleType.getDimSize(0) << " values, but the input has " << channels
               << " slices along axis " << axis;
    }
  }
  if (DenseElementsAttr values = getConstantElements(scale))
    for (auto [index, value] : llvm::enumerate(values.getValues<float>()))
      if (!(value > 0.0f) || !std::isfinite(value))
        return op->emitOpError("scale must be positive and finite, got ")
               << describeScale(value)
               << (values.getNumElements() > 1 ? " at index " + std::to_string(index) : "");
  return success();
}

} // namespace

LogicalResult QuantizeLinearOp::inferReturnTypes(MLIRContext *context, std::optional<Location>,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &results) {
  // Without a zero point ONNX quantizes to uint8.
  Type elementType = adaptor.getZeroPoint()
                         ? getElementTypeOrSelf(adaptor.getZeroPoint())
                         : IntegerType::get(context, 8, IntegerType::Unsigned);
  results.push_back(makeTensorType(rankedShape(adaptor.getInput()), elementType));
  return success();
}

LogicalResult QuantizeLinearOp::verify() {
  if (!getElementTypeOrSelf(getInput()).isF32())
    return emitOpError("input must be float32, got ") << getInput().getType();
  if (Value zeroPoint = getZeroPoint())
    if (!isQuantizedType(getElementTypeOrSelf(zeroPoint)))
      return emitOpError("zero_point must be int8 or uint8, got ") << zeroPoint.getType();
  return verifyQuantizationParameters(*this, getInput(), getScale(), getZeroPoint(), getAxis());
}

LogicalResult DequantizeLinearOp::inferReturnTypes(MLIRContext *context,
                                                   std::optional<Location>, Adaptor adaptor,
                                                   SmallVectorImpl<Type> &results) {
  results.push_back(makeTensorType(rankedShape(adaptor.getInput()), Float32Type::get(context)));
  return success();
}

LogicalResult DequantizeLinearOp::verify() {
  Type inputType = getElementTypeOrSelf(getInput());
  if (!isQuantizedType(inputType) && !inputType.isSignlessInteger(32))
    return emitOpError("input must be int8, uint8 or int32, got ") << getInput().getType();
  if (Value zeroPoint = getZeroPoint()) {
    if (getElementTypeOrSelf(zeroPoint) != inputType)
      return emitOpError("zero_point type ")
             << zeroPoint.getType() << " differs from the input's element type " << inputType;
    if (inputType.isSignlessInteger(32))
      if (std::optional<SmallVector<int64_t>> values = getConstantIntValues(zeroPoint))
        if (llvm::any_of(*values, [](int64_t value) { return value != 0; }))
          return emitOpError("an int32 input needs a zero point of 0");
  }
  return verifyQuantizationParameters(*this, getInput(), getScale(), getZeroPoint(), getAxis());
}

LogicalResult DynamicQuantizeLinearOp::inferReturnTypes(MLIRContext *context,
                                                        std::optional<Location>, Adaptor adaptor,
                                                        SmallVectorImpl<Type> &results) {
  auto u8 = IntegerType::get(context, 8, IntegerType::Unsigned);
  results.push_back(makeTensorType(rankedShape(adaptor.getInput()), u8));
  results.push_back(RankedTensorType::get({}, Float32Type::get(context)));
  results.push_back(RankedTensorType::get({}, u8));
  return success();
}

LogicalResult DynamicQuantizeLinearOp::verify() {
  if (!getElementTypeOrSelf(getInput()).isF32())
    return emitOpError("input must be float32, got ") << getInput().getType();
  return success();
}

LogicalResult MatMulIntegerOp::inferReturnTypes(MLIRContext *context,
                                                std::optional<Location> loc, Adaptor adaptor,
                                                SmallVectorImpl<Type> &results) {
  Type i32 = IntegerType::get(context, 32);
  std::optional<ArrayRef<int64_t>> lhs = rankedShape(adaptor.getLhs());
  std::optional<ArrayRef<int64_t>> rhs = rankedShape(adaptor.getRhs());
  if (!lhs || !rhs) {
    results.push_back(UnrankedTensorType::get(i32));
    return success();
  }
  std::optional<SmallVector<int64_t>> shape = inferMatMulShape(*lhs, *rhs);
  if (!shape)
    return emitInferenceError(loc, "matmul operand shapes are incompatible");
  results.push_back(RankedTensorType::get(*shape, i32));
  return success();
}

LogicalResult MatMulIntegerOp::verify() {
  // A zero point is one value for its whole operand, or one per row of A
  // (dimension -2) or per column of B (dimension -1).
  auto verifyOperand = [&](Value operand, Value zeroPoint, StringRef name,
                           int64_t perChannelDim) -> LogicalResult {
    Type elementType = getElementTypeOrSelf(operand);
    if (!isQuantizedType(elementType))
      return emitOpError(name) << " must be int8 or uint8, got " << operand.getType();
    if (!zeroPoint)
      return success();
    if (getElementTypeOrSelf(zeroPoint) != elementType)
      return emitOpError(name) << "_zero_point type " << zeroPoint.getType()
                               << " differs from " << name << "'s element type " << elementType;
    auto zeroPointType = dyn_cast<RankedTensorType>(zeroPoint.getType());
    auto operandType = dyn_cast<RankedTensorType>(operand.getType());
    if (!zeroPointType || !operandType || isPerTensorQuantization(zeroPointType))
      return success();
    int64_t rank = operandType.getRank();
    int64_t dim = rank + perChannelDim;
    if (zeroPointType.getRank() != 1 || dim < 0 ||
        zeroPointType.getDimSize(0) != operandType.getDimSize(dim))
      return emitOpError(name) << "_zero_point " << zeroPointType << " is neither a scalar nor one value per "
                               << (perChannelDim == -2 ? "row" : "column") << " of " << operandType;
    return success();
  };
  if (failed(verifyOperand(getLhs(), getLhsZeroPoint(), "A", -2)) ||
      failed(verifyOperand(getRhs(), getRhsZeroPoint(), "B", -1)))
    return failure();
  return success();
}
