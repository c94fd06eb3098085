//===- BoundSequenceLength.cpp - the sequence length as a run-time argument -===//
//
// A model compiled for sequence length N keeps every static shape, weight and
// buffer of N; this pass adds the length L <= N that the caller has, and
// makes the ops whose cost grows with the sequence (the linears, attention,
// the embedding) stop at L. Everything else runs on N rows: it treats rows
// independently, so the undefined rows past L never reach a valid one. The
// pass proves that by tracing the sequence axis through every op and
// refuses a model where some op would combine positions.
//
//===----------------------------------------------------------------------===//

#include "dialects/MBert/EntryPoint.h"
#include "dialects/MBert/MBertOps.h"
#include "dialects/Onnx/OnnxOps.h"
#include "mbert/ModelSignature.h"
#include "passes/EntryFunction.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

namespace mbert {
#define GEN_PASS_DEF_BOUNDSEQUENCELENGTHPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using namespace mbert::onnx_import;
namespace model = mbert::model;

namespace {

int64_t getRank(Value value) { return cast<RankedTensorType>(value.getType()).getRank(); }

/// `axis` in [0, rank), counting a negative one from the end.
int64_t normalizeAxis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

/// The integers of a constant operand, if it is one.
std::optional<SmallVector<int64_t>> getConstantIntegers(Value value) {
  DenseIntElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return llvm::to_vector(llvm::map_range(attr.getValues<APInt>(),
                                         [](const APInt &v) { return v.getSExtValue(); }));
}

/// The sequence axis of every value derived from the inputs.
class SequenceAxes {
public:
  explicit SequenceAxes(int64_t maxLength) : maxLength(maxLength) {}

  std::optional<int64_t> lookup(Value value) const {
    auto found = axes.find(value);
    return found == axes.end() ? std::nullopt : std::optional(found->second);
  }
  void set(Value value, int64_t axis) { axes[value] = axis; }

  /// Gives `op`'s results their sequence axes, or fails with an error on
  /// `op` when it would combine positions (or is not known not to).
  LogicalResult visit(Operation *op) {
    if (llvm::none_of(op->getOperands(), [&](Value v) { return lookup(v).has_value(); }))
      return success();
    if (isa<func::ReturnOp>(op))
      return success();
    FailureOr<std::optional<int64_t>> axis = getResultAxis(op);
    if (failed(axis))
      return failure();
    if (*axis)
      for (Value result : op->getResults())
        set(result, **axis);
    return success();
  }

private:
  /// Fails with an error naming `op` and `reason`.
  FailureOr<std::optional<int64_t>> refuse(Operation *op, const Twine &reason) {
    op->emitError("--max-seq-len: '") << op->getName() << "' " << reason;
    return failure();
  }

  /// The axis shared by every operand of an elementwise op with numpy
  /// broadcasting, in the result's dimensions.
  FailureOr<std::optional<int64_t>> getBroadcastAxis(Operation *op) {
    int64_t resultRank = getRank(op->getResult(0));
    std::optional<int64_t> shared;
    for (Value operand : op->getOperands()) {
      std::optional<int64_t> axis = lookup(operand);
      if (!axis)
        continue;
      int64_t aligned = *axis + resultRank - getRank(operand);
      if (shared && *shared != aligned)
        return refuse(op, "combines operands whose sequence axes differ");
      shared = aligned;
    }
    return shared;
  }

  FailureOr<std::optional<int64_t>> getResultAxis(Operation *op) {
    auto axisOf = [&](Value value) { return lookup(value); };
    if (isa<CastOp, AddOp, SubOp, MulOp, DivOp, EqualOp, WhereOp, ReluOp, SqrtOp, PowOp,
            QuantizeLinearOp, DequantizeLinearOp>(op))
      return getBroadcastAxis(op);

    if (isa<model::EmbeddingOp>(op))
      return std::optional<int64_t>(1);
    if (auto linear = dyn_cast<model::LinearOp>(op)) {
      std::optional<int64_t> axis = axisOf(linear.getInput());
      if (!axis || *axis != getRank(linear.getInput()) - 2)
        return refuse(op, "has the sequence in its channels or not in its input rows");
      if (Value residual = linear.getResidual(); residual && axisOf(residual) != axis)
        return refuse(op, "adds a residual without the input's sequence axis");
      return axis;
    }
    if (auto attention = dyn_cast<model::AttentionOp>(op)) {
      for (Value operand : {attention.getQuery(), attention.getKey(), attention.getValue()})
        if (axisOf(operand) != 1)
          return refuse(op, "needs query, key and value on one sequence axis");
      if (Value mask = attention.getMaskBias();
          mask && axisOf(mask) && *axisOf(mask) != getRank(mask) - 1)
        return refuse(op, "has a mask bias whose sequence is not its key axis");
      return std::optional<int64_t>(1);
    }
    if (auto noNorm = dyn_cast<model::NoNormOp>(op)) {
      std::optional<int64_t> axis = axisOf(noNorm.getInput());
      if (!axis || *axis == getRank(noNorm.getInput()) - 1)
        return refuse(op, "scales the sequence axis");
      return axis;
    }
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      int64_t axis = *axisOf(slice.getSource());
      if (slice.getResultType().getRank() != slice.getSourceType().getRank() ||
          slice.getStaticOffsets()[axis] != 0 || slice.getStaticSizes()[axis] != maxLength ||
          slice.getStaticStrides()[axis] != 1)
        return refuse(op, "does not keep the whole sequence axis");
      return std::optional(axis);
    }
    if (auto unsqueeze = dyn_cast<UnsqueezeOp>(op)) {
      std::optional<SmallVector<int64_t>> inserted = getConstantIntegers(unsqueeze.getAxes());
      if (!inserted)
        return refuse(op, "has axes that are not constant");
      int64_t rank = getRank(unsqueeze.getOutput()), axis = *axisOf(unsqueeze.getData());
      // The input's dimensions fill the output's non-inserted ones in order.
      for (int64_t dim = 0, source = 0; dim < rank; ++dim) {
        if (llvm::is_contained(llvm::map_range(*inserted,
                                               [&](int64_t a) { return normalizeAxis(a, rank); }),
                               dim))
          continue;
        if (source++ == axis)
          return std::optional(dim);
      }
      return refuse(op, "has malformed axes");
    }
    if (auto squeeze = dyn_cast<SqueezeOp>(op)) {
      Value data = squeeze.getData();
      int64_t rank = getRank(data), axis = *axisOf(data);
      auto shape = cast<RankedTensorType>(data.getType()).getShape();
      SmallVector<int64_t> removed;
      if (Value axes = squeeze.getAxes()) {
        std::optional<SmallVector<int64_t>> values = getConstantIntegers(axes);
        if (!values)
          return refuse(op, "has axes that are not constant");
        for (int64_t a : *values)
          removed.push_back(normalizeAxis(a, rank));
      } else {
        for (int64_t dim = 0; dim < rank; ++dim)
          if (shape[dim] == 1)
            removed.push_back(dim);
      }
      if (llvm::is_contained(removed, axis))
        return refuse(op, "removes the sequence axis");
      return std::optional(axis - llvm::count_if(removed, [&](int64_t d) { return d < axis; }));
    }
    if (auto transpose = dyn_cast<TransposeOp>(op)) {
      int64_t rank = getRank(transpose.getData()), axis = *axisOf(transpose.getData());
      SmallVector<int64_t> permutation;
      if (std::optional<ArrayRef<int64_t>> perm = transpose.getPerm())
        permutation.assign(perm->begin(), perm->end());
      else
        for (int64_t dim = rank - 1; dim >= 0; --dim)
          permutation.push_back(dim);
      return std::optional<int64_t>(llvm::find(permutation, axis) - permutation.begin());
    }
    if (auto reshape = dyn_cast<ReshapeOp>(op)) {
      // Rows stay independent when the dimensions before the sequence are
      // regrouped among themselves and so are those after it.
      ArrayRef<int64_t> in = cast<RankedTensorType>(reshape.getData().getType()).getShape();
      ArrayRef<int64_t> out = cast<RankedTensorType>(reshape.getOutput().getType()).getShape();
      int64_t axis = *axisOf(reshape.getData());
      int64_t before = 1;
      for (int64_t dim = 0; dim < axis; ++dim)
        before *= in[dim];
      int64_t prefix = 1;
      for (int64_t dim = 0; dim < static_cast<int64_t>(out.size()); ++dim) {
        if (prefix == before && out[dim] == maxLength)
          return std::optional(dim);
        prefix *= out[dim];
      }
      return refuse(op, "merges the sequence axis with another");
    }
    if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
      if (normalizeAxis(softmax.getAxis(), getRank(softmax.getInput())) ==
          *axisOf(softmax.getInput()))
        return refuse(op, "normalizes along the sequence axis");
      return axisOf(softmax.getInput());
    }
    if (auto reduce = dyn_cast<ReduceMeanOp>(op)) {
      int64_t rank = getRank(reduce.getData()), axis = *axisOf(reduce.getData());
      SmallVector<int64_t> reduced;
      if (std::optional<ArrayRef<int64_t>> axes = reduce.getAxes())
        for (int64_t a : *axes)
          reduced.push_back(normalizeAxis(a, rank));
      if (reduced.empty() || llvm::is_contained(reduced, axis))
        return refuse(op, "averages over the sequence axis");
      if (reduce.getKeepdims())
        return std::optional(axis);
      return std::optional(axis - llvm::count_if(reduced, [&](int64_t d) { return d < axis; }));
    }
    if (auto norm = dyn_cast<LayerNormalizationOp>(op)) {
      std::optional<int64_t> axis = axisOf(norm.getInput());
      if (!axis || *axis >= normalizeAxis(norm.getAxis(), getRank(norm.getInput())))
        return refuse(op, "normalizes over the sequence axis");
      return axis;
    }
    if (auto matmul = dyn_cast<MatMulOp>(op)) {
      std::optional<int64_t> axis = axisOf(matmul.getLhs());
      int64_t rank = getRank(matmul.getLhs());
      if (!axis || axisOf(matmul.getRhs()) || rank < 2 || *axis >= rank - 1)
        return refuse(op, "contracts over the sequence axis");
      return std::optional(*axis + getRank(matmul.getOutput()) - rank);
    }
    if (auto gemm = dyn_cast<GemmOp>(op)) {
      if (axisOf(gemm.getA()) != 0 || gemm.getTransA() || axisOf(gemm.getB()) ||
          (gemm.getC() && axisOf(gemm.getC())))
        return refuse(op, "contracts over the sequence axis");
      return std::optional<int64_t>(0);
    }
    if (auto gather = dyn_cast<GatherOp>(op)) {
      int64_t rank = getRank(gather.getData());
      int64_t gatherAxis = normalizeAxis(gather.getAxis(), rank);
      int64_t indicesRank = getRank(gather.getIndices());
      if (std::optional<int64_t> indexAxis = axisOf(gather.getIndices())) {
        if (axisOf(gather.getData()))
          return refuse(op, "indexes a sequence with another");
        return std::optional(gatherAxis + *indexAxis);
      }
      int64_t axis = *axisOf(gather.getData());
      if (axis != gatherAxis)
        return std::optional(axis < gatherAxis ? axis : axis + indicesRank - 1);
      // Position 0 exists at every length; a later one might not.
      std::optional<SmallVector<int64_t>> indices = getConstantIntegers(gather.getIndices());
      if (!indices || llvm::any_of(*indices, [](int64_t i) { return i != 0; }))
        return refuse(op, "selects positions other than the first");
      return std::optional<int64_t>();
    }
    if (auto split = dyn_cast<SplitOp>(op)) {
      int64_t axis = *axisOf(split.getInput());
      if (normalizeAxis(split.getAxis(), getRank(split.getInput())) == axis)
        return refuse(op, "splits the sequence axis");
      return std::optional(axis);
    }
    if (auto concat = dyn_cast<ConcatOp>(op)) {
      FailureOr<std::optional<int64_t>> axis = getBroadcastAxis(op);
      if (failed(axis))
        return failure();
      if (normalizeAxis(concat.getAxis(), getRank(concat.getOutput())) == **axis)
        return refuse(op, "joins along the sequence axis");
      return axis;
    }
    return refuse(op, "is not known to keep sequence positions apart");
  }

  DenseMap<Value, int64_t> axes;
  int64_t maxLength;
};

struct BoundSequenceLengthPass
    : mbert::impl::BoundSequenceLengthPassBase<BoundSequenceLengthPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<mbert::ModelSignature> signature = mbert::getModelSignature(module);
    if (failed(signature))
      return signalPassFailure();
    func::FuncOp entry = mbert::lookupSingleBlockEntry(module, "bound-sequence-length");
    if (!entry)
      return signalPassFailure();
    SmallVector<BlockArgument> inputs =
        model::getEntryArguments(entry, model::EntryArgumentKind::Input);
    if (inputs.empty() || inputs.size() != entry.getNumArguments()) {
      entry.emitError("--max-seq-len needs a model with inputs, and no other arguments yet");
      return signalPassFailure();
    }
    // Every input is [1, N] (the driver's --batch and --seq-len set axes 0
    // and 1): the length is one number for the whole batch of one.
    int64_t maxLength = 0;
    for (BlockArgument input : inputs) {
      auto type = cast<RankedTensorType>(input.getType());
      if (type.getRank() != 2 || type.getDimSize(0) != 1 ||
          (maxLength && type.getDimSize(1) != maxLength)) {
        entry.emitError("--max-seq-len needs every input shaped [1, S] (batch 1), but input ")
            << input.getArgNumber() << " is " << type;
        return signalPassFailure();
      }
      maxLength = type.getDimSize(1);
    }

    OpBuilder builder(&getContext());
    Location loc = entry.getLoc();
    Block &body = entry.getBody().front();
    unsigned lengthIndex = entry.getNumArguments();
    if (failed(entry.insertArgument(lengthIndex, builder.getIndexType(), {}, loc)))
      return signalPassFailure();
    model::setEntryArgumentKind(entry, lengthIndex, model::EntryArgumentKind::SequenceLength);
    Value length = entry.getArgument(lengthIndex);

    // The caller's L positions, zero-padded to the N the model reads.
    SequenceAxes axes(maxLength);
    builder.setInsertionPointToStart(&body);
    for (BlockArgument input : inputs) {
      auto paddedType = cast<RankedTensorType>(input.getType());
      input.setType(RankedTensorType::get({1, ShapedType::kDynamic}, paddedType.getElementType()));
      Value zero = arith::ConstantOp::create(builder, loc,
                                             builder.getZeroAttr(paddedType.getElementType()));
      Value zeros = linalg::FillOp::create(
                        builder, loc, zero,
                        ValueRange{tensor::EmptyOp::create(builder, loc, paddedType.getShape(),
                                                           paddedType.getElementType())})
                        .getResult(0);
      SmallVector<OpFoldResult> offsets(2, builder.getIndexAttr(0)),
          strides(2, builder.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = {builder.getIndexAttr(1), length};
      auto padded = tensor::InsertSliceOp::create(builder, loc, input, zeros, offsets, sizes,
                                                  strides);
      input.replaceAllUsesExcept(padded.getResult(), padded);
      axes.set(padded.getResult(), 1);
    }

    for (Operation &op : body.without_terminator())
      if (failed(axes.visit(&op)))
        return signalPassFailure();
    for (Operation &op : body.without_terminator()) {
      if (auto linear = dyn_cast<model::LinearOp>(op); linear && axes.lookup(linear.getInput()))
        linear.getLengthMutable().assign(length);
      else if (auto embedding = dyn_cast<model::EmbeddingOp>(op))
        embedding.getLengthMutable().assign(length);
      else if (auto attention = dyn_cast<model::AttentionOp>(op))
        attention.getLengthMutable().assign(length);
    }

    // Outputs along the sequence: their first L positions, densely.
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    builder.setInsertionPoint(ret);
    for (auto [index, result] : llvm::enumerate(ret.getOperands())) {
      std::optional<int64_t> axis = axes.lookup(result);
      if (!axis)
        continue;
      auto type = cast<RankedTensorType>(result.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0));
      SmallVector<OpFoldResult> strides(type.getRank(), builder.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(&getContext(), type.getShape());
      sizes[*axis] = length;
      Value valid =
          tensor::ExtractSliceOp::create(builder, ret.getLoc(), result, offsets, sizes, strides);
      ret.setOperand(index, valid);
      signature->outputs[index].sequenceAxis = *axis;
    }
    entry.setType(builder.getFunctionType(body.getArgumentTypes(), ret.getOperandTypes()));

    for (mbert::TensorSignature &input : signature->inputs)
      input.sequenceAxis = 1;
    mbert::setModelSignature(module, *signature);
    module->setAttr(mbert::kMaxSequenceLengthAttr, builder.getI64IntegerAttr(maxLength));
  }
};

} // namespace
