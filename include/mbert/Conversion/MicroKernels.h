//===- MicroKernels.h - which GEMM microkernel a target runs ----*- C++ -*-===//
//
// The typed description of a GEMM microkernel is `#mbert.kernel` (see
// MBertOps.td). This is where a target's kernels are chosen: from the triple
// and what LLVM knows of the CPU and its features, next to the code that
// lowers the kernels (RegisterTiledGemm.cpp), not in the backend.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_CONVERSION_MICROKERNELS_H
#define MBERT_CONVERSION_MICROKERNELS_H

#include "dialects/MBert/MBertOps.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mbert {

/// A target as the user names it.
struct KernelTarget {
  std::string triple = "aarch64-linux-gnu";
  /// LLVM CPU name; "native" is this host's CPU.
  std::string cpu;
  /// LLVM features, e.g. "+dotprod,+i8mm".
  std::string features;
  /// Bits of the int8 kernels' run-time activation codes: 8, or 7 (x86
  /// only), which lets PMADDUBSW add two sums in int16, a fourth fewer
  /// multiplying instructions, at a measured cost in accuracy.
  unsigned int8ActivationBits = 8;
};

/// The kernel for each kind of GEMM a model has.
struct MicroKernels {
  /// f32 x f32 GEMMs: unquantized linears and attention's products.
  model::MicroKernelAttr f32;
  /// int8 x int8 GEMMs of quantized linears.
  model::MicroKernelAttr int8;
  /// The int8 kernel for weights beyond `int8`'s getWeightMagnitudeLimit
  /// (the same kernel where that is 127).
  model::MicroKernelAttr int8FullRange;
};

/// The kernels for `target`, or an error naming what LLVM does not know (an
/// unknown triple or CPU).
mlir::FailureOr<MicroKernels> selectMicroKernels(mlir::MLIRContext *context,
                                                 const KernelTarget &target, std::string &error);

/// The same for a pass: what LLVM does not know is reported as an error on
/// `anchor`.
mlir::FailureOr<MicroKernels> selectMicroKernels(mlir::Operation *anchor,
                                                 const KernelTarget &target);

/// The kernels of a target LLVM knows nothing special about, and of ops that
/// reach the lowering without a `kernel` (hand-written IR): plain vector code
/// that LLVM legalizes for whatever registers the target has.
MicroKernels getPortableMicroKernels(mlir::MLIRContext *context);

/// `cpu` and `features` as LLVM takes them: "native" becomes this host's CPU
/// name, with the host's features ahead of any given ones.
void resolveNativeCpu(std::string &cpu, std::string &features);

} // namespace mbert

#endif // MBERT_CONVERSION_MICROKERNELS_H
