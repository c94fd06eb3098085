//===- mbert-opt.cpp - mlir-opt with the mbert dialects and passes --------===//

#include "mbert/Pipelines.h"
#include "passes/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mbert::registerMBertPasses();
  mbert::registerPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mbert::onnx_import::OnnxDialect, mbert::model::MBertDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mbert optimizer driver\n", registry));
}
