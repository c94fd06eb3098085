//===- OnnxImporter.h - ONNX protobuf to the import dialect -----*- C++ -*-===//

#ifndef MBERT_FRONTEND_ONNXIMPORTER_H
#define MBERT_FRONTEND_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <optional>
#include <string>

namespace mbert {

struct ImportOptions {
  /// C identifier of the model; symbols become `<modelName>_run` etc.
  std::string modelName = "model";
  /// Values for the batch (first) and sequence (second) axes of the graph
  /// inputs. They fill symbolic dimensions and must agree with fixed ones.
  std::optional<int64_t> batchSize;
  std::optional<int64_t> sequenceLength;
};

/// Reads the ONNX model at `path` into a module holding one entry function of
/// import-dialect ops, folding shape computations as it goes. Problems with the
/// file or the graph are reported as diagnostics on `context` (located at the
/// file, or at the node by its name) and yield a null module.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxModel(mlir::MLIRContext &context,
                                                  llvm::StringRef path,
                                                  const ImportOptions &options);

/// As above, for a binary ModelProto already in memory (the fuzz targets'
/// entry). The buffer's identifier stands for the file's path: diagnostics
/// name it, and external data is looked up in its folder.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxModel(mlir::MLIRContext &context,
                                                  llvm::MemoryBufferRef model,
                                                  const ImportOptions &options);

} // namespace mbert

#endif // MBERT_FRONTEND_ONNXIMPORTER_H
