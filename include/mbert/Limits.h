//===- Limits.h - the sizes mbert-compile accepts ---------------*- C++ -*-===//
//
// Models are often downloaded, and a crafted file can declare shapes, folds or
// graphs whose size alone would exhaust the compiler's memory or stack. Every
// such size is checked against one of these limits before anything of that
// size is allocated; docs/LIMITS.md lists them for users. They are far above
// what a MobileBERT (or BERT-large) export needs.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_LIMITS_H
#define MBERT_LIMITS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/MathExtras.h"

#include <cstdint>
#include <optional>

namespace mbert::limits {

/// Dimensions of any tensor (MobileBERT's are at most 4-D).
inline constexpr int64_t kMaxRank = 8;

/// Elements of any one tensor: initializer, graph input or intermediate
/// (2^27, 512 MiB of float32; the largest BERT-large table is 2^25).
inline constexpr int64_t kMaxTensorElements = int64_t(1) << 27;

/// Bytes of all weights together, initializers and Constant nodes (2 GiB;
/// MobileBERT has 100 MB, BERT-large 1.3 GB).
inline constexpr int64_t kMaxTotalWeightBytes = int64_t(1) << 31;

/// Nodes of the graph.
inline constexpr int64_t kMaxNodes = int64_t(1) << 20;

/// Inputs or outputs of one node (Concat inputs, Split outputs).
inline constexpr int64_t kMaxNodeEdges = int64_t(1) << 16;

/// Elements a constant folder may materialize (2^22: the largest shape or
/// mask computation of an export is tiny, a transposed word table of 30522 x
/// 128 still folds). Larger results are left to run time.
inline constexpr int64_t kMaxFoldedElements = int64_t(1) << 22;

/// The element count of a static shape, or nullopt when a dimension is
/// negative or dynamic or the product overflows int64.
inline std::optional<int64_t> getElementCount(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    if (dim < 0 || llvm::MulOverflow(count, dim, count))
      return std::nullopt;
  return count;
}

/// Whether a static shape of `shape` may be folded into a constant.
inline bool isFoldable(llvm::ArrayRef<int64_t> shape) {
  std::optional<int64_t> count = getElementCount(shape);
  return count && *count <= kMaxFoldedElements;
}

} // namespace mbert::limits

#endif // MBERT_LIMITS_H
