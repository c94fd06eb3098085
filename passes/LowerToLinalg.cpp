//===- LowerToLinalg.cpp - onnx and mbert ops to linalg on tensors --------===//

#include "mbert/Conversion/LowerToLinalg.h"
#include "passes/Passes.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mbert {
#define GEN_PASS_DEF_LOWERTOLINALGPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

struct LowerToLinalgPass : mbert::impl::LowerToLinalgPassBase<LowerToLinalgPass> {
  using LowerToLinalgPassBase::LowerToLinalgPassBase;

  void runOnOperation() override {
    if (gemmRows <= 0 || gemmColumns <= 0) {
      getOperation().emitError("mbert-lower-to-linalg: gemm-rows and gemm-columns must be "
                               "positive, got ")
          << static_cast<int64_t>(gemmRows) << " and " << static_cast<int64_t>(gemmColumns);
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
                           math::MathDialect, func::FuncDialect, scf::SCFDialect,
                           vector::VectorDialect>();
    // Every import-level and model-level op must be gone: a leftover op means
    // a pattern declined it, and the conversion reports which one and why.
    target.addIllegalDialect<mbert::onnx_import::OnnxDialect, mbert::model::MBertDialect>();

    RewritePatternSet patterns(context);
    mbert::populateOnnxToLinalgPatterns(patterns);
    mbert::populateMBertToLinalgPatterns(patterns, mbert::GemmTile{gemmRows, gemmColumns});
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
