//===- LowerToLinalg.h - onnx and mbert ops to linalg -----------*- C++ -*-===//

#ifndef MBERT_CONVERSION_LOWERTOLINALG_H
#define MBERT_CONVERSION_LOWERTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mbert {

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
