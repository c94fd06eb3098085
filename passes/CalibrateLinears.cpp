//===- CalibrateLinears.cpp - input ranges of the linears on sample inputs -===//
//
// Runs the f32 model on calibration inputs, in process: a copy of the module
// is made to also return the per-channel range of every linear's input,
// compiled for this host through the rest of the pipeline, and executed by
// MLIR's ExecutionEngine. The ranges land on the original linears as
// `input_range`, where quantization reads them.
//
//===----------------------------------------------------------------------===//

#include "mbert/ModelSignature.h"
#include "passes/ConstantTensors.h"
#include "passes/HostExecution.h"
#include "passes/Passes.h"

#include "mbert_runtime.h"

namespace mbert {
#define GEN_PASS_DEF_CALIBRATELINEARSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::ModelSignature;
using mbert::TensorSignature;
using mbert::model::LinearOp;

namespace {

/// Makes `entry` also return, for each of `linears` (in order), the largest
/// |x| of each of its input channels over every row, and records those
/// outputs in the signature.
void addRangeOutputs(func::FuncOp entry, MutableArrayRef<LinearOp> linears,
                     ModelSignature &signature) {
  auto returnOp = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
  OpBuilder b(returnOp);
  MLIRContext *context = b.getContext();
  SmallVector<Value> results(returnOp.getOperands());
  for (auto [index, linear] : llvm::enumerate(linears)) {
    Location loc = linear.getLoc();
    auto inputType = cast<RankedTensorType>(linear.getInput().getType());
    int64_t rank = inputType.getRank(), channels = inputType.getShape().back();
    auto rangeType = RankedTensorType::get({channels}, b.getF32Type());
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    Value init = linalg::FillOp::create(
                     b, loc, zero, tensor::EmptyOp::create(b, loc, rangeType.getShape(),
                                                           b.getF32Type()).getResult())
                     .getResult(0);
    SmallVector<utils::IteratorType> iterators(rank - 1, utils::IteratorType::reduction);
    iterators.push_back(utils::IteratorType::parallel);
    auto range = linalg::GenericOp::create(
        b, loc, rangeType, linear.getInput(), init,
        ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, context),
                            AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context))},
        iterators, [](OpBuilder &nested, Location bodyLoc, ValueRange args) {
          Value magnitude = math::AbsFOp::create(nested, bodyLoc, args[0]);
          linalg::YieldOp::create(
              nested, bodyLoc,
              ValueRange{arith::MaximumFOp::create(nested, bodyLoc, magnitude, args[1])});
        });
    results.push_back(range.getResult(0));
    signature.outputs.push_back(TensorSignature{"calibration_range_" + std::to_string(index),
                                                MBERT_DTYPE_FLOAT32, {channels}, std::nullopt,
                                                std::nullopt});
  }
  func::ReturnOp::create(b, returnOp.getLoc(), results);
  returnOp.erase();
  entry.setType(FunctionType::get(context, entry.getArgumentTypes(), ValueRange(results).getTypes()));
}

struct CalibrateLinearsPass : mbert::impl::CalibrateLinearsPassBase<CalibrateLinearsPass> {
  using CalibrateLinearsPassBase::CalibrateLinearsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entry = dyn_cast_or_null<func::FuncOp>(mbert::lookupEntryFunction(module));
    FailureOr<ModelSignature> signature = mbert::getModelSignature(module);
    if (!entry || failed(signature))
      return signalPassFailure();
    SmallVector<LinearOp> linears;
    entry.walk([&](LinearOp linear) {
      if (!linear.isQuantized() && !linear.hasPackedWeight() &&
          mbert::isFloatConstant(linear.getWeight()))
        linears.push_back(linear);
    });
    if (linears.empty())
      return;

    FailureOr<std::vector<mbert::TensorBuffers>> samples =
        mbert::getCalibrationSamples(module, calibrationSet, sampleCount, seed);
    if (failed(samples))
      return signalPassFailure();

    FailureOr<std::vector<std::vector<float>>> ranges = measureRanges(linears, *samples);
    if (failed(ranges))
      return signalPassFailure();
    for (auto [linear, range] : llvm::zip(linears, *ranges)) {
      auto type = RankedTensorType::get({static_cast<int64_t>(range.size())},
                                        Float32Type::get(&getContext()));
      linear.setInputRangeAttr(DenseElementsAttr::get(type, ArrayRef<float>(range)));
    }
    calibratedLinears += linears.size();
    samplesRun += samples->size();
  }

  /// The per-channel input ranges of `linears`, the largest over `samples`.
  FailureOr<std::vector<std::vector<float>>> measureRanges(ArrayRef<LinearOp> linears,
                                                           ArrayRef<mbert::TensorBuffers> samples) {
    ModuleOp module = getOperation();
    OwningOpRef<ModuleOp> probe = module.clone();
    auto probeEntry = cast<func::FuncOp>(mbert::lookupEntryFunction(*probe));
    SmallVector<LinearOp> probeLinears;
    // The clone walks in the same order as the original.
    DenseSet<Operation *> wanted;
    for (LinearOp linear : linears)
      wanted.insert(linear);
    SmallVector<LinearOp> originalOrder;
    getOperation().walk([&](LinearOp op) { originalOrder.push_back(op); });
    SmallVector<LinearOp> cloneOrder;
    probe->walk([&](LinearOp op) { cloneOrder.push_back(op); });
    for (auto [original, copy] : llvm::zip(originalOrder, cloneOrder))
      if (wanted.contains(original))
        probeLinears.push_back(copy);
    std::vector<std::vector<float>> ranges;
    for (LinearOp linear : probeLinears)
      ranges.emplace_back(linear.getDepth(), 0.0f);
    FailureOr<ModelSignature> signature = mbert::getModelSignature(*probe);
    addRangeOutputs(probeEntry, probeLinears, *signature);
    mbert::setModelSignature(*probe, *signature);

    // Compiled for this host: the calibration runs here.
    FailureOr<mbert::HostModel> model =
        mbert::HostModel::compile(*probe, module, "mbert-calibrate-linears");
    if (failed(model))
      return failure();
    size_t firstRange = model->getOutputs().size() - ranges.size();
    mbert::TensorBuffers outputs;
    for (auto [index, sample] : llvm::enumerate(samples)) {
      if (failed(model->run(sample, outputs, index)))
        return failure();
      for (auto [range, output] : llvm::zip(ranges, ArrayRef(outputs).drop_front(firstRange))) {
        auto *values = reinterpret_cast<const float *>(output.get());
        for (auto [channel, value] : llvm::enumerate(range))
          value = std::max(value, values[channel]);
      }
    }
    return ranges;
  }
};

} // namespace
