//===- Pipelines.cpp - the compiler's pass pipelines ----------------------===//

#include "mbert/Pipelines.h"

#include "dialects/Onnx/ConstantStorage.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace mbert {
namespace {

/// Appends upstream passes given in textual form; the string is fixed here, so
/// a parse error is a bug in this file.
void addUpstreamPasses(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("mbert: malformed built-in pass pipeline");
}

/// See createUnusedConstantReleaser.
struct UnusedConstantReleaser : PassInstrumentation {
  explicit UnusedConstantReleaser(ModuleOp root) : root(root) {}
  void runAfterPass(Pass *, Operation *op) override {
    if (op == root.getOperation())
      onnx_import::releaseUnusedConstantBlobs(op);
  }
  ModuleOp root;
};

} // namespace

std::unique_ptr<PassInstrumentation> createUnusedConstantReleaser(ModuleOp root) {
  return std::make_unique<UnusedConstantReleaser>(root);
}

void buildRaisePipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  // Without it, constant DequantizeLinears are computed by the lowering.
  if (options.enableModelPasses)
    pm.addNestedPass<func::FuncOp>(createRaiseQuantizedLinearsPass());
  pm.addPass(createAnnotateIndexInputsPass());
  if (options.enableModelPasses)
    pm.addNestedPass<func::FuncOp>(createRaiseToMBertPass());
  pm.addPass(createCanonicalizerPass());
}

void buildModelOptimizationPipeline(OpPassManager &pm, const PipelineOptions &options) {
  if (options.enableModelPasses) {
    // Folding first: it rewrites each linear's weights, which fusion then
    // concatenates.
    // The pipeline runs on the compile's own module, so the passes that
    // replace weights free the old ones at once (the peak memory is theirs).
    pm.addPass(createFoldNoNormPass(FoldNoNormPassOptions{/*releaseReplacedWeights=*/true}));
    pm.addPass(createFoldAttentionScalePass());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createFuseSharedInputLinearsPass(
        FuseSharedInputLinearsPassOptions{/*releaseReplacedWeights=*/true}));
    // After every f32 rewrite of the weights, so that the folds stay exact.
    if (options.quantization != PipelineOptions::Quantization::None) {
      pm.addPass(createCalibrateLinearsPass(CalibrateLinearsPassOptions{options.calibrationSet}));
      const KernelTarget &target = options.kernelTarget;
      if (options.quantization == PipelineOptions::Quantization::Auto) {
        SelectPrecisionPassOptions select;
        select.maxError = options.maxError;
        select.calibrationSet = options.calibrationSet;
        select.smoothingStrength = options.smoothingStrength;
        select.triple = target.triple;
        select.cpu = target.cpu;
        select.features = target.features;
        select.int8ActivationBits = target.int8ActivationBits;
        pm.addPass(createSelectPrecisionPass(select));
      }
      QuantizeLinearsPassOptions quantize;
      quantize.smoothingStrength = options.smoothingStrength;
      quantize.triple = options.kernelTarget.triple;
      quantize.cpu = options.kernelTarget.cpu;
      quantize.features = options.kernelTarget.features;
      quantize.int8ActivationBits = options.kernelTarget.int8ActivationBits;
      pm.addPass(createQuantizeLinearsPass(quantize));
      pm.addPass(createQuantizeEmbeddingPass());
    }
    const KernelTarget &target = options.kernelTarget;
    pm.addPass(createSelectKernelsPass(SelectKernelsPassOptions{
        target.triple, target.cpu, target.features, target.int8ActivationBits}));
    // Last: every pass before it rewrites weights in the [K, N] layout.
    pm.addPass(createPackWeightsPass(PackWeightsPassOptions{/*releaseReplacedWeights=*/true}));
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // On the finished model, whose ops it bounds; calibration runs before it,
  // at the full length.
  if (options.runTimeSequenceLength)
    pm.addPass(createBoundSequenceLengthPass());
}

void buildImportToModelPipeline(OpPassManager &pm, const PipelineOptions &options) {
  buildRaisePipeline(pm, options);
  buildModelOptimizationPipeline(pm, options);
}

void buildModelToLinalgPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createLowerToLinalgPass());
  pm.addPass(createCanonicalizerPass());
}

void buildLinalgToLLVMPipeline(OpPassManager &pm, const PipelineOptions &) {
  pm.addPass(createApproximateExpPass());
  // Right before bufferization: no canonicalization may fold the copies away.
  pm.addPass(createCopySharedResultsPass());
  // Function boundaries keep identity layouts so that every argument is a
  // dense buffer the caller owns; results become caller-provided out params.
  // Blocks computed into a tensor.empty and then inserted into a larger
  // result are computed in place, in the result, instead of copied there.
  addUpstreamPasses(pm, "eliminate-empty-tensors,"
                        "one-shot-bufferize{bufferize-function-boundaries "
                        "function-boundary-type-conversion=identity-layout-map},"
                        "buffer-results-to-out-params{hoist-static-allocs add-result-attr "
                        "modify-public-functions},"
                        // Writes of a parallel loop's slices back into
                        // the same slices become self-copies, then go.
                        "cse,canonicalize");
  pm.addPass(createPrivatizeParallelTemporariesPass());
  // Sequential loops inside the nests allocate block temporaries inside the
  // loop; the planner places only allocations at the top of the entry point.
  addUpstreamPasses(pm, "func.func(buffer-loop-hoisting)");
  pm.addPass(createFormParallelRegionsPass());
  pm.addPass(createPlanMemoryPass());
  pm.addNestedPass<func::FuncOp>(createLowerStridedCopiesPass());
  addUpstreamPasses(pm, "func.func(convert-linalg-to-loops)");
  pm.addPass(createOutlineLoopNestsPass());
  // Parallel loops nested in a kernel, and any a kernel could not take, run
  // their iterations in turn.
  addUpstreamPasses(pm, "scf-forall-to-for");
  pm.addPass(createFinalizeEntryPointPass());
  addUpstreamPasses(pm, "expand-strided-metadata,lower-affine,"
                        // GEMM kernels: transfers past the last column become
                        // masked loads and stores.
                        "convert-vector-to-scf,convert-scf-to-cf,convert-vector-to-llvm,"
                        "convert-math-to-llvm,finalize-memref-to-llvm,convert-arith-to-llvm,"
                        "convert-cf-to-llvm,convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
                        "convert-index-to-llvm,reconcile-unrealized-casts");
  pm.addPass(createFlattenConstantGlobalsPass());
  pm.addPass(createDispatchParallelKernelsPass());
  pm.addPass(createEmitModelDescriptorPass());
}

void registerPipelines() {
  PassPipelineRegistration<>(
      "mbert-import-to-model", "Raise the import dialect to mbert model ops",
      [](OpPassManager &pm) { buildImportToModelPipeline(pm, PipelineOptions()); });
  PassPipelineRegistration<>(
      "mbert-model-to-linalg", "Lower model ops to linalg on tensors",
      [](OpPassManager &pm) { buildModelToLinalgPipeline(pm, PipelineOptions()); });
  PassPipelineRegistration<>(
      "mbert-linalg-to-llvm", "Bufferize, plan memory and lower to the LLVM dialect",
      [](OpPassManager &pm) { buildLinalgToLLVMPipeline(pm, PipelineOptions()); });
}

} // namespace mbert
