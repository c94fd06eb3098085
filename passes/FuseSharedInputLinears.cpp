//===- FuseSharedInputLinears.cpp - one GEMM per shared input -------------===//

#include "dialects/Onnx/ConstantStorage.h"
#include "dialects/Onnx/OnnxShapes.h"
#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

#include "llvm/ADT/MapVector.h"

namespace mbert {
#define GEN_PASS_DEF_FUSESHAREDINPUTLINEARSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::model::Activation;
using mbert::model::LinearOp;
namespace onnx_import = mbert::onnx_import;

namespace {

/// Linears that may join a fused GEMM: the epilogue must be the same for all
/// columns, so no residual, and the weights must be known, [K, N] constants,
/// to concatenate. int8 weights (a pre-quantized model's) join with their
/// per-column scales and sums; a smoothing would differ between members,
/// and the input rows are quantized once for all of them.
bool isFusible(LinearOp linear) {
  bool constantWeight = linear.isQuantized()
                            ? !linear.getSmoothing() &&
                                  onnx_import::isConstant(linear.getWeight()) &&
                                  mbert::isFloatConstant(linear.getWeightScale()) &&
                                  onnx_import::isConstant(linear.getWeightSums())
                            : mbert::isFloatConstant(linear.getWeight());
  return !linear.getResidual() && !linear.hasPackedWeight() && constantWeight &&
         (!linear.getBias() || mbert::isFloatConstant(linear.getBias()));
}

/// The members' [rows, columns_i] constants (or [columns_i] vectors, with
/// rows = 1) side by side, as `[rows, total]` elements of type T.
template <typename T>
std::vector<T> concatenateColumns(ArrayRef<Value> members, int64_t rows, int64_t totalColumns) {
  std::vector<T> result(rows * totalColumns);
  int64_t offset = 0;
  for (Value member : members) {
    std::vector<T> values = *onnx_import::getConstantValues<T>(member);
    int64_t columns = cast<ShapedType>(member.getType()).getShape().back();
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t column = 0; column < columns; ++column)
        result[row * totalColumns + offset + column] = values[row * columns + column];
    offset += columns;
  }
  return result;
}

/// Replaces `group` (same input, same activation, in program order) by one
/// linear whose columns are the members' columns side by side.
void fuseGroup(ArrayRef<LinearOp> group, OpBuilder &builder) {
  LinearOp first = group.front();
  auto weightType = cast<RankedTensorType>(first.getWeight().getType());
  int64_t rows = weightType.getDimSize(0);
  int64_t totalColumns = 0;
  for (LinearOp linear : group)
    totalColumns += cast<RankedTensorType>(linear.getWeight().getType()).getDimSize(1);

  std::vector<float> bias(totalColumns, 0.0f);
  int64_t offset = 0;
  for (LinearOp linear : group) {
    int64_t columns = cast<RankedTensorType>(linear.getWeight().getType()).getDimSize(1);
    if (linear.getBias()) {
      std::vector<float> memberBias = *mbert::getConstantFloats(linear.getBias());
      std::copy(memberBias.begin(), memberBias.end(), bias.begin() + offset);
    }
    offset += columns;
  }
  SmallVector<Value> weights, scales, sums;
  for (LinearOp linear : group) {
    weights.push_back(linear.getWeight());
    scales.push_back(linear.getWeightScale());
    sums.push_back(linear.getWeightSums());
  }

  builder.setInsertionPoint(first);
  Location loc = builder.getFusedLoc(llvm::to_vector(llvm::map_range(
      group, [](LinearOp linear) { return Location(linear.getLoc()); })));
  Type f32 = builder.getF32Type();
  auto columnsType = [&](Type elementType) {
    return RankedTensorType::get({totalColumns}, elementType);
  };
  Value fusedWeight, fusedScale, fusedSums;
  if (first.isQuantized()) {
    auto constant = [&](ShapedType type, const auto &values) {
      return onnx_import::ConstantOp::create(
                 builder, loc, onnx_import::createConstantAttr(type, ArrayRef(values)))
          .getResult();
    };
    fusedWeight = constant(RankedTensorType::get({rows, totalColumns}, builder.getI8Type()),
                           concatenateColumns<int8_t>(weights, rows, totalColumns));
    fusedScale = constant(columnsType(f32), concatenateColumns<float>(scales, 1, totalColumns));
    fusedSums = constant(columnsType(builder.getI32Type()),
                         concatenateColumns<int32_t>(sums, 1, totalColumns));
  } else {
    fusedWeight = mbert::createFloatConstant(builder, loc,
                                             RankedTensorType::get({rows, totalColumns}, f32),
                                             concatenateColumns<float>(weights, rows, totalColumns));
  }
  Value fusedBias = mbert::createFloatConstant(builder, loc, columnsType(f32), bias);
  auto resultType = cast<RankedTensorType>(first.getType());
  SmallVector<int64_t> fusedShape(resultType.getShape());
  fusedShape.back() = totalColumns;
  auto fused = LinearOp::create(builder, loc, RankedTensorType::get(fusedShape, f32),
                                first.getInput(), fusedWeight, fusedScale, fusedSums,
                                /*smoothing=*/Value(), fusedBias, /*residual=*/Value(),
                                /*residual_scale=*/Value(), first.getLength(), first.getActivation(),
                                mbert::model::MicroKernelAttr(), DenseElementsAttr(),
                                mbert::model::PrecisionAttr(), FloatAttr());

  // Slices go right after the fused linear; members are erased only after
  // all slices exist (the builder must not point at an erased op).
  builder.setInsertionPointAfter(fused);
  offset = 0;
  for (LinearOp linear : group) {
    auto type = cast<RankedTensorType>(linear.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank, builder.getIndexAttr(0));
    offsets.back() = builder.getIndexAttr(offset);
    SmallVector<OpFoldResult> sizes;
    for (int64_t dim : type.getShape())
      sizes.push_back(builder.getIndexAttr(dim));
    SmallVector<OpFoldResult> strides(rank, builder.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(builder, linear.getLoc(), type, fused, offsets,
                                                 sizes, strides);
    linear.getResult().replaceAllUsesWith(slice);
    offset += type.getShape().back();
  }
  for (LinearOp linear : group)
    linear.erase();
}

struct FuseSharedInputLinearsPass
    : mbert::impl::FuseSharedInputLinearsPassBase<FuseSharedInputLinearsPass> {
  using FuseSharedInputLinearsPassBase::FuseSharedInputLinearsPassBase;

  void runOnOperation() override {
    // Groups keyed by (input, activation, block, weight element type: int8
    // and f32 weights do not mix), in program order.
    llvm::MapVector<std::tuple<Value, Activation, Block *, Type>, SmallVector<LinearOp>> groups;
    getOperation().walk([&](LinearOp linear) {
      if (isFusible(linear))
        groups[{linear.getInput(), linear.getActivation(), linear->getBlock(),
                cast<ShapedType>(linear.getWeight().getType()).getElementType()}]
            .push_back(linear);
    });
    OpBuilder builder(&getContext());
    for (auto &[key, group] : groups) {
      if (group.size() < 2)
        continue;
      fuseGroup(group, builder);
      if (releaseReplacedWeights)
        onnx_import::eraseUnusedConstants(getOperation());
    }
  }
};

} // namespace
