//===- SelectKernels.cpp - the target's GEMM microkernel for every op -----===//

#include "mbert/Conversion/MicroKernels.h"
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
    std::string error;
    FailureOr<mbert::MicroKernels> kernels = mbert::selectMicroKernels(
        &getContext(), mbert::KernelTarget{triple, cpu, features}, error);
    if (failed(kernels)) {
      getOperation().emitError(error);
      return signalPassFailure();
    }
    getOperation().walk([&](Operation *op) {
      if (auto linear = dyn_cast<model::LinearOp>(op))
        linear.setKernelAttr(linear.isQuantized() ? kernels->int8 : kernels->f32);
      else if (auto embedding = dyn_cast<model::EmbeddingOp>(op))
        embedding.setKernelAttr(kernels->f32);
      else if (auto attention = dyn_cast<model::AttentionOp>(op))
        attention.setKernelAttr(kernels->f32);
    });
  }
};

} // namespace
