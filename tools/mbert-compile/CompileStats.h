//===- CompileStats.h - what `mbert-compile --stats` reports ----*- C++ -*-===//

#ifndef MBERT_TOOLS_COMPILESTATS_H
#define MBERT_TOOLS_COMPILESTATS_H

#include "dialects/MBert/MBertOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mbert {

/// Collects, stage by stage, what the pipeline did to a model: op counts read
/// off the IR between stages, memory figures recorded by the planner, code
/// size read from the emitted object, and wall time and peak memory per
/// stage.
class CompileStats {
public:
  /// Reads the counts a stage is responsible for from the module it left.
  void recordStage(llvm::StringRef stage, mlir::ModuleOp module, double seconds);
  void recordTime(llvm::StringRef stage, double seconds);
  /// Sums the sizes of the executable sections of an emitted object.
  void recordObject(llvm::MemoryBufferRef object);
  /// A pass instrumentation that adds the time of the passes that run the
  /// model on calibration inputs to the report.
  std::unique_ptr<mlir::PassInstrumentation> createCalibrationTimer();

  /// Writes the report as one JSON object.
  void write(llvm::raw_ostream &os, llvm::StringRef modelName, llvm::StringRef triple) const;

private:
  void recordKernelsAndMacs(mlir::ModuleOp module);

  int64_t raisedNoNorms = 0, remainingNoNorms = 0, epilogueNoNorms = 0;
  int64_t linears = 0, fusedGemms = 0, linearsInFusedGemms = 0, attentionOps = 0;
  int64_t packedLinears = 0, embeddingOps = 0;
  /// Every microkernel the GEMMs run on, with how many ops use it.
  std::vector<std::pair<std::string, int64_t>> kernels;
  /// Multiply-adds per run in GEMMs (linears, embedding projection,
  /// attention products), and the part of them done in int8.
  int64_t gemmMacs = 0, int8Macs = 0;
  int64_t int8Linears = 0;
  /// Every linear's precision and, when measured, its quantization error
  /// (mbert-select-precision); only reported for quantized compiles.
  struct LinearPrecision {
    std::string name;
    bool int8;
    std::optional<double> error;
  };
  std::vector<LinearPrecision> linearPrecisions;
  bool quantizing = false;
  /// The chosen model's measured output error (--quantize=auto).
  std::optional<double> quantizedOutputError;
  double calibrationSeconds = 0;
  int64_t standaloneElementwiseOps = 0;
  int64_t workspaceBytes = 0, peakLiveBytes = 0, maxSequenceLength = 0, weightBytes = 0,
          textBytes = 0;
  std::vector<std::pair<std::string, double>> stageSeconds;
  /// The compiler's peak resident memory when each stage ended (a running
  /// maximum, so the last one is the whole compile's).
  std::vector<std::pair<std::string, int64_t>> stagePeakBytes;
};

} // namespace mbert

#endif // MBERT_TOOLS_COMPILESTATS_H
