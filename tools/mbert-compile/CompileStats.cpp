//===- CompileStats.cpp - what `mbert-compile --stats` reports ------------===//

#include "CompileStats.h"

#include "dialects/MBert/MBertOps.h"
#include "dialects/Onnx/OnnxOps.h"
#include "mbert/ModelSignature.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/JSON.h"

#include <map>

#include <sys/resource.h>

using namespace mlir;

namespace mbert {
namespace {

template <typename OpTy>
int64_t countOps(ModuleOp module, llvm::function_ref<bool(OpTy)> filter = nullptr) {
  int64_t count = 0;
  module.walk([&](OpTy op) {
    if (!filter || filter(op))
      ++count;
  });
  return count;
}

int64_t getIntAttr(ModuleOp module, StringRef name) {
  auto attr = module->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : 0;
}

/// The ONNX node name(s) an op came from: a fused op joins its members'.
std::string getLocationName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    std::string joined;
    for (Location member : fused.getLocations())
      joined += (joined.empty() ? "" : "+") + getLocationName(member);
    return joined;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

/// Times the passes that compile and run the model on calibration inputs.
class CalibrationTimer : public PassInstrumentation {
public:
  explicit CalibrationTimer(double &seconds) : seconds(seconds) {}
  void runBeforePass(Pass *pass, Operation *) override {
    if (isCalibration(pass))
      start = std::chrono::steady_clock::now();
  }
  void runAfterPass(Pass *pass, Operation *) override { stop(pass); }
  void runAfterPassFailed(Pass *pass, Operation *) override { stop(pass); }

private:
  static bool isCalibration(Pass *pass) {
    return pass->getArgument() == "mbert-calibrate-linears" ||
           pass->getArgument() == "mbert-select-precision";
  }
  void stop(Pass *pass) {
    if (isCalibration(pass))
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  double &seconds;
  std::chrono::steady_clock::time_point start;
};

} // namespace

void CompileStats::recordStage(StringRef stage, ModuleOp module, double seconds) {
  recordTime(stage, seconds);
  using namespace onnx_import;
  if (stage == "raise") {
    raisedNoNorms = countOps<model::NoNormOp>(module);
  } else if (stage == "optimize") {
    remainingNoNorms = countOps<model::NoNormOp>(module);
    epilogueNoNorms = countOps<model::LinearOp>(
        module, [](model::LinearOp op) { return static_cast<bool>(op.getResidualScale()); });
    linears = countOps<model::LinearOp>(module);
    packedLinears = countOps<model::LinearOp>(
        module, [](model::LinearOp op) { return op.hasPackedWeight(); });
    attentionOps = countOps<model::AttentionOp>(module);
    recordKernelsAndMacs(module);
    embeddingOps = countOps<model::EmbeddingOp>(module);
    module.walk([&](model::LinearOp op) {
      // A fused GEMM is read only through slices, one per original linear.
      int64_t slices = llvm::count_if(op->getUsers(), [](Operation *user) {
        return isa<tensor::ExtractSliceOp>(user);
      });
      if (slices > 1 && slices == std::distance(op->user_begin(), op->user_end())) {
        ++fusedGemms;
        linearsInFusedGemms += slices;
      }
    });
    // Whatever elementwise work still makes its own pass over memory.
    standaloneElementwiseOps =
        remainingNoNorms + countOps<AddOp>(module) + countOps<SubOp>(module) +
        countOps<MulOp>(module) + countOps<DivOp>(module) + countOps<ReluOp>(module) +
        countOps<WhereOp>(module) + countOps<EqualOp>(module) + countOps<CastOp>(module) +
        countOps<SoftmaxOp>(module);
  } else if (stage == "llvm-dialect") {
    workspaceBytes = getIntAttr(module, kWorkspaceSizeAttr);
    peakLiveBytes = getIntAttr(module, kPeakLiveBytesAttr);
    maxSequenceLength = getIntAttr(module, kMaxSequenceLengthAttr);
    // Dense values, or dense_resource views of them (flattened globals).
    module.walk([&](LLVM::GlobalOp global) {
      auto value = dyn_cast_or_null<ElementsAttr>(global.getValueOrNull());
      if (global.getConstant() && value && value.getElementType().isIntOrFloat())
        weightBytes += value.getNumElements() * value.getElementType().getIntOrFloatBitWidth() / 8;
    });
  }
}

void CompileStats::recordKernelsAndMacs(ModuleOp module) {
  std::map<std::string, int64_t> uses;
  bool precisionChosen = false;
  auto countKernel = [&](model::MicroKernelAttr kernel) {
    if (!kernel)
      return;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << kernel;
    ++uses[text];
  };
  auto elements = [](Value value) { return cast<ShapedType>(value.getType()).getNumElements(); };
  module.walk([&](Operation *op) {
    if (auto linear = dyn_cast<model::LinearOp>(op)) {
      countKernel(linear.getKernelAttr());
      int64_t macs = elements(linear.getResult()) * linear.getDepth();
      gemmMacs += macs;
      if (linear.isQuantized()) {
        int8Macs += macs;
        ++int8Linears;
      }
      precisionChosen |= static_cast<bool>(linear.getPrecisionAttr());
      std::optional<double> error;
      if (FloatAttr measured = linear.getQuantizationErrorAttr())
        error = measured.getValueAsDouble();
      linearPrecisions.push_back(
          LinearPrecision{getLocationName(linear.getLoc()), linear.isQuantized(), error});
    } else if (auto embedding = dyn_cast<model::EmbeddingOp>(op)) {
      countKernel(embedding.getKernelAttr());
      gemmMacs += elements(embedding.getResult()) *
                  cast<ShapedType>(embedding.getProjection().getType()).getDimSize(0);
    } else if (auto attention = dyn_cast<model::AttentionOp>(op)) {
      countKernel(attention.getKernelAttr());
      // Q K^T and P V: each [B, Sq, H*D] query meets Sk keys twice.
      gemmMacs += 2 * elements(attention.getQuery()) *
                  cast<ShapedType>(attention.getKey().getType()).getDimSize(1);
    }
  });
  kernels.assign(uses.begin(), uses.end());
  // --quantize=auto may keep every linear f32; its choice is still reported.
  quantizing = int8Linears > 0 || precisionChosen;
  if (auto error = module->getAttrOfType<FloatAttr>("mbert.quantized_output_error"))
    quantizedOutputError = error.getValueAsDouble();
}

std::unique_ptr<PassInstrumentation> CompileStats::createCalibrationTimer() {
  return std::make_unique<CalibrationTimer>(calibrationSeconds);
}

void CompileStats::recordTime(StringRef stage, double seconds) {
  stageSeconds.emplace_back(stage.str(), seconds);
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    // Linux counts it in kilobytes.
    stagePeakBytes.emplace_back(stage.str(), static_cast<int64_t>(usage.ru_maxrss) * 1024);
}

void CompileStats::recordObject(llvm::MemoryBufferRef object) {
  auto file = llvm::object::ObjectFile::createObjectFile(object);
  if (!file) {
    llvm::consumeError(file.takeError());
    return;
  }
  for (const llvm::object::SectionRef &section : (*file)->sections())
    if (section.isText())
      textBytes += section.getSize();
}

void CompileStats::write(llvm::raw_ostream &os, StringRef modelName, StringRef triple) const {
  llvm::json::OStream json(os, /*IndentSize=*/2);
  json.object([&] {
    json.attribute("model", modelName);
    json.attribute("target", triple);
    json.attributeObject("no_norm", [&] {
      json.attribute("raised", raisedNoNorms);
      json.attribute("exact_folds", raisedNoNorms - remainingNoNorms - epilogueNoNorms);
      json.attribute("epilogue_folds", epilogueNoNorms);
      json.attribute("remaining", remainingNoNorms);
    });
    json.attributeObject("linear", [&] {
      json.attribute("gemms", linears);
      json.attribute("fused_gemms", fusedGemms);
      json.attribute("linears_in_fused_gemms", linearsInFusedGemms);
      json.attribute("packed_weights", packedLinears);
    });
    json.attributeObject("kernels", [&] {
      for (const auto &[kernel, count] : kernels)
        json.attribute(kernel, count);
    });
    json.attributeObject("quantization", [&] {
      json.attribute("int8_linears", int8Linears);
      json.attribute("gemm_macs", gemmMacs);
      json.attribute("int8_mac_fraction",
                     gemmMacs ? static_cast<double>(int8Macs) / gemmMacs : 0.0);
      if (!quantizing)
        return;
      if (quantizedOutputError)
        json.attribute("output_error", *quantizedOutputError);
      json.attribute("calibration_seconds", calibrationSeconds);
      json.attributeArray("linears", [&] {
        for (const LinearPrecision &linear : linearPrecisions)
          json.object([&] {
            json.attribute("name", linear.name);
            json.attribute("precision", linear.int8 ? "int8" : "f32");
            if (linear.error)
              json.attribute("error", *linear.error);
          });
      });
    });
    json.attribute("attention_ops", attentionOps);
    json.attribute("embedding_ops", embeddingOps);
    json.attribute("standalone_elementwise_ops", standaloneElementwiseOps);
    json.attributeObject("memory", [&] {
      json.attribute("workspace_bytes", workspaceBytes);
      json.attribute("peak_live_bytes", peakLiveBytes);
      // The length the workspace is planned for when the entry point takes
      // the length at run time (0: fixed shapes).
      json.attribute("max_sequence_length", maxSequenceLength);
      json.attribute("weight_bytes", weightBytes);
    });
    json.attribute("text_bytes", textBytes);
    json.attributeObject("compile_seconds", [&] {
      for (const auto &[stage, seconds] : stageSeconds)
        json.attribute(stage, seconds);
    });
    json.attributeObject("peak_memory_bytes", [&] {
      for (const auto &[stage, bytes] : stagePeakBytes)
        json.attribute(stage, bytes);
    });
  });
  os << "\n";
}

} // namespace mbert
