//===- ModelSignature.h - the model's external interface --------*- C++ -*-===//
//
// The importer records the graph's inputs and outputs (names, dtypes, shapes)
// on the module. Bufferization, the memory planner and LLVM lowering all
// reshape the entry function's arguments, so the passes that build the ABI and
// the header writer read this record instead of the function signature.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_MODELSIGNATURE_H
#define MBERT_MODELSIGNATURE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mbert {

/// Module attribute: the model's C identifier (symbols are `<name>_run`, ...).
inline constexpr llvm::StringLiteral kModelNameAttr = "mbert.model_name";
/// Module attribute: the graph's inputs and outputs, see ModelSignature.
inline constexpr llvm::StringLiteral kSignatureAttr = "mbert.signature";
/// Module attribute: workspace bytes the planned entry point needs.
inline constexpr llvm::StringLiteral kWorkspaceSizeAttr = "mbert.workspace_size";
/// Module attribute: the largest sum of simultaneously live buffer bytes.
inline constexpr llvm::StringLiteral kPeakLiveBytesAttr = "mbert.peak_live_bytes";
/// Module attribute: the largest sequence length the entry point accepts at
/// run time (`mbert-bound-sequence-length`); absent for a fixed length.
inline constexpr llvm::StringLiteral kMaxSequenceLengthAttr = "mbert.max_sequence_length";

/// Byte alignment of the workspace and of every buffer placed in it.
inline constexpr uint64_t kWorkspaceAlignment = 64;

/// The integers [begin, end) an input may hold.
struct ValueInterval {
  int64_t begin;
  int64_t end;
};

struct TensorSignature {
  std::string name;
  int32_t onnxDataType; // TensorProto numbering, as mbert_dtype_t
  std::vector<int64_t> shape;
  /// Inputs used as gather indices (rows of their tables, shifted by any
  /// constant added on the way) or as 0/1 masks must lie in this interval.
  std::optional<ValueInterval> allowedValues;
  /// The axis whose extent is the run-time sequence length (`shape` holds
  /// the largest); none for a tensor of fixed shape.
  std::optional<int64_t> sequenceAxis;
};

struct ModelSignature {
  std::string modelName;
  std::vector<TensorSignature> inputs;
  std::vector<TensorSignature> outputs;
  uint64_t workspaceSize = 0;
  /// The largest run-time sequence length, or 0 when every shape is fixed.
  int64_t maxSequenceLength = 0;
};

/// The ONNX TensorProto data type of an MLIR element type, or 0 if none.
int32_t getOnnxDataType(mlir::Type elementType);
/// The C type spelling of an ONNX data type ("float", "int64_t", ...).
llvm::StringRef getCTypeName(int32_t onnxDataType);

/// `<modelName>_run`, the entry function's symbol.
std::string getEntryFunctionName(llvm::StringRef modelName);

/// Records the signature (everything but the workspace size) on `module`.
void setModelSignature(mlir::ModuleOp module, const ModelSignature &signature);
/// Reads the signature and workspace size back; fails with a diagnostic on
/// the module when the importer's record is missing or malformed.
mlir::FailureOr<ModelSignature> getModelSignature(mlir::ModuleOp module);

/// The entry function `<name>_run` of a module produced by the importer.
mlir::Operation *lookupEntryFunction(mlir::ModuleOp module);

} // namespace mbert

#endif // MBERT_MODELSIGNATURE_H
