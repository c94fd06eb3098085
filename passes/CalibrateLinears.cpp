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
#include "mbert/Pipelines.h"
#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

#include "mbert_npy.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <random>

namespace mbert {
#define GEN_PASS_DEF_CALIBRATELINEARSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
using mbert::ModelSignature;
using mbert::TensorSignature;
using mbert::model::LinearOp;

namespace {

/// A buffer aligned as the generated code's workspace is.
class AlignedBuffer {
public:
  explicit AlignedBuffer(size_t size)
      : data(static_cast<char *>(
            std::aligned_alloc(MBERT_WORKSPACE_ALIGNMENT,
                               llvm::alignTo(std::max<size_t>(size, 1), MBERT_WORKSPACE_ALIGNMENT))),
             &std::free),
        size(size) {}
  char *get() const { return data.get(); }
  size_t getSize() const { return size; }

private:
  std::unique_ptr<char, decltype(&std::free)> data;
  size_t size;
};

/// One set of model inputs, in the signature's order.
using Sample = std::vector<AlignedBuffer>;

int64_t getElementCount(const TensorSignature &tensor) {
  int64_t count = 1;
  for (int64_t dim : tensor.shape)
    count *= dim;
  return count;
}

size_t getByteSize(const TensorSignature &tensor) {
  return getElementCount(tensor) * mbert_dtype_size(tensor.onnxDataType);
}

/// Reads DIR/<sample>/<input>.npy for every sample subfolder (in name order)
/// and every model input; each array must have the input's dtype and shape.
LogicalResult loadSamples(StringRef directory, const ModelSignature &signature,
                          std::vector<Sample> &samples, std::string &error) {
  if (!llvm::sys::fs::is_directory(directory)) {
    error = "calibration set '" + directory.str() + "' is not a directory";
    return failure();
  }
  std::vector<std::string> folders;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(directory, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::fs::is_directory(it->path()))
      folders.push_back(it->path());
  if (ec) {
    error = "cannot list calibration set '" + directory.str() + "': " + ec.message();
    return failure();
  }
  if (folders.empty()) {
    error = "calibration set '" + directory.str() +
            "' has no sample folders (one subfolder per sample, holding <input>.npy files)";
    return failure();
  }
  llvm::sort(folders);
  for (const std::string &folder : folders) {
    Sample sample;
    for (const TensorSignature &input : signature.inputs) {
      llvm::SmallString<256> path(folder);
      llvm::sys::path::append(path, input.name + ".npy");
      mbert_npy_array_t array;
      char message[MBERT_NPY_MESSAGE_CAPACITY];
      if (mbert_npy_read_file(path.c_str(), &array, message, sizeof(message)) != MBERT_OK) {
        error = "calibration sample: " + std::string(message);
        return failure();
      }
      llvm::scope_exit release([&] { mbert_npy_array_release(&array); });
      ArrayRef<int64_t> shape(array.shape, array.rank);
      if (array.dtype != input.onnxDataType || shape != ArrayRef<int64_t>(input.shape)) {
        auto describe = [](int32_t dtype, ArrayRef<int64_t> dims) {
          std::string text = std::string(mbert_dtype_name(dtype)) + "[";
          llvm::raw_string_ostream os(text);
          llvm::interleaveComma(dims, os);
          return text + "]";
        };
        error = "calibration sample " + path.str().str() + ": model input '" + input.name +
                "' is " + describe(input.onnxDataType, input.shape) + ", the file holds " +
                describe(array.dtype, shape);
        return failure();
      }
      sample.emplace_back(getByteSize(input));
      if (array.byte_size)
        std::memcpy(sample.back().get(), array.data, array.byte_size);
    }
    samples.push_back(std::move(sample));
  }
  return success();
}

/// `count` random inputs shaped like real ones: token ids uniform over their
/// table, an attention mask of a random length's ones then zeros, token types
/// 0 for a random first segment of that length and 1 after. Inputs are told
/// apart by their usual export names; any other input is zeros.
std::vector<Sample> generateSamples(const ModelSignature &signature, int64_t count,
                                    unsigned seed) {
  std::mt19937 random(seed);
  std::vector<Sample> samples;
  for (int64_t s = 0; s < count; ++s) {
    Sample sample;
    // One real length and segment split per batch row, shared by the inputs.
    const TensorSignature &first = signature.inputs.front();
    int64_t length = first.shape.empty() ? 1 : first.shape.back();
    int64_t rows = std::max<int64_t>(1, getElementCount(first) / std::max<int64_t>(length, 1));
    std::vector<int64_t> realLengths, splits;
    for (int64_t row = 0; row < rows; ++row) {
      int64_t real = std::uniform_int_distribution<int64_t>(std::max<int64_t>(1, length / 4),
                                                            length)(random);
      realLengths.push_back(real);
      splits.push_back(std::uniform_int_distribution<int64_t>(1, real)(random));
    }
    for (const TensorSignature &input : signature.inputs) {
      sample.emplace_back(getByteSize(input));
      char *bytes = sample.back().get();
      std::memset(bytes, 0, sample.back().getSize());
      int64_t elements = getElementCount(input);
      auto valueAt = [&](int64_t index) -> int64_t {
        int64_t row = (index / length) % rows, position = index % length;
        if (input.name == "attention_mask")
          return position < realLengths[row];
        if (input.name == "token_type_ids")
          return input.indexBound.value_or(2) > 1 && position >= splits[row];
        if (input.indexBound)
          return std::uniform_int_distribution<int64_t>(0, *input.indexBound - 1)(random);
        return 0;
      };
      for (int64_t i = 0; i < elements; ++i) {
        int64_t value = valueAt(i);
        switch (input.onnxDataType) {
        case MBERT_DTYPE_INT64:
          reinterpret_cast<int64_t *>(bytes)[i] = value;
          break;
        case MBERT_DTYPE_INT32:
          reinterpret_cast<int32_t *>(bytes)[i] = static_cast<int32_t>(value);
          break;
        case MBERT_DTYPE_BOOL:
        case MBERT_DTYPE_UINT8:
        case MBERT_DTYPE_INT8:
          bytes[i] = static_cast<char>(value);
          break;
        case MBERT_DTYPE_FLOAT32:
          reinterpret_cast<float *>(bytes)[i] = static_cast<float>(value);
          break;
        default:
          break;
        }
      }
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

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
                                                MBERT_DTYPE_FLOAT32, {channels}, std::nullopt});
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

    std::vector<Sample> samples;
    std::string error;
    if (calibrationSet.empty()) {
      samples = generateSamples(*signature, sampleCount, seed);
    } else if (failed(loadSamples(calibrationSet, *signature, samples, error))) {
      module.emitError(error);
      return signalPassFailure();
    }

    FailureOr<std::vector<std::vector<float>>> ranges = measureRanges(linears, samples);
    if (failed(ranges))
      return signalPassFailure();
    for (auto [linear, range] : llvm::zip(linears, *ranges)) {
      auto type = RankedTensorType::get({static_cast<int64_t>(range.size())},
                                        Float32Type::get(&getContext()));
      linear.setInputRangeAttr(DenseElementsAttr::get(type, ArrayRef<float>(range)));
    }
    calibratedLinears += linears.size();
    samplesRun += samples.size();
  }

  /// The per-channel input ranges of `linears`, the largest over `samples`.
  FailureOr<std::vector<std::vector<float>>> measureRanges(ArrayRef<LinearOp> linears,
                                                           ArrayRef<Sample> samples) {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
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
    mbert::PipelineOptions options;
    options.kernelTarget = mbert::KernelTarget{llvm::sys::getProcessTriple(), "native", ""};
    PassManager pm(context);
    const mbert::KernelTarget &host = options.kernelTarget;
    pm.addPass(mbert::createSelectKernelsPass(
        mbert::SelectKernelsPassOptions{host.triple, host.cpu, host.features}));
    pm.addPass(mbert::createPackWeightsPass());
    mbert::buildModelToLinalgPipeline(pm, options);
    mbert::buildLinalgToLLVMPipeline(pm, options);
    if (failed(pm.run(*probe))) {
      module.emitError("mbert-calibrate-linears: cannot compile the calibration model");
      return failure();
    }
    FailureOr<ModelSignature> planned = mbert::getModelSignature(*probe);
    if (failed(planned))
      return failure();

    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    registerBuiltinDialectTranslation(*context);
    registerLLVMDialectTranslation(*context);
    ExecutionEngineOptions engineOptions;
    auto optimize = makeOptimizingTransformer(/*optLevel=*/2, /*sizeLevel=*/0, nullptr);
    engineOptions.transformer = optimize;
    auto engine = ExecutionEngine::create(*probe, engineOptions);
    if (!engine) {
      module.emitError("mbert-calibrate-linears: cannot JIT the calibration model: ")
          << llvm::toString(engine.takeError());
      return failure();
    }
    llvm::Expected<void *> entryAddress =
        (*engine)->lookup(planned->modelName + "_run_packed");
    if (!entryAddress) {
      module.emitError("mbert-calibrate-linears: ") << llvm::toString(entryAddress.takeError());
      return failure();
    }
    using RunPacked = int32_t (*)(void *const *, void *, void *);
    auto run = reinterpret_cast<RunPacked>(*entryAddress);

    std::vector<AlignedBuffer> outputs;
    for (const TensorSignature &output : planned->outputs)
      outputs.emplace_back(getByteSize(output));
    AlignedBuffer workspace(planned->workspaceSize);
    size_t firstRange = planned->outputs.size() - ranges.size();
    for (auto [index, sample] : llvm::enumerate(samples)) {
      std::vector<void *> buffers;
      for (const AlignedBuffer &input : sample)
        buffers.push_back(input.get());
      for (const AlignedBuffer &output : outputs)
        buffers.push_back(output.get());
      if (int32_t status = run(buffers.data(), workspace.get(), nullptr)) {
        module.emitError("calibration sample ")
            << index << ": the model returned " << mbert_status_string(
                                                       static_cast<mbert_status_t>(status))
            << " (status " << status << ")";
        return failure();
      }
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
