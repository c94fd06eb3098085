//===- MicroKernels.cpp - which GEMM microkernel a target runs ------------===//

#include "mbert/Conversion/MicroKernels.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using mbert::model::KernelInstruction;
using mbert::model::MicroKernelAttr;
namespace model = mbert::model;

namespace mbert {

void resolveNativeCpu(std::string &cpu, std::string &features) {
  if (cpu != "native")
    return;
  cpu = llvm::sys::getHostCPUName().str();
  llvm::SubtargetFeatures hostFeatures;
  for (const auto &[feature, enabled] : llvm::sys::getHostCPUFeatures())
    hostFeatures.AddFeature(feature, enabled);
  features = hostFeatures.getString() + (features.empty() ? "" : "," + features);
}

FailureOr<MicroKernels> selectMicroKernels(Operation *anchor, const KernelTarget &target) {
  std::string error;
  FailureOr<MicroKernels> kernels = selectMicroKernels(anchor->getContext(), target, error);
  if (failed(kernels))
    anchor->emitError(error);
  return kernels;
}

MicroKernels getPortableMicroKernels(MLIRContext *context) {
  context->getOrLoadDialect<model::MBertDialect>();
  Builder builder(context);
  Type f32 = builder.getF32Type();
  auto widening = MicroKernelAttr::get(context, KernelInstruction::WideningMac,
                                       builder.getIntegerType(8), builder.getIntegerType(32), 4,
                                       16, 1);
  return MicroKernels{MicroKernelAttr::get(context, KernelInstruction::Fma, f32, f32, 6, 16, 1),
                      widening, widening};
}

FailureOr<MicroKernels> selectMicroKernels(MLIRContext *context, const KernelTarget &target,
                                           std::string &error) {
  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargetMCs();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::Triple::normalize(target.triple));
  std::string lookupError;
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!llvmTarget) {
    error = "unknown target '" + target.triple + "': " + lookupError;
    return failure();
  }
  std::string cpu = target.cpu, features = target.features;
  resolveNativeCpu(cpu, features);
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget->createMCSubtargetInfo(triple, cpu, features));
  if (!subtarget) {
    error = "cannot describe the CPU of '" + target.triple + "'";
    return failure();
  }
  if (!cpu.empty() && !subtarget->isCPUStringValid(cpu)) {
    error = "'" + cpu + "' is not a CPU of " + target.triple;
    return failure();
  }

  context->getOrLoadDialect<model::MBertDialect>();
  Builder builder(context);
  Type f32 = builder.getF32Type(), i8 = builder.getIntegerType(8),
       i32 = builder.getIntegerType(32);
  auto f32Kernel = [&](int64_t mr, int64_t nr) {
    return MicroKernelAttr::get(context, KernelInstruction::Fma, f32, f32, mr, nr, 1);
  };
  auto int8Kernel = [&](KernelInstruction instruction, int64_t mr, int64_t nr, int64_t kr) {
    return MicroKernelAttr::get(context, instruction, i8, i32, mr, nr, kr);
  };
  if (target.int8ActivationBits != 7 && target.int8ActivationBits != 8) {
    error = "int8 activations are 7 or 8 bits, got " + std::to_string(target.int8ActivationBits);
    return failure();
  }
  // Only x86's PMADDUBSW gains from a narrower code.
  if (target.int8ActivationBits == 7 && !triple.isX86()) {
    error = "7-bit int8 activations are an x86 kernel's (PMADDUBSW's pair form); " + target.triple +
            " has none";
    return failure();
  }
  // The f32 tile holds rows x vectorsPerRow accumulators in registers, plus
  // the vectors of B and a broadcast element of A per k step. A wide tile (4
  // vectors) pays off where 128-bit registers are plentiful (NEON);
  // otherwise 2 vectors per row, as many rows as the registers allow, up to
  // 8. Integer tiles have 4 rows (8 with 32 registers), which divide every
  // usual sequence length.
  if (triple.isAArch64()) {
    // 32 NEON registers. FMLA by element on an 8 x 8 tile: 16 accumulators,
    // 8 rows of A (four depth steps each) and 2 vectors of B; 8 rows divide
    // the usual sequence lengths. SDOT (FEAT_DotProd) sums four int8
    // products per int32 lane: a 4 x 16 tile is 16 accumulators, 4 rows of A
    // (16 bytes, four depth groups, each) and 4 vectors of B.
    MicroKernels kernels{
        MicroKernelAttr::get(context, KernelInstruction::FmaLane, f32, f32, 8, 8, 1), {}, {}};
    // SMMLA (FEAT_I8MM) multiplies a 2 x 8 block of two rows by an 8 x 2
    // block of two columns: an 8 x 8 tile is 16 accumulators, 4 row pairs
    // (two registers each) and 4 column pairs of B.
    if (subtarget->checkFeatures("+i8mm"))
      kernels.int8 = int8Kernel(KernelInstruction::Smmla, 8, 8, 8);
    else if (subtarget->checkFeatures("+dotprod"))
      kernels.int8 = int8Kernel(KernelInstruction::Sdot, 4, 16, 4);
    else
      kernels.int8 = int8Kernel(KernelInstruction::WideningMac, 4, 16, 1);
    kernels.int8FullRange = kernels.int8;
    return kernels;
  }
  if (triple.isX86()) {
    int64_t lanes = 4, registers = 16;
    if (subtarget->checkFeatures("+avx512f"))
      lanes = 16, registers = 32;
    else if (subtarget->checkFeatures("+avx"))
      lanes = 8;
    // 16 registers hold 6 rows. 32 would hold 12, but 8 rows divide the
    // usual sequence lengths (a 12-row tile computes 132 rows for 128), and
    // their 16 chains already cover the FMA's latency on two pipes: on Zen 5
    // (AVX-512) the full f32 MobileBERT at 128 tokens went from 29.0 to
    // 28.4 ms on one thread, faster in 6 of 6 alternating pairs.
    int64_t f32Rows = std::min<int64_t>(8, (registers - 2 - 2) / 2);
    // The integer registers are as wide as the float ones only with AVX2
    // (AVX-512BW for 512 bits).
    int64_t int8Lanes = subtarget->checkFeatures("+avx512bw") ? 16
                        : subtarget->checkFeatures("+avx2")   ? 8
                                                              : 4;
    // Two accumulator vectors per row; 4 rows (8 with 32 registers) divide
    // every usual sequence length.
    int64_t int8Rows = registers == 32 ? 8 : 4;
    // VPDPBUSD (AVX-512-VNNI on 512 bits, AVX-VNNI on 256) sums four
    // uint8 x int8 products into each int32 lane in one instruction, exact
    // for any int8 weight.
    int64_t vnniLanes = int8Lanes == 16 && subtarget->checkFeatures("+avx512vnni") ? 16
                        : int8Lanes >= 8 && subtarget->checkFeatures("+avxvnni")   ? 8
                                                                                   : 0;
    bool sevenBitCodes = target.int8ActivationBits == 7;
    if (vnniLanes && !sevenBitCodes) {
      MicroKernelAttr vnni = int8Kernel(KernelInstruction::Vpdpbusd, int8Rows, 2 * vnniLanes, 4);
      return MicroKernels{f32Kernel(f32Rows, 2 * lanes), vnni, vnni};
    }
    // Without VNNI, PMADDUBSW (SSSE3 and later) does 4 byte multiply-adds
    // per int32 lane where PMADDWD does 2, at the same throughput; it needs
    // unsigned activations and weights small enough not to saturate its
    // int16 sums (MicroKernelAttr::getWeightMagnitudeLimit). With 7-bit
    // codes (asked for: they cost accuracy, docs/QUANTIZATION.md) two of its
    // sums add in int16 before one PMADDWD widens them: 3 multiplying
    // instructions per 8 products of an int32 lane instead of 4 (on Zen 3
    // the full int8 MobileBERT went from 35.3 to 31.1 ms on one thread).
    // Baseline x86-64 (SSE2) has only PMADDWD, exact for any int8 values.
    MicroKernelAttr fullRange =
        int8Kernel(KernelInstruction::Pmaddwd, int8Rows, 2 * int8Lanes, 2);
    if (!subtarget->checkFeatures("+ssse3")) {
      if (target.int8ActivationBits == 7) {
        error = "7-bit int8 activations need PMADDUBSW (SSSE3), which '" + cpu + "' does not have";
        return failure();
      }
      return MicroKernels{f32Kernel(f32Rows, 2 * lanes), fullRange, fullRange};
    }
    MicroKernelAttr int8 =
        int8Kernel(sevenBitCodes ? KernelInstruction::PmaddubswPair : KernelInstruction::Pmaddubsw,
                   int8Rows, 2 * int8Lanes, 4);
    return MicroKernels{f32Kernel(f32Rows, 2 * lanes), int8, fullRange};
  }
  return getPortableMicroKernels(context);
}

} // namespace mbert
