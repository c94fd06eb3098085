//===- HostExecution.cpp - run a model-level module on this host ----------===//

#include "passes/HostExecution.h"

#include "dialects/MBert/LLVMIRTranslation.h"
#include "mbert/Pipelines.h"
#include "passes/Passes.h"

#include "mbert_npy.h"
#include "mbert_runtime.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <cstring>
#include <random>

using namespace mlir;

namespace mbert {

AlignedBuffer::AlignedBuffer(size_t size)
    : data(static_cast<char *>(
               std::aligned_alloc(MBERT_WORKSPACE_ALIGNMENT,
                                  llvm::alignTo(std::max<size_t>(size, 1), MBERT_WORKSPACE_ALIGNMENT))),
           &std::free),
      size(size) {}

int64_t getElementCount(const TensorSignature &tensor) {
  int64_t count = 1;
  for (int64_t dim : tensor.shape)
    count *= dim;
  return count;
}

size_t getByteSize(const TensorSignature &tensor) {
  return getElementCount(tensor) * mbert_dtype_size(tensor.onnxDataType);
}

LogicalResult loadSamples(StringRef directory, const ModelSignature &signature,
                          std::vector<TensorBuffers> &samples, std::string &error) {
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
    TensorBuffers sample;
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

std::vector<TensorBuffers> generateSamples(const ModelSignature &signature, int64_t count,
                                    unsigned seed) {
  std::mt19937 random(seed);
  std::vector<TensorBuffers> samples;
  for (int64_t s = 0; s < count; ++s) {
    TensorBuffers sample;
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
          return (!input.allowedValues || input.allowedValues->end > 1) && position >= splits[row];
        if (input.allowedValues && input.allowedValues->begin < input.allowedValues->end)
          return std::uniform_int_distribution<int64_t>(input.allowedValues->begin,
                                                        input.allowedValues->end - 1)(random);
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

FailureOr<std::vector<TensorBuffers>> getCalibrationSamples(ModuleOp module, StringRef directory,
                                                             int64_t count, unsigned seed) {
  FailureOr<ModelSignature> signature = getModelSignature(module);
  if (failed(signature))
    return failure();
  if (directory.empty())
    return generateSamples(*signature, count, seed);
  std::vector<TensorBuffers> samples;
  std::string error;
  if (failed(loadSamples(directory, *signature, samples, error))) {
    module.emitError(error);
    return failure();
  }
  return samples;
}

HostModel::HostModel(std::unique_ptr<ExecutionEngine> engine, RunPacked entry,
                     ModelSignature signature, Operation *anchor, std::string purpose)
    : engine(std::move(engine)), entry(entry), signature(std::move(signature)),
      workspace(std::make_unique<AlignedBuffer>(this->signature.workspaceSize)), anchor(anchor),
      purpose(std::move(purpose)) {}

FailureOr<HostModel> HostModel::compile(ModuleOp module, Operation *diagnosticsAnchor,
                                        StringRef purpose, unsigned int8ActivationBits) {
  MLIRContext *context = module.getContext();
  PipelineOptions options;
  std::string hostTriple = llvm::sys::getProcessTriple();
  options.kernelTarget = KernelTarget{hostTriple, "native", "",
                                      llvm::Triple(hostTriple).isX86() ? int8ActivationBits : 8u};
  const KernelTarget &host = options.kernelTarget;
  PassManager pm(context);
  pm.addPass(createSelectKernelsPass(
      SelectKernelsPassOptions{host.triple, host.cpu, host.features, host.int8ActivationBits}));
  pm.addPass(createPackWeightsPass());
  buildModelToLinalgPipeline(pm, options);
  buildLinalgToLLVMPipeline(pm, options);
  if (failed(pm.run(module))) {
    diagnosticsAnchor->emitError() << purpose << ": cannot compile the model for this host";
    return failure();
  }
  FailureOr<ModelSignature> planned = getModelSignature(module);
  if (failed(planned))
    return failure();

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerBuiltinDialectTranslation(*context);
  registerLLVMDialectTranslation(*context);
  model::registerMBertDialectTranslation(*context);
  ExecutionEngineOptions engineOptions;
  auto optimize = makeOptimizingTransformer(/*optLevel=*/2, /*sizeLevel=*/0, nullptr);
  engineOptions.transformer = optimize;
  auto engine = ExecutionEngine::create(module, engineOptions);
  if (!engine) {
    diagnosticsAnchor->emitError() << purpose << ": cannot JIT the model: "
                                   << llvm::toString(engine.takeError());
    return failure();
  }
  llvm::Expected<void *> entryAddress = (*engine)->lookup(planned->modelName + "_run_packed");
  if (!entryAddress) {
    diagnosticsAnchor->emitError() << purpose << ": " << llvm::toString(entryAddress.takeError());
    return failure();
  }
  return HostModel(std::move(*engine), reinterpret_cast<RunPacked>(*entryAddress),
                   std::move(*planned), diagnosticsAnchor, purpose.str());
}

LogicalResult HostModel::run(const TensorBuffers &inputs, TensorBuffers &outputs,
                             int64_t sampleIndex) {
  if (outputs.empty())
    for (const TensorSignature &output : signature.outputs)
      outputs.emplace_back(getByteSize(output));
  std::vector<void *> buffers;
  for (const AlignedBuffer &input : inputs)
    buffers.push_back(input.get());
  for (const AlignedBuffer &output : outputs)
    buffers.push_back(output.get());
  if (int32_t status =
          entry(buffers.data(), signature.maxSequenceLength, workspace->get(), nullptr)) {
    anchor->emitError() << purpose << ": calibration sample " << sampleIndex
                        << ": the model returned "
                        << mbert_status_string(static_cast<mbert_status_t>(status)) << " (status "
                        << status << ")";
    return failure();
  }
  return success();
}

} // namespace mbert
