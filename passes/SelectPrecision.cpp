//===- SelectPrecision.cpp - int8 where the model's outputs allow it ------===//
//
// --quantize=auto: measures how much each linear's quantization disturbs its
// own output, then searches for the fewest linears to keep in f32 (the most
// sensitive first) so that the whole model's outputs stay within a relative
// error of the f32 model's. Every measurement is a run of the model, compiled
// for this host in process, on the calibration samples.
//
//===----------------------------------------------------------------------===//

#include "mbert/ModelSignature.h"
#include "passes/ConstantTensors.h"
#include "passes/HostExecution.h"
#include "passes/Passes.h"

#include "mbert_runtime.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <cstdio>
#include <numeric>

namespace mbert {
#define GEN_PASS_DEF_SELECTPRECISIONPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::HostModel;
using mbert::ModelSignature;
using mbert::TensorBuffers;
using mbert::TensorSignature;
using mbert::model::LinearOp;
using mbert::model::Precision;
using mbert::model::PrecisionAttr;

namespace {

/// A [1] f32 tensor: the sum over every element of `combine(a, b)`, a and b
/// of one shape (b may be null).
Value buildSumOverElements(OpBuilder &b, Location loc, Value first, Value second,
                           function_ref<Value(OpBuilder &, Location, ValueRange)> combine) {
  auto type = cast<RankedTensorType>(first.getType());
  int64_t rank = type.getRank();
  MLIRContext *context = b.getContext();
  auto sumType = RankedTensorType::get({1}, b.getF32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  Value init = linalg::FillOp::create(b, loc, zero,
                                      tensor::EmptyOp::create(b, loc, sumType.getShape(),
                                                              b.getF32Type())
                                          .getResult())
                   .getResult(0);
  SmallVector<Value> inputs{first};
  if (second)
    inputs.push_back(second);
  SmallVector<AffineMap> maps(inputs.size(), AffineMap::getMultiDimIdentityMap(rank, context));
  maps.push_back(AffineMap::get(rank, 0, getAffineConstantExpr(0, context)));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::reduction);
  auto sum = linalg::GenericOp::create(
      b, loc, sumType, inputs, init, maps, iterators,
      [&](OpBuilder &nested, Location bodyLoc, ValueRange args) {
        Value term = combine(nested, bodyLoc, args.drop_back());
        linalg::YieldOp::create(nested, bodyLoc,
                                ValueRange{arith::AddFOp::create(nested, bodyLoc, args.back(),
                                                                 term)});
      });
  return sum.getResult(0);
}

/// Makes `entry` also return, for each of `linears`, the sum of squares of
/// (quantized twin - f32 output) and of the f32 output, and records those
/// outputs in the signature. Each linear gets its twin right after it: a
/// clone whose `precision` quantization leaves free, while the linear itself
/// is held in f32.
void addTwinErrorOutputs(func::FuncOp entry, ArrayRef<LinearOp> linears,
                         ModelSignature &signature) {
  auto returnOp = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
  MLIRContext *context = entry.getContext();
  SmallVector<Value> results(returnOp.getOperands());
  SmallVector<std::pair<Value, Value>> pairs;
  for (LinearOp linear : linears) {
    OpBuilder b(linear->getBlock(), std::next(linear->getIterator()));
    auto twin = cast<LinearOp>(b.clone(*linear));
    linear.setPrecisionAttr(PrecisionAttr::get(context, Precision::F32));
    pairs.push_back({linear.getResult(), twin.getResult()});
  }
  OpBuilder b(returnOp);
  for (auto [index, pair] : llvm::enumerate(pairs)) {
    Location loc = pair.first.getLoc();
    results.push_back(buildSumOverElements(
        b, loc, pair.second, pair.first, [](OpBuilder &nested, Location bodyLoc, ValueRange args) {
          Value difference = arith::SubFOp::create(nested, bodyLoc, args[0], args[1]);
          return arith::MulFOp::create(nested, bodyLoc, difference, difference).getResult();
        }));
    results.push_back(buildSumOverElements(
        b, loc, pair.first, Value(), [](OpBuilder &nested, Location bodyLoc, ValueRange args) {
          return arith::MulFOp::create(nested, bodyLoc, args[0], args[0]).getResult();
        }));
    for (StringRef what : {"error", "reference"})
      signature.outputs.push_back(TensorSignature{
          ("precision_" + what + "_" + Twine(index)).str(), MBERT_DTYPE_FLOAT32, {1},
          std::nullopt, std::nullopt});
  }
  func::ReturnOp::create(b, returnOp.getLoc(), results);
  returnOp.erase();
  entry.setType(FunctionType::get(context, entry.getArgumentTypes(), ValueRange(results).getTypes()));
}

/// ||a - reference|| / ||reference|| over `count` floats (the absolute
/// error where the reference is all zeros).
double getRelativeError(const float *values, const float *reference, int64_t count) {
  double error = 0, norm = 0;
  for (int64_t i = 0; i < count; ++i) {
    double difference = static_cast<double>(values[i]) - reference[i];
    error += difference * difference;
    norm += static_cast<double>(reference[i]) * reference[i];
  }
  return norm > 0 ? std::sqrt(error / norm) : std::sqrt(error);
}

/// A number as a user wrote it ("0.05", not "5.000000e-02").
std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

struct SelectPrecisionPass : mbert::impl::SelectPrecisionPassBase<SelectPrecisionPass> {
  using SelectPrecisionPassBase::SelectPrecisionPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!(maxError >= 0) || !std::isfinite(maxError)) {
      module.emitError("mbert-select-precision: max-error must be a finite number >= 0, got ")
          << maxError;
      return signalPassFailure();
    }
    auto entry = dyn_cast_or_null<func::FuncOp>(mbert::lookupEntryFunction(module));
    FailureOr<ModelSignature> signature = mbert::getModelSignature(module);
    if (!entry || failed(signature))
      return signalPassFailure();
    // The linears mbert-quantize-linears would quantize.
    SmallVector<LinearOp> candidates;
    entry.walk([&](LinearOp linear) {
      if (!linear.isQuantized() && !linear.hasPackedWeight() && !linear.getPrecision() &&
          linear.getColumns() >= minColumns && mbert::isFloatConstant(linear.getWeight()))
        candidates.push_back(linear);
    });
    if (candidates.empty())
      return;
    FailureOr<std::vector<TensorBuffers>> samples =
        mbert::getCalibrationSamples(module, calibrationSet, sampleCount, seed);
    if (failed(samples))
      return signalPassFailure();

    std::vector<TensorBuffers> reference;
    FailureOr<std::vector<double>> sensitivity =
        measureSensitivity(candidates, *samples, *signature, reference);
    if (failed(sensitivity))
      return signalPassFailure();
    measuredLinears += candidates.size();

    // The most sensitive first; ties keep the model's order. (The tie-break
    // by index makes a plain sort stable without std::stable_sort's temporary
    // buffer, which clang 22 flags as deprecated in libstdc++ 12.)
    std::vector<size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), 0);
    llvm::sort(order, [&](size_t a, size_t b) {
      double sensitivityA = (*sensitivity)[a], sensitivityB = (*sensitivity)[b];
      return sensitivityA != sensitivityB ? sensitivityA > sensitivityB : a < b;
    });

    llvm::DenseMap<size_t, double> measured;
    auto meetsBound = [&](size_t kept) -> FailureOr<bool> {
      FailureOr<double> error =
          measureModelError(candidates, ArrayRef(order).take_front(kept), *samples, *signature,
                            reference);
      if (failed(error))
        return failure();
      measured[kept] = *error;
      return *error <= maxError;
    };
    // Doubling from 0, then bisection between the last failing and the first
    // passing count.
    size_t failing = 0, passing = 0;
    FailureOr<bool> met = meetsBound(0);
    if (failed(met))
      return signalPassFailure();
    if (!*met) {
      size_t kept = 1;
      while (true) {
        met = meetsBound(kept);
        if (failed(met))
          return signalPassFailure();
        if (*met)
          break;
        failing = kept;
        if (kept == candidates.size()) {
          module.emitError("mbert-select-precision: no choice of f32 linears meets max-error ")
              << formatNumber(maxError) << ": with every linear in f32 the outputs are still "
              << formatNumber(measured[kept]) << " from the f32 model's (the int8 word table)";
          return signalPassFailure();
        }
        kept = std::min(2 * kept, candidates.size());
      }
      passing = kept;
      while (passing - failing > 1) {
        size_t middle = failing + (passing - failing) / 2;
        met = meetsBound(middle);
        if (failed(met))
          return signalPassFailure();
        (*met ? passing : failing) = middle;
      }
    }

    MLIRContext *context = &getContext();
    Builder builder(context);
    for (auto [rank, index] : llvm::enumerate(order)) {
      LinearOp linear = candidates[index];
      linear.setPrecisionAttr(
          PrecisionAttr::get(context, rank < passing ? Precision::F32 : Precision::Int8));
      linear.setQuantizationErrorAttr(
          builder.getF32FloatAttr(static_cast<float>((*sensitivity)[index])));
    }
    module->setAttr("mbert.quantized_output_error",
                    builder.getF32FloatAttr(static_cast<float>(measured[passing])));
    keptLinears += passing;
  }

  /// Each candidate's relative output error when it alone is quantized, and
  /// in `reference` the f32 model's outputs on every sample.
  FailureOr<std::vector<double>> measureSensitivity(ArrayRef<LinearOp> candidates,
                                                    ArrayRef<TensorBuffers> samples,
                                                    const ModelSignature &signature,
                                                    std::vector<TensorBuffers> &reference) {
    ModuleOp module = getOperation();
    IRMapping mapping;
    OwningOpRef<ModuleOp> probe = cast<ModuleOp>(module->clone(mapping));
    SmallVector<LinearOp> copies;
    for (LinearOp original : candidates)
      copies.push_back(cast<LinearOp>(mapping.lookup(original.getOperation())));
    ModelSignature probeSignature = signature;
    addTwinErrorOutputs(cast<func::FuncOp>(mbert::lookupEntryFunction(*probe)), copies,
                        probeSignature);
    mbert::setModelSignature(*probe, probeSignature);
    if (failed(quantize(*probe, /*withEmbedding=*/false)))
      return failure();
    FailureOr<HostModel> model =
        HostModel::compile(*probe, module, "mbert-select-precision", int8ActivationBits);
    if (failed(model))
      return failure();

    size_t modelOutputs = signature.outputs.size();
    std::vector<double> errors(candidates.size(), 0.0), norms(candidates.size(), 0.0);
    for (auto [index, sample] : llvm::enumerate(samples)) {
      TensorBuffers outputs;
      if (failed(model->run(sample, outputs, index)))
        return failure();
      for (size_t linear = 0; linear < candidates.size(); ++linear) {
        errors[linear] += *reinterpret_cast<const float *>(outputs[modelOutputs + 2 * linear].get());
        norms[linear] += *reinterpret_cast<const float *>(outputs[modelOutputs + 2 * linear + 1].get());
      }
      outputs.erase(outputs.begin() + modelOutputs, outputs.end());
      reference.push_back(std::move(outputs));
    }
    std::vector<double> sensitivity;
    for (auto [error, norm] : llvm::zip(errors, norms))
      sensitivity.push_back(norm > 0 ? std::sqrt(error / norm) : std::sqrt(error));
    return sensitivity;
  }

  /// The largest relative error of the model's f32 outputs against
  /// `reference` over `samples`, with `kept` (indices into `candidates`) in
  /// f32 and everything else quantized as the pipeline will.
  FailureOr<double> measureModelError(ArrayRef<LinearOp> candidates, ArrayRef<size_t> kept,
                                      ArrayRef<TensorBuffers> samples,
                                      const ModelSignature &signature,
                                      ArrayRef<TensorBuffers> reference) {
    ModuleOp module = getOperation();
    IRMapping mapping;
    OwningOpRef<ModuleOp> candidate = cast<ModuleOp>(module->clone(mapping));
    for (size_t index : kept) {
      LinearOp original = candidates[index];
      cast<LinearOp>(mapping.lookup(original.getOperation()))
          .setPrecisionAttr(PrecisionAttr::get(&getContext(), Precision::F32));
    }
    if (failed(quantize(*candidate, /*withEmbedding=*/true)))
      return failure();
    FailureOr<HostModel> model =
        HostModel::compile(*candidate, module, "mbert-select-precision", int8ActivationBits);
    if (failed(model))
      return failure();
    ++evaluations;
    double worst = 0;
    for (auto [index, sample] : llvm::enumerate(samples)) {
      TensorBuffers outputs;
      if (failed(model->run(sample, outputs, index)))
        return failure();
      for (auto [output, tensor] : llvm::enumerate(signature.outputs))
        if (tensor.onnxDataType == MBERT_DTYPE_FLOAT32)
          worst = std::max(worst, getRelativeError(
                                      reinterpret_cast<const float *>(outputs[output].get()),
                                      reinterpret_cast<const float *>(reference[index][output].get()),
                                      mbert::getElementCount(tensor)));
    }
    return worst;
  }

  /// Runs the quantization passes the pipeline will run, with this pass's
  /// options, on a copy of the model.
  LogicalResult quantize(ModuleOp copy, bool withEmbedding) {
    PassManager pm(&getContext());
    mbert::QuantizeLinearsPassOptions options;
    options.minColumns = minColumns;
    options.smoothingStrength = smoothingStrength;
    options.triple = triple;
    options.cpu = cpu;
    options.features = features;
    options.int8ActivationBits = int8ActivationBits;
    pm.addPass(mbert::createQuantizeLinearsPass(options));
    if (withEmbedding)
      pm.addPass(mbert::createQuantizeEmbeddingPass());
    if (failed(pm.run(copy))) {
      getOperation().emitError("mbert-select-precision: cannot quantize a candidate model");
      return failure();
    }
    return success();
  }
};

} // namespace
