//===- SelectKernels.cpp - the target's GEMM microkernel for every op -----===//

#include "mbert/Conversion/MicroKernels.h"
#include "passes/ConstantTensors.h"
#include "passes/Passes.h"

namespace mbert {
#define GEN_PASS_DEF_SELECTKERNELSPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;
namespace model = mbert::model;

namespace {

struct SelectKernelsPass : mbert::impl::SelectKernelsPassBase<SelectKernelsPass> {
  using SelectKernelsPassBase::SelectKernelsPassBase;

  void runOnOperation() override {
    FailureOr<mbert::MicroKernels> kernels = mbert::selectMicroKernels(
        getOperation(), mbert::KernelTarget{triple, cpu, features, int8ActivationBits});
    if (failed(kernels))
      return signalPassFailure();
    getOperation().walk([&](Operation *op) {
      if (auto linear = dyn_cast<model::LinearOp>(op))
        linear.setKernelAttr(linear.isQuantized() ? selectInt8Kernel(linear, *kernels)
                                                  : kernels->f32);
      else if (auto embedding = dyn_cast<model::EmbeddingOp>(op))
        embedding.setKernelAttr(kernels->f32);
      else if (auto attention = dyn_cast<model::AttentionOp>(op))
        attention.setKernelAttr(kernels->f32);
    });
  }

  /// The target's int8 kernel, unless the linear's weights exceed what it
  /// multiplies exactly.
  static model::MicroKernelAttr selectInt8Kernel(model::LinearOp linear,
                                                 mbert::MicroKernels kernels) {
    int32_t limit = kernels.int8.getWeightMagnitudeLimit();
    if (limit >= 127)
      return kernels.int8;
    std::optional<int32_t> largest = mbert::getLargestInt8Magnitude(linear.getWeight());
    return largest && *largest <= limit ? kernels.int8 : kernels.int8FullRange;
  }
};

} // namespace
