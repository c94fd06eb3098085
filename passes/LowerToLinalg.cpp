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
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
                           math::MathDialect, func::FuncDialect, scf::SCFDialect,
                           vector::VectorDialect, arm_neon::ArmNeonDialect, LLVM::LLVMDialect,
                           memref::MemRefDialect, bufferization::BufferizationDialect>();
    // Every import-level and model-level op must be gone: a leftover op means
    // a pattern declined it, and the conversion reports which one and why.
    target.addIllegalDialect<mbert::onnx_import::OnnxDialect, mbert::model::MBertDialect>();
    // uint8 elements pass to and from arith's signless integers through these
    // casts (quantization lowerings); the LLVM lowering reconciles them.
    target.addLegalOp<UnrealizedConversionCastOp>();
    // The linears' row blocks, a value only the entry point's pool argument
    // gives (FinalizeEntryPoint).
    target.addLegalOp<mbert::model::PoolThreadsOp, mbert::model::PoolBlockStartsOp>();

    RewritePatternSet patterns(context);
    mbert::populateOnnxToLinalgPatterns(patterns);
    mbert::populateMBertToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
