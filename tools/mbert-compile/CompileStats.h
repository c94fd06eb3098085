//===- CompileStats.h - what `mbert-compile --stats` reports ----*- C++ -*-===//

#ifndef MBERT_TOOLS_COMPILESTATS_H
#define MBERT_TOOLS_COMPILESTATS_H

#include "mbert/Conversion/LowerToLinalg.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <string>
#include <utility>
#include <vector>

namespace mbert {

/// Collects, stage by stage, what the pipeline did to a model: op counts read
/// off the IR between stages, memory figures recorded by the planner, code
/// size read from the emitted object, and wall time per stage.
class CompileStats {
public:
  /// Reads the counts a stage is responsible for from the module it left.
  void recordStage(llvm::StringRef stage, mlir::ModuleOp module, double seconds);
  void recordTime(llvm::StringRef stage, double seconds);
  /// The GEMM register tile the driver chose for the target.
  void recordGemmTile(const GemmTile &tile) { gemmTile = tile; }
  /// Sums the sizes of the executable sections of an emitted object.
  void recordObject(llvm::MemoryBufferRef object);

  /// Writes the report as one JSON object.
  void write(llvm::raw_ostream &os, llvm::StringRef modelName, llvm::StringRef triple) const;

private:
  int64_t raisedNoNorms = 0, remainingNoNorms = 0, epilogueNoNorms = 0;
  int64_t linears = 0, fusedGemms = 0, linearsInFusedGemms = 0, attentionOps = 0;
  int64_t packedLinears = 0, embeddingOps = 0;
  GemmTile gemmTile;
  int64_t standaloneElementwiseOps = 0;
  int64_t workspaceBytes = 0, peakLiveBytes = 0, weightBytes = 0, textBytes = 0;
  std::vector<std::pair<std::string, double>> stageSeconds;
};

} // namespace mbert

#endif // MBERT_TOOLS_COMPILESTATS_H
