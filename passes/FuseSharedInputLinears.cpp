//===- FuseSharedInputLinears.cpp - one GEMM per shared input -------------===//

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

namespace {

/// Linears that may join a fused GEMM: the epilogue must be the same for all
/// columns, so no residual, and the weights must be known, [K, N] constants,
/// to concatenate.
bool isFusible(LinearOp linear) {
  return !linear.getResidual() && !linear.hasPackedWeight() &&
         mbert::isFloatConstant(linear.getWeight()) &&
         (!linear.getBias() || mbert::isFloatConstant(linear.getBias()));
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

  std::vector<float> weight(rows * totalColumns), bias(totalColumns, 0.0f);
  int64_t offset = 0;
  for (LinearOp linear : group) {
    int64_t columns = cast<RankedTensorType>(linear.getWeight().getType()).getDimSize(1);
    std::vector<float> memberWeight = *mbert::getConstantFloats(linear.getWeight());
    for (int64_t row = 0; row < rows; ++row)
      std::copy_n(memberWeight.begin() + row * columns, columns,
                  weight.begin() + row * totalColumns + offset);
    if (linear.getBias()) {
      std::vector<float> memberBias = *mbert::getConstantFloats(linear.getBias());
      std::copy(memberBias.begin(), memberBias.end(), bias.begin() + offset);
    }
    offset += columns;
  }

  builder.setInsertionPoint(first);
  Location loc = builder.getFusedLoc(llvm::to_vector(llvm::map_range(
      group, [](LinearOp linear) { return Location(linear.getLoc()); })));
  Type f32 = builder.getF32Type();
  Value fusedWeight = mbert::createFloatConstant(
      builder, loc, RankedTensorType::get({rows, totalColumns}, f32), weight);
  Value fusedBias =
      mbert::createFloatConstant(builder, loc, RankedTensorType::get({totalColumns}, f32), bias);
  auto resultType = cast<RankedTensorType>(first.getType());
  SmallVector<int64_t> fusedShape(resultType.getShape());
  fusedShape.back() = totalColumns;
  auto fused = LinearOp::create(builder, loc, RankedTensorType::get(fusedShape, f32),
                                first.getInput(), fusedWeight, fusedBias, Value(), Value(),
                                first.getActivation());

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
  void runOnOperation() override {
    // Groups keyed by (input, activation, block), in program order.
    llvm::MapVector<std::tuple<Value, Activation, Block *>, SmallVector<LinearOp>> groups;
    getOperation().walk([&](LinearOp linear) {
      if (isFusible(linear))
        groups[{linear.getInput(), linear.getActivation(), linear->getBlock()}].push_back(linear);
    });
    OpBuilder builder(&getContext());
    for (auto &[key, group] : groups)
      if (group.size() > 1)
        fuseGroup(group, builder);
  }
};

} // namespace
