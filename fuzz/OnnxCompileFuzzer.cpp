//===- OnnxCompileFuzzer.cpp - fuzzed ONNX models through the pipeline ---===//
//
// One fuzz input is a binary ModelProto. It goes through everything
// mbert-compile does before machine code: import (with its folding),
// verification, raising to the mbert dialect, the model passes, and the
// lowering through linalg to the LLVM dialect, for the default AArch64 target.
//
// Bad models are expected; what must not happen is a crash, a sanitizer report,
// a hang, or a failure that says nothing: a stage that fails without an error
// diagnostic traps, since mbert-compile would then exit non-zero with no
// message.
//
// Both ONNX targets link this file; mbert-fuzz-onnx-structured adds a custom
// mutator (OnnxModelMutator.cpp).
//
//===----------------------------------------------------------------------===//

#include "FuzzExternalData.h"

#include "mbert/Frontend/OnnxImporter.h"
#include "mbert/Pipelines.h"
#include "passes/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <cstdint>
#include <cstdlib>

using namespace mlir;

namespace {

/// Larger inputs are rejected so that every input stays fast; the seed models
/// are a few KB, and a model that needs more to show a bug is rare.
constexpr size_t kMaxModelBytes = 64 * 1024;

const DialectRegistry &getRegistry() {
  static const DialectRegistry registry = [] {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registry.insert<mbert::onnx_import::OnnxDialect, mbert::model::MBertDialect>();
    return registry;
  }();
  return registry;
}

/// Runs the driver's stages up to the LLVM dialect; false when one fails.
bool lowerToLLVMDialect(ModuleOp module) {
  mbert::PipelineOptions options;
  PassManager pm(module.getContext());
  pm.addPass(createCanonicalizerPass());
  mbert::buildImportToModelPipeline(pm, options);
  mbert::buildModelToLinalgPipeline(pm, options);
  mbert::buildLinalgToLLVMPipeline(pm, options);
  return succeeded(pm.run(module));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // The pipelines name upstream passes textually; they must be registered.
  registerAllPasses();
  getRegistry();
  mbert::fuzz::getExternalDataFolder();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > kMaxModelBytes)
    return -1;
  // A context per input: uniqued attributes (the weights) would otherwise
  // accumulate over millions of inputs.
  MLIRContext context(getRegistry(), MLIRContext::Threading::DISABLED);
  bool reportedError = false;
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diagnostic) {
    reportedError |= diagnostic.getSeverity() == DiagnosticSeverity::Error;
    return success();
  });
  std::string modelPath = mbert::fuzz::getExternalDataFolder() + "/model.onnx";
  llvm::MemoryBufferRef model(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), modelPath);
  OwningOpRef<ModuleOp> module = mbert::importOnnxModel(context, model, mbert::ImportOptions());
  bool succeeded = module && lowerToLLVMDialect(*module);
  if (!succeeded && !reportedError)
    abort(); // a failure without a message
  return 0;
}
