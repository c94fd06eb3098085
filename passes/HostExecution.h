//===- HostExecution.h - run a model-level module on this host --*- C++ -*-===//
//
// Calibration and precision selection measure the model on sample inputs
// while it is being compiled: a copy of the module, still at the model
// level, is compiled for this host through the rest of the pipeline and run
// in process by MLIR's ExecutionEngine. This is that machinery, and the
// calibration samples it runs on (a folder of .npy files, or generated).
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_PASSES_HOSTEXECUTION_H
#define MBERT_PASSES_HOSTEXECUTION_H

#include "mbert/ModelSignature.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

#include "mbert_runtime.h"

namespace mbert {

/// A buffer aligned as the generated code's workspace is.
class AlignedBuffer {
public:
  explicit AlignedBuffer(size_t size);
  char *get() const { return data.get(); }
  size_t getSize() const { return size; }

private:
  std::unique_ptr<char, void (*)(void *)> data;
  size_t size;
};

/// One set of model inputs (or outputs), in the signature's order.
using TensorBuffers = std::vector<AlignedBuffer>;

/// Element count and byte size of a tensor of the signature.
int64_t getElementCount(const TensorSignature &tensor);
size_t getByteSize(const TensorSignature &tensor);

/// Reads DIR/<sample>/<input>.npy for every sample subfolder (in name order)
/// and every model input; each array must have the input's dtype and shape.
mlir::LogicalResult loadSamples(llvm::StringRef directory, const ModelSignature &signature,
                                std::vector<TensorBuffers> &samples, std::string &error);

/// `count` random inputs shaped like real ones: token ids uniform over their
/// table, an attention mask of a random length's ones then zeros, token types
/// 0 for a random first segment of that length and 1 after. Inputs are told
/// apart by their usual export names; any other input is zeros.
std::vector<TensorBuffers> generateSamples(const ModelSignature &signature, int64_t count,
                                           unsigned seed);

/// The calibration samples a quantizing pass runs on: `directory`'s, or
/// `count` generated ones when it is empty.
mlir::FailureOr<std::vector<TensorBuffers>>
getCalibrationSamples(mlir::ModuleOp module, llvm::StringRef directory, int64_t count,
                      unsigned seed);

/// A model-level module compiled for this host and loaded in process.
class HostModel {
public:
  /// Compiles `module` (consumed: lowered in place) through kernel selection
  /// for this CPU, packing and the lowering pipelines, and JITs it. `purpose`
  /// names the caller in errors, reported on `diagnosticsAnchor`. Its int8
  /// linears quantize their rows to `int8ActivationBits` (KernelTarget's
  /// meaning; an x86 host only), so that it computes what a target with that
  /// code width does.
  static mlir::FailureOr<HostModel> compile(mlir::ModuleOp module,
                                            mlir::Operation *diagnosticsAnchor,
                                            llvm::StringRef purpose,
                                            unsigned int8ActivationBits = 8);

  /// The outputs' signature (after any the caller added).
  const std::vector<TensorSignature> &getOutputs() const { return signature.outputs; }

  /// Runs one sample; `outputs` gets one buffer per output. Reports a non-OK
  /// status of the model as an error on the anchor.
  mlir::LogicalResult run(const TensorBuffers &inputs, TensorBuffers &outputs, int64_t sampleIndex);

private:
  using RunPacked = mbert_entry_packed_fn;
  HostModel(std::unique_ptr<mlir::ExecutionEngine> engine, RunPacked entry,
            ModelSignature signature, mlir::Operation *anchor, std::string purpose);

  std::unique_ptr<mlir::ExecutionEngine> engine;
  RunPacked entry;
  ModelSignature signature;
  std::unique_ptr<AlignedBuffer> workspace;
  mlir::Operation *anchor;
  std::string purpose;
};

} // namespace mbert

#endif // MBERT_PASSES_HOSTEXECUTION_H
