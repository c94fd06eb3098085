//===- Pipelines.h - the compiler's pass pipelines --------------*- C++ -*-===//
//
// The driver runs these stages in order; `--emit` stops after one of them.
// Each is also registered with mbert-opt under the name in its comment.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_PIPELINES_H
#define MBERT_PIPELINES_H

#include "mbert/Conversion/MicroKernels.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mbert {

struct PipelineOptions {
  /// Run the MobileBERT-specific passes (raising, fusion, folding). Without
  /// them every op takes the generic lowering path; -O0 turns them off.
  bool enableModelPasses = true;
  /// Which linears get int8 weights per output channel (inputs quantized per
  /// row at run time): none, all that qualify, or as many as keep the
  /// outputs within `maxError` of the f32 model's (mbert-select-precision).
  enum class Quantization { None, Int8, Auto } quantization = Quantization::None;
  /// The bound of Quantization::Auto.
  double maxError = 0.05;
  /// Where quantization's calibration inputs are (see mbert-calibrate-linears);
  /// empty: random inputs.
  std::string calibrationSet;
  /// SmoothQuant's alpha for quantized linears (see mbert-quantize-linears).
  double smoothingStrength = 0.65;
  /// The target whose GEMM microkernels the model passes choose; weights are
  /// packed in their layouts.
  KernelTarget kernelTarget;
  /// The entry point takes the sequence length at run time, up to the one
  /// the model is imported with (mbert-bound-sequence-length).
  bool runTimeSequenceLength = false;
};

/// Frees the blobs of weights that a pass left unused (see
/// dialects/Onnx/ConstantStorage.h) after every pass on `root`, so that a
/// compile holds about one copy of the weights rather than one per rewrite.
/// `root` must be the only module that refers to its weights.
std::unique_ptr<mlir::PassInstrumentation> createUnusedConstantReleaser(mlir::ModuleOp root);

/// Records the valid range of index inputs and raises ONNX idioms to mbert
/// ops (linear, no_norm, attention).
void buildRaisePipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// Rewrites mbert ops at compile time: NoNorm and attention-scale folding into
/// weights and epilogues, fusion of linears that share an input, int8
/// quantization when asked, the choice of each GEMM's microkernel, the
/// packing of weights in the kernels' layouts, and last, when asked, the
/// run-time sequence length.
void buildModelOptimizationPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// import -> optimized model level (`mbert-import-to-model`): both of the above.
void buildImportToModelPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// model level -> linalg on tensors (`mbert-model-to-linalg`).
void buildModelToLinalgPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// linalg on tensors -> LLVM dialect with the object ABI (`mbert-linalg-to-llvm`):
/// bufferization, memory planning, loops, entry point, descriptor.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// Registers the pipelines above with the pass registry.
void registerPipelines();

} // namespace mbert

#endif // MBERT_PIPELINES_H
