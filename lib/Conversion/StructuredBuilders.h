//===- StructuredBuilders.h - linalg building blocks for the lowerings ----===//
//
// The onnx and mbert lowerings build the same few structured shapes: an
// elementwise generic with numpy broadcasting, a multiply-accumulate
// contraction, a numerically stable softmax, a static reshape. They are built
// here once so both lowerings produce identical IR for identical math.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_LIB_CONVERSION_STRUCTUREDBUILDERS_H
#define MBERT_LIB_CONVERSION_STRUCTUREDBUILDERS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mbert {

/// Fails the match (with a reason) unless every operand and result of `op` is
/// a statically shaped ranked tensor of floats or signless integers, which is
/// what the arith ops in the generated bodies accept; index operands (run-time
/// extents) are allowed.
llvm::LogicalResult checkStaticTensors(mlir::Operation *op, mlir::PatternRewriter &rewriter);

/// A lowering that may assume static ranked tensor types throughout.
template <typename OpTy>
using StaticLowering = llvm::LogicalResult (*)(OpTy, mlir::PatternRewriter &);

/// Adds a pattern that runs `lower` on OpTy once checkStaticTensors accepted
/// the op, so the static-shape check is written once for every lowering.
template <typename OpTy, StaticLowering<OpTy> lower>
void addStaticLowering(mlir::RewritePatternSet &patterns) {
  patterns.add(+[](OpTy op, mlir::PatternRewriter &rewriter) -> llvm::LogicalResult {
    if (failed(checkStaticTensors(op, rewriter)))
      return llvm::failure();
    return lower(op, rewriter);
  });
}

/// The static ranked tensor type of `value` (checked by checkStaticTensors).
mlir::RankedTensorType getTensorType(mlir::Value value);

/// Builds the scalar result of one generic iteration from the input scalars.
using ScalarBodyBuilder =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// `tensor.empty` + `linalg.fill` with `fillValue`.
mlir::Value createFilledTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                               mlir::TypedAttr fillValue);

/// Affine expressions indexing an operand of `operandShape` broadcast (numpy
/// rules) over loops d0..d(n-1) of extents `loopExtents`: the operand aligns
/// with the trailing loops, its missing leading dimensions are dropped and a
/// size-1 dimension read across a longer loop is the constant 0.
llvm::SmallVector<mlir::AffineExpr> getBroadcastExprs(llvm::ArrayRef<int64_t> operandShape,
                                                      llvm::ArrayRef<int64_t> loopExtents,
                                                      mlir::MLIRContext *context);

/// An all-parallel generic producing `resultType` (identity output map, a
/// `tensor.empty` init) that reads `inputs` through `inputMaps`.
mlir::Value buildParallelGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                                 llvm::ArrayRef<mlir::AffineMap> inputMaps, ScalarBodyBuilder body);
/// The same, written into `init` (whose shape, possibly dynamic, it takes).
mlir::Value buildParallelGenericInto(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init,
                                     mlir::ValueRange inputs,
                                     llvm::ArrayRef<mlir::AffineMap> inputMaps,
                                     ScalarBodyBuilder body);

/// An elementwise generic over `resultType` whose inputs broadcast to it by
/// numpy rules (see getBroadcastExprs).
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                             ScalarBodyBuilder body);

/// `init[output dims] += lhs[lhsMap] * rhs[rhsMap]`, the one reduction loop
/// innermost (r output loops, then the reduction); the maps index those
/// r + 1 loops.
mlir::Value buildContraction(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs,
                             mlir::AffineMap lhsMap, mlir::Value rhs, mlir::AffineMap rhsMap,
                             mlir::Value init);

/// A softmax before its normalization: softmax(x) = exponentials times
/// reciprocalSums broadcast along the softmax's axis. A consumer that is
/// linear along that axis (attention's weighted sum of values) can normalize
/// its own, shorter result rows instead.
struct SoftmaxFactors {
  mlir::Value exponentials;   ///< exp(x - max along the axis), the input's shape
  mlir::Value reciprocalSums; ///< 1 / the sum along the axis, the input's shape without it
};

/// The factors of softmax(input) along `axis`, over the first
/// `validLength` positions of that axis when it is given (the exponentials'
/// later positions are then undefined: the temporaries keep their static
/// shapes, and only the valid positions are read or computed).
SoftmaxFactors buildSoftmaxFactors(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                                   int64_t axis, mlir::Value validLength = {});

/// softmax(input) along `axis` in the stable form exp(x - max) / sum.
mlir::Value buildSoftmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input, int64_t axis);

/// The part of an output that one iteration of a parallel loop owns: the
/// slice at `offsets` with `sizes` (unit strides), typed `type` (the sizes,
/// with unit dimensions dropped where the caller wants a lower rank).
struct OwnedSlice {
  llvm::SmallVector<mlir::OpFoldResult> offsets, sizes;
  mlir::RankedTensorType type;
};

/// A loop of `iterations` independent iterations, which a thread pool may run
/// in any order and at the same time (an scf.forall). Iteration i owns
/// `ownedSlices(b, i)`, one slice of each of `outputs`; the slices of
/// different iterations must not overlap. `body(b, i, slices)` returns the
/// new values of its slices. Returns the outputs with every slice written.
llvm::SmallVector<mlir::Value> buildParallelLoop(
    mlir::OpBuilder &b, mlir::Location loc, mlir::OpFoldResult iterations,
    mlir::ValueRange outputs,
    llvm::function_ref<llvm::SmallVector<OwnedSlice>(mlir::OpBuilder &, mlir::Value)> ownedSlices,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::OpBuilder &, mlir::Value,
                                                      mlir::ValueRange)>
        body);

/// The slices of a row loop's parts that its row `row` owns, `row` counted
/// from the loop's first.
using RowSliceBuilder =
    llvm::function_ref<llvm::SmallVector<OwnedSlice>(mlir::OpBuilder &, mlir::Value row)>;
/// The new values of row `row`'s slices (RowSliceBuilder's), `row` counted in
/// the whole output.
using RowBodyBuilder = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Value row, mlir::ValueRange rowSlices)>;

/// A serial loop over rows [firstRow, endRow) that writes each row's slices
/// of `parts` (rowSlices) with rowBody in turn. Returns the parts.
llvm::SmallVector<mlir::Value> buildRowLoop(mlir::OpBuilder &b, mlir::Location loc,
                                            mlir::Value firstRow, mlir::Value endRow,
                                            mlir::ValueRange parts, RowSliceBuilder rowSlices,
                                            RowBodyBuilder rowBody);

/// Reshapes a static tensor to `resultType` (same element count) with one
/// collapse or expand when the shapes allow it, else through a 1-D tensor.
mlir::Value buildStaticReshape(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                               mlir::RankedTensorType resultType);

/// Scalar arithmetic that picks the float or the integer arith op.
mlir::Value createAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs, mlir::Value rhs);
mlir::Value createMul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs, mlir::Value rhs);

/// max(x, 0); a NaN input stays NaN, as in PyTorch. The sign of a zero
/// output is left open (fastmath nsz), which x86 needs for one VMAXPS.
mlir::Value createRelu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

} // namespace mbert

#endif // MBERT_LIB_CONVERSION_STRUCTUREDBUILDERS_H
