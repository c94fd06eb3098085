//===- EntryPoint.h - the arguments of a model's entry point ----*- C++ -*-===//
//
// The C signature of `<name>_run` (docs/ABI.md), defined once. Each pass that
// adds an argument to the entry function tags it with its role
// (#mbert.entry_argument), later passes find arguments by role, and
// mbert-finalize-entry-point checks the finished signature against
// getEntryPointLayout, which the header writer and the descriptor's packed
// entry also follow. Kernels outlined from parallel loops carry the same kind
// of typed roles on their iteration-range arguments
// (#mbert.kernel_argument), which the thread-pool dispatch reads.
//
//===----------------------------------------------------------------------===//

#ifndef MBERT_DIALECTS_MBERT_ENTRYPOINT_H
#define MBERT_DIALECTS_MBERT_ENTRYPOINT_H

#include "dialects/MBert/MBertOps.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mbert::model {

/// The argument attribute holding an EntryArgumentKindAttr.
inline constexpr llvm::StringLiteral kEntryArgumentAttrName = "mbert.entry_argument";

/// One argument of the entry point: its role and, for an input or an output,
/// the position of its tensor in the model's signature.
struct EntryArgumentSlot {
  EntryArgumentKind kind;
  size_t tensor = 0;
};

/// The arguments of `<name>_run` in order: every input, the sequence length
/// when the model takes it at run time, every output, the workspace and the
/// thread pool.
llvm::SmallVector<EntryArgumentSlot> getEntryPointLayout(size_t inputs, size_t outputs,
                                                         bool runTimeLength);

/// Tags argument `index` of `function` with `kind`.
void setEntryArgumentKind(mlir::FunctionOpInterface function, unsigned index,
                          EntryArgumentKind kind);

/// The role of argument `index` of `function`, if it has been tagged.
std::optional<EntryArgumentKind> getEntryArgumentKind(mlir::FunctionOpInterface function,
                                                      unsigned index);

/// The arguments of `function` (which has a body) tagged `kind`, in order.
llvm::SmallVector<mlir::BlockArgument> getEntryArguments(mlir::FunctionOpInterface function,
                                                         EntryArgumentKind kind);

/// Checks that `function`'s arguments carry exactly `layout`'s roles, in
/// order; reports the first difference on `function`.
mlir::LogicalResult verifyEntryPointLayout(mlir::FunctionOpInterface function,
                                           llvm::ArrayRef<EntryArgumentSlot> layout);

/// The argument attribute holding a KernelArgumentKindAttr.
inline constexpr llvm::StringLiteral kKernelArgumentAttrName = "mbert.kernel_argument";

/// The positions of the iteration-range arguments of a kernel outlined from
/// a parallel loop, if `function` is one.
struct IterationRange {
  unsigned begin, end;
};
std::optional<IterationRange> getIterationRange(mlir::FunctionOpInterface function);

/// Tags arguments `begin` and `end` of `function` as its iteration range.
void setIterationRange(mlir::FunctionOpInterface function, IterationRange range);

} // namespace mbert::model

#endif // MBERT_DIALECTS_MBERT_ENTRYPOINT_H
