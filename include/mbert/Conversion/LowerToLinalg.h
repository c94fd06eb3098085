//===- LowerToLinalg.h - onnx and mbert ops to linalg -----------*- C++ -*-===//

#ifndef MBERT_CONVERSION_LOWERTOLINALG_H
#define MBERT_CONVERSION_LOWERTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mbert {

/// Unit attribute on an scf.for whose iterations write disjoint parts of
/// memory, read nothing another iteration writes and share no temporary (a
/// plain temporary would be hoisted out of the loop and shared, so each
/// iteration needs its own slice): a GEMM's column panels, attention's
/// (batch, head) pairs. Such a loop, when it heads a loop nest, is split
/// across the caller's thread pool.
inline constexpr llvm::StringLiteral kParallelLoopAttr = "mbert.parallel";

/// Patterns lowering every op of the import dialect to linalg/tensor/arith/math
/// on tensors. Ops must have static shapes; a pattern that cannot lower an op
/// reports why through notifyMatchFailure.
void populateOnnxToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Patterns lowering the mbert model dialect (linear, embedding, no_norm,
/// attention) to linalg, and vector ops on tensors; GEMMs become the
/// register-tiled microkernel each op's `kernel` names (the portable one for
/// ops without).
void populateMBertToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace mbert

#endif // MBERT_CONVERSION_LOWERTOLINALG_H
