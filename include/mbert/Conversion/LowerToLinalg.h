//===- LowerToLinalg.h - onnx and mbert ops to linalg -----------*- C++ -*-===//

#ifndef MBERT_CONVERSION_LOWERTOLINALG_H
#define MBERT_CONVERSION_LOWERTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace mbert {

/// Patterns lowering every op of the import dialect to linalg/tensor/arith/math
/// on tensors. Ops must have static shapes; a pattern that cannot lower an op
/// reports why through notifyMatchFailure.
void populateOnnxToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Patterns lowering the mbert model dialect (linear, no_norm, attention) to
/// linalg on tensors.
void populateMBertToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace mbert

#endif // MBERT_CONVERSION_LOWERTOLINALG_H
