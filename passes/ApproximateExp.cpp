//===- ApproximateExp.cpp - exp as vectorizable arithmetic ----------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mbert {
#define GEN_PASS_DEF_APPROXIMATEEXPPASS
#include "passes/Passes.h.inc"
} // namespace mbert

using namespace mlir;

namespace {

/// The approximation is written with math.fma, which on a target without a
/// fused multiply-add (baseline x86-64) becomes a call to libm's fmaf. A
/// multiply and add that may be contracted become one fma where the target
/// has it and two instructions where it does not.
struct ContractibleFma : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::FmaOp op, PatternRewriter &rewriter) const override {
    auto contract = arith::FastMathFlagsAttr::get(getContext(), arith::FastMathFlags::contract);
    Value product = arith::MulFOp::create(rewriter, op.getLoc(), op.getA(), op.getB(), contract);
    rewriter.replaceOpWithNewOp<arith::AddFOp>(op, product, op.getC(), contract);
    return success();
  }
};

struct ApproximateExpPass : mbert::impl::ApproximateExpPassBase<ApproximateExpPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == math::ExpOp::getOperationName(); });
    patterns.add<ContractibleFma>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
